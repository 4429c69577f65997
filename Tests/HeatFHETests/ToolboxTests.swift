import Foundation
import Testing
@testable import HeatFHE
@testable import HeatFHETools

@Suite struct ToolboxTests {
    @Test func encryptDecryptInspectWithFiles() throws {
        let folder = try TestParameters.temporaryDirectory()
        let keys = try FHEToolbox.generateKeys(parameters: TestParameters.small32, directory: folder, policy: .allowInsecureForTesting)
        let output = folder.appending(path: "v.ct")
        try FHEToolbox.encrypt(values: [-4, 7, 0, 48], keyFile: keys.publicKey, encoding: .batch, output: output, policy: .allowInsecureForTesting)
        let result = try FHEToolbox.decrypt(
            secretKeyFile: keys.secretKey, ciphertextFile: output, includeNoiseBudget: true, policy: .allowInsecureForTesting)
        #expect(result.values == [-4, 7, 0, 48])
        #expect(result.signed && result.encoding == "batch" && (result.noiseBudget ?? 0) > 0)
        // The noise budget depends on the secret: it is measured only when asked for.
        #expect(try FHEToolbox.decrypt(secretKeyFile: keys.secretKey, ciphertextFile: output, policy: .allowInsecureForTesting).noiseBudget == nil)
        let inspection = try FHEToolbox.inspect(output, secretKeyFile: keys.secretKey, policy: .allowInsecureForTesting)
        #expect(inspection.kind == "fheCiphertext")
        #expect(inspection.valueCount == 4 && inspection.polynomialCount == 2 && inspection.encoding == "batch")
        #expect(inspection.moduli == TestParameters.small32.ciphertextModuli)
        #expect((inspection.noiseBudget ?? 0) > 0)
        #expect(inspection.security == "insecureForTesting" && !inspection.isPreset)
        let keyInspection = try FHEToolbox.inspect(keys.publicKey, policy: .allowInsecureForTesting)
        #expect(keyInspection.kind == "fheSeededPublicKey" && keyInspection.moduli == TestParameters.small32.keyModuli)
        #expect(keyInspection.noiseBudget == nil)
        // Decoding with the other encoding gives other values (the encodings really differ).
        let asCoefficients = try FHEToolbox.decrypt(
            secretKeyFile: keys.secretKey, ciphertextFile: output, encoding: .coefficient, policy: .allowInsecureForTesting)
        #expect(asCoefficients.values != [-4, 7, 0, 48])
    }

