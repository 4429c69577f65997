import Foundation

/// A fitted probability calibration: Platt scaling or isotonic regression on a model's margins.
///
/// ```swift
/// let choice = try ProbabilityCalibrator.choose(margins: m, labels: y, folds: innerFolds)
/// let p = choice.calibrator.probability(margin: 1.2)
/// ```
public enum ProbabilityCalibrator: Sendable, Codable, Equatable {
    /// Platt scaling.
    case platt(PlattScaling)
    /// Isotonic regression.
    case isotonic(IsotonicCalibration)

    /// The calibration method, for choosing and reporting.
    public enum Method: String, Sendable, Codable, Equatable, CaseIterable {
        /// Platt scaling (``PlattScaling``).
        case platt
        /// Isotonic regression (``IsotonicCalibration``).
        case isotonic
    }

    /// The method of this calibrator.
    public var method: Method {
        switch self {
        case .platt: .platt
        case .isotonic: .isotonic
        }
    }

    /// The calibrated probability of a margin.
    ///
    /// - Parameter margin: the model's log-odds.
    /// - Returns: the calibrated probability.
    public func probability(margin: Double) -> Double {
        switch self {
        case let .platt(platt): platt.probability(margin: margin)
        case let .isotonic(isotonic): isotonic.probability(margin: margin)
        }
    }

    /// Fits one method.
    ///
    /// - Parameters:
    ///   - method: the method.
    ///   - margins: the model's (out-of-fold) margins.
    ///   - labels: 0 / 1 labels.
    /// - Returns: the fitted calibrator.
    /// - Throws: ``HeatMLError/shapeMismatch(context:expected:found:)`` for different lengths.
    public static func fit(_ method: Method, margins: [Double], labels: [Int]) throws(HeatMLError) -> ProbabilityCalibrator {
        switch method {
        case .platt: .platt(try PlattScaling.fit(margins: margins, labels: labels))
        case .isotonic: .isotonic(try IsotonicCalibration.fit(margins: margins, labels: labels))
        }
    }

    /// The outcome of ``choose(margins:labels:folds:methods:)``.
    public struct Choice: Sendable, Equatable {
        /// The chosen calibrator, fitted on all the margins given.
        public var calibrator: ProbabilityCalibrator
        /// The cross-validated log loss of each method tried.
        public var crossValidatedLogLoss: [Method: Double]
    }

    /// Chooses the method with the lower cross-validated log loss and fits it on all rows.
    ///
    /// For each fold, each method is fitted on the other folds' margins and scored (log loss) on
    /// the fold's; the pooled log loss decides (ties: Platt, the smoother). The margins should
    /// themselves be out-of-fold margins of the model, so that the calibrator never sees a
    /// margin the model was trained on.
    ///
    /// - Parameters:
    ///   - margins: out-of-fold margins.
    ///   - labels: 0 / 1 labels.
    ///   - folds: the fold of every row (at least two distinct values).
    ///   - methods: the candidates (default both).
    /// - Returns: the chosen, fitted calibrator and every method's log loss.
    /// - Throws: ``HeatMLError/badFolds(source:reason:)`` for fewer than two folds or a length mismatch.
    public static func choose(margins: [Double], labels: [Int], folds: [Int], methods: [Method] = Method.allCases) throws(HeatMLError) -> Choice {
        let distinct = Array(Set(folds)).sorted()
        guard folds.count == margins.count, margins.count == labels.count, distinct.count >= 2, !methods.isEmpty else {
            throw .badFolds(source: "calibration", reason: "\(folds.count) fold indices for \(margins.count) margins, \(distinct.count) distinct (need at least two)")
        }
        var losses: [Method: Double] = [:]
        for method in methods {
            let predictions = try CrossValidation.outOfFold(folds: folds, placeholder: 0.5) {
                (_: Int, train: [Int], test: [Int]) throws(HeatMLError) -> [Double] in
                let calibrator = try fit(method, margins: train.map { margins[$0] }, labels: train.map { labels[$0] })
                return test.map { calibrator.probability(margin: margins[$0]) }
            }
            losses[method] = try logLoss(labels: labels, probabilities: predictions)
        }
        let best = methods.min { (losses[$0] ?? .infinity) < (losses[$1] ?? .infinity) } ?? .platt
        return Choice(calibrator: try fit(best, margins: margins, labels: labels), crossValidatedLogLoss: losses)
    }
}
