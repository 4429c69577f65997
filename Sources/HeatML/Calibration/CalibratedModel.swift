import Foundation
import HeatEnvelope

/// A model pipeline with a probability calibrator fitted on its out-of-fold margins, so that a
/// calibrated probability of 0.7 means that about 70 in 100 such rows are positive.
///
/// Fitting follows scikit-learn's `CalibratedClassifierCV(cv=folds, ensemble=False)`: the
/// calibrator (Platt or isotonic, chosen by cross-validated log loss, see
/// ``ProbabilityCalibrator/choose(margins:labels:folds:methods:)``) is fitted on the margins each
/// row gets from a model trained without its fold, and the model itself on all rows. Saved in an
/// envelope of kind `.riskModel`.
///
/// ```swift
/// let folds = try Folds.load(from: URL(filePath: "folds.csv"))
/// let model = try CalibratedModel.fit(.logistic(LogisticRegression()), on: table, target: "churn",
///                                     positiveLabel: "Yes", folds: folds)
/// let p = try model.probabilities(table)
/// ```
public struct CalibratedModel: Sendable, Codable, Equatable {
    /// The version of the format this library writes, and the newest it reads.
    public static let currentFormatVersion = 1

    /// The format version.
    public let formatVersion: Int
    /// The fitted model pipeline (trained on all rows).
    public let pipeline: ModelPipeline
    /// The calibrator fitted on the out-of-fold margins.
    public let calibrator: ProbabilityCalibrator
    /// The cross-validated log loss of each calibration method tried, by method name.
    public let methodLogLoss: [String: Double]
    /// The nested cross-validated evaluation, when computed at fit time.
    public var evaluation: CalibrationEvaluation?

    /// Creates a model from fitted parts.
    ///
    /// - Parameters:
    ///   - pipeline: the fitted pipeline.
    ///   - calibrator: the fitted calibrator.
    ///   - methodLogLoss: each method's cross-validated log loss.
    ///   - evaluation: the nested evaluation, if any.
    public init(pipeline: ModelPipeline, calibrator: ProbabilityCalibrator, methodLogLoss: [String: Double], evaluation: CalibrationEvaluation? = nil) {
        self.formatVersion = CalibratedModel.currentFormatVersion
        self.pipeline = pipeline
        self.calibrator = calibrator
        self.methodLogLoss = methodLogLoss
        self.evaluation = evaluation
    }

    /// The model's margin (log-odds) of every row: `logit` of the pipeline's probability.
    ///
    /// - Parameter table: a table with the model's input columns.
    /// - Returns: one margin per row.
    /// - Throws: the pipeline's prediction errors.
    public func margins(_ table: DataTable) throws(HeatMLError) -> [Double] {
        try pipeline.predictProbabilities(table).map(CalibratedModel.logit)
    }

    /// The calibrated probability of every row.
    ///
    /// - Parameter table: a table with the model's input columns.
    /// - Returns: one probability per row.
    /// - Throws: the pipeline's prediction errors.
    public func probabilities(_ table: DataTable) throws(HeatMLError) -> [Double] {
        try margins(table).map { calibrator.probability(margin: $0) }
    }

    /// `log(p / (1 - p))`, with `p` kept inside [1e-15, 1 - 1e-15].
    ///
    /// - Parameter p: a probability.
    /// - Returns: its log-odds.
    public static func logit(_ p: Double) -> Double {
        let q = min(max(p, 1e-15), 1 - 1e-15)
        return log(q) - log1p(-q)
    }

    /// Fits the pipeline and its calibrator.
    ///
    /// - Parameters:
    ///   - specification: the estimator.
    ///   - table: the labelled table.
    ///   - target: the target column.
    ///   - positiveLabel: the positive class.
    ///   - folds: the folds for the out-of-fold margins (and the method choice).
    ///   - excluding: columns that are not features.
    ///   - methods: the calibration methods to choose from (default both).
    ///   - evaluate: also run the nested cross-validated evaluation on the same folds.
    /// - Returns: the fitted model.
    /// - Throws: pipeline, target and fold errors.
    public static func fit(_ specification: ModelSpecification, on table: DataTable, target: String, positiveLabel: String? = nil, folds: Folds, excluding: Set<String> = [], methods: [ProbabilityCalibrator.Method] = ProbabilityCalibrator.Method.allCases, evaluate: Bool = false) throws(HeatMLError) -> CalibratedModel {
        guard table.rowCount > 0 else { throw .emptyTable(source: table.source) }
        guard folds.assignment.count == table.rowCount else {
            throw .badFolds(source: table.source, reason: "\(folds.assignment.count) fold indices for \(table.rowCount) rows")
        }
        let encoded = try BinaryTarget(column: try table.column(named: target), positiveLabel: positiveLabel, table: table)
        let features = ModelPipeline.featureColumns(of: table, target: target, excluding: excluding)
        guard !features.isEmpty else {
            throw .invalidParameter(name: "features", value: "none", reason: "\(table.source) has no feature column besides the target, identifiers and excluded columns")
        }
        let all = Array(0..<table.rowCount)
        var model = try fitRows(specification, table: table, target: encoded, targetName: target, features: features, rows: all, folds: folds.assignment, methods: methods)
        if evaluate {
            model.evaluation = try evaluation(specification, table: table, target: encoded, targetName: target, features: features, folds: folds.assignment, methods: methods)
        }
        return model
    }

