import Foundation
import HeatML

/// Reads the portfolio rows of a file scored by `heatctl risk score`: score, band, group labels,
/// heat level and (optionally) a stable client id.
///
/// Branch labels are identifiers of the bank's organisation and appear in the released document:
/// a label must already be a masked branch reference (`B-` and 8 to 64 lower-case hex digits, as
/// `heatctl clients` shows them), or the reader masks it with the collector's pseudonymisation
/// key. An unmasked label without a key is refused with ``RiskError/unmaskedLabel(file:line:column:)``
/// (exit 65), which names the file, line and column but never the label. Client ids are used only
/// for the differencing guard's membership tags; a duplicate id is refused without quoting it.
/// With the collector's key an id becomes the client's pseudonym (hex), the id the store's own
/// releases use, so the guard compares portfolio groups with the role's store releases too.
///
/// ```swift
/// let reader = PortfolioScoresReader(mapping: [(.branch, "branch")], idColumn: "client_id")
/// let clients = try reader.clients(try DataTable(contentsOf: url, options: .init(categoryLimit: nil)))
/// ```
public struct PortfolioScoresReader: Sendable {
    /// The groupings: kind and the column holding its labels.
    public var mapping: [(GroupSummary.Kind, String)]
    /// A column of heat levels (cold, cool, warm, hot), if any.
    public var levelColumn: String?
    /// A column of stable client ids, if any.
    public var idColumn: String?
    /// The collector's pseudonymizer, to mask raw branch ids; `nil` to require masked labels.
    public var pseudonymizer: Pseudonymizer?

    /// Creates a reader.
    ///
    /// - Parameters:
    ///   - mapping: kind and column per grouping.
    ///   - levelColumn: the heat level column, if any.
    ///   - idColumn: the client id column, if any.
    ///   - pseudonymizer: the collector's pseudonymizer, to mask raw branch ids.
    public init(mapping: [(GroupSummary.Kind, String)], levelColumn: String? = nil, idColumn: String? = nil, pseudonymizer: Pseudonymizer? = nil) {
        self.mapping = mapping
        self.levelColumn = levelColumn
        self.idColumn = idColumn
        self.pseudonymizer = pseudonymizer
    }

    /// Whether a label is a masked branch reference (`B-` and 8 to 64 lower-case hex digits).
    ///
    /// - Parameter label: the label.
    /// - Returns: `true` for a reference such as `B-3c1f0a2b`.
    public static func isMaskedBranchRef(_ label: String) -> Bool {
        guard label.hasPrefix("B-") else { return false }
        let digits = label.utf8.dropFirst(2)
        return (8...64).contains(digits.count) && digits.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// The portfolio rows of a scored table.
    ///
    /// - Parameter table: the scored table (columns `risk_score`, `risk_band` and the mapped ones).
    /// - Returns: one client per row.
    /// - Throws: ``HeatML/HeatMLError`` for a missing column or a bad score or band (exit 65),
    ///   ``RiskError/unmaskedLabel(file:line:column:)`` or ``RiskError/duplicateClient(file:line:column:)`` (exit 65).
    public func clients(_ table: DataTable) throws -> [PortfolioClient] {
        let scores = try table.column(named: "risk_score").raw
        let bands = try table.column(named: "risk_band").raw
        let groups = try mapping.map { ($0.0, $0.1, try table.column(named: $0.1).raw) }
        let levels = try levelColumn.map { try table.column(named: $0).raw }
        let ids = try idColumn.map { try table.column(named: $0).raw }
        let file = URL(filePath: table.source).lastPathComponent
        var seen: Set<String> = []
        var rows: [PortfolioClient] = []
        rows.reserveCapacity(table.rowCount)
        for i in 0..<table.rowCount {
            guard let s = scores[i].flatMap({ Int($0) }), (0...100).contains(s) else {
                throw HeatMLError.badCell(source: table.source, line: table.lines[i], column: "risk_score", value: scores[i] ?? "", expected: .numeric)
            }
            guard let b = bands[i].flatMap({ RiskBand(rawValue: $0) }) else {
                throw HeatMLError.badCell(source: table.source, line: table.lines[i], column: "risk_band", value: bands[i] ?? "", expected: .categorical)
            }
            var labels: [GroupSummary.Kind: String] = [:]
            for (kind, column, values) in groups {
                guard let value = values[i]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { continue }
                if kind == .branch && !Self.isMaskedBranchRef(value) {
                    guard let pseudonymizer else { throw RiskError.unmaskedLabel(file: file, line: table.lines[i], column: column) }
                    labels[kind] = pseudonymizer.pseudonym(for: value, kind: .branch).displayRef
                } else {
                    labels[kind] = value
                }
            }
            var id: String?
            if let ids {
                guard let value = ids[i], !value.isEmpty else { throw RiskError.missingClient(file: file, line: table.lines[i], column: idColumn ?? "") }
                guard seen.insert(value).inserted else { throw RiskError.duplicateClient(file: file, line: table.lines[i], column: idColumn ?? "") }
                // With the collector's key the id becomes the client's pseudonym, the id store releases use.
                id = pseudonymizer.map { $0.pseudonym(for: value, kind: .client).hex } ?? value
            }
            rows.append(PortfolioClient(groups: labels, score: s, band: b, level: levels?[i].flatMap { HeatLevel(rawValue: $0.lowercased()) }, id: id))
        }
        return rows
    }
}
