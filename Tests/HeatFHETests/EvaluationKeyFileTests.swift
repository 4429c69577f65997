import Foundation
import HeatEnvelope
import Testing
@testable import HeatFHE
@testable import HeatFHETools

@Suite struct EvaluationKeyFileTests {
    @Test func evaluationKeysAndNewCiphertextsRoundTrip() throws {
        let harness = try EvaluationHarness<UInt32>(TestParameters.small32)
        let folder = try TestParameters.temporaryDirectory()
        let relinearizationKey = try BfvRelinearizationKey(secretKey: harness.secretKey)
        let galoisKeys = try BfvGaloisKeys(secretKey: harness.secretKey, steps: [1, -2])

        let relinearizationURL = folder.appending(path: "rk.heat")
        try BfvFile.write(relinearizationKey.envelope(), to: relinearizationURL)
        let loadedRelinearization = try BfvRelinearizationKey(
            envelope: BfvFile.read(relinearizationURL, expecting: .fheSeededRelinearizationKey), context: harness.context,
            source: "rk")
        #expect(loadedRelinearization.key.coefficientForm().map { $0.map(\.data) }
            == relinearizationKey.key.coefficientForm().map { $0.map(\.data) })

        let galoisURL = folder.appending(path: "gk.heat")
        try BfvFile.write(galoisKeys.envelope(), to: galoisURL)
        let loadedGalois = try BfvGaloisKeys(
            envelope: BfvFile.read(galoisURL, expecting: .fheSeededGaloisKeys), context: harness.context, source: "gk")
        #expect(loadedGalois.elements == galoisKeys.elements)
        #expect(loadedGalois.hasRowSwap && loadedGalois.rotationSteps == [1, 6])

