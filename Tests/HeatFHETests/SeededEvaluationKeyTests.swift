import Foundation
import HeatEnvelope
import Testing
@testable import HeatFHE
@testable import HeatFHETools

/// Issue 10, item 5 (rest): seeded (half-size) relinearization and Galois keys, and seeded
/// ciphertexts read by every command that reads ciphertexts.
@Suite struct SeededEvaluationKeyTests {
    @Test func seededEvaluationKeysRoundTripAtHalfTheSize() throws {
        let harness = try EvaluationHarness<UInt32>(TestParameters.small32)
        let context = harness.context
        let relinearizationKey = try BfvRelinearizationKey(secretKey: harness.secretKey)
        let galoisKeys = try BfvGaloisKeys(secretKey: harness.secretKey, steps: [1, -2])

        // Relinearization key: kind 32 by default, kind 4 on request; both load to the same key.
        let seededRelinearization = relinearizationKey.envelope()
        let fullRelinearization = relinearizationKey.envelope(seeded: false)
        #expect(seededRelinearization.kind == .fheSeededRelinearizationKey && seededRelinearization.kind.rawValue == 32)
        #expect(fullRelinearization.kind == .fheRelinearizationKey)
        // Each component stores a 32-byte seed instead of `a_j` (a modulus-count byte and
        // keyRows * N words): exact byte accounting on the tiny ring, about half on a preset (below).
        let components = context.topLevel
        let polynomialBytes = 1 + context.keyContext.count * context.degree * MemoryLayout<UInt32>.size
        #expect(
            fullRelinearization.serialized().count - seededRelinearization.serialized().count
                == components * (polynomialBytes - PolySeed.byteCount))
        let expected = relinearizationKey.key.coefficientForm().map { $0.map(\.data) }
        for envelope in [seededRelinearization, fullRelinearization] {
            let bytes = envelope.serialized()
            let loaded = try BfvRelinearizationKey(
                envelope: Envelope(decoding: bytes), context: context, source: "rk")
            #expect(loaded.key.coefficientForm().map { $0.map(\.data) } == expected)
        }

