import ArgumentParser
import Foundation
import HeatCore

extension DemoScoring {
    /// `demo --score --model-kind gbdt`: runs ``TreeScoringDemo`` in a temporary folder and prints
    /// its comparison; exits 1 when any client's encrypted tree score differs from the plaintext one.
    static func runTrees(dataset: SyntheticDataset, key: PseudonymisationKey, rounds: Int) async throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "heatctl-trees-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var timer = PhaseTimer()
        let outcome = try await TreeScoringDemo.run(dataset: dataset, key: key, rounds: rounds, workFolder: folder) { timer.lap($0) }
        guard outcome.mismatches.isEmpty else {
            Console.error("encrypted and plaintext tree scores differ:\n" + outcome.mismatches.prefix(10).joined(separator: "\n"), hint: nil)
            throw ExitCode.failure
        }
        let model = outcome.model
        let megabytes = { (bytes: Int) in String(format: "%.1f MB", Double(bytes) / 1_000_000) }
        Console.output("""
            tree scoring (\(outcome.preset)): the encrypted scores of \(model.integer.trees.count) trees of depth <= \(model.depth) \
            (\(model.plan.splits.count) split-bit ciphertexts per slot batch, multiplicative depth \(outcome.scores.header.multiplicativeDepth)) \
            equal the plaintext quantized scores for all \(outcome.clients) clients
            integer trees: \(model.integer.bits)-bit bins, \(model.integer.leafBits)-bit leaves, |score| <= \(model.maximumAbsoluteScore), \
            noise budget left \(outcome.noiseBudget) bits; decisions agree with the float trees on \
            \(outcome.agreement.agreeing) of \(outcome.agreement.rows) rows (\(String(format: "%.2f", 100 * outcome.agreement.share)) %)
            sizes: relinearization key \(megabytes(outcome.keyBytes)), encrypted bits \(megabytes(outcome.inputBytes)), scores \(megabytes(outcome.scoreBytes)); \
            collector encryption \(String(format: "%.2f", outcome.encryptSeconds)) s, evaluator circuit \(String(format: "%.2f", outcome.evaluateSeconds)) s
            scoring phases: \(timer.laps.map { "\($0.name) \(String(format: "%.2f", $0.seconds)) s" }.joined(separator: ", "))
            """)
    }
}
