import Foundation
import HeatCore
import HeatML

extension BenchScoring {
    /// `bench pipeline --model FILE` for a boosted-tree model over ``CollectorTreeFeatures``
    /// columns: runs ``TreeScoringDemo`` with it and times each phase (wall and CPU seconds).
    static func runTrees(
        _ quantized: QuantizedPipeline, file: String, clients: Int, weeks: Int, managers: Int, seed: UInt64, print: Bool
    ) async throws -> Report {
        let dataset = SyntheticBank(clients: clients, managers: managers, branches: 20, weeks: weeks, seed: seed).generate()
        let (outcome, phases) = try await timedPhases(folderPrefix: "heat-bench-trees") { folder, phase in
            try await TreeScoringDemo.run(dataset: dataset, key: .insecureDerived(from: "bench"), trained: quantized, workFolder: folder, phase: phase)
        }
        let exact = outcome.mismatches.isEmpty
        let report = Report(
            phases: phases, clients: outcome.clients, features: outcome.model.plan.splits.count, weightBits: outcome.model.integer.leafBits,
            exact: exact, scoreRunBytes: outcome.scoreBytes, noiseBudget: outcome.noiseBudget, preset: outcome.preset)
        if print {
            printPhases(
                phases,
                title: """
                    encrypted tree scoring of \(file): \(outcome.model.integer.trees.count) trees of depth <= \(outcome.model.depth), \
                    \(outcome.model.plan.splits.count) split bits, \(outcome.model.integer.leafBits)-bit leaves, preset \(outcome.preset), \(outcome.clients) clients
                    """,
                footer: """
                      scores \(exact ? "equal" : "DIFFER FROM") the plaintext quantized tree scores for every client; bits \(outcome.inputBytes) bytes, \
                    scores \(outcome.scoreBytes) bytes, relinearization key \(outcome.keyBytes) bytes; noise budget left \(outcome.noiseBudget) bits
                    """)
        }
        return report
    }
}
