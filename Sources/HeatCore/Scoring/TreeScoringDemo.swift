import Foundation
import HeatFHE
import HeatML

/// The features a collector knows in plaintext at ingestion, for boosted-tree models (issue 15
/// item 3): the client file's attributes and the counts of the export being ingested. Heat,
/// trend and the churn windows exist only as evaluator outputs (ciphertexts) and are not here.
///
/// | column | meaning |
/// | --- | --- |
/// | `tenure_weeks` | whole weeks from `opened_on` to the reference date (missing when unknown or later) |
/// | `segment`, `region` | the client file's categories (`unknown` for a client absent from it) |
/// | `events` | the export's interactions of the client |
/// | `inbound`, `outbound` | the same by direction |
/// | `calls`, `emails`, `meetings`, `messages` | the same by channel |
/// | `replies` | interactions answered (a reply time is given) |
/// | `minutes` | summed durations in whole minutes |
///
/// ```swift
/// let (table, clients) = CollectorTreeFeatures.table(clients: file, interactions: export, asOf: today, key: key)
/// let matrix = try model.plan.matrix(table)       // then EncryptedTreeInputs.encrypt
/// ```
public enum CollectorTreeFeatures {
    /// The numeric columns, in table order (after them come `segment` and `region`).
    public static let numericColumns = [
        "tenure_weeks", "events", "inbound", "outbound", "calls", "emails", "meetings", "messages", "replies", "minutes",
    ]

    /// The feature table, one row per client (the client file's, then clients seen only in the export, by pseudonym).
    ///
    /// - Parameters:
    ///   - clients: the client file.
    ///   - interactions: the export.
    ///   - asOf: the reference date for tenure.
    ///   - key: the pseudonymisation key (rows are keyed by pseudonym, never by raw id).
    /// - Returns: the table and each row's client pseudonym.
    public static func table(
        clients: [Client], interactions: [Interaction], asOf: CalendarDate, key: PseudonymisationKey
    ) throws -> (table: DataTable, pseudonyms: [Pseudonym]) {
        let pseudonymizer = Pseudonymizer(key: key)
        var order: [String] = []
        var attributes: [String: Client] = [:]
        for client in clients where attributes[client.clientID] == nil {
            attributes[client.clientID] = client
            order.append(client.clientID)
        }
        var counts: [String: [Double]] = [:]
        let channels: [Channel] = [.call, .email, .meeting, .message]
        for interaction in interactions {
            var row = counts[interaction.clientID] ?? [Double](repeating: 0, count: numericColumns.count - 1)
            row[0] += 1
            row[interaction.direction == .inbound ? 1 : 2] += 1
            if let c = channels.firstIndex(of: interaction.channel) { row[3 + c] += 1 }
            if interaction.repliedWithinHours != nil { row[7] += 1 }
            row[8] += Double((interaction.durationSeconds ?? 0) / 60)
            if counts[interaction.clientID] == nil, attributes[interaction.clientID] == nil { order.append(interaction.clientID) }
            counts[interaction.clientID] = row
        }
        var rows = order.map { id in (id: id, pseudonym: pseudonymizer.pseudonym(for: id, kind: .client)) }
        rows.sort { $0.pseudonym.hex < $1.pseudonym.hex }
        var columns = [[Double]](repeating: [], count: numericColumns.count)
        var segment: [String] = [], region: [String] = []
        for (id, _) in rows {
            let client = attributes[id]
            var tenure = Double.nan
            if let opened = client?.openedOn, opened.daysSinceEpoch <= asOf.daysSinceEpoch {
                tenure = Double((asOf.daysSinceEpoch - opened.daysSinceEpoch) / 7)
            }
            columns[0].append(tenure)
            let row = counts[id] ?? [Double](repeating: 0, count: numericColumns.count - 1)
            for k in row.indices { columns[k + 1].append(row[k]) }
            segment.append(client?.segment ?? "unknown")
            region.append(client?.region ?? "unknown")
        }
        var dataColumns = zip(numericColumns, columns).map { DataColumn(name: $0, numbers: $1) }
        dataColumns.append(try DataColumn(name: "segment", type: .categorical, raw: segment))
        dataColumns.append(try DataColumn(name: "region", type: .categorical, raw: region))
        return (try DataTable(columns: dataColumns, source: "collector features"), rows.map(\.pseudonym))
    }
}

