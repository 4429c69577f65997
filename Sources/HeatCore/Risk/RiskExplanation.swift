import Foundation
import HeatML

/// Why one client got their risk score (`heatctl risk explain`): the score, band and calibrated
/// probability, the base value, and every input column's contribution, largest first, phrased
/// for a person. The base margin plus all contributions equals the client's margin.
///
/// The client is named by their masked reference (`C-` and hex digits, as `heatctl clients`
/// shows it), found by pseudonymising the data's id column with the collector's key; the raw id
/// never appears in the explanation or in an error.
///
/// ```swift
/// let row = try RiskExplanation.row(of: "C-7f3a9c2e", ids: ids, pseudonymizer: pseudonymizer, file: "clients.csv")
/// let explanation = try RiskExplanation(scorer: scorer, table: table, row: row, ref: "C-7f3a9c2e")
/// explanation.reasons.first?.text   // "only 2 months as a customer: +18"
/// ```
public struct RiskExplanation: Sendable, Equatable, Codable {
    /// The client's masked reference (as given), or `row N` when chosen by row.
    public var ref: String
    /// The client's assessment (probability, score, band, margin).
    public var probability: Double
    /// The 0-100 score.
    public var score: Int
    /// The band.
    public var band: RiskBand
    /// The client's margin (log-odds).
    public var margin: Double
    /// The model's base value (expected margin).
    public var baseMargin: Double
    /// The score of the base value (before rounding).
    public var baseScore: Double
    /// Every input column's contribution, largest |log-odds| first.
    public var reasons: [RiskReason]

    /// Explains one row of a table.
    ///
    /// - Parameters:
    ///   - scorer: the scorer (model, bands, phrasing).
    ///   - table: the data, read with the model's pipeline.
    ///   - row: the 0-based row.
    ///   - ref: how to name the client in the explanation.
    /// - Throws: ``RiskError/scoring(reason:)`` when the model cannot read the table.
    public init(scorer: RiskScorer, table: DataTable, row: Int, ref: String) throws(RiskError) {
        let one = table.selectingRows([row])
        let result = try scorer.score(one, reasons: Int.max / 2)
        guard let assessment = result.rows.first else { throw .scoring(reason: "the table has no row \(row + 1)") }
        self.ref = ref
        self.probability = assessment.probability
        self.score = assessment.score
        self.band = assessment.band
        self.margin = assessment.margin
        self.baseMargin = result.baseMargin
        self.baseScore = result.baseScore
        self.reasons = assessment.reasons
    }

    /// The row of the client with a masked reference.
    ///
    /// - Parameters:
    ///   - ref: `C-` and at least 8 hex digits (a longer prefix of the pseudonym tells apart
    ///     clients whose first 8 digits collide).
    ///   - ids: the data's id column (raw ids).
    ///   - pseudonymizer: the collector's pseudonymizer.
    ///   - file: the data file's name, for errors.
    /// - Returns: the 0-based row.
    /// - Throws: ``RiskError/unknownClient(file:ref:)`` when no row matches or the reference is
    ///   malformed, ``RiskError/ambiguousClient(file:ref:matches:)`` when several do (exit 65).
    public static func row(of ref: String, ids: [String?], pseudonymizer: Pseudonymizer, file: String) throws(RiskError) -> Int {
        let digits = ref.hasPrefix("C-") ? String(ref.dropFirst(2)).lowercased() : ""
        guard digits.count >= 8, digits.count <= 64, digits.allSatisfy(\.isHexDigit) else { throw .unknownClient(file: file, ref: ref) }
        var matches: [Int] = []
        for (index, id) in ids.enumerated() {
            guard let id, !id.isEmpty else { continue }
            if pseudonymizer.pseudonym(for: id, kind: .client).hex.hasPrefix(digits) { matches.append(index) }
        }
        guard let first = matches.first else { throw .unknownClient(file: file, ref: ref) }
        guard matches.count == 1 else { throw .ambiguousClient(file: file, ref: ref, matches: matches.count) }
        return first
    }
}