    @Test func keysOfOtherParametersAreRejected() throws {
        let folder = try TestParameters.temporaryDirectory()
        let keys = try FHEToolbox.generateKeys(parameters: TestParameters.small32, directory: folder.appending(path: "a"), policy: .allowInsecureForTesting)
        let otherKeys = try FHEToolbox.generateKeys(parameters: TestParameters.noBatching, directory: folder.appending(path: "b"), policy: .allowInsecureForTesting)
        let output = folder.appending(path: "v.ct")
        try FHEToolbox.encrypt(values: [1, 2], keyFile: keys.publicKey, encoding: .coefficient, output: output, policy: .allowInsecureForTesting)
        do {
            _ = try FHEToolbox.decrypt(secretKeyFile: otherKeys.secretKey, ciphertextFile: output, policy: .allowInsecureForTesting)
            Issue.record("must fail")
        } catch {
            guard case .envelope(.fingerprintMismatch) = error else { Issue.record("unexpected \(error)"); return }
            #expect(error.category.exitCode == 65)
        }
        // A public key where a secret key is expected.
        #expect(throws: FHEError.self) { try FHEToolbox.decrypt(secretKeyFile: keys.publicKey, ciphertextFile: output, policy: .allowInsecureForTesting) }
        // A parameters file is not a key.
        #expect(throws: FHEError.self) {
            try FHEToolbox.encrypt(values: [1], keyFile: keys.parameters, encoding: .coefficient, output: output, policy: .allowInsecureForTesting)
        }
        // Missing files are "no input" (66).
        do {
            _ = try FHEToolbox.inspect(folder.appending(path: "absent.heat"), policy: .allowInsecureForTesting)
        } catch {
            #expect(error.category.exitCode == 66)
        }
    }

    @Test func outOfRangeValuesNameTheLineOrElement() throws {
        let folder = try TestParameters.temporaryDirectory()
        let keys = try FHEToolbox.generateKeys(parameters: TestParameters.small32, directory: folder, policy: .allowInsecureForTesting)
        let csv = folder.appending(path: "v.csv")
        try "client,heat\nA,1\nB,500\n".write(to: csv, atomically: true, encoding: .utf8)
        let output = folder.appending(path: "v.ct")
        #expect(
            throws: FHEError.invalidInput(
                source: csv.path, reason: "line 3, column \"heat\": value 500 is outside the plaintext range [0, 96]")
        ) {
            try FHEToolbox.encrypt(
                inputFile: csv, column: "heat", keyFile: keys.publicKey, encoding: .batch, output: output, policy: .allowInsecureForTesting)
        }
        let json = folder.appending(path: "v.json")
        try "[1, -2, 60]".write(to: json, atomically: true, encoding: .utf8)
        #expect(
            throws: FHEError.invalidInput(
                source: json.path, reason: "element 2: value 60 is outside the plaintext range [-48, 48]")
        ) {
            try FHEToolbox.encrypt(
                inputFile: json, column: nil, keyFile: keys.publicKey, encoding: .batch, output: output, policy: .allowInsecureForTesting)
        }
        try "[1, -2, 40]".write(to: json, atomically: true, encoding: .utf8)
        let good = try FHEToolbox.encrypt(
            inputFile: json, column: nil, keyFile: keys.publicKey, encoding: .batch, output: output, policy: .allowInsecureForTesting)
        #expect(good.count == 3)
        #expect(try FHEToolbox.decrypt(secretKeyFile: keys.secretKey, ciphertextFile: output, policy: .allowInsecureForTesting).values == [1, -2, 40])
    }

    @Test func presetSummaries() {
        let summaries = FHEToolbox.presetSummaries()
        #expect(summaries.map(\.name) == BfvParameters.presetNames)
        #expect(summaries.allSatisfy { $0.logQ <= ($0.maximumLogQ ?? 0) && $0.batching })
        #expect(summaries[0].scalarBits == 32 && summaries[1].scalarBits == 64)
    }

    @Test func valueInputParsesJSONAndCSV() throws {
        #expect(try FHEValueInput.parseJSON(" [3, -1, 4 ,9223372036854775807]\n", source: "v.json") == [3, -1, 4, Int64.max])
        #expect(try FHEValueInput.parseJSON("[]", source: "v.json") == [])
        #expect(throws: FHEError.invalidInput(source: "v.json", reason: "element 1: 2.5 is not an integer in the Int64 range")) {
            try FHEValueInput.parseJSON("[1, 2.5]", source: "v.json")
        }
        #expect(throws: FHEError.self) { try FHEValueInput.parseJSON("{\"a\": 1}", source: "v.json") }
        #expect(throws: FHEError.self) { try FHEValueInput.parseJSON("[1, 2", source: "v.json") }
        let csv = "\u{FEFF}client,heat\r\nA,12\r\n\"B, Ltd\",-3\r\n\r\n"
        #expect(try FHEValueInput.parseCSV(csv, column: "heat", source: "v.csv") == [12, -3])
        #expect(try FHEValueInput.parseCSV("heat\n1\n2", column: nil, source: "v.csv") == [1, 2])
        #expect(throws: FHEError.invalidInput(source: "v.csv", reason: "line 3, column \"heat\": \"x\" is not an integer")) {
            try FHEValueInput.parseCSV("client,heat\nA,1\nB,x\n", column: "heat", source: "v.csv")
        }
        #expect(throws: FHEError.self) { try FHEValueInput.parseCSV("client,heat\nA,1\n", column: nil, source: "v.csv") }
        #expect(throws: FHEError.self) { try FHEValueInput.parseCSV("client,heat\nA,1\n", column: "score", source: "v.csv") }
        #expect(throws: FHEError.invalidInput(source: "v.csv", reason: "line 2: 3 fields, the header has 2")) {
            try FHEValueInput.parseCSV("client,heat\nA,1,2\n", column: "heat", source: "v.csv")
        }
    }
}
