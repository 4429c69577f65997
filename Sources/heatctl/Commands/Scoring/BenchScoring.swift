import Foundation
import HeatCore
import HeatML

/// `bench pipeline --model`: the scoring phases, timed in wall-clock and process CPU seconds.
enum BenchScoring {
    /// One timed phase.
    struct Phase: Encodable { var name: String; var wallSeconds: Double; var cpuSeconds: Double }

    /// The scoring part of the benchmark report.
    struct Report: Encodable {
        var phases: [Phase]
        var clients: Int
        var features: Int
        var weightBits: Int
        var exact: Bool
        var scoreRunBytes: Int
        var noiseBudget: Int
        var preset: String
    }

    /// Runs ``ScoringDemo`` with the given model on a generated bank; prints each phase unless `print` is false.
    static func run(model file: String, clients: Int, weeks: Int, managers: Int, seed: UInt64, print: Bool) throws -> Report {
        if let trees = try TreeModelScoring.quantizedTrees(in: file) {
            return try runTrees(trees, file: file, clients: clients, weeks: weeks, managers: managers, seed: seed, print: print)
        }
        let pipeline = try ModelPipeline.load(from: URL(filePath: file))
        let dataset = SyntheticBank(clients: clients, managers: managers, branches: 20, weeks: weeks, seed: seed).generate()
        let folder = FileManager.default.temporaryDirectory.appending(path: "heat-bench-score-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var phases: [(name: String, wall: Double, cpu: Double)] = []
        var lastWall = Date()
        var lastCPU = cpuSeconds()
        let outcome = try ScoringDemo.run(
            dataset: dataset, key: .insecureDerived(from: "bench"), trained: pipeline, workFolder: folder
        ) { name in
            let now = Date()
            let cpu = cpuSeconds()
            phases.append((name, now.timeIntervalSince(lastWall), cpu - lastCPU))
            lastWall = now
            lastCPU = cpu
        }
        let exact = outcome.featureMismatches.isEmpty && outcome.scoreMismatches.isEmpty
        let report = Report(
            phases: phases.map { Phase(name: $0.name, wallSeconds: $0.wall, cpuSeconds: $0.cpu) }, clients: outcome.clients,
            features: outcome.model.features.count, weightBits: outcome.model.integer.weightBits, exact: exact,
            scoreRunBytes: outcome.scoreRunBytes, noiseBudget: outcome.noiseBudget, preset: outcome.preset)
        guard print else { return report }
        Console.output("encrypted scoring of \(file): \(outcome.model.features.count) features, \(outcome.model.integer.weightBits)-bit weights, preset \(outcome.preset), \(outcome.clients) clients")
        for phase in phases { Console.output("  " + BenchPipelineCommand.line(phase.name, phase.wall, phase.cpu)) }
        Console.output("  scores \(exact ? "equal" : "DIFFER FROM") the plaintext integer scores for every client; score file \(outcome.scoreRunBytes) bytes; noise budget left \(outcome.noiseBudget) bits")
        return report
    }

    /// The process's CPU seconds (all threads).
    static func cpuSeconds() -> Double { BenchMLCommand.processCPUSeconds() }
}
