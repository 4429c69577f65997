import Foundation
import HeatML

/// A transparent churn-risk model on heat features, evaluated out of fold, that fills the
/// results document's ``ModelSection``.
///
/// Logistic regression (HeatML, `C` = 1) on four features of each client's ``HeatScore``:
/// `log(1 + heat)`, the trend relative to heat (`trend / (heat + 1)`, clipped to [-4, 4]), the cooling
/// flag and the level (0 cold ... 3 hot). Every feature is standardised with the mean and standard
/// deviation of the training fold. Metrics, curves, the confusion matrix and the calibration table
/// come from out-of-fold probabilities of a stratified k-fold cross-validation, so they estimate
/// performance on clients the model has not seen; importances are the absolute standardised
/// coefficients of a model fitted on every client.
///
/// ```swift
/// let labels = Dictionary(uniqueKeysWithValues: dataset.labels.map { ($0.clientID, $0.churned) })
/// document.model = try ChurnRiskModel().evaluate(scores: run.scores, churned: labels)
/// ```
public struct ChurnRiskModel: Sendable {
    /// The feature names, in the order of ``features(of:)``.
    public static let featureNames = ["log(1 + heat)", "trend / heat", "cooling", "level"]

    /// The number of cross-validation folds (default 5).
    public var folds: Int
    /// The seed of the stratified fold assignment (default 42).
    public var seed: UInt64
    /// The inverse regularisation strength, as scikit-learn's `C` (default 1).
    public var c: Double

    /// Creates a model specification.
    ///
    /// - Parameters:
    ///   - folds: cross-validation folds (at least 2).
    ///   - seed: the fold assignment's seed.
    ///   - c: the logistic regression's `C`.
    public init(folds: Int = 5, seed: UInt64 = 42, c: Double = 1) {
        self.folds = folds
        self.seed = seed
        self.c = c
    }

    /// The model's features of one client.
    ///
    /// - Parameter score: the client's heat score.
    /// - Returns: the values of ``featureNames``, unscaled.
    public static func features(of score: HeatScore) -> [Double] {
        let heat = Double(max(score.heat, 0))
        let relativeTrend = min(max(Double(score.trend) / (heat + 1), -4), 4)
        let level = Double(HeatLevel.allCases.firstIndex(of: score.level) ?? 0)
        return [log1p(heat), relativeTrend, score.cooling ? 1 : 0, level]
    }

    /// Evaluates the model on scored clients with known outcomes.
    ///
    /// - Parameters:
    ///   - scores: the clients' heat scores; clients without a label are left out.
    ///   - churned: whether each client (by id) churned.
    /// - Returns: the model section: kind `logistic-churn-risk`, metrics (`rocAuc`, `prAuc`, `logLoss`,
    ///   `accuracy`, `f1`, `precision`, `recall`), ROC and PR curves, confusion matrix, calibration, importances.
    /// - Throws: ``HeatMLError/invalidParameter(name:value:reason:)`` when fewer than ``folds`` clients of
    ///   each class have labels, or the ``HeatMLError`` of a failed fit.
    public func evaluate(scores: [HeatScore], churned: [String: Bool]) throws(HeatMLError) -> ModelSection {
        try evaluateWithRisks(scores: scores, churned: churned).section
    }

    /// Evaluates the model as ``evaluate(scores:churned:)`` and also returns each labelled
    /// client's out-of-fold churn risk: the probability from the fold's model that did not see
    /// the client, so it is an honest estimate to sort clients by.
    ///
    /// ```swift
    /// let (section, risks) = try ChurnRiskModel().evaluateWithRisks(scores: run.scores, churned: labels)
    /// document.clients = builder.clientRows(run.scores, churnRisk: risks)
    /// ```
    ///
    /// - Parameters:
    ///   - scores: the clients' heat scores; clients without a label are left out.
    ///   - churned: whether each client (by id) churned.
    /// - Returns: the model section and the churn risk per client id.
    /// - Throws: as ``evaluate(scores:churned:)``.
    public func evaluateWithRisks(
        scores: [HeatScore], churned: [String: Bool]
    ) throws(HeatMLError) -> (section: ModelSection, risks: [String: Double]) {
        let labelled = scores.filter { churned[$0.clientID] != nil }
        let rows = labelled.map(Self.features(of:))
        let labels = labelled.map { churned[$0.clientID] == true ? 1 : 0 }
        let positives = labels.reduce(0, +)
        guard positives >= folds, labels.count - positives >= folds else {
            throw .invalidParameter(
                name: "folds", value: "\(folds)",
                reason: "needs at least \(folds) churned and \(folds) retained labelled clients, found \(positives) and \(labels.count - positives)")
        }
        let assignment = try Folds.stratified(labels: labels, count: folds, seed: seed)
        let x = try Matrix(rows: rows)
        // Each fold standardises with its training rows' statistics, then fits the regression.
        let outOfFold = try CrossValidation.outOfFold(
            LogisticRegression(c: c), x: x, labels: labels, folds: assignment, preparing: CrossValidation.standardised
        ).probabilities
        let (scaled, _) = try CrossValidation.standardised(fold: 0, train: x, test: x)
        let full = try LogisticRegression.fit(scaled, labels: labels, c: c)
        let importances = zip(Self.featureNames, full.coefficients).map {
            FeatureImportance(feature: $0, value: abs($1))
        }.sorted { $0.value > $1.value }
        let report = try ModelReport(kind: "logistic-churn-risk", labels: labels, probabilities: outOfFold, importances: importances)
        var risks: [String: Double] = [:]
        for (score, risk) in zip(labelled, outOfFold) { risks[score.clientID] = risk }
        var section = ModelSection(report: report)
        section.metrics["baseRate"] = Double(positives) / Double(labels.count)
        return (section, risks)
    }
}

extension ModelSection {
    /// The results document's model section for a HeatML ``ModelReport``.
    ///
    /// - Parameter report: curves, confusion matrix, calibration and importances of a fitted model.
    public init(report: ModelReport) {
        let metrics = report.metrics
        self.init(
            kind: report.kind,
            metrics: [
                "rocAuc": metrics.rocAuc, "prAuc": metrics.prAuc, "logLoss": metrics.logLoss,
                "accuracy": metrics.accuracy, "f1": metrics.f1, "precision": metrics.precision, "recall": metrics.recall,
                "threshold": report.threshold,
            ],
            roc: report.roc, pr: report.pr, confusion: report.confusion,
            calibration: report.calibration.map {
                CalibrationRow(meanPredicted: $0.meanPredicted, observed: $0.observedRate, count: $0.count)
            },
            importances: report.importances)
    }
}
