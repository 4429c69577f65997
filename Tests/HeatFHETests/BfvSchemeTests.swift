import Foundation
import Testing
@testable import HeatFHE

/// Generic round-trip and homomorphism checks, run on small insecure rings of both scalars.
struct SchemeChecks<T: ScalarType> {
    let context: BfvContext<T>
    let secretKey: SecretKey<T>
    let publicKey: PublicKey<T>
    var t: UInt64 { context.parameters.plaintextModulus }
    var n: Int { context.degree }

    init(_ parameters: BfvParameters) throws {
        context = try BfvContext<T>(parameters: parameters)
        secretKey = SecretKey(context: context)
        publicKey = PublicKey(secretKey: secretKey)
    }

    func randomUnsigned(_ count: Int) -> [UInt64] {
        var random = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt64.random(in: 0..<t, using: &random) }
    }

    func randomSigned(_ count: Int) -> [Int64] {
        var random = SystemRandomNumberGenerator()
        let half = Int64((t - 1) / 2)
        return (0..<count).map { _ in Int64.random(in: -half...half, using: &random) }
    }

    func encryptors() -> [BfvEncryptor<T>] { [BfvEncryptor(publicKey: publicKey), BfvEncryptor(secretKey: secretKey)] }

    func roundTrips(encoding: BfvEncoding) throws {
        let encoder = BfvEncoder(context: context)
        let decryptor = BfvDecryptor(secretKey: secretKey)
        for encryptor in encryptors() {
            for count in [0, 1, n / 2, n] {
                let values = randomUnsigned(count)
                let ciphertext = try encryptor.encrypt(try encoder.encode(unsigned: values, encoding: encoding))
                #expect(try encoder.decodeUnsigned(decryptor.decrypt(ciphertext)) == values)
                #expect(try decryptor.invariantNoiseBudget(ciphertext) > 0)
                let signed = randomSigned(count)
                let signedCiphertext = try encryptor.encrypt(try encoder.encode(signed: signed, encoding: encoding))
                #expect(try encoder.decodeSigned(decryptor.decrypt(signedCiphertext)) == signed)
            }
        }
    }

    func homomorphisms(encoding: BfvEncoding) throws {
        let encoder = BfvEncoder(context: context)
        let decryptor = BfvDecryptor(secretKey: secretKey)
        let evaluator = BfvEvaluator(context: context)
        let encryptor = BfvEncryptor(publicKey: publicKey)
        let a = randomUnsigned(n)
        let b = randomUnsigned(n)
        let p = randomUnsigned(n)
        let ca = try encryptor.encrypt(encoder.encode(unsigned: a, encoding: encoding))
        let cb = try encryptor.encrypt(encoder.encode(unsigned: b, encoding: encoding))
        let plain = try encoder.encode(unsigned: p, encoding: encoding)
        func decrypt(_ c: Ciphertext<T>) throws -> [UInt64] {
            var plaintext = try decryptor.decrypt(c)
            plaintext.valueCount = n
            return try encoder.decodeUnsigned(plaintext)
        }
        #expect(try decrypt(evaluator.add(ca, cb)) == zip(a, b).map { ($0 + $1) % t })
        #expect(try decrypt(evaluator.subtract(ca, cb)) == zip(a, b).map { ($0 + t - $1) % t })
        #expect(try decrypt(evaluator.negate(ca)) == a.map { (t - $0) % t })
        #expect(try decrypt(evaluator.add(ca, plain)) == zip(a, p).map { ($0 + $1) % t })
        #expect(try decrypt(evaluator.subtract(ca, plain)) == zip(a, p).map { ($0 + t - $1) % t })
        let product = try evaluator.multiply(ca, plain)
        let expected: [UInt64]
        switch encoding {
        case .batch:
            expected = zip(a, p).map { UInt64((BigInt($0) * BigInt($1)).residue(modulo: t)) }
        case .coefficient:
            // The negacyclic product modulo t, schoolbook.
            var out = [BigInt](repeating: BigInt(0), count: n)
            for i in 0..<n {
                for j in 0..<n {
                    let term = BigInt(a[i]) * BigInt(p[j])
                    if i + j < n { out[i + j] = out[i + j] + term } else { out[i + j - n] = out[i + j - n] - term }
                }
            }
            expected = out.map { $0.residue(modulo: t) }
        }
        #expect(try decrypt(product) == expected)
        // The budget shrinks after a plaintext multiplication but stays positive.
        #expect(try decryptor.invariantNoiseBudget(product) < decryptor.invariantNoiseBudget(ca))
        #expect(try decryptor.invariantNoiseBudget(product) > 0)
        // A chain of additions keeps decrypting.
        var sum = ca
        for _ in 0..<10 { sum = try evaluator.add(sum, cb) }
        #expect(try decrypt(sum) == zip(a, b).map { ($0 + 10 * $1) % t })
    }
}

