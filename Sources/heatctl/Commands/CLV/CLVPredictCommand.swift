import ArgumentParser
import Foundation
import HeatCore
import HeatEnvelope
import HeatML
import HeatTabular

/// `heatctl clv predict`.
struct CLVPredictCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Per customer: expected purchases, probability alive, purchase probability and CLV; or relationship lifetimes from interactions.",
        discussion: """
            With --transactions, writes one row per customer (the file's own ids): \
            customer_id,frequency,recency,T,monetary,expected_purchases,p_alive,p_purchase,\
            expected_average_value,clv. expected_purchases and p_purchase cover --horizon weeks \
            after the calibration end; clv is the value of the next --months months discounted at \
            --discount-rate per month (as lifetimes' customer_lifetime_value). Models are fitted \
            on the calibration period unless --model names a file from `clv fit --out`.

            With --interactions (an interaction export, as for `heatctl heat`), the same BG/NBD \
            model runs on relationships: a week with any interaction is an "active week"; writes \
            client_id,frequency,recency,T,contacts_per_week,expected_active_weeks,\
            expected_contacts,p_alive,p_contact for the --horizon weeks after --as-of.

            Form:
              heatctl clv predict --transactions FILE.csv [--calibration-end DATE] [--horizon WEEKS] [--model FILE] --out FILE.csv [--json]
              heatctl clv predict --interactions FILE.csv [--as-of DATE] [--horizon WEEKS] --out FILE.csv [--json]

            Example:
              heatctl clv predict --transactions Examples/data/cdnow_transactions.csv --amount-column dollar_value --calibration-end 1997-09-30 --horizon 39 --out clv.csv
            """)

    @OptionGroup var input: CLVInputOptions
    @Option(help: "An interaction export (CSV or JSON Lines) instead of --transactions.", completion: .file()) var interactions: String?
    @Option(name: .customLong("as-of"), help: "With --interactions: the reference date (default: the latest interaction).") var asOf: String?
    @Option(help: "Forecast horizon in weeks.") var horizon: Int = 13
    @Option(help: "CLV horizon in months.") var months: Int = 12
    @Option(name: .customLong("discount-rate"), help: "Monthly discount rate for CLV.") var discountRate: Double = 0.01
    @Option(help: "Models from `clv fit --out` (default: fit on the calibration period).", completion: .file()) var model: String?
    @Option(help: "Write one row per customer to this CSV.", completion: .file()) var out: String?
    @Flag(help: "Print a JSON summary on stdout.") var json = false
    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func validate() throws {
        try input.validateDates()
        guard (input.transactions == nil) != (interactions == nil) else {
            throw ValidationError("pass exactly one of --transactions and --interactions")
        }
        guard (1...520).contains(horizon) else { throw ValidationError("--horizon must be 1 to 520 weeks, not \(horizon)") }
        guard (0...600).contains(months) else { throw ValidationError("--months must be 0 to 600, not \(months)") }
        guard discountRate > -1, discountRate.isFinite else { throw ValidationError("--discount-rate must be above -1") }
        if let asOf, (try? CalendarDate(iso8601: asOf)) == nil { throw ValidationError("--as-of: '\(asOf)' is not a date YYYY-MM-DD") }
    }

    struct Summary: Codable {
        var customers: Int
        var horizonWeeks: Int
        var expectedPurchasesTotal: Double
        var meanProbabilityAlive: Double
        var clvTotal: Double?
        var months: Int?
        var monthlyDiscountRate: Double?
        var bgnbd: BetaGeoModel
        var gammaGamma: GammaGammaModel?
        var out: String?
    }

    func execute() async throws {
        if let interactions { return try relationships(interactions) }
        let (log, summary) = try input.summary()
        let models: CLVModelFile
        if let model {
            let data = try InputFile.read(model)
            do {
                models = try JSONDecoder().decode(CLVModelFile.self, from: data)
            } catch {
                throw LifetimesError.invalidParameter(name: "--model", value: model, reason: "not a model file written by `heatctl clv fit --out`")
            }
        } else {
            models = try fitCustomerValueModels(summary, hasAmounts: log.hasAmounts)
        }
        let bgnbd = models.bgnbd
        let value = models.gammaGamma.map { CustomerValue(purchases: bgnbd, spend: $0) }
        let t = Double(horizon)
        var csv = CSVWriter()
        csv.writeRow(["customer_id", "frequency", "recency", "T", "monetary", "expected_purchases", "p_alive", "p_purchase", "expected_average_value", "clv"])
        var expectedTotal = 0.0, aliveTotal = 0.0, clvTotal = 0.0
        func f(_ x: Double) -> String { x.isFinite ? String(format: "%.6f", x) : "" }
        for customer in summary.customers {
            let h = customer.rfm
            let expected = bgnbd.expectedPurchases(in: t, given: h)
            let alive = bgnbd.probabilityAlive(given: h)
            let average = value?.spend.expectedAverageValue(given: h)
            let clv = value?.lifetimeValue(given: h, months: months, monthlyDiscountRate: discountRate)
            expectedTotal += expected
            aliveTotal += alive
            clvTotal += clv ?? 0
            csv.writeRow([customer.customerID, String(h.frequency), f(h.recency), f(h.age), f(h.monetary), f(expected), f(alive),
                          f(bgnbd.probabilityOfPurchase(in: t, given: h)), average.map(f) ?? "", clv.map(f) ?? ""])
        }
        if let out {
            try AtomicFile.write(csv.data, to: URL(filePath: out))
            Console.info("wrote \(summary.customers.count) customers to \(out)")
        }
        let n = Double(max(summary.customers.count, 1))
        let report = Summary(customers: summary.customers.count, horizonWeeks: horizon, expectedPurchasesTotal: expectedTotal,
                             meanProbabilityAlive: aliveTotal / n, clvTotal: value == nil ? nil : clvTotal,
                             months: value == nil ? nil : months, monthlyDiscountRate: value == nil ? nil : discountRate,
                             bgnbd: bgnbd, gammaGamma: models.gammaGamma, out: out)
        if json {
            Console.output(String(decoding: try CLVModelFile.encoder().encode(report), as: UTF8.self))
        } else {
            var line = String(format: "%d customers: %.1f purchases expected in %d weeks, mean probability alive %.3f",
                              summary.customers.count, expectedTotal, horizon, aliveTotal / n)
            if value != nil { line += String(format: "; CLV over %d months %.2f in all", months, clvTotal) }
            Console.output(line)
        }
        try input.finish(log)
    }

    struct RelationshipSummary: Codable {
        var clients: Int
        var asOf: String
        var horizonWeeks: Int
        var expectedContactsTotal: Double
        var meanProbabilityAlive: Double
        var bgnbd: BetaGeoModel
        var contactsPerWeek: GammaGammaModel?
        var out: String?
    }

    func relationships(_ path: String) throws {
        var ledger = ActivityLedger()
        let read = try InteractionReader(strict: input.strict).stream(contentsOf: URL(filePath: path), progress: nil) { ledger.add($0) }
        if !read.rejectReport.isEmpty { Console.warning(read.rejectReport) }
        let reference = try asOf.map { try CalendarDate(iso8601: $0) } ?? ledger.latestEvent?.date
        guard let reference else { throw HeatRunError.noReferenceDate }
        let lifetimes = try RelationshipLifetimes(activity: ledger.clients, asOf: reference.isoWeek)
        var csv = CSVWriter()
        csv.writeRow(["client_id", "frequency", "recency", "T", "contacts_per_week", "expected_active_weeks", "expected_contacts", "p_alive", "p_contact"])
        var contacts = 0.0, alive = 0.0, count = 0
        func f(_ x: Double) -> String { x.isFinite ? String(format: "%.6f", x) : "" }
        for id in ledger.clients.keys.sorted() {
            guard let features = lifetimes.features(for: ledger.clients[id] ?? [:], horizonWeeks: horizon) else { continue }
            let h = features.history
            count += 1
            contacts += features.expectedContacts
            alive += features.probabilityAlive
            csv.writeRow([id, String(h.frequency), f(h.recency), f(h.age), f(h.monetary), f(features.expectedActiveWeeks),
                          f(features.expectedContacts), f(features.probabilityAlive), f(features.probabilityOfContact)])
        }
        if let out {
            try AtomicFile.write(csv.data, to: URL(filePath: out))
            Console.info("wrote \(count) relationships to \(out)")
        }
        let report = RelationshipSummary(clients: count, asOf: reference.description, horizonWeeks: horizon, expectedContactsTotal: contacts,
                                         meanProbabilityAlive: alive / Double(max(count, 1)), bgnbd: lifetimes.model,
                                         contactsPerWeek: lifetimes.contactsPerWeek, out: out)
        if json {
            Console.output(String(decoding: try CLVModelFile.encoder().encode(report), as: UTF8.self))
        } else {
            Console.output(String(format: "%d relationships as of %@: %.1f contacts expected in %d weeks, mean probability alive %.3f",
                                  count, reference.description, contacts, horizon, alive / Double(max(count, 1))))
        }
        if !read.isClean {
            throw IngestError.rowsRejected(file: read.file, rejectedRows: read.rejectedRows, keptRows: read.accepted)
        }
    }
}
