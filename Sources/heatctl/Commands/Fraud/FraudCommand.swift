import ArgumentParser
import Foundation
import HeatCore
import HeatEnvelope
import HeatML

/// `heatctl fraud`: behaviour profiles, segments, anomaly scores and fraud alerts from a transaction log.
struct FraudCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fraud",
        abstract: "Profile customers' transaction behaviour, segment it, score anomalies and raise fraud alerts.",
        discussion: """
            Input: a transaction log (Docs/Analytics.md, "Transaction log format": customer_id, \
            occurred_at, amount, channel, optional counterparty and is_fraud). Bad rows are \
            reported with file, line and field and the good rows kept (exit 65 after the work), \
            --strict fails instead. `fraud generate` writes a synthetic log with labelled fraud: \
            metrics measured on it describe that generator, not real-world performance.

            Example:
              heatctl fraud generate --customers 2000 --out transactions.csv
              heatctl fraud profile --transactions transactions.csv --out profiles.csv
              heatctl fraud score --transactions transactions.csv --save-model fraud.model --out alerts.csv
            """,
        subcommands: [FraudGenerateCommand.self, FraudProfileCommand.self, FraudScoreCommand.self]
    )
}

/// Reads a transaction log for the fraud commands, printing the reject report.
enum FraudInput {
    static func read(_ path: String, strict: Bool) throws -> ReadReport<CardTransaction> {
        let report = try TransactionLogFormatReader(strict: strict).read(contentsOf: URL(filePath: path))
        if let note = report.ignoredFieldsNote { Console.info(note) }
        if !report.isClean { Console.warning(report.rejectReport) }
        return report
    }

    /// Exit 65 after the work when rows were rejected.
    static func finish(_ report: ReadReport<CardTransaction>) throws {
        guard report.isClean else {
            throw IngestError.rowsRejected(file: report.file, rejectedRows: report.rejectedRows, keptRows: report.records.count)
        }
    }
}

/// `heatctl fraud generate`: a synthetic transaction log with labelled fraud.
struct FraudGenerateCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a synthetic transaction log with labelled fraud episodes.",
        discussion: """
            The fraud model (Docs/Analytics.md): ordinary daytime spending to regular \
            counterparties, and for --fraud-share of customers one account-takeover episode in \
            their last week: a burst of transactions within about an hour, mostly at night, to new \
            counterparties, with amount spikes. Rows carry is_fraud = 1 / 0.

            Example:
              heatctl fraud generate --customers 10000 --days 60 --seed 7 --out transactions.csv
            """
    )

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    @Option(name: .long, help: "Number of customers.")
    var customers: Int = 1000

    @Option(name: .long, help: "Days covered.")
    var days: Int = 60

    @Option(name: .customLong("fraud-share"), help: "Share of customers with a fraud episode.")
    var fraudShare: Double = 0.03

    @Option(name: .long, help: "Seed.")
    var seed: UInt64 = 7

    @Option(name: .long, help: "Where to write the CSV log.")
    var out: String

    func validate() throws {
        guard customers >= 1, days >= 1 else { throw ValidationError("--customers and --days must be at least 1") }
        guard fraudShare >= 0, fraudShare <= 1 else { throw ValidationError("--fraud-share must be between 0 and 1, not \(fraudShare)") }
    }

    func execute() async throws {
        let log = FraudSimulator(customers: customers, days: days, fraudShare: fraudShare, seed: seed).transactions()
        try AtomicFile.write(FraudSimulator.csv(log), to: URL(filePath: out))
        Console.output("wrote \(Plural.count(log.count, "transaction")) of \(Plural.count(customers, "customer")) (\(log.filter { $0.isFraud == true }.count) labelled fraud) to \(out)")
    }
}

/// `heatctl fraud profile`: per-customer behaviour profiles, segments and anomaly scores.
struct FraudProfileCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Per-customer behaviour profiles with k-means segments and isolation-forest anomaly scores.",
        discussion: """
            One row per customer: transactions, amount statistics (mean, std, max, median), \
            transactions per active day, night (00-06 UTC) and weekend shares, channels, \
            counterparties, the share of the last 7 days' transactions to new counterparties, the \
            most transactions in one hour, then segment (k-means on standardised features) and \
            anomaly_score (isolation forest; higher is more anomalous). An --out ending in .json \
            writes JSON.

            Example:
              heatctl fraud profile --transactions transactions.csv --k 4 --out profiles.csv
            """
    )

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    @Option(name: .long, help: "The transaction log (CSV or JSON Lines).")
    var transactions: String

    @Option(name: .long, help: "Number of k-means segments.")
    var k: Int = 4

    @Option(name: .long, help: "Seed of k-means and the isolation forest.")
    var seed: UInt64 = 42

    @Flag(name: .long, help: "Fail on the first bad row instead of keeping the good ones.")
    var strict = false

    @Option(name: .long, help: "Where to write the profiles (.csv or .json).")
    var out: String

    func execute() async throws {
        let report = try FraudInput.read(transactions, strict: strict)
        let profiles = BehaviourProfiler().profiles(of: report.records)
        let unlabelled = profiles.map { p -> BehaviourProfile in var q = p; q.label = nil; return q }
        let model = try FraudModel.fit(unlabelled, k: k, seed: seed, measuredOn: "unlabelled")
        let scored = try model.score(unlabelled, reasons: 3)
        let table = FraudExport.profileTable(profiles, scored)
        try FraudExport.write(table, to: out)
        Console.output("profiled \(Plural.count(profiles.count, "customer")) from \(Plural.count(report.records.count, "transaction")); segments: " +
                       model.segments.sizes.map(String.init).joined(separator: " / "))
        try FraudInput.finish(report)
    }
}

