import Foundation
import GRDB
import HeatEnvelope

/// Rotation and revocation of the collector's ingestion key (issue 27, item 1), recorded and
/// enforced the way the store signing key's are (``SigningKeyRotation``).
///
/// Both run in one immediate transaction committed with full durability, on a store that
/// **verifies** under the key holder's key against the anchor with no unsigned rows (refused with
/// ``CollectorKeyError/refused(violations:)``, exit 1, otherwise), and append a signed
/// ``CollectorKeyRetirement`` that retires the key after the store's last ingestion signature:
///
/// * ``rotate(store:keyholder:retiring:to:anchor:reason:)`` also endorses the successor
///   (generation + 1) and records it in `collector_keys`; audited `keys.rotate-collector`;
/// * ``revoke(store:keyholder:key:anchor:reason:)`` records the retirement with no successor;
///   audited `keys.revoke-collector`.
///
/// Both also sign the chain heads **in the same transaction** (issue 27 s37,
/// ``SignedStoreChange``): a crash leaves the old store or the retirement with its signed head,
/// never an unsigned tail; write the returned head to the head file after the call (`heatctl
/// keys rotate --collector` and `heatctl keys revoke --collector` do). Afterwards `ingest`
/// refuses the retired key (exit 64) and both verifiers refuse its later signatures, while its
/// earlier runs keep verifying.
///
/// ```swift
/// let new = IngestionKey()
/// let rotation = try CollectorKeyRotation.rotate(
///     store: store, keyholder: signingKey, retiring: nil, to: new, anchor: .previous(head), reason: "rotation")
/// rotation.record.retirement.generation                  // the retired key's generation
/// try rotation.head.write(to: URL(filePath: "head.heat"))
/// ```
public enum CollectorKeyRotation {
    /// The audit action of a rotation.
    public static let rotateAction = "keys.rotate-collector"
    /// The audit action of a revocation.
    public static let revokeAction = "keys.revoke-collector"
    /// The audit action of a fresh collector key endorsed when none was active (after the last
    /// one was revoked), by ``rotate(store:keyholder:retiring:to:anchor:reason:writingKeyTo:)``.
    public static let endorseAction = "keys.endorse-collector"

    /// What ``rotate(store:keyholder:retiring:to:anchor:reason:writingKeyTo:)`` did.
    public struct Rotation: Sendable {
        /// The retirement recorded; `nil` when no collector key was active (every one revoked), so
        /// a fresh key was endorsed without retiring any.
        public var retirement: CollectorKeyRetirement?
        /// The new key's endorsement (with its generation).
        public var endorsement: IngestionKeyEndorsement
        /// The new key's generation.
        public var generation: Int64
        /// The key files written (`ingestion.key`, `ingestion.endorsement`), before the commit.
        public var files: [String]
    }

    /// One collector key of the store: its fingerprint, generation and whether it is retired.
    public struct KeyStatus: Sendable, Hashable {
        /// The key's fingerprint (hex SHA-256 of the public key); its id is any unique prefix of at least 8 digits.
        public var fingerprint: String
        /// Its generation (1 unless it succeeded a retired key).
        public var generation: Int64
        /// The `collector_key_retirements` seq that retired it, if any.
        public var retiredBy: Int64?
        /// The retirement's reason, if retired.
        public var reason: String?
    }

    /// The collector keys endorsed by the store's signing keys (as recorded: `audit verify`
    /// checks them again under the pinned key), in the order they were recorded, with their
    /// generation and retirement.
    ///
    /// - Parameter store: the store.
    /// - Returns: the keys.
    /// - Throws: ``StoreError``.
    public static func keys(in store: HeatStore) throws -> [KeyStatus] {
        try store.read { db in try keys(in: db) }
    }

