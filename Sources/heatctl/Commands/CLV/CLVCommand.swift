import ArgumentParser
import Foundation
import HeatCore
import HeatEnvelope
import HeatML

/// `heatctl clv`: BG/NBD purchase forecasts, Gamma-Gamma spend and customer lifetime value.
struct CLVCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clv",
        abstract: "Fit BG/NBD and Gamma-Gamma on a transaction log; forecast purchases, probability alive and CLV.",
        discussion: """
            The transaction log is a CSV with a customer id, a date and (for spend and CLV) an \
            amount column. Several rows of one customer on one day are one purchase occasion. Time \
            is in weeks. See Docs/Analytics.md for the models, their assumptions and limits.

            Example:
              heatctl clv fit --transactions Examples/data/cdnow_transactions.csv --amount-column dollar_value --calibration-end 1997-09-30
              heatctl clv evaluate --transactions Examples/data/cdnow_transactions.csv --amount-column dollar_value --calibration-end 1997-09-30
              heatctl clv predict --transactions Examples/data/cdnow_transactions.csv --amount-column dollar_value --horizon 13 --out clv.csv
              heatctl clv predict --interactions interactions.csv --horizon 13 --out relationship-lifetimes.csv
            """,
        subcommands: [CLVFitCommand.self, CLVPredictCommand.self, CLVEvaluateCommand.self]
    )
}

/// The transaction-log options shared by the `clv` subcommands.
struct CLVInputOptions: ParsableArguments {
    @Option(help: "Transaction log CSV (customer id, date, amount).", completion: .file()) var transactions: String?
    @Option(name: .customLong("customer-column"), help: "The customer id column.") var customerColumn = "customer_id"
    @Option(name: .customLong("date-column"), help: "The date column (YYYY-MM-DD or YYYYMMDD).") var dateColumn = "date"
    @Option(name: .customLong("amount-column"), help: "The amount column (default: 'amount' when present; none disables spend and CLV).")
    var amountColumn: String?
    @Option(name: .customLong("calibration-end"), help: "Last day of the calibration period YYYY-MM-DD (default: the last date of the log).")
    var calibrationEnd: String?
    @Option(name: .customLong("holdout-end"), help: "Last day of the holdout period YYYY-MM-DD (default: the last date of the log).")
    var holdoutEnd: String?
    @Flag(help: "Refuse the file if any row is bad (default: reject bad rows, keep the good ones, exit 65 at the end).")
    var strict = false

    func day(_ text: String?, _ flag: String) throws -> Int? {
        guard let text else { return nil }
        do { return try TransactionDay.parse(text) } catch { throw ValidationError("\(flag): '\(text)' is not a date YYYY-MM-DD") }
    }

    func validateDates() throws {
        _ = try day(calibrationEnd, "--calibration-end")
        _ = try day(holdoutEnd, "--holdout-end")
    }

    /// Reads and summarises the log; prints the reject report on stderr.
    func summary() throws -> (log: TransactionLog, summary: RFMSummary) {
        guard let transactions else { throw ValidationError("--transactions FILE is required") }
        let reader = TransactionLogReader(customerColumn: customerColumn, dateColumn: dateColumn, amountColumn: amountColumn, strict: strict)
        let log = try reader.read(contentsOf: URL(filePath: transactions))
        if !log.isClean { Console.warning(log.rejectReport()) }
        let summary = try RFMSummary(log: log, calibrationEnd: try day(calibrationEnd, "--calibration-end"),
                                     holdoutEnd: try day(holdoutEnd, "--holdout-end"))
        return (log, summary)
    }

    /// Exit 65 after the work when rows were rejected.
    func finish(_ log: TransactionLog) throws {
        guard log.isClean else {
            throw IngestError.rowsRejected(file: log.source, rejectedRows: log.rejects.count, keptRows: log.transactions.count)
        }
    }
}

/// Fitted models as written by `clv fit --out` and read by `clv predict --model`.
struct CLVModelFile: Codable {
    var schema = "customerheat.clv/1"
    var unit = "weeks"
    var calibrationEnd: String
    var customers: Int
    var repeatCustomers: Int
    var bgnbd: BetaGeoModel
    var gammaGamma: GammaGammaModel?
    var fitSeconds: Double

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

/// Fits both models on a summary, timing the fit (summary excluded).
func fitCustomerValueModels(_ summary: RFMSummary, hasAmounts: Bool) throws -> CLVModelFile {
    let rfm = summary.customers.map(\.rfm)
    let start = DispatchTime.now().uptimeNanoseconds
    let bgnbd = try BetaGeoModel.fit(rfm)
    let spend = hasAmounts ? try GammaGammaModel.fit(rfm) : nil
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    return CLVModelFile(
        calibrationEnd: TransactionDay.format(summary.calibrationEnd), customers: rfm.count,
        repeatCustomers: rfm.filter { $0.frequency > 0 }.count, bgnbd: bgnbd, gammaGamma: spend, fitSeconds: seconds)
}

/// `heatctl clv fit`.
struct CLVFitCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit BG/NBD (purchases) and Gamma-Gamma (spend) by maximum likelihood on the calibration period.",
        discussion: """
            Prints the parameters (r, alpha, a, b; p, q, v), the log-likelihoods and the fit time \
            (summary excluded). --out saves the models as JSON for `clv predict --model`. \
            Gamma-Gamma is fitted on customers with repeat purchases and a positive mean amount.

            Form:
              heatctl clv fit --transactions FILE.csv [--calibration-end DATE] [--amount-column NAME] [--out model.json] [--json]

            Example:
              heatctl clv fit --transactions Examples/data/cdnow_transactions.csv --amount-column dollar_value --calibration-end 1997-09-30 --json
            """)

    @OptionGroup var input: CLVInputOptions
    @Option(help: "Horizon in weeks for the population forecast line.") var horizon: Int = 39
    @Option(help: "Write the fitted models as JSON.", completion: .file()) var out: String?
    @Flag(help: "Print one JSON document on stdout.") var json = false
    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func validate() throws {
        try input.validateDates()
        guard (1...520).contains(horizon) else { throw ValidationError("--horizon must be 1 to 520 weeks, not \(horizon)") }
    }

    func execute() async throws {
        let (log, summary) = try input.summary()
        let models = try fitCustomerValueModels(summary, hasAmounts: log.hasAmounts)
        if let out {
            try AtomicFile.write(CLVModelFile.encoder().encode(models), to: URL(filePath: out))
            Console.info("wrote the models to \(out)")
        }
        if json {
            Console.output(String(decoding: try CLVModelFile.encoder().encode(models), as: UTF8.self))
        } else {
            let m = models.bgnbd
            Console.output(String(format: "BG/NBD on %d customers (%d repeat) to %@, weeks: r=%.4f alpha=%.4f a=%.4f b=%.4f, log-likelihood %.2f",
                                  models.customers, models.repeatCustomers, models.calibrationEnd, m.r, m.alpha, m.a, m.b, m.logLikelihood))
            if let g = models.gammaGamma {
                Console.output(String(format: "Gamma-Gamma on %d repeat customers: p=%.4f q=%.4f v=%.4f (mean value per purchase %.2f)",
                                      g.customers, g.p, g.q, g.v, g.populationMeanValue))
            }
            Console.output(String(format: "a new customer makes %.3f repeat purchases in %d weeks; fit %.3f s",
                                  m.expectedPurchases(in: Double(horizon)), horizon, models.fitSeconds))
        }
        try input.finish(log)
    }
}
