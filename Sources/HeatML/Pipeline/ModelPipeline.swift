import Foundation
import HeatEnvelope

/// A fitted model together with everything needed to score a raw CSV: the input schema, the
/// fitted preprocessing (``ColumnTransformer``), the target's class labels and the estimator.
///
/// Saved as JSON in the CustomerHeat envelope (kind `.model`), so `heatctl ml predict` works on
/// raw CSV files with the same columns (extra columns are ignored, order does not matter).
///
/// ```swift
/// let table = try DataTable(contentsOf: URL(filePath: "churn.csv"))
/// let pipeline = try ModelPipeline.fit(.logistic(LogisticRegression()), on: table,
///                                      target: "churn", positiveLabel: "Yes")
/// try pipeline.save(to: URL(filePath: "churn.model"))
/// let loaded = try ModelPipeline.load(from: URL(filePath: "churn.model"))
/// let p = try loaded.predictProbabilities(table)
/// ```
public struct ModelPipeline: Sendable, Codable, Equatable {
    /// The version of the model format this library writes into saved pipelines, and the newest it reads.
    public static let currentFormatVersion = 1

    /// The model format version (``currentFormatVersion``).
    public let formatVersion: Int
    /// The target column name.
    public let target: String
    /// The label of the positive class.
    public let positiveLabel: String
    /// The label of the negative class.
    public let negativeLabel: String
    /// The fitted preprocessing.
    public let transformer: ColumnTransformer
    /// The fitted estimator.
    public let model: ModelSpecification
    /// The number of training rows.
    public let trainingRows: Int

    /// Creates a pipeline from fitted parts.
    ///
    /// - Parameters:
    ///   - target: the target column.
    ///   - positiveLabel: the positive class label.
    ///   - negativeLabel: the negative class label.
    ///   - transformer: fitted preprocessing.
    ///   - model: fitted estimator.
    ///   - trainingRows: training row count.
    public init(target: String, positiveLabel: String, negativeLabel: String, transformer: ColumnTransformer, model: ModelSpecification, trainingRows: Int) {
        self.formatVersion = ModelPipeline.currentFormatVersion
        self.target = target
        self.positiveLabel = positiveLabel
        self.negativeLabel = negativeLabel
        self.transformer = transformer
        self.model = model
        self.trainingRows = trainingRows
    }

    /// The feature columns of a table: every column except the target, identifier columns and
    /// the excluded ones, in header order.
    ///
    /// - Parameters:
    ///   - table: the table.
    ///   - target: the target column.
    ///   - excluding: further columns to leave out (fold columns, ids typed as numbers).
    /// - Returns: the feature column names.
    public static func featureColumns(of table: DataTable, target: String, excluding: Set<String> = []) -> [String] {
        table.columns.filter { $0.name != target && $0.type != .identifier && !excluding.contains($0.name) }.map(\.name)
    }

    /// Fits preprocessing and estimator on a table.
    ///
    /// - Parameters:
    ///   - specification: the estimator and its hyper-parameters.
    ///   - table: the training table (features and target).
    ///   - target: the target column.
    ///   - positiveLabel: the positive class (see ``BinaryTarget`` for the default).
    ///   - excluding: columns that are not features besides the target and identifiers.
    /// - Returns: the fitted pipeline.
    /// - Throws: ``HeatMLError/missingColumn(source:column:)`` when the target is absent, target
    ///   errors of ``BinaryTarget``, ``HeatMLError/emptyTable(source:)``, and the estimator's errors.
    public static func fit(_ specification: ModelSpecification, on table: DataTable, target: String, positiveLabel: String? = nil, excluding: Set<String> = []) throws(HeatMLError) -> ModelPipeline {
        try fit(specification, on: table, target: target, positiveLabel: positiveLabel, excluding: excluding, settings: FitSettings())
    }

    /// Settings of a pipeline fit beyond the estimator's hyper-parameters.
    public struct FitSettings: Sendable, Equatable {
        /// The one-hot feature cap per categorical column (`--max-categories`; `nil`: none).
        public var maxCategories: Int?
        /// A labelled table for the boosted trees' early stopping (`--validation-data`).
        public var validationTable: DataTable?

        /// Creates settings.
        ///
        /// - Parameters:
        ///   - maxCategories: the one-hot cap per column.
        ///   - validationTable: the early-stopping table.
        public init(maxCategories: Int? = nil, validationTable: DataTable? = nil) {
            self.maxCategories = maxCategories
            self.validationTable = validationTable
        }
    }

