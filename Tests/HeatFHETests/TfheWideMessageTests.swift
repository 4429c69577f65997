import Foundation
import HeatEnvelope
import Testing

@testable import HeatFHE

/// Keys of the 6- and 8-bit sets (made once per process: key generation is the slow part).
private enum WideFixture {
    static func keys(_ parameters: TfheParameters) -> (TfheSecretKey, TfheEvaluator) {
        let context = try! TfheContext(parameters: parameters)  // swiftlint:disable:this force_try
        var random = SecureRandom()
        let key = TfheSecretKey(context: context, using: &random)
        return (key, TfheEvaluator(serverKey: TfheServerKey(secretKey: key, using: &random)))
    }

    static let insecure6 = keys(.insecureTest6Bit)
    static let insecure8 = keys(.insecureTest8Bit)
    static let sixBit = keys(.sixBit)

    static let environment = ProcessInfo.processInfo.environment
    /// Long randomized trials run when `HEAT_TFHE_LONG=1`.
    static var long: Bool { environment["HEAT_TFHE_LONG"] == "1" }

    /// The signed error of a phase from `Delta * m`, in torus units.
    static func error(phase: UInt64, message: Int, delta: UInt64) -> Double {
        Double(Int64(bitPattern: phase &- UInt64(message) &* delta)) / 18_446_744_073_709_551_616.0
    }

    /// Bootstraps `messages` through a random table and through the quantized sigmoid; returns the
    /// number of wrong results (each also recorded as a test issue).
    static func checkLookups(
        key: TfheSecretKey, evaluator: TfheEvaluator, tableMessages: [Int], sigmoidMessages: [Int]
    ) -> Int {
        let p = key.context.parameters.messageModulus
        var random = SystemRandomNumberGenerator()
        let values = (0..<p).map { _ in Int.random(in: 0..<p, using: &random) }
        let table = TfheLookupTable(context: evaluator.context, values: values)
        var wrong = 0
        for message in tableMessages {
            let result = key.decrypt(evaluator.bootstrap(key.encrypt(message), table: table))
            if result != values[message] { wrong += 1 }
            #expect(result == values[message], "\(key.context.parameters.name) table[\(message)]")
        }
        let sigmoid = TfheEvaluator.sigmoidTable(messageModulus: p)
        for message in sigmoidMessages {
            let result = key.decrypt(evaluator.sigmoid(key.encrypt(message)))
            if result != sigmoid[message] { wrong += 1 }
            #expect(result == sigmoid[message], "\(key.context.parameters.name) sigmoid(\(message))")
        }
        return wrong
    }
}

/// The 6- and 8-bit sets of issue 22 (item 1: "6-8-bit messages with larger parameters"; item 3:
/// "a sigmoid quantized to 4-8 bits"): their shapes and model, the one prime for every `N`, random
/// tables and the sigmoid decrypting right, the noise against the model, key files.
@Suite("TFHE 6- and 8-bit messages (tfhe-6bit-2m40-ks32, tfhe-8bit-2m40-ks32)")
struct TfheWideMessageTests {
    @Test("the sets: Concrete's shapes at p_error 2^-40, model p_fail 2^-48.6 (6-bit) and 2^-44.9 (8-bit) per lookup")
    func setsAndModel() throws {
        let six = try TfheParameters(preset: "tfhe-6bit-2m40-ks32")
        #expect(six == .sixBit && six.messageBits == 6 && six.security == .standard128)
        #expect(six.lweDimension == 944 && six.glweDimension == 1 && six.polynomialSize == 8192)
        #expect(six.pbsBaseLog == 22 && six.pbsLevels == 1 && six.ksBaseLog == 3 && six.ksLevels == 6)
        #expect(six.keySwitchModulusLog2 == 32 && six.lweNoiseLog2 == 44 && six.glweNoiseLog2 == 3)
        let eight = try TfheParameters(preset: "tfhe-8bit-2m40-ks32")
        #expect(eight == .eightBit && eight.messageBits == 8 && eight.security == .standard128)
        #expect(eight.lweDimension == 1054 && eight.glweDimension == 1 && eight.polynomialSize == 32768)
        #expect(eight.pbsBaseLog == 15 && eight.pbsLevels == 2 && eight.ksBaseLog == 3 && eight.ksLevels == 7)
        #expect(eight.keySwitchModulusLog2 == 32 && eight.lweNoiseLog2 == 41 && eight.glweNoiseLog2 == 3)
        for parameters in [six, eight, TfheParameters.insecureTest6Bit, .insecureTest8Bit] {
            try parameters.validate()
        }
        // Model p_fail per lookup (Docs/TFHE.md "Noise model"); the same figures as the Python
        // model of Scripts/bench-tfhe-concrete.py gives for these parameters.
        let sixModel = TfheNoiseModel(parameters: six).log2FailureProbability
        #expect(sixModel < -48.4 && sixModel > -48.9, "\(sixModel)")
        let eightModel = TfheNoiseModel(parameters: eight).log2FailureProbability
        #expect(eightModel < -44.7 && eightModel > -45.1, "\(eightModel)")
        // Concrete's own key-switching gadgets with our wider TUniform noise would not reach 2^-40.
        let concreteGadget6 = try TfheParameters(
            name: "concrete-gadget-6", lweDimension: 944, glweDimension: 1, polynomialSize: 8192, lweNoiseLog2: 44,
            glweNoiseLog2: 3, pbsBaseLog: 22, pbsLevels: 1, ksBaseLog: 4, ksLevels: 4, keySwitchModulusLog2: 32,
            messageBits: 6, security: .insecureForTesting, reference: "test")
        #expect(TfheNoiseModel(parameters: concreteGadget6).log2FailureProbability > -30)
        // The insecure test sets of the same widths fail far less often than the real ones.
        #expect(TfheNoiseModel(parameters: .insecureTest6Bit).log2FailureProbability < -200)
        #expect(TfheNoiseModel(parameters: .insecureTest8Bit).log2FailureProbability < -60)
    }

