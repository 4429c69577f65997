import Foundation
import HeatEnvelope

extension ModelPipeline {
    /// Builds a pipeline around an XGBoost JSON model, so `ml predict` scores any CSV holding
    /// the model's feature columns.
    ///
    /// Each feature becomes a numeric input column with no imputation or scaling (missing cells
    /// reach the trees, which follow XGBoost's learned default directions).
    ///
    /// ```swift
    /// let pipeline = try ModelPipeline.importXGBoost(from: URL(filePath: "model.json"))
    /// try pipeline.save(to: URL(filePath: "model.heat"))
    /// ```
    ///
    /// - Parameters:
    ///   - url: the XGBoost JSON file.
    ///   - featureNames: column names in model order when the file has none (or to rename them).
    ///   - target: the target column name recorded in the pipeline (for `ml evaluate`; default `label`).
    ///   - positiveLabel: the label of class 1 (default `1`).
    ///   - negativeLabel: the label of class 0 (default `0`).
    /// - Returns: the pipeline.
    /// - Throws: ``HeatMLError/missingFile(path:)`` / ``HeatMLError/unreadableFile(path:reason:)``
    ///   for the file, ``XGBoostInteropError`` for a model HeatML refuses.
    public static func importXGBoost(from url: URL, featureNames: [String]? = nil, target: String = "label", positiveLabel: String = "1", negativeLabel: String = "0") throws -> ModelPipeline {
        guard FileManager.default.fileExists(atPath: url.path) else { throw HeatMLError.missingFile(path: url.path) }
        try ReaderLimits.current.checkFileSize(of: url, .configBytes)
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw HeatMLError.unreadableFile(path: url.path, reason: error.localizedDescription) }
        let imported = try XGBoostJSON.importModel(from: data, source: url.path, featureNames: featureNames)
        if let duplicate = Dictionary(grouping: imported.featureNames, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw HeatMLError.duplicateColumn(source: url.path, column: duplicate)
        }
        let steps = imported.featureNames.map { ColumnTransformer.Step.numeric(column: $0, type: .numeric, imputer: nil, scaler: nil) }
        let transformer = ColumnTransformer(steps: steps, options: GradientBoostedTrees.preprocessing)
        let pipeline = ModelPipeline(target: target, positiveLabel: positiveLabel, negativeLabel: negativeLabel, transformer: transformer,
                                     model: .gbdt(imported.model), trainingRows: 0)
        try pipeline.validate(source: url.path)
        return pipeline
    }

    /// The pipeline's boosted trees in XGBoost's JSON format, features named after the
    /// preprocessing's output (``ColumnTransformer/featureNames``: a numeric column keeps its
    /// name, a one-hot feature is `column=category`, which the XGBoost side must then build).
    ///
    /// ```swift
    /// try pipeline.xgboostJSON().write(to: URL(filePath: "model.json"))
    /// ```
    ///
    /// - Returns: the JSON bytes.
    /// - Throws: ``XGBoostInteropError/notExportable(reason:)`` for a logistic regression, or
    ///   when numeric features are imputed or scaled (XGBoost would see other values).
    public func xgboostJSON() throws(XGBoostInteropError) -> Data {
        guard case let .gbdt(model) = model else {
            throw .notExportable(reason: "a \(self.model.kind) model is not made of boosted trees")
        }
        for step in transformer.steps {
            if case let .numeric(column, _, imputer, scaler) = step, imputer != nil || scaler != nil {
                throw .notExportable(reason: "column '\(column)' is imputed or scaled before the trees")
            }
        }
        return try XGBoostJSON.exportModel(model, featureNames: transformer.featureNames)
    }
}
