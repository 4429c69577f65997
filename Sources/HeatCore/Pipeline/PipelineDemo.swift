import Foundation
import HeatEnvelope

/// The encrypted pipeline end to end on a generated dataset, checked against the plaintext
/// pipeline: what `heatctl demo` runs by default.
///
/// In a work folder: FHE keys for the three role folders, a fresh store, the collector's
/// encrypted ingestion (with the given pseudonymisation key), the evaluator's run (logged), the
/// key holder's decryption and derivation; then every client's heat, trend, level and cooling
/// flag and the released population, histogram, groups and per-client rows are compared with
/// the plaintext pipeline's. The keys come from the cheapest preset that holds the largest group
/// sum, with Galois keys, so the run also computes the group aggregates on ciphertexts
/// (``Evaluator/aggregates(of:store:configuration:galoisKeys:minGroupSize:)``) and checks every
/// decrypted total against the sums of the decrypted per-client values.
///
/// ```swift
/// let outcome = try PipelineDemo.run(dataset: dataset, plaintext: run, plaintextDocument: document,
///                                    key: .insecureDerived(from: "demo"), workFolder: folder) { _ in }
/// outcome.mismatches.isEmpty   // true
/// ```
public enum PipelineDemo {
    /// What the encrypted run produced and how it compared.
    public struct Outcome: Sendable {
        /// The encrypted release (population, histogram, groups, per-client rows), mode `encrypted`.
        public var document: ResultsDocument
        /// The decrypted scores, `clientID` = pseudonym hex (for models trained in the vault).
        public var scores: [HeatScore]
        /// Churn labels by pseudonym hex.
        public var churned: [String: Bool]
        /// Differences found, as masked references and values (empty when everything matched).
        public var mismatches: [String]
        /// Clients compared.
        public var clients: Int
        /// The BFV preset used.
        public var preset: String
        /// Ciphertexts stored.
        public var ciphertexts: Int
        /// Bytes of the stored ciphertext blobs.
        public var ciphertextBytes: Int
        /// The smallest noise budget left in the evaluator's output (bits).
        public var noiseBudget: Int
        /// The noise budget left after a manager's release mask (bits).
        public var maskedNoiseBudget: Int
        /// Groups of at least 5 clients whose sums were computed on ciphertexts and checked.
        public var aggregateGroups: Int = 0
        /// Key switches the aggregates cost.
        public var aggregateKeySwitches: Int = 0
    }