/// Encrypted boosted-tree scoring end to end on a generated dataset, checked against plaintext:
/// what `heatctl demo --score --model-kind gbdt` runs.
///
/// In a work folder: FHE keys (with the evaluator's relinearization key), a store ingested by the
/// collector, the collector's plaintext features (client file and export counts), a small
/// boosted-tree model trained on them and the synthetic bank's labels (joined by pseudonym, in
/// the vault), its 8-bit integer form, the collector's encrypted split bits (thresholds only),
/// the evaluator's depth-2 circuit, the key holder's decryption and the comparison with the
/// plaintext quantized score of every client, and the integer-vs-float decision agreement.
///
/// ```swift
/// let outcome = try await TreeScoringDemo.run(dataset: dataset, key: key, workFolder: folder) { _ in }
/// outcome.mismatches.isEmpty   // true
/// ```
public enum TreeScoringDemo {
    /// What the run produced and how it compared.
    public struct Outcome: Sendable {
        /// Clients scored.
        public var clients: Int
        /// Score differences, as masked references (empty when every score matched).
        public var mismatches: [String]
        /// Rows where the integer trees decide as the float trees.
        public var agreement: QuantizationAgreement
        /// The integer model.
        public var model: EncryptedTreeModel
        /// The encrypted scores.
        public var scores: EncryptedTreeScoreRun
        /// The decrypted scores, by slot.
        public var decryptedScores: [DecryptedScore]
        /// The BFV preset.
        public var preset: String
        /// The smallest noise budget left in the score ciphertexts (bits).
        public var noiseBudget: Int
        /// Bytes of the collector's encrypted bits, of the score run and of the relinearization key.
        public var inputBytes: Int, scoreBytes: Int, keyBytes: Int
        /// Seconds of the collector's encryption and of the evaluator's circuit.
        public var encryptSeconds: Double, evaluateSeconds: Double
    }

    /// The preset the demo uses: the smallest with room for two ciphertext products.
    public static let defaultPreset = "n8192-logq217-logt25"

