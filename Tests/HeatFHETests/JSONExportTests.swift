import Foundation
import Testing
@testable import HeatFHE

/// The export document as an independent tool would read it.
struct ExportDocument: Decodable {
    var scheme: String
    var kind: String
    var n: Int
    var plaintextModulus: UInt64
    var encoding: String?
    var moduli: [UInt64]
    var polynomials: [[[UInt64]]]
}

/// Decrypts an exported ciphertext with the exported secret key using BigInt alone, following
/// `Docs/FHE-Format.md`: CRT-compose each coefficient, compute [c0 + c1*s]_Q with a schoolbook
/// negacyclic product, then m = round(t * x / Q) mod t. No HeatFHE decryption code is used.
func independentDecrypt(ciphertext: ExportDocument, secretKey: ExportDocument) -> [UInt64] {
    let n = ciphertext.n
    let moduli = ciphertext.moduli.map { BigInt($0) }
    let q = moduli.reduce(BigInt(1)) { $0 * $1 }
    // CRT: x = sum r_i * (Q/q_i) * ((Q/q_i)^-1 mod q_i) mod Q.
    func compose(_ residues: [UInt64], _ moduli: [BigInt], _ product: BigInt) -> BigInt {
        var x = BigInt(0)
        for (index, residue) in residues.enumerated() {
            let punctured = product / moduli[index]
            let inverse = punctured.modulo(moduli[index]).inverse(modulo: moduli[index]) ?? BigInt(0)
            x = x + BigInt(residue) * punctured * inverse
        }
        return x.modulo(product)
    }
    func coefficients(_ polynomial: [[UInt64]], _ moduli: [BigInt], _ product: BigInt) -> [BigInt] {
        (0..<n).map { j in compose(polynomial.map { $0[j] }, moduli, product) }
    }
    // The secret key is exported at the key level: compose there and centre (ternary values).
    let keyModuli = secretKey.moduli.map { BigInt($0) }
    let keyProduct = keyModuli.reduce(BigInt(1)) { $0 * $1 }
    let s = coefficients(secretKey.polynomials[0], keyModuli, keyProduct).map { value in
        value > keyProduct / BigInt(2) ? value - keyProduct : value
    }
    let c0 = coefficients(ciphertext.polynomials[0], moduli, q)
    let c1 = coefficients(ciphertext.polynomials[1], moduli, q)
    var x = c0
    for i in 0..<n {
        for j in 0..<n {
            let term = c1[i] * s[j]
            if i + j < n { x[i + j] = x[i + j] + term } else { x[i + j - n] = x[i + j - n] - term }
        }
    }
    let t = BigInt(ciphertext.plaintextModulus)
    return x.map { value in
        let reduced = value.modulo(q)
        let rounded = (t * reduced * BigInt(2) + q).floorDivided(by: q * BigInt(2))  // round(t*x/Q)
        return rounded.residue(modulo: ciphertext.plaintextModulus)
    }
}

@Suite struct JSONExportTests {
    @Test func exportedCiphertextDecryptsIndependently() throws {
        let folder = try TestParameters.temporaryDirectory()
        let keys = try FHEToolbox.generateKeys(parameters: TestParameters.small64, directory: folder)
        let values: [Int64] = [5, 0, 192, 17, 1, 2, 3]
        let ciphertextURL = folder.appending(path: "values.ct")
        try FHEToolbox.encrypt(values: values, keyFile: keys.publicKey, encoding: .coefficient, output: ciphertextURL)
        let decoder = JSONDecoder()
        let ciphertext = try decoder.decode(ExportDocument.self, from: Data(FHEToolbox.exportJSON(ciphertextURL).utf8))
        let secretKey = try decoder.decode(ExportDocument.self, from: Data(FHEToolbox.exportJSON(keys.secretKey).utf8))
        #expect(ciphertext.scheme == "BFV" && ciphertext.kind == "ciphertext" && ciphertext.encoding == "coefficient")
        #expect(secretKey.kind == "secretKey" && secretKey.encoding == nil)
        #expect(ciphertext.moduli == TestParameters.small64.ciphertextModuli)
        #expect(secretKey.moduli == TestParameters.small64.keyModuli)
        #expect(ciphertext.polynomials.count == 2)
        for polynomial in ciphertext.polynomials {
            #expect(polynomial.count == ciphertext.moduli.count)
            for (index, residues) in polynomial.enumerated() {
                #expect(residues.count == 32)
                #expect(residues.allSatisfy { $0 < ciphertext.moduli[index] })
            }
        }
        let message = independentDecrypt(ciphertext: ciphertext, secretKey: secretKey)
        #expect(Array(message.prefix(values.count)) == values.map { UInt64($0) })
        #expect(message.dropFirst(values.count).allSatisfy { $0 == 0 })
    }

    @Test func exportedSecretKeyIsTernaryAndPublicKeyIsAnRLWESample() throws {
        let folder = try TestParameters.temporaryDirectory()
        let keys = try FHEToolbox.generateKeys(parameters: TestParameters.small32, directory: folder)
        let decoder = JSONDecoder()
        let secretKey = try decoder.decode(ExportDocument.self, from: Data(FHEToolbox.exportJSON(keys.secretKey).utf8))
        let publicKey = try decoder.decode(ExportDocument.self, from: Data(FHEToolbox.exportJSON(keys.publicKey).utf8))
        #expect(publicKey.kind == "publicKey" && publicKey.polynomials.count == 2)
        // Per modulus: s is in {0, 1, q - 1} and p0 + p1*s = -e has |e| <= 21.
        for (index, q) in secretKey.moduli.enumerated() {
            let s = secretKey.polynomials[0][index]
            #expect(s.allSatisfy { $0 == 0 || $0 == 1 || $0 == q - 1 })
            let modulus = try Modulus<UInt64>(q)
            let p0 = publicKey.polynomials[0][index]
            let p1 = publicKey.polynomials[1][index]
            let product = negacyclicProduct(p1, s, modulus: modulus)
            let e = zip(p0, product).map { modulus.centered(modulus.add($0, $1)) }
            #expect(e.allSatisfy { abs($0) <= 21 })
        }
        // Parameters files are not exportable.
        #expect(throws: FHEError.self) { try FHEToolbox.exportJSON(keys.parameters) }
    }
}
