import ArgumentParser
import Foundation
import HeatCore
import HeatEnvelope

/// `heatctl release --store heat.db --keys DIR/keyholder --run run.heat --role ROLE [--manager REF] --out results.json`.
struct ReleaseCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Decrypt an evaluation in the vault and release a results document (key holder role).",
        discussion: """
            Runs as the key holder: loads only the keyholder folder, decrypts the evaluator's run \
            file, derives levels, cooling flags and the heat histogram in plaintext, and writes the \
            results document for a role: executive (population, histogram, groups of at least 5 \
            clients, no per-client values) or manager (--manager REF: that manager's own clients; \
            every other client's slot is multiplied by zero on the ciphertext before decryption, so \
            nothing else is decrypted). The release is recorded in the audit log. --config must be \
            the evaluator's (exit 78 otherwise).

            Examples:
              heatctl release --store heat.db --keys keys/keyholder --run run.heat --role executive --out results.json
              heatctl release --store heat.db --keys keys/keyholder --run run.heat --role manager --manager M-19b0 --out mine.json
            """)

    @Option(name: .long, help: "The store.")
    var store: String

    @Option(name: .long, help: "The key holder's folder (keys/keyholder).")
    var keys: String

    @Option(name: .long, help: "The evaluator's run file (heatctl evaluate --out).")
    var run: String

    @Option(name: .long, help: "The role released to: executive or manager.")
    var role: KeyHolder.ReleaseRole

    @Option(name: .long, help: "With --role manager: the manager's reference (prefix, e.g. M-19b0d4aa).")
    var manager: String?

    @Option(name: .long, help: "Heat configuration file (default: the built-in configuration).")
    var config: String?

    @Option(name: .long, help: "The results document to write.")
    var out: String

    @Flag(name: .long, help: "Print the results document on stdout as well.")
    var json = false

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func validate() throws {
        if role == .manager, manager == nil { throw ValidationError("--role manager needs --manager REF") }
    }

    func execute() async throws {
        let configuration = try PipelineOptions.configuration(config)
        let keyHolder = try KeyHolder(folder: KeyFolder(path: keys, role: .keyholder))
        let evaluation = try EncryptedHeatRun.read(from: URL(filePath: run), context: keyHolder.context)
        let opened = try HeatStore(path: store)
        let document = try keyHolder.release(
            run: evaluation, store: opened, configuration: configuration, role: role, manager: manager)
        let data = try document.jsonData()
        try AtomicFile.write(data, to: URL(filePath: out))
        if json {
            Console.output(String(decoding: data, as: UTF8.self))
            return
        }
        if let population = document.population {
            let levels = HeatLevel.allCases.map { "\($0.rawValue) \(population.levels[$0] ?? 0)" }.joined(separator: ", ")
            Console.output("\(population.clients) clients as of \(document.asOf): \(levels); cooling \(population.cooling)")
        }
        Console.output("released to \(role.rawValue): wrote \(out); recorded in the audit log")
    }
}

extension KeyHolder.ReleaseRole: ExpressibleByArgument {}
