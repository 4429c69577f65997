import ArgumentParser
import Foundation
import HeatCore
import HeatEnvelope
import HeatML

/// `heatctl risk portfolio`: the population view of risk, released through the privacy policy.
struct RiskPortfolioCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "portfolio",
        abstract: "Portfolio risk by branch, region and segment, released through the privacy policy.",
        discussion: """
            Reads a file written by `risk score` (risk_score and risk_band columns plus the group \
            columns) and, optionally, the previous period's, and writes a results document with a \
            riskPortfolio section: per group the share at High risk, the band distribution, the \
            mean score, the group's share of all High-risk clients (concentration, with the \
            Herfindahl index per grouping), the change of the High share against the previous \
            period, and heat levels when --level-column is given. Groups under the policy's k \
            (in either period) are withheld; a role the policy does not name, or one without \
            group figures, is refused (exit 77). `heatctl report` renders it with a chart per metric.

            Example:
              heatctl risk portfolio --scores scores.csv --previous last-month.csv --policy Examples/policy.json \\
                --role executive --group segment=contract --group region=internet_service --out portfolio.json
              heatctl report portfolio.json --out report/
            """
    )

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    @Option(name: .long, help: "The scored CSV (from `risk score`).")
    var scores: String

    @Option(name: .long, help: "The previous period's scored CSV, for the change.")
    var previous: String?

    @Option(name: .long, help: "The privacy policy (JSON).")
    var policy: String

    @Option(name: .long, help: "The role receiving the view.")
    var role: String

    @Option(name: .long, help: "A grouping KIND=COLUMN, KIND one of branch, region, segment (repeatable; default: the columns branch, region and segment that exist).")
    var group: [String] = []

    @Option(name: .customLong("level-column"), help: "A column with heat levels (cold, cool, warm, hot).")
    var levelColumn: String?

    @Option(name: .long, help: "The band thresholds the scores were made with (reported; default 70 / 40).")
    var bands: String?

    @Option(name: .long, help: "Where to write the results document (JSON).")
    var out: String

    func execute() async throws {
        let privacy = try PrivacyPolicy.load(from: URL(filePath: policy))
        let bandConfig = try bands.map { path throws(RiskError) in try RiskBands.load(from: URL(filePath: path)) } ?? .standard
        var mapping: [(GroupSummary.Kind, String)] = []
        for item in group {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let kind = GroupSummary.Kind(rawValue: parts[0]), kind != .manager, !parts[1].isEmpty else {
                throw ValidationError("--group must be KIND=COLUMN with KIND branch, region or segment, not \(item)")
            }
            mapping.append((kind, parts[1]))
        }
        let current = try DataTable(contentsOf: URL(filePath: scores), options: .init(categoryLimit: nil))
        if mapping.isEmpty {
            mapping = [GroupSummary.Kind.branch, .region, .segment].filter { current.columnNames.contains($0.rawValue) }.map { ($0, $0.rawValue) }
        }
        let clients = try Self.clients(current, mapping: mapping, levelColumn: levelColumn)
        let prior = try previous.map { path in try Self.clients(try DataTable(contentsOf: URL(filePath: path), options: .init(categoryLimit: nil)), mapping: mapping, levelColumn: levelColumn) }
        let section = try RiskPortfolioRelease(policy: privacy).release(clients.rows, previous: prior?.rows, role: role, kinds: mapping.map(\.0),
                                                                        bands: bandConfig, source: URL(filePath: scores).lastPathComponent)
        let now = UTCTimestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970))
        var document = ResultsDocument(generatedAt: now, mode: .plaintext, asOf: now.date, role: role, policy: privacy.summary(epsilon: nil))
        document.riskPortfolio = section
        try AtomicFile.write(try document.jsonData(), to: URL(filePath: out))
        Console.output("released \(section.groups.count) groups to \(role); withheld \(section.withheld.count)")
        for item in section.withheld { Console.info("withheld \(item.item): \(item.rule) (\(item.reason))") }
        Console.info("wrote \(out)")
    }

    /// The portfolio rows of a scored table.
    static func clients(_ table: DataTable, mapping: [(GroupSummary.Kind, String)], levelColumn: String?) throws -> (rows: [PortfolioClient], count: Int) {
        let scores = try table.column(named: "risk_score").raw
        let bands = try table.column(named: "risk_band").raw
        let groups = try mapping.map { ($0.0, try table.column(named: $0.1).raw) }
        let levels = try levelColumn.map { try table.column(named: $0).raw }
        var rows: [PortfolioClient] = []
        for i in 0..<table.rowCount {
            guard let s = scores[i].flatMap({ Int($0) }), let b = bands[i].flatMap({ RiskBand(rawValue: $0) }) else {
                throw HeatMLError.badCell(source: table.source, line: table.lines[i], column: "risk_score", value: scores[i] ?? "", expected: .numeric)
            }
            var labels: [GroupSummary.Kind: String] = [:]
            for (kind, column) in groups { if let v = column[i], !v.isEmpty { labels[kind] = v } }
            rows.append(PortfolioClient(groups: labels, score: s, band: b, level: levels?[i].flatMap { HeatLevel(rawValue: $0.lowercased()) }))
        }
        return (rows, rows.count)
    }
}
