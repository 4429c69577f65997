import Testing
@testable import HeatFHE

/// The RNS scale-and-round of decryption against the BigInt reference.
@Suite struct ScaleAndRoundTests {
    static let presetNames = BfvParameters.presetNames

    /// A polynomial of `ring` whose coefficients are the given integers in `[0, Q)`.
    func polynomial<T: ScalarType>(_ values: [BigInt], ring: RnsContext<T>) -> PolyRq<T, Coeff> {
        var data = [T](repeating: 0, count: ring.count * ring.degree)
        for (i, q) in ring.moduliValues.enumerated() {
            for (j, value) in values.enumerated() { data[i * ring.degree + j] = T(value.residue(modulo: UInt64(q))) }
        }
        return PolyRq(context: ring, data: data)
    }

    /// Uniform residues (a uniform integer in [0, Q) per coefficient), then near-boundary integers
    /// `floor((2k+1) Q / 2t) + d` for small `d`, where rounding is hardest.
    func check<T: ScalarType>(_ context: BfvContext<T>, as _: T.Type) throws {
        let ring = context.ciphertextContext
        let rounder = context.scaleAndRound
        #expect(rounder.isApplicable)
        var random = SecureRandom()
        var data = [T]()
        for modulus in ring.moduli { data += Sampler.uniform(modulus: modulus, count: ring.degree, using: &random) }
        let uniform = PolyRq<T, Coeff>(context: ring, data: data)
        let fast = rounder.scaleAndRound(uniform)
        for j in 0..<ring.degree { #expect(fast[j] == rounder.exact(uniform, coefficient: j), "coefficient \(j)") }

        let q = ring.modulusProduct
        let t = BigInt(context.parameters.plaintextModulus)
        var boundary: [BigInt] = []
        while boundary.count < ring.degree {
            let k = BigInt(random.uniform(below: context.parameters.plaintextModulus))
            let center = (BigInt(2) * k + BigInt(1)) * q / (BigInt(2) * t)
            for d in -2...2 where boundary.count < ring.degree {
                boundary.append((center + BigInt(d)).modulo(q))
            }
        }
        let hard = polynomial(boundary, ring: ring)
        let hardFast = rounder.scaleAndRound(hard)
        for j in 0..<ring.degree {
            let expected = (t * boundary[j] + q / BigInt(2)).floorDivided(by: q).residue(modulo: context.parameters.plaintextModulus)
            #expect(UInt64(hardFast[j]) == expected, "boundary coefficient \(j)")
        }
    }

    @Test(arguments: presetNames)
    func matchesBigIntOnPresets(name: String) throws {
        let parameters = try BfvParameters(preset: name)
        switch parameters.scalarWidth {
        case .bits32: try check(BfvContext<UInt32>(parameters: parameters), as: UInt32.self)
        case .bits64: try check(BfvContext<UInt64>(parameters: parameters), as: UInt64.self)
        }
    }

    @Test func matchesBigIntOnSmallRings() throws {
        try check(BfvContext<UInt32>(parameters: TestParameters.small32), as: UInt32.self)
        try check(BfvContext<UInt64>(parameters: TestParameters.small64), as: UInt64.self)
        try check(BfvContext<UInt32>(parameters: TestParameters.noBatching), as: UInt32.self)
    }

    @Test func fastDecryptionEqualsReferenceAsNoiseGrows() throws {
        let context = try BfvContext<UInt32>(parameters: TestParameters.small32)
        let secretKey = SecretKey(context: context)
        let encryptor = BfvEncryptor(publicKey: PublicKey(secretKey: secretKey))
        let decryptor = BfvDecryptor(secretKey: secretKey)
        let evaluator = BfvEvaluator(context: context)
        let encoder = BfvEncoder(context: context)
        let plaintext = try encoder.encode(unsigned: (0..<16).map { UInt64($0 * 5 % 97) }, encoding: .batch)
        var ciphertext = try encryptor.encrypt(plaintext)
        // Plaintext products grow the noise until decryption fails; both paths must agree throughout.
        for _ in 0..<12 {
            let fast = try decryptor.decrypt(ciphertext)
            let reference = try decryptor.decryptReference(ciphertext)
            #expect(fast.coefficients == reference.coefficients)
            ciphertext = try evaluator.multiply(ciphertext, plaintext)
        }
    }
}
