import Foundation

/// Neutralising of spreadsheet formulas in CSV cells, as the report exporter does.
public enum CSVCell {
    /// The text with a `'` prefix when a spreadsheet would run it as a formula (it starts with
    /// `=`, `+`, `-` or `@` and is not a number).
    ///
    /// ```swift
    /// CSVCell.neutralised("=HYPERLINK(\"x\")")   // "'=HYPERLINK(\"x\")"
    /// CSVCell.neutralised("-3.5")                // "-3.5"
    /// ```
    ///
    /// - Parameter text: the cell text.
    /// - Returns: the safe text.
    public static func neutralised(_ text: String) -> String {
        if let first = text.first, "=+-@".contains(first), Double(text) == nil { return "'" + text }
        return text
    }
}

/// The CSV columns and JSON document of `heatctl risk score`.
///
/// ```swift
/// let export = RiskScoreExport(result: result, bands: .standard)
/// let csv = table.csvText(appending: export.columns(reasons: 3))
/// ```
public struct RiskScoreExport: Sendable {
    /// The scoring result.
    public var result: RiskScorer.Result
    /// The bands used.
    public var bands: RiskBands

    /// Creates an export.
    ///
    /// - Parameters:
    ///   - result: the scoring result.
    ///   - bands: the bands used.
    public init(result: RiskScorer.Result, bands: RiskBands) {
        self.result = result
        self.bands = bands
    }

    /// The columns appended to the input rows: `risk_probability`, `risk_score`, `risk_band`,
    /// `log_odds`, `base_log_odds`, then `reason_K`, `reason_K_column`, `reason_K_log_odds`
    /// for K = 1...reasons (text neutralised against spreadsheet formulas).
    ///
    /// - Parameter reasons: the reasons per row.
    /// - Returns: the named columns.
    public func columns(reasons: Int) -> [(name: String, values: [String])] {
        let rows = result.rows
        var columns: [(name: String, values: [String])] = [
            ("risk_probability", rows.map { String($0.probability) }),
            ("risk_score", rows.map { String($0.score) }),
            ("risk_band", rows.map(\.band.rawValue)),
            ("log_odds", rows.map { String($0.margin) }),
            ("base_log_odds", rows.map { _ in String(result.baseMargin) }),
        ]
        let count = min(reasons, result.columns.count)
        if count > 0 {
            for k in 0..<count {
                columns.append(("reason_\(k + 1)", rows.map { $0.reasons.indices.contains(k) ? CSVCell.neutralised($0.reasons[k].text) : "" }))
                columns.append(("reason_\(k + 1)_column", rows.map { $0.reasons.indices.contains(k) ? CSVCell.neutralised($0.reasons[k].column) : "" }))
                columns.append(("reason_\(k + 1)_log_odds", rows.map { $0.reasons.indices.contains(k) ? String($0.reasons[k].logOdds) : "" }))
            }
        }
        return columns
    }

    private struct Document: Encodable {
        var schema = "customerheat.risk-scores/1"
        var bands: RiskBands
        var baseLogOdds: Double
        var baseScore: Double
        var rows: [Row]
        struct Row: Encodable {
            var row: Int
            var probability: Double
            var score: Int
            var band: String
            var logOdds: Double
            var reasons: [RiskReason]
        }
    }

    /// The JSON document (`customerheat.risk-scores/1`): bands, base value and one object per
    /// row (1-based `row`, probability, score, band, logOdds, reasons).
    ///
    /// - Returns: the JSON bytes.
    /// - Throws: encoding errors (a non-finite number).
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let rows = result.rows.enumerated().map { Document.Row(row: $0.offset + 1, probability: $0.element.probability, score: $0.element.score,
                                                               band: $0.element.band.rawValue, logOdds: $0.element.margin, reasons: $0.element.reasons) }
        return try encoder.encode(Document(bands: bands, baseLogOdds: result.baseMargin, baseScore: result.baseScore, rows: rows))
    }
}