    /// Runs the demo.
    ///
    /// - Parameters:
    ///   - dataset: the generated dataset (its labels train the model).
    ///   - key: the pseudonymisation key.
    ///   - preset: the BFV preset (default ``defaultPreset``).
    ///   - trained: a quantized tree pipeline over ``CollectorTreeFeatures`` columns to score instead of training one.
    ///   - rounds: boosting rounds of the trained model (default 20).
    ///   - workFolder: an empty folder.
    ///   - phase: called after each phase with its name (for timing).
    /// - Returns: the outcome.
    /// - Throws: ``PipelineError``, ``TreeScoringError``, ``HeatML/HeatMLError``, ``StoreError``, ``KeyError``.
    public static func run(
        dataset: SyntheticDataset, key: PseudonymisationKey, preset: String = defaultPreset, trained: QuantizedPipeline? = nil,
        rounds: Int = 20, workFolder: URL, phase: (String) -> Void
    ) async throws -> Outcome {
        let keys = workFolder.appending(path: "keys").path
        // Issue 27 (s38): the key holder's signing key signs the evaluator's key list; the store records it.
        let signingKey = StoreSigningKey()
        _ = try PipelineKeys.generate(at: keys, preset: preset, signingKey: signingKey)
        let keyHolder = try KeyHolder(folder: KeyFolder(path: "\(keys)/keyholder", role: .keyholder))
        let keyFile = try keyHolder.writeRelinearizationKey(toEvaluatorFolder: "\(keys)/evaluator", signingKey: signingKey)
        let store = try HeatStore.initialize(path: workFolder.appending(path: "heat.db").path).store
        try store.write { db in try KeyRegistry.bind(signingKey, in: db, path: store.path) }
        phase("keygen")
        let material = try PipelineKeys.publicMaterial(in: KeyFolder(path: "\(keys)/collector", role: .collector))
        let collector = try Collector(pseudonymisationKey: key, material: material)
        _ = try collector.ingestor().ingest(
            dataset.interactions, clients: dataset.clients, into: store, source: .init(name: "synthetic", inputHash: ""))
        let asOf = CalendarDate(daysSinceEpoch: dataset.interactions.map(\.occurredAt.date.daysSinceEpoch).max() ?? 0)
        let (table, pseudonyms) = try CollectorTreeFeatures.table(
            clients: dataset.clients, interactions: dataset.interactions, asOf: asOf, key: key)
        phase("collect")

        // Train in the vault on the collector's features joined with the masked labels.
        let pseudonymizer = Pseudonymizer(key: key)
        var labels: [Pseudonym: Bool] = [:]
        for label in dataset.labels { labels[pseudonymizer.pseudonym(for: label.clientID, kind: .client)] = label.churned }
        let labelled = pseudonyms.indices.filter { labels[pseudonyms[$0]] != nil }
        let training = try DataTable(
            columns: table.selectingRows(labelled).columns
                + [try DataColumn(name: "churned", type: .categorical, raw: labelled.map { labels[pseudonyms[$0]] == true ? "true" : "false" })],
            source: "collector features and labels")
        var floatPipeline: ModelPipeline?
        let quantized: QuantizedPipeline
        if let trained {
            quantized = trained
        } else {
            let pipeline = try ModelPipeline.fit(
                .gbdt(GradientBoostedTrees(rounds: rounds, maxDepth: 4, learningRate: 0.3)), on: training, target: "churned", positiveLabel: "true")
            floatPipeline = pipeline
            quantized = try pipeline.quantized(bits: 8)
        }
        let model = try EncryptedTreeModel(pipeline: quantized, source: trained == nil ? "demo model" : "the given model")
        try model.check(parameters: material.context.parameters)
        phase(trained == nil ? "train (vault)" : "integer model")

        // The collector: slots from the directory, bits from the plaintext features and the plan's thresholds.
        let directory = try KeyHolder.directory(in: store).map { (client: $0.client, slot: $0.slot) }
        let slotOf = Dictionary(directory.map { ($0.client, Int($0.slot)) }, uniquingKeysWith: { a, _ in a })
        let matrix = try model.plan.matrix(table)
        var rows: [(slot: Int, row: [Double])] = []
        var expected: [Int: Int] = [:]
        for (index, pseudonym) in pseudonyms.enumerated() {
            guard let slot = slotOf[pseudonym] else { continue }
            let row = matrix.row(index)
            rows.append((slot, row))
            expected[slot] = model.score(row: row)
        }
        var started = Date()
        // The dense layout (as `trees encode`): the encoded clients packed in slot order.
        let coverage = TreeEncodingCoverage.make(encodedSlots: rows.map { Int64($0.slot) }, directory: directory, layout: .dense)
        let inputs = try EncryptedTreeInputs.encrypt(
            rows: rows, plan: model.plan, material: material, coverage: coverage, asOfWeek: ISOWeek(containing: asOf).description)
        let encryptSeconds = Date().timeIntervalSince(started)
        phase("encrypt split bits")
        let evaluatorFolder = try KeyFolder(path: "\(keys)/evaluator", role: .evaluator)
        let evaluator = try Evaluator(folder: evaluatorFolder)
        let relinearizationKey = try evaluator.relinearizationKey(in: evaluatorFolder)
        started = Date()
        let scores = try await evaluator.score(trees: inputs, model: model, relinearizationKey: relinearizationKey)
        let evaluateSeconds = Date().timeIntervalSince(started)
        phase("score encrypted trees")
        let decrypted = try keyHolder.decrypt(treeScores: scores, store: store)
        phase("decrypt scores (vault)")

        var mismatches: [String] = []
        for score in decrypted {
            let slot = Int(score.slot)
            guard let want = expected[slot] else {
                mismatches.append("\(score.pseudonym.displayRef): no plaintext features")
                continue
            }
            if want != score.score { mismatches.append("\(score.pseudonym.displayRef): encrypted \(score.score), plaintext \(want)") }
        }
        if decrypted.count != expected.count {
            mismatches.append("encrypted scores for \(decrypted.count) clients, plaintext for \(expected.count)")
        }
        var agreement = QuantizationAgreement(rows: 0, agreeing: 0)
        if let floatPipeline {
            agreement = try quantized.agreement(with: floatPipeline, on: training)
        }
        let keyBytes = (try? FileManager.default.attributesOfItem(atPath: keyFile)[.size] as? Int) ?? 0
        return Outcome(
            clients: decrypted.count, mismatches: mismatches, agreement: agreement, model: model, scores: scores,
            decryptedScores: decrypted, preset: preset, noiseBudget: try keyHolder.noiseBudget(of: scores),
            inputBytes: inputs.envelope().serialized().count, scoreBytes: scores.envelope().serialized().count, keyBytes: keyBytes,
            encryptSeconds: encryptSeconds, evaluateSeconds: evaluateSeconds)
    }
}
