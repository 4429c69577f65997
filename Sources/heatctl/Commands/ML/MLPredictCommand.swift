import ArgumentParser
import Foundation
import HeatEnvelope
import HeatCore
import HeatML

/// `heatctl ml predict`: apply a saved model to a raw CSV table.
struct MLPredictCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Score a raw CSV table with a saved model.",
        discussion: """
            Writes the input rows in order, unchanged, plus a `probability` column (the positive \
            class). The table needs the model's input columns; others are carried along. A category \
            not seen in training encodes as all zeros.

            With --explain N, each row also gets `expected_log_odds` (the model's base value) and \
            N triples `feature_K,contribution_K,effect_K` (K = 1..N): the N input columns with the \
            largest |contribution| to the row's log-odds, largest first. feature_K names the \
            column with the row's own value (`contract = One year`, `tenure = 2`; `missing` for \
            an empty cell), effect_K says whether it raises or lowers the probability of the \
            positive class. A categorical column's contribution is the sum over its one-hot \
            levels. Logistic regression: w_j * x_j after preprocessing (numeric features \
            standardised, so relative to the training mean row). GBDT: exact path-dependent \
            TreeSHAP values. Over all columns, expected_log_odds plus the contributions equals \
            logit(probability).

            Examples:
              heatctl ml predict --model churn.model --data new_customers.csv --out predictions.csv
              heatctl ml predict --model churn.model --data new_customers.csv --explain 3 --out explained.csv
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "The model file written by `ml train --out`.", completion: .file())
    var model: String

    @Option(name: .long, help: "The CSV file to score.", completion: .file())
    var data: String

    @Option(name: .long, help: "Where to write the rows with their probability.", completion: .file())
    var out: String

    @Option(name: .long, help: "Add the N largest per-feature contributions of each row (feature_K, contribution_K columns).")
    var explain: Int?

    func validate() throws {
        if let explain, explain < 1 { throw ValidationError("--explain must be at least 1, not \(explain)") }
    }

    func execute() async throws {
        let pipeline = try ModelPipeline.load(from: URL(filePath: model))
        let table = try pipeline.loadTable(from: URL(filePath: data))
        let probabilities = try pipeline.predictProbabilities(table)
        let name = table.columnNames.contains("probability") ? "probability_\(pipeline.positiveLabel)" : "probability"
        var extra: [(name: String, values: [String])] = [(name: name, values: probabilities.map { String($0) })]
        if let explain {
            let explanation = try pipeline.explainByColumn(table)
            let count = min(explain, explanation.columns.count)
            let top = (0..<table.rowCount).map { explanation.largest(count, row: $0) }
            extra.append((name: "expected_log_odds", values: Array(repeating: String(explanation.expectedValue), count: table.rowCount)))
            for k in 0..<count {
                extra.append((name: "feature_\(k + 1)", values: top.map { $0[k].label }))
                extra.append((name: "contribution_\(k + 1)", values: top.map { String($0[k].contribution) }))
                extra.append((name: "effect_\(k + 1)", values: top.map { $0[k].effect.rawValue }))
            }
            if explain > count {
                Console.info("--explain \(explain): the model has \(Plural.count(count, "input column")), so each row names \(count)")
            }
        }
        let text = table.csvText(appending: extra)
        try AtomicFile.write(text, to: URL(filePath: out))
        Console.info("wrote \(Plural.count(table.rowCount, "prediction")) to \(out)")
    }
}
