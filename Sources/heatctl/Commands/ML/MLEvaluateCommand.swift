import ArgumentParser
import Foundation
import HeatCore
import HeatML

/// `heatctl ml evaluate`: score a saved model on a labelled CSV table.
struct MLEvaluateCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score a saved model on a labelled CSV table.",
        discussion: """
            Prints ROC-AUC, PR-AUC (average precision), log loss, accuracy, F1, precision and recall; \
            with --json the whole model report (curves, confusion matrix, calibration, importances).

            Example:
              heatctl ml evaluate --model churn.model --data Examples/data/telco_churn.csv --target churn --positive Yes
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "The model file written by `ml train --out`.", completion: .file())
    var model: String

    @Option(name: .long, help: "The labelled CSV file.", completion: .file())
    var data: String

    @Option(name: .long, help: "The target column.")
    var target: String

    @Option(name: .long, help: "The positive class; must match the model's.")
    var positive: String?

    @Option(name: .long, help: "Decision threshold for accuracy, F1, precision, recall.")
    var threshold: Double = 0.5

    @Flag(name: .long, help: "Print the model report as one JSON document on stdout.")
    var json = false

    func execute() async throws {
        let pipeline = try ModelPipeline.load(from: URL(filePath: model))
        guard pipeline.target == target else {
            throw ValidationError("the model was trained on target '\(pipeline.target)', not '\(target)'")
        }
        if let positive, positive != pipeline.positiveLabel {
            throw ValidationError("the model's positive class is '\(pipeline.positiveLabel)', not '\(positive)'")
        }
        let table = try pipeline.loadTable(from: URL(filePath: data))
        let report = try pipeline.evaluate(table, threshold: threshold)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Console.output(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        let m = report.metrics
        Console.output("model \(report.kind) on \(Plural.count(table.rowCount, "row")) of \(data)")
        Console.output(String(format: "ROC-AUC %.4f  PR-AUC %.4f  log loss %.4f", m.rocAuc, m.prAuc, m.logLoss))
        Console.output(String(format: "at %.2f: accuracy %.4f  F1 %.4f  precision %.4f  recall %.4f", threshold, m.accuracy, m.f1, m.precision, m.recall))
        Console.output("confusion [[tn, fp], [fn, tp]] = \(report.confusion)")
    }
}
