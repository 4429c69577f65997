import ArgumentParser

/// `heatctl risk`: calibrated 0-100 risk scores with reasons, and next actions.
struct RiskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "risk",
        abstract: "Fit calibrated risk models, score rows 0-100 with bands and reasons, recommend next actions.",
        discussion: """
            `risk fit` trains a model (logistic or gbdt) and a probability calibrator (Platt or \
            isotonic, chosen by cross-validated log loss) on the model's out-of-fold margins; \
            `risk score` turns each row into a 0-100 score, a High / Medium / Low band and the top \
            reasons; `risk recommend` applies a rule file of prioritised next actions. See \
            Docs/Analytics.md.

            Example:
              heatctl risk fit --data Examples/data/telco_churn.csv --target churn --positive Yes \\
                --model logistic --folds Examples/data/telco_churn_folds.csv --out churn.risk
              heatctl risk score --model churn.risk --data Examples/data/telco_churn.csv \\
                --phrasing Examples/risk/telco-phrasing.json --out scores.csv
              heatctl risk recommend --rules Examples/risk/retail-actions.json --data scores.csv --out actions.csv
            """,
        subcommands: [RiskFitCommand.self, RiskScoreCommand.self, RiskRecommendCommand.self, RiskPortfolioCommand.self, RiskExplainCommand.self]
    )
}
