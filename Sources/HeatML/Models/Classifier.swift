import Foundation

/// The shape every HeatML binary classifier shares, after scikit-learn's `ClassifierMixin` and
/// XGBoost's objective registry: its kind (the ``ModelSpecification`` tag it is saved under),
/// the preprocessing it expects, fitting, prediction (probabilities and margins) and explanation
/// (per-row feature contributions).
///
/// A classifier is fitted by a static `fit` (``LogisticRegression/fit(_:labels:c:classWeight:maxIterations:tolerance:)``,
/// ``GradientBoostedTrees/fit(_:labels:weights:validation:parameters:)``) or by
/// ``fitted(to:labels:validation:)`` on a value holding only hyper-parameters, so code written
/// against the protocol never sees an unfitted model. Labels are 0 (negative) and 1 (positive);
/// probabilities are of the positive class and margins are its log-odds.
///
/// ```swift
/// func churnRisk<C: Classifier>(_ hyperparameters: C, _ x: Matrix, _ y: [Int]) throws(HeatMLError) -> [Double] {
///     let model = try hyperparameters.fitted(to: x, labels: y)
///     let explanation = try model.explain(x, featureNames: names)   // margins = base + contributions
///     return try model.predictProbabilities(x)
/// }
/// let linear = try churnRisk(LogisticRegression(c: 1), x, y)
/// let boosted = try churnRisk(GradientBoostedTrees(rounds: 50, maxDepth: 3), x, y)
/// ```
public protocol Classifier: Sendable, Codable {
    /// The kind this classifier is saved and loaded under (``ModelSpecification/Kind``).
    static var kind: ModelSpecification.Kind { get }

    /// The preprocessing this classifier expects from a ``ColumnTransformer`` (scaling and
    /// imputation for linear models; none for trees, which route missing values themselves).
    static var preprocessing: ColumnTransformer.Options { get }

    /// This classifier wrapped in the tag used to save and load it.
    var specification: ModelSpecification { get }

    /// A copy of these hyper-parameters fitted to training rows.
    ///
    /// - Parameters:
    ///   - x: the features, one row per sample (`.nan` allowed only where the model says so).
    ///   - labels: 0 or 1 per row, both classes present.
    ///   - validation: held-out features and labels for early stopping (used by
    ///     ``GradientBoostedTrees`` with ``GradientBoostedTrees/earlyStoppingRounds``; ignored by
    ///     models without early stopping), or `nil`.
    /// - Returns: the fitted classifier.
    /// - Throws: ``HeatMLError`` for mismatched shapes, a single class, or invalid hyper-parameters.
    func fitted(to x: Matrix, labels: [Int], validation: (x: Matrix, labels: [Int])?) throws(HeatMLError) -> Self

    /// The margin (log-odds of the positive class) per row.
    ///
    /// - Parameter x: features with the column count seen at fit time.
    /// - Returns: one margin per row.
    /// - Throws: ``HeatMLError/shapeMismatch(context:expected:found:)`` if the model is not fitted
    ///   or the columns do not match.
    func predictMargins(_ x: Matrix) throws(HeatMLError) -> [Double]

    /// The probability of the positive class per row.
    ///
    /// - Parameter x: features with the column count seen at fit time.
    /// - Returns: one probability in [0, 1] per row.
    /// - Throws: as ``predictMargins(_:)``.
    func predictProbabilities(_ x: Matrix) throws(HeatMLError) -> [Double]

    /// Per-row feature contributions to the margin: for every row, `expectedValue` plus the
    /// row's contributions equals ``predictMargins(_:)`` up to rounding (see ``Explanation``
    /// for each model's definition).
    ///
    /// - Parameter x: features with the column count seen at fit time.
    /// - Returns: the base value and one contribution array per row.
    /// - Throws: as ``predictMargins(_:)``.
    func contributions(_ x: Matrix) throws(HeatMLError) -> (expectedValue: Double, rows: [[Double]])

    /// The importance of each feature (non-negative, summing to 1 when any is non-zero).
    var featureImportances: [Double] { get }

