import Foundation
import GRDB
import HeatEnvelope

/// Which BFV key a role folder holds: its FHE key generation and key id (issue 27, item 1).
///
/// ```swift
/// let identity = try FHEKeyIdentity(folder: KeyFolder(path: "keys/evaluator", role: .evaluator))
/// identity.generation   // 1 for the folders of `heatctl keys generate`
/// ```
public struct FHEKeyIdentity: Sendable, Hashable {
    /// The generation (1 when the folder has no generation file).
    public var generation: Int64
    /// The key id (hex SHA-256 of the public key's envelope payload); `nil` for a key holder
    /// folder of generation 1, which holds no public key.
    public var keyID: String?

    /// Creates a value.
    ///
    /// - Parameters:
    ///   - generation: the generation.
    ///   - keyID: the key id, if known.
    public init(generation: Int64, keyID: String?) {
        self.generation = generation
        self.keyID = keyID
    }

    /// The identity of a role folder: its generation file, checked against the public key of a
    /// collector or evaluator folder.
    ///
    /// - Parameter folder: a checked collector, evaluator or key holder folder.
    /// - Throws: ``FHEKeyError/mislabelledFolder(path:generation:)``, ``KeyError``, ``PipelineError``.
    public init(folder: KeyFolder) throws {
        let file = try FHEKeyGeneration.read(in: folder)
        var computed: String?
        if folder.role == .collector || folder.role == .evaluator {
            let kind: EnvelopeKind = folder.files.values.contains(.fheSeededPublicKey) ? .fheSeededPublicKey : .fhePublicKey
            let (envelope, _) = try PipelineKeys.read(folder, kind: kind, describedAs: PipelineKeys.publicKeyFile)
            computed = FHEKeyGeneration.keyID(ofPublicKeyPayload: envelope.payload)
        }
        if let file, let computed, file.keyID != computed {
            throw FHEKeyError.mislabelledFolder(path: folder.path, generation: file.generation)
        }
        self.init(generation: file?.generation ?? 1, keyID: file?.keyID ?? computed)
    }
}

/// The store's FHE key generations: the chain of valid ``FHEKeyTransition``s and, from it, which
/// `ciphertexts` rows belong to which generation (issue 27, item 1).
///
/// ```swift
/// let generations = try store.read { db in try FHEKeyGenerations.effective(in: db) }
/// generations.currentGeneration       // 1 until the first `keys rotate --fhe`
/// generations.firstSeq(through: nil)  // the first ciphertexts row an evaluation reads
/// ```
public struct FHEKeyGenerations: Sendable {
    /// The accepted transitions, in order.
    public var transitions: [FHEKeyTransition]

    /// The current generation (1 before any rotation).
    public var currentGeneration: Int64 { transitions.last?.generation ?? 1 }
    /// The current key id, or `nil` before any rotation (generation 1's key is not recorded).
    public var currentKeyID: String? { transitions.last?.keyID }

    /// The transition in force for an evaluation reading rows up to `throughSeq` (`nil`: all):
    /// the latest whose re-encrypted rows all lie at or before it.
    public func transition(through throughSeq: Int64?) -> FHEKeyTransition? {
        let limit = throughSeq ?? Int64.max
        return transitions.last { $0.lastSeq <= limit && $0.firstSeq <= limit }
    }

    /// The first `ciphertexts` row of the generation an evaluation reading up to `throughSeq` uses
    /// (1 before any rotation): rows before it belong to retired generations.
    ///
    /// - Parameter throughSeq: the last row read, or `nil` for all.
    /// - Returns: the first row.
    public func firstSeq(through throughSeq: Int64?) -> Int64 { transition(through: throughSeq)?.firstSeq ?? 1 }

    /// The generations accepted under the store's first registered signing key and the keys its
    /// key transitions link to (for commands that hold no pinned key: `evaluate`, `ingest`, the
    /// key holder's decryption). Empty before migration `v9-fhe-keys` or without a registered key.
    ///
    /// - Parameter db: a connection.
    /// - Returns: the generations.
    /// - Throws: a database error.
    public static func effective(in db: Database) throws -> FHEKeyGenerations {
        guard try db.tableExists(ChainedTable.fheKeyTransitions.name),
              try (Int.fetchOne(db, sql: "SELECT COUNT(*) FROM fhe_key_transitions") ?? 0) > 0,
              let first = try KeyRegistry.registeredFingerprint(kind: .signingKey, in: db),
              let pinned = try KeyRegistry.verificationKeys(in: db)[first] else { return FHEKeyGenerations(transitions: []) }
        let (trusted, _) = try TrustedSigningKeys.load(in: db, pinned: pinned)
        var tombstones = TombstoneIndex.empty
        if try db.tableExists(ChainedTable.retentionTombstones.name) { tombstones = try TombstoneIndex.load(in: db, trusted: trusted).0 }
        return FHEKeyGenerations(transitions: try FHEKeyTransition.chain(in: db, trusted: trusted, tombstones: tombstones).chain.map(\.record))
    }

