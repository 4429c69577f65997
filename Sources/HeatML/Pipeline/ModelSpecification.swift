/// Which estimator a pipeline uses, with its hyper-parameters (and, once fitted, its state).
///
/// The preprocessing follows the estimator: linear models get median imputation and standard
/// scaling of numeric features; trees get median imputation only (unscaled), as the reference
/// protocol. Categorical features are one-hot encoded for both.
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
        case .gbdt: ColumnTransformer.Options(scaleNumeric: false, imputeNumeric: true)
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
        switch self {
        case var .logistic(model):
            try model.fit(x, labels: labels)
            return .logistic(model)
        case var .gbdt(model):
            try model.fit(x, labels: labels)
            return .gbdt(model)
        }
    }
}