    /// Fits on a subset of rows, with the calibrator on margins out of the given inner folds.
    static func fitRows(_ specification: ModelSpecification, table: DataTable, target: BinaryTarget, targetName: String, features: [String], rows: [Int], folds: [Int], methods: [ProbabilityCalibrator.Method]) throws(HeatMLError) -> CalibratedModel {
        let inner = rows.map { folds[$0] }
        let distinct = Array(Set(inner)).sorted()
        guard distinct.count >= 2 else { throw .badFolds(source: table.source, reason: "calibration needs at least two folds in the training rows") }
        let margins = try CrossValidation.outOfFold(folds: inner, placeholder: 0.0) {
            (_: Int, trainPositions: [Int], testPositions: [Int]) throws(HeatMLError) -> [Double] in
            let pipeline = try fitPipeline(specification, table: table, target: target, targetName: targetName, features: features, rows: trainPositions.map { rows[$0] })
            return try pipeline.predictProbabilities(table.selectingRows(testPositions.map { rows[$0] })).map(logit)
        }
        let labels = rows.map { target.labels[$0] }
        let choice = try ProbabilityCalibrator.choose(margins: margins, labels: labels, folds: inner, methods: methods)
        let pipeline = try fitPipeline(specification, table: table, target: target, targetName: targetName, features: features, rows: rows)
        var losses: [String: Double] = [:]
        for (method, loss) in choice.crossValidatedLogLoss { losses[method.rawValue] = loss }
        return CalibratedModel(pipeline: pipeline, calibrator: choice.calibrator, methodLogLoss: losses)
    }

    private static func fitPipeline(_ specification: ModelSpecification, table: DataTable, target: BinaryTarget, targetName: String, features: [String], rows: [Int]) throws(HeatMLError) -> ModelPipeline {
        let labels = rows.map { target.labels[$0] }
        guard Set(labels).count == 2 else { throw .badFolds(source: table.source, reason: "a training part holds a single class") }
        let partTarget = try BinaryTarget(positiveLabel: target.positiveLabel, negativeLabel: target.negativeLabel,
                                          values: labels.map { $0 == 1 ? target.positiveLabel : target.negativeLabel }, column: targetName)
        return try ModelPipeline.fit(specification, on: table.selectingRows(rows), target: partTarget, targetName: targetName, features: features)
    }

    /// The nested evaluation: for each outer fold, a calibrated model fitted on the other folds
    /// (inner folds = the remaining outer folds) scores the fold.
    static func evaluation(_ specification: ModelSpecification, table: DataTable, target: BinaryTarget, targetName: String, features: [String], folds: [Int], methods: [ProbabilityCalibrator.Method]) throws(HeatMLError) -> CalibrationEvaluation {
        var chosen: [String] = []
        let scored = try CrossValidation.outOfFold(folds: folds, placeholder: (raw: Double.nan, calibrated: Double.nan)) {
            (_: Int, train: [Int], test: [Int]) throws(HeatMLError) -> [(raw: Double, calibrated: Double)] in
            let model = try fitRows(specification, table: table, target: target, targetName: targetName, features: features, rows: train, folds: folds, methods: methods)
            chosen.append(model.calibrator.method.rawValue)
            return try model.pipeline.predictProbabilities(table.selectingRows(test)).map { value in
                (raw: value, calibrated: model.calibrator.probability(margin: logit(value)))
            }
        }
        return try CalibrationEvaluation(labels: target.labels, calibrated: scored.map(\.calibrated), uncalibrated: scored.map(\.raw), methodPerFold: chosen)
    }

