import ArgumentParser
import Foundation
import HeatEnvelope
import HeatCore
import HeatML

/// `heatctl ml import-xgboost`: turn an XGBoost JSON model into a HeatML model file.
struct MLImportXGBoostCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-xgboost",
        abstract: "Import an XGBoost JSON model (binary:logistic, reg:logistic, reg:squarederror) as a HeatML model.",
        discussion: """
            Reads a model saved by XGBoost's `Booster.save_model("model.json")` and writes a HeatML \
            model file that `ml predict` applies to any CSV holding the model's feature columns \
            (missing cells follow XGBoost's learned default directions; values are compared as \
            float32, as XGBoost does). Column names come from the model's feature names, or from \
            --features when it has none. Refused with a named reason (exit 65): other objectives, \
            multi-class models, categorical splits, dart or gblinear boosters.

            Examples:
              heatctl ml import-xgboost model.json --out model.heat
              heatctl ml import-xgboost model.json --features recency,frequency,spend --out model.heat
              heatctl ml predict --model model.heat --data clients.csv --out scored.csv
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The XGBoost JSON model file.")
    var input: String

    @Option(name: .long, help: "Where to write the HeatML model.")
    var out: String

    @Option(name: .long, help: "Comma-separated column names in model order (needed when the model has no feature names).")
    var features: String?

    @Option(name: .long, help: "The target column name recorded in the model (for `ml evaluate`).")
    var target: String = "label"

    @Option(name: .long, help: "The positive class label recorded in the model.")
    var positive: String = "1"

    func execute() async throws {
        let names = features.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } }
        if let names, names.contains(where: \.isEmpty) { throw ValidationError("--features has an empty name: '\(features ?? "")'") }
        let negative = positive == "0" ? "1" : (positive == "1" ? "0" : "not \(positive)")
        let pipeline = try ModelPipeline.importXGBoost(from: URL(filePath: input), featureNames: names, target: target,
                                                       positiveLabel: positive, negativeLabel: negative)
        try pipeline.save(to: URL(filePath: out))
        guard case let .gbdt(model) = pipeline.model else { return }
        Console.info("imported \(Plural.count(model.trees.count, "tree")) over \(Plural.count(model.featureCount, "feature")) (\(model.objective.rawValue), base score \(model.fittedBaseScore ?? 0.5)) to \(out)")
    }
}
