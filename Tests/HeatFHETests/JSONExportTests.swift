import Foundation
import Testing
@testable import HeatFHE
@testable import HeatFHETools

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
        let keys = try FHEToolbox.generateKeys(parameters: TestParameters.small64, directory: folder, policy: .allowInsecureForTesting)
        let values: [Int64] = [5, 0, 192, 17, 1, 2, 3]
        let ciphertextURL = folder.appending(path: "values.ct")
        try FHEToolbox.encrypt(values: values, keyFile: keys.publicKey, encoding: .coefficient, output: ciphertextURL, policy: .allowInsecureForTesting)
        let decoder = JSONDecoder()
        let ciphertext = try decoder.decode(ExportDocument.self, from: Data(FHEToolbox.exportJSON(ciphertextURL, policy: .allowInsecureForTesting).utf8))
        let secretKey = try decoder.decode(ExportDocument.self, from: Data(FHEToolbox.exportJSON(keys.secretKey, includeSecret: true, policy: .allowInsecureForTesting).utf8))
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
        let keys = try FHEToolbox.generateKeys(parameters: TestParameters.small32, directory: folder, policy: .allowInsecureForTesting)
        let decoder = JSONDecoder()
        let secretKey = try decoder.decode(ExportDocument.self, from: Data(FHEToolbox.exportJSON(keys.secretKey, includeSecret: true, policy: .allowInsecureForTesting).utf8))
        let publicKey = try decoder.decode(ExportDocument.self, from: Data(FHEToolbox.exportJSON(keys.publicKey, policy: .allowInsecureForTesting).utf8))
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
        #expect(throws: FHEError.self) { try FHEToolbox.exportJSON(keys.parameters, policy: .allowInsecureForTesting) }
    }

    /// The worked example of Docs/FHE-Format.md, checked both independently and with HeatFHE.
    @Test func documentedWorkedExampleDecrypts() throws {
        let secretKey = ExportDocument(
            scheme: "BFV", kind: "secretKey", n: 8, plaintextModulus: 17, encoding: nil, moduli: [7681, 12289, 40961],
            polynomials: [[[1, 0, 7680, 1, 0, 0, 7680, 1], [1, 0, 12288, 1, 0, 0, 12288, 1], [1, 0, 40960, 1, 0, 0, 40960, 1]]])
        let ciphertext = ExportDocument(
            scheme: "BFV", kind: "ciphertext", n: 8, plaintextModulus: 17, encoding: "coefficient", moduli: [7681, 12289],
            polynomials: [
                [[2910, 5774, 5655, 4355, 2707, 919, 3814, 254], [1966, 1636, 751, 1955, 7405, 3125, 6051, 2372]],
                [[5607, 1724, 42, 7652, 636, 6888, 5023, 4371], [5667, 7654, 42, 696, 5242, 2412, 8174, 8348]],
            ])
        #expect(independentDecrypt(ciphertext: ciphertext, secretKey: secretKey) == [3, 1, 4, 1, 5, 9, 2, 6])

        let parameters = BfvParameters(
            degree: 8, plaintextModulus: 17, ciphertextModuli: [7681, 12289], specialModulus: 40961,
            scalarWidth: .bits32, security: .insecureForTesting)
        let context = try BfvContext<UInt32>(parameters: parameters)
        var s = PolyRq<UInt32, Coeff>(context: context.keyContext, data: secretKey.polynomials[0].flatMap { $0.map(UInt32.init) })
        let key = try SecretKey(context: context, wiping: &s, source: "example")
        let polynomials = ciphertext.polynomials.map {
            PolyRq<UInt32, Coeff>(context: context.ciphertextContext, data: $0.flatMap { $0.map(UInt32.init) })
        }
        let loaded = try Ciphertext(
            context: context, polynomials: polynomials, encoding: .coefficient, signedness: .unsigned, valueCount: 8)
        let plaintext = try BfvDecryptor(secretKey: key).decrypt(loaded)
        #expect(try BfvEncoder(context: context).decodeUnsigned(plaintext) == [3, 1, 4, 1, 5, 9, 2, 6])
        // The export of the same objects reproduces the documented JSON residues.
        let exported = try JSONDecoder().decode(ExportDocument.self, from: Data(BfvJSONExport.export(loaded).utf8))
        #expect(exported.polynomials == ciphertext.polynomials && exported.moduli == ciphertext.moduli)
        let exportedKey = try JSONDecoder().decode(ExportDocument.self, from: Data(BfvJSONExport.export(key).utf8))
        #expect(exportedKey.polynomials == secretKey.polynomials && exportedKey.moduli == secretKey.moduli)
        // Batch slots for N=8, t=17 follow the documented exponents.
        #expect((0..<8).map(context.slotExponent) == [1, 3, 9, 11, 15, 13, 7, 5])
        #expect(context.plaintextPlan?.root == 3)
    }
}
