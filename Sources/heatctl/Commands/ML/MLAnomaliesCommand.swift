import ArgumentParser
import Foundation
import HeatCore
import HeatEnvelope
import HeatML

/// `heatctl ml anomalies`: Isolation Forest scores for the rows of a CSV table.
struct MLAnomaliesCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "anomalies",
        abstract: "Score the rows of a CSV table for anomalies with an Isolation Forest.",
        discussion: """
            Uses every numeric (and true/false) column except identifiers and --ignore'd ones, \
            median-imputed and standardised; 100 trees of 256 sampled rows. Writes the input rows \
            in order plus `anomaly_score` (2^(-E[h]/c(256)) in (0, 1], higher is more unusual) and \
            `anomaly` (1 above the threshold: 0.5 with --contamination auto, otherwise the score \
            quantile that flags that share of rows). Prints the share of rows flagged.

            The default, --contamination auto, follows scikit-learn's IsolationForest \
            (contamination="auto"): a row is flagged when its score is above 0.5. That threshold \
            does not adapt to the data and can flag most rows of a table without a distinct group \
            of outliers (70.9% of the Telco sample's rows); to flag a chosen share instead, pass \
            --contamination, for example 0.05 for the 5% most unusual rows.

            Example:
              heatctl ml anomalies --data Examples/data/cdnow_customers.csv --ignore repeat_in_holdout \\
                --ignore cv_fold --contamination 0.05 --seed 42 --out anomalies.csv
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "The CSV file to score.", completion: .file())
    var data: String

    @Option(name: .long, help: "auto (threshold 0.5) or the share of rows to flag, in (0, 0.5].")
    var contamination: String = "auto"

    @Option(name: .long, help: "Seed for the subsamples and splits.")
    var seed: UInt64 = 42

    @Option(name: .long, help: "Where to write the rows with their score.", completion: .file())
    var out: String

    @Option(name: .long, help: "A column that is not used (repeatable), e.g. a target or fold column.")
    var ignore: [String] = []

    @Option(name: .long, help: "The number of trees.")
    var trees: Int = 100

    /// The parsed --contamination.
    var rule: IsolationForest.Contamination? {
        if contamination == "auto" { return .auto }
        guard let share = Double(contamination), share > 0, share <= 0.5 else { return nil }
        return .share(share)
    }

    func validate() throws {
        guard rule != nil else { throw ValidationError("--contamination must be auto or a number in (0, 0.5], not '\(contamination)'") }
        guard trees >= 1 else { throw ValidationError("--trees must be at least 1, not \(trees)") }
    }

    func execute() async throws {
        let table = try DataTable(contentsOf: URL(filePath: data))
        let features = try NumericFeatures(table, excluding: Set(ignore))
        Console.info("scoring \(Plural.count(table.rowCount, "row")) on \(Plural.count(features.columns.count, "standardised column")): \(features.columns.joined(separator: ", "))")
        var forest = IsolationForest(estimators: trees, contamination: rule ?? .auto, seed: seed)
        try forest.fit(features.matrix)
        let progress = ProgressBar(title: "Scoring", total: trees, unit: "trees")
        let scores: [Double]
        do {
            defer { progress.finish() }
            scores = try forest.scores(features.matrix, progress: { progress.update(completed: $0, total: $1) })
        }
        let flags = scores.map { $0 > forest.threshold ? "1" : "0" }
        let text = table.csvText(appending: [(name: "anomaly_score", values: scores.map { String($0) }), (name: "anomaly", values: flags)])
        try AtomicFile.write(text, to: URL(filePath: out))
        let flagged = flags.filter { $0 == "1" }.count
        Console.info("wrote \(Plural.count(table.rowCount, "score")) to \(out)")
        Console.info(Self.flaggedSummary(flagged: flagged, rows: table.rowCount, threshold: forest.threshold, automatic: rule == .auto))
    }

    /// The lines that state the share flagged and, for the automatic threshold, where it comes
    /// from and how to choose a share instead.
    static func flaggedSummary(flagged: Int, rows: Int, threshold: Double, automatic: Bool) -> String {
        let share = String(format: "%.1f%%", Double(flagged) / Double(max(rows, 1)) * 100)
        var text = "flagged \(flagged) of \(Plural.count(rows, "row")) (\(share)) as anomalous: score above \(String(format: "%.4f", threshold))"
        if automatic {
            text += "\nnote: --contamination auto (the default) flags every score above 0.5, as scikit-learn's "
                + "IsolationForest(contamination=\"auto\") does; that threshold does not adapt to the data and flagged \(share) here. "
                + "To flag a chosen share of rows, pass --contamination, e.g. --contamination 0.05 for the 5% most unusual."
        }
        return text
    }
}
