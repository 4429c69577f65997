import Foundation
import HeatEnvelope
import Testing

@testable import HeatFHE

/// Shared keys: key generation is the slow part, so each parameter set is keyed once.
private enum TfheFixtures {
    static let insecureContext = try! TfheContext(parameters: .insecureTest4Bit)  // swiftlint:disable:this force_try
    static let insecure: (TfheSecretKey, TfheEvaluator) = {
        var random = SecureRandom()
        let key = TfheSecretKey(context: insecureContext, using: &random)
        return (key, TfheEvaluator(serverKey: TfheServerKey(secretKey: key, using: &random)))
    }()
    /// The insecure set with the 32-bit key switch (`KS32`).
    static let insecureNarrow: (TfheSecretKey, TfheEvaluator) = keys(.insecureTest4BitKeySwitch32)
    /// Both insecure sets: the randomized trials run on the 64-bit and the 32-bit key switch.
    static var insecureSets: [(TfheSecretKey, TfheEvaluator)] { [insecure, insecureNarrow] }
    static let defaultContext = try! TfheContext(parameters: .default4Bit)  // swiftlint:disable:this force_try
    /// The default set (`tfhe-4bit-2m64-ks32`).
    static let secure: (TfheSecretKey, TfheEvaluator) = {
        var random = SecureRandom()
        let key = TfheSecretKey(context: defaultContext, using: &random)
        return (key, TfheEvaluator(serverKey: TfheServerKey(secretKey: key, using: &random)))
    }()
    /// The previous default (`tfhe-4bit-2m64`, 64-bit key switch).
    static let secureWide: (TfheSecretKey, TfheEvaluator) = keys(.default4BitKeySwitch64)

    static func keys(_ parameters: TfheParameters) -> (TfheSecretKey, TfheEvaluator) {
        let context = try! TfheContext(parameters: parameters)  // swiftlint:disable:this force_try
        var random = SecureRandom()
        let key = TfheSecretKey(context: context, using: &random)
        return (key, TfheEvaluator(serverKey: TfheServerKey(secretKey: key, using: &random)))
    }

    /// Long randomized trials run when `HEAT_TFHE_LONG=1`.
    static var long: Bool { ProcessInfo.processInfo.environment["HEAT_TFHE_LONG"] == "1" }

    /// The signed error of a phase from `Delta * m`, in torus units.
    static func error(phase: UInt64, message: Int, delta: UInt64) -> Double {
        Double(Int64(bitPattern: phase &- UInt64(message) &* delta)) / 18_446_744_073_709_551_616.0
    }
}

@Suite("TFHE")
struct TFHETests {
    @Test("presets validate and the default set's model p_fail is at most 2^-40 per lookup")
    func presets() throws {
        for parameters in TfheParameters.presets { try parameters.validate() }
        for parameters in [TfheParameters.default4Bit, .default4BitKeySwitch64] {
            #expect(TfheNoiseModel(parameters: parameters).log2FailureProbability <= -40, "\(parameters.name)")
        }
        #expect(try TfheParameters(preset: "tfhe-4bit-2m64-ks32") == .default4Bit)
        #expect(TfheParameters.presetNames.first == "tfhe-4bit-2m64-ks32")
        #expect(try TfheParameters(preset: "tfhe-4bit-2m64") == .default4BitKeySwitch64)
        #expect(throws: FHEError.self) { try TfheParameters(preset: "nope") }
        #expect(throws: FHEError.self) { try TfheParameters.insecureTest4Bit.check(policy: .production) }
        #expect(throws: FHEError.self) { try TfheParameters.insecureTest4BitKeySwitch32.check(policy: .production) }
    }

