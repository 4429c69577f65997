import ArgumentParser
import Foundation
import HeatCore
import HeatEnvelope
import HeatML

/// `heatctl trees ...`: the collector's and key holder's steps of encrypted boosted-tree scoring.
struct TreesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trees",
        abstract: "Encrypted boosted-tree scoring: collector features, split plan, split bits, relinearization key, decryption.",
        discussion: """
            The evaluator's step is `heatctl evaluate --model FILE --tree-inputs BITS` \
            (Docs/EncryptedScoring.md section 4).

            Examples:
              heatctl trees features --keys keys/collector --clients clients.csv --input interactions.csv --labels masked-labels.csv --out train.csv
              heatctl ml train --data train.csv --target churned --positive true --model gbdt --max-depth 4 --out churn-gbdt.model
              heatctl trees plan --model churn-gbdt.model --out plan.json
              heatctl trees relin-key --keys keys/keyholder --evaluator keys/evaluator
              heatctl trees encode --plan plan.json --keys keys/collector --store heat.db --clients clients.csv --input interactions.csv --out bits.heat
              heatctl evaluate --store heat.db --keys keys/evaluator --out run.heat --model churn-gbdt.model --tree-inputs bits.heat --scores-out tree-scores.heat
              heatctl trees decrypt --keys keys/keyholder --store heat.db --scores tree-scores.heat --out tree-scores.csv
            """,
        subcommands: [
            TreesFeaturesCommand.self, TreesPlanCommand.self, TreesRelinKeyCommand.self, TreesEncodeCommand.self, TreesDecryptCommand.self,
        ])

    /// Reads a client file and an export as the collector does (`ingest`), lenient: rejected rows are warned about.
    static func read(clients: String, input: String) throws -> (clients: [Client], interactions: [Interaction]) {
        let clientReport = try ClientReader(strict: false).read(contentsOf: URL(filePath: clients))
        if !clientReport.isClean { Console.warning(clientReport.rejectReport) }
        let interactionReport = try InteractionReader(strict: false).read(contentsOf: URL(filePath: input))
        if !interactionReport.isClean { Console.warning(interactionReport.rejectReport) }
        return (clientReport.records, interactionReport.records)
    }

    /// The reference date: `--as-of`, else the export's latest day.
    static func referenceDate(_ text: String?, interactions: [Interaction]) throws -> CalendarDate {
        if let text {
            do {
                return try CalendarDate(iso8601: text)
            } catch {
                throw ValidationError("--as-of must be a date such as 2026-03-31 (found \(text))")
            }
        }
        return CalendarDate(daysSinceEpoch: interactions.map(\.occurredAt.date.daysSinceEpoch).max() ?? 0)
    }
}

/// `heatctl trees features`: the collector's plaintext features keyed by masked reference.
struct TreesFeaturesCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Write the features the collector knows (client file and export counts) keyed by masked reference (collector).",
        discussion: """
            Columns: client_ref (C- and the client's full HMAC), tenure_weeks (missing when \
            opened_on is unknown), events, inbound, outbound, calls, emails, meetings, messages, \
            replies, minutes, segment, region; with --labels (a `labels pseudonymise` file) also \
            churned, keeping only labelled clients. Heat and trend are not among them: they exist \
            only as ciphertexts. Train a gbdt model on the file with `heatctl ml train --model gbdt`.

            Example:
              heatctl trees features --keys keys/collector --clients clients.csv --input interactions.csv --labels masked-labels.csv --out train.csv
            """)

    @Option(name: .long, help: "The collector's folder (keys/collector).", completion: .directory) var keys: String
    @Option(name: .long, help: "The client file.", completion: .file()) var clients: String
    @Option(name: .long, help: "The interaction export.", completion: .file()) var input: String
    @Option(name: .long, help: "Masked labels (client_ref,churned,...) from `labels pseudonymise`.", completion: .file()) var labels: String?
    @Option(name: .customLong("as-of"), help: "Reference date for tenure (default: the export's latest day).") var asOf: String?
    @Option(name: .long, help: "The CSV to write.", completion: .file()) var out: String
    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func execute() async throws {
        let key = try KeyFolder(path: keys, role: .collector).pseudonymisationKey()
        let (clientRecords, interactions) = try TreesCommand.read(clients: clients, input: input)
        let reference = try TreesCommand.referenceDate(asOf, interactions: interactions)
        var (table, pseudonyms) = try CollectorTreeFeatures.table(clients: clientRecords, interactions: interactions, asOf: reference, key: key)
        var refs = pseudonyms.map { "C-\($0.hex)" }
        var extra: [(name: String, values: [String])] = []
        if let labels {
            let text = String(decoding: try InputFile.read(labels), as: UTF8.self)
            let lines = text.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            guard let header = lines.first, let refColumn = header.firstIndex(of: "client_ref"), let labelColumn = header.firstIndex(of: "churned") else {
                throw ScoringError.badLabels(path: labels, line: 1, field: "header", reason: "needs client_ref and churned (a `labels pseudonymise` file)")
            }
            var byRef: [String: String] = [:]
            for (index, fields) in lines.dropFirst().enumerated() {
                guard fields.count > max(refColumn, labelColumn) else {
                    throw ScoringError.badLabels(path: labels, line: index + 2, field: "row", reason: "has \(fields.count) fields, expected \(header.count)")
                }
                byRef[fields[refColumn]] = fields[labelColumn]
            }
            let kept = refs.indices.filter { byRef[refs[$0]] != nil }
            table = table.selectingRows(kept)
            pseudonyms = kept.map { pseudonyms[$0] }
            refs = kept.map { refs[$0] }
            extra = [("churned", refs.map { byRef[$0] ?? "" })]
        }
        let text = table.csvText(appending: extra)
        // client_ref first: prepend it to every line of the table's CSV.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var output = ""
        for (index, line) in lines.enumerated() where !(index == lines.count - 1 && line.isEmpty) {
            output += (index == 0 ? "client_ref" : refs[index - 1]) + "," + line + "\n"
        }
        try AtomicFile.write(Data(output.utf8), to: URL(filePath: out))
        Console.output("wrote \(out): \(refs.count) clients x \(table.columns.count) collector features\(labels == nil ? "" : " with labels")")
    }
}

