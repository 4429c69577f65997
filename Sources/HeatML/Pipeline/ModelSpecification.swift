/// The tag a pipeline's estimator is saved and loaded under: which ``Classifier`` it is, holding
/// its hyper-parameters (and, once fitted, its state).
///
/// Everything an estimator does lives on the ``Classifier`` itself (its kind, preprocessing,
/// fitting, prediction and explanation); this enum only names the concrete type so a saved
/// pipeline can be decoded, and unwraps it (``classifier``) or wraps one (``init(_:)``).
///
/// ```swift
/// let spec = ModelSpecification(GradientBoostedTrees(rounds: 100, maxDepth: 4))   // .gbdt(...)
/// let model = try spec.classifier.fitted(to: x, labels: y).specification
/// ```
public enum ModelSpecification: Sendable, Codable, Equatable {
    /// L2 logistic regression.
    case logistic(LogisticRegression)
    /// Gradient-boosted trees.
    case gbdt(GradientBoostedTrees)

    /// The kinds of classifier a pipeline can hold; the raw value is the name used on the command
    /// line (`--model`) and in results.
    public enum Kind: String, Sendable, Codable, Equatable, CaseIterable {
        /// ``LogisticRegression``.
        case logistic
        /// ``GradientBoostedTrees``.
        case gbdt
    }

    /// Wraps a classifier in its tag.
    ///
    /// - Parameter classifier: a logistic regression or boosted trees, fitted or not.
    public init(_ classifier: some Classifier) {
        self = classifier.specification
    }

    /// The estimator as a ``Classifier``.
    public var classifier: any Classifier {
        switch self {
        case let .logistic(model): model
        case let .gbdt(model): model
        }
    }

    /// The short name used on the command line and in results (`logistic` or `gbdt`): the raw
    /// value of the classifier's ``Classifier/kind``.
    public var kind: String { classifier.kind.rawValue }

    /// The preprocessing this estimator expects.
    @available(*, deprecated, message: "use the classifier's own preprocessing: `specification.classifier.preprocessing` or `LogisticRegression.preprocessing`")
    public var preprocessing: ColumnTransformer.Options { classifier.preprocessing }

    /// Fits the estimator and returns the fitted specification.
    ///
    /// - Parameters:
    ///   - x: the training features.
    ///   - labels: 0 / 1 per row.
    /// - Returns: the same kind of specification holding the fitted model.
    /// - Throws: the estimator's fit errors.
    @available(*, deprecated, message: "fit the classifier itself: `specification.classifier.fitted(to:labels:).specification`")
    public func fitted(_ x: Matrix, labels: [Int]) throws(HeatMLError) -> ModelSpecification {
        try classifier.fitted(to: x, labels: labels, validation: nil).specification
    }

    /// Fits the estimator, with a validation set for the boosted trees' early stopping.
    ///
    /// - Parameters:
    ///   - x: the training features.
    ///   - labels: 0 / 1 per row.
    ///   - validation: validation features and labels (used by ``GradientBoostedTrees`` with
    ///     early stopping; ignored by logistic regression).
    /// - Returns: the same kind of specification holding the fitted model.
    /// - Throws: the estimator's fit errors.
    @available(*, deprecated, message: "fit the classifier itself: `specification.classifier.fitted(to:labels:validation:).specification`")
    public func fitted(_ x: Matrix, labels: [Int], validation: (x: Matrix, labels: [Int])?) throws(HeatMLError) -> ModelSpecification {
        try classifier.fitted(to: x, labels: labels, validation: validation).specification
    }
}
