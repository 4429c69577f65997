import Foundation
import Testing
@testable import HeatFHE

/// Noise flooding (``Bfv64/flood(_:publicKey:bits:using:)``): the flooded ciphertext decrypts to the
/// same values, its noise is the flood's width whatever the computed noise was, and the flood's
/// coefficients are uniform in `[-2^b, 2^b)`.
@Suite struct FloodingTests {
    static let preset = "n8192-logq217-logt41"

    /// The flood's coefficients, composed and centred, lie in `[-2^b, 2^b)`, reach the top bit,
    /// and are negative about half the time (the `-2^b` offset is applied).
    @Test(arguments: [20, 64, 70, 117])
    func floodNoiseIsUniformInItsRange(bits: Int) throws {
        let context = try BfvContext<UInt64>(parameters: BfvParameters(preset: Self.preset))
        let ring = context.ciphertextContext
        var random = SecureRandom()
        let noise = Bfv64.uniformNoise(bits: bits, ring: ring, using: &random)
        let q = ring.modulusProduct
        let half = q / BigInt(2)
        var negatives = 0
        var widest = 0
        for value in noise.composedCoefficients() {
            let centred = value > half ? q - value : value
            if value > half { negatives += 1 }
            #expect(centred.bitWidth <= bits + 1, "a coefficient of \(centred.bitWidth) bits exceeds 2^\(bits)")
            widest = max(widest, centred.bitWidth)
        }
        #expect(widest >= bits, "the widest of N coefficients reaches 2^(b-1)")
        let n = context.degree
        #expect(negatives > n * 45 / 100 && negatives < n * 55 / 100, "\(negatives) of \(n) negative")
    }

    /// A ciphertext after a product (large computed noise) and a fresh one both come out of the
    /// flood with the same small budget and decrypt exactly; switched down, the flooded
    /// ciphertext's c1 and budget are not those of the same ciphertext switched without a flood.
    @Test func floodingHidesTheComputedNoise() throws {
        let harness = try EvaluationHarness<UInt64>(BfvParameters(preset: Self.preset))
        let publicKey = PublicKey(secretKey: harness.secretKey)
        var generator = SeededGenerator(seed: 14)
        let values = harness.random(harness.n, below: 1 << 20, using: &generator)
        let fresh = try harness.encrypt(values)
        let mask = try harness.encoder.encode(unsigned: harness.random(harness.n, below: 2, using: &generator), encoding: .batch)
        let masked = try harness.evaluator.multiply(fresh, mask)
        let expectedMasked = try harness.decryptAll(masked)
        let freshBudget = try harness.decryptor.invariantNoiseBudget(fresh)
        let maskedBudget = try harness.decryptor.invariantNoiseBudget(masked)
        #expect(freshBudget - maskedBudget > 30, "the mask product grows the noise (\(freshBudget) -> \(maskedBudget) bits)")

        var random = SecureRandom()
        let bits = try Bfv64.floodingBits(context: harness.context)
        for (ciphertext, expected) in [(fresh, values), (masked, expectedMasked)] {
            let flooded = try Bfv64.flood(ciphertext, publicKey: publicKey, using: &random)
            #expect(try harness.decryptAll(flooded) == expected)
            let budget = try harness.decryptor.invariantNoiseBudget(flooded)
            // The flood (about Δ / 2^(margin+1)) dominates: the budget is the margin, give or take
            // a bit, whatever the computed noise was.
            #expect(budget >= Bfv64.floodingMarginBits - 2 && budget <= Bfv64.floodingMarginBits + 1, "budget \(budget) after flooding")
            // Still decrypts after switching down (the flood scales down with the modulus).
            let switched = try Bfv64.switchModulus(flooded, toLevel: 2)
            #expect(try harness.decryptAll(switched) == expected)
            // Checks that fail without the flood: after the same modulus switch, the released c1
            // is not the computed c1 (re-randomized by the encryption of zero), and the released
            // budget is the flood's, at least 40 bits under the unflooded ciphertext's.
            let unflooded = try Bfv64.switchModulus(ciphertext, toLevel: 2)
            #expect(switched.polynomials[1].data != unflooded.polynomials[1].data, "the released c1 is not the computed c1")
            let unfloodedBudget = try harness.decryptor.invariantNoiseBudget(unflooded)
            let switchedBudget = try harness.decryptor.invariantNoiseBudget(switched)
            #expect(unfloodedBudget - switchedBudget >= 40, "unflooded \(unfloodedBudget) bits, flooded \(switchedBudget) bits after the switch")
        }
        // The hiding margin: the flood is 2^(b - log2|e|) times the computed noise.
        #expect(bits > 100)
        #expect(maskedBudget - Bfv64.floodingMarginBits > 40, "flood / computed noise > 2^40 after a mask product")
    }

    /// Below the top level the flood uses that level's `Δ` and the encryption of zero dropped to
    /// the level's moduli: still exact, and the budget is again the margin.
    @Test func floodingBelowTheTopLevel() throws {
        let harness = try EvaluationHarness<UInt64>(BfvParameters(preset: Self.preset))
        let publicKey = PublicKey(secretKey: harness.secretKey)
        var generator = SeededGenerator(seed: 15)
        let values = harness.random(harness.n, below: 1 << 20, using: &generator)
        let lower = try Bfv64.switchModulus(harness.encrypt(values), toLevel: 2)
        var random = SecureRandom()
        let flooded = try Bfv64.flood(lower, publicKey: publicKey, using: &random)
        #expect(flooded.level == 2)
        #expect(try harness.decryptAll(flooded) == values)
        #expect(try Bfv64.floodingBits(context: harness.context, level: 2) < Bfv64.floodingBits(context: harness.context))
        let budget = try harness.decryptor.invariantNoiseBudget(flooded)
        #expect(budget >= Bfv64.floodingMarginBits - 2 && budget <= Bfv64.floodingMarginBits + 1, "budget \(budget) after flooding at level 2")
    }

    @Test func floodingRefusesWidthsThatBreakDecryption() throws {
        let harness = try EvaluationHarness<UInt64>(BfvParameters(preset: Self.preset))
        let publicKey = PublicKey(secretKey: harness.secretKey)
        let ciphertext = try harness.encrypt([1, 2, 3])
        var random = SecureRandom()
        let bits = try Bfv64.floodingBits(context: harness.context)
        #expect(throws: FHEError.self) { try Bfv64.flood(ciphertext, publicKey: publicKey, bits: bits + Bfv64.floodingMarginBits, using: &random) }
        #expect(throws: FHEError.self) { try Bfv64.flood(ciphertext, publicKey: publicKey, bits: 0, using: &random) }
    }
}
