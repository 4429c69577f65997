import ArgumentParser
import Foundation
import HeatCore
import HeatEnvelope
import HeatML

/// `heatctl risk fit`: train a model and its probability calibrator.
struct RiskFitCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Train a risk model with a calibrated probability (Platt or isotonic).",
        discussion: """
            The calibrator is fitted on out-of-fold margins (each row's margin from a model trained \
            without its fold), the model on all rows, as scikit-learn's \
            CalibratedClassifierCV(ensemble=False). The method (platt or isotonic) with the lower \
            cross-validated log loss is kept unless --method names one. Unless --no-evaluate, a \
            nested evaluation on the same folds reports the calibrated out-of-fold Brier score, \
            log loss and the reliability table (one more model per fold).

            Example:
              heatctl risk fit --data Examples/data/telco_churn.csv --target churn --positive Yes \\
                --model logistic --folds Examples/data/telco_churn_folds.csv --out churn.risk --json
            """
    )

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    @Option(name: .long, help: "The labelled training CSV file.")
    var data: String

    @Option(name: .long, help: "The target column (two classes).")
    var target: String

    @Option(name: .long, help: "The positive class (the risk event, e.g. Yes).")
    var positive: String?

    @Option(name: .long, help: "The estimator: logistic or gbdt.")
    var model: String = "logistic"

    @Option(name: .long, help: "A CSV file with one fold index per data row (header line first).")
    var folds: String?

    @Option(name: .long, help: "Stratified K-fold with this many folds (default 5 when --folds is absent).")
    var cv: Int?

    @Option(name: .long, help: "Seed for the stratified folds.")
    var seed: UInt64 = 42

    @Option(name: .long, help: "Calibration method: auto (lower cross-validated log loss), platt or isotonic.")
    var method: String = "auto"

    @Option(name: .long, help: "A column that is not a feature (repeatable).")
    var ignore: [String] = []

    @Flag(name: .customLong("no-evaluate"), help: "Skip the nested out-of-fold evaluation.")
    var noEvaluate = false

    @Option(name: .long, help: "Where to save the risk model (envelope, kind riskModel).")
    var out: String

    @Flag(name: .long, help: "Print the fit summary as one JSON document.")
    var json = false

    func validate() throws {
        guard ["logistic", "gbdt"].contains(model) else { throw ValidationError("--model must be logistic or gbdt, not \(model)") }
        guard ["auto", "platt", "isotonic"].contains(method) else { throw ValidationError("--method must be auto, platt or isotonic, not \(method)") }
        if folds != nil && cv != nil { throw ValidationError("give at most one of --folds and --cv") }
        if let cv, cv < 2 { throw ValidationError("--cv must be at least 2, not \(cv)") }
    }

    func execute() async throws {
        let table = try DataTable(contentsOf: URL(filePath: data))
        let specification: ModelSpecification = model == "logistic" ? .logistic(LogisticRegression()) : .gbdt(GradientBoostedTrees())
        let assignment: Folds
        if let folds {
            assignment = try Folds.load(from: URL(filePath: folds))
        } else {
            let labels = try BinaryTarget(column: try table.column(named: target), positiveLabel: positive, table: table).labels
            assignment = try Folds.stratified(labels: labels, count: cv ?? 5, seed: seed)
        }
        let methods: [ProbabilityCalibrator.Method] = method == "auto" ? ProbabilityCalibrator.Method.allCases : [method == "platt" ? .platt : .isotonic]
        let fitted = try CalibratedModel.fit(specification, on: table, target: target, positiveLabel: positive, folds: assignment,
                                             excluding: Set(ignore), methods: methods, evaluate: !noEvaluate)
        try fitted.save(to: URL(filePath: out))
        let summary = RiskFitSummary(model: model, calibration: fitted.calibrator.method.rawValue, methodLogLoss: fitted.methodLogLoss,
                                     evaluation: fitted.evaluation, rows: table.rowCount, out: out)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Console.output(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            Console.output("calibration: \(summary.calibration) (cross-validated log loss " + fitted.methodLogLoss.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.4f", $0.value))" }.joined(separator: ", ") + ")")
            if let e = fitted.evaluation {
                Console.output(String(format: "out-of-fold Brier %.4f (uncalibrated %.4f), log loss %.4f (uncalibrated %.4f)", e.brier, e.uncalibratedBrier, e.logLoss, e.uncalibratedLogLoss))
                Console.output("reliability (predicted -> observed, rows):")
                for bin in e.reliability where bin.count > 0 {
                    Console.output(String(format: "  %.1f-%.1f  %.3f -> %.3f  %ld", bin.lower, bin.upper, bin.meanPredicted, bin.observedRate, bin.count))
                }
            }
            Console.info("wrote \(out)")
        }
    }
}

/// The JSON summary of `risk fit`.
struct RiskFitSummary: Encodable {
    var model: String
    var calibration: String
    var methodLogLoss: [String: Double]
    var evaluation: CalibrationEvaluation?
    var rows: Int
    var out: String
}