    static func keys(in db: Database) throws -> [KeyStatus] {
        let signing = try KeyRegistry.verificationKeys(in: db)
        let retired = try CollectorKeyRetirement.effective(in: db)
        var successors: [String: Int64] = [:]
        for (_, entry) in retired {
            if let next = entry.record.successorFingerprint { successors[next] = entry.record.generation + 1 }
        }
        // Keys endorsed when none was active carry the generation their audit entry records.
        for text in try String.fetchAll(db, sql: "SELECT parameters FROM audit_log WHERE action = ?", arguments: [endorseAction]) {
            guard let parameters = try? JSONDecoder().decode([String: String].self, from: Data(text.utf8)),
                  let key = parameters["newKey"], let generation = parameters["generation"].flatMap(Int64.init) else { continue }
            if successors[key] == nil { successors[key] = generation }
        }
        var seen = Set<String>()
        var result: [KeyStatus] = []
        for (_, endorsement) in try KeyRegistry.collectorEndorsements(in: db) {
            let fingerprint = endorsement.keyFingerprint
            guard let signer = signing[endorsement.endorsedBy], endorsement.isValid(under: signer), seen.insert(fingerprint).inserted else {
                continue
            }
            let retirement = retired[fingerprint]
            result.append(KeyStatus(fingerprint: fingerprint, generation: successors[fingerprint] ?? 1,
                                    retiredBy: retirement?.seq, reason: retirement?.record.reason))
        }
        return result
    }

    /// The key named by `id` (a unique prefix of at least 8 hex digits of its fingerprint), or the
    /// store's one active key when `id` is `nil`.
    static func resolve(_ id: String?, among keys: [KeyStatus], path: String) throws(CollectorKeyError) -> KeyStatus {
        guard let id else {
            let active = keys.filter { $0.retiredBy == nil }
            guard active.count == 1, let only = active.first else { throw .activeKeys(path: path, count: active.count) }
            return only
        }
        let prefix = id.lowercased()
        guard prefix.count >= 8, prefix.allSatisfy(\.isHexDigit) else { throw .badKeyID(path: path, matches: 0) }
        let matches = keys.filter { $0.fingerprint.hasPrefix(prefix) }
        guard matches.count == 1, let key = matches.first else { throw .badKeyID(path: path, matches: matches.count) }
        if let seq = key.retiredBy { throw .alreadyRetired(path: path, key: key.fingerprint, retiredBy: seq) }
        return key
    }

    /// Retires a collector key and endorses its successor (generation + 1).
    ///
    /// - Parameters:
    ///   - store: the store.
    ///   - keyholder: the key holder's current store signing key.
    ///   - id: the key to retire (fingerprint prefix), or `nil` for the store's one active key.
    ///   - new: the successor (a fresh key).
    ///   - anchor: the previous head file.
    ///   - reason: `rotation`, or `revocation: <why>` when the old key is compromised.
    /// - Returns: the retirement and the successor's endorsement (with its generation), and the
    ///   head signed in the same transaction.
    /// - Throws: ``CollectorKeyError``, ``KeyLifecycleError/noSignedHead(path:)``, ``StoreError``.
    public static func rotate(
        store: HeatStore, keyholder: StoreSigningKey, retiring id: String?, to new: IngestionKey, anchor: HeadAnchor, reason: String
    ) throws -> SignedStoreChange<(retirement: CollectorKeyRetirement, endorsement: IngestionKeyEndorsement)> {
        let rotation = try rotated(store: store, keyholder: keyholder, retiring: id, to: new, anchor: anchor, reason: reason, out: nil,
                                   allowFresh: false)
        // Without allowFresh a retirement is always recorded (resolve throws otherwise).
        guard let retirement = rotation.record.retirement else { throw CollectorKeyError.activeKeys(path: store.path, count: 0) }
        return SignedStoreChange(record: (retirement, rotation.record.endorsement), head: rotation.head)
    }

