/// The plain-array description of a scored model that the results document's `model` section
/// holds (DESIGN.md section 7): metrics, ROC and PR points, confusion matrix, calibration and
/// importances. HeatCore maps it into its own types.
///
/// ```swift
/// let report = try ModelReport(kind: "gbdt", labels: y, probabilities: p,
///                              importances: pipeline.importances)
/// let json = try JSONEncoder().encode(report)
/// ```
public struct ModelReport: Sendable, Codable, Equatable {
    /// The rows a report's metrics were computed on.
    public enum EvaluationSource: String, Sendable, Codable, Equatable {
        /// Out-of-fold predictions of a cross-validation (an honest estimate).
        case crossValidation
        /// The rows the model was fitted on (optimistic: not an estimate of new data).
        case training
        /// Labelled rows the model did not see (`ml evaluate` on another file).
        case holdout
    }

    /// What the metrics were computed on (`nil` in reports written before it was recorded).
    public var evaluatedOn: EvaluationSource?
    /// The estimator kind (`logistic`, `gbdt`).
    public var kind: String
    /// The headline metrics.
    public var metrics: MetricSummary
    /// ROC points as `[falsePositiveRate, truePositiveRate]`.
    public var roc: [[Double]]
    /// Precision-recall points as `[recall, precision]`.
    public var pr: [[Double]]
    /// The confusion matrix at the threshold, `[[tn, fp], [fn, tp]]`.
    public var confusion: [[Int]]
    /// The calibration table (10 equal-width bins).
    public var calibration: [CalibrationBin]
    /// Feature importances, largest first.
    public var importances: [FeatureImportance]
    /// The decision threshold used for the confusion matrix and threshold metrics.
    public var threshold: Double

    /// Scores predictions and gathers the report.
    ///
    /// Curves are thinned to at most `maxCurvePoints` points (evenly spaced by index, first and last
    /// kept) so documents stay small.
    ///
    /// - Parameters:
    ///   - kind: the estimator kind.
    ///   - labels: 0 / 1 per row.
    ///   - probabilities: positive-class probability per row.
    ///   - importances: feature importances.
    ///   - threshold: the decision threshold (default 0.5).
    ///   - maxCurvePoints: the curve size limit (default 201).
    ///   - evaluatedOn: the rows the metrics come from (default `nil`: not stated).
    /// - Throws: metric errors (single class, shapes).
    public init(kind: String, labels: [Int], probabilities: [Double], importances: [FeatureImportance], threshold: Double = 0.5, maxCurvePoints: Int = 201, evaluatedOn: EvaluationSource? = nil) throws(HeatMLError) {
        self.kind = kind
        self.evaluatedOn = evaluatedOn
        self.threshold = threshold
        metrics = try MetricSummary(labels: labels, probabilities: probabilities, threshold: threshold)
        roc = Self.thin(try rocCurve(labels: labels, scores: probabilities), to: maxCurvePoints).map { [$0.x, $0.y] }
        pr = Self.thin(try precisionRecallCurve(labels: labels, scores: probabilities), to: maxCurvePoints).map { [$0.x, $0.y] }
        confusion = try confusionMatrix(labels: labels, scores: probabilities, threshold: threshold).rows
        calibration = try calibrationTable(labels: labels, probabilities: probabilities, bins: 10)
        self.importances = importances
    }

    private static func thin(_ points: [CurvePoint], to limit: Int) -> [CurvePoint] {
        guard limit >= 2, points.count > limit else { return points }
        let step = Double(points.count - 1) / Double(limit - 1)
        return (0..<limit).map { points[Int((Double($0) * step).rounded())] }
    }
}
