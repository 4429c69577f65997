/// Cross-validation of a whole pipeline (preprocessing fitted inside each training fold).
///
/// For each fold: fit ``ModelPipeline`` on the other folds, predict the fold, score it with
/// ``MetricSummary``. The result holds per-fold metrics, their mean and population standard
/// deviation (ddof 0, as the reference results), the pooled out-of-fold metrics and the
/// out-of-fold probability of every row.
///
/// ```swift
/// let folds = try Folds.load(from: URL(filePath: "folds.csv"))
/// let result = try CrossValidation.run(.logistic(LogisticRegression()), on: table,
///                                      target: "churn", positiveLabel: "Yes", folds: folds)
/// print(result.mean.rocAuc, result.std.rocAuc)
/// ```
public enum CrossValidation {
    /// One fold's outcome.
    public struct FoldResult: Sendable, Codable, Equatable {
        /// The fold index.
        public var fold: Int
        /// Training rows.
        public var trainRows: Int
        /// Test rows.
        public var testRows: Int
        /// The metrics on the test rows.
        public var metrics: MetricSummary
    }

    /// The outcome of a cross-validation.
    public struct Result: Sendable, Codable, Equatable {
        /// Per-fold results in fold order.
        public var folds: [FoldResult]
        /// The mean of each metric over folds.
        public var mean: MetricSummary
        /// The population standard deviation of each metric over folds.
        public var std: MetricSummary
        /// The metrics of all out-of-fold predictions pooled.
        public var pooled: MetricSummary
        /// The out-of-fold probability of each row (not encoded in JSON).
        public var outOfFold: [Double]

        private enum CodingKeys: String, CodingKey { case folds, mean, std, pooled }

        /// Creates a result.
        ///
        /// - Parameters:
        ///   - folds: per-fold results.
        ///   - pooled: pooled out-of-fold metrics.
        ///   - outOfFold: out-of-fold probabilities.
        public init(folds: [FoldResult], pooled: MetricSummary, outOfFold: [Double]) {
            self.folds = folds
            self.mean = MetricSummary.mean(of: folds.map(\.metrics))
            self.std = MetricSummary.standardDeviation(of: folds.map(\.metrics))
            self.pooled = pooled
            self.outOfFold = outOfFold
        }

        /// Decodes a result (the out-of-fold probabilities are not stored and come back empty).
        ///
        /// - Parameter decoder: the decoder.
        /// - Throws: decoding errors.
        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            folds = try container.decode([FoldResult].self, forKey: .folds)
            mean = try container.decode(MetricSummary.self, forKey: .mean)
            std = try container.decode(MetricSummary.self, forKey: .std)
            pooled = try container.decode(MetricSummary.self, forKey: .pooled)
            outOfFold = []
        }
    }

    /// Runs cross-validation on given folds.
    ///
    /// - Parameters:
    ///   - specification: the estimator and hyper-parameters.
    ///   - table: the full table.
    ///   - target: the target column.
    ///   - positiveLabel: the positive class (see ``BinaryTarget``).
    ///   - folds: the test fold of every row.
    ///   - excluding: columns that are not features (fold column, ids typed as numbers).
    ///   - threshold: the decision threshold (default 0.5).
    ///   - foldCompleted: called after each fold with the number of folds done (1, 2, …,
    ///     `folds.count`), for a progress bar; `nil` for none.
    /// - Returns: the per-fold, mean, std and pooled metrics.
    /// - Throws: ``HeatMLError/badFolds(source:reason:)`` when the fold count does not match the rows
    ///   or a fold's training or test part holds a single class; pipeline errors.
    ///   - settings: the one-hot cap and early-stopping table, applied in every fold (default none).
    public static func run(_ specification: ModelSpecification, on table: DataTable, target: String, positiveLabel: String? = nil, folds: Folds, excluding: Set<String> = [], threshold: Double = 0.5, settings: ModelPipeline.FitSettings = .init(), foldCompleted: ((_ foldsDone: Int) -> Void)? = nil) throws(HeatMLError) -> Result {
        guard table.rowCount > 0 else { throw .emptyTable(source: table.source) }
        guard folds.assignment.count == table.rowCount else {
            throw .badFolds(source: table.source, reason: "\(folds.assignment.count) fold indices for \(table.rowCount) rows")
        }
        let encoded = try BinaryTarget(column: try table.column(named: target), positiveLabel: positiveLabel, table: table)
        let features = ModelPipeline.featureColumns(of: table, target: target, excluding: excluding)
        guard !features.isEmpty else {
            throw .invalidParameter(name: "features", value: "none", reason: "\(table.source) has no feature column besides the target, identifiers and excluded columns")
        }
        var results: [FoldResult] = []
        let outOfFold = try CrossValidation.outOfFold(folds: folds.assignment, placeholder: Double.nan) {
            (fold: Int, trainRows: [Int], testRows: [Int]) throws(HeatMLError) -> [Double] in
            let trainLabels = trainRows.map { encoded.labels[$0] }
            let testLabels = testRows.map { encoded.labels[$0] }
            for (part, labels) in [("training", trainLabels), ("test", testLabels)] where Set(labels).count < 2 {
                throw .badFolds(source: table.source, reason: "the \(part) part of fold \(fold) holds a single class")
            }
            let trainTarget = try BinaryTarget(positiveLabel: encoded.positiveLabel, negativeLabel: encoded.negativeLabel,
                                               values: trainLabels.map { $0 == 1 ? encoded.positiveLabel : encoded.negativeLabel }, column: target)
            let pipeline = try ModelPipeline.fit(specification, on: table.selectingRows(trainRows), target: trainTarget, targetName: target, features: features, settings: settings)
            let probabilities = try pipeline.predictProbabilities(table.selectingRows(testRows))
            results.append(FoldResult(fold: fold, trainRows: trainRows.count, testRows: testRows.count,
                                      metrics: try MetricSummary(labels: testLabels, probabilities: probabilities, threshold: threshold)))
            foldCompleted?(fold + 1)
            return probabilities
        }
        let pooled = try MetricSummary(labels: encoded.labels, probabilities: outOfFold, threshold: threshold)
        return Result(folds: results, pooled: pooled, outOfFold: outOfFold)
    }
}
