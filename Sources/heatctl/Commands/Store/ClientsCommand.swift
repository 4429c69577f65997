import ArgumentParser
import HeatCore

/// `heatctl clients --store heat.db [--branch REF] [--manager REF] [--segment S] [--search REF-PREFIX] [--json]`.
struct ClientsCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "clients",
        abstract: "List the store's pseudonymous client directory.",
        discussion: """
            Lists clients by masked reference with their masked manager and branch, segment, \
            region, opening date and stored event count. Manager, branch and search take \
            reference prefixes (M-19b0, B-3c, C-7f3a); segment matches exactly.

            Example:
              heatctl clients --store heat.db --manager M-19b0 --segment affluent
            """)

    @Option(name: .long, help: "The store.")
    var store: String

    @Option(name: .long, help: "Only clients of this branch (reference prefix, e.g. B-3c1f).")
    var branch: String?

    @Option(name: .long, help: "Only clients of this manager (reference prefix, e.g. M-19b0d4aa).")
    var manager: String?

    @Option(name: .long, help: "Only clients of this segment.")
    var segment: String?

    @Option(name: .long, help: "Only clients whose reference starts with this prefix (e.g. C-7f3a).")
    var search: String?

    @Flag(name: .long, help: "Print the clients as one JSON document.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func execute() async throws {
        Console.quiet = global.quiet
        let filter = ClientFilter(branch: branch, manager: manager, segment: segment, search: search)
        let entries = try ClientDirectory.entries(in: try HeatStore(path: store), filter: filter)
        if json {
            try StoreJSON.print(entries)
            return
        }
        Console.output(["ref", "slot", "manager", "branch", "segment", "region", "opened_on", "events", "last_week"]
            .joined(separator: "\t"))
        for entry in entries {
            Console.output([
                entry.ref, String(entry.slot), entry.manager ?? "-", entry.branch ?? "-", entry.segment ?? "-",
                entry.region ?? "-", entry.openedOn?.description ?? "-", String(entry.events),
                entry.lastWeek?.description ?? "-",
            ].joined(separator: "\t"))
        }
        Console.info("\(entries.count) clients")
    }
}
