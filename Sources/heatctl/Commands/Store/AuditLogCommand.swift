import ArgumentParser
import HeatCore

/// `heatctl audit log --store heat.db [--kind K] [--since DATE] [--json]`.
struct AuditLogCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "List audit log entries.",
        discussion: """
            Kinds: init, keys (keys.generate, keys.register), ingest, computation, audit.sign, \
            clients.reveal, and refusals (clients.reveal.refused, audit.sign.refused, \
            ingest.refused). --kind matches exactly (`ingest` lists ingestions, not \
            `ingest.refused`); add --include-subkinds to match the kind's dotted sub-kinds too \
            (`--kind keys --include-subkinds` lists keys.generate and keys.register). Opens the \
            store read-only.

            Example:
              heatctl audit log --store heat.db --kind ingest --since 2026-03-01
              heatctl audit log --store heat.db --kind release --include-subkinds --json
            """)

    @Option(name: .long, help: "The store.", completion: .file())
    var store: String

    @Option(name: .long, help: "Only entries of this kind (e.g. ingest, keys, audit.sign).")
    var kind: String?

    @Flag(name: .customLong("include-subkinds"), help: "With --kind, also list its dotted sub-kinds (ingest.refused for ingest).")
    var includeSubkinds = false

    @Option(name: .long, help: "Only entries recorded on or after this UTC date (YYYY-MM-DD).")
    var since: String?

    @Flag(name: .long, help: "Print the entries as one JSON document.")
    var json = false

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func execute() async throws {
        if includeSubkinds && kind == nil { throw ValidationError("--include-subkinds needs --kind KIND") }
        var sinceDate: CalendarDate?
        if let since {
            do {
                sinceDate = try CalendarDate(iso8601: since)
            } catch {
                throw ValidationError("--since \(since): \(error)")
            }
        }
        let entries = try AuditLog.entries(in: try HeatStore(readingFrom: store), action: kind, since: sinceDate,
                                          includingSubkinds: includeSubkinds)
        if json {
            try StoreJSON.print(entries)
            return
        }
        for entry in entries {
            var line = "\(entry.seq ?? 0)\t\(entry.recordedAt)\t\(entry.role)\t\(entry.action)"
            if let input = entry.inputHash { line += "\tin=\(input.prefix(12))" }
            if let output = entry.outputHash { line += "\tout=\(output.prefix(12))" }
            let parameters = entry.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            if !parameters.isEmpty { line += "\t" + parameters.joined(separator: " ") }
            Console.output(line)
        }
        if entries.isEmpty { Console.info("no matching entries") }
    }
}