    /// Retires a collector key, endorses its successor (generation + 1) and writes the
    /// successor's key files into `out/collector/` **before** the commit (review s34 MEDIUM 3):
    /// they never replace a file, and they are removed when anything fails before or at the
    /// commit, so the old key is never retired with the new one lost. A crash between writing and
    /// committing leaves files the store never recorded: delete them (`heatctl audit log` has no
    /// `keys.rotate-collector` entry for that key) and rotate again.
    ///
    /// When no collector key is active (the last one was revoked) and `id` is `nil`, a fresh key
    /// is endorsed without retiring any, one generation above the highest (audited
    /// `keys.endorse-collector`): revoking the last key is no dead end (review s34 MEDIUM 4).
    ///
    /// - Parameters:
    ///   - store: the store.
    ///   - keyholder: the key holder's current store signing key.
    ///   - id: the key to retire (fingerprint prefix), or `nil` for the store's one active key.
    ///   - new: the successor (a fresh key).
    ///   - anchor: the previous head file.
    ///   - reason: `rotation`, or `revocation: <why>` when the old key is compromised.
    ///   - out: the folder for the new generation's keys (`out/collector/…`).
    /// - Returns: the retirement (if any), the endorsement, the generation and the files written,
    ///   and the head signed in the same transaction.
    /// - Throws: ``CollectorKeyError``, ``KeyError/alreadyExists(path:)`` (exit 64) for an existing
    ///   key file, ``KeyLifecycleError/noSignedHead(path:)``, ``StoreError``.
    public static func rotate(
        store: HeatStore, keyholder: StoreSigningKey, retiring id: String?, to new: IngestionKey, anchor: HeadAnchor, reason: String,
        writingKeyTo out: String
    ) throws -> SignedStoreChange<Rotation> {
        try rotated(store: store, keyholder: keyholder, retiring: id, to: new, anchor: anchor, reason: reason, out: out, allowFresh: true)
    }

    private static func rotated(
        store: HeatStore, keyholder: StoreSigningKey, retiring id: String?, to new: IngestionKey, anchor: HeadAnchor, reason: String,
        out: String?, allowFresh: Bool
    ) throws -> SignedStoreChange<Rotation> {
        var written: [String] = []
        do {
            return try SignedStoreChange.commit(
                to: store, key: keyholder, anchor: anchor, refusal: CollectorKeyError.refused(violations:),
                faults: .init(unsigned: .rotateUnsignedBeforeCommit, signed: .rotateBeforeCommit)
            ) { db in
                try checkStore(in: db, store: store)
                let statuses = try keys(in: db)
                var retirement: CollectorKeyRetirement?
                var generation: Int64
                var parameters: [String: String]
                if allowFresh, id == nil, !statuses.contains(where: { $0.retiredBy == nil }) {
                    generation = (statuses.map(\.generation).max() ?? 0) + 1
                    parameters = ["newKey": new.fingerprint.hex, "generation": String(generation), "reason": reason]
                } else {
                    let (old, record) = try retire(id, successor: new, among: statuses, in: db, store: store, keyholder: keyholder, reason: reason)
                    retirement = record
                    generation = record.generation + 1
                    parameters = ["oldKey": old.fingerprint, "newKey": new.fingerprint.hex, "generation": String(generation),
                                  "finalSignatureSeq": String(record.finalSignatureSeq), "reason": reason]
                }
                var endorsement: IngestionKeyEndorsement
                do {
                    endorsement = try IngestionKeyEndorsement(endorsing: new, with: keyholder)
                } catch {
                    throw AuditError.signingFailed(reason: String(describing: error))
                }
                endorsement.generation = generation
                try KeyRegistry.bind(new, endorsement: endorsement, in: db, path: store.path)
                if let out { written = try writeKey(new, endorsement: endorsement, at: out) }
                try AuditLog.append(AuditEntry(
                    role: KeyRole.keyholder.rawValue, action: retirement == nil ? endorseAction : rotateAction, parameters: parameters), in: db)
                return Rotation(retirement: retirement, endorsement: endorsement, generation: generation, files: written)
            }
        } catch {
            // Nothing was committed: the files of a key the store never endorsed are removed.
            for path in written { try? FileManager.default.removeItem(atPath: path) }
            throw error
        }
    }

