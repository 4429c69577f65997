import ArgumentParser
import Foundation
import HeatCore

/// `heatctl evaluate --store heat.db --keys DIR/evaluator [--as-of DATE] [--config heat.json] --out run.heat`.
struct EvaluateCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Compute every client's heat and trend on the store's ciphertexts (evaluator role).",
        discussion: """
            Runs as the untrusted evaluator: loads only the evaluator folder (parameters and public \
            key; a folder holding a secret key is refused), sums the delta ciphertexts of each ISO \
            week and computes per slot heat = sum d(age) x score and trend = decayScale x (last \
            4 weeks - the 4 before) with ciphertext additions and plaintext-constant products only \
            (multiplicative depth 0). Writes the heat and trend ciphertexts of every slot batch to \
            --out (an encryptedHeatRun envelope, deterministic: re-running gives the same bytes) and \
            logs the run with its input and output hashes in the store's computation and audit \
            logs. The reference week is --as-of's, by default the latest week with ciphertexts. \
            --config must pack like the collector's (same weights and caps), else exit 78.

            Example:
              heatctl evaluate --store heat.db --keys keys/evaluator --out run.heat
            """)

    @Option(name: .long, help: "The store.", completion: .file())
    var store: String

    @Option(name: .long, help: "The evaluator's key folder (keys/evaluator).", completion: .directory)
    var keys: String

    @OptionGroup var asOfOption: AsOfOption
    /// The `--as-of` text (declared once, in ``AsOfOption``).
    var asOf: String? { asOfOption.asOf }

    @Option(name: .long, help: "Heat configuration file (default: the built-in configuration).", completion: .file())
    var config: String?

    @Option(name: .long, help: "The run file to write (encryptedHeatRun envelope).", completion: .file())
    var out: String

    @Flag(name: .long, help: "Print the run's metadata as one JSON document.")
    var json = false

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func execute() async throws {
        let reference = try asOfOption.date()
        let configuration = try PipelineOptions.configuration(config)
        let evaluator = try Evaluator(folder: KeyFolder(path: keys, role: .evaluator))
        let opened = try HeatStore(path: store)
        let started = Date()
        let (run, number) = try evaluator.evaluateAndRecord(store: opened, configuration: configuration, asOf: reference)
        try run.envelope().write(to: URL(filePath: out))
        if json {
            try StoreJSON.print(run.header)
            return
        }
        let header = run.header
        Console.output("""
            evaluated \(header.ciphertextsRead) ciphertexts of \(store) on \(header.batches.count) slot batches \
            (\(header.parameters), depth 0) as of \(header.asOf) (\(header.asOfWeek)) in \(String(format: "%.2f", Date().timeIntervalSince(started))) s
            wrote \(out); logged as computation run \(number)
              input hash  \(header.inputHash)
              output hash \(run.outputHash)
            """)
    }
}