    /// Fits preprocessing and estimator on a table, with fit settings.
    ///
    /// - Parameters:
    ///   - specification: the estimator and its hyper-parameters.
    ///   - table: the training table.
    ///   - target: the target column.
    ///   - positiveLabel: the positive class.
    ///   - excluding: columns that are not features.
    ///   - settings: the one-hot cap and early-stopping table.
    /// - Returns: the fitted pipeline.
    /// - Throws: as ``fit(_:on:target:positiveLabel:excluding:)``.
    public static func fit(_ specification: ModelSpecification, on table: DataTable, target: String, positiveLabel: String?, excluding: Set<String>, settings: FitSettings) throws(HeatMLError) -> ModelPipeline {
        guard table.rowCount > 0 else { throw .emptyTable(source: table.source) }
        let encoded = try BinaryTarget(column: try table.column(named: target), positiveLabel: positiveLabel, table: table)
        let features = featureColumns(of: table, target: target, excluding: excluding)
        guard !features.isEmpty else {
            throw .invalidParameter(name: "features", value: "none", reason: "\(table.source) has no feature column besides the target, identifiers and excluded columns")
        }
        return try fit(specification, on: table, target: encoded, targetName: target, features: features, settings: settings)
    }

    /// Fits on a table whose target is already encoded (used by cross-validation).
    static func fit(_ specification: ModelSpecification, on table: DataTable, target: BinaryTarget, targetName: String, features: [String], settings: FitSettings = FitSettings()) throws(HeatMLError) -> ModelPipeline {
        let classifier = specification.classifier
        var options = classifier.preprocessing
        options.maxCategories = settings.maxCategories
        let transformer = try ColumnTransformer.fit(table, features: features, options: options)
        let partial = ModelPipeline(target: targetName, positiveLabel: target.positiveLabel, negativeLabel: target.negativeLabel, transformer: transformer, model: specification, trainingRows: table.rowCount)
        if case var .gbdt(trees) = specification {
            // Boosted trees read one-hot features as codes (FeatureColumns): the same trees as on
            // the dense matrix, without a dense column per category.
            let x = try transformer.features(table)
            var validation: (x: FeatureColumns, labels: [Int])?
            if let held = settings.validationTable {
                validation = (try transformer.features(held), try partial.encodeTarget(held).labels)
            }
            try trees.fit(x, labels: target.labels, weights: nil, validation: validation)
            return ModelPipeline(target: targetName, positiveLabel: target.positiveLabel, negativeLabel: target.negativeLabel, transformer: transformer, model: .gbdt(trees), trainingRows: table.rowCount)
        }
        let x = try transformer.transform(table)
        var validation: (x: Matrix, labels: [Int])?
        if let held = settings.validationTable {
            validation = (try transformer.transform(held), try partial.encodeTarget(held).labels)
        }
        let fitted = try classifier.fitted(to: x, labels: target.labels, validation: validation)
        return ModelPipeline(target: targetName, positiveLabel: target.positiveLabel, negativeLabel: target.negativeLabel, transformer: transformer, model: fitted.specification, trainingRows: table.rowCount)
    }

    /// The positive-class probability of every row of a raw table.
    ///
    /// - Parameter table: a table with the input columns (the target may be absent).
    /// - Returns: one probability per row, in row order.
    /// - Throws: ``HeatMLError/missingColumn(source:column:)`` for an absent input column,
    ///   ``HeatMLError/badCell(source:line:column:value:expected:)`` for text in a numeric column.
    public func predictProbabilities(_ table: DataTable) throws(HeatMLError) -> [Double] {
        if case let .gbdt(trees) = model { return try trees.predictProbabilities(transformer.features(table)) }
        return try model.classifier.predictProbabilities(transformer.transform(table))
    }

    /// The encoded target of a table, using this pipeline's class labels.
    ///
    /// - Parameter table: a table holding the target column.
    /// - Returns: the target encoding.
    /// - Throws: ``HeatMLError/missingColumn(source:column:)``, ``HeatMLError/missingTarget(source:line:column:)``,
    ///   or ``HeatMLError/unknownPositiveLabel(column:label:classes:)`` for a label the model does not know.
    public func encodeTarget(_ table: DataTable) throws(HeatMLError) -> BinaryTarget {
        let column = try table.column(named: target)
        if let row = column.raw.firstIndex(where: { $0 == nil }) {
            throw .missingTarget(source: table.source, line: table.lines[row], column: target)
        }
        return try BinaryTarget(positiveLabel: positiveLabel, negativeLabel: negativeLabel, values: column.raw.map { ($0 ?? "").trimmingCharacters(in: .whitespaces) }, column: target)
    }