    /// Runs the pipeline and compares.
    ///
    /// - Parameters:
    ///   - dataset: the generated dataset.
    ///   - plaintext: the plaintext pipeline's run on the same dataset.
    ///   - plaintextDocument: the plaintext results document (built with `key`).
    ///   - key: the pseudonymisation key (the plaintext document's masking key).
    ///   - configuration: the heat configuration.
    ///   - workFolder: an empty folder for the keys and the store.
    ///   - phase: called after each phase with its name (for timing).
    /// - Returns: the outcome.
    /// - Throws: ``PipelineError``, ``KeyError``, ``StoreError``.
    public static func run(
        dataset: SyntheticDataset, plaintext: PlaintextHeatRun, plaintextDocument: ResultsDocument, key: PseudonymisationKey,
        configuration: HeatConfiguration = HeatConfiguration(), workFolder: URL, phase: (String) -> Void
    ) throws -> Outcome {
        let keys = workFolder.appending(path: "keys").path
        let preset = try Evaluator.preset(forAggregatesOf: configuration, largestGroup: max(dataset.clients.count, 1))
        // Issue 27 (s38): the key holder's signing key signs the evaluator's Galois key digest; the store records it.
        let signingKey = StoreSigningKey()
        _ = try PipelineKeys.generate(at: keys, preset: preset.name, aggregates: true, signingKey: signingKey)
        let store = try HeatStore.initialize(path: workFolder.appending(path: "heat.db").path).store
        try store.write { db in try KeyRegistry.bind(signingKey, in: db, path: store.path) }
        phase("keygen")
        let collector = try Collector(
            pseudonymisationKey: key,
            material: PipelineKeys.publicMaterial(in: KeyFolder(path: "\(keys)/collector", role: .collector)),
            configuration: configuration)
        let report = try collector.ingestor().ingest(
            dataset.interactions, clients: dataset.clients, into: store, source: .init(name: "synthetic", inputHash: ""))
        phase("collect and encrypt")
        var evaluator = try Evaluator(folder: KeyFolder(path: "\(keys)/evaluator", role: .evaluator))
        // The trust anchor of the signed evaluation key list, pinned outside the store (review s38 keys27c H1).
        evaluator.trustedSigningKey = signingKey.verificationKey
        let (evaluation, number) = try evaluator.evaluateAndRecord(store: store, configuration: configuration, asOf: nil)
        phase("evaluate")
        let keyHolder = try KeyHolder(folder: KeyFolder(path: "\(keys)/keyholder", role: .keyholder))
        let values = try keyHolder.decrypt(run: evaluation, store: store)
        let scores = try KeyHolder.scores(values, configuration: configuration, store: store)
        var document = try PipelineRelease.document(
            scores: scores, store: store, configuration: configuration, asOf: plaintext.asOf, mode: .encrypted, role: "executive",
            policyName: "demo", includeClients: true, auditRun: String(number), generatedAt: plaintextDocument.generatedAt)
        document.heatConfig = plaintextDocument.heatConfig
        phase("decrypt and release")
        let evaluatorFolder = try KeyFolder(path: "\(keys)/evaluator", role: .evaluator)
        let minGroupSize = 5
        let aggregates = try evaluator.aggregates(
            of: evaluation, store: store, configuration: configuration, galoisKeys: evaluator.galoisKeys(in: evaluatorFolder),
            minGroupSize: minGroupSize)
        let totals = try keyHolder.decrypt(aggregates: aggregates, minGroupSize: minGroupSize)
        phase("aggregates")

        let pseudonymizer = Pseudonymizer(key: key)
        var mismatches: [String] = []
        for score in plaintext.scores {
            let pseudonym = pseudonymizer.pseudonym(for: score.clientID, kind: .client)
            guard let encrypted = scores[pseudonym.hex] else {
                mismatches.append("\(pseudonym.displayRef): missing from the encrypted results")
                continue
            }
            if (encrypted.heat, encrypted.trend, encrypted.level, encrypted.cooling)
                != (score.heat, score.trend, score.level, score.cooling) {
                mismatches.append(
                    "\(pseudonym.displayRef): encrypted heat \(encrypted.heat) trend \(encrypted.trend), plaintext heat \(score.heat) trend \(score.trend)")
            }
        }
        if scores.count != plaintext.scores.count {
            mismatches.append("encrypted results for \(scores.count) clients, plaintext for \(plaintext.scores.count)")
        }
        if document.population != plaintextDocument.population { mismatches.append("the population summaries differ") }
        if document.heatHistogram != plaintextDocument.heatHistogram { mismatches.append("the heat histograms differ") }
        if document.groups != plaintextDocument.groups { mismatches.append("the group aggregates differ") }
        if document.clients != plaintextDocument.clients { mismatches.append("the per-client rows differ") }
        // The encrypted aggregates against the sums of the decrypted (and plaintext-checked) clients.
        var expected: [String: (clients: Int, heat: Int, trend: Int)] = [:]
        for entry in try ClientDirectory.entries(in: store) {
            guard let score = scores[entry.pseudonym] else { continue }
            let memberships: [(GroupSummary.Kind, String?)] = [
                (.manager, entry.manager), (.branch, entry.branch), (.segment, entry.segment), (.region, entry.region),
            ]
            for (kind, ref) in memberships {
                guard let ref else { continue }
                var sum = expected["\(kind.rawValue) \(ref)", default: (0, 0, 0)]
                sum.clients += 1
                sum.heat += score.heat
                sum.trend += score.trend
                expected["\(kind.rawValue) \(ref)"] = sum
            }
        }
        for total in totals {
            let sum = expected["\(total.kind.rawValue) \(total.ref)"]
            if sum?.clients != total.clients || sum?.heat != total.heatSum || sum?.trend != total.trendSum {
                mismatches.append(
                    "\(total.kind.rawValue) \(total.ref): encrypted aggregate heat sum \(total.heatSum) trend sum \(total.trendSum), clients' \(sum?.heat ?? 0) and \(sum?.trend ?? 0)")
            }
        }
        let eligible = expected.values.filter { $0.clients >= minGroupSize }.count
        if totals.count != eligible {
            mismatches.append("the encrypted aggregates released \(totals.count) groups, \(eligible) have at least \(minGroupSize) clients")
        }

        let budget = try keyHolder.noiseBudget(of: evaluation)
        let masked = try keyHolder.maskedNoiseBudget(of: evaluation)
        let (count, bytes) = try store.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ciphertexts") ?? 0,
             try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(LENGTH(ciphertext)), 0) FROM ciphertexts") ?? 0)
        }
        var churned: [String: Bool] = [:]
        for label in dataset.labels { churned[pseudonymizer.pseudonym(for: label.clientID, kind: .client).hex] = label.churned }
        let modelScores = values.compactMap { value -> HeatScore? in
            guard var score = scores[value.pseudonym.hex] else { return nil }
            score.clientID = value.pseudonym.hex
            return score
        }.sorted { $0.clientID < $1.clientID }
        _ = report
        return Outcome(
            document: document, scores: modelScores, churned: churned, mismatches: mismatches, clients: plaintext.scores.count,
            preset: preset.name, ciphertexts: count, ciphertextBytes: bytes, noiseBudget: budget, maskedNoiseBudget: masked,
            aggregateGroups: totals.count, aggregateKeySwitches: aggregates.header.keySwitches ?? 0)
    }
}
