import Foundation
import Testing
@testable import HeatFHE

@Suite struct ModulusSwitchTests {
    @Test(arguments: [UInt64(31), 32])
    func switchingDownKeepsDecryptionCorrect(seed: UInt64) throws {
        let harness = try EvaluationHarness<UInt32>(TestParameters.small32)
        var generator = SeededGenerator(seed: seed)
        let values = harness.random(harness.n, using: &generator)
        var ciphertext = try harness.encrypt(values)
        let bytes = ciphertext.envelope().payload.count
        for level in stride(from: harness.context.topLevel - 1, through: 1, by: -1) {
            ciphertext = try harness.evaluator.switchingModulusDown(ciphertext)
            #expect(ciphertext.level == level)
            #expect(ciphertext.moduli == Array(harness.context.parameters.ciphertextModuli.prefix(level)))
            #expect(try harness.decryptAll(ciphertext) == values, "level \(level), seed \(seed)")
            #expect(try harness.decryptor.decryptReference(ciphertext).coefficients
                == harness.decryptor.decrypt(ciphertext).coefficients)
        }
        #expect(ciphertext.envelope().payload.count < bytes)
        #expect(throws: FHEError.self) { try harness.evaluator.switchingModulusDown(ciphertext) }
    }

    /// Operations below the top level: products, relinearization, rotations and prepared plaintexts.
    @Test func operationsWorkAtLowerLevels() throws {
        let harness = try EvaluationHarness<UInt32>(TestParameters.small32)
        var generator = SeededGenerator(seed: 77)
        let a = harness.random(harness.n, using: &generator)
        let b = harness.random(harness.n, using: &generator)
        let relinearizationKey = try BfvRelinearizationKey(secretKey: harness.secretKey)
        let galoisKeys = try BfvGaloisKeys(secretKey: harness.secretKey)
        let ca = try harness.evaluator.switchingModulus(harness.encrypt(a), toLevel: 2)
        let cb = try harness.evaluator.switchingModulus(harness.encrypt(b), toLevel: 2)
        let product = try harness.evaluator.multiply(ca, cb, relinearizingWith: relinearizationKey)
        #expect(product.level == 2)
        #expect(try harness.decryptAll(product) == zip(a, b).map { harness.productModT($0, $1) })
        let rotated = try harness.evaluator.rotatingSlots(ca, by: 1, using: galoisKeys)
        #expect(try harness.decryptAll(rotated) == harness.rotated(a, by: 1))
        let plaintext = try harness.encoder.encode(unsigned: b, encoding: .batch)
        let scaled = try harness.evaluator.multiply(ca, BfvPreparedPlaintext(plaintext, level: 2))
        #expect(try harness.decryptAll(scaled) == zip(a, b).map { harness.productModT($0, $1) })
        #expect(throws: FHEError.self) { try harness.evaluator.multiply(ca, plaintext) }
        #expect(throws: FHEError.self) { try harness.evaluator.multiply(ca, BfvPreparedPlaintext(plaintext)) }
    }

    /// Each CI preset: a fresh ciphertext switched down one prime still decrypts, and further
    /// down while the noise budget leaves room for the rounding noise (about t * N).
    @Test(arguments: ["n4096-logq109-logt17", "n8192-logq217-logt25", "n8192-logq217-logt41"])
    func presetSwitchKeepsDecryptionCorrect(name: String) throws {
        let parameters = try BfvParameters(preset: name)
        switch parameters.scalarWidth {
        case .bits32: try checkPreset(UInt32.self, parameters)
        case .bits64: try checkPreset(UInt64.self, parameters)
        }
    }

    @Test(.enabled(if: largeFHETests), arguments: ["n16384-logq434-logt30", "n16384-logq434-logt60"])
    func largePresetSwitchKeepsDecryptionCorrect(name: String) throws {
        try checkPreset(UInt64.self, BfvParameters(preset: name))
    }

    func checkPreset<T: ScalarType>(_ type: T.Type, _ parameters: BfvParameters) throws {
        let harness = try EvaluationHarness<T>(parameters)
        var generator = SeededGenerator(seed: UInt64(parameters.degree))
        let values = harness.random(harness.n, using: &generator)
        var ciphertext = try harness.encrypt(values)
        ciphertext = try harness.evaluator.switchingModulusDown(ciphertext)
        #expect(try harness.decryptAll(ciphertext) == values, "\(parameters.name) one level down")
        while ciphertext.level > 1, try harness.decryptor.invariantNoiseBudget(ciphertext) > parameters.logT + 20 {
            ciphertext = try harness.evaluator.switchingModulusDown(ciphertext)
            #expect(try harness.decryptAll(ciphertext) == values, "\(parameters.name) at level \(ciphertext.level)")
        }
    }
}
