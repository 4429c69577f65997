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
            region, opening date, stored event count and heat (plaintext, from the stored \
            buckets: test and demo data). Manager, branch and search take reference prefixes \
            (M-19b0, B-3c, C-7f3a); segment matches exactly; level is cold, cool, warm or hot.

            The store keeps weekly buckets, not days: with --as-of DATE, heat is computed through \
            the last complete ISO week (Monday to Sunday, UTC) on or before DATE, and the command \
            says which week that is. Without --as-of, through the latest stored week.

            With --reveal, maps references back to raw ids by recomputing the HMACs of the ids in \
            your own clients file with the collector key; each use is recorded in the audit log.

            Examples:
              heatctl clients --store heat.db --manager M-19b0 --level cool
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

    @Option(name: .customLong("as-of"), help: "Heat reference date YYYY-MM-DD: heat runs through the last complete ISO week on or before it (default: the latest stored week).")
    var asOf: String?

    @Flag(name: .long, help: "Reveal raw ids for references, using your own clients file (audited).")
    var reveal = false

    @Option(name: .long, help: "With --reveal: the collector's key folder (keys/collector).")
    var keys: String?

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
        if let reference {
            let week = StoreHeat.referenceWeek(asOf: reference)
            let sunday = week.monday.adding(days: 6)
            let reason = sunday == reference ? "\(reference) is the Sunday that ends it" : "the store keeps whole weeks and \(reference) falls part-way through \(reference.isoWeek)"
            Console.info("--as-of \(reference): heat runs through \(week) (\(week.monday) to \(sunday)), the last complete ISO week on or before it (\(reason))")
        }
        let filter = ClientFilter(branch: branch, manager: manager, segment: segment, search: search, level: level)
        let entries = try ClientDirectory.entries(
            in: try HeatStore(path: store), filter: filter, scoring: configuration, asOf: reference)
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
        Console.info("\(Plural.count(entries.count, "client")) (heat from plaintext test-and-demo buckets)")
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
        Console.info("revealed \(Plural.count(matches.count, "client")); recorded in the audit log")
    }
}

extension HeatLevel: ExpressibleByArgument {}