/// `heatctl fraud score`: fraud alerts from the hybrid model.
struct FraudScoreCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score customers for fraud (anomaly + supervised hybrid) and write alerts with reasons.",
        discussion: """
            Without --model, fits on the log: segments, isolation forest and, when the log has \
            is_fraud labels, a logistic classifier with and without the anomaly score, compared by \
            5-fold cross-validation (ROC-AUC, PR-AUC; "hybrid helps" when its mean PR-AUC is higher \
            and it wins most folds). Every metric is printed with what it was measured on: the \
            synthetic generator unless you bring labelled data. With --model, scores with a saved \
            model. Writes one row per customer: segment, anomaly_score, fraud_probability, alert, \
            reasons.

            Example:
              heatctl fraud score --transactions transactions.csv --save-model fraud.model --metrics-out fraud.json --out alerts.csv
              heatctl fraud score --transactions new.csv --model fraud.model --out alerts.csv
            """
    )

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    @Option(name: .long, help: "The transaction log (CSV or JSON Lines).")
    var transactions: String

    @Option(name: .long, help: "A fraud model from --save-model (kind fraudModel).")
    var model: String?

    @Option(name: .customLong("save-model"), help: "Where to save the fitted model.")
    var saveModel: String?

    @Option(name: .customLong("metrics-out"), help: "Where to write the cross-validated comparison (JSON).")
    var metricsOut: String?

    @Option(name: .customLong("measured-on"), help: "What the labelled log is, printed with every metric.")
    var measuredOn: String = "the synthetic FraudSimulator generator (heatctl fraud generate), not real-world data"

    @Option(name: .long, help: "Number of k-means segments.")
    var k: Int = 4

    @Option(name: .long, help: "Seed.")
    var seed: UInt64 = 42

    @Option(name: .long, help: "Alert when the hybrid probability reaches this.")
    var threshold: Double = 0.5

    @Flag(name: .long, help: "Fail on the first bad row instead of keeping the good ones.")
    var strict = false

    @Option(name: .long, help: "Where to write the scores and alerts (.csv or .json).")
    var out: String

    func execute() async throws {
        let timer = Date()
        let report = try FraudInput.read(transactions, strict: strict)
        let profiles = BehaviourProfiler().profiles(of: report.records)
        var fraudModel: FraudModel
        if let model {
            fraudModel = try FraudModel.load(from: URL(filePath: model))
        } else {
            fraudModel = try FraudModel.fit(profiles, k: k, seed: seed, measuredOn: measuredOn, alertThreshold: threshold)
        }
        fraudModel.alertThreshold = threshold
        let scored = try fraudModel.score(profiles)
        try FraudExport.write(FraudExport.alertTable(scored), to: out)
        if let saveModel { try fraudModel.save(to: URL(filePath: saveModel)) }
        if let e = fraudModel.evaluation, model == nil {
            Console.output("measured on \(e.measuredOn); \(e.customers) customers, \(e.fraudCustomers) fraud, \(e.folds)-fold cross-validation:")
            Console.output(String(format: "  anomaly score only   ROC-AUC %.3f  PR-AUC %.3f", e.anomalyOnly.rocAuc, e.anomalyOnly.prAuc))
            Console.output(String(format: "  supervised           ROC-AUC %.3f  PR-AUC %.3f", e.supervised.rocAuc, e.supervised.prAuc))
            Console.output(String(format: "  hybrid (+ anomaly)   ROC-AUC %.3f  PR-AUC %.3f", e.hybrid.rocAuc, e.hybrid.prAuc)
                           + "  better in \(e.hybridBetterFolds) of \(e.folds) folds: " + (e.hybridHelps ? "the hybrid helps" : "the hybrid does not help"))
            if let metricsOut {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try AtomicFile.write(try encoder.encode(e), to: URL(filePath: metricsOut))
            }
        }
        Console.output("\(Plural.count(scored.filter(\.alert).count, "alert")) among \(Plural.count(profiles.count, "customer")) (\(Plural.count(report.records.count, "transaction")), \(String(format: "%.1f", Date().timeIntervalSince(timer))) s)")
        try FraudInput.finish(report)
    }
}