    /// The 32-bit key switch changes the noise model by two terms only: the key's noise is
    /// TUniform(b - 32) on 2^32 (the same rate) and the input is rounded to 2^32.
    @Test("the KS32 noise terms: same key-noise rate, an input-rounding term, p_fail still below 2^-64 on the default set")
    func keySwitch32NoiseModel() {
        let narrow = TfheNoiseModel(parameters: .default4Bit)
        let wide = TfheNoiseModel(parameters: .default4BitKeySwitch64)
        #expect(wide.keySwitchInputRoundingVariance == 0)
        // (1 + kN/2) / (12 * 2^64) for kN = 2048.
        #expect(abs(narrow.keySwitchInputRoundingVariance / (1025.0 / 12 / pow(2, 64)) - 1) < 1e-12)
        let ratio = narrow.keySwitchVariance / wide.keySwitchVariance
        #expect(ratio > 1 && ratio < 1 + 1e-6, "KS32 adds only the negligible rounding term: ratio \(ratio)")
        #expect(narrow.log2FailureProbability <= -64)
        #expect(
            TfheNoiseModel.tUniformVariance(bound: 14, modulusLog2: 32) / TfheNoiseModel.tUniformVariance(bound: 46) > 0.999)
    }

    /// A key-switch width other than 32 or 64, a gadget wider than the key-switching modulus, or a
    /// noise bound that would be negative on `2^32` is refused, naming the parameter.
    @Test("parameter validation of the key-switch width, its gadget and its noise bound")
    func keySwitchWidthValidation() throws {
        let base = TfheParameters.insecureTest4BitKeySwitch32
        func make(width: Int, noise: Int, baseLog: Int, levels: Int) throws -> TfheParameters {
            try TfheParameters(
                name: "ks-width-test", lweDimension: base.lweDimension, glweDimension: base.glweDimension,
                polynomialSize: base.polynomialSize, lweNoiseLog2: noise, glweNoiseLog2: base.glweNoiseLog2,
                pbsBaseLog: base.pbsBaseLog, pbsLevels: base.pbsLevels, ksBaseLog: baseLog, ksLevels: levels,
                keySwitchModulusLog2: width, messageBits: base.messageBits, security: .insecureForTesting,
                reference: "none (test)")
        }
        func message(_ body: () throws -> TfheParameters) -> String {
            do { _ = try body(); return "accepted" } catch { return "\(error)" }
        }
        #expect(try make(width: 32, noise: 32, baseLog: 4, levels: 7).keySwitchModulusLog2 == 32)
        #expect(message { try make(width: 48, noise: 36, baseLog: 4, levels: 6) }.contains("keySwitchModulusLog2: 48"))
        #expect(message { try make(width: 32, noise: 31, baseLog: 4, levels: 6) }.contains("lweNoiseLog2: 31"))
        #expect(message { try make(width: 32, noise: 36, baseLog: 4, levels: 8) }.contains("1...31"))
        #expect(try make(width: 64, noise: 0, baseLog: 4, levels: 15).keySwitchModulusLog2 == 64)
    }

    @Test("JSON: the sets round trip, and JSON without keySwitchModulusLog2 (before KS32) reads as 64")
    func parametersJSON() throws {
        for parameters in TfheParameters.presets {
            let data = try JSONEncoder().encode(parameters)
            #expect(try JSONDecoder().decode(TfheParameters.self, from: data) == parameters)
        }
        var object = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(TfheParameters.default4BitKeySwitch64))
                as? [String: Any])
        #expect(object.removeValue(forKey: "keySwitchModulusLog2") as? Int == 64)
        let old = try JSONDecoder().decode(TfheParameters.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(old == .default4BitKeySwitch64)
    }

    /// Version 1 parameter blocks (64-bit key switch) keep their bytes and fingerprints, so files
    /// written before the 32-bit key switch still load; version 2 carries the key-switch width.
    @Test("canonical parameter bytes: version 1 for 64-bit key switches (unchanged), version 2 for KS32")
    func canonicalParameterVersions() throws {
        let wide = TfheParameters.default4BitKeySwitch64.canonicalBytes
        #expect(wide.first == 1 && wide.count == 1 + 2 + "tfhe-4bit-2m64".utf8.count + 40 + 1)
        let narrow = TfheParameters.default4Bit.canonicalBytes
        #expect(narrow.first == 2 && narrow.count == 1 + 2 + "tfhe-4bit-2m64-ks32".utf8.count + 44 + 1)
        #expect(Array(narrow.suffix(5)) == [0, 0, 0, 32, 1])
        // The fingerprint of the session 22-35 default, as its files carry it.
        // The SHA-256 of the version 1 bytes (computed independently from the format's definition).
        #expect(
            TfheParameters.default4BitKeySwitch64.fingerprint.bytes.map { String(format: "%02x", $0) }.joined()
                == "b3fb0ba33060764f058333caaf7dd20debcc0594aedbb97739a8b443ca22bea6")
        // And the version 2 default's (review s37 finding 4; TfheKeySwitch32Tests pins every set).
        #expect(
            TfheParameters.default4Bit.fingerprint.bytes.map { String(format: "%02x", $0) }.joined()
                == "42c4753cefc95ad42d5838508832c11e5f722dd0e228e00f0156db855ef4ca66")
    }


    @Test("the prime is 62 bits, 1 mod 8192, and the gadget decomposition reconstructs x mod q")
    func gadgetDecomposition() {
        let context = TfheFixtures.insecureContext
        let q = context.primeModulus.value
        #expect(q % 8192 == 1 && q >> 61 == 1)
        let n = context.parameters.polynomialSize
        let levels = context.parameters.pbsLevels
        var random = SecureRandom()
        let input = Sampler.uniform(modulus: context.primeModulus, count: n, using: &random) + []
        var digits = [UInt64](repeating: 0, count: levels * n)
        input.withUnsafeBufferPointer { inputPointer in
            digits.withUnsafeMutableBufferPointer { context.decompose(inputPointer.baseAddress!, into: $0.baseAddress!) }
        }
        let bound = Double(q) / pow(2, Double(context.parameters.pbsBaseLog * levels + 1)) + Double(levels << context.parameters.pbsBaseLog)
        let half = UInt64(1) << UInt64(context.parameters.pbsBaseLog - 1)
        for t in 0..<n {
            var sum: UInt64 = 0
            for level in 0..<levels {
                let digit = digits[level * n + t]
                let centred = context.primeModulus.centered(digit)
                #expect(centred.magnitude <= half)
                sum = context.primeModulus.add(sum, context.primeModulus.multiply(digit, context.gadget[level]))
            }
            let error = context.primeModulus.centered(context.primeModulus.subtract(sum, input[t]))
            #expect(Double(error.magnitude) <= bound)
        }
    }

    @Test("encrypt / decrypt round trip under the big key, both sets")
    func encryptDecrypt() {
        for (key, _) in [TfheFixtures.insecure, TfheFixtures.secure] {
            for message in 0..<key.context.parameters.messageModulus {
                #expect(key.decrypt(key.encrypt(message)) == message)
            }
        }
    }

    @Test("key switching keeps the message (big key to small key), 64-bit and 32-bit key switch")
    func keySwitching() {
        for (key, evaluator) in TfheFixtures.insecureSets {
            let parameters = key.context.parameters
            let keySwitchingKey = evaluator.serverKey.keySwitchingKey
            #expect(keySwitchingKey.entryCount == parameters.bigLweDimension * parameters.ksLevels * (parameters.lweDimension + 1))
            #expect(
                keySwitchingKey.expandedByteCount == keySwitchingKey.entryCount * parameters.keySwitchModulusLog2 / 8)
            for message in 0..<16 {
                let switched = keySwitchingKey.keySwitch(key.encrypt(message))
                #expect(switched.dimension == parameters.lweDimension)
                #expect(key.decrypt(switched) == message, "\(parameters.name)")
                if parameters.keySwitchModulusLog2 == 32 {
                    #expect(switched.data.allSatisfy { $0 & 0xffff_ffff == 0 }, "KS32 output words are multiples of 2^32")
                }
            }
        }
    }

    @Test("sample extraction reads the constant coefficient of a GLWE phase")
    func sampleExtraction() {
        let context = TfheFixtures.insecureContext
        let (key, _) = TfheFixtures.insecure
        let n = context.parameters.polynomialSize
        var random = SecureRandom()
        // A noiseless GLWE of a polynomial with constant coefficient 5 * Delta: mask uniform, body = A*S + M.
        let mask = Sampler.uniform(modulus: context.primeModulus, count: n, using: &random)
        var message = [UInt64](repeating: 0, count: n)
        message[0] = context.torusToPrime(5 * context.parameters.delta)
        message[1] = context.torusToPrime(9 * context.parameters.delta)
        var maskNTT = mask
        context.plan.forward(&maskNTT)
        var keyNTT = key.glweKeyNTT()[0]
        for t in 0..<n { maskNTT[t] = context.primeModulus.multiply(maskNTT[t], keyNTT[t]) }
        keyNTT.wipe()
        context.plan.inverse(&maskNTT)
        let body = (0..<n).map { context.primeModulus.add(maskNTT[$0], message[$0]) }
        let glwe = GlweCiphertext(data: mask + body)
        #expect(key.decrypt(glwe.sampleExtract(context: context)) == 5)
    }

    @Test("PBS through random tables: every message, zero failures (both insecure sets)")
    func bootstrapRandomTables() {
        for (key, evaluator) in TfheFixtures.insecureSets {
            let tables = TfheFixtures.long ? 200 : 6
            var random = SystemRandomNumberGenerator()
            for _ in 0..<tables {
                let values = (0..<16).map { _ in Int.random(in: 0..<16, using: &random) }
                let table = TfheLookupTable(context: evaluator.context, values: values)
                for message in 0..<16 {
                    let result = evaluator.bootstrap(key.encrypt(message), table: table)
                    #expect(key.decrypt(result) == values[message], "\(key.context.parameters.name)")
                }
            }
        }
    }

    @Test("PBS on the 128-bit sets (n=887, N=2048; KS32 default and 64-bit KS): a table, chained", arguments: [false, true])
    func bootstrapDefaultSet(wideKeySwitch: Bool) {
        let (key, evaluator) = wideKeySwitch ? TfheFixtures.secureWide : TfheFixtures.secure
        let trials = TfheFixtures.long ? (wideKeySwitch ? 300 : 1000) : 8
        var random = SystemRandomNumberGenerator()
        let square = TfheLookupTable(context: evaluator.context) { ($0 * $0) % 16 }
        for _ in 0..<trials {
            let message = Int.random(in: 0..<16, using: &random)
            let once = evaluator.bootstrap(key.encrypt(message), table: square)
            #expect(key.decrypt(once) == (message * message) % 16)
        }
        // Chained: a PBS output bootstrapped again.
        let message = Int.random(in: 0..<16, using: &random)
        let identity = TfheLookupTable(context: evaluator.context) { $0 }
        let twice = evaluator.bootstrap(evaluator.bootstrap(key.encrypt(message), table: identity), table: identity)
        #expect(key.decrypt(twice) == message)
    }

    /// Bounds on the ratio of a mean of `runs` squared Gaussian errors to their variance that a
    /// correct model leaves with probability about 1e-6 each (chi-square with `runs` degrees of
    /// freedom, Wilson-Hilferty), widened to at least [0.5, 2] for the model's own approximation.
    static func varianceRatioBounds(runs: Int) -> (low: Double, high: Double) {
        let z = 4.753  // the standard normal's 1 - 1e-6 quantile
        let n = Double(runs)
        let spread = (2 / (9 * n)).squareRoot()
        let low = pow(1 - 2 / (9 * n) - z * spread, 3)
        let high = pow(1 - 2 / (9 * n) + z * spread, 3)
        return (Swift.min(0.5, low), Swift.max(2.0, high))
    }

    @Test("noise after PBS and after key switching matches the model (variance ratio within chi-square 1e-6 bounds)")
    func noiseMatchesModel() {
        for (key, evaluator) in TfheFixtures.insecureSets + [TfheFixtures.secure, TfheFixtures.secureWide] {
            let parameters = key.context.parameters
            // Insecure sets 300 runs in CI, the default set 48, the 64-bit-key-switch set 12;
            // long: 2000, the 64-bit-key-switch set 300.
            let shortRuns = parameters.security != .standard128 ? 300 : (parameters == .default4Bit ? 48 : 12)
            let runs = TfheFixtures.long ? (parameters == .default4BitKeySwitch64 ? 300 : 2000) : shortRuns
            let model = TfheNoiseModel(parameters: parameters)
            let identity = TfheLookupTable(context: evaluator.context) { $0 }
            var bootstrapSquares = 0.0
            var switchSquares = 0.0
            for run in 0..<runs {
                let message = run % 16
                let output = evaluator.bootstrap(key.encrypt(message), table: identity)
                let error = TfheFixtures.error(phase: key.phase(output), message: message, delta: parameters.delta)
                bootstrapSquares += error * error
                let switched = evaluator.serverKey.keySwitchingKey.keySwitch(output)
                let switchError = TfheFixtures.error(phase: key.phase(switched), message: message, delta: parameters.delta)
                switchSquares += switchError * switchError
            }
            let bootstrapRatio = bootstrapSquares / Double(runs) / model.bootstrapVariance
            let switchRatio = switchSquares / Double(runs) / (model.bootstrapVariance + model.keySwitchVariance)
            let (low, high) = Self.varianceRatioBounds(runs: runs)
            #expect(bootstrapRatio > low && bootstrapRatio < high, "PBS variance ratio \(bootstrapRatio) for \(parameters.name), \(runs) runs")
            #expect(switchRatio > low && switchRatio < high, "KS variance ratio \(switchRatio) for \(parameters.name), \(runs) runs")
        }
    }

    @Test("the variance-ratio bounds: about 1e-6 chi-square tails, never tighter than [0.5, 2]")
    func varianceRatioBoundsAreChiSquareTails() {
        // scipy.stats.chi2.ppf(1e-6, n) / n and ppf(1 - 1e-6, n) / n for n = 12, 48, 2000.
        let b12 = Self.varianceRatioBounds(runs: 12)
        #expect(b12.low < 0.0522 && b12.low > 0.03 && b12.high > 4.235 && b12.high < 4.4)
        let b48 = Self.varianceRatioBounds(runs: 48)
        #expect(b48.low < 0.3082 && b48.low > 0.29 && b48.high > 2.284 && b48.high < 2.31)
        #expect(Self.varianceRatioBounds(runs: 2000) == (0.5, 2.0))
    }

    /// The sets the integer operations are trialled on: both insecure sets (almost no noise) and
    /// the default 128-bit set (realistic noise; the long trials of every 128-bit set are
    /// `TfheLongTrialTests`).
    enum OperationSet: String, CaseIterable, Sendable {
        case insecure, insecureKeySwitch32, standard

        var keys: (TfheSecretKey, TfheEvaluator) {
            switch self {
            case .insecure: TfheFixtures.insecure
            case .insecureKeySwitch32: TfheFixtures.insecureNarrow
            case .standard: TfheFixtures.secure
            }
        }
    }

    @Test(
        "comparisons with a constant and between ciphertexts, min, max, sign (insecure sets; default set: 3 in CI, 500 long)",
        arguments: OperationSet.allCases)
    func integerOperations(set: OperationSet) {
        let (key, evaluator) = set.keys
        let trials = set == .standard ? (TfheFixtures.long ? 500 : 3) : (TfheFixtures.long ? 2000 : 24)
        var random = SystemRandomNumberGenerator()
        for trial in 0..<trials {
            let x = Int.random(in: 0..<16, using: &random)
            // Force some equal pairs.
            let y = trial % 4 == 0 ? x : Int.random(in: 0..<16, using: &random)
            let c = Int.random(in: 0..<16, using: &random)
            let ex = key.encrypt(x)
            let ey = key.encrypt(y)
            let comparison = TfheEvaluator.Comparison.allCases[trial % 6]
            #expect(key.decrypt(evaluator.compare(ex, comparison, c)) == (comparison.holds(x, c) ? 1 : 0))
            #expect(key.decrypt(evaluator.compare(ex, comparison, ey)) == (comparison.holds(x, y) ? 1 : 0), "\(x) \(comparison) \(y)")
            #expect(key.decrypt(evaluator.minimum(ex, ey)) == min(x, y), "min(\(x), \(y))")
            #expect(key.decrypt(evaluator.maximum(ex, ey)) == max(x, y), "max(\(x), \(y))")
            #expect(key.decrypt(evaluator.sign(ex, ey)) == (x < y ? 0 : (x == y ? 1 : 2)))
        }
    }

    /// Every pair of messages through the full-margin `minimum`, `maximum`, `sign` and
    /// `greaterOrEqual` (issue 22: no half-size boxes left), on both insecure sets.
    @Test("min, max, sign and >= on every pair x, y in [0, 16) (both insecure sets, 256 pairs each)")
    func minimumMaximumSignExhaustive() {
        for (key, evaluator) in TfheFixtures.insecureSets {
            for x in 0..<16 {
                let ex = key.encrypt(x)
                for y in 0..<16 {
                    let ey = key.encrypt(y)
                    let name = "\(key.context.parameters.name) x=\(x) y=\(y)"
                    #expect(key.decrypt(evaluator.minimum(ex, ey)) == min(x, y), "min \(name)")
                    #expect(key.decrypt(evaluator.maximum(ex, ey)) == max(x, y), "max \(name)")
                    #expect(key.decrypt(evaluator.sign(ex, ey)) == (x < y ? 0 : (x == y ? 1 : 2)), "sign \(name)")
                    #expect(key.decrypt(evaluator.greaterOrEqual(ex, ey)) == (x >= y ? 1 : 0), ">= \(name)")
                }
            }
        }
    }

    /// min / max outputs are sums of four PBS outputs: fed to another PBS (a chained min of three)
    /// they still read full boxes.
    @Test("min and max chained: min(min(x, y), z) and max(max(x, y), z) (insecure sets, 40 triples)")
    func minimumMaximumChained() {
        var random = SystemRandomNumberGenerator()
        for (key, evaluator) in TfheFixtures.insecureSets {
            for _ in 0..<20 {
                let (x, y, z) = (Int.random(in: 0..<16, using: &random), Int.random(in: 0..<16, using: &random), Int.random(in: 0..<16, using: &random))
                let (ex, ey, ez) = (key.encrypt(x), key.encrypt(y), key.encrypt(z))
                #expect(key.decrypt(evaluator.minimum(evaluator.minimum(ex, ey), ez)) == min(x, y, z), "min(\(x), \(y), \(z))")
                #expect(key.decrypt(evaluator.maximum(evaluator.maximum(ex, ey), ez)) == max(x, y, z), "max(\(x), \(y), \(z))")
            }
        }
    }

    @Test(
        "quantized sigmoid table and heat-level classification from two digits (insecure sets; default set: a few in CI, all long)",
        arguments: OperationSet.allCases)
    func sigmoidAndLevels(set: OperationSet) {
        let (key, evaluator) = set.keys
        let sigmoid = TfheEvaluator.sigmoidTable(messageModulus: 16)
        #expect(sigmoid.first == 0 && sigmoid.last == 15 && sigmoid[8] == 8 && sigmoid == sigmoid.sorted())
        let short = set == .standard && !TfheFixtures.long
        let messages = short ? [0, 7, 8, 15] : Array(0..<16)
        for m in messages { #expect(key.decrypt(evaluator.sigmoid(key.encrypt(m))) == sigmoid[m]) }
        let scores = TfheFixtures.long ? Array(0...100) : (short ? [24, 50, 75] : [0, 24, 25, 49, 50, 74, 75, 100])
        for score in scores {
            let level = evaluator.classify(
                high: key.encrypt(score / 16), low: key.encrypt(score % 16),
                thresholds: TfheEvaluator.heatLevelThresholds)
            #expect(key.decrypt(level) == TfheEvaluator.level(of: score, thresholds: TfheEvaluator.heatLevelThresholds), "score \(score)")
        }
    }

    @Test("level classification and a comparison on the 128-bit default set")
    func levelsDefaultSet() {
        let (key, evaluator) = TfheFixtures.secure
        let score = Int.random(in: 0...100)
        let level = evaluator.classify(
            high: key.encrypt(score / 16), low: key.encrypt(score % 16), thresholds: TfheEvaluator.heatLevelThresholds)
        #expect(key.decrypt(level) == TfheEvaluator.level(of: score, thresholds: TfheEvaluator.heatLevelThresholds))
        #expect(key.decrypt(evaluator.compare(key.encrypt(9), .greaterOrEqual, key.encrypt(4))) == 1)
    }

    @Test("serialization round trips: secret key, seed-compressed server key, ciphertext (both insecure sets)", arguments: [false, true])
    func serializationRoundTrip(narrow: Bool) throws {
        let (key, evaluator) = narrow ? TfheFixtures.insecureNarrow : TfheFixtures.insecure
        let parameters = key.context.parameters
        let keyEnvelope = TfheFile.envelope(secretKey: key)
        #expect(keyEnvelope.kind.isSecret)
        let loadedKey = try TfheFile.secretKey(from: keyEnvelope, source: "sk", policy: .allowInsecureForTesting)
        let ciphertext = key.encrypt(11)
        #expect(loadedKey.decrypt(ciphertext) == 11)
        let serverEnvelope = TfheFile.envelope(serverKey: evaluator.serverKey)
        #expect(serverEnvelope.payload.count < evaluator.serverKey.expandedByteCount / 2)
        // The parameter block and its length, then two seeds and two counts around the bodies.
        #expect(serverEnvelope.payload.count == 4 + parameters.canonicalBytes.count + evaluator.serverKey.compressedByteCount + 8)
        let loadedServer = try TfheFile.serverKey(from: serverEnvelope, source: "server", policy: .allowInsecureForTesting)
        #expect(loadedServer.keySwitchingKey.entries == evaluator.serverKey.keySwitchingKey.entries)
        #expect(loadedServer.keySwitchingKey.narrowEntries == evaluator.serverKey.keySwitchingKey.narrowEntries)
        let result = TfheEvaluator(serverKey: loadedServer).apply(ciphertext) { 15 - $0 }
        #expect(key.decrypt(result) == 4)
        let (loaded, loadedParameters) = try TfheFile.ciphertext(
            from: TfheFile.envelope(ciphertext: ciphertext, parameters: parameters), source: "ct",
            policy: .allowInsecureForTesting)
        #expect(loaded == ciphertext && loadedParameters == parameters)
        // Through the file envelope and its checksum.
        let reparsed = try Envelope(decoding: keyEnvelope.serialized(), source: "sk")
        #expect(try TfheFile.secretKey(from: reparsed, source: "sk", policy: .allowInsecureForTesting).decrypt(ciphertext) == 11)
    }

    /// An attacker's edits of a KS32 server key: the width (parameter version) flipped, a body
    /// count for 64-bit words, a truncated body, a forged 64-bit key claiming the KS32 set.
    @Test("KS32 server keys: a version byte, body count or width that does not match is refused")
    func serializationRejectsKeySwitch32Tampering() throws {
        let (_, evaluator) = TfheFixtures.insecureNarrow
        let parameters = evaluator.parameters
        let envelope = TfheFile.envelope(serverKey: evaluator.serverKey)
        func load(_ bytes: [UInt8]) throws -> TfheServerKey {
            var tampered = envelope
            tampered.payload = Data(bytes)
            return try TfheFile.serverKey(from: tampered, source: "server.key", policy: .allowInsecureForTesting)
        }
        let original = [UInt8](envelope.payload)
        _ = try load(original)
        // Version 2 -> 1: the eleven-field block no longer parses as a preset.
        var version = original
        #expect(version[4] == 2)
        version[4] = 1
        #expect(throws: FHEError.self) { try load(version) }
        version[4] = 3
        do {
            _ = try load(version)
            Issue.record("version 3 was accepted")
        } catch {
            #expect("\(error)".contains("unknown TFHE parameter version 3"), "\(error)")
        }
        // The key-switching bodies are the last 4 * count bytes; cutting one word is refused.
        #expect(throws: FHEError.self) { try load(Array(original.dropLast(4))) }
        #expect(throws: FHEError.self) { try load(original + [0, 0, 0, 0]) }
        // A count claiming 64-bit words' worth is refused before reading.
        let bodyCount = parameters.bigLweDimension * parameters.ksLevels
        let countOffset = original.count - 4 * bodyCount - 4
        #expect(Array(original[countOffset..<(countOffset + 4)]) == withUnsafeBytes(of: UInt32(bodyCount).bigEndian, Array.init))
        var doubled = original
        doubled.replaceSubrange(countOffset..<(countOffset + 4), with: withUnsafeBytes(of: UInt32(2 * bodyCount).bigEndian, Array.init))
        #expect(throws: FHEError.self) { try load(doubled) }
        // A 64-bit key's payload under the KS32 envelope fingerprint: the parameter block disagrees.
        let (_, wideEvaluator) = TfheFixtures.insecure
        var forged = TfheFile.envelope(serverKey: wideEvaluator.serverKey)
        forged.fingerprint = envelope.fingerprint
        #expect(throws: FHEError.self) {
            try TfheFile.serverKey(from: forged, source: "server.key", policy: .allowInsecureForTesting)
        }
    }

    @Test("serialization refuses insecure sets in production, wrong kinds, bad counts, truncation and bad bits")
    func serializationRejects() throws {
        let (key, evaluator) = TfheFixtures.insecure
        let parameters = key.context.parameters
        let ciphertextEnvelope = TfheFile.envelope(ciphertext: key.encrypt(3), parameters: parameters)
        #expect(throws: FHEError.self) { try TfheFile.ciphertext(from: ciphertextEnvelope, source: "ct") }
        #expect(throws: FHEError.self) {
            try TfheFile.secretKey(from: ciphertextEnvelope, source: "ct", policy: .allowInsecureForTesting)
        }
        // Truncated body.
        var truncated = ciphertextEnvelope
        truncated.payload = truncated.payload.dropLast(8)
        #expect(throws: FHEError.self) {
            try TfheFile.ciphertext(from: truncated, source: "ct", policy: .allowInsecureForTesting)
        }
        // A huge declared count is refused before allocation.
        var server = TfheFile.envelope(serverKey: evaluator.serverKey)
        let countOffset = 4 + parameters.canonicalBytes.count + 32
        var bytes = [UInt8](server.payload)
        bytes.replaceSubrange(countOffset..<(countOffset + 4), with: [0xff, 0xff, 0xff, 0xff])
        server.payload = Data(bytes)
        #expect(throws: FHEError.self) {
            try TfheFile.serverKey(from: server, source: "server", policy: .allowInsecureForTesting)
        }
        // A residue >= q in the bootstrapping bodies.
        var badResidue = TfheFile.envelope(serverKey: evaluator.serverKey)
        var residueBytes = [UInt8](badResidue.payload)
        for index in (countOffset + 4)..<(countOffset + 12) { residueBytes[index] = 0xff }
        badResidue.payload = Data(residueBytes)
        #expect(throws: FHEError.self) {
            try TfheFile.serverKey(from: badResidue, source: "server", policy: .allowInsecureForTesting)
        }
        // A secret key bit that is not 0 or 1.
        var badKey = TfheFile.envelope(secretKey: key)
        var keyBytes = [UInt8](badKey.payload)
        keyBytes[keyBytes.count - 1] = 2
        badKey.payload = Data(keyBytes)
        #expect(throws: FHEError.self) { try TfheFile.secretKey(from: badKey, source: "sk", policy: .allowInsecureForTesting) }
    }
}
