import Foundation
import HeatFHE

/// What the key holder releases from encrypted churn scores (`heatctl scores release`), as policy
/// allows: per-client scores for roles allowed per-client rows (a manager: their own clients
/// only), and for every role allowed group summaries, the count of clients per score band in each
/// group of at least `minGroupSize` clients (smaller groups are suppressed, not released).
///
/// Scores are decrypted only inside the vault; the link (`p = 1 / (1 + exp(-score / scale))`) is
/// applied there. Clients appear by display reference (`C-7f3a9c2e`), never by raw id.
///
/// ```swift
/// let release = try keyHolder.releaseScores(run: run, store: store, policy: policy, role: "executive")
/// release.groups.first?.bands   // ["low": 12, "medium": 5, "high": 2]
/// ```
public struct ScoreRelease: Sendable, Codable, Equatable {
    /// One client's released score.
    public struct ClientScore: Sendable, Codable, Equatable {
        /// The client's display reference.
        public var ref: String
        /// The exact integer score.
        public var score: Int
        /// The probability of the positive class (the link applied to the score).
        public var probability: Double
        /// The score band (``ScoreRelease/bandNames``).
        public var band: String
    }

    /// Score-band counts of one group.
    public struct GroupBands: Sendable, Codable, Equatable {
        /// The grouping (`manager`, `branch`, `segment`, `region`).
        public var kind: String
        /// The group's reference (masked for managers and branches).
        public var ref: String
        /// Clients in the group.
        public var clients: Int
        /// Clients per band name.
        public var bands: [String: Int]
    }

    /// The format identifier.
    public static let currentSchema = "customerheat.score-release/1"
    /// The band names, lowest first.
    public static let bandNames = ["low", "medium", "high"]
    /// The default probability cut points between the bands.
    public static let defaultCuts = [0.3, 0.6]

    /// The format identifier (``currentSchema``).
    public var schema: String = ScoreRelease.currentSchema
    /// The role released to.
    public var role: String
    /// The policy's name.
    public var policy: String
    /// The reference ISO week of the features.
    public var asOfWeek: String
    /// The model's features.
    public var features: [String]
    /// The probability cut points between bands.
    public var bandCuts: [Double]
    /// Per-client scores, when the role may receive them.
    public var clients: [ClientScore]?
    /// Score-band counts per released group.
    public var groups: [GroupBands]
    /// Groups withheld because they have fewer than the policy's `minGroupSize` clients.
    public var suppressedGroups: Int
    /// The differential-privacy epsilon spent on the band counts, `nil` for exact counts.
    public var epsilon: Double? = nil
    /// The noise mechanism of noisy band counts (``DiscreteLaplace/mechanismName``).
    public var mechanism: String? = nil
    /// The scale (`1 / ε` per group kind) of each noisy band count.
    public var noiseScale: Double? = nil
    /// Every group withheld and the rule that withheld it (`minGroupSize`, `differencing`,
    /// `differencing.identical`, `dp.maxNoiseShare`), naming the group's kind and masked reference.
    public var withheld: [Withholding]? = nil
    /// The release's audit entry (its sequence number in the store's audit log).
    public var auditRun: String? = nil
    /// The kind of model the scores come from: `gbdt` for boosted trees, absent for the
    /// logistic churn model.
    public var modelKind: String? = nil

    /// The release as canonical JSON (sorted keys, pretty-printed): the bytes `heatctl scores
    /// release` writes and whose SHA-256 the audit entry records.
    ///
    /// - Returns: the JSON bytes.
    /// - Throws: an encoding error (not expected: every field is finite or `nil`).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// The band of a probability.
    ///
    /// - Parameters:
    ///   - probability: a probability.
    ///   - cuts: ascending cut points (two for three bands).
    /// - Returns: the band name.
    public static func band(of probability: Double, cuts: [Double] = defaultCuts) -> String {
        let index = cuts.filter { probability >= $0 }.count
        return bandNames[min(index, bandNames.count - 1)]
    }
}

/// One client's decrypted integer score, inside the vault.
public struct DecryptedScore: Sendable, Hashable {
    /// The client's pseudonym.
    public var pseudonym: Pseudonym
    /// The directory slot.
    public var slot: Int64
    /// The exact integer score.
    public var score: Int
}