    /// The importance of each output feature, by name, largest first.
    public var importances: [FeatureImportance] {
        zip(transformer.featureNames, model.classifier.featureImportances)
            .map { FeatureImportance(feature: $0, value: $1) }
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.feature < $1.feature }
    }

    /// The pipeline as JSON (sorted keys, so equal pipelines give equal bytes).
    ///
    /// - Returns: the JSON payload.
    /// - Throws: ``HeatMLError/badModel(source:reason:)`` if a value cannot be encoded (a non-finite number).
    public func jsonData() throws(HeatMLError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { return try encoder.encode(self) } catch { throw .badModel(source: "pipeline", reason: "\(error)") }
    }

    /// Decodes a pipeline from its JSON payload.
    ///
    /// - Parameters:
    ///   - data: the JSON.
    ///   - source: a name for messages.
    /// - Returns: the pipeline.
    /// - Throws: ``HeatMLError/badModel(source:reason:)`` for invalid JSON or a newer format.
    public static func decode(_ data: Data, source: String = "model") throws(HeatMLError) -> ModelPipeline {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try HeatMLError.checkJSONModelSize(data, source: source)
        let pipeline: ModelPipeline
        do {
            pipeline = try decoder.decode(ModelPipeline.self, from: data)
        } catch HeatMLError.badModel(_, let reason) {
            // A model's own decoder validated it (GradientBoostedTrees.init(from:)): name the file.
            throw .badModel(source: source, reason: reason)
        } catch {
            throw .badModel(source: source, reason: "\(error)")
        }
        guard pipeline.formatVersion <= ModelPipeline.currentFormatVersion else {
            throw .badModel(source: source, reason: "model format \(pipeline.formatVersion) is newer than this HeatML (\(ModelPipeline.currentFormatVersion))")
        }
        try pipeline.validate(source: source)
        return pipeline
    }

    /// Checks that a decoded pipeline can be used safely: the estimator's feature count matches the
    /// preprocessing's output, logistic coefficients are finite and one per feature, and every
    /// tree is a tree (indices in range, acyclic, features in range). A hand-edited file with a
    /// cycle is refused here instead of making prediction loop forever.
    ///
    /// - Parameter source: the file name for messages.
    /// - Throws: ``HeatMLError/badModel(source:reason:)`` naming what is wrong.
    public func validate(source: String) throws(HeatMLError) {
        let features = transformer.featureNames.count
        guard features > 0 else { throw .badModel(source: source, reason: "the preprocessing makes no feature") }
        try model.classifier.validate(featureCount: features, source: source)
    }

    /// Saves the pipeline in an envelope of kind `.model`, atomically.
    ///
    /// - Parameter url: the destination.
    /// - Throws: ``HeatMLError/unwritable(path:reason:)`` or encoding errors.
    public func save(to url: URL) throws(HeatMLError) {
        let payload = try jsonData()
        do {
            try Envelope(kind: .model, payload: payload).write(to: url)
        } catch {
            throw .unwritable(path: url.path, reason: error.description)
        }
    }

    /// Loads a pipeline saved with ``save(to:)``.
    ///
    /// - Parameter url: the model file.
    /// - Returns: the pipeline.
    /// - Throws: ``HeatMLError/missingFile(path:)``; ``HeatMLError/badModel(source:reason:)`` for a
    ///   corrupt, truncated or wrong-kind envelope or an undecodable payload.
    public static func load(from url: URL) throws(HeatMLError) -> ModelPipeline {
        let envelope: Envelope
        do {
            envelope = try Envelope.read(from: url, expecting: .model)
        } catch {
            if case .missingFile = error { throw .missingFile(path: url.path) }
            throw .badModel(source: url.path, reason: error.description)
        }
        return try decode(envelope.payload, source: url.path)
    }
}

/// One feature's importance (a share of the model's total).
///
/// ```swift
/// for item in pipeline.importances.prefix(5) { print(item.feature, item.value) }
/// ```
public struct FeatureImportance: Sendable, Codable, Equatable {
    /// The feature name (`column` or `column=category`).
    public var feature: String
    /// The importance value.
    public var value: Double

    /// Creates an entry.
    ///
    /// - Parameters:
    ///   - feature: the feature name.
    ///   - value: the importance.
    public init(feature: String, value: Double) {
        self.feature = feature
        self.value = value
    }
}
