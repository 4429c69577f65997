import Foundation
import Testing
@testable import HeatFHE

@Suite struct RotationTests {
    /// Coefficient-form and evaluation-form automorphisms give the same polynomial.
    @Test(arguments: [3, 5, 9, 31, 27])
    func galoisAgreesInBothForms(element: Int) throws {
        let ring = try RnsContext<UInt64>(degree: 16, moduli: [97, 193])
        var generator = SeededGenerator(seed: UInt64(element))
        let a = PolyRq<UInt64, Coeff>(
            context: ring, signedCoefficients: (0..<16).map { _ in Int64.random(in: -40...40, using: &generator) })
        let viaCoefficients = a.applyingGalois(element: element)
        let viaEvaluations = a.forwardNTT().applyingGalois(element: element).inverseNTT()
        #expect(viaCoefficients.data == viaEvaluations.data)
        // X -> X^g on the monomial X: X^g, negated past N.
        var x = [Int64](repeating: 0, count: 16)
        x[1] = 1
        let monomial = PolyRq<UInt64, Coeff>(context: ring, signedCoefficients: x).applyingGalois(element: element)
        let position = element % 32
        var expected = [Int64](repeating: 0, count: 16)
        expected[position % 16] = position < 16 ? 1 : -1
        #expect(monomial.data == PolyRq<UInt64, Coeff>(context: ring, signedCoefficients: expected).data)
    }

    func checkRotations<T: ScalarType>(_ type: T.Type, _ parameters: BfvParameters, seed: UInt64) throws {
        let harness = try EvaluationHarness<T>(parameters)
        let keys = try BfvGaloisKeys(secretKey: harness.secretKey)
        var generator = SeededGenerator(seed: seed)
        let values = harness.random(harness.n, using: &generator)
        let ciphertext = try harness.encrypt(values)
        let row = harness.n / 2
        for step in [1, -1, 2, 3, -5, row - 1, row, row + 2, -row - 3] {
            let rotated = try harness.evaluator.rotatingSlots(ciphertext, by: step, using: keys)
            #expect(try harness.decryptAll(rotated) == harness.rotated(values, by: step), "step \(step), seed \(seed)")
        }
        let swapped = try ciphertext.swappingRows(using: keys)
        #expect(try harness.decryptAll(swapped) == Array(values[row...] + values[..<row]))
        let viaCiphertext = try ciphertext.rotatingSlots(by: 3, using: keys)
        #expect(try harness.decryptAll(viaCiphertext) == harness.rotated(values, by: 3))
    }

    @Test(arguments: [UInt64(11), 12])
    func rotationsEqualTheSlotPermutation(seed: UInt64) throws {
        try checkRotations(UInt32.self, TestParameters.small32, seed: seed)
        try checkRotations(UInt64.self, TestParameters.small64, seed: seed)
    }

    @Test func presetRotationEqualsTheSlotPermutation() throws {
        let harness = try EvaluationHarness<UInt32>(BfvParameters(preset: "n4096-logq109-logt17"))
        let keys = try BfvGaloisKeys(secretKey: harness.secretKey, steps: [1, 16, -256])
        var generator = SeededGenerator(seed: 4096)
        let values = harness.random(harness.n, using: &generator)
        let ciphertext = try harness.encrypt(values)
        for step in [1, -256, 17] {
            let rotated = try harness.evaluator.rotatingSlots(ciphertext, by: step, using: keys)
            #expect(try harness.decryptAll(rotated) == harness.rotated(values, by: step), "step \(step)")
        }
        #expect(try harness.decryptAll(ciphertext.swappingRows(using: keys)) == Array(values[2048...] + values[..<2048]))
    }

