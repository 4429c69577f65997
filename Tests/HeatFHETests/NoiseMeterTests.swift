import Testing
@testable import HeatFHE

/// ``BfvDecryptor/decryptMeasuringNoise(_:)`` (issue 27, session 38): the one-pass decryption
/// gives exactly ``BfvDecryptor/decrypt(_:)``'s plaintext and ``BfvDecryptor/invariantNoiseBudget(_:)``'s
/// budget (the big-integer reference), over the whole range of budgets: fresh, after plaintext
/// products until nothing is left, switched down, and under another key (a uniformly random
/// phase: a budget of 0, or 1 when every centred coefficient happens to lie below
/// `2^(bits(Q) - 2)`). Session 39: the meter is cached per level and wipes its working words;
/// the agreement is checked again on every level of every preset below.
@Suite struct NoiseMeterTests {
    @Test(arguments: ["small32", "small64", "n4096-logq109-logt17", "n8192-logq217-logt41"])
    func oneCallEqualsDecryptAndReferenceBudget(name: String) throws {
        let parameters: BfvParameters = switch name {
        case "small32": TestParameters.small32
        case "small64": TestParameters.small64
        default: try BfvParameters(preset: name)
        }
        switch parameters.scalarWidth {
        case .bits32: try check(UInt32.self, parameters)
        case .bits64: try check(UInt64.self, parameters)
        }
    }

    func check<T: ScalarType>(_ type: T.Type, _ parameters: BfvParameters) throws {
        let harness = try EvaluationHarness<T>(parameters)
        var generator = SeededGenerator(seed: UInt64(parameters.degree) &+ parameters.plaintextModulus)
        var budgets: [Int] = []
        func expectAgreement(_ ciphertext: Ciphertext<T>, _ what: String) throws {
            let (plaintext, budget) = try harness.decryptor.decryptMeasuringNoise(ciphertext)
            let reference = try harness.decryptor.invariantNoiseBudget(ciphertext)
            #expect(budget == reference, "\(parameters.name) \(what): budget \(budget), reference \(reference)")
            #expect(plaintext.coefficients == (try harness.decryptor.decrypt(ciphertext).coefficients), "\(parameters.name) \(what)")
            budgets.append(budget)
        }
        // Plaintext products until no budget is left: every budget from fresh to 0.
        var ciphertext = try harness.encrypt(harness.random(harness.n, using: &generator))
        try expectAgreement(ciphertext, "fresh")
        var products = 0
        while try harness.decryptor.invariantNoiseBudget(ciphertext) > 0, products < 64 {
            let factor = try harness.encoder.encode(unsigned: harness.random(harness.n, using: &generator), encoding: .batch)
            ciphertext = try harness.evaluator.multiply(ciphertext, factor)
            products += 1
            try expectAgreement(ciphertext, "after \(products) plaintext products")
        }
        #expect(budgets.last == 0, "\(parameters.name): the products reached no budget")
        // Switched down, level by level.
        var switched = try harness.encrypt(harness.random(harness.n, using: &generator))
        while switched.level > 1 {
            switched = try harness.evaluator.switchingModulusDown(switched)
            try expectAgreement(switched, "at level \(switched.level)")
        }
        // Another key pair's ciphertext: uniformly random under this key. Its budget is
        // `bits(Q) - bits(max |v_j|) - 1` over `N` centred coefficients `|v_j|` uniform in
        // `[0, Q/2]`: 1 when all lie below `2^(bits(Q) - 2)`, probability `(2^(bits(Q)-1) / Q)^N`,
        // between `2^-N` and 1 (near 1 on the N = 16 rings when `Q` lies just above a power of
        // two, so 0 is not asserted); 2 or more needs all below `2^(bits(Q) - 3)`, probability at
        // most `(2^(bits(Q)-2) / Q)^N <= 2^-N`: `2^-16` on the N = 16 rings, below `2^-4096` for
        // every preset. The agreement with the reference is checked either way.
        let other = EvaluationHarness<T>(harness.context)
        try expectAgreement(try other.encrypt(harness.random(harness.n, using: &generator)), "under another key")
        #expect(try #require(budgets.last) <= 1)
        #expect(Set(budgets).count > 3, "\(parameters.name): budgets \(budgets)")
    }
}