@Suite struct BfvSchemeTests {
    @Test(arguments: BfvEncoding.allCases)
    func roundTripsSmall32(encoding: BfvEncoding) throws {
        try SchemeChecks<UInt32>(TestParameters.small32).roundTrips(encoding: encoding)
    }

    @Test(arguments: BfvEncoding.allCases)
    func roundTripsSmall64(encoding: BfvEncoding) throws {
        try SchemeChecks<UInt64>(TestParameters.small64).roundTrips(encoding: encoding)
    }

    @Test(arguments: BfvEncoding.allCases)
    func homomorphismsSmall32(encoding: BfvEncoding) throws {
        try SchemeChecks<UInt32>(TestParameters.small32).homomorphisms(encoding: encoding)
    }

    @Test(arguments: BfvEncoding.allCases)
    func homomorphismsSmall64(encoding: BfvEncoding) throws {
        try SchemeChecks<UInt64>(TestParameters.small64).homomorphisms(encoding: encoding)
    }

    @Test func coefficientEncodingWithoutBatching() throws {
        let checks = try SchemeChecks<UInt32>(TestParameters.noBatching)
        try checks.roundTrips(encoding: .coefficient)
        let encoder = BfvEncoder(context: checks.context)
        #expect(throws: FHEError.batchingUnsupported(plaintextModulus: 255, degree: 16)) {
            try encoder.encode(unsigned: [1], encoding: .batch)
        }
    }

    @Test func slotsFollowTheDocumentedEvaluationMap() throws {
        // Slot i must equal m(psi^(e_i)) mod t, with m the plaintext polynomial (checked with BigInt).
        let context = try BfvContext<UInt64>(parameters: TestParameters.small64)
        let encoder = BfvEncoder(context: context)
        let values = (0..<32).map { UInt64($0 * 5 % 193) }
        let plaintext = try encoder.encode(unsigned: values, encoding: .batch)
        let t = BigInt(193)
        let psi = BigInt(try PrimeGenerator.minimalPrimitiveRoot(order: 64, modulo: 193))
        for slot in 0..<32 {
            let point = psi.power(BigInt(context.slotExponent(slot)), modulo: t)
            var value = BigInt(0)
            for (power, coefficient) in plaintext.coefficients.enumerated() {
                value = value + BigInt(coefficient) * point.power(BigInt(power), modulo: t)
            }
            #expect(value.modulo(t).uint64Value == values[slot], "slot \(slot)")
        }
        #expect(context.slotExponent(0) == 1)
        #expect(context.slotExponent(1) == 3)
        #expect(context.slotExponent(16) == 63)
    }

    @Test func encoderRejectsBadValuesNamingTheIndex() throws {
        let context = try BfvContext<UInt32>(parameters: TestParameters.small32)
        let encoder = BfvEncoder(context: context)
        #expect(throws: FHEError.valueOutOfRange(index: 2, value: "97", range: "[0, 96]")) {
            try encoder.encode(unsigned: [1, 2, 97], encoding: .batch)
        }
        #expect(throws: FHEError.valueOutOfRange(index: 0, value: "-49", range: "[-48, 48]")) {
            try encoder.encode(signed: [-49], encoding: .coefficient)
        }
        #expect(throws: FHEError.tooManyValues(count: 17, capacity: 16)) {
            try encoder.encode(unsigned: [UInt64](repeating: 1, count: 17), encoding: .coefficient)
        }
    }

    @Test func operandsOfOtherParametersAreRejected() throws {
        let first = try SchemeChecks<UInt32>(TestParameters.small32)
        let second = try SchemeChecks<UInt32>(TestParameters.noBatching)
        let plaintext = try BfvEncoder(context: second.context).encode(unsigned: [1], encoding: .coefficient)
        #expect(throws: FHEError.self) { try BfvEncryptor(publicKey: first.publicKey).encrypt(plaintext) }
        let ciphertext = try BfvEncryptor(publicKey: second.publicKey).encrypt(plaintext)
        #expect(throws: FHEError.self) { try BfvDecryptor(secretKey: first.secretKey).decrypt(ciphertext) }
    }

    @Test func samplersHaveTheDocumentedDistributions() throws {
        var random = SecureRandom()
        let count = 200_000
        let ternary = Sampler.ternary(count: count, using: &random)
        #expect(Set(ternary) == [-1, 0, 1])
        for value in [-1, 0, 1] as [Int8] {
            let share = Double(ternary.filter { $0 == value }.count) / Double(count)
            #expect(abs(share - 1.0 / 3.0) < 0.01)
        }
        let errors = Sampler.centeredBinomial(count: count, using: &random)
        #expect(errors.allSatisfy { abs(Int($0)) <= Sampler.errorBound })
        let mean = errors.reduce(0.0) { $0 + Double($1) } / Double(count)
        let variance = errors.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(count)
        #expect(abs(mean) < 0.05)
        #expect(abs(variance.squareRoot() - 3.24) < 0.05)
        // Uniform residues cover the range and are not all equal.
        let modulus = try Modulus<UInt64>(97)
        let uniform = Sampler.uniform(modulus: modulus, count: 10_000, using: &random)
        #expect(Set(uniform).count == 97)
        #expect(uniform.allSatisfy { $0 < 97 })
    }

    @Test func generatorsAreIndependentStreams() {
        var first = SecureRandom()
        var second = SecureRandom()
        let a = (0..<4).map { _ in first.next() }
        let b = (0..<4).map { _ in second.next() }
        #expect(a != b)
        // Successive keystream blocks (fresh nonces) differ: no block is repeated.
        let wordsPerBlock = SecureRandom.blockSize / 8
        let block1 = (0..<wordsPerBlock).map { _ in first.next() }
        let block2 = (0..<wordsPerBlock).map { _ in first.next() }
        #expect(block1 != block2)
        #expect(Set(block1 + block2).count > 2 * wordsPerBlock - 4)
        // Bits are balanced (a broken keystream of zeros or a constant would fail).
        let ones = block1.reduce(0) { $0 + $1.nonzeroBitCount }
        #expect(abs(Double(ones) / Double(64 * wordsPerBlock) - 0.5) < 0.01)
    }
}