    /// Saves the model in an envelope of kind `.riskModel`, atomically.
    ///
    /// - Parameter url: the destination.
    /// - Throws: ``HeatMLError/unwritable(path:reason:)`` or ``HeatMLError/badModel(source:reason:)``.
    public func save(to url: URL) throws(HeatMLError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let payload: Data
        do { payload = try encoder.encode(self) } catch { throw .badModel(source: "calibrated model", reason: "\(error)") }
        do { try Envelope(kind: .riskModel, payload: payload).write(to: url) } catch { throw .unwritable(path: url.path, reason: error.description) }
    }

    /// Loads a model saved with ``save(to:)``.
    ///
    /// - Parameter url: the file.
    /// - Returns: the model.
    /// - Throws: ``HeatMLError/missingFile(path:)``; ``HeatMLError/badModel(source:reason:)`` for a
    ///   corrupt, wrong-kind or newer file.
    public static func load(from url: URL) throws(HeatMLError) -> CalibratedModel {
        let envelope: Envelope
        do { envelope = try Envelope.read(from: url, expecting: .riskModel) } catch {
            if case .missingFile = error { throw .missingFile(path: url.path) }
            throw .badModel(source: url.path, reason: error.description)
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try HeatMLError.checkJSONModelSize(envelope.payload, source: url.path)
        let model: CalibratedModel
        do { model = try decoder.decode(CalibratedModel.self, from: envelope.payload) } catch { throw .badModel(source: url.path, reason: "\(error)") }
        guard model.formatVersion <= currentFormatVersion else {
            throw .badModel(source: url.path, reason: "risk model format \(model.formatVersion) is newer than this HeatML (\(currentFormatVersion))")
        }
        try model.pipeline.validate(source: url.path)
        return model
    }
}

/// Out-of-fold quality of a calibrated model: Brier score and log loss before and after
/// calibration, the method each outer fold chose, and the reliability table.
public struct CalibrationEvaluation: Sendable, Codable, Equatable {
    /// Brier score (mean squared error of the probability) of the calibrated out-of-fold probabilities.
    public var brier: Double
    /// Log loss of the calibrated out-of-fold probabilities.
    public var logLoss: Double
    /// Brier score of the uncalibrated out-of-fold probabilities.
    public var uncalibratedBrier: Double
    /// Log loss of the uncalibrated out-of-fold probabilities.
    public var uncalibratedLogLoss: Double
    /// The calibration method each outer fold chose, in fold order.
    public var methodPerFold: [String]
    /// The reliability table of the calibrated probabilities (10 equal-width bins).
    public var reliability: [CalibrationBin]
    /// The calibrated out-of-fold probability of every row (not encoded).
    public var outOfFold: [Double] = []

    private enum CodingKeys: String, CodingKey { case brier, logLoss, uncalibratedBrier, uncalibratedLogLoss, methodPerFold, reliability }

    /// Computes the evaluation.
    ///
    /// - Parameters:
    ///   - labels: 0 / 1 labels.
    ///   - calibrated: the calibrated out-of-fold probabilities.
    ///   - uncalibrated: the model's out-of-fold probabilities.
    ///   - methodPerFold: the method chosen in each outer fold.
    /// - Throws: metric errors for mismatched lengths.
    public init(labels: [Int], calibrated: [Double], uncalibrated: [Double], methodPerFold: [String]) throws(HeatMLError) {
        self.brier = brierScore(labels: labels, probabilities: calibrated)
        self.logLoss = try HeatML.logLoss(labels: labels, probabilities: calibrated)
        self.uncalibratedBrier = brierScore(labels: labels, probabilities: uncalibrated)
        self.uncalibratedLogLoss = try HeatML.logLoss(labels: labels, probabilities: uncalibrated)
        self.methodPerFold = methodPerFold
        self.reliability = try calibrationTable(labels: labels, probabilities: calibrated)
        self.outOfFold = calibrated
    }
}

/// The Brier score: the mean of `(p - y)²`.
///
/// ```swift
/// let b = brierScore(labels: [0, 1], probabilities: [0.2, 0.9])   // 0.025
/// ```
///
/// - Parameters:
///   - labels: 0 / 1 labels.
///   - probabilities: predicted probabilities of class 1 (as many as labels).
/// - Returns: the score (`nan` for no rows).
public func brierScore(labels: [Int], probabilities: [Double]) -> Double {
    guard !labels.isEmpty, labels.count == probabilities.count else { return .nan }
    return zip(labels, probabilities).reduce(0) { $0 + ($1.1 - Double($1.0)) * ($1.1 - Double($1.0)) } / Double(labels.count)
}
