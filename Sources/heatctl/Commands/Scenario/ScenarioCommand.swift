import ArgumentParser
import Foundation
import HeatCore
import HeatEnvelope

/// `heatctl scenario`: named stress shocks on a synthetic copy of the portfolio.
struct ScenarioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenario",
        abstract: "List and run stress scenarios (recession, attrition wave, ...) on a synthetic copy of the portfolio.",
        discussion: """
            A scenario applies documented shocks to a copy of the portfolio's weekly interaction \
            buckets, deterministically for a seed, and reports heat levels, cooling, expected \
            contacts, probability alive and branch / segment aggregates before and after. The \
            store is never modified: the run reads a temporary copy of its file.

            Example:
              heatctl scenario list
              heatctl scenario run recession --store heat.db --keys keys/keyholder --out results.json
              heatctl scenario run --file shock.json --data interactions.csv --clients clients.csv --out results.json
            """,
        subcommands: [ScenarioListCommand.self, ScenarioRunCommand.self]
    )
}

/// `heatctl scenario list`.
struct ScenarioListCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the built-in scenarios and their shocks.",
        discussion: """
            Form:
              heatctl scenario list [--json]

            Example:
              heatctl scenario list --json
            """)

    @Flag(help: "Print the scenarios as one JSON document on stdout.") var json = false
    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func execute() async throws {
        if json {
            Console.output(String(decoding: try ResultsDocument.jsonEncoder().encode(ScenarioShock.catalog), as: UTF8.self))
            return
        }
        for shock in ScenarioShock.catalog {
            var parts = shock.channels.keys.sorted().map { "\($0) x\(shock.channels[$0] ?? 1)" }
            parts += shock.segments.keys.sorted().map { "segment \($0) x\(shock.segments[$0] ?? 1)" }
            if let attrition = shock.attrition {
                parts.append("\(Int((attrition.managerShare * 100).rounded())) % of managers leave, their clients x\(attrition.contactFactor)")
            }
            Console.output("\(shock.name) (\(shock.weeks) weeks): \(parts.joined(separator: ", "))")
            Console.output("    \(shock.summary)")
        }
    }
}