/// One real round trip per preset, both encodings (N=16384 only with HEAT_FHE_LARGE=1).
@Suite struct BfvPresetTests {
    static var largeEnabled: Bool { ProcessInfo.processInfo.environment["HEAT_FHE_LARGE"] == "1" }

    func roundTrip<T: ScalarType>(_ type: T.Type, preset: String) throws {
        let context = try BfvContext<T>(parameters: BfvParameters(preset: preset))
        let secretKey = SecretKey(context: context)
        let publicKey = PublicKey(secretKey: secretKey)
        let encoder = BfvEncoder(context: context)
        let decryptor = BfvDecryptor(secretKey: secretKey)
        let evaluator = BfvEvaluator(context: context)
        let t = context.parameters.plaintextModulus
        var random = SystemRandomNumberGenerator()
        for encoding in BfvEncoding.allCases {
            let values = (0..<context.degree).map { _ in UInt64.random(in: 0..<t, using: &random) }
            let ciphertext = try BfvEncryptor(publicKey: publicKey).encrypt(encoder.encode(unsigned: values, encoding: encoding))
            #expect(try encoder.decodeUnsigned(decryptor.decrypt(ciphertext)) == values)
            let signed = (0..<100).map { _ in Int64.random(in: -1000...1000, using: &random) }
            let signedCiphertext = try BfvEncryptor(secretKey: secretKey).encrypt(encoder.encode(signed: signed, encoding: encoding))
            #expect(try encoder.decodeSigned(decryptor.decrypt(signedCiphertext)) == signed)
            let budget = try decryptor.invariantNoiseBudget(ciphertext)
            #expect(budget > 20, "fresh noise budget \(budget) bits")
            if encoding == .batch {
                let doubled = try evaluator.multiply(ciphertext, encoder.encode(unsigned: [UInt64](repeating: 2, count: context.degree), encoding: .batch))
                #expect(try encoder.decodeUnsigned(decryptor.decrypt(doubled)) == values.map { $0 * 2 % t })
            }
        }
    }

    /// The snippet of the DocC overview (HeatFHE.docc/HeatFHE.md), verbatim.
    @Test func docCOverviewSnippet() throws {
        let parameters = try BfvParameters(preset: "n4096-logq109-logt17")
        let context = try BfvContext<UInt32>(parameters: parameters)
        let secretKey = SecretKey(context: context)
        let publicKey = PublicKey(secretKey: secretKey)

        let encoder = BfvEncoder(context: context)
        let heat = try encoder.encode(unsigned: [812, 95, 1530], encoding: .batch)
        let weights = try encoder.encode(unsigned: [2, 3, 1], encoding: .batch)

        let encrypted = try BfvEncryptor(publicKey: publicKey).encrypt(heat)
        let evaluator = BfvEvaluator(context: context)
        let weighted = try evaluator.multiply(try evaluator.add(encrypted, encrypted), weights)

        let decryptor = BfvDecryptor(secretKey: secretKey)
        let values = try encoder.decodeUnsigned(try decryptor.decrypt(weighted))  // [3248, 570, 3060]
        let bitsLeft = try decryptor.invariantNoiseBudget(weighted)
        #expect(values == [3248, 570, 3060])
        #expect(bitsLeft > 0)
    }

    @Test func n4096() throws { try roundTrip(UInt32.self, preset: "n4096-logq109-logt17") }

    @Test func n8192() throws { try roundTrip(UInt64.self, preset: "n8192-logq217-logt25") }

    @Test(.enabled(if: BfvPresetTests.largeEnabled, "set HEAT_FHE_LARGE=1 to run the N=16384 preset"))
    func n16384() throws { try roundTrip(UInt64.self, preset: "n16384-logq434-logt30") }
}