    @Test func rotationPlansComposeAvailableKeys() throws {
        let harness = try EvaluationHarness<UInt32>(TestParameters.small32)
        let keys = try BfvGaloisKeys(secretKey: harness.secretKey, steps: [2], rowSwap: false)
        #expect(keys.rotationSteps == [2])
        #expect(keys.rotationPlan(for: 6)?.count == 3)
        // A step with its own key is the one-element plan (the shortcut before the search).
        let n = harness.secretKey.context.degree
        #expect(keys.rotationPlan(for: 2) == [GaloisElement.rotation(by: 2, degree: n)])
        #expect(keys.rotationPlan(for: 2 - n / 2) == [GaloisElement.rotation(by: 2, degree: n)])
        #expect(keys.rotationPlan(for: 1) == nil)
        let ciphertext = try harness.encrypt(Array(1...16))
        let rotated = try harness.evaluator.rotatingSlots(ciphertext, by: -2, using: keys)
        #expect(try harness.decryptAll(rotated) == harness.rotated(Array(1...16), by: -2))
        #expect(throws: FHEError.self) { try harness.evaluator.rotatingSlots(ciphertext, by: 1, using: keys) }
        #expect(throws: FHEError.self) { try harness.evaluator.swappingRows(ciphertext, using: keys) }
        do {
            _ = try harness.evaluator.rotatingSlots(ciphertext, by: 1, using: keys)
        } catch {
            #expect(error.category.exitCode == 64)
        }
    }

    func checkSums<T: ScalarType>(_ type: T.Type, _ parameters: BfvParameters, seed: UInt64) throws {
        let harness = try EvaluationHarness<T>(parameters)
        let keys = try BfvGaloisKeys(secretKey: harness.secretKey)
        var generator = SeededGenerator(seed: seed)
        let n = harness.n
        let t = harness.t
        let values = harness.random(n, using: &generator)
        let ciphertext = try harness.encrypt(values)
        let total = values.reduce(UInt64(0)) { ($0 + $1) % t }
        let sum = try harness.evaluator.sumOfSlots(ciphertext, using: keys)
        #expect(try harness.decryptAll(sum) == [UInt64](repeating: total, count: n), "sum of slots, seed \(seed)")
        #expect(try harness.encoder.decodeUnsigned(harness.decryptor.decrypt(sum)) == [total])

        var blockSize = 1
        while blockSize <= n {
            let sums = try harness.evaluator.segmentedSums(ciphertext, blockSize: blockSize, using: keys)
            let expected = (0..<n).map { i -> UInt64 in
                guard i % blockSize == 0 else { return 0 }
                return values[i..<(i + blockSize)].reduce(UInt64(0)) { ($0 + $1) % t }
            }
            #expect(try harness.decryptAll(sums) == expected, "block size \(blockSize), seed \(seed)")
            blockSize <<= 1
        }
        #expect(throws: FHEError.self) { try harness.evaluator.segmentedSums(ciphertext, blockSize: 3, using: keys) }

        // A 0/1 mask (a group that is not contiguous) and general weights.
        let mask = (0..<n).map { _ in UInt64.random(in: 0...1, using: &generator) }
        let weights = harness.random(n, using: &generator)
        for w in [mask, weights] {
            let plaintext = try harness.encoder.encode(unsigned: w, encoding: .batch)
            let inner = try harness.evaluator.innerProduct(ciphertext, plaintext, using: keys)
            let expected = zip(values, w).reduce(UInt64(0)) { ($0 + harness.productModT($1.0, $1.1)) % t }
            #expect(try harness.encoder.decodeUnsigned(harness.decryptor.decrypt(inner)) == [expected], "seed \(seed)")
            let prepared = try BfvPreparedPlaintext(plaintext)
            let again = try harness.evaluator.innerProduct(ciphertext, prepared, using: keys)
            #expect(try harness.decryptAll(again) == [UInt64](repeating: expected, count: n))
        }
    }

    @Test(arguments: [UInt64(21), 22])
    func slotSumsSegmentedSumsAndInnerProductsEqualPlaintext(seed: UInt64) throws {
        try checkSums(UInt32.self, TestParameters.small32, seed: seed)
        try checkSums(UInt64.self, TestParameters.small64, seed: seed)
    }
}
