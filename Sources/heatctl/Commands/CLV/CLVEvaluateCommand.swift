import ArgumentParser
import Foundation
import HeatCore
import HeatEnvelope
import HeatML

/// `heatctl clv evaluate`.
struct CLVEvaluateCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Fit on the calibration period and compare the holdout forecast with what happened, per frequency group.",
        discussion: """
            Customers are grouped by their calibration frequency (0, 1, ..., 6, 7+); for each \
            group the mean actual and mean predicted holdout purchases (the table behind \
            lifetimes' plot_calibration_purchases_vs_holdout_purchases), then totals, MAE and RMSE \
            per customer. The holdout runs from the day after --calibration-end to --holdout-end \
            (default: the last date of the log).

            Form:
              heatctl clv evaluate --transactions FILE.csv --calibration-end DATE [--holdout-end DATE] [--json]

            Example:
              heatctl clv evaluate --transactions Examples/data/cdnow_transactions.csv --amount-column dollar_value --calibration-end 1997-09-30 --json
            """)

    @OptionGroup var input: CLVInputOptions
    @Flag(help: "Print one JSON document on stdout.") var json = false
    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func validate() throws {
        try input.validateDates()
        guard input.calibrationEnd != nil else { throw ValidationError("--calibration-end DATE is required for a holdout evaluation") }
    }

    struct Report: Codable {
        var calibrationEnd: String
        var holdoutEnd: String
        var bgnbd: BetaGeoModel
        var evaluation: HoldoutEvaluation
    }

    func execute() async throws {
        let (log, summary) = try input.summary()
        let model = try BetaGeoModel.fit(summary.customers.map(\.rfm))
        let evaluation = try HoldoutEvaluation(model: model, summary: summary)
        let report = Report(calibrationEnd: TransactionDay.format(summary.calibrationEnd),
                            holdoutEnd: summary.holdoutEnd.map(TransactionDay.format) ?? "", bgnbd: model, evaluation: evaluation)
        if json {
            Console.output(String(decoding: try CLVModelFile.encoder().encode(report), as: UTF8.self))
        } else {
            Console.output(String(format: "holdout %@..%@ (%.1f weeks), %d customers: actual %d, predicted %.1f purchases; MAE %.4f, RMSE %.4f",
                                  TransactionDay.format(summary.calibrationEnd + 1), report.holdoutEnd, evaluation.holdoutLength,
                                  evaluation.customers, evaluation.actualTotal, evaluation.predictedTotal,
                                  evaluation.meanAbsoluteError, evaluation.rootMeanSquaredError))
            Console.output("frequency  customers  actual mean  predicted mean   error")
            for group in evaluation.groups {
                let label = String(repeating: " ", count: max(0, 9 - group.label.count)) + group.label
                Console.output(label + String(format: "  %9d  %11.4f  %14.4f  %+7.4f", group.customers, group.actualMean,
                                              group.predictedMean, group.error))
            }
        }
        try input.finish(log)
    }
}
