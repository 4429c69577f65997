import ArgumentParser
import Foundation
import HeatCore
import HeatEnvelope
import HeatML

/// `heatctl risk recommend`: the next action per row from a rule file.
struct RiskRecommendCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommend",
        abstract: "Recommend a prioritised next action per row from a JSON rule file.",
        discussion: """
            Rules test columns of the data (for example risk_band from `risk score`, cooling, \
            weeks_since_meeting); the first rule by priority (high, medium, low; file order within \
            one) whose conditions all hold fires. With --model the data is scored first, so rules \
            can test risk_score and risk_band directly. Writes the input rows plus action, \
            action_priority and action_rule. Every rule-file fault exits 78 naming the rule and \
            the field. Default rule files: Examples/risk/bank-actions.json (relationship \
            managers) and Examples/risk/retail-actions.json (retail customers).

            Example:
              heatctl risk recommend --rules Examples/risk/retail-actions.json --data scores.csv --out actions.csv
              heatctl risk recommend --rules Examples/risk/retail-actions.json --model churn.risk \\
                --data Examples/data/telco_churn.csv --out actions.csv
            """
    )

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    @Option(name: .long, help: "The JSON rule file (Docs/Analytics.md, Next actions).")
    var rules: String

    @Option(name: .long, help: "The CSV file (scored by `risk score`, or raw with --model).")
    var data: String

    @Option(name: .long, help: "A risk model to score the data with first.")
    var model: String?

    @Option(name: .long, help: "Band thresholds for --model.")
    var bands: String?

    @Option(name: .long, help: "Where to write the rows with their action (.csv or .json).")
    var out: String

    func execute() async throws {
        let ruleSet = try ActionRules.load(from: URL(filePath: rules))
        let table: DataTable
        var extra: [(name: String, values: [String])] = []
        if let model {
            let calibrated = try CalibratedModel.load(from: URL(filePath: model))
            let bandConfig = try bands.map { path throws(RiskError) in try RiskBands.load(from: URL(filePath: path)) } ?? .standard
            table = try calibrated.pipeline.loadTable(from: URL(filePath: data))
            let result = try RiskScorer(model: calibrated, bands: bandConfig).score(table, reasons: 0)
            extra = RiskScoreExport(result: result, bands: bandConfig).columns(reasons: 0)
        } else {
            table = try DataTable(contentsOf: URL(filePath: data), options: .init(categoryLimit: nil))
        }
        var cells: [String: [String?]] = [:]
        for column in table.columns { cells[column.name] = column.raw }
        for column in extra { cells[column.name] = column.values }
        try ruleSet.check(columns: Set(cells.keys), source: URL(filePath: data).lastPathComponent)
        let fired = (0..<table.rowCount).map { row in ruleSet.evaluate { field in cells[field]?[row] ?? nil } }
        extra += [
            (name: "action", values: fired.map { $0?.action ?? "" }),
            (name: "action_priority", values: fired.map { $0?.priority.rawValue ?? "" }),
            (name: "action_rule", values: fired.map { $0?.id ?? "" }),
        ]
        let neutral = extra.map { (name: $0.name, values: $0.values.map(CSVCell.neutralised)) }
        if out.lowercased().hasSuffix(".json") {
            let rows = fired.enumerated().map { RecommendationRow(row: $0.offset + 1, action: $0.element?.action, priority: $0.element?.priority.rawValue, rule: $0.element?.id) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try encoder.encode(RecommendationDocument(rules: ruleSet.name, rows: rows)), to: URL(filePath: out))
        } else {
            try AtomicFile.write(table.csvText(appending: neutral), to: URL(filePath: out))
        }
        let byRule = Dictionary(grouping: fired.compactMap { $0?.id }, by: { $0 }).mapValues(\.count)
        Console.output("\(ruleSet.name): " + byRule.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "; no rule: \(fired.filter { $0 == nil }.count)")
        Console.info("wrote \(out)")
    }
}

/// One row of the JSON recommendation export.
struct RecommendationRow: Encodable {
    var row: Int
    var action: String?
    var priority: String?
    var rule: String?
}

/// The JSON recommendation export.
struct RecommendationDocument: Encodable {
    var schema = "customerheat.recommendations/1"
    var rules: String
    var rows: [RecommendationRow]
}
