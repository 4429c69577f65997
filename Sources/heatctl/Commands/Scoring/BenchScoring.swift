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
    static func run(model file: String, clients: Int, weeks: Int, managers: Int, seed: UInt64, print: Bool) async throws -> Report {
        if let trees = try TreeModelScoring.quantizedTrees(in: file) {
            return try await runTrees(trees, file: file, clients: clients, weeks: weeks, managers: managers, seed: seed, print: print)
        }
        let pipeline = try ModelPipeline.load(from: URL(filePath: file))
        let dataset = SyntheticBank(clients: clients, managers: managers, branches: 20, weeks: weeks, seed: seed).generate()
        let (outcome, phases) = try await timedPhases(folderPrefix: "heat-bench-score") { folder, phase in
            try ScoringDemo.run(dataset: dataset, key: .insecureDerived(from: "bench"), trained: pipeline, workFolder: folder, phase: phase)
        }
        let exact = outcome.featureMismatches.isEmpty && outcome.scoreMismatches.isEmpty
        let report = Report(
            phases: phases, clients: outcome.clients, features: outcome.model.features.count, weightBits: outcome.model.integer.weightBits,
            exact: exact, scoreRunBytes: outcome.scoreRunBytes, noiseBudget: outcome.noiseBudget, preset: outcome.preset)
        if print {
            printPhases(
                phases,
                title: "encrypted scoring of \(file): \(outcome.model.features.count) features, \(outcome.model.integer.weightBits)-bit weights, preset \(outcome.preset), \(outcome.clients) clients",
                footer: "  scores \(exact ? "equal" : "DIFFER FROM") the plaintext integer scores for every client; score file \(outcome.scoreRunBytes) bytes; noise budget left \(outcome.noiseBudget) bits")
        }
        return report
    }

    /// Runs a scoring demo in a fresh temporary folder (removed afterwards), timing each phase it
    /// reports: the one phase timer of the logistic and the tree benchmarks.
    ///
    /// - Parameters:
    ///   - folderPrefix: the temporary folder's name prefix.
    ///   - body: the demo, given the folder and the phase callback.
    /// - Returns: the demo's outcome and its phases (wall and process CPU seconds since the previous phase).
    static func timedPhases<Outcome>(
        folderPrefix: String, _ body: (URL, (String) -> Void) async throws -> Outcome
    ) async throws -> (Outcome, [Phase]) {
        let folder = FileManager.default.temporaryDirectory.appending(path: "\(folderPrefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var phases: [Phase] = []
        var lastWall = Date()
        var lastCPU = cpuSeconds()
        let outcome = try await body(folder) { name in
            let now = Date()
            let cpu = cpuSeconds()
            phases.append(Phase(name: name, wallSeconds: now.timeIntervalSince(lastWall), cpuSeconds: cpu - lastCPU))
            lastWall = now
            lastCPU = cpu
        }
        return (outcome, phases)
    }

    /// Prints a benchmark's title, one line per phase and its closing line.
    static func printPhases(_ phases: [Phase], title: String, footer: String) {
        Console.output(title)
        for phase in phases { Console.output("  " + BenchPipelineCommand.line(phase.name, phase.wallSeconds, phase.cpuSeconds)) }
        Console.output(footer)
    }

    /// The process's CPU seconds (all threads).
    static func cpuSeconds() -> Double { BenchMLCommand.processCPUSeconds() }
}
