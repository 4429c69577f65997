import Foundation
import HeatEnvelope

/// The integer form of a whole model: either integer weights or integer trees.
public enum QuantizedModel: Sendable, Codable, Equatable {
    /// An integer logistic regression.
    case logistic(QuantizedLogisticRegression)
    /// Integer boosted trees.
    case trees(QuantizedTreeEnsemble)

    /// The bits of the feature codes or bins.
    public var bits: Int {
        switch self {
        case let .logistic(model): model.bits
        case let .trees(model): model.bits
        }
    }

    /// The largest `|score|` any input can produce (pick a plaintext modulus above twice this).
    public var maximumAbsoluteScore: Int {
        switch self {
        case let .logistic(model): model.maximumAbsoluteScore
        case let .trees(model): model.maximumAbsoluteScore
        }
    }

    /// Integer scores are `scale` times the float margin, up to rounding.
    public var scale: Double {
        switch self {
        case let .logistic(model): model.scale
        case let .trees(model): model.scale
        }
    }

    /// The positive decision of every row of a preprocessed feature matrix.
    ///
    /// - Parameters:
    ///   - x: the features after preprocessing.
    ///   - threshold: the probability threshold.
    /// - Returns: one decision per row.
    public func decisions(_ x: Matrix, threshold: Double = 0.5) -> [Bool] {
        switch self {
        case let .logistic(model): model.decisions(x, threshold: threshold)
        case let .trees(model): model.decisions(x, threshold: threshold)
        }
    }
}

/// How often a quantized model's decisions equal the float model's.
public struct QuantizationAgreement: Sendable, Codable, Equatable {
    /// The rows compared.
    public var rows: Int
    /// The rows with the same decision.
    public var agreeing: Int
    /// `agreeing / rows`.
    public var share: Double { rows > 0 ? Double(agreeing) / Double(rows) : 1 }

    /// Creates a tally.
    ///
    /// - Parameters:
    ///   - rows: the rows compared.
    ///   - agreeing: the rows with the same decision.
    public init(rows: Int, agreeing: Int) {
        self.rows = rows
        self.agreeing = agreeing
    }
}

/// A quantized model with the preprocessing of the pipeline it came from, saved in an envelope
/// of kind `quantizedModel` (80) by `heatctl ml quantize`.
///
/// ```swift
/// let pipeline = try ModelPipeline.load(from: URL(filePath: "churn.model"))
/// let table = try pipeline.loadTable(from: URL(filePath: "churn.csv"))
/// let integer = try pipeline.quantized(bits: 8, calibration: table)
/// let agreement = try integer.agreement(with: pipeline, on: table)   // share of equal decisions
/// try integer.save(to: URL(filePath: "churn.q8"))
/// ```
public struct QuantizedPipeline: Sendable, Codable, Equatable {
    /// The format version this library writes.
    public static let currentFormatVersion = 1

    /// The format version.
    public let formatVersion: Int
    /// The target column.
    public let target: String
    /// The positive class label.
    public let positiveLabel: String
    /// The negative class label.
    public let negativeLabel: String
    /// The preprocessing (unchanged from the float pipeline).
    public let transformer: ColumnTransformer
    /// The integer model.
    public let model: QuantizedModel

    /// Creates a quantized pipeline.
    ///
    /// - Parameters:
    ///   - target: the target column.
    ///   - positiveLabel: the positive class.
    ///   - negativeLabel: the negative class.
    ///   - transformer: the preprocessing.
    ///   - model: the integer model.
    public init(target: String, positiveLabel: String, negativeLabel: String, transformer: ColumnTransformer, model: QuantizedModel) {
        self.formatVersion = Self.currentFormatVersion
        self.target = target
        self.positiveLabel = positiveLabel
        self.negativeLabel = negativeLabel
        self.transformer = transformer
        self.model = model
    }

    /// The positive decision of every row of a raw table.
    ///
    /// - Parameters:
    ///   - table: a table with the input columns.
    ///   - threshold: the probability threshold (default 0.5).
    /// - Returns: one decision per row.
    /// - Throws: ``HeatMLError`` for a missing column or a bad cell.
    public func decisions(_ table: DataTable, threshold: Double = 0.5) throws(HeatMLError) -> [Bool] {
        model.decisions(try transformer.transform(table), threshold: threshold)
    }

