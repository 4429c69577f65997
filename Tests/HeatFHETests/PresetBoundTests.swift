import Foundation
import Testing
@testable import HeatFHE

@Suite struct PresetBoundTests {
    @Test func everyPresetIs128BitSecureAndBatches() throws {
        for preset in BfvParameters.presets {
            try preset.validate()
            let maximum = try #require(BfvParameters.maximumLogQ(degree: preset.degree))
            #expect(preset.keyLogQ <= maximum, "\(preset.name)")
            #expect(preset.supportsBatching, "\(preset.name)")
        }
        // The pipeline's bound: 2^23-sized heats over 20,000+ clients, about 2^38.
        #expect(try BfvParameters.preset(forSumBound: 1 << 38).name == "n8192-logq217-logt41")
        #expect(try BfvParameters.preset(forSumBound: 1 << 38, signed: true).name == "n8192-logq217-logt41")
        #expect(try BfvParameters.preset(forSumBound: 1000).name == "n4096-logq109-logt17")
    }

    /// The chooser returns a preset holding the bound; one past a preset's bound never returns
    /// that preset; one past the largest bound is refused with exit code 69.
    @Test(arguments: [false, true])
    func chooserRefusesOnePastEachBound(signed: Bool) throws {
        for preset in BfvParameters.presets {
            let bound = preset.sumBound(signed: signed)
            let chosen = try BfvParameters.preset(forSumBound: bound, signed: signed)
            #expect(chosen.sumBound(signed: signed) >= bound)
            do {
                let next = try BfvParameters.preset(forSumBound: bound + 1, signed: signed)
                #expect(next != preset)
                #expect(next.sumBound(signed: signed) > bound)
            } catch {
                #expect(preset.sumBound(signed: signed) == BfvParameters.presets.map { $0.sumBound(signed: signed) }.max())
                guard case .noPresetFits = error else { Issue.record("unexpected \(error)"); continue }
                #expect(error.category.exitCode == 69)
            }
        }
        #expect(throws: FHEError.self) { try BfvParameters.preset(forSumBound: .max, signed: signed) }
    }

    /// A slot sum equal to the bound `t - 1` decrypts exactly (every slot `(t - 1) / N`).
    func checkSumAtBound<T: ScalarType>(_ type: T.Type, _ parameters: BfvParameters, rotations: Bool) throws {
        let harness = try EvaluationHarness<T>(parameters)
        let n = harness.n
        let bound = parameters.sumBound()
        let share = bound / UInt64(n)
        #expect(share * UInt64(n) == bound)
        let ciphertext = try harness.encrypt([UInt64](repeating: share, count: n))
        if rotations {
            var powers: [Int] = []
            var step = 1
            while step < n / 2 {
                powers.append(step)
                step <<= 1
            }
            let keys = try BfvGaloisKeys(secretKey: harness.secretKey, steps: powers)
            let sum = try harness.evaluator.sumOfSlots(ciphertext, using: keys)
            #expect(try harness.encoder.decodeUnsigned(harness.decryptor.decrypt(sum)) == [bound], "\(parameters.name)")
        }
        // Without rotations: two ciphertexts whose slots add up to the bound, and one past it wraps to 0.
        var generator = SeededGenerator(seed: UInt64(n))
        let a = harness.random(n, below: bound, using: &generator)
        let b = a.map { bound - $0 }
        let sum = try harness.evaluator.add(harness.encrypt(a), harness.encrypt(b))
        #expect(try harness.decryptAll(sum) == [UInt64](repeating: bound, count: n), "\(parameters.name)")
        let onePast = try harness.evaluator.add(sum, harness.encrypt([UInt64](repeating: 1, count: n)))
        #expect(try harness.decryptAll(onePast) == [UInt64](repeating: 0, count: n))
        // Signed: (t - 1) / 2 and its negation.
        let half = Int64(parameters.sumBound(signed: true))
        let signedSum = try harness.evaluator.add(
            harness.encryptor.encrypt(harness.encoder.encode(signed: [half - 5, -half + 5], encoding: .batch)),
            harness.encryptor.encrypt(harness.encoder.encode(signed: [5, -5], encoding: .batch)))
        #expect(try harness.encoder.decodeSigned(harness.decryptor.decrypt(signedSum)) == [half, -half])
    }

    @Test(arguments: ["n4096-logq109-logt17", "n8192-logq217-logt25", "n8192-logq217-logt41"])
    func sumsAtEachBoundDecryptExactly(name: String) throws {
        let parameters = try BfvParameters(preset: name)
        switch parameters.scalarWidth {
        case .bits32: try checkSumAtBound(UInt32.self, parameters, rotations: true)
        case .bits64: try checkSumAtBound(UInt64.self, parameters, rotations: true)
        }
    }

    /// N=16384: additions in CI; the rotate-and-add slot sum (13 Galois keys of 11 MiB each)
    /// only with HEAT_FHE_LARGE=1.
    @Test(arguments: ["n16384-logq434-logt30", "n16384-logq434-logt60"])
    func largeSumsAtEachBoundDecryptExactly(name: String) throws {
        try checkSumAtBound(UInt64.self, BfvParameters(preset: name), rotations: largeFHETests)
    }
}
