import Foundation
import HeatML

/// One reason behind a risk score: an input column's contribution to the model's log-odds,
/// converted to score points and phrased for a person.
public struct RiskReason: Sendable, Equatable, Codable {
    /// The input column.
    public var column: String
    /// The row's value of the column (`missing` for an empty cell).
    public var value: String
    /// The contribution to the model's margin (log-odds): TreeSHAP for boosted trees, `w·(x − mean)` for logistic regression.
    public var logOdds: Double
    /// The contribution in score points (see ``RiskScorer`` for the conversion).
    public var points: Double
    /// The phrase, for example `only 2 months as a customer: +18`.
    public var text: String
}

/// The risk assessment of one row.
public struct RiskAssessment: Sendable, Equatable, Codable {
    /// The calibrated probability of the positive class.
    public var probability: Double
    /// The score, `round(100 × probability)`, 0-100.
    public var score: Int
    /// The band of the score.
    public var band: RiskBand
    /// The model's margin (log-odds) of the row: base value plus every column's contribution.
    public var margin: Double
    /// The top reasons, largest |contribution| first.
    public var reasons: [RiskReason]
}

/// Scores rows with a ``CalibratedModel``: calibrated probability, 0-100 score, band and the top
/// reasons phrased through a ``ReasonPhrasebook``.
///
/// Reasons are the model's exact per-column contributions to the margin (log-odds): path-dependent
/// TreeSHAP for boosted trees, linear contributions for logistic regression; the base value plus
/// all columns' contributions equals the margin. Points convert a contribution to the score scale
/// with the row's secant slope of the calibrated curve, `s = (P(m) − P(b)) / (m − b)` between the
/// base margin `b` and the row's margin `m` (the derivative when they coincide): a contribution
/// `φ` is worth `100 · s · φ` points, so all columns' points add up to the row's score minus the
/// base score (before rounding).
///
/// ```swift
/// let scorer = RiskScorer(model: model, bands: .standard, phrasebook: .plain)
/// let result = try scorer.score(table, reasons: 3)
/// print(result.rows[0].score, result.rows[0].band, result.rows[0].reasons.map(\.text))
/// ```
public struct RiskScorer: Sendable {
    /// The calibrated model.
    public var model: CalibratedModel
    /// The band thresholds.
    public var bands: RiskBands
    /// The reason phrasing.
    public var phrasebook: ReasonPhrasebook

    /// Creates a scorer.
    ///
    /// - Parameters:
    ///   - model: the calibrated model.
    ///   - bands: the band thresholds.
    ///   - phrasebook: the reason phrasing.
    public init(model: CalibratedModel, bands: RiskBands = .standard, phrasebook: ReasonPhrasebook = .plain) {
        self.model = model
        self.bands = bands
        self.phrasebook = phrasebook
    }

    /// The outcome of scoring a table.
    public struct Result: Sendable, Equatable {
        /// The base value (the model's expected margin).
        public var baseMargin: Double
        /// The score of the base margin.
        public var baseScore: Double
        /// One assessment per row, in table order.
        public var rows: [RiskAssessment]
        /// Every column's contribution of every row (log-odds), in ``columns`` order.
        public var contributions: [[Double]]
        /// The model's input columns.
        public var columns: [String]
    }

    /// Scores every row of a table.
    ///
    /// - Parameters:
    ///   - table: a table with the model's input columns (read with `model.pipeline.loadTable`).
    ///   - reasons: how many reasons per row (0 for none).
    /// - Returns: the assessments.
    /// - Throws: ``RiskError/scoring(reason:)`` when the model cannot read the table.
    public func score(_ table: DataTable, reasons count: Int = 3) throws(RiskError) -> Result {
        let explanation: ColumnExplanation
        do { explanation = try model.pipeline.explainByColumn(table) } catch { throw .scoring(reason: error.description) }
        let base = explanation.expectedValue
        let calibrator = model.calibrator
        let baseProbability = calibrator.probability(margin: base)
        var rows: [RiskAssessment] = []
        rows.reserveCapacity(table.rowCount)
        for row in 0..<table.rowCount {
            let contributions = explanation.contributions[row]
            let margin = base + contributions.reduce(0, +)
            let probability = calibrator.probability(margin: margin)
            let slope: Double
            if abs(margin - base) > 1e-9 {
                slope = (probability - baseProbability) / (margin - base)
            } else {
                slope = (calibrator.probability(margin: margin + 1e-4) - calibrator.probability(margin: margin - 1e-4)) / 2e-4
            }
            let score = min(100, max(0, Int((100 * probability).rounded())))
            let top = explanation.largest(count, row: row).map { item -> RiskReason in
                let points = 100 * slope * item.contribution
                let phrase = phrasebook.phrase(column: item.column, value: item.value, raises: item.contribution > 0)
                let rounded = Int(points.rounded())
                return RiskReason(column: item.column, value: item.value, logOdds: item.contribution, points: points,
                                  text: "\(phrase): \(rounded >= 0 ? "+" : "")\(rounded)")
            }
            rows.append(RiskAssessment(probability: probability, score: score, band: bands.band(for: score), margin: margin, reasons: top))
        }
        return Result(baseMargin: base, baseScore: 100 * baseProbability, rows: rows, contributions: explanation.contributions, columns: explanation.columns)
    }
}
