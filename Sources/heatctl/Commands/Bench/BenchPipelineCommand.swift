import ArgumentParser
import Foundation
import HeatCore

#if canImport(Glibc)
import Glibc
#endif

/// `heatctl bench pipeline [--clients N] [--json]`: the encrypted pipeline end to end, per phase.
struct BenchPipelineCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Time the encrypted pipeline end to end: keygen, ingest, encrypt and store, evaluate, aggregates, release.",
        discussion: """
            Generates a bank of --clients clients over --weeks weeks (managers = clients / 100, 20 \
            branches, 5 segments, 4 regions by default), writes its CSV export into a temporary \
            folder, then times each phase in wall-clock and process CPU seconds: keygen (BFV keys \
            with Galois keys, the preset chosen from the largest possible group sum and the 40-bit \
            flooding margin of the aggregates' worst-case noise), ingest of the \
            export (the CSV streamed into the ingestor, reported separately), collect + encrypt + \
            store append, evaluate heat, group aggregates, decrypt and release (executive role \
            through the policy engine). Prints the target total (the counted phases), the peak \
            memory of each phase and of the whole process, ciphertexts \
            and bytes per client and the evaluation-key size, with the load average (the machine \
            may be shared). Docs/Performance.md records the numbers and the command.

            Examples:
              heatctl bench pipeline --clients 2000
              heatctl bench pipeline --clients 10000 --json
              heatctl bench pipeline --clients 2000 --model churn.model
              heatctl bench pipeline --clients 10000 --phase-peaks

            --phase-peaks (Linux) resets the kernel's peak-memory mark at each phase to print each \
            phase's own peak. The reset also lowers the process's peak as `/usr/bin/time -v` and \
            getrusage report it, so quote the whole-process peak from a run without it, and never \
            compare a run with --phase-peaks against one without.

            --model FILE (issue 15; a logistic model over `heatctl features` columns) also times the \
            scoring phases on the same bank: keygen (n8192-logq217-logt41), ingest with feature \
            streams, features on ciphertexts, scores on ciphertexts, decryption, and checks that \
            every encrypted score equals the plaintext integer score.
            """)

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    @Option(name: .long, help: "Clients to generate.")
    var clients: Int = 10_000

    @Option(name: .long, help: "Weeks of activity.")
    var weeks: Int = 52

    @Option(name: .long, help: "Managers (default: clients / 100).")
    var managers: Int?

    @Option(name: .long, help: "Generator seed.")
    var seed: UInt64 = 42

    @Option(name: .customLong("work-dir"), help: "Folder for the keys, export and store (default: a temporary folder, removed afterwards).")
    var workDir: String?

    @Flag(name: .customLong("phase-peaks"), help: "Measure each phase's peak memory (resets the kernel's peak mark per phase; lowers what `time -v` reports).")
    var phasePeaks = false

    @Flag(name: .long, help: "Print the report as one JSON document.")
    var json = false

    @Option(name: .long, help: "Also time encrypted scoring of this logistic churn model (issue 15).", completion: .file())
    var model: String?

    struct Output: Encodable {
        var report: PipelineBenchmark.Report
        var loadAverage: [Double]
        var scoring: BenchScoring.Report? = nil
    }

    func execute() async throws {
        guard clients >= 1, weeks >= 1 else { throw ValidationError("--clients and --weeks must be at least 1") }
        let folder = workDir.map { URL(filePath: $0) }
            ?? FileManager.default.temporaryDirectory.appending(path: "heat-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { if workDir == nil { try? FileManager.default.removeItem(at: folder) } }
        let options = PipelineBenchmark.Options(clients: clients, weeks: weeks, managers: managers, seed: seed)
        let report = try PipelineBenchmark.run(options: options, workFolder: folder, phasePeaks: phasePeaks) { phase in
            if !json { Console.info(Self.line(phase.name, phase.wallSeconds, phase.cpuSeconds)) }
        }
        var load = [Double](repeating: 0, count: 3)
        #if canImport(Glibc)
        _ = getloadavg(&load, 3)
        #endif
        var scoring: BenchScoring.Report?
        if let file = model {
            scoring = try await BenchScoring.run(model: file, clients: clients, weeks: weeks, managers: options.managers, seed: seed, print: !json)
        }
        if json {
            try StoreJSON.print(Output(report: report, loadAverage: load, scoring: scoring))
            return
        }
        let mib = { (bytes: Int) in String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
        Console.output("encrypted pipeline: \(clients) clients x \(weeks) weeks, \(options.managers) managers, \(options.branches) branches, \(options.segments) segments, \(options.regions) regions (\(report.interactions) interactions), preset \(report.preset)")
        for phase in report.phases {
            let peak = phase.peakMemoryBytes.map { "  peak \(mib($0))" } ?? ""
            Console.output("  " + Self.line(phase.name, phase.wallSeconds, phase.cpuSeconds) + peak + (phase.counted ? "" : "  (not counted)"))
        }
        Console.output("  " + Self.line("target total (counted phases)", report.targetWallSeconds, report.targetCPUSeconds))
        let countedPeak = report.countedPeakMemoryBytes.map { ", counted phases \(mib($0))" } ?? ""
        Console.output("  peak memory \(mib(report.peakMemoryBytes))\(countedPeak); \(report.ciphertexts) ciphertexts (\(String(format: "%.4f", report.ciphertextsPerClient)) per client, \(String(format: "%.0f", report.bytesPerClient)) bytes per client)")
        Console.output("  evaluation keys \(mib(report.evaluationKeyBytes)); \(report.groupsReleased) groups released (\(mib(report.aggregatesBytes))), noise budget left \(report.aggregatesNoiseBudget) bits, \(report.aggregatesKeySwitches) key switches")
        Console.output("  heat run \(mib(report.runBytes)) (ciphertexts switched down to \(report.runLevel) moduli)")
        Console.output(String(format: "  load average %.2f %.2f %.2f on %d logical CPUs", load[0], load[1], load[2], report.processors))
    }

    /// `name` padded to 36 columns, then wall and CPU seconds.
    static func line(_ name: String, _ wall: Double, _ cpu: Double) -> String {
        name.padding(toLength: max(36, name.count), withPad: " ", startingAt: 0)
            + String(format: " %8.2f s wall %8.2f s CPU", wall, cpu)
    }
}