    /// Compares the decisions with the float pipeline's on a table.
    ///
    /// - Parameters:
    ///   - pipeline: the float pipeline.
    ///   - table: the rows.
    ///   - threshold: the probability threshold (default 0.5; the float model is positive at `p >= threshold`).
    /// - Returns: the tally of equal decisions.
    /// - Throws: ``HeatMLError`` for a missing column or a bad cell.
    public func agreement(with pipeline: ModelPipeline, on table: DataTable, threshold: Double = 0.5) throws(HeatMLError) -> QuantizationAgreement {
        let integer = try decisions(table, threshold: threshold)
        let float = try pipeline.predictProbabilities(table).map { $0 >= threshold }
        return QuantizationAgreement(rows: integer.count, agreeing: zip(integer, float).filter { $0 == $1 }.count)
    }

    /// Saves the pipeline in an envelope of kind `quantizedModel`, atomically (sorted-key JSON).
    ///
    /// - Parameter url: the destination.
    /// - Throws: ``HeatMLError/unwritable(path:reason:)``.
    public func save(to url: URL) throws(HeatMLError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            try Envelope(kind: .quantizedModel, payload: try encoder.encode(self)).write(to: url)
        } catch let error as EnvelopeError {
            throw .unwritable(path: url.path, reason: error.description)
        } catch {
            throw .unwritable(path: url.path, reason: "\(error)")
        }
    }

    /// Loads a pipeline saved with ``save(to:)``.
    ///
    /// - Parameter url: the file.
    /// - Returns: the pipeline.
    /// - Throws: ``HeatMLError/missingFile(path:)``, ``HeatMLError/badModel(source:reason:)`` (also
    ///   for a file that fails ``validate(source:)``).
    public static func load(from url: URL) throws(HeatMLError) -> QuantizedPipeline {
        let envelope: Envelope
        do {
            envelope = try Envelope.read(from: url, expecting: .quantizedModel)
        } catch {
            if case .missingFile = error { throw .missingFile(path: url.path) }
            throw .badModel(source: url.path, reason: error.description)
        }
        try HeatMLError.checkJSONModelSize(envelope.payload, source: url.path)
        let pipeline: QuantizedPipeline
        do {
            pipeline = try JSONDecoder().decode(QuantizedPipeline.self, from: envelope.payload)
        } catch {
            throw .badModel(source: url.path, reason: "\(error)")
        }
        try pipeline.validate(source: url.path)
        return pipeline
    }
}

extension ModelPipeline {
    /// The integer form of the pipeline's model, keeping its preprocessing.
    ///
    /// Boosted trees need no data (the bins are cut at the trees' split values); a logistic
    /// regression needs calibration rows whose per-feature minimum and maximum (after
    /// preprocessing) set the code ranges, usually the training table.
    ///
    /// - Parameters:
    ///   - bits: code / bin bits (and weight / leaf bits unless given).
    ///   - calibration: rows for the logistic code ranges (ignored for trees).
    ///   - valueBits: bits of the integer weights or leaves (default `bits`).
    /// - Returns: the quantized pipeline.
    /// - Throws: ``HeatMLError/invalidParameter(name:value:reason:)`` for bad bits or a logistic
    ///   model without calibration rows; preprocessing errors for the table.
    public func quantized(bits: Int, calibration: DataTable? = nil, valueBits: Int? = nil) throws(HeatMLError) -> QuantizedPipeline {
        let integer: QuantizedModel
        switch model {
        case let .gbdt(trees):
            integer = .trees(try trees.quantized(bits: bits, leafBits: valueBits))
        case let .logistic(regression):
            guard let calibration else {
                throw .invalidParameter(name: "calibration", value: "none", reason: "a logistic model needs calibration rows (--data) to set each feature's code range")
            }
            integer = .logistic(try regression.quantized(bits: bits, calibration: try transformer.transform(calibration), weightBits: valueBits))
        }
        return QuantizedPipeline(target: target, positiveLabel: positiveLabel, negativeLabel: negativeLabel, transformer: transformer, model: integer)
    }
}
