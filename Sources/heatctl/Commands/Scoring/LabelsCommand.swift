import ArgumentParser
import Foundation
import HeatCore
import HeatEnvelope

/// `heatctl labels ...`: training labels for models on encrypted features.
struct LabelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labels",
        abstract: "Map training labels keyed by raw client id to masked references (collector).",
        discussion: """
            Example:
              heatctl labels pseudonymise --keys keys/collector --labels labels.csv --out masked-labels.csv
            """,
        subcommands: [LabelsPseudonymiseCommand.self])
}

/// `heatctl labels pseudonymise --keys DIR/collector --labels labels.csv --out masked-labels.csv`.
struct LabelsPseudonymiseCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "pseudonymise",
        abstract: "Replace each label's raw client id by the client's masked reference.",
        discussion: """
            Runs as the collector (the only role holding the pseudonymisation key): reads a labels \
            CSV with a header holding client_id and churned (true/false or 1/0) and writes client_ref \
            (C- and the 64 hex digits of the client's HMAC, as `heatctl features` writes it) \
            followed by the label columns: churned and churn_week, or the columns listed with \
            --keep (churned is always kept). Any other column (names, e-mail addresses ...) is \
            refused with exit 65 naming the column, never its values, so nothing joinable with the \
            features leaves the collector. So the key holder joins labels and features by masked \
            reference and no role ever holds raw ids next to features. Errors name the line and \
            field, never the id (exit 65).

            Examples:
              heatctl generate --clients 500 --out interactions.csv --labels-out labels.csv
              heatctl labels pseudonymise --keys keys/collector --labels labels.csv --out masked-labels.csv
            """)

    @Option(name: .long, help: "The collector's folder (keys/collector).", completion: .directory)
    var keys: String

    @Option(name: .long, help: "Labels keyed by raw client id (client_id,churned,...).", completion: .file())
    var labels: String

    @Option(name: .long, help: "The masked labels to write.", completion: .file())
    var out: String

    @Option(name: .long, parsing: .upToNextOption, help: "The label columns to keep (default: churned churn_week; churned is always kept).")
    var keep: [String] = []

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func execute() async throws {
        let folder = try KeyFolder(path: keys, role: .collector)
        let key = try folder.pseudonymisationKey()
        let text = String(decoding: try InputFile.read(labels), as: UTF8.self)
        let (csv, rows) = try LabelPseudonymiser(key: key, keep: keep.isEmpty ? nil : keep).pseudonymise(csv: text, source: labels)
        try AtomicFile.write(Data(csv.utf8), to: URL(filePath: out))
        Console.output("wrote \(out): \(rows) labels keyed by masked reference")
    }
}
