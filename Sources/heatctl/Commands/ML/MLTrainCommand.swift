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
            Features are every column except the target, identifier columns and --ignore'd ones. \
            Empty cells and the missing tokens (NA, N/A, NaN, null, None, #N/A; see --missing) are \
            missing; inf and overflowing numbers are read as missing and reported. Identifiers are \
            inferred only for nearly unique columns (zero-padded digits, or text with at least 20 \
            values) and listed. A text column with more than --category-limit distinct values is \
            refused, naming it, unless typed with --type or capped with --max-categories (the \
            rarest values grouped into "other", as scikit-learn's max_categories). For logistic, \
            numeric columns are median-imputed and standardised and categorical ones most-frequent \
            imputed; gbdt imputes nothing: each split learns where missing values go, as XGBoost. \
            Without cross-validation the metrics are on the training rows (evaluatedOn: training).

            Example:
              heatctl ml train --data Examples/data/telco_churn.csv --target churn --positive Yes \\
                --model logistic --folds Examples/data/telco_churn_folds.csv --out churn.model --json
              heatctl ml train --data Examples/data/telco_churn.csv --target churn --positive Yes \\
                --model gbdt --balanced --early-stopping-rounds 10 --validation-fraction 0.2 --out churn.model
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "The training CSV file.", completion: .file())
    var data: String

    @Option(name: .long, help: "The target column (two classes).")
    var target: String

    @Option(name: .long, help: "The positive class (default: 1, true, or the larger label).")
    var positive: String?

    @Option(name: .long, help: "The estimator: logistic or gbdt.", completion: .list(ModelChoice.allValueStrings), transform: ModelChoice.parse)
    var model: ModelChoice

    @Option(name: .long, help: "A CSV file with one fold index per data row (header line first).", completion: .file())
    var folds: String?

    @Option(name: .customLong("folds-column"), help: "A column of the data holding the fold index of each row (not used as a feature).")
    var foldsColumn: String?

    @Option(name: .long, help: "Stratified K-fold cross-validation with this many folds.")
    var cv: Int?

    @Option(name: .long, help: "Seed for fold shuffling and subsampling.")
    var seed: UInt64 = 42

    @Option(name: .long, help: "Where to save the fitted model (envelope, kind model).", completion: .file())
    var out: String?

    @Option(name: .customLong("metrics-out"), help: "Where to write the JSON training report.", completion: .file())
    var metricsOut: String?

    @Option(name: .long, help: "A column that is not a feature (repeatable).")
    var ignore: [String] = []

    @Option(name: .long, help: "A column type override NAME=TYPE, TYPE one of numeric, categorical, boolean, date, identifier (repeatable).")
    var type: [String] = []

    @Option(name: .long, help: "Decision threshold for accuracy, F1, precision, recall.")
    var threshold: Double = 0.5

    @Option(name: .customLong("c"), help: "logistic: inverse L2 strength C (scikit-learn's meaning).")
    var c: Double = 1

    @Flag(name: .customLong("balanced"), help: "Weight classes inversely to their frequency (both models; scikit-learn's class_weight='balanced').")
    var balanced = false

    @Option(name: .customLong("max-categories"), help: "Cap one-hot features per categorical column at N, grouping the rarest values into 'other'.")
    var maxCategories: Int?

    @Option(name: .customLong("category-limit"), help: "Refuse an inferred categorical column with more distinct values than this (0: no limit).")
    var categoryLimit: Int = 100

    @Option(name: .long, help: "A cell text read as missing, besides the empty cell (repeatable; replaces the default NA, N/A, NaN, null, None, #N/A).")
    var missing: [String] = []

    @Option(name: .customLong("scale-pos-weight"), help: "gbdt: weight of positive rows (XGBoost's scale_pos_weight).")
    var scalePositiveWeight: Double = 1

    @Option(name: .customLong("base-score"), help: "gbdt: initial probability (default: the mean label, as XGBoost 3).")
    var baseScore: Double?

    @Option(name: .customLong("early-stopping-rounds"), help: "gbdt: stop when the validation log loss has not improved for N rounds (needs --validation-fraction or --validation-data).")
    var earlyStoppingRounds: Int?

    @Option(name: .customLong("validation-fraction"), help: "gbdt: share of training rows held out (stratified) for early stopping.")
    var validationFraction: Double?

    @Option(name: .customLong("validation-data"), help: "gbdt: a labelled CSV with the same columns, for early stopping.", completion: .file())
    var validationData: String?

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
    var treeMethod: TreeMethodChoice = .hist

    @Option(name: .customLong("max-bins"), help: "gbdt: histogram bins per feature (hist).")
    var maxBins: Int = 256

    @Flag(name: .long, help: "Print the training report as one JSON document on stdout.")
    var json = false

    func validate() throws {
        let given = [folds != nil, foldsColumn != nil, cv != nil].filter { $0 }.count
        guard given <= 1 else { throw ValidationError("give at most one of --folds, --folds-column and --cv") }
        for item in type where item.split(separator: "=").count != 2 || ColumnType(rawValue: String(item.split(separator: "=").last ?? "")) == nil {
            throw ValidationError("--type '\(item)' must be NAME=TYPE with TYPE one of numeric, categorical, boolean, date, identifier")
        }
        if let maxCategories, maxCategories < 2 { throw ValidationError("--max-categories must be at least 2") }
        guard categoryLimit >= 0 else { throw ValidationError("--category-limit must be 0 (no limit) or more") }
        if (validationFraction != nil || validationData != nil) && earlyStoppingRounds == nil {
            throw ValidationError("--validation-fraction and --validation-data are for early stopping: give --early-stopping-rounds too")
        }
        if earlyStoppingRounds != nil && validationFraction == nil && validationData == nil {
            throw ValidationError("--early-stopping-rounds needs --validation-fraction or --validation-data")
        }
        if validationFraction != nil && validationData != nil { throw ValidationError("give --validation-fraction or --validation-data, not both") }
        if model == .logistic && (earlyStoppingRounds != nil || scalePositiveWeight != 1 || baseScore != nil) {
            throw ValidationError("--early-stopping-rounds, --scale-pos-weight and --base-score are gbdt options")
        }
    }

    func execute() async throws {
        var overrides: [String: ColumnType] = [:]
        for item in type {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2, let columnType = ColumnType(rawValue: parts[1]) { overrides[parts[0]] = columnType }
        }
        var loadOptions = DataTable.LoadOptions(overrides: overrides, categoryLimit: maxCategories != nil || categoryLimit == 0 ? nil : categoryLimit)
        if !missing.isEmpty { loadOptions.missingTokens = missing }
        let table = try DataTable(contentsOf: URL(filePath: data), options: loadOptions)
        Console.info("read \(Plural.count(table.rowCount, "row")), \(Plural.count(table.columns.count, "column")) from \(data)")
        for note in table.loadReport.notes where note.kind != "override" {
            Console.info("  column '\(note.column)': \(note.message)")
        }
        var settings = ModelPipeline.FitSettings(maxCategories: maxCategories)
        if let validationData {
            var validationOptions = loadOptions
            validationOptions.categoryLimit = nil
            settings.validationTable = try DataTable(contentsOf: URL(filePath: validationData), options: validationOptions)
        }
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
        let specification: ModelSpecification = model == .logistic
            ? .logistic(LogisticRegression(c: c, classWeight: balanced ? .balanced : .none))
            : .gbdt(GradientBoostedTrees(
                rounds: rounds, maxDepth: maxDepth, learningRate: learningRate, lambda: lambda, gamma: gamma,
                minChildWeight: minChildWeight, subsample: subsample, columnSubsample: columnSubsample,
                treeMethod: treeMethod == .exact ? .exact : .hist(maxBins: maxBins), baseScore: baseScore, seed: seed,
                earlyStoppingRounds: earlyStoppingRounds, classWeight: balanced ? .balanced : .none,
                scalePositiveWeight: scalePositiveWeight, validationFraction: validationFraction))
        let progress = ProgressBar(title: "Training", total: nil, unit: "steps")
        let run: TrainingRun
        do {
            defer { progress.finish() }
            run = try TrainingRun(specification, on: table, target: target, positiveLabel: positive, validation: validation,
                                  excluding: excluding, threshold: threshold, settings: settings, logger: Console.logger,
                                  progress: { progress.update(completed: $0, total: $1) })
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
            Console.output(String(format: "evaluated on the training rows (optimistic; use --cv or --folds for an estimate): ROC-AUC %.4f  PR-AUC %.4f  log loss %.4f  accuracy %.4f  F1 %.4f", m.rocAuc, m.prAuc, m.logLoss, m.accuracy, m.f1))
        }
        for item in run.report.importances.prefix(5) {
            Console.output(String(format: "  importance %.4f  ", item.value) + item.feature)
        }
    }
}
