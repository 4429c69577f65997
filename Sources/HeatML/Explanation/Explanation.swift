/// Per-row feature contributions of a binary classifier on the log-odds (margin) scale.
///
/// For every row, `expectedValue + contributions[row].sum() == margins[row]` (up to rounding),
/// where the margin is the model's log-odds of the positive class:
///
/// - ``LogisticRegression``: contribution of feature j = `w_j * (x_j - mean_j)` with `x_j` the
///   value after preprocessing and `mean_j` its training mean, and `expectedValue` the margin of
///   the mean training row (shap's `LinearExplainer`): contributions are relative to the mean
///   row. A one-hot feature contributes `w_j * (1 - share)` when the row has that category and
///   `-w_j * share` otherwise, `share` being the category's training frequency.
/// - ``GradientBoostedTrees``: exact path-dependent TreeSHAP (Lundberg et al. 2018); the
///   expected value is the base margin plus each tree's cover-weighted mean output.
///
/// ```swift
/// let explanation = try pipeline.explain(table)
/// for item in explanation.largest(3, row: 0) { print(item.feature, item.contribution) }
/// ```
public struct Explanation: Sendable, Equatable {
    /// The output feature names (`column` or `column=category`), in matrix order.
    public let featureNames: [String]
    /// The base value: the margin of an "average" row (see the type's discussion).
    public let expectedValue: Double
    /// One array per row, one contribution per feature.
    public let contributions: [[Double]]
    /// The model's margin (log-odds) per row.
    public let margins: [Double]

    /// Creates an explanation.
    ///
    /// - Parameters:
    ///   - featureNames: the feature names.
    ///   - expectedValue: the base value.
    ///   - contributions: per-row contributions, each `featureNames.count` long.
    ///   - margins: the per-row margins.
    public init(featureNames: [String], expectedValue: Double, contributions: [[Double]], margins: [Double]) {
        self.featureNames = featureNames
        self.expectedValue = expectedValue
        self.contributions = contributions
        self.margins = margins
    }

    /// One feature's contribution to one row.
    public struct Item: Sendable, Equatable {
        /// The feature name.
        public var feature: String
        /// The contribution on the log-odds scale.
        public var contribution: Double
    }

    /// The `n` contributions of largest magnitude of a row, largest first (ties: feature order).
    ///
    /// - Parameters:
    ///   - n: how many to return (at most the number of features).
    ///   - row: the row index (`0..<contributions.count`).
    /// - Returns: up to `n` items; empty for an out-of-range row or `n <= 0`.
    public func largest(_ n: Int, row: Int) -> [Item] {
        guard contributions.indices.contains(row), n > 0 else { return [] }
        let values = contributions[row]
        let order = values.indices.sorted { abs(values[$0]) != abs(values[$1]) ? abs(values[$0]) > abs(values[$1]) : $0 < $1 }
        return order.prefix(n).map { Item(feature: featureNames.indices.contains($0) ? featureNames[$0] : "feature_\($0)", contribution: values[$0]) }
    }
}
