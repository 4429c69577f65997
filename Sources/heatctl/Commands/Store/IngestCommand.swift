import ArgumentParser
import Foundation
import HeatCore

/// `heatctl ingest FILE --store heat.db --keys DIR/collector [--clients FILE] [--strict] [--plaintext]`.
struct IngestCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Pseudonymise, de-duplicate and bucket an interaction export into the store.",
        discussion: """
            Reads a CSV or JSON Lines interaction export, replaces every id by its keyed HMAC, skips \
            (and counts) events already stored, sums the rest per client x ISO week x channel x \
            direction, all in one transaction: committed whole or not at all. By default the \
            collector then encrypts: per ISO week and batch of N client slots, one BFV ciphertext \
            of each client's weekly score (weights, caps and duration unit of --config, fixed at \
            ingestion) with the public key of the collector folder; later exports append delta \
            ciphertexts (Docs/Pipeline.md). --plaintext stores plaintext buckets instead (test and \
            demo data, for comparison). Rejected rows are listed on stderr and the command exits \
            65 after committing the good rows (reported, --json included, so a script notices); \
            with --strict nothing is committed (exit 65). SIGINT or SIGTERM (Ctrl-C) stops the \
            ingestion at its next cancellation point with exit 75 and nothing committed. Columns (or JSON keys) that are not part \
            of the format are ignored and listed once on stderr. A heat configuration that the \
            keys' preset cannot hold exits 69. --features also encrypts the churn feature \
            streams (issue 15: per week the capped counts per channel and direction, replies and \
            duration units, one more ciphertext each), which `heatctl features` and `heatctl \
            evaluate --model` need.

            Examples:
              heatctl ingest interactions.csv --store heat.db --keys keys/collector --clients clients.csv
              heatctl ingest interactions.csv --store plain.db --keys keys/collector --plaintext
              heatctl ingest interactions.csv --store heat.db --keys keys/collector --features
            """)

    @Argument(help: "The interaction export (CSV or JSON Lines).", completion: .file())
    var file: String

    @Option(name: .long, help: "The store.", completion: .file())
    var store: String

    @Option(name: .long, help: "The collector's key folder (keys/collector).", completion: .directory)
    var keys: String

    @Option(name: .long, help: "The client directory file (CSV or JSON Lines).", completion: .file())
    var clients: String?

    @Flag(name: .long, help: "Commit nothing if any row is rejected.")
    var strict = false

    @Flag(name: .long, help: "Store plaintext buckets (test and demo data only) instead of ciphertexts.")
    var plaintext = false

    @Flag(name: .long, help: "Also encrypt the churn feature streams (for `heatctl features` and `evaluate --model`).")
    var features = false

    @Option(name: .long, help: "Heat configuration file whose weights and caps pack the weekly scores (default: built-in).", completion: .file())
    var config: String?

    @Flag(name: .long, help: "Print the ingestion report as one JSON document.")
    var json = false

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func execute() async throws {
        // SIGINT or SIGTERM cancels the ingestion: exit 75, nothing committed (issue 14).
        try await SignalCancellation.run { try await self.ingestNow() }
    }

    private func ingestNow() async throws {
        let folder = try KeyFolderRefusal.open(keys, role: .collector, store: store, action: AuditAction.ingest)
        let key = try folder.pseudonymisationKey()
        let signer = try folder.collectorSigner()
        let configuration = try config.map { try HeatConfiguration.load(from: URL(filePath: $0)) } ?? HeatConfiguration()
        guard !(plaintext && features) else { throw ValidationError("--features encrypts feature streams; it cannot be combined with --plaintext") }
        var collector = plaintext ? nil : try Collector(folder: folder, configuration: configuration)
        collector?.encryptsFeatureStreams = features
        let opened = try HeatStore(path: store)
        let fault = try StoreIngestor.faultSetting(from: ProcessInfo.processInfo.environment)
        var clientRecords: [Client] = []
        var clientRejects = 0
        if let clients {
            let report = try ClientReader(strict: strict).read(contentsOf: URL(filePath: clients))
            if !report.isClean { Console.warning(report.rejectReport) }
            if let note = report.ignoredFieldsNote { Console.info(note) }
            clientRejects = report.rejectedRows
            clientRecords = report.records
        }
        guard let inputHash = StoreIngestor.sha256Hex(ofFile: file) else {
            throw IngestError.missingFile(path: file)
        }
        var ingestor = collector?.ingestor(signer: signer, faultAbortAfterRows: fault)
            ?? StoreIngestor(key: key, signer: signer, faultAbortAfterRows: fault)
        ingestor.logger = Console.logger
        let source = StoreIngestor.Source(
            name: (file as NSString).lastPathComponent, inputHash: inputHash,
            clientsName: clients.map { ($0 as NSString).lastPathComponent })
        var summary: ReadSummary?
        let reader = InteractionReader(strict: strict)
        let progress = ProgressBar(title: "Ingesting", total: nil, unit: "rows")
        let report: StoreIngestReport
        do {
            defer { progress.finish() }
            report = try ingestor.ingest(clients: clientRecords, into: opened, source: source, strict: strict) { sink in
                let read = try reader.stream(contentsOf: URL(filePath: file), progress: { progress.update(completed: $0, total: $1) }) {
                    try sink($0)
                }
                progress.finish()    // the rate and time of the rows themselves, not of the commit that follows
                summary = read
                return read.rejectedRows
            }
        }
        if let note = summary?.ignoredFieldsNote { Console.info(note) }
        if json {
            try StoreJSON.print(report)
        } else {
            let stored = collector.map {
                "ciphertexts appended \(report.ciphertextsAdded) (\($0.context.parameters.name), \(features ? "weekly scores and feature streams" : "weekly scores"))"
            } ?? "bucket rows appended \(report.bucketRowsAdded)"
            Console.output("""
                ingested \(file) into \(store) (run \(report.run), \(collector == nil ? "plaintext test-and-demo buckets" : "encrypted"))
                  rows read \(report.rowsRead), new events \(report.eventsAdded), \
                already stored (skipped) \(report.duplicatesSkipped)
                  clients added \(report.clientsAdded), \(stored)
                """)
        }
        if let summary, summary.rejectedRows > 0 {
            Console.warning(summary.rejectReport + "\n(the \(Plural.count(summary.accepted, "good row")) \(summary.accepted == 1 ? "was" : "were") committed)")
            throw IngestError.rowsRejected(file: file, rejectedRows: summary.rejectedRows, keptRows: summary.accepted)
        }
        if let clients, clientRejects > 0 {
            throw IngestError.rowsRejected(file: clients, rejectedRows: clientRejects, keptRows: clientRecords.count)
        }
    }
}