extension KeyHolder {
    /// Decrypts the scores (and nothing else) of the store's clients.
    ///
    /// With `manager`, each batch's score ciphertext is first multiplied by a mask keeping only
    /// that manager's clients' slots, so no other client's score is decrypted. When the store's
    /// directory has versions (issue 27), a manager's clients are those assigned to it and open at
    /// the scores' reference week, and every version must verify under the key holder's key first.
    ///
    /// - Parameters:
    ///   - run: the evaluator's scores for this key holder's parameters.
    ///   - store: the store.
    ///   - manager: release only this manager's clients, or `nil` for all.
    /// - Returns: one score per client, by slot (clients of batches without ciphertexts get the bias).
    /// - Throws: ``ScoringError/staleDirectory(source:reason:)`` (exit 65) when the run carries no
    ///   directory snapshot or clients were ingested or removed after `evaluate --model` (their
    ///   slots would decrypt to the bias); ``DirectoryError/unverifiedVersions(violations:)``
    ///   (exit 1) for a forged or unsigned directory version; ``PipelineError``, ``StoreError``.
    public func decrypt(scores run: EncryptedScoreRun, store: HeatStore, manager: Pseudonym? = nil) throws -> [DecryptedScore] {
        guard run.header.parametersFingerprint == context.fingerprint.hex else {
            throw PipelineError.parameterMismatch(source: "the scores", expected: context.fingerprint.hex, found: run.header.parametersFingerprint)
        }
        try requireGeneration(run.header.fheGeneration, keyID: run.header.fheKeyID, source: "the scores")
        // The directory, its snapshot and (issue 27) its versions come from one read, so the rows
        // decrypted are the rows checked; a manager's clients are those assigned to it (and open)
        // at the scores' reference week, after every version verified under the key holder's key.
        let (directory, snapshot, assignments) = try store.read { db in
            let entries = try Self.directory(in: db)
            let assignments = manager == nil ? nil : try DirectoryTimeline.scoreAssignments(
                in: db, key: trustedKey, asOfWeek: run.header.asOfWeek, source: "the scores")
            return (entries, DirectorySnapshot(entries: entries.map { (client: $0.client, slot: $0.slot) }), assignments)
        }
        try run.checkDirectory(current: snapshot, source: "the scores")
        let bias = run.header.model.bias
        let clients = directory.filter {
            DirectoryTimeline.isClient(slot: $0.slot, rowManager: $0.manager, of: manager, at: assignments)
        }
        return try decryptScores(
            run.scores, clients: clients.map { ($0.client, $0.slot) },
            masked: manager != nil
        ) { _, members in members.map { DecryptedScore(pseudonym: $0.client, slot: $0.slot, score: bias) } }
    }

    /// Decrypts score ciphertexts for the given clients, batch by batch: the one slot walk of
    /// logistic and tree scores. With `masked`, each batch is first multiplied by a mask keeping
    /// only these clients' slots, so no other client's score is decrypted.
    ///
    /// - Parameters:
    ///   - scores: the score ciphertexts by batch.
    ///   - clients: the clients to decrypt (pseudonym and slot).
    ///   - masked: mask each batch to the clients' slots first.
    ///   - position: a client's position in the ciphertexts from its directory slot (batch
    ///     `position / N`, slot `position % N`): the slot itself (default), or its dense position
    ///     for tree scores encoded in ``TreeSlotLayout/dense``.
    ///   - missing: the scores of a batch without a ciphertext (or a refusal).
    /// - Returns: one score per client, by slot.
    /// - Throws: what `missing` throws, ``PipelineError``.
    func decryptScores(
        _ scores: [Int: Ciphertext<UInt64>], clients: [(client: Pseudonym, slot: Int64)], masked: Bool,
        position: (Int64) -> Int64 = { $0 },
        missing: (_ batch: Int, _ members: [(client: Pseudonym, slot: Int64)]) throws -> [DecryptedScore]
    ) throws -> [DecryptedScore] {
        let n = context.degree
        var byBatch: [Int: [(client: Pseudonym, slot: Int64)]] = [:]
        var at: [Int64: Int] = [:]   // directory slot -> slot within its batch
        for client in clients {
            let p = Int(position(client.slot))
            guard p >= 0 else {
                throw PipelineError.malformed(source: "the scores", reason: "field coverage: a client to decrypt has no position in the ciphertexts")
            }
            at[client.slot] = p % n
            byBatch[p / n, default: []].append(client)
        }
        var result: [DecryptedScore] = []
        for batch in byBatch.keys.sorted() {
            guard let members = byBatch[batch] else { continue }
            guard let ciphertext = scores[batch] else {
                result += try missing(batch, members)
                continue
            }
            var mask: [Bool]?
            if masked {
                var keep = [Bool](repeating: false, count: n)
                for member in members { if let index = at[member.slot] { keep[index] = true } }
                mask = keep
            }
            let slots = try decryptSlots(ciphertext, mask: mask, signed: true, source: "the scores")
            slotObserver?(slots)
            for member in members {
                guard let index = at[member.slot] else { continue }   // every member was placed above
                result.append(DecryptedScore(pseudonym: member.client, slot: member.slot, score: Int(slots[index])))
            }
        }
        return result.sorted { $0.slot < $1.slot }
    }

    /// The smallest remaining noise budget (bits) over the score ciphertexts (logistic or tree scores).
    ///
    /// - Parameter scores: the evaluator's scores.
    /// - Returns: the budget in bits (0 when there are no ciphertexts).
    /// - Throws: ``PipelineError/fhe(_:)``.
    public func noiseBudget<Header>(of scores: EncryptedScores<Header>) throws(PipelineError) -> Int {
        var budget = Int.max
        do {
            for ciphertext in scores.scores.values {
                budget = min(budget, try Bfv64.noiseBudget(ciphertext, mask: nil, decryptor: decryptor))
            }
        } catch {
            throw .fhe(error)
        }
        return budget == Int.max ? 0 : budget
    }
}
