import Foundation
import Logging

/// The whole `ml train` workflow as one library call: optional cross-validation, a final fit on
/// all rows, and a report of the model (computed on out-of-fold predictions when there was
/// cross-validation, otherwise on the training rows).
///
/// ```swift
/// let run = try TrainingRun(.gbdt(GradientBoostedTrees()), on: table, target: "churn",
///                           positiveLabel: "Yes", validation: .folds(folds))
/// try run.pipeline.save(to: URL(filePath: "churn.model"))
/// let json = try run.jsonData()
/// ```
public struct TrainingRun: Sendable, Encodable {
    /// How the model is validated before the final fit.
    public enum Validation: Sendable, Equatable {
        /// No cross-validation.
        case none
        /// Given folds (from a file or a column).
        case folds(Folds)
        /// Stratified k-fold with a seed.
        case stratified(count: Int, seed: UInt64)
    }

    /// A description of the training data.
    public struct DataSummary: Sendable, Codable, Equatable {
        /// The file name.
        public var source: String
        /// Data rows.
        public var rows: Int
        /// The target column.
        public var target: String
        /// The positive class label.
        public var positiveLabel: String
        /// The share of positive rows.
        public var positiveRate: Double
        /// The input feature columns.
        public var featureColumns: [String]
        /// The model features after encoding.
        public var features: Int
        /// The columns the reader inferred to be identifiers (not features).
        public var identifierColumns: [String]?
        /// What the reader read as missing, re-typed or dropped, per column.
        public var loadNotes: [LoadReport.Note]?
    }

    /// The estimator kind (`logistic`, `gbdt`).
    public var model: String
    /// The training data.
    public var data: DataSummary
    /// Cross-validation results, when requested.
    public var cv: CrossValidation.Result?
    /// The model section of the results document.
    public var report: ModelReport
    /// The final pipeline fitted on all rows (not part of the JSON report).
    public var pipeline: ModelPipeline

    private enum CodingKeys: String, CodingKey { case model, data, cv, report, pipeline }

