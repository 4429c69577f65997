import Foundation

/// The headline metrics of a binary classifier on one set of rows (camelCase in JSON, as the
/// results document).
///
/// ```swift
/// let summary = try MetricSummary(labels: y, probabilities: p, threshold: 0.5)
/// print(summary.rocAuc, summary.prAuc)
/// ```
public struct MetricSummary: Sendable, Codable, Equatable {
    /// ROC-AUC (``rocAUC(labels:scores:)``).
    public var rocAuc: Double
    /// PR-AUC as average precision (``averagePrecision(labels:scores:)``).
    public var prAuc: Double
    /// Mean log loss (``logLoss(labels:probabilities:)``).
    public var logLoss: Double
    /// Accuracy at the threshold.
    public var accuracy: Double
    /// F1 at the threshold.
    public var f1: Double
    /// Precision at the threshold.
    public var precision: Double
    /// Recall at the threshold.
    public var recall: Double

    /// Creates a summary from values.
    ///
    /// - Parameters:
    ///   - rocAuc: ROC-AUC.
    ///   - prAuc: average precision.
    ///   - logLoss: log loss.
    ///   - accuracy: accuracy.
    ///   - f1: F1.
    ///   - precision: precision.
    ///   - recall: recall.
    public init(rocAuc: Double, prAuc: Double, logLoss: Double, accuracy: Double, f1: Double, precision: Double, recall: Double) {
        self.rocAuc = rocAuc
        self.prAuc = prAuc
        self.logLoss = logLoss
        self.accuracy = accuracy
        self.f1 = f1
        self.precision = precision
        self.recall = recall
    }

    /// Computes every metric.
    ///
    /// - Parameters:
    ///   - labels: 0 / 1 per row (both classes present).
    ///   - probabilities: the positive-class probability per row.
    ///   - threshold: the decision threshold for accuracy, F1, precision and recall (default 0.5).
    /// - Throws: the errors of the metric functions (single class, shapes).
    public init(labels: [Int], probabilities: [Double], threshold: Double = 0.5) throws(HeatMLError) {
        let cm = try confusionMatrix(labels: labels, scores: probabilities, threshold: threshold)
        self.init(
            rocAuc: try rocAUC(labels: labels, scores: probabilities),
            prAuc: try averagePrecision(labels: labels, scores: probabilities),
            logLoss: try meanLogLoss(labels: labels, probabilities: probabilities),
            accuracy: cm.accuracy, f1: cm.f1, precision: cm.precision, recall: cm.recall)
    }

    private var all: [Double] { [rocAuc, prAuc, logLoss, accuracy, f1, precision, recall] }

    private init(_ values: [Double]) {
        self.init(rocAuc: values[0], prAuc: values[1], logLoss: values[2], accuracy: values[3], f1: values[4], precision: values[5], recall: values[6])
    }

    /// The per-metric mean of several summaries.
    ///
    /// - Parameter summaries: at least one summary.
    /// - Returns: the means (all zero for an empty list).
    public static func mean(of summaries: [MetricSummary]) -> MetricSummary {
        let n = Double(max(summaries.count, 1))
        return MetricSummary((0..<7).map { i in summaries.reduce(0) { $0 + $1.all[i] } / n })
    }

    /// The per-metric population standard deviation (ddof 0, as the reference) of several summaries.
    ///
    /// - Parameter summaries: at least one summary.
    /// - Returns: the standard deviations.
    public static func standardDeviation(of summaries: [MetricSummary]) -> MetricSummary {
        let mean = Self.mean(of: summaries).all
        let n = Double(max(summaries.count, 1))
        return MetricSummary((0..<7).map { i in (summaries.reduce(0) { $0 + ($1.all[i] - mean[i]) * ($1.all[i] - mean[i]) } / n).squareRoot() })
    }
}
