import Foundation
import HeatFHE
import HeatML

/// Encrypted churn scoring end to end on a generated dataset, checked against plaintext: what
/// `heatctl demo --score` runs.
///
/// In a work folder: FHE keys, a store ingested by a collector that also encrypts the churn
/// feature streams, the evaluator's encrypted features, the key holder's decryption of the
/// features (inside the vault) and their comparison with the plaintext features of every client;
/// then a logistic churn model trained on those features and the synthetic bank's labels (joined
/// by masked reference), its integer form, the evaluator's encrypted scores, the key holder's
/// decryption of the scores and their comparison with the plaintext integer scores of every
/// client, and the share of rows where the integer model decides as the float model does.
///
/// ```swift
/// let outcome = try ScoringDemo.run(dataset: dataset, key: key, workFolder: folder) { _ in }
/// outcome.featureMismatches.isEmpty && outcome.scoreMismatches.isEmpty   // true
/// ```
public enum ScoringDemo {
    /// What the run produced and how it compared.
    public struct Outcome: Sendable {
        /// Clients compared.
        public var clients: Int
        /// Feature differences, as masked references (empty when every feature matched).
        public var featureMismatches: [String]
        /// Score differences, as masked references (empty when every score matched).
        public var scoreMismatches: [String]
        /// Rows where the integer model's decision equals the float model's.
        public var agreement: QuantizationAgreement
        /// The integer model.
        public var model: EncryptedLogisticModel
        /// The float pipeline it came from.
        public var pipeline: ModelPipeline
        /// The encrypted scores.
        public var scores: EncryptedScoreRun
        /// The decrypted scores, by slot.
        public var decryptedScores: [DecryptedScore]
        /// The BFV preset.
        public var preset: String
        /// Feature-stream ciphertexts read by the evaluator.
        public var streamCiphertexts: Int
        /// The smallest noise budget left in the score ciphertexts (bits).
        public var noiseBudget: Int
        /// Bytes of the score run's envelope.
        public var scoreRunBytes: Int
        /// The store (in the work folder).
        public var storePath: String
        /// The key folders (in the work folder).
        public var keysPath: String
    }

    /// The preset the demo uses: `t ~ 2^41` holds the scores of a model over all 42 features.
    public static let defaultPreset = "n8192-logq217-logt41"

