import ArgumentParser

/// `heatctl ml`: train, evaluate and apply HeatML models on CSV tables.
struct MLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ml",
        abstract: "Train, evaluate, apply and explain models; segment and score anomalies in CSV tables.",
        discussion: """
            Models are saved as CustomerHeat envelopes (kind model) holding the fitted \
            preprocessing, so `ml predict` works on raw CSV files.

            Example:
              heatctl ml train --data churn.csv --target churn --positive Yes --model gbdt --cv 5 --out churn.model
              heatctl ml predict --model churn.model --data new.csv --explain 3 --out predictions.csv
              heatctl ml cluster --data churn.csv --k 4 --out segments.csv --json
              heatctl ml anomalies --data churn.csv --out scores.csv
              heatctl ml import-xgboost model.json --out model.heat
              heatctl ml quantize churn.model --bits 8 --out churn.q8
              heatctl ml personas --data clients.csv --rules bank --out personas.csv
            """,
        subcommands: [MLTrainCommand.self, MLEvaluateCommand.self, MLPredictCommand.self, MLClusterCommand.self, MLAnomaliesCommand.self,
                      MLImportXGBoostCommand.self, MLExportXGBoostCommand.self, MLQuantizeCommand.self, MLPersonasCommand.self]
    )
}