    @Test("one GLWE prime for every N <= 32768: the sessions 22-38 prime, = 1 mod 65536; N = 65536 is refused")
    func onePrimeForEveryRingDegree() throws {
        for parameters in TfheParameters.presets {
            let context = try TfheContext(parameters: parameters)
            #expect(context.primeModulus.value == 4_611_686_018_427_322_369, "\(parameters.name)")
            #expect(context.plan.degree == parameters.polynomialSize, "\(parameters.name)")
        }
        #expect(TfheSecurityEstimate.glweModulus == 4_611_686_018_427_322_369)
        #expect((4_611_686_018_427_322_369 as UInt64) % 65536 == 1)
        #expect((4_611_686_018_427_322_369 as UInt64) % 131_072 != 1)
        #expect(throws: FHEError.self) {
            try TfheParameters(
                name: "too-large", lweDimension: 64, glweDimension: 1, polynomialSize: 65536, lweNoiseLog2: 36,
                glweNoiseLog2: 20, pbsBaseLog: 15, pbsLevels: 2, ksBaseLog: 4, ksLevels: 6, keySwitchModulusLog2: 32,
                messageBits: 8, security: .insecureForTesting, reference: "test")
        }
        #expect(throws: FHEError.self) {
            // 8-bit messages need N >= 2^10.
            try TfheParameters(
                name: "too-small", lweDimension: 64, glweDimension: 1, polynomialSize: 512, lweNoiseLog2: 36,
                glweNoiseLog2: 20, pbsBaseLog: 15, pbsLevels: 2, ksBaseLog: 4, ksLevels: 6, keySwitchModulusLog2: 32,
                messageBits: 8, security: .insecureForTesting, reference: "test")
        }
    }

    @Test("existing 4-bit keys are byte-identical: seeded key files pinned (SHA-256), and they load and decrypt")
    func existingKeysUnchanged() throws {
        // Known answers from a seeded generator: the bytes of a secret key, a server key and a
        // ciphertext of the 4-bit test sets. They depend on the prime, the parameters and the key
        // generation, none of which the 6- and 8-bit sets may change.
        let expected: [String: String] = [
            "tfhe-4bit-insecure-test": "9058c9e415a5d812c41ecc4df089bc329d9cf447a51e08b233d6c602c84d201a",
            "tfhe-4bit-insecure-test-ks32": "91f9a16a4c515344f0d5d26fa2fe2933817fd87b72e84ee6fa31d15bba1abed5",
        ]
        for parameters in [TfheParameters.insecureTest4Bit, .insecureTest4BitKeySwitch32] {
            let context = try TfheContext(parameters: parameters)
            let seed = try PolySeed(bytes: [UInt8](repeating: 7, count: 32))
            var random = SecureRandom(seed: seed, stream: 22)
            let key = TfheSecretKey(context: context, using: &random)
            let server = TfheServerKey(secretKey: key, using: &random)
            let ciphertext = key.encrypt(11, using: &random)
            let files = [
                TfheFile.envelope(secretKey: key), TfheFile.envelope(serverKey: server),
                TfheFile.envelope(ciphertext: ciphertext, parameters: parameters),
            ]
            var bytes = Data()
            for envelope in files { bytes.append(envelope.payload) }
            let digest = Fingerprint(hashing: [UInt8](bytes)).bytes.map { String(format: "%02x", $0) }.joined()
            #expect(digest == expected[parameters.name], "\(parameters.name)")
            let loadedKey = try TfheFile.secretKey(from: files[0], source: "client.tfhekey", policy: .allowInsecureForTesting)
            let loadedServer = try TfheFile.serverKey(from: files[1], source: "server.tfhekey", policy: .allowInsecureForTesting)
            let (loaded, _) = try TfheFile.ciphertext(from: files[2], source: "x.tfhect", policy: .allowInsecureForTesting)
            let table = TfheLookupTable(context: context) { 15 - $0 }
            #expect(loadedKey.decrypt(TfheEvaluator(serverKey: loadedServer).bootstrap(loaded, table: table)) == 4)
        }
    }

    @Test("insecure 6-bit set: two random tables and the sigmoid over all 64 messages (192 PBS)")
    func insecureSixBitEveryMessage() {
        let (key, evaluator) = WideFixture.insecure6
        let all = Array(0..<64)
        #expect(WideFixture.checkLookups(key: key, evaluator: evaluator, tableMessages: all + all, sigmoidMessages: all) == 0)
        // The sigmoid quantized to 6 bits: monotone, 0 at the bottom, 63 at the top, 32 in the middle.
        let sigmoid = TfheEvaluator.sigmoidTable(messageModulus: 64)
        #expect(sigmoid.first == 0 && sigmoid.last == 63 && sigmoid[32] == 32)
        #expect(zip(sigmoid, sigmoid.dropFirst()).allSatisfy { $0 <= $1 })
    }

    @Test("insecure 8-bit set: a random table on 96 messages, the sigmoid on 32 (ends and middle included)")
    func insecureEightBitLookups() {
        let (key, evaluator) = WideFixture.insecure8
        var random = SystemRandomNumberGenerator()
        let tableMessages = [0, 1, 127, 128, 254, 255] + (0..<90).map { _ in Int.random(in: 0..<256, using: &random) }
        let sigmoidMessages = [0, 1, 100, 127, 128, 129, 160, 255] + (0..<24).map { _ in Int.random(in: 0..<256, using: &random) }
        #expect(
            WideFixture.checkLookups(key: key, evaluator: evaluator, tableMessages: tableMessages, sigmoidMessages: sigmoidMessages)
                == 0)
        let sigmoid = TfheEvaluator.sigmoidTable(messageModulus: 256)
        #expect(sigmoid.first == 0 && sigmoid.last == 255 && sigmoid[128] == 128)
        #expect(zip(sigmoid, sigmoid.dropFirst()).allSatisfy { $0 <= $1 })
    }

    @Test("6-bit set: a random table and the sigmoid on four messages each, and a chained lookup")
    func sixBitLookups() {
        let (key, evaluator) = WideFixture.sixBit
        var random = SystemRandomNumberGenerator()
        let messages = [0, 63, Int.random(in: 1..<63, using: &random), Int.random(in: 1..<63, using: &random)]
        #expect(WideFixture.checkLookups(key: key, evaluator: evaluator, tableMessages: messages, sigmoidMessages: messages) == 0)
        let successor = TfheLookupTable(context: evaluator.context) { ($0 + 1) % 64 }
        let message = Int.random(in: 0..<64, using: &random)
        let twice = evaluator.bootstrap(evaluator.bootstrap(key.encrypt(message), table: successor), table: successor)
        #expect(key.decrypt(twice) == (message + 2) % 64)
    }

    @Test("6-bit set: noise after PBS and after key switching matches the model (12 runs; long: 200)")
    func sixBitNoiseMatchesModel() {
        let (key, evaluator) = WideFixture.sixBit
        let parameters = key.context.parameters
        let runs = WideFixture.long ? 200 : 12
        let model = TfheNoiseModel(parameters: parameters)
        let identity = TfheLookupTable(context: evaluator.context) { $0 }
        var bootstrapSquares = 0.0
        var switchSquares = 0.0
        for run in 0..<runs {
            let message = (run * 5) % 64
            let output = evaluator.bootstrap(key.encrypt(message), table: identity)
            let error = WideFixture.error(phase: key.phase(output), message: message, delta: parameters.delta)
            bootstrapSquares += error * error
            let switched = evaluator.serverKey.keySwitchingKey.keySwitch(output)
            let switchError = WideFixture.error(phase: key.phase(switched), message: message, delta: parameters.delta)
            switchSquares += switchError * switchError
        }
        let bootstrapRatio = bootstrapSquares / Double(runs) / model.bootstrapVariance
        let switchRatio = switchSquares / Double(runs) / (model.bootstrapVariance + model.keySwitchVariance)
        let (low, high) = TFHETests.varianceRatioBounds(runs: runs)
        #expect(bootstrapRatio > low && bootstrapRatio < high, "PBS variance ratio \(bootstrapRatio)")
        #expect(switchRatio > low && switchRatio < high, "KS variance ratio \(switchRatio)")
    }

    @Test("6-bit set: the server key round trips seed-compressed (about 124 MB) and still bootstraps")
    func sixBitServerKeyRoundTrip() throws {
        let (key, evaluator) = WideFixture.sixBit
        let parameters = key.context.parameters
        let envelope = TfheFile.envelope(serverKey: evaluator.serverKey)
        let bootstrapBodies = parameters.lweDimension * (parameters.glweDimension + 1) * parameters.pbsLevels
            * parameters.polynomialSize * 8
        let switchBodies = parameters.bigLweDimension * parameters.ksLevels * 4
        #expect(bootstrapBodies + switchBodies == 123_928_576)
        #expect(envelope.payload.count > bootstrapBodies + switchBodies)
        #expect(envelope.payload.count < bootstrapBodies + switchBodies + 512)
        let loaded = try TfheFile.serverKey(from: envelope, source: "server.tfhekey")
        let table = TfheLookupTable(context: loaded.bootstrappingKey.context) { 63 - $0 }
        #expect(key.decrypt(TfheEvaluator(serverKey: loaded).bootstrap(key.encrypt(41), table: table)) == 22)
        let secret = try TfheFile.secretKey(from: TfheFile.envelope(secretKey: key), source: "client.tfhekey")
        #expect(secret.decrypt(key.encrypt(50)) == 50)
    }

    /// The long trials' count and sets (`HEAT_TFHE_LONG_TRIALS`, default 2000; `HEAT_TFHE_LONG_SETS`).
    static func longTrials(for parameters: TfheParameters) throws -> Int {
        guard WideFixture.long else { return 0 }
        if let names = WideFixture.environment["HEAT_TFHE_LONG_SETS"] {
            let secure = TfheParameters.presets.filter { $0.security == .standard128 }.map(\.name)
            let selected = names.split(separator: ",").map(String.init)
            let unknown = selected.filter { !secure.contains($0) }
            try #require(unknown.isEmpty, "HEAT_TFHE_LONG_SETS names \(unknown), not a 128-bit TFHE preset (\(secure))")
            guard selected.contains(parameters.name) else {
                print("TFHE-LONG set=\(parameters.name) skipped (not in HEAT_TFHE_LONG_SETS)")
                return 0
            }
        }
        guard let text = WideFixture.environment["HEAT_TFHE_LONG_TRIALS"] else { return 2000 }
        let count = try #require(Int(text), "HEAT_TFHE_LONG_TRIALS=\(text) is not a number")
        try #require(count > 0, "HEAT_TFHE_LONG_TRIALS=\(text) must be positive")
        return count
    }

    /// Every trial: a random table lookup, the sigmoid and a comparison of two ciphertexts (the six
    /// relations in turn; equality costs three PBS); every 25th trial also min, max, sign and the
    /// heat-level classification of a score in `[0, 100]` written in two digits. Each result must
    /// decrypt right, and the errors of the table, sigmoid and comparison outputs (each one PBS output)
    /// must have the model's variance (chi-square bounds at 1e-6, as `sixBitNoiseMatchesModel`).
    @Test(
        "long (HEAT_TFHE_LONG=1): tables, sigmoid, comparisons (+ min, max, sign, classify every 25th), zero failures, noise as the model (2000 trials per set); also the 8-bit key file",
        arguments: [TfheParameters.sixBit, .eightBit])
    func longTrials(parameters: TfheParameters) throws {
        let trials = try Self.longTrials(for: parameters)
        guard trials > 0 else { return }
        let start = Date()
        let (key, evaluator) = parameters == .sixBit ? WideFixture.sixBit : WideFixture.keys(parameters)
        print(String(format: "TFHE-LONG set=%@ keygen seconds=%.0f", parameters.name, Date().timeIntervalSince(start)))
        if parameters == .eightBit {
            let envelope = TfheFile.envelope(serverKey: evaluator.serverKey)
            print("TFHE-LONG set=\(parameters.name) server key seed-compressed bytes=\(envelope.payload.count)")
            let loaded = try TfheFile.serverKey(from: envelope, source: "server.tfhekey")
            let table = TfheLookupTable(context: loaded.bootstrappingKey.context) { 255 - $0 }
            #expect(key.decrypt(TfheEvaluator(serverKey: loaded).bootstrap(key.encrypt(200), table: table)) == 55)
        }
        let p = parameters.messageModulus
        let delta = parameters.delta
        let sigmoid = TfheEvaluator.sigmoidTable(messageModulus: p)
        let thresholds = TfheEvaluator.heatLevelThresholds
        var random = SystemRandomNumberGenerator()
        var failures: [String: Int] = [:]
        var squares = 0.0
        var outputs = 0
        var operations = 0
        // Checks one result; `measured` results are single PBS outputs whose error enters the variance.
        func check(_ name: String, _ output: LweCiphertext, _ expected: Int, measured: Bool, _ detail: @autoclosure () -> String) {
            operations += 1
            let result = key.decrypt(output)
            if result != expected { failures[name, default: 0] += 1 }
            #expect(result == expected, "\(parameters.name) \(name): \(detail()) gave \(result), expected \(expected)")
            guard measured else { return }
            let error = WideFixture.error(phase: key.phase(output), message: expected, delta: delta)
            squares += error * error
            outputs += 1
        }
        var values = (0..<p).map { _ in Int.random(in: 0..<p, using: &random) }
        var table = TfheLookupTable(context: evaluator.context, values: values)
        let trialsStart = Date()
        for trial in 0..<trials {
            if trial % 50 == 0 && trial > 0 {  // a fresh random table every 50 trials
                values = (0..<p).map { _ in Int.random(in: 0..<p, using: &random) }
                table = TfheLookupTable(context: evaluator.context, values: values)
            }
            let x = Int.random(in: 0..<p, using: &random)
            // Every fourth trial compares x with itself; the first never does.
            let y =
                trial % 4 == 3 ? x
                : trial == 0 ? (x + Int.random(in: 1..<p, using: &random)) % p : Int.random(in: 0..<p, using: &random)
            let ex = key.encrypt(x)
            let ey = key.encrypt(y)
            check("table", evaluator.bootstrap(ex, table: table), values[x], measured: true, "table[\(x)]")
            check("sigmoid", evaluator.sigmoid(ey), sigmoid[y], measured: true, "sigmoid(\(y))")
            let comparison = TfheEvaluator.Comparison.allCases[trial % 6]
            check("compare", evaluator.compare(ex, comparison, ey), comparison.holds(x, y) ? 1 : 0, measured: true, "\(x) \(comparison) \(y)")
            if trial % 25 == 0 {
                check("minimum", evaluator.minimum(ex, ey), min(x, y), measured: false, "min(\(x), \(y))")
                check("maximum", evaluator.maximum(ex, ey), max(x, y), measured: false, "max(\(x), \(y))")
                check("sign", evaluator.sign(ex, ey), x < y ? 0 : (x == y ? 1 : 2), measured: false, "sign(\(x), \(y))")
                let score = Int.random(in: 0...100, using: &random)
                let level = evaluator.classify(high: key.encrypt(score / p), low: key.encrypt(score % p), thresholds: thresholds)
                check("classify", level, TfheEvaluator.level(of: score, thresholds: thresholds), measured: false, "score \(score)")
            }
            if (trial + 1) % 50 == 0 || trial + 1 == trials {
                print(
                    String(
                        format: "TFHE-LONG progress set=%@ trials=%d operations=%d failures=%@ variance/model=%.3f seconds=%d",
                        parameters.name, trial + 1, operations, failures.description,
                        squares / Double(outputs) / TfheNoiseModel(parameters: parameters).bootstrapVariance,
                        Int(Date().timeIntervalSince(trialsStart))))
            }
        }
        let ratio = squares / Double(outputs) / TfheNoiseModel(parameters: parameters).bootstrapVariance
        let (low, high) = TFHETests.varianceRatioBounds(runs: outputs)
        #expect(ratio > low && ratio < high, "\(parameters.name): PBS output variance / model \(ratio) over \(outputs) outputs")
        print(
            String(
                format: "TFHE-LONG set=%@ trials=%d operations=%d failures=%d %@ variance/model=%.3f (bounds %.3f-%.3f, %d outputs) seconds=%.0f",
                parameters.name, trials, operations, failures.values.reduce(0, +), failures.description, ratio, low, high, outputs,
                Date().timeIntervalSince(trialsStart)))
    }
}
