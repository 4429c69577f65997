import ArgumentParser
import Foundation
import HeatCore
import HeatEnvelope

/// `heatctl features --store heat.db --keys DIR/keyholder [--as-of DATE] [--labels masked.csv] --out features.csv`.
struct FeaturesCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Compute and decrypt every client's churn features, keyed by masked reference (key holder, in the vault).",
        discussion: """
            Runs inside the vault with the key holder folder: computes the churn feature set on the \
            store's ciphertexts (the circuit is the evaluator's: additions only, no key needed) and \
            decrypts it. Per client: the capped counts per channel and direction (call_in, call_out, \
            email_in, ...), replies and duration units (300 s each by default) over the last 4, 13, \
            26 and 52 weeks up to --as-of (default: the latest stored week), then heat and trend: 42 \
            integer columns named like call_in_4w, replies_26w, heat, trend. The store must have \
            been ingested with `heatctl ingest --features` (else exit 66). Rows are keyed by \
            client_ref (C- and the 64 hex digits of the client's HMAC), never by raw id. With \
            --labels (the output of `heatctl labels pseudonymise`), only labelled clients are \
            written, with the label columns appended, ready for `heatctl ml train`.

            Examples:
              heatctl features --store heat.db --keys keys/keyholder --out features.csv
              heatctl features --store heat.db --keys keys/keyholder --labels masked-labels.csv --out train.csv
              heatctl ml train --data train.csv --target churned --positive true --model logistic --ignore churn_week --out churn.model
            """)

    @Option(name: .long, help: "The store (ingested with --features).", completion: .file())
    var store: String

    @Option(name: .long, help: "The key holder's folder (keys/keyholder).", completion: .directory)
    var keys: String

    @Option(name: .long, help: "Masked labels (from `labels pseudonymise`) to join as extra columns.", completion: .file())
    var labels: String?

    @OptionGroup var asOfOption: AsOfOption

    @Option(name: .long, help: "Heat configuration file (default: the built-in configuration).", completion: .file())
    var config: String?

    @Option(name: .long, help: "The CSV file to write.", completion: .file())
    var out: String

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func execute() async throws {
        let configuration = try PipelineOptions.configuration(config)
        let folder = try KeyFolderRefusal.open(keys, role: .keyholder, store: store, action: "features")
        let keyHolder = try KeyHolder(folder: folder)
        let opened = try HeatStore(path: store)
        var masked: (header: [String], rows: [String: [String]])?
        if let labels {
            let text = String(decoding: try InputFile.read(labels), as: UTF8.self)
            masked = try FeatureTable.maskedLabels(csv: text, source: labels)
        }
        let featureSet = ChurnFeatureSet(configuration: configuration)
        let features = try Evaluator(context: keyHolder.context).evaluateFeatures(store: opened, featureSet: featureSet, asOf: try asOfOption.date())
        let rows = try keyHolder.decrypt(features: features, store: opened)
        let (csv, written) = FeatureTable.csv(rows: rows, names: featureSet.names, labels: masked)
        try AtomicFile.write(Data(csv.utf8), to: URL(filePath: out))
        Console.output("wrote \(out): \(featureSet.names.count) features for \(written) clients as of \(features.referenceWeek)"
            + (masked == nil ? "" : " (\(rows.count - written) clients without a label left out)"))
    }
}
