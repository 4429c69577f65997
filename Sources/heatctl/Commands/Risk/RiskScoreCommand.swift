import ArgumentParser
import Foundation
import HeatCore
import HeatEnvelope
import HeatML

/// `heatctl risk score`: 0-100 scores, bands and reasons.
struct RiskScoreCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score rows 0-100 with a calibrated risk model: band and top reasons per row.",
        discussion: """
            Writes the input rows in order plus risk_probability (calibrated), risk_score \
            (round(100 x probability)), risk_band (High from 70, Medium from 40; --bands FILE with \
            {"high": H, "medium": M} changes them), log_odds and base_log_odds (the model's margin and \
            base value), and per reason K: reason_K (the phrase and its points, e.g. \
            "only 2 months as a customer: +18"), reason_K_column, reason_K_log_odds. Reasons are \
            TreeSHAP (gbdt) or linear (logistic) contributions per input column; phrases come from \
            --phrasing FILE (Docs/Analytics.md). An --out ending in .json writes a JSON document \
            instead of CSV. Text cells starting with = + - @ are prefixed with ' in the CSV.

            Example:
              heatctl risk score --model churn.risk --data Examples/data/telco_churn.csv \\
                --phrasing Examples/risk/telco-phrasing.json --bands bands.json --out scores.csv
            """
    )

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    @Option(name: .long, help: "The risk model written by `risk fit`.")
    var model: String

    @Option(name: .long, help: "The CSV file to score.")
    var data: String

    @Option(name: .long, help: "A JSON file with the band thresholds {\"high\": 70, \"medium\": 40}.")
    var bands: String?

    @Option(name: .long, help: "A JSON reason-phrasing file (Docs/Analytics.md).")
    var phrasing: String?

    @Option(name: .long, help: "Reasons per row.")
    var reasons: Int = 3

    @Option(name: .long, help: "Where to write the scores (.csv, or .json for JSON).")
    var out: String

    func validate() throws {
        if reasons < 0 { throw ValidationError("--reasons must be 0 or more, not \(reasons)") }
    }

    func execute() async throws {
        let calibrated = try CalibratedModel.load(from: URL(filePath: model))
        let bandConfig = try bands.map { path throws(RiskError) in try RiskBands.load(from: URL(filePath: path)) } ?? .standard
        let phrasebook = try phrasing.map { path throws(RiskError) in try ReasonPhrasebook.load(from: URL(filePath: path)) } ?? .plain
        let table = try calibrated.pipeline.loadTable(from: URL(filePath: data))
        let result = try RiskScorer(model: calibrated, bands: bandConfig, phrasebook: phrasebook).score(table, reasons: reasons)
        let export = RiskScoreExport(result: result, bands: bandConfig)
        if out.lowercased().hasSuffix(".json") {
            try AtomicFile.write(try export.json(), to: URL(filePath: out))
        } else {
            try AtomicFile.write(table.csvText(appending: export.columns(reasons: reasons)), to: URL(filePath: out))
        }
        let counts = Dictionary(grouping: result.rows, by: \.band).mapValues(\.count)
        Console.output("scored \(Plural.count(table.rowCount, "row")): High \(counts[.high] ?? 0), Medium \(counts[.medium] ?? 0), Low \(counts[.low] ?? 0) (bands \(bandConfig.high) / \(bandConfig.medium))")
        Console.info("wrote \(out)")
    }
}