    /// Runs the demo.
    ///
    /// - Parameters:
    ///   - dataset: the generated dataset (its labels train the model).
    ///   - key: the pseudonymisation key.
    ///   - configuration: the heat configuration.
    ///   - preset: the BFV preset (default ``defaultPreset``).
    ///   - trained: a logistic pipeline over churn features to score instead of training one on
    ///     the dataset's labels (`heatctl bench pipeline --model FILE`).
    ///   - workFolder: an empty folder.
    ///   - phase: called after each phase with its name (for timing).
    /// - Returns: the outcome.
    /// - Throws: ``PipelineError``, ``ScoringError``, ``HeatML/HeatMLError``, ``StoreError``, ``KeyError``.
    public static func run(
        dataset: SyntheticDataset, key: PseudonymisationKey, configuration: HeatConfiguration = HeatConfiguration(),
        preset: String = defaultPreset, trained: ModelPipeline? = nil, workFolder: URL, phase: (String) -> Void
    ) throws -> Outcome {
        let keys = workFolder.appending(path: "keys").path
        _ = try PipelineKeys.generate(at: keys, preset: preset)
        let storePath = workFolder.appending(path: "heat.db").path
        let store = try HeatStore.initialize(path: storePath).store
        phase("keygen")
        var collector = try Collector(
            pseudonymisationKey: key, material: PipelineKeys.publicMaterial(in: KeyFolder(path: "\(keys)/collector", role: .collector)),
            configuration: configuration)
        collector.encryptsFeatureStreams = true
        _ = try collector.ingestor().ingest(
            dataset.interactions, clients: dataset.clients, into: store, source: .init(name: "synthetic", inputHash: ""))
        phase("collect and encrypt features")
        let featureSet = ChurnFeatureSet(configuration: configuration)
        let evaluator = try Evaluator(folder: KeyFolder(path: "\(keys)/evaluator", role: .evaluator))
        let features = try evaluator.evaluateFeatures(store: store, featureSet: featureSet)
        phase("evaluate features")
        let keyHolder = try KeyHolder(folder: KeyFolder(path: "\(keys)/keyholder", role: .keyholder))
        let decrypted = try keyHolder.decrypt(features: features, store: store)
        phase("decrypt features (vault)")

        // The plaintext reference from the same interactions.
        var ledger = ActivityLedger(replyWithinHours: configuration.replyWithinHours)
        for interaction in dataset.interactions { _ = ledger.add(interaction) }
        let pseudonymizer = Pseudonymizer(key: key)
        var plaintext: [Pseudonym: [Int]] = [:]
        var ids = Set(ledger.clients.keys)
        ids.formUnion(dataset.clients.map(\.clientID))
        for id in ids {
            plaintext[pseudonymizer.pseudonym(for: id, kind: .client)] = featureSet.features(
                weeks: ledger.clients[id] ?? [:], asOf: features.referenceWeek)
        }
        var featureMismatches: [String] = []
        for row in decrypted where plaintext[row.pseudonym] != row.values {
            featureMismatches.append(row.pseudonym.displayRef)
        }
        if decrypted.count != plaintext.count {
            featureMismatches.append("encrypted features for \(decrypted.count) clients, plaintext for \(plaintext.count)")
        }

        // Train on the features joined with the masked labels.
        var labels: [Pseudonym: Bool] = [:]
        for label in dataset.labels { labels[pseudonymizer.pseudonym(for: label.clientID, kind: .client)] = label.churned }
        let labelled = decrypted.filter { labels[$0.pseudonym] != nil }
        let names = featureSet.names
        var columns = names.indices.map { j in DataColumn(name: names[j], numbers: labelled.map { Double($0.values[j]) }) }
        columns.append(try DataColumn(
            name: "churned", type: .categorical, raw: labelled.map { (labels[$0.pseudonym] ?? false) ? "true" : "false" }))
        let table = try DataTable(columns: columns, source: "features")
        let pipeline = try trained
            ?? ModelPipeline.fit(.logistic(LogisticRegression()), on: table, target: "churned", positiveLabel: "true")
        let model = try EncryptedLogisticModel(
            pipeline: pipeline, featureSet: featureSet, plaintextModulus: keyHolder.context.parameters.plaintextModulus,
            source: trained == nil ? "demo model" : "the given model")
        phase(trained == nil ? "train (vault)" : "integer model")

        let scores = try evaluator.score(features: features, model: model)
        phase("score encrypted")
        let decryptedScores = try keyHolder.decrypt(scores: scores, store: store)
        phase("decrypt scores (vault)")

        var scoreMismatches: [String] = []
        for score in decryptedScores {
            guard let row = plaintext[score.pseudonym] else {
                scoreMismatches.append("\(score.pseudonym.displayRef): no plaintext features")
                continue
            }
            let expected = model.score(features: row, in: featureSet)
            if expected != score.score {
                scoreMismatches.append("\(score.pseudonym.displayRef): encrypted \(score.score), plaintext \(expected)")
            }
        }
        let float = try pipeline.predictProbabilities(table.droppingColumns(["churned"]))
        let byPseudonym = Dictionary(decryptedScores.map { ($0.pseudonym, $0.score) }, uniquingKeysWith: { first, _ in first })
        var agreeing = 0
        for (row, probability) in zip(labelled, float) {
            let integer = byPseudonym[row.pseudonym].map { model.isPositive(score: $0) } ?? false
            if integer == (probability >= 0.5) { agreeing += 1 }
        }
        return Outcome(
            clients: decrypted.count, featureMismatches: featureMismatches, scoreMismatches: scoreMismatches,
            agreement: QuantizationAgreement(rows: labelled.count, agreeing: agreeing), model: model, pipeline: pipeline,
            scores: scores, decryptedScores: decryptedScores, preset: preset, streamCiphertexts: features.streamCiphertextsRead,
            noiseBudget: try keyHolder.noiseBudget(of: scores),
            scoreRunBytes: scores.envelope().serialized().count, storePath: storePath, keysPath: keys)
    }
}
