import ArgumentParser
import Foundation
import HeatCore

/// `demo --score`: encrypted churn scoring on the demo's dataset, checked against plaintext.
enum DemoScoring {
    /// Runs ``ScoringDemo`` in a temporary folder and prints its comparison; exits 1 on a mismatch.
    static func run(dataset: SyntheticDataset, key: PseudonymisationKey, configuration: HeatConfiguration) throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "heatctl-score-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var timer = PhaseTimer()
        let outcome = try ScoringDemo.run(dataset: dataset, key: key, configuration: configuration, workFolder: folder) { timer.lap($0) }
        let mismatches = outcome.featureMismatches + outcome.scoreMismatches
        guard mismatches.isEmpty else {
            Console.error("encrypted and plaintext churn features or scores differ:\n" + mismatches.prefix(10).joined(separator: "\n"), hint: nil)
            throw ExitCode.failure
        }
        let model = outcome.model
        Console.output("""
            churn scoring (\(outcome.preset)): the encrypted features (\(outcome.model.features.count) per client, \
            \(outcome.streamCiphertexts) feature-stream ciphertexts) and the encrypted scores equal the plaintext ones for all \(outcome.clients) clients
            integer model: \(model.integer.weightBits)-bit weights, |score| <= \(model.maximumAbsoluteScore), noise budget left \(outcome.noiseBudget) bits; decisions agree with the float model on \
            \(outcome.agreement.agreeing) of \(outcome.agreement.rows) rows (\(String(format: "%.2f", 100 * outcome.agreement.share)) %)
            scoring phases: \(timer.laps.map { "\($0.name) \(String(format: "%.2f", $0.seconds)) s" }.joined(separator: ", "))
            """)
    }
}
