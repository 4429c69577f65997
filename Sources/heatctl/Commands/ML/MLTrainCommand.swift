import ArgumentParser
import Foundation
import HeatCore
import HeatEnvelope
import HeatML

/// `heatctl ml train`: fit a model on a CSV table, optionally cross-validated.
struct MLTrainCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a binary classifier on a CSV table (optionally cross-validated).",
        discussion: """
            Features are every column except the target, identifier columns (zero-padded ids) and \
            --ignore'd ones. Numeric columns are median-imputed (and standardised for logistic); \
            categorical columns are most-frequent imputed and one-hot encoded.

            Example:
              heatctl ml train --data Examples/data/telco_churn.csv --target churn --positive Yes \\
                --model logistic --folds Examples/data/telco_churn_folds.csv --out churn.model --json
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "The training CSV file.")
    var data: String

    @Option(name: .long, help: "The target column (two classes).")
    var target: String

    @Option(name: .long, help: "The positive class (default: 1, true, or the larger label).")
    var positive: String?

    @Option(name: .long, help: "The estimator: logistic or gbdt.")
    var model: String

    @Option(name: .long, help: "A CSV file with one fold index per data row (header line first).")
    var folds: String?

    @Option(name: .customLong("folds-column"), help: "A column of the data holding the fold index of each row (not used as a feature).")
    var foldsColumn: String?

    @Option(name: .long, help: "Stratified K-fold cross-validation with this many folds.")
    var cv: Int?

    @Option(name: .long, help: "Seed for fold shuffling and subsampling.")
    var seed: UInt64 = 42

    @Option(name: .long, help: "Where to save the fitted model (envelope, kind model).")
    var out: String?

    @Option(name: .customLong("metrics-out"), help: "Where to write the JSON training report.")
    var metricsOut: String?

    @Option(name: .long, help: "A column that is not a feature (repeatable).")
    var ignore: [String] = []

    @Option(name: .long, help: "A column type override NAME=TYPE, TYPE one of numeric, categorical, boolean, date, identifier (repeatable).")
    var type: [String] = []

    @Option(name: .long, help: "Decision threshold for accuracy, F1, precision, recall.")
    var threshold: Double = 0.5

    @Option(name: .customLong("c"), help: "logistic: inverse L2 strength C (scikit-learn's meaning).")
    var c: Double = 1

    @Flag(name: .customLong("balanced"), help: "logistic: weight classes inversely to their frequency.")
    var balanced = false

    @Option(name: .long, help: "gbdt: boosting rounds.")
    var rounds: Int = 100

    @Option(name: .customLong("max-depth"), help: "gbdt: maximum tree depth.")
    var maxDepth: Int = 4

    @Option(name: .customLong("learning-rate"), help: "gbdt: shrinkage eta.")
    var learningRate: Double = 0.3

    @Option(name: .long, help: "gbdt: L2 regularisation of leaf weights.")
    var lambda: Double = 1

    @Option(name: .long, help: "gbdt: minimum split gain.")
    var gamma: Double = 0

    @Option(name: .customLong("min-child-weight"), help: "gbdt: minimum hessian in a child.")
    var minChildWeight: Double = 1

    @Option(name: .long, help: "gbdt: share of rows per tree.")
    var subsample: Double = 1

    @Option(name: .customLong("colsample"), help: "gbdt: share of features per tree.")
    var columnSubsample: Double = 1

    @Option(name: .customLong("tree-method"), help: "gbdt: hist or exact.")
    var treeMethod: String = "hist"

    @Option(name: .customLong("max-bins"), help: "gbdt: histogram bins per feature (hist).")
    var maxBins: Int = 256

    @Flag(name: .long, help: "Print the training report as one JSON document on stdout.")
    var json = false

    func validate() throws {
        guard model == "logistic" || model == "gbdt" else { throw ValidationError("--model must be logistic or gbdt, not '\(model)'") }
        guard treeMethod == "hist" || treeMethod == "exact" else { throw ValidationError("--tree-method must be hist or exact") }
        let given = [folds != nil, foldsColumn != nil, cv != nil].filter { $0 }.count
        guard given <= 1 else { throw ValidationError("give at most one of --folds, --folds-column and --cv") }
        for item in type where item.split(separator: "=").count != 2 || ColumnType(rawValue: String(item.split(separator: "=").last ?? "")) == nil {
            throw ValidationError("--type '\(item)' must be NAME=TYPE with TYPE one of numeric, categorical, boolean, date, identifier")
        }
    }

    func execute() async throws {
        Console.quiet = global.quiet
        var overrides: [String: ColumnType] = [:]
        for item in type {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2, let columnType = ColumnType(rawValue: parts[1]) { overrides[parts[0]] = columnType }
        }
        let table = try DataTable(contentsOf: URL(filePath: data), overrides: overrides)
        Console.info("read \(Plural.count(table.rowCount, "row")), \(Plural.count(table.columns.count, "column")) from \(data)")
        var excluding = Set(ignore)
        var validation = TrainingRun.Validation.none
        if let folds {
            let loaded = try Folds.load(from: URL(filePath: folds))
            validation = .folds(loaded)
        } else if let foldsColumn {
            validation = .folds(try Folds(column: try table.column(named: foldsColumn), table: table))
            excluding.insert(foldsColumn)
        } else if let cv {
            validation = .stratified(count: cv, seed: seed)
        }
        let specification: ModelSpecification = model == "logistic"
            ? .logistic(LogisticRegression(c: c, classWeight: balanced ? .balanced : .none))
            : .gbdt(GradientBoostedTrees(
                rounds: rounds, maxDepth: maxDepth, learningRate: learningRate, lambda: lambda, gamma: gamma,
                minChildWeight: minChildWeight, subsample: subsample, columnSubsample: columnSubsample,
                treeMethod: treeMethod == "exact" ? .exact : .hist(maxBins: maxBins), seed: seed))
        let progress = ProgressBar(title: "Training", total: nil, unit: "steps")
        let run: TrainingRun
        do {
            defer { progress.finish() }
            run = try TrainingRun(specification, on: table, target: target, positiveLabel: positive, validation: validation,
                                  excluding: excluding, threshold: threshold, progress: { progress.update(completed: $0, total: $1) })
        }
        if let out {
            try run.pipeline.save(to: URL(filePath: out))
            Console.info("saved the model to \(out)")
        }
        let document = try run.jsonData()
        if let metricsOut {
            try AtomicFile.write(document, to: URL(filePath: metricsOut))
            Console.info("wrote the training report to \(metricsOut)")
        }
        if json {
            Console.output(String(decoding: document, as: UTF8.self))
            return
        }
        Console.output("model \(run.model): \(run.data.rows) rows, \(run.data.features) features, positive '\(run.data.positiveLabel)' (\(String(format: "%.1f", run.data.positiveRate * 100))%)")
        if let result = run.cv {
            for fold in result.folds {
                Console.output(String(format: "fold %d: ROC-AUC %.4f  PR-AUC %.4f  log loss %.4f  accuracy %.4f  F1 %.4f", fold.fold, fold.metrics.rocAuc, fold.metrics.prAuc, fold.metrics.logLoss, fold.metrics.accuracy, fold.metrics.f1))
            }
            Console.output(String(format: "mean:   ROC-AUC %.4f ±%.4f  PR-AUC %.4f  log loss %.4f  accuracy %.4f  F1 %.4f", result.mean.rocAuc, result.std.rocAuc, result.mean.prAuc, result.mean.logLoss, result.mean.accuracy, result.mean.f1))
        } else {
            let m = run.report.metrics
            Console.output(String(format: "training rows: ROC-AUC %.4f  PR-AUC %.4f  log loss %.4f  accuracy %.4f  F1 %.4f", m.rocAuc, m.prAuc, m.logLoss, m.accuracy, m.f1))
        }
        for item in run.report.importances.prefix(5) {
            Console.output(String(format: "  importance %.4f  ", item.value) + item.feature)
        }
    }
}
