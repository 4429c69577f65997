import ArgumentParser
import Foundation
import HeatCore
import HeatEnvelope

/// `heatctl heat`: scores a plaintext interaction export.
struct HeatScoreCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "heat",
        abstract: "Score relationship heat from an interaction export (plaintext).",
        discussion: """
            Reads interactions (CSV or JSON Lines; see Docs/InputFormats.md), buckets them per client \
            x ISO week x channel x direction, and computes heat, trend, level and cooling with the \
            heat model of Docs/HeatModel.md. Columns (or JSON keys) that are not part of the format \
            are ignored and listed once on stderr.

            --as-of DATE scores the events on or before DATE (UTC): later rows are left out and \
            counted on stderr, so an event after DATE never changes a score. Without it, the date \
            of the latest interaction is used.

            Exit status with bad rows: bad rows are listed in a reject report on stderr, the good \
            rows are still scored, --out and --json are written in full for them, and the command \
            then exits 65 (so a script notices). With --strict a bad row fails the run (exit 65) \
            and nothing is scored or written.

            --out writes client_id,heat,trend,level,cooling with the file's own ids. --json prints \
            the results document (population, histogram, weekly events, groups of at least 5 clients); \
            manager and branch references in it are masked with a fresh random key per run, so they \
            are consistent within one document only.

            Form:
              heatctl heat FILE [--clients FILE] [--config heat.json] [--as-of DATE] [--strict] [--out scores.csv] [--json]

            Example:
              heatctl heat interactions.csv --clients clients.csv --config heat.json --out scores.csv
            """)

    @Argument(help: "Interactions file (.csv or .jsonl).", completion: .file()) var file: String
    @Option(help: "Client directory file (.csv or .jsonl).", completion: .file()) var clients: String?
    @Option(help: "Heat configuration JSON (defaults for absent keys).", completion: .file()) var config: String?
    @Option(name: .customLong("as-of"), help: "Reference date YYYY-MM-DD (default: the date of the latest interaction).")
    var asOf: String?
    @Flag(help: "Refuse the input if any row is bad.") var strict = false
    @Option(help: "Write client_id,heat,trend,level,cooling to this CSV.", completion: .file()) var out: String?
    @Flag(help: "Print the results document as JSON on stdout.") var json = false
    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func validate() throws {
        if let asOf {
            do {
                _ = try CalendarDate(iso8601: asOf)
            } catch {
                throw ValidationError("--as-of: \(error.description)")
            }
        }
    }

    func execute() async throws {
        let reference = asOf.flatMap { try? CalendarDate(iso8601: $0) }
        let configuration = try config.map { try HeatConfiguration.load(from: URL(filePath: $0)) } ?? HeatConfiguration()
        let directory = try clients.map { try ClientReader(strict: strict).read(contentsOf: URL(filePath: $0)) }
        var ledger = ActivityLedger(replyWithinHours: configuration.replyWithinHours, through: reference)
        let reading = ProgressBar(title: "Reading", total: nil, unit: "rows")
        let interactions: ReadSummary
        do {
            defer { reading.finish() }
            interactions = try InteractionReader(strict: strict).stream(
                contentsOf: URL(filePath: file), progress: { reading.update(completed: $0, total: $1) }) { ledger.add($0) }
        }
        for report in [interactions.rejectReport, directory?.rejectReport ?? ""] where !report.isEmpty {
            Console.warning(report)
        }
        for summary in [interactions.ignoredFieldsNote, directory?.ignoredFieldsNote] {
            if let summary { Console.info(summary) }
        }
        if let reference, ledger.eventsAfterCutoff > 0 {
            Console.info("--as-of \(reference): left out \(Plural.count(ledger.eventsAfterCutoff, "event")) after \(reference) "
                + "(only events on or before it are scored)")
        }
        let scoring = ProgressBar(title: "Scoring", total: nil, unit: "clients")
        let run: PlaintextHeatRun
        do {
            defer { scoring.finish() }
            run = try PlaintextHeatRun(ledger: ledger, clients: directory?.records ?? [], configuration: configuration, asOf: reference,
                                       progress: { scoring.update(completed: $0, total: $1) })
        }
        if let out {
            try AtomicFile.write(ScoresCSV.data(run.scores), to: URL(filePath: out))
            Console.info("wrote \(Plural.count(run.scores.count, "score")) to \(out)")
        }
        if json {
            let builder = ResultsBuilder(configuration: configuration, pseudonymizer: Pseudonymizer(key: .random()))
            let clientsByID = Dictionary((directory?.records ?? []).map { ($0.clientID, $0) }, uniquingKeysWith: { first, _ in first })
            let document = builder.build(scores: run.scores, ledger: run.ledger, directory: clientsByID, asOf: run.asOf,
                                         generatedAt: Clock.now())
            Console.output(String(decoding: try document.jsonData(), as: UTF8.self))
        } else {
            let population = ResultsBuilder(configuration: configuration, pseudonymizer: Pseudonymizer(key: .random())).population(run.scores)
            Console.output(CoreSummary.populationLine(population, asOf: run.asOf, interactions: run.ledger.interactionCount,
                                                      duplicates: run.ledger.duplicateCount))
        }
        if !interactions.isClean {
            throw IngestError.rowsRejected(file: interactions.file, rejectedRows: interactions.rejectedRows, keptRows: interactions.accepted)
        }
        if let directory, !directory.isClean {
            throw IngestError.rowsRejected(file: directory.file, rejectedRows: directory.rejectedRows, keptRows: directory.records.count)
        }
    }
}