    /// Revokes a collector key: records its retirement with no successor.
    ///
    /// - Parameters:
    ///   - store: the store.
    ///   - keyholder: the key holder's current store signing key.
    ///   - id: the key to revoke (fingerprint prefix of at least 8 hex digits).
    ///   - anchor: the previous head file.
    ///   - reason: why (recorded as `revocation: <reason>` unless it already starts with `revocation`, in any case: ``SigningKeyRotation/isRevocation(reason:)``).
    /// - Returns: the retirement and the head signed in the same transaction.
    /// - Throws: ``CollectorKeyError``, ``KeyLifecycleError/noSignedHead(path:)``, ``StoreError``.
    public static func revoke(
        store: HeatStore, keyholder: StoreSigningKey, key id: String, anchor: HeadAnchor, reason: String
    ) throws -> SignedStoreChange<CollectorKeyRetirement> {
        let text = SigningKeyRotation.isRevocation(reason: reason) ? reason : "revocation: \(reason)"
        return try SignedStoreChange.commit(
            to: store, key: keyholder, anchor: anchor, refusal: CollectorKeyError.refused(violations:),
            faults: .init(unsigned: .rotateUnsignedBeforeCommit, signed: .rotateBeforeCommit)
        ) { db in
            try checkStore(in: db, store: store)
            let (old, retirement) = try retire(id, successor: nil, among: try keys(in: db), in: db, store: store, keyholder: keyholder,
                                               reason: text)
            try AuditLog.append(AuditEntry(
                role: KeyRole.keyholder.rawValue, action: revokeAction,
                parameters: ["key": old.fingerprint, "generation": String(old.generation),
                             "finalSignatureSeq": String(retirement.finalSignatureSeq), "reason": text]), in: db)
            return retirement
        }
    }

    /// The shared checks after the store verified (``SignedStoreChange``): the schema and a signed head.
    private static func checkStore(in db: Database, store: HeatStore) throws {
        guard try db.tableExists(ChainedTable.collectorKeyRetirements.name) else { throw CollectorKeyError.oldSchema(path: store.path) }
        guard let heads = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM signed_heads"), heads >= 1 else {
            throw KeyLifecycleError.noSignedHead(path: store.path)
        }
    }

    /// The shared steps after ``checkStore(in:store:keyholder:anchor:)``: find the key, append the signed retirement.
    private static func retire(
        _ id: String?, successor: IngestionKey?, among statuses: [KeyStatus], in db: Database, store: HeatStore, keyholder: StoreSigningKey,
        reason: String
    ) throws -> (old: KeyStatus, retirement: CollectorKeyRetirement) {
        let old = try resolve(id, among: statuses, path: store.path)
        if let successor, successor.fingerprint.hex == old.fingerprint { throw KeyLifecycleError.sameKey(fingerprint: old.fingerprint) }
        let final = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM ingestion_signatures") ?? 0
        guard let publicKey = try Row.fetchOne(db, sql: "SELECT public_key FROM collector_keys WHERE fingerprint = ? ORDER BY seq LIMIT 1",
                                              arguments: [old.fingerprint])?.lenientBlob("public_key") else {
            throw CollectorKeyError.badKeyID(path: store.path, matches: 0)
        }
        let retirement: CollectorKeyRetirement
        do {
            retirement = try CollectorKeyRetirement.signed(
                retiring: [UInt8](publicKey), generation: old.generation, successor: successor?.publicKey, finalSignatureSeq: final,
                reason: reason, with: keyholder)
        } catch {
            throw AuditError.signingFailed(reason: String(describing: error))
        }
        try ChainAppender(db, table: .collectorKeyRetirements).append(retirement.rowValues)
        return (old, retirement)
    }

    /// Refuses a collector key that a valid retirement in the store retired (what `ingest` calls
    /// before signing a run). Retirements are checked as ``CollectorKeyRetirement/effective(in:)``
    /// does; one that does not verify is ignored here and named by `audit verify`.
    ///
    /// - Parameters:
    ///   - fingerprint: the collector key's fingerprint (hex).
    ///   - db: a connection.
    ///   - path: the store path, for the message.
    /// - Throws: ``CollectorKeyError/retiredKey(path:key:generation:retiredBy:reason:)``.
    static func requireActive(_ fingerprint: String, in db: Database, path: String) throws {
        if let entry = try CollectorKeyRetirement.effective(in: db)[fingerprint] {
            throw CollectorKeyError.retiredKey(path: path, key: fingerprint, generation: entry.record.generation, retiredBy: entry.seq,
                                               reason: entry.record.reason)
        }
    }

    /// Writes the successor's key files, `out/collector/ingestion.key` (mode 0600) and
    /// `out/collector/ingestion.endorsement`, both carrying the generation; never replaces a file.
    ///
    /// - Parameters:
    ///   - key: the successor key.
    ///   - endorsement: its endorsement (with its generation).
    ///   - out: the folder for the new generation's keys.
    /// - Returns: the paths written.
    /// - Throws: ``KeyError``.
    public static func writeKey(_ key: IngestionKey, endorsement: IngestionKeyEndorsement, at out: String) throws(KeyError) -> [String] {
        var key = key
        key.generation = endorsement.generation ?? 1
        let folder = URL(filePath: out).appending(path: KeyRole.collector.folderName)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .unwritable(path: folder.path, reason: error.localizedDescription)
        }
        var files: [String] = []
        for (name, envelope) in [
            (KeyFolder.ingestionKeyFile, Envelope(kind: .ingestionKey, payload: key.payload)),
            (KeyFolder.ingestionEndorsementFile, Envelope(kind: .ingestionKeyEndorsement, payload: endorsement.payload)),
        ] {
            let url = folder.appending(path: name)
            do {
                try envelope.create(at: url)
            } catch {
                // Never half a key: the file written before this one is removed (never one that existed).
                for path in files { try? FileManager.default.removeItem(atPath: path) }
                if case .alreadyExists = error { throw .alreadyExists(path: url.path) }
                throw .envelope(error)
            }
            files.append(url.path)
        }
        return files
    }
}