    /// Checks a decoded model before use: fitted, `featureCount` features, finite parameters
    /// and (for trees) well-formed trees.
    ///
    /// - Parameters:
    ///   - featureCount: the feature count the preprocessing makes.
    ///   - source: the file name for messages.
    /// - Throws: ``HeatMLError/badModel(source:reason:)`` naming what is wrong.
    func validate(featureCount: Int, source: String) throws(HeatMLError)
}

extension Classifier {
    /// The kind this classifier is saved under (``Classifier/kind``).
    public var kind: ModelSpecification.Kind { Self.kind }

    /// The preprocessing this classifier expects (``Classifier/preprocessing``).
    public var preprocessing: ColumnTransformer.Options { Self.preprocessing }

    /// A copy of these hyper-parameters fitted to training rows, without a validation set.
    ///
    /// ```swift
    /// let model = try LogisticRegression(c: 0.5).fitted(to: x, labels: y)
    /// ```
    ///
    /// - Parameters:
    ///   - x: the training features.
    ///   - labels: 0 or 1 per row.
    /// - Returns: the fitted classifier.
    /// - Throws: as ``fitted(to:labels:validation:)``.
    public func fitted(to x: Matrix, labels: [Int]) throws(HeatMLError) -> Self {
        try fitted(to: x, labels: labels, validation: nil)
    }

    /// The predicted class per row: 1 where the probability is at least `threshold`.
    ///
    /// - Parameters:
    ///   - x: features.
    ///   - threshold: the decision threshold (default 0.5).
    /// - Returns: 0 or 1 per row.
    /// - Throws: as ``predictProbabilities(_:)``.
    public func predict(_ x: Matrix, threshold: Double = 0.5) throws(HeatMLError) -> [Int] {
        try predictProbabilities(x).map { $0 >= threshold ? 1 : 0 }
    }

    /// Explains every row: the named per-feature contributions with the margins they add up to.
    ///
    /// ```swift
    /// let explanation = try model.explain(x, featureNames: transformer.featureNames)
    /// let top = explanation.largest(3, row: 0)
    /// ```
    ///
    /// - Parameters:
    ///   - x: features with the column count seen at fit time.
    ///   - featureNames: one name per column (missing names show as `feature_<index>`).
    /// - Returns: the explanation, rows in matrix order.
    /// - Throws: as ``contributions(_:)``.
    public func explain(_ x: Matrix, featureNames: [String]) throws(HeatMLError) -> Explanation {
        let (base, rows) = try contributions(x)
        return Explanation(featureNames: featureNames, expectedValue: base, contributions: rows, margins: try predictMargins(x))
    }
}

/// Checks shared by every `fit`: shapes agree, labels are 0 / 1 and both classes occur.
func validateTrainingData(_ x: Matrix, labels: [Int], model: String) throws(HeatMLError) {
    try validateTrainingData(rows: x.rows, labels: labels, model: model)
}

/// ``validateTrainingData(_:labels:model:)`` for `rows` rows of features of any storage.
func validateTrainingData(rows: Int, labels: [Int], model: String) throws(HeatMLError) {
    guard rows == labels.count else {
        throw .shapeMismatch(context: "\(model).fit labels", expected: "\(rows) labels (one per row)", found: "\(labels.count)")
    }
    guard rows > 0 else { throw .emptyTable(source: "\(model).fit") }
    if let bad = labels.first(where: { $0 != 0 && $0 != 1 }) {
        throw .invalidParameter(name: "labels", value: "\(bad)", reason: "labels must be 0 or 1")
    }
    let positives = labels.reduce(0, +)
    if positives == 0 || positives == labels.count {
        throw .singleClass(context: "\(model).fit", label: "\(labels[0])")
    }
}

/// The logistic function, computed without overflow.
func sigmoid(_ z: Double) -> Double {
    if z >= 0 { return 1 / (1 + exp(-z)) }
    let e = exp(z)
    return e / (1 + e)
}
