import Foundation
import HeatML

/// The calibration of a risk model in a results document (`riskModel`, issue 19): the
/// calibration method, the out-of-fold Brier score and log loss before and after calibration, and
/// the reliability table (mean predicted probability against the observed rate per bin), so that
/// a reader can see that "70" means what it says. Bins with fewer rows than the policy's `k` are
/// withheld (their observed rate would describe a handful of clients).
///
/// ```swift
/// let section = try RiskModelSection(model: try CalibratedModel.load(from: url), source: "churn.risk", minGroupSize: 5)
/// document.riskModel = section
/// ```
public struct RiskModelSection: Sendable, Codable, Equatable {
    /// One row of the reliability table.
    public struct ReliabilityRow: Sendable, Codable, Equatable {
        /// The bin's lower edge (probability).
        public var lower: Double
        /// The bin's upper edge.
        public var upper: Double
        /// Out-of-fold rows in the bin.
        public var rows: Int
        /// Mean calibrated probability of those rows.
        public var meanPredicted: Double
        /// Share of those rows that were positive.
        public var observedRate: Double
    }

    /// The model file's name.
    public var source: String
    /// The calibration method of the final model (`platt` or `isotonic`).
    public var calibration: String
    /// The method each outer fold chose.
    public var methodPerFold: [String]
    /// Out-of-fold Brier score, calibrated.
    public var brier: Double
    /// Out-of-fold log loss, calibrated.
    public var logLoss: Double
    /// Out-of-fold Brier score before calibration.
    public var uncalibratedBrier: Double
    /// Out-of-fold log loss before calibration.
    public var uncalibratedLogLoss: Double
    /// Out-of-fold rows evaluated.
    public var rows: Int
    /// The released reliability bins (at least `k` rows each), ascending.
    public var reliability: [ReliabilityRow]
    /// Non-empty bins withheld for having fewer than `k` rows.
    public var withheldBins: Int

    /// The section of a fitted model.
    ///
    /// - Parameters:
    ///   - model: a model fitted with its nested evaluation (`risk fit` without `--no-evaluate`).
    ///   - source: the model file's name.
    ///   - minGroupSize: the policy's `k`: bins with fewer rows are withheld.
    /// - Throws: ``RiskError/scoring(reason:)`` when the model carries no evaluation.
    public init(model: CalibratedModel, source: String, minGroupSize: Int) throws(RiskError) {
        guard let evaluation = model.evaluation else {
            throw .scoring(reason: "\(source) carries no out-of-fold evaluation: refit it with `heatctl risk fit` without --no-evaluate")
        }
        self.source = source
        self.calibration = model.calibrator.method.rawValue
        self.methodPerFold = evaluation.methodPerFold
        self.brier = evaluation.brier
        self.logLoss = evaluation.logLoss
        self.uncalibratedBrier = evaluation.uncalibratedBrier
        self.uncalibratedLogLoss = evaluation.uncalibratedLogLoss
        self.rows = evaluation.reliability.reduce(0) { $0 + $1.count }
        let bins = evaluation.reliability.filter { $0.count > 0 }
        let released = bins.filter { $0.count >= minGroupSize }.map {
            ReliabilityRow(lower: $0.lower, upper: $0.upper, rows: $0.count, meanPredicted: $0.meanPredicted, observedRate: $0.observedRate)
        }
        self.reliability = released
        self.withheldBins = bins.count - released.count
    }

    /// The section narrowed to a larger `k` (a stricter report policy).
    ///
    /// - Parameter k: the new minimum rows per bin.
    /// - Returns: the section with smaller bins withheld.
    public func narrowed(to k: Int) -> RiskModelSection {
        var copy = self
        copy.reliability = reliability.filter { $0.rows >= k }
        copy.withheldBins += reliability.count - copy.reliability.count
        return copy
    }
}