/// `heatctl scenario run`.
struct ScenarioRunCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a scenario against the store (read from a copy) or an interaction export.",
        discussion: """
            The portfolio comes from the store (--store with the key holder's folder --keys, which \
            releases the results) or, for users without a store, from an interaction export \
            (--data, optionally --clients for segments). From a store, each client is under the \
            manager and branch in force at the reference week (--as-of, else the latest stored \
            week) under its directory versions, and closed accounts are left out. Writes a results document with the \
            baseline population and a `scenario` section (before / after); `heatctl report` \
            renders it. A custom shock file is described in Docs/Analytics.md; a bad field exits 78.

            Form:
              heatctl scenario run NAME|--file shock.json --store heat.db --keys DIR/keyholder [--seed S] [--horizon W] [--as-of DATE] --out results.json [--json]
              heatctl scenario run NAME|--file shock.json --data interactions.csv [--clients clients.csv] [--seed S] --out results.json [--json]

            Example:
              heatctl scenario run attrition-wave --store heat.db --keys keys/keyholder --seed 7 --out results.json
            """)

    @Argument(help: "A built-in scenario (see `heatctl scenario list`).") var name: String?
    @Option(help: "A custom shock JSON file instead of a name.", completion: .file()) var file: String?
    @Option(help: "The store to read (never modified).", completion: .file()) var store: String?
    @Option(help: "The key holder's folder (with --store).", completion: .directory) var keys: String?
    @Option(help: "An interaction export (CSV or JSON Lines) instead of a store.", completion: .file()) var data: String?
    @Option(help: "A client directory (with --data) for segments, managers and branches.", completion: .file()) var clients: String?
    @Option(help: "Seed of the synthetic copy.") var seed: UInt64 = 42
    @Option(help: "Horizon of the expected-contacts forecast, in weeks.") var horizon: Int = 13
    @Option(name: .customLong("as-of"), help: "Reference date YYYY-MM-DD (default: the latest week with events).") var asOf: String?
    @Option(help: "Heat configuration JSON.", completion: .file()) var config: String?
    @Option(help: "Write the results document here.", completion: .file()) var out: String?
    @Flag(help: "Print the results document on stdout.") var json = false
    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func validate() throws {
        guard (name == nil) != (file == nil) else { throw ValidationError("name a scenario or pass --file shock.json (not both)") }
        guard (store == nil) != (data == nil) else { throw ValidationError("pass exactly one of --store and --data") }
        if store != nil, keys == nil { throw ValidationError("--store needs --keys DIR/keyholder") }
        if data != nil, keys != nil { throw ValidationError("--keys goes with --store, not --data") }
        if clients != nil, data == nil { throw ValidationError("--clients goes with --data") }
        guard (1...104).contains(horizon) else { throw ValidationError("--horizon must be 1 to 104 weeks, not \(horizon)") }
        if let asOf, (try? CalendarDate(iso8601: asOf)) == nil { throw ValidationError("--as-of: '\(asOf)' is not a date YYYY-MM-DD") }
        guard out != nil || json else { throw ValidationError("pass --out results.json or --json") }
    }

    func execute() async throws {
        let shock = try file.map { try ScenarioShock.load(from: URL(filePath: $0)) } ?? ScenarioShock.named(name ?? "")
        let configuration = try config.map { try HeatConfiguration.load(from: URL(filePath: $0)) } ?? HeatConfiguration()
        let reference = try asOf.map { try CalendarDate(iso8601: $0) }
        let portfolio: ScenarioPortfolio
        var rejected: IngestError?
        if let store, let keys {
            // Directory versions verify under the key holder's key before they group clients (exit 1 otherwise).
            let folder = try KeyFolder(path: keys, role: .keyholder)
            portfolio = try ScenarioPortfolio(storeAt: store, asOf: reference, trustedKey: try? folder.signingKey().verificationKey)
        } else {
            let directory = try clients.map { try ClientReader().read(contentsOf: URL(filePath: $0)) }
            var ledger = ActivityLedger(replyWithinHours: configuration.replyWithinHours)
            let read = try InteractionReader().stream(contentsOf: URL(filePath: data ?? ""), progress: nil) { ledger.add($0) }
            for report in [read.rejectReport, directory?.rejectReport ?? ""] where !report.isEmpty { Console.warning(report) }
            if !read.isClean { rejected = .rowsRejected(file: read.file, rejectedRows: read.rejectedRows, keptRows: read.accepted) }
            let byID = Dictionary((directory?.records ?? []).map { ($0.clientID, $0) }, uniquingKeysWith: { first, _ in first })
            portfolio = ScenarioPortfolio(ledger: ledger, directory: byID, pseudonymizer: Pseudonymizer(key: .random()), asOf: reference)
        }
        let runner = ScenarioRunner(configuration: configuration, seed: seed, horizonWeeks: horizon)
        let outcome = try runner.run(shock, on: portfolio)
        let builder = ResultsBuilder(configuration: configuration, pseudonymizer: Pseudonymizer(key: .random()))
        var document = ResultsDocument(
            generatedAt: Clock.now(), mode: .plaintext, asOf: reference ?? portfolio.asOf.monday.adding(days: 6), role: store == nil ? "analyst" : "keyholder",
            policy: PolicySummary(name: "plaintext-default", minGroupSize: runner.minGroupSize, epsilon: nil), heatConfig: configuration)
        document.population = builder.population(outcome.scoresBefore)
        document.heatHistogram = builder.histogram(outcome.scoresBefore)
        document.scenario = outcome.section
        if let out {
            try AtomicFile.write(try document.jsonData(), to: URL(filePath: out))
            Console.info("wrote the scenario results to \(out)")
        }
        if json {
            Console.output(String(decoding: try document.jsonData(), as: UTF8.self))
        } else {
            let s = outcome.section
            Console.output(String(format: "%@ on %d clients (%@, seed %llu, %d weeks shocked, %d clients changed%@):",
                                  s.name, s.before.clients, s.source, s.seed, s.shock.weeks, s.clientsAffected,
                                  s.managersLeaving > 0 ? ", \(s.managersLeaving) managers leaving" : ""))
            Console.output(String(format: "  mean heat %.1f -> %.1f; cooling %d -> %d; hot %d -> %d; cold %d -> %d",
                                  s.before.meanHeat, s.after.meanHeat, s.before.cooling, s.after.cooling,
                                  s.before.levels["hot"] ?? 0, s.after.levels["hot"] ?? 0, s.before.levels["cold"] ?? 0, s.after.levels["cold"] ?? 0))
            Console.output(String(format: "  expected contacts in %d weeks (mean) %.2f -> %.2f; probability alive (mean) %.3f -> %.3f; high risk %d -> %d",
                                  s.horizonWeeks, s.before.meanExpectedContacts, s.after.meanExpectedContacts, s.before.meanProbabilityAlive,
                                  s.after.meanProbabilityAlive, s.before.riskBands["high"] ?? 0, s.after.riskBands["high"] ?? 0))
        }
        if let rejected { throw rejected }
    }
}
