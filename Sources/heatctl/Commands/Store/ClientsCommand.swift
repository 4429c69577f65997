import ArgumentParser
import Foundation
import HeatCore

/// `heatctl clients --store heat.db [--branch REF] [--manager REF] [--segment S] [--level L] [--search REF-PREFIX] [--json]`
/// and `heatctl clients --reveal --keys DIR/collector --clients clients.csv --store heat.db [REF ...]`.
struct ClientsCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "clients",
        abstract: "List the store's pseudonymous client directory, or reveal references (audited).",
        discussion: """
            Lists clients by masked reference with their masked manager and branch, segment, \
            region, opening date, stored event count and heat. For a store with encrypted activity \
            heat comes through the key holder: pass --keys keys/keyholder (and optionally the \
            evaluator's --run run.heat; without it the key holder evaluates the ciphertexts in the \
            vault) and the values are decrypted there; a plaintext store (test and demo data) is \
            scored from its buckets. Manager, branch and search take reference prefixes \
            (M-19b0, B-3c, C-7f3a); segment matches exactly; level is cold, cool, warm or hot.

            With --reveal, maps references back to raw ids by recomputing the HMACs of the ids in \
            your own clients file with the collector key; each use is recorded in the audit log.

            Examples:
              heatctl clients --store heat.db --keys keys/keyholder --manager M-19b0 --level cool
              heatctl clients --store plain.db --level warm
              heatctl clients --reveal --keys keys/collector --clients clients.csv --store heat.db C-7f3a9c2e
            """)

    @Option(name: .long, help: "The store.")
    var store: String

    @Option(name: .long, help: "Only clients of this branch (reference prefix, e.g. B-3c1f).")
    var branch: String?

    @Option(name: .long, help: "Only clients of this manager (reference prefix, e.g. M-19b0d4aa).")
    var manager: String?

    @Option(name: .long, help: "Only clients of this segment.")
    var segment: String?

    @Option(name: .long, help: "Only clients at this heat level (cold, cool, warm, hot).")
    var level: HeatLevel?

    @Option(name: .long, help: "Only clients whose reference starts with this prefix (e.g. C-7f3a).")
    var search: String?

    @Option(name: .long, help: "Heat configuration file (default: the built-in configuration).")
    var config: String?

    @Option(name: .customLong("as-of"), help: "Heat reference date YYYY-MM-DD (default: the latest stored week).")
    var asOf: String?

    @Flag(name: .long, help: "Reveal raw ids for references, using your own clients file (audited).")
    var reveal = false

    @Option(name: .long, help: "The key holder's folder (encrypted store), or with --reveal the collector's.")
    var keys: String?

    @Option(name: .long, help: "With --keys DIR/keyholder: the evaluator's run file to decrypt (default: evaluate in the vault).")
    var run: String?

    @Option(name: .long, help: "With --reveal: your clients file with the raw ids.")
    var clients: String?

    @Argument(help: "With --reveal: references (or prefixes) to reveal; all when none.")
    var refs: [String] = []

    @Flag(name: .long, help: "Print one JSON document.")
    var json = false

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func validate() throws {
        if reveal {
            guard keys != nil, clients != nil else { throw ValidationError("--reveal needs --keys DIR/collector and --clients FILE") }
        } else if !refs.isEmpty {
            throw ValidationError("references as arguments are only accepted with --reveal; use --search to filter")
        }
    }

    func execute() async throws {
        if reveal { return try revealClients() }
        let configuration = try config.map { try HeatConfiguration.load(from: URL(filePath: $0)) } ?? HeatConfiguration()
        var reference: CalendarDate?
        if let asOf {
            do {
                reference = try CalendarDate(iso8601: asOf)
            } catch {
                throw ValidationError("--as-of \(asOf): \(error)")
            }
        }
        let filter = ClientFilter(branch: branch, manager: manager, segment: segment, search: search, level: level)
        let opened = try HeatStore(path: store)
        let encrypted = try EncryptedClientDirectory.ciphertextCount(in: opened) > 0
        let entries: [ClientDirectoryEntry]
        if let keys {
            let keyHolder = try KeyHolder(folder: KeyFolder(path: keys, role: .keyholder))
            let evaluation = try run.map { try EncryptedHeatRun.read(from: URL(filePath: $0), context: keyHolder.context) }
            entries = try EncryptedClientDirectory.entries(
                in: opened, keyHolder: keyHolder, run: evaluation, configuration: configuration, asOf: reference, filter: filter)
        } else if encrypted {
            if level != nil {
                throw PipelineError.modeMismatch(
                    path: store, reason: "this store holds encrypted activity: --level needs the key holder (--keys keys/keyholder)")
            }
            entries = try ClientDirectory.entries(in: opened, filter: filter)
        } else {
            entries = try ClientDirectory.entries(in: opened, filter: filter, scoring: configuration, asOf: reference)
        }
        if json {
            try StoreJSON.print(entries)
            return
        }
        Console.output(["ref", "manager", "branch", "segment", "region", "opened_on", "events", "last_week", "heat",
                        "trend", "level", "cooling"].joined(separator: "\t"))
        for entry in entries {
            Console.output([
                entry.ref, entry.manager ?? "-", entry.branch ?? "-", entry.segment ?? "-", entry.region ?? "-",
                entry.openedOn?.description ?? "-", String(entry.events), entry.lastWeek?.description ?? "-",
                entry.heat.map(String.init) ?? "-", entry.trend.map(String.init) ?? "-", entry.level?.rawValue ?? "-",
                entry.cooling.map { $0 ? "yes" : "no" } ?? "-",
            ].joined(separator: "\t"))
        }
        Console.info("\(entries.count) clients (\(keys != nil ? "heat decrypted by the key holder" : encrypted ? "encrypted store: heat needs --keys keys/keyholder" : "heat from plaintext test-and-demo buckets"))")
    }

    private func revealClients() throws {
        guard let keys, let clients else { throw ValidationError("--reveal needs --keys and --clients") }
        let key = try KeyFolder(path: keys, role: .collector).pseudonymisationKey()
        let opened = try HeatStore(path: store)
        let report = try ClientReader().read(contentsOf: URL(filePath: clients))
        if !report.isClean { Console.warning(report.rejectReport) }
        let source = StoreIngestor.Source(
            name: (clients as NSString).lastPathComponent, inputHash: StoreIngestor.sha256Hex(ofFile: clients) ?? "")
        let matches = try ClientReveal.reveal(in: opened, key: key, clients: report.records, refs: refs, source: source)
        if json {
            try StoreJSON.print(matches)
        } else {
            Console.output("ref\tclient_id")
            for match in matches { Console.output("\(match.ref)\t\(match.clientID)") }
        }
        Console.info("revealed \(matches.count) clients; recorded in the audit log")
    }
}

extension HeatLevel: ExpressibleByArgument {}
