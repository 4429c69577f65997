import Foundation
import HeatEnvelope
import Testing

@testable import HeatFHE

/// Randomized trials of every integer operation on every 4-bit 128-bit set (issue 22: zero failures in
/// thousands of trials per set). `HEAT_TFHE_LONG=1` runs them (`HEAT_TFHE_LONG_TRIALS`, default
/// 2000 trials per set; `HEAT_TFHE_LONG_SETS`, a comma-separated list of preset names, default
/// every 4-bit 128-bit set); without it two trials run on `tfhe-4bit-2m17-ks32` (the first with `y != x`,
/// so min / max / sign and the ordering are really checked in CI). Each trial makes about 25 PBS.
/// A set name that is not a 128-bit preset, or a trial count that is not a positive number, fails
/// the test instead of letting it pass with nothing run (review s38 tfhe22c M1, M2).
@Suite("TFHE long trials: every integer operation on every 128-bit set")
struct TfheLongTrialTests {
    static let environment = ProcessInfo.processInfo.environment
    static var long: Bool { environment["HEAT_TFHE_LONG"] == "1" }

    static var standardSets: [TfheParameters] { TfheParameters.presets.filter { $0.security == .standard128 } }

    /// The 4-bit 128-bit sets, the ones these trials run on (the operations use 4-bit digits; the
    /// 6- and 8-bit sets have their own long trials in `TfheWideMessageTests`, and
    /// `HEAT_TFHE_LONG_SETS` may name them without failing here).
    static var fourBitSets: [TfheParameters] { standardSets.filter { $0.messageBits == 4 } }

    static func trials(for parameters: TfheParameters) throws -> Int {
        guard long else { return parameters == .fast4Bit ? 2 : 0 }
        if let names = environment["HEAT_TFHE_LONG_SETS"] {
            let selected = names.split(separator: ",").map(String.init)
            let unknown = selected.filter { name in !standardSets.contains { $0.name == name } }
            try #require(unknown.isEmpty, "HEAT_TFHE_LONG_SETS names \(unknown), not a 128-bit TFHE preset (\(standardSets.map(\.name)))")
            if !selected.contains(parameters.name) {
                print("TFHE-LONG set=\(parameters.name) skipped (not in HEAT_TFHE_LONG_SETS)")
                return 0
            }
        }
        guard let text = environment["HEAT_TFHE_LONG_TRIALS"] else { return 2000 }
        let count = try #require(Int(text), "HEAT_TFHE_LONG_TRIALS=\(text) is not a number")
        try #require(count > 0, "HEAT_TFHE_LONG_TRIALS=\(text) must be positive")
        return count
    }

    @Test(
        "compare (constant, two ciphertexts), min, max, sign, sigmoid, classify: zero failures (long: 2000 trials per set)",
        arguments: TfheLongTrialTests.fourBitSets)
    func everyOperation(parameters: TfheParameters) throws {
        let trials = try Self.trials(for: parameters)
        guard trials > 0 else { return }
        let context = try TfheContext(parameters: parameters)
        var secure = SecureRandom()
        let key = TfheSecretKey(context: context, using: &secure)
        let evaluator = TfheEvaluator(serverKey: TfheServerKey(secretKey: key, using: &secure))
        let sigmoid = TfheEvaluator.sigmoidTable(messageModulus: parameters.messageModulus)
        let thresholds = TfheEvaluator.heatLevelThresholds
        var failures: [String: Int] = [:]
        var random = SystemRandomNumberGenerator()
        let start = Date()
        func check(_ name: String, _ ok: Bool, _ detail: @autoclosure () -> String) {
            if !ok { failures[name, default: 0] += 1 }
            #expect(ok, "\(parameters.name) \(name): \(detail())")
        }
        for trial in 0..<trials {
            let x = Int.random(in: 0..<16, using: &random)
            // Every fourth trial compares x with itself; the first never does.
            let y =
                trial % 4 == 3 ? x
                : trial == 0 ? (x + Int.random(in: 1..<16, using: &random)) % 16 : Int.random(in: 0..<16, using: &random)
            let c = Int.random(in: 0..<16, using: &random)
            let score = Int.random(in: 0...100, using: &random)
            let comparison = TfheEvaluator.Comparison.allCases[trial % 6]
            let ex = key.encrypt(x)
            let ey = key.encrypt(y)
            check("compare-constant", key.decrypt(evaluator.compare(ex, comparison, c)) == (comparison.holds(x, c) ? 1 : 0), "\(x) \(comparison) \(c)")
            check("compare", key.decrypt(evaluator.compare(ex, comparison, ey)) == (comparison.holds(x, y) ? 1 : 0), "\(x) \(comparison) \(y)")
            check("minimum", key.decrypt(evaluator.minimum(ex, ey)) == min(x, y), "min(\(x), \(y))")
            check("maximum", key.decrypt(evaluator.maximum(ex, ey)) == max(x, y), "max(\(x), \(y))")
            check("sign", key.decrypt(evaluator.sign(ex, ey)) == (x < y ? 0 : (x == y ? 1 : 2)), "sign(\(x), \(y))")
            check("sigmoid", key.decrypt(evaluator.sigmoid(ex)) == sigmoid[x], "sigmoid(\(x))")
            let level = evaluator.classify(high: key.encrypt(score / 16), low: key.encrypt(score % 16), thresholds: thresholds)
            check("classify", key.decrypt(level) == TfheEvaluator.level(of: score, thresholds: thresholds), "score \(score)")
            if (trial + 1) % 100 == 0 {
                print("TFHE-LONG progress set=\(parameters.name) trials=\(trial + 1) failures=\(failures) seconds=\(Int(Date().timeIntervalSince(start)))")
            }
        }
        let seconds = Date().timeIntervalSince(start)
        let total = failures.values.reduce(0, +)
        print(
            String(
                format: "TFHE-LONG set=%@ trials=%d operations=%d failures=%d %@ seconds=%.0f",
                parameters.name, trials, 7 * trials, total, failures.description, seconds))
    }
}