        // A three-polynomial product and a switched-down ciphertext round trip and still decrypt.
        let a: [UInt64] = Array(1...16)
        let product = try harness.evaluator.multiply(harness.encrypt(a), harness.encrypt(a))
        let lower = try harness.evaluator.switchingModulusDown(harness.encrypt(a))
        for (ciphertext, expected) in [(product, a.map { $0 * $0 % 97 }), (lower, a)] {
            let url = folder.appending(path: "c\(ciphertext.polynomials.count)-\(ciphertext.level).heat")
            try BfvFile.write(ciphertext.envelope(), to: url)
            let loaded = try Ciphertext(envelope: BfvFile.read(url), context: harness.context, source: "c")
            #expect(loaded.polynomials.map(\.data) == ciphertext.polynomials.map(\.data))
            #expect(loaded.level == ciphertext.level)
            #expect(try harness.decryptAll(loaded) == expected)
        }
        // The loaded keys work.
        let relinearized = try harness.evaluator.relinearized(product, using: loadedRelinearization)
        #expect(try harness.decryptAll(relinearized) == a.map { $0 * $0 % 97 })
        let rotated = try harness.evaluator.rotatingSlots(harness.encrypt(a), by: -1, using: loadedGalois)
        #expect(try harness.decryptAll(rotated) == harness.rotated(a, by: -1))
    }

    /// Payload surgery with a valid checksum: each structural fault is reported as malformed data (65).
    @Test func corruptEvaluationKeysAreRejected() throws {
        let harness = try EvaluationHarness<UInt32>(TestParameters.small32)
        let context = harness.context
        let relinearization = try BfvRelinearizationKey(secretKey: harness.secretKey).envelope()
        let galois = try BfvGaloisKeys(secretKey: harness.secretKey, steps: [1], rowSwap: false).envelope()
        let headerLength = 4 + context.parameters.canonicalBytes.count
        func rewrap(_ envelope: Envelope, _ edit: (inout [UInt8]) -> Void) -> Envelope {
            var bytes = Array(envelope.payload)
            edit(&bytes)
            return Envelope(kind: envelope.kind, fingerprint: envelope.fingerprint, payload: Data(bytes))
        }
        func expectMalformed(_ body: () throws(FHEError) -> Void, _ fragment: String) {
            do {
                try body()
                Issue.record("expected a failure mentioning \(fragment)")
            } catch {
                #expect(error.category.exitCode == 65, "\(error)")
                #expect(error.description.contains(fragment), "\(error.description)")
            }
        }
        // Wrong component count.
        expectMalformed({ () throws(FHEError) in
            _ = try BfvRelinearizationKey(
                envelope: rewrap(relinearization) { $0[headerLength] = 2 }, context: context, source: "rk")
        }, "components")
        // A residue not below its modulus (the first residue of b_0 set to all ones).
        expectMalformed({ () throws(FHEError) in
            _ = try BfvRelinearizationKey(
                envelope: rewrap(relinearization) { for i in 0..<4 { $0[headerLength + 2 + i] = 0xff } },
                context: context, source: "rk")
        }, "not below the modulus")
        // Truncated and trailing bytes.
        expectMalformed({ () throws(FHEError) in
            _ = try BfvRelinearizationKey(envelope: rewrap(relinearization) { $0.removeLast(3) }, context: context, source: "rk")
        }, "payload ends")
        expectMalformed({ () throws(FHEError) in
            _ = try BfvGaloisKeys(envelope: rewrap(galois) { $0.append(0) }, context: context, source: "gk")
        }, "unexpected bytes")
        // An even Galois element.
        expectMalformed({ () throws(FHEError) in
            _ = try BfvGaloisKeys(envelope: rewrap(galois) { $0[headerLength + 5] = 4 }, context: context, source: "gk")
        }, "must be odd")
        // A ciphertext with too many moduli.
        let ciphertext = try harness.encrypt([1, 2, 3]).envelope()
        expectMalformed({ () throws(FHEError) in
            _ = try Ciphertext(envelope: rewrap(ciphertext) { $0[headerLength + 7] = 9 }, context: context, source: "c")
        }, "moduli")
        // A flipped bit fails the envelope checksum; the wrong kind is refused.
        let folder = try TestParameters.temporaryDirectory()
        let url = folder.appending(path: "gk.heat")
        try BfvFile.write(galois, to: url)
        var data = try Data(contentsOf: url)
        data[data.count / 2] ^= 0x01
        try data.write(to: url)
        #expect(throws: FHEError.self) { try BfvFile.read(url, expecting: .fheGaloisKeys) }
        #expect(throws: FHEError.self) {
            try BfvRelinearizationKey(envelope: galois, context: context, source: "gk")
        }
    }

    @Test func evaluationKeysExportAsJSON() throws {
        let folder = try TestParameters.temporaryDirectory()
        let keys = try FHEToolbox.generateKeys(
            parameters: TestParameters.small32, directory: folder,
            evaluationKeys: .init(steps: [1], rowSwap: true), policy: .allowInsecureForTesting)
        let relinearizationURL = try #require(keys.relinearizationKey)
        let galoisURL = try #require(keys.galoisKeys)
        for (url, kind) in [(relinearizationURL, "relinearizationKey"), (galoisURL, "galoisKeys")] {
            let text = try FHEToolbox.exportJSON(url, policy: .allowInsecureForTesting)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            #expect(object["kind"] as? String == kind)
            #expect((object["moduli"] as? [Any])?.count == 4)
        }
        let galois = try #require(
            try JSONSerialization.jsonObject(with: Data(FHEToolbox.exportJSON(galoisURL, policy: .allowInsecureForTesting).utf8)) as? [String: Any])
        let entries = try #require(galois["keys"] as? [[String: Any]])
        #expect(entries.map { $0["galoisElement"] as? Int } == [3, 31])
        #expect((entries[0]["components"] as? [Any])?.count == 3)
        let inspection = try FHEToolbox.inspect(galoisURL, policy: .allowInsecureForTesting)
        #expect(inspection.kind == "fheSeededGaloisKeys" && inspection.galoisElements == [3, 31])
    }

    /// Every `heatctl fhe eval` operation on files, checked by decryption.
    @Test func toolboxEvaluatesEveryOperation() throws {
        let folder = try TestParameters.temporaryDirectory()
        let keys = try FHEToolbox.generateKeys(
            parameters: TestParameters.small64, directory: folder, policy: .allowInsecureForTesting)
        let a: [Int64] = Array(1...32)
        let b: [Int64] = (1...32).map { 40 - $0 }
        let aURL = folder.appending(path: "a.ct")
        let bURL = folder.appending(path: "b.ct")
        try FHEToolbox.encrypt(values: a, keyFile: keys.publicKey, encoding: .batch, output: aURL, policy: .allowInsecureForTesting)
        try FHEToolbox.encrypt(values: b, keyFile: keys.publicKey, encoding: .batch, output: bURL, policy: .allowInsecureForTesting)
        let t: Int64 = 193
        func run(_ operation: FHEToolbox.Operation, _ inputs: [URL], steps: Int? = nil, relinearize: Bool = true) throws -> [Int64] {
            let out = folder.appending(path: "\(operation.rawValue).ct")
            try FHEToolbox.evaluate(
                operation, inputs: inputs, keysDirectory: folder, steps: steps, relinearize: relinearize, output: out,
                policy: .allowInsecureForTesting)
            return try FHEToolbox.decrypt(
                secretKeyFile: keys.secretKey, ciphertextFile: out, policy: .allowInsecureForTesting).values
        }
        #expect(try run(.add, [aURL, bURL]) == zip(a, b).map { ($0 + $1) % t })
        #expect(try run(.sub, [aURL, bURL]) == zip(a, b).map { (($0 - $1) % t + t) % t })
        #expect(try run(.mul, [aURL, bURL]) == zip(a, b).map { $0 * $1 % t })
        #expect(try run(.mul, [aURL, bURL], relinearize: false) == zip(a, b).map { $0 * $1 % t })
        #expect(try run(.rotate, [aURL], steps: 3) == (0..<32).map { a[($0 / 16) * 16 + ($0 % 16 + 3) % 16] })
        #expect(try run(.swapRows, [aURL]) == Array(a[16...] + a[..<16]))
        #expect(try run(.sumSlots, [aURL]) == [a.reduce(0, +) % t])
        #expect(try run(.modSwitch, [aURL]) == a)
        #expect(throws: FHEError.self) { try run(.rotate, [aURL]) }
        #expect(throws: FHEError.self) { try run(.modSwitch, [aURL], steps: 2) }
        do {
            _ = try FHEToolbox.evaluate(
                .sumSlots, inputs: [aURL], keysDirectory: nil, output: folder.appending(path: "x.ct"),
                policy: .allowInsecureForTesting)
            Issue.record("sum-slots without keys must fail")
        } catch {
            #expect(error.category.exitCode == 64)
        }
    }
}
