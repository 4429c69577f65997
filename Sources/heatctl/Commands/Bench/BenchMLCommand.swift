import ArgumentParser
import Foundation
import HeatML

#if canImport(Glibc)
import Glibc
#endif

/// `heatctl bench ml --data FILE --target COL [--json]`: load, fit and predict times and peak
/// memory of each estimator on one CSV file.
struct BenchMLCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "ml",
        abstract: "Time loading a CSV, then fitting and predicting each estimator on it (single thread).",
        discussion: """
            Loads the file once (timed), then for each estimator fits the whole pipeline on all rows \\
            (preprocessing included) and predicts the same rows, timing each step (wall and process \\
            CPU seconds) and reading the peak resident memory of the step (VmHWM, reset before each \\
            step through /proc/self/clear_refs on Linux). The gbdt uses the hyper-parameters of \\
            XGBoost's hist method given here (default 100 rounds, depth 4, eta 0.3, 256 bins) and \\
            the logistic regression C = 1, as Scripts/bench-ml-peers.py uses for pandas, \\
            scikit-learn and XGBoost on the same file, so the two outputs compare line by line.

            Example:
              heatctl bench ml --data Examples/data/telco_churn.csv --target churn --positive Yes
              heatctl bench ml --data /tmp/bench-200k.csv --target y --model gbdt --json
            """
    )

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    @Option(name: .long, help: "The CSV file.", completion: .file())
    var data: String

    @Option(name: .long, help: "The target column (two classes).")
    var target: String

    @Option(name: .long, help: "The positive class (default: 1, true, or the larger label).")
    var positive: String?

    @Option(name: .long, help: "An estimator to time: logistic or gbdt (repeatable; default both).", completion: .list(ModelChoice.allValueStrings), transform: ModelChoice.parse)
    var model: [ModelChoice] = []

    @Option(name: .long, help: "gbdt: boosting rounds.")
    var rounds: Int = 100

    @Option(name: .customLong("max-depth"), help: "gbdt: maximum tree depth.")
    var maxDepth: Int = 4

    @Option(name: .customLong("max-bins"), help: "gbdt: histogram bins per feature.")
    var maxBins: Int = 256

    @Flag(name: .long, help: "Print the results as one JSON document.")
    var json = false

    func validate() throws {
    }

    /// One timed step.
    struct Step: Codable {
        var step: String
        var wallSeconds: Double
        var cpuSeconds: Double
        var peakMegabytes: Double?
    }

    func execute() async throws {
        let url = URL(filePath: data)
        var steps: [Step] = []
        let fileBytes = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        var table: DataTable?
        steps.append(try Self.measure("load") { table = try DataTable(contentsOf: url, options: .init(categoryLimit: nil)) })
        guard let table else { return }
        let numericCells = table.columns.filter { $0.type != .categorical && $0.type != .identifier }.count * table.rowCount
        for choice in model.isEmpty ? ModelChoice.allCases : model {
            let name = choice.rawValue
            let specification: ModelSpecification = choice == .logistic
                ? .logistic(LogisticRegression(c: 1))
                : .gbdt(GradientBoostedTrees(rounds: rounds, maxDepth: maxDepth, learningRate: 0.3, treeMethod: .hist(maxBins: maxBins)))
            var pipeline: ModelPipeline?
            steps.append(try Self.measure("\(name).fit") { pipeline = try ModelPipeline.fit(specification, on: table, target: target, positiveLabel: positive) })
            guard let pipeline else { continue }
            var probabilities: [Double] = []
            steps.append(try Self.measure("\(name).predict") { probabilities = try pipeline.predictProbabilities(table) })
            let labels = try pipeline.encodeTarget(table).labels
            let auc = try rocAUC(labels: labels, scores: probabilities)
            if !json { Console.info(String(format: "%@: training ROC-AUC %.4f (a sanity check, not an estimate)", name, auc)) }
        }
        if json {
            struct Document: Codable {
                var file: String
                var fileMegabytes: Double
                var rows: Int
                var columns: Int
                var numericDataMegabytes: Double
                var steps: [Step]
            }
            let document = Document(file: data, fileMegabytes: Double(fileBytes) / 1_048_576, rows: table.rowCount, columns: table.columns.count,
                                    numericDataMegabytes: Double(numericCells * 8) / 1_048_576, steps: steps)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Console.output(String(decoding: try encoder.encode(document), as: UTF8.self))
            return
        }
        Console.output(String(format: "%@: %d rows, %d columns, %.1f MB on disk, %.1f MB as 8-byte numbers",
                              data, table.rowCount, table.columns.count, Double(fileBytes) / 1_048_576, Double(numericCells * 8) / 1_048_576))
        Console.output("  step                 wall s     cpu s   peak MB")
        for step in steps {
            let peak = step.peakMegabytes.map { String(format: "%9.1f", $0) } ?? "        -"
            Console.output("  " + step.step.padding(toLength: 18, withPad: " ", startingAt: 0)
                           + String(format: "%9.3f %9.3f ", step.wallSeconds, step.cpuSeconds) + peak)
        }
    }

    /// Runs `body` once, timing it and reading the peak resident memory reached while it ran.
    static func measure(_ name: String, _ body: () throws -> Void) throws -> Step {
        resetPeakMemory()
        let wallStart = DispatchTime.now().uptimeNanoseconds
        let cpuStart = processCPUSeconds()
        try body()
        let cpu = processCPUSeconds() - cpuStart
        let wall = Double(DispatchTime.now().uptimeNanoseconds - wallStart) / 1e9
        return Step(step: name, wallSeconds: wall, cpuSeconds: cpu, peakMegabytes: peakMemoryMegabytes())
    }

    static func processCPUSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// Resets the kernel's peak resident set size of this process (Linux; no-op elsewhere).
    static func resetPeakMemory() {
        try? Data("5".utf8).write(to: URL(filePath: "/proc/self/clear_refs"))
    }

    /// VmHWM of this process in megabytes (Linux), or `nil`.
    static func peakMemoryMegabytes() -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let digits = line.split(separator: " ").compactMap { Double($0) }
            if let kilobytes = digits.first { return kilobytes / 1024 }
        }
        return nil
    }
}
