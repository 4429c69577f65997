/// Which estimator a pipeline uses, with its hyper-parameters (and, once fitted, its state).
///
/// The preprocessing follows the estimator: linear models get median imputation and standard
/// scaling of numeric features and most-frequent imputation of categorical ones; boosted trees
/// get no imputation at all (missing values reach the trees, which learn where they go, as
/// XGBoost does) and no scaling. Categorical features are one-hot encoded for both.
///
/// ```swift
/// let spec = ModelSpecification.gbdt(GradientBoostedTrees(rounds: 100, maxDepth: 4))
/// ```
public enum ModelSpecification: Sendable, Codable, Equatable {
    /// L2 logistic regression.
    case logistic(LogisticRegression)
    /// Gradient-boosted trees.
    case gbdt(GradientBoostedTrees)

    /// The short name used on the command line and in results (`logistic` or `gbdt`).
    public var kind: String {
        switch self {
        case .logistic: "logistic"
        case .gbdt: "gbdt"
        }
    }

    /// The preprocessing this estimator expects.
    public var preprocessing: ColumnTransformer.Options {
        switch self {
        case .logistic: ColumnTransformer.Options(scaleNumeric: true, imputeNumeric: true)
        case .gbdt: ColumnTransformer.Options(scaleNumeric: false, imputeNumeric: false, imputeCategorical: false)
        }
    }

    /// The estimator as a ``Classifier``.
    public var classifier: any Classifier {
        switch self {
        case let .logistic(model): model
        case let .gbdt(model): model
        }
    }

    /// Fits the estimator and returns the fitted specification.
    ///
    /// - Parameters:
    ///   - x: the training features.
    ///   - labels: 0 / 1 per row.
    /// - Returns: the same kind of specification holding the fitted model.
    /// - Throws: the estimator's fit errors.
    public func fitted(_ x: Matrix, labels: [Int]) throws(HeatMLError) -> ModelSpecification {
        try fitted(x, labels: labels, validation: nil)
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
    public func fitted(_ x: Matrix, labels: [Int], validation: (x: Matrix, labels: [Int])?) throws(HeatMLError) -> ModelSpecification {
        switch self {
        case var .logistic(model):
            try model.fit(x, labels: labels)
            return .logistic(model)
        case var .gbdt(model):
            try model.fit(x, labels: labels, weights: nil, validation: validation)
            return .gbdt(model)
        }
    }
}
