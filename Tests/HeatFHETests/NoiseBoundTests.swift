import Foundation
import Testing
@testable import HeatFHE

/// ``BfvNoiseBound``: every per-operation worst-case bound holds for measured ciphertexts
/// (measured `bits(max |v|) = bits(Q) - 1 - budget` never exceeds `floor(log2 bound) + 1`).
@Suite struct NoiseBoundTests {
    static let preset = "n8192-logq217-logt41"

    /// The measured noise after a fresh public-key encryption, a decayed sum, a mask product, a
    /// rotate-and-add and a modulus switch stays under the bound of each step (two seeds).
    @Test(arguments: [UInt64(1), 2])
    func measuredNoiseStaysUnderEachStepsBound(seed: UInt64) throws {
        let parameters = try BfvParameters(preset: Self.preset)
        let harness = try EvaluationHarness<UInt64>(parameters)
        let bound = BfvNoiseBound(parameters: parameters)
        var generator = SeededGenerator(seed: seed)
        func measured(_ ciphertext: Ciphertext<UInt64>) throws -> Int {
            let q = ciphertext.polynomials[0].context.modulusProduct
            return q.bitWidth - 1 - (try harness.decryptor.invariantNoiseBudget(ciphertext))
        }
        func expectUnder(_ ciphertext: Ciphertext<UInt64>, _ v: Double, _ step: String) throws {
            let bits = try measured(ciphertext)
            #expect(bits <= Int(BfvNoiseBound.log2(v).rounded(.down)) + 1, "\(step): measured 2^\(bits), bound 2^\(BfvNoiseBound.log2(v))")
        }
        let fresh = try harness.encrypt(harness.random(harness.n, below: 1 << 20, using: &generator))
        try expectUnder(fresh, bound.freshPublicKeyEncryption, "fresh")
        // 20 fresh ciphertexts times factors up to 64.
        var sum = fresh
        var v = bound.freshPublicKeyEncryption
        for factor in 1...19 {
            let next = try harness.encrypt(harness.random(harness.n, below: 1 << 10, using: &generator))
            Bfv64.multiplyAdd(&sum, next, by: Int64(factor * 3))
            v += Double(factor * 3) * bound.freshPublicKeyEncryption
        }
        try expectUnder(sum, v, "decayed sum")
        let mask = try Bfv64.prepareMask(harness.random(harness.n, below: 2, using: &generator).map { $0 == 1 }, context: harness.context)
        let masked = try Bfv64.multiply(sum, by: mask)
        v *= bound.plaintextProductFactor
        try expectUnder(masked, v, "mask product")
        let keys = try Bfv64.galoisKeysForSums(secretKey: harness.secretKey)
        let total = try Bfv64.sumOfSlots(masked, using: keys)
        let ks = bound.keySwitch(level: bound.topLevel)
        for _ in 0...Bfv64.sumSteps(degree: harness.n).count { v = 2 * v + ks }
        try expectUnder(total, v, "rotate-and-add")
        let switched = try Bfv64.switchModulus(total, toLevel: 2)
        try expectUnder(switched, bound.switchingDown(v, from: bound.topLevel, to: 2), "modulus switch")
        // The worst case is above what a run measures, and the bound grows with each step.
        #expect(try measured(total) < Int(BfvNoiseBound.log2(v)))
    }

    /// The bounds' arithmetic: fresh noise about `t * N / 2`, the mask factor `N (t - 1) / 2`,
    /// the flooding width of the parameters equal to ``Bfv64/floodingBits(context:level:)``.
    @Test func boundsMatchTheirFormulas() throws {
        let parameters = try BfvParameters(preset: Self.preset)
        let bound = BfvNoiseBound(parameters: parameters)
        let t = Double(parameters.plaintextModulus)
        let n = Double(parameters.degree)
        #expect(abs(bound.freshPublicKeyEncryption / (t * (n / 2 + 1)) - 1) < 1e-3)
        #expect(bound.plaintextProductFactor == n * (t - 1) / 2)
        let context = try BfvContext<UInt64>(parameters: parameters)
        #expect(bound.floodingBits() == (try Bfv64.floodingBits(context: context)))
        #expect(bound.floodingBits(level: 2) == (try Bfv64.floodingBits(context: context, level: 2)))
        #expect(bound.switchingDown(0, from: 3, to: 2) == t * (1 + n) / 2)
        #expect(BfvNoiseBound.log2(bound.decryptionLimit(level: 3)) > 160)
    }
}
