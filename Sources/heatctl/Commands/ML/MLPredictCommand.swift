import ArgumentParser
import Foundation
import HeatEnvelope
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

            Example:
              heatctl ml predict --model churn.model --data new_customers.csv --out predictions.csv
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "The model file written by `ml train --out`.")
    var model: String

    @Option(name: .long, help: "The CSV file to score.")
    var data: String

    @Option(name: .long, help: "Where to write the rows with their probability.")
    var out: String

    func execute() async throws {
        Console.quiet = global.quiet
        let pipeline = try ModelPipeline.load(from: URL(filePath: model))
        let table = try pipeline.loadTable(from: URL(filePath: data))
        let probabilities = try pipeline.predictProbabilities(table)
        let name = table.columnNames.contains("probability") ? "probability_\(pipeline.positiveLabel)" : "probability"
        let text = table.csvText(appending: [(name: name, values: probabilities.map { String($0) })])
        try AtomicFile.write(text, to: URL(filePath: out))
        Console.info("wrote \(table.rowCount) predictions to \(out)")
    }
}