/// What can go wrong rotating, revoking or using a collector ingestion key.
///
/// ```swift
/// do { try ingestor.ingest(records, into: store) }
/// catch let error as CollectorKeyError { print(error, error.category.exitCode) }   // "… was revoked …" 64
/// ```
public enum CollectorKeyError: ClassifiedError, Equatable {
    /// The store does not verify (or has unsigned rows): no key is retired over it (exit 1).
    case refused(violations: [String])
    /// The key given to `ingest` was retired (rotated or revoked) by a signed retirement (exit 64).
    case retiredKey(path: String, key: String, generation: Int64, retiredBy: Int64, reason: String)
    /// `--collector` / `--retire` is not a unique prefix (at least 8 hex digits) of an endorsed key
    /// (exit 64: a usage error, DESIGN.md section 8).
    case badKeyID(path: String, matches: Int)
    /// The key named is already retired (exit 64).
    case alreadyRetired(path: String, key: String, retiredBy: Int64)
    /// No key was named and the store does not have exactly one active collector key (exit 64).
    case activeKeys(path: String, count: Int)
    /// The store predates migration `v8-keys` (it is migrated when opened for writing; exit 64).
    case oldSchema(path: String)

    public var category: ErrorCategory {
        switch self {
        case .refused: .integrityViolation
        case .badKeyID, .retiredKey, .alreadyRetired, .activeKeys, .oldSchema: .usage
        }
    }

    public var description: String {
        switch self {
        case .refused(let violations):
            "refusing to retire the collector key: the store does not verify (\(violations.count) violation\(violations.count == 1 ? "" : "s"); first: \(violations.first ?? "none"))"
        case .retiredKey(let path, let key, let generation, let seq, let reason):
            "\(path): collector ingestion key \(key.prefix(16))… (generation \(generation)) was retired by collector_key_retirements row \(seq) (\(reason)); ingestion with it is refused"
        case .badKeyID(let path, let matches):
            "\(path): --collector matches \(matches) endorsed collector keys; it must be a unique prefix (at least 8 hex digits) of one key's fingerprint"
        case .alreadyRetired(let path, let key, let seq):
            "\(path): collector key \(key.prefix(16))… is already retired (collector_key_retirements row \(seq))"
        case .activeKeys(let path, let count):
            "\(path): the store has \(count) active collector keys; name the one to retire"
        case .oldSchema(let path):
            "\(path): the store has no collector_key_retirements table (schema before v8-keys)"
        }
    }

    public var hint: String? {
        switch self {
        case .refused: "run `heatctl audit verify`, then `heatctl audit sign`, and retire the key on a store that verifies"
        case .retiredKey: "ingest with the successor's folder written by `heatctl keys rotate --collector --out DIR` (DIR/collector)"
        case .badKeyID: "give at least 8 hex digits of a collector key's fingerprint: `heatctl keys rotate --collector` prints them, and `heatctl audit log` lists every one (keys.generate, keys.register, keys.rotate-collector)"
        case .alreadyRetired: "nothing to do; ingest with its successor"
        case .activeKeys: "pass --retire <fingerprint prefix> (at least 8 hex digits)"
        case .oldSchema: "open the store for writing once (for example `heatctl audit sign`) to migrate it"
        }
    }
}