/// `heatctl trees plan`: the split plan the collector needs (thresholds only, no leaf values).
struct TreesPlanCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Write a gbdt model's split plan for the collector: preprocessing and split thresholds, never leaf values.",
        discussion: """
            The model is an `ml train --model gbdt` file (quantized here to 8 bits) or an `ml \
            quantize` file with trees, of depth at most 4 (else exit 65). The plan is sorted-key \
            JSON; its SHA-256 is written into the collector's bits, and the evaluator refuses bits \
            of another plan.

            Example:
              heatctl trees plan --model churn-gbdt.model --out plan.json
            """)

    @Option(name: .long, help: "The gbdt model file.", completion: .file()) var model: String
    @Option(name: .long, help: "The plan to write (JSON).", completion: .file()) var out: String
    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func execute() async throws {
        guard let tree = try TreeModelScoring.treeModel(in: model) else {
            throw TreeScoringError.unsupportedModel(source: model, reason: "field model: not a gbdt model (train one with `ml train --model gbdt`)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try AtomicFile.write(try encoder.encode(tree.plan), to: URL(filePath: out))
        Console.output("wrote \(out): \(tree.plan.splits.count) distinct splits over \(tree.plan.columns.count) columns (\(tree.integer.trees.count) trees, no leaf values)")
    }
}

/// `heatctl trees relin-key`: the evaluation key the tree circuit needs.
struct TreesRelinKeyCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "relin-key",
        abstract: "Write the relinearization key into the evaluator folder (key holder).",
        discussion: """
            Runs as the key holder (the secret key makes it): writes bfv-relin-key.heat (seeded) \
            into the evaluator folder. It lets the evaluator multiply ciphertexts, not decrypt \
            them. Refuses to overwrite an existing key. In an evaluator folder of `keys rotate \
            --fhe` (it holds fhe-key.generation), the key holder folder must be of the same FHE \
            key generation (exit 64 otherwise), and the key's SHA-256 is added to that file, whose \
            list the key holder signs again with its store signing key (signing.key in --keys, \
            exit 66 without one) so the evaluator accepts it; a list that no longer verifies is \
            not re-signed (exit 65).

            Example:
              heatctl trees relin-key --keys keys/keyholder --evaluator keys/evaluator
            """)

    @Option(name: .long, help: "The key holder's folder (keys/keyholder).", completion: .directory) var keys: String
    @Option(name: .long, help: "The evaluator's folder to write into (keys/evaluator).", completion: .directory) var evaluator: String
    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func execute() async throws {
        let folder = try KeyFolder(path: keys, role: .keyholder)
        let keyHolder = try KeyHolder(folder: folder)
        // Issue 27 (s38): the key holder signs the evaluator's evaluation key list with its store signing key.
        let written = try keyHolder.writeRelinearizationKey(toEvaluatorFolder: evaluator, signingKey: folder.signingKey())
        let bytes = (try? FileManager.default.attributesOfItem(atPath: written)[.size] as? Int) ?? 0
        Console.output("wrote \(written) (\(bytes) bytes)")
    }
}

