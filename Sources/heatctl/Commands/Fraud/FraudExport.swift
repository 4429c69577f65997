import Foundation
import HeatCore
import HeatEnvelope

/// The profile and alert tables of the fraud commands (CSV cells neutralised by ``ReportTable``).
enum FraudExport {
    static func profileTable(_ profiles: [BehaviourProfile], _ scored: [FraudModel.Assessment]) -> ReportTable {
        let columns = ["customer_id", "transactions", "mean_amount", "amount_std", "max_amount", "median_amount", "per_active_day",
                       "night_share", "weekend_share", "channels", "counterparties", "new_counterparty_share", "max_per_hour", "segment", "anomaly_score"]
        let rows: [[ReportTable.Cell]] = zip(profiles, scored).map { p, s in
            [.text(p.customerID), .integer(p.transactions), .number(p.meanAmount), .number(p.amountStd), .number(p.maxAmount), .number(p.medianAmount),
             .number(p.perActiveDay), .number(p.nightShare), .number(p.weekendShare), .integer(p.channels), .integer(p.counterparties),
             .number(p.newCounterpartyShare), .integer(p.maxPerHour), .integer(s.segment), .number(s.anomalyScore)]
        }
        return ReportTable(name: "fraud-profiles", title: "Behaviour profiles", columns: columns, rows: rows)
    }

    static func alertTable(_ scored: [FraudModel.Assessment]) -> ReportTable {
        let rows: [[ReportTable.Cell]] = scored.map { s in
            [.text(s.customerID), .integer(s.segment), .number(s.anomalyScore), s.fraudProbability.map { .number($0) } ?? .empty,
             .boolean(s.alert), .text(s.reasons.joined(separator: "; "))]
        }
        return ReportTable(name: "fraud-alerts", title: "Fraud scores and alerts",
                           columns: ["customer_id", "segment", "anomaly_score", "fraud_probability", "alert", "reasons"], rows: rows)
    }

    static func write(_ table: ReportTable, to path: String) throws {
        if path.lowercased().hasSuffix(".json") {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try encoder.encode(table.records), to: URL(filePath: path))
        } else {
            try AtomicFile.write(table.csv(), to: URL(filePath: path))
        }
    }
}