    /// Encodes the report (the fitted pipeline is saved separately and left out).
    ///
    /// - Parameter encoder: the encoder.
    /// - Throws: encoding errors.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(model, forKey: .model)
        try container.encode(data, forKey: .data)
        try container.encodeIfPresent(cv, forKey: .cv)
        try container.encode(report, forKey: .report)
    }

    /// Trains (and optionally cross-validates) a pipeline.
    ///
    /// - Parameters:
    ///   - specification: the estimator and hyper-parameters.
    ///   - table: the training table.
    ///   - target: the target column.
    ///   - positiveLabel: the positive class (see ``BinaryTarget``).
    ///   - validation: the cross-validation to run first.
    ///   - excluding: columns that are not features.
    ///   - threshold: the decision threshold (default 0.5).
    ///   - progress: receives (steps done, steps in all) for a progress bar: the final fit is one
    ///     step and each cross-validation fold one more; called with 0 first, after the fit, after
    ///     each fold, and last with both equal. `nil` for none. Example:
    ///     `TrainingRun(spec, on: table, target: "churn", progress: { done, total in log("\(done)/\(total)") })`.
    /// - Throws: the errors of ``CrossValidation/run(_:on:target:positiveLabel:folds:excluding:threshold:settings:foldCompleted:)``
    ///   and ``ModelPipeline/fit(_:on:target:positiveLabel:excluding:)``.
    ///   - settings: the one-hot cap and the early-stopping table (default none).
    ///   - logger: where to log the steps (sizes and kinds only, never cell values); silent by default.
    public init(_ specification: ModelSpecification, on table: DataTable, target: String, positiveLabel: String? = nil, validation: Validation = .none, excluding: Set<String> = [], threshold: Double = 0.5, settings: ModelPipeline.FitSettings = .init(), logger: Logger = .silent, progress: ((_ stepsDone: Int, _ totalSteps: Int) -> Void)? = nil) throws(HeatMLError) {
        var steps = 1
        switch validation {
        case .none: break
        case let .folds(folds): steps += folds.count
        case let .stratified(count, _): steps += max(count, 0)
        }
        progress?(0, steps)
        let pipeline = try ModelPipeline.fit(specification, on: table, target: target, positiveLabel: positiveLabel, excluding: excluding, settings: settings)
        progress?(1, steps)
        logger.debug("fitted the final model", metadata: [
            "kind": "\(specification.kind)", "rows": "\(table.rowCount)", "features": "\(pipeline.transformer.featureNames.count)",
        ])
        let labels = try pipeline.encodeTarget(table).labels
        var cv: CrossValidation.Result?
        let foldCompleted: ((Int) -> Void)? = progress.map { report in { folds in report(1 + folds, steps) } }
        switch validation {
        case .none:
            break
        case let .folds(folds):
            cv = try CrossValidation.run(specification, on: table, target: target, positiveLabel: pipeline.positiveLabel, folds: folds, excluding: excluding, threshold: threshold, settings: settings, foldCompleted: foldCompleted)
        case let .stratified(count, seed):
            let folds = try Folds.stratified(labels: labels, count: count, seed: seed)
            cv = try CrossValidation.run(specification, on: table, target: target, positiveLabel: pipeline.positiveLabel, folds: folds, excluding: excluding, threshold: threshold, settings: settings, foldCompleted: foldCompleted)
        }
        let probabilities: [Double]
        if let cv {
            logger.debug("cross-validated", metadata: ["folds": "\(cv.folds.count)"])
            probabilities = cv.outOfFold
        } else {
            probabilities = try pipeline.predictProbabilities(table)
        }
        self.model = specification.kind
        self.cv = cv
        self.pipeline = pipeline
        self.report = try ModelReport(kind: specification.kind, labels: labels, probabilities: probabilities, importances: pipeline.importances,
                                      threshold: threshold, evaluatedOn: cv == nil ? .training : .crossValidation)
        self.data = DataSummary(
            source: table.source, rows: table.rowCount, target: target, positiveLabel: pipeline.positiveLabel,
            positiveRate: Double(labels.reduce(0, +)) / Double(labels.count),
            featureColumns: pipeline.transformer.steps.map(\.column), features: pipeline.transformer.featureNames.count,
            identifierColumns: table.loadReport.identifierColumns, loadNotes: table.loadReport.notes)
    }

    /// The report as pretty-printed JSON with sorted keys.
    ///
    /// - Returns: the JSON bytes.
    /// - Throws: ``HeatMLError/badModel(source:reason:)`` if a value cannot be encoded.
    public func jsonData() throws(HeatMLError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do { return try encoder.encode(self) } catch { throw .badModel(source: "training report", reason: "\(error)") }
    }
}

extension ModelPipeline {
    /// Scores the pipeline on a labelled table.
    ///
    /// - Parameters:
    ///   - table: a table with the input columns and the target.
    ///   - threshold: the decision threshold (default 0.5).
    /// - Returns: the model report on these rows.
    /// - Throws: target, column and metric errors (a single-class target cannot be scored).
    public func evaluate(_ table: DataTable, threshold: Double = 0.5) throws(HeatMLError) -> ModelReport {
        let labels = try encodeTarget(table).labels
        if Set(labels).count < 2 { throw .singleClass(context: "\(table.source): target column '\(target)'", label: labels.first == 1 ? positiveLabel : negativeLabel) }
        return try ModelReport(kind: model.kind, labels: labels, probabilities: predictProbabilities(table), importances: importances, threshold: threshold, evaluatedOn: .holdout)
    }

    /// Loads a CSV to score with this pipeline, typing each input column as at training time so a
    /// bad cell is reported with its file, line, column and value.
    ///
    /// - Parameter url: the CSV file.
    /// - Returns: the table.
    /// - Throws: file errors, ``HeatMLError/missingColumn(source:column:)`` for an absent input
    ///   column, ``HeatMLError/badCell(source:line:column:value:expected:)``.
    public func loadTable(from url: URL) throws(HeatMLError) -> DataTable {
        var overrides: [String: ColumnType] = [:]
        for (name, type) in transformer.inputSchema { overrides[name] = type }
        // Columns the model does not use are not typed strictly: no cardinality limit.
        return try DataTable(contentsOf: url, options: .init(overrides: overrides, categoryLimit: nil))
    }
}