        // Galois keys: kind 33 by default.
        let seededGalois = galoisKeys.envelope()
        let fullGalois = galoisKeys.envelope(seeded: false)
        #expect(seededGalois.kind == .fheSeededGaloisKeys && seededGalois.kind.rawValue == 33)
        #expect(fullGalois.kind == .fheGaloisKeys)
        #expect(
            fullGalois.serialized().count - seededGalois.serialized().count
                == galoisKeys.elements.count * components * (polynomialBytes - PolySeed.byteCount))
        let loadedGalois = try BfvGaloisKeys(
            envelope: Envelope(decoding: seededGalois.serialized()), context: context, source: "gk")
        #expect(loadedGalois.elements == galoisKeys.elements)
        for element in galoisKeys.elements {
            #expect(
                loadedGalois.keys[element]?.coefficientForm().map { $0.map(\.data) }
                    == galoisKeys.keys[element]?.coefficientForm().map { $0.map(\.data) })
        }
        // A seeded file re-written from a loaded seeded key is byte-identical (the seeds are kept).
        #expect(loadedGalois.envelope().serialized() == seededGalois.serialized())

        // The loaded seeded keys work.
        let loadedRelinearization = try BfvRelinearizationKey(
            envelope: seededRelinearization, context: context, source: "rk")
        let a: [UInt64] = Array(1...16)
        let product = try harness.evaluator.multiply(harness.encrypt(a), harness.encrypt(a))
        let relinearized = try harness.evaluator.relinearized(product, using: loadedRelinearization)
        #expect(try harness.decryptAll(relinearized) == a.map { $0 * $0 % 97 } + [UInt64](repeating: 0, count: harness.n - 16))
        let rotated = try harness.evaluator.rotatingSlots(harness.encrypt(a), by: -1, using: loadedGalois)
        #expect(try harness.decryptAll(rotated) == harness.rotated(a + [UInt64](repeating: 0, count: harness.n - 16), by: -1))

        // Truncated seed and a seeded payload under the full kind are refused as malformed (65).
        var truncated = Array(seededRelinearization.payload)
        truncated.removeLast(5)
        let short = Envelope(
            kind: .fheSeededRelinearizationKey, fingerprint: seededRelinearization.fingerprint, payload: Data(truncated))
        let mislabelled = Envelope(
            kind: .fheRelinearizationKey, fingerprint: seededRelinearization.fingerprint,
            payload: seededRelinearization.payload)
        for bad in [short, mislabelled] {
            do {
                _ = try BfvRelinearizationKey(envelope: bad, context: context, source: "rk")
                Issue.record("a malformed relinearization key was accepted")
            } catch {
                #expect(error.category.exitCode == 65, "\(error)")
            }
        }
    }

    /// Each component's `a_j` is the expansion of its own seed, the seeds differ, and `a_j` looks
    /// uniform modulo every key-level prime; on a preset the seeded files are about half size.
    @Test func seededComponentsExpandFromTheirOwnSeeds() throws {
        let context = try BfvContext<UInt32>(parameters: BfvParameters(preset: SecurityTests.preset))
        let secretKey = SecretKey(context: context)
        let relinearizationKey = try BfvRelinearizationKey(secretKey: secretKey)
        let key = relinearizationKey.key
        let galoisKeys = try BfvGaloisKeys(secretKey: secretKey, steps: [1], rowSwap: false)
        for (seeded, full) in [
            (relinearizationKey.envelope(), relinearizationKey.envelope(seeded: false)),
            (galoisKeys.envelope(), galoisKeys.envelope(seeded: false)),
        ] {
            let ratio = Double(seeded.serialized().count) / Double(full.serialized().count)
            #expect(ratio < 0.51, "\(seeded.kind): \(ratio) of \(full.kind)")
        }
        let seeds = try #require(key.seeds)
        #expect(seeds.count == context.topLevel)
        #expect(Set(seeds).count == seeds.count)
        for (component, seed) in zip(key.components, seeds) {
            let expanded: PolyRq<UInt32, Eval> = seed.uniformPolynomial(in: context.keyContext)
            #expect(component.a.data == expanded.data)
            for i in 0..<context.keyContext.count {
                let statistic = SecurityTests.chiSquare(component.a, modulus: i)
                #expect(statistic < SecurityTests.chiSquareLimit, "a modulo q\(i): chi-square \(statistic)")
            }
        }
    }

    /// `fhe keygen` writes seeded evaluation keys; `fhe eval`, `fhe decrypt` and `fhe inspect`
    /// read seeded ciphertexts (kind 30).
    @Test func toolboxWritesSeededKeysAndReadsSeededCiphertexts() throws {
        let folder = try TestParameters.temporaryDirectory()
        let keys = try FHEToolbox.generateKeys(
            parameters: TestParameters.small64, directory: folder, policy: .allowInsecureForTesting)
        let relinearizationURL = try #require(keys.relinearizationKey)
        let galoisURL = try #require(keys.galoisKeys)
        #expect(try BfvFile.read(relinearizationURL).kind == .fheSeededRelinearizationKey)
        #expect(try BfvFile.read(galoisURL).kind == .fheSeededGaloisKeys)
        #expect(try FHEToolbox.inspect(galoisURL, policy: .allowInsecureForTesting).kind == "fheSeededGaloisKeys")

        let context = try BfvContext<UInt64>(parameters: TestParameters.small64)
        let secretKey = try SecretKey.load(from: keys.secretKey, context: context)
        let values: [UInt64] = Array(1...32)
        let plaintext = try BfvEncoder(context: context).encode(unsigned: values, encoding: .batch)
        let seeded = try BfvEncryptor(secretKey: secretKey).encryptSeeded(plaintext)
        let seededURL = folder.appending(path: "seeded.ct")
        try BfvFile.write(seeded.envelope(), to: seededURL)
        #expect(try BfvFile.read(seededURL).kind == .fheSeededCiphertext)

        let t: Int64 = 193
        let decrypted = try FHEToolbox.decrypt(
            secretKeyFile: keys.secretKey, ciphertextFile: seededURL, policy: .allowInsecureForTesting)
        #expect(decrypted.values == values.map { Int64($0) })
        func run(_ operation: FHEToolbox.Operation, _ inputs: [URL]) throws -> [Int64] {
            let out = folder.appending(path: "\(operation.rawValue).ct")
            try FHEToolbox.evaluate(
                operation, inputs: inputs, keysDirectory: folder, output: out, policy: .allowInsecureForTesting)
            return try FHEToolbox.decrypt(
                secretKeyFile: keys.secretKey, ciphertextFile: out, policy: .allowInsecureForTesting).values
        }
        #expect(try run(.add, [seededURL, seededURL]) == values.map { Int64($0) * 2 % t })
        #expect(try run(.mul, [seededURL, seededURL]) == values.map { Int64($0 * $0) % t })
        #expect(try run(.sumSlots, [seededURL]) == [Int64(values.reduce(0, +)) % t])
        let inspection = try FHEToolbox.inspect(seededURL, policy: .allowInsecureForTesting)
        #expect(inspection.kind == "fheSeededCiphertext" && inspection.polynomialCount == 2)
        // The pipeline's decoder (Bfv64) takes the seeded kind too.
        let context64 = try BfvContext<UInt64>(parameters: TestParameters.small64)
        let viaPipeline = try Bfv64.ciphertext(
            envelope: Envelope(decoding: seeded.envelope().serialized()), context: context64, source: "ct")
        #expect(viaPipeline.polynomials.map(\.data) == (try seeded.expanded()).polynomials.map(\.data))
    }
}
