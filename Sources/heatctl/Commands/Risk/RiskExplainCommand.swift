import ArgumentParser
import Foundation
import HeatCore
import HeatEnvelope
import HeatML

/// `heatctl risk explain`: why one masked client got their score.
struct RiskExplainCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain one client's risk score: every column's contribution, phrased, largest first.",
        discussion: """
            Finds the client by masked reference (C- and 8 or more hex digits, as `heatctl clients` \
            shows it) by pseudonymising the data's --id-column with the collector's key, scores the \
            row with the model and prints the score, band, calibrated probability, the base value and \
            every input column's contribution (TreeSHAP or linear, in log-odds and score points), \
            largest first; the base plus the contributions equals the client's log-odds. The raw \
            client id is never printed. Alternatively --row N picks the Nth data row (1-based). \
            No row with the reference, or several (give more digits), is exit 65.

            Example:
              heatctl risk explain --model churn.risk --data clients.csv --id-column client_id \\
                --keys keys/collector --client C-7f3a9c2e --phrasing Examples/risk/telco-phrasing.json
              heatctl risk explain --model churn.risk --data Examples/data/telco_churn.csv --row 12 --json
            """
    )

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    @Option(name: .long, help: "The risk model written by `risk fit`.")
    var model: String

    @Option(name: .long, help: "The CSV file with the client's row.")
    var data: String

    @Option(name: .long, help: "The client's masked reference (C-…).")
    var client: String?

    @Option(name: .customLong("id-column"), help: "With --client: the column of raw client ids.")
    var idColumn: String?

    @Option(name: .long, help: "With --client: the collector's key folder.", completion: .directory)
    var keys: String?

    @Option(name: .long, help: "Instead of --client: the data row, 1-based.")
    var row: Int?

    @Option(name: .long, help: "A JSON file with the band thresholds {\"high\": 70, \"medium\": 40}.")
    var bands: String?

    @Option(name: .long, help: "A JSON reason-phrasing file (Docs/Analytics.md).")
    var phrasing: String?

    @Flag(name: .long, help: "Print the explanation as JSON.")
    var json = false

    func validate() throws {
        switch (client, row) {
        case (nil, nil): throw ValidationError("name the client: --client C-… (with --id-column and --keys) or --row N")
        case (.some, .some): throw ValidationError("--client and --row are alternatives: give one")
        case (.some, nil):
            if idColumn == nil || keys == nil { throw ValidationError("--client needs --id-column COLUMN and --keys DIR/collector") }
        case (nil, .some(let n)):
            if n < 1 { throw ValidationError("--row is 1-based: give 1 or more, not \(n)") }
        }
    }

    func execute() async throws {
        let calibrated = try CalibratedModel.load(from: URL(filePath: model))
        let bandConfig = try bands.map { path throws(RiskError) in try RiskBands.load(from: URL(filePath: path)) } ?? .standard
        let phrasebook = try phrasing.map { path throws(RiskError) in try ReasonPhrasebook.load(from: URL(filePath: path)) } ?? .plain
        let table = try calibrated.pipeline.loadTable(from: URL(filePath: data))
        let file = URL(filePath: data).lastPathComponent
        let index: Int
        let ref: String
        if let client, let idColumn, let keys {
            let pseudonymizer = Pseudonymizer(key: try KeyFolder(path: keys, role: .collector).pseudonymisationKey())
            index = try RiskExplanation.row(of: client, ids: try table.column(named: idColumn).raw, pseudonymizer: pseudonymizer, file: file)
            ref = client
        } else {
            let n = row ?? 1
            guard n <= table.rowCount else { throw ValidationError("--row \(n): \(file) has \(Plural.count(table.rowCount, "row"))") }
            index = n - 1
            ref = "row \(n)"
        }
        let scorer = RiskScorer(model: calibrated, bands: bandConfig, phrasebook: phrasebook)
        let explanation = try RiskExplanation(scorer: scorer, table: table, row: index, ref: ref)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Console.output(String(decoding: try encoder.encode(explanation), as: UTF8.self))
            return
        }
        Console.output("\(explanation.ref): score \(explanation.score) (\(explanation.band.rawValue)), probability \(String(format: "%.4f", explanation.probability))")
        Console.output("base: score \(String(format: "%.1f", explanation.baseScore)), log-odds \(String(format: "%+.4f", explanation.baseMargin)); the reasons below add \(String(format: "%+.4f", explanation.margin - explanation.baseMargin)) log-odds")
        for reason in explanation.reasons {
            Console.output("  \(reason.text)\t(\(reason.column), \(String(format: "%+.4f", reason.logOdds)) log-odds)")
        }
    }
}