    /// Refuses a folder whose keys are not the generation in force for rows up to `throughSeq`
    /// (`nil`: the store's current generation; `ingest`, `evaluate`, the rotation itself).
    ///
    /// - Parameters:
    ///   - identity: the folder's identity.
    ///   - role: what the folder is used for, for the message.
    ///   - path: the store, for the message.
    ///   - throughSeq: the last row a logged run read, or `nil` for the current generation.
    /// - Throws: ``FHEKeyError/notCurrentGeneration(path:role:folderGeneration:storeGeneration:)``.
    public func require(_ identity: FHEKeyIdentity, role: KeyRole, path: String, through throughSeq: Int64? = nil) throws(FHEKeyError) {
        let inForce = transition(through: throughSeq)
        let generation = inForce?.generation ?? 1
        let matches = identity.generation == generation
            && (inForce == nil || identity.keyID == nil || identity.keyID == inForce?.keyID)
        guard matches else {
            throw .notCurrentGeneration(path: path, role: role, folderGeneration: identity.generation, storeGeneration: generation)
        }
    }

    /// The row that decides which generation a window reading the heat rows up to `throughSeq`
    /// belongs to (issue 27, s37): `throughSeq` itself, except when it lies inside a rotation's
    /// re-encrypted rows and **no heat row** (packing ``HeatPacking/weeklyScore``) of that range
    /// follows it. Then the window holds every re-encrypted heat row and leaves out only
    /// feature-stream rows, which the rotation re-encrypted after the last heat row: it is the
    /// whole new generation, and the bound is the range's last row.
    ///
    /// This is what a heat run logged after a rotation on a store with feature streams records
    /// (its ``EncryptedHeatRun/Header/ciphertextsThroughSeq`` is its last heat row), so it re-runs
    /// and its aggregates are computed. A window that ends before a re-encrypted heat row is
    /// still cut in two and refused (``requireWholeGeneration(through:path:)``, review s35 HIGH 1).
    ///
    /// ```swift
    /// let bound = try generations.generationBound(through: run.header.ciphertextsThroughSeq, in: db)
    /// let firstSeq = generations.firstSeq(through: bound)   // the rows are still read up to throughSeq
    /// ```
    ///
    /// - Parameters:
    ///   - throughSeq: the window's last row, or `nil` for all rows.
    ///   - db: a connection.
    /// - Returns: the row to choose the generation and run the generation checks with.
    /// - Throws: a database error.
    public func generationBound(through throughSeq: Int64?, in db: Database) throws -> Int64? {
        guard let throughSeq,
              let cut = transitions.first(where: { $0.finalSeq < throughSeq && throughSeq < $0.lastSeq }) else { return throughSeq }
        let heatRowsAfter = try Int64.fetchOne(
            db, sql: "SELECT COUNT(*) FROM ciphertexts WHERE seq > ? AND seq <= ? AND packing = ?",
            arguments: [throughSeq, cut.lastSeq, HeatPacking.weeklyScore]) ?? 0
        return heatRowsAfter == 0 ? cut.lastSeq : throughSeq
    }

    /// Refuses a window that ends inside a rotation's re-encrypted rows (review s35 HIGH 1): it
    /// would hold the retired generation's rows and part of their re-encryptions. Pass the
    /// ``generationBound(through:in:)`` of a window's last row.
    ///
    /// - Parameters:
    ///   - throughSeq: the window's last row, or `nil` for all rows.
    ///   - path: the store, for the message.
    /// - Throws: ``FHEKeyError/mixedGenerations(path:seq:run:generation:)``.
    public func requireWholeGeneration(through throughSeq: Int64?, path: String) throws(FHEKeyError) {
        guard let throughSeq else { return }
        if let cut = transitions.first(where: { $0.finalSeq < throughSeq && throughSeq < $0.lastSeq }) {
            throw .mixedGenerations(path: path, seq: throughSeq, run: 0, generation: cut.generation)
        }
    }

    /// The audit parameter an ingestion run records its FHE key id under (checked by
    /// ``requireSingleGeneration(in:from:through:path:)``).
    public static let runKeyParameter = "fheKeyID"

    /// Refuses an evaluation window that mixes generations: every row from `firstSeq` through
    /// `throughSeq` that the rotation did not write must come from an ingestion run that recorded
    /// the current key id (``runKeyParameter``); a row ingested under a retired key (or by a run
    /// that recorded none) after the rotation would be decrypted with the wrong key.
    ///
    /// - Parameters:
    ///   - db: a connection.
    ///   - firstSeq: the window's first row.
    ///   - throughSeq: its last row.
    ///   - path: the store, for the message.
    /// - Throws: ``FHEKeyError/mixedGenerations(path:seq:run:generation:)``, a database error.
    func requireSingleGeneration(in db: Database, from firstSeq: Int64, through throughSeq: Int64, path: String) throws {
        try requireWholeGeneration(through: throughSeq, path: path)
        guard let current = transition(through: throughSeq), throughSeq > current.lastSeq else { return }
        let runs = try Row.fetchAll(db, sql: """
            SELECT MIN(seq) AS first, ingestion_run FROM ciphertexts WHERE seq > ? AND seq <= ? GROUP BY ingestion_run ORDER BY first
            """, arguments: [max(current.lastSeq, firstSeq - 1), throughSeq])
        for row in runs {
            let seq = row.lenientInteger(at: 0) ?? 0
            let run = row.lenientInteger(at: 1) ?? 0
            let text = try String.fetchOne(db, sql: "SELECT CAST(parameters AS TEXT) FROM computation_runs WHERE seq = ?", arguments: [run])
            let parameters = text.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) }
            guard parameters?[Self.runKeyParameter] == current.keyID else {
                throw FHEKeyError.mixedGenerations(path: path, seq: seq, run: run, generation: current.generation)
            }
        }
    }
}
