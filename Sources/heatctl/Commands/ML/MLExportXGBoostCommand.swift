import ArgumentParser
import Foundation
import HeatEnvelope
import HeatCore
import HeatML

/// `heatctl ml export-xgboost`: write a HeatML boosted-tree model in XGBoost's JSON format.
struct MLExportXGBoostCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-xgboost",
        abstract: "Export a HeatML boosted-tree model to XGBoost's JSON model format.",
        discussion: """
            The file loads with `xgboost.Booster(model_file="model.json")` and gives the same \
            predictions on the model's feature columns (thresholds are rounded to the nearest float32, so a value equal to a \
            threshold goes the same way). Feature names are the model's features: a \
            numeric column keeps its name, a one-hot feature is `column=category`. Only gbdt \
            models are exported (a logistic model is refused, exit 64).

            Examples:
              heatctl ml export-xgboost churn.model --out churn.json
              python3 -c 'import xgboost; xgboost.Booster(model_file="churn.json")'
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The HeatML model file (from `ml train --model gbdt` or `ml import-xgboost`).")
    var input: String

    @Option(name: .long, help: "Where to write the XGBoost JSON model.")
    var out: String

    func execute() async throws {
        let pipeline = try ModelPipeline.load(from: URL(filePath: input))
        let data = try pipeline.xgboostJSON()
        try AtomicFile.write(data, to: URL(filePath: out))
        Console.info("wrote an XGBoost JSON model (\(Plural.count(pipeline.transformer.featureNames.count, "feature"))) to \(out)")
    }
}