/// `heatctl trees encode`: the collector's encrypted split bits.
struct TreesEncodeCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Encrypt each client's split bits against a plan (collector).",
        discussion: """
            Runs as the collector: computes the features it knows (`trees features`), packs the \
            clients of the store's directory densely in slot order (8,192 clients fill one batch of \
            an 8,192-slot ring; clients not yet ingested into --store are skipped and counted), \
            records which clients it encoded and the directory it encoded against (the \
            key holder releases scores only for those clients, and refuses once the directory \
            changes), sets bit k when the client goes left at split k (value below the cut, or \
            missing with a left default) and encrypts one ciphertext per split per slot batch with \
            the public key (an encryptedTreeInputs envelope for `evaluate --tree-inputs`).

            Example:
              heatctl trees encode --plan plan.json --keys keys/collector --store heat.db --clients clients.csv --input interactions.csv --out bits.heat
            """)

    @Option(name: .long, help: "The split plan (`trees plan`).", completion: .file()) var plan: String
    @Option(name: .long, help: "The collector's folder (keys/collector).", completion: .directory) var keys: String
    @Option(name: .long, help: "The store (its client directory gives the slots).", completion: .file()) var store: String
    @Option(name: .long, help: "The client file.", completion: .file()) var clients: String
    @Option(name: .long, help: "The interaction export.", completion: .file()) var input: String
    @Option(name: .customLong("as-of"), help: "Reference date for tenure (default: the export's latest day).") var asOf: String?
    @Option(name: .long, help: "The bits to write (encryptedTreeInputs envelope).", completion: .file()) var out: String
    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func execute() async throws {
        let splitPlan: TreeSplitPlan
        do {
            splitPlan = try JSONDecoder().decode(TreeSplitPlan.self, from: Data(try InputFile.read(plan)))
        } catch let error as ClassifiedError {
            throw error
        } catch {
            throw TreeScoringError.inputMismatch(source: plan, field: "plan", reason: "not a split plan written by `trees plan` (\(error))")
        }
        guard splitPlan.schema == TreeSplitPlan.currentSchema else {
            throw TreeScoringError.inputMismatch(source: plan, field: "schema", reason: "\(splitPlan.schema) is not \(TreeSplitPlan.currentSchema)")
        }
        let folder = try KeyFolder(path: keys, role: .collector)
        let material = try PipelineKeys.publicMaterial(in: folder)
        let (clientRecords, interactions) = try TreesCommand.read(clients: clients, input: input)
        let reference = try TreesCommand.referenceDate(asOf, interactions: interactions)
        let started = Date()
        let (inputs, skipped) = try EncryptedTreeInputs.encrypt(
            clients: clientRecords, interactions: interactions, asOf: reference, plan: splitPlan, store: HeatStore(path: store),
            key: folder.pseudonymisationKey(), material: material)
        try inputs.envelope().write(to: URL(filePath: out))
        Console.output("""
            wrote \(out): \(inputs.header.clients) clients, \(inputs.header.splits) split ciphertexts x \(inputs.header.batches.count) slot batches \
            in \(String(format: "%.2f", Date().timeIntervalSince(started))) s\(skipped > 0 ? "; \(skipped) clients not in the store's directory skipped (ingest them first)" : "")
            """)
    }
}

/// `heatctl trees decrypt`: the key holder's decryption of the tree scores, inside the vault.
struct TreesDecryptCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "decrypt",
        abstract: "Decrypt the encrypted tree scores by client reference (key holder, inside the vault).",
        discussion: """
            Decrypts only the score ciphertexts and writes client_ref (display reference), score \
            and probability per client: vault-internal, like `heatctl features`. Only the clients \
            `trees encode` encoded get a row; refused (exit 65) when the store's directory changed \
            since the encoding (encode again) or the scores' model does not match the plan hash in \
            the scores' header. These checks detect accidental mismatches; they cannot prove what \
            the collector encoded (the record is an unsigned copy in the header the evaluator \
            writes): a malicious evaluator is out of scope (semi-honest model). Releases to other roles (per-client scores or score-band counts per group, as \
            policy allows) go through `heatctl scores release --scores tree-scores.heat`.

            Example:
              heatctl trees decrypt --keys keys/keyholder --store heat.db --scores tree-scores.heat --out tree-scores.csv
            """)

    @Option(name: .long, help: "The key holder's folder (keys/keyholder).", completion: .directory) var keys: String
    @Option(name: .long, help: "The store.", completion: .file()) var store: String
    @Option(name: .long, help: "The evaluator's tree scores (encryptedTreeScores envelope).", completion: .file()) var scores: String
    @Option(name: .long, help: "The CSV to write.", completion: .file()) var out: String
    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func execute() async throws {
        let keyHolder = try KeyHolder(folder: KeyFolder(path: keys, role: .keyholder))
        let envelope = try Envelope.read(from: URL(filePath: scores), expecting: .encryptedTreeScores)
        let run = try EncryptedTreeScoreRun(envelope: envelope, context: keyHolder.context, source: scores)
        let rows = try keyHolder.treeScoreRows(run: run, store: HeatStore(path: store))
        var text = "client_ref,score,probability\n"
        for row in rows { text += "\(row.ref),\(row.score),\(String(format: "%.6f", row.probability))\n" }
        try AtomicFile.write(Data(text.utf8), to: URL(filePath: out))
        let directoryClients = run.header.coverage?.directory.clients ?? rows.count
        Console.output("""
            wrote \(out): \(rows.count) tree scores for the \(rows.count) of \(directoryClients) directory clients the collector encoded \
            (noise budget left \(try keyHolder.noiseBudget(of: run)) bits)
            """)
    }
}
