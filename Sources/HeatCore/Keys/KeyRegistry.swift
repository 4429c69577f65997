import Foundation
import GRDB
import HeatEnvelope

/// The store's record of the keys in use: fingerprints (and, for the verification key, the
/// public bytes) in the hash-chained `key_fingerprints` table, each registration audited.
///
/// The first key of each kind registered binds the store: ingesting with another
/// pseudonymisation key, or signing with another signing key, fails with
/// ``StoreError/keyMismatch(path:role:expected:found:)``.
///
/// ```swift
/// let generated = try KeyFolder.generate(at: "keys")
/// try KeyRegistry.recordGenerated(generated, in: store)
/// ```
public enum KeyRegistry {
    /// Records freshly generated keys and appends a `keys.generate` audit entry.
    ///
    /// - Parameters:
    ///   - keys: the keys from ``KeyFolder/generate(at:)``.
    ///   - store: the store.
    /// - Throws: ``StoreError`` if the store already has keys of these kinds or cannot be written.
    public static func recordGenerated(_ keys: GeneratedKeys, in store: HeatStore) throws {
        try store.write { db in
            try requireUnbound(kind: .pseudonymisationKey, fingerprint: keys.pseudonymisationKey.fingerprint, db: db, path: store.path)
            try requireUnbound(kind: .signingKey, fingerprint: keys.signingKey.fingerprint, db: db, path: store.path)
            try record(role: .collector, kind: .pseudonymisationKey, fingerprint: keys.pseudonymisationKey.fingerprint, publicKey: nil, in: db)
            try record(role: .keyholder, kind: .signingKey, fingerprint: keys.signingKey.fingerprint,
                       publicKey: keys.signingKey.verificationKey.rawRepresentation, in: db)
            try recordCollectorKey(keys.endorsement, in: db)
            try AuditLog.append(AuditEntry(
                role: "operator", action: AuditAction.keysGenerate,
                parameters: [
                    "pseudonymisationKey": keys.pseudonymisationKey.fingerprint.hex,
                    "signingKey": keys.signingKey.fingerprint.hex,
                    "ingestionKey": keys.ingestionKey.fingerprint.hex,
                ]), in: db)
        }
    }

    /// Checks `key` against the store's registered pseudonymisation key, registering it (and
    /// auditing `keys.register`) when the store has none yet.
    ///
    /// - Parameters:
    ///   - key: the collector's key.
    ///   - db: a connection inside a write transaction.
    ///   - path: the store path, for error messages.
    /// - Throws: ``StoreError/keyMismatch(path:role:expected:found:)`` if another key is registered.
    public static func bind(_ key: PseudonymisationKey, in db: Database, path: String) throws {
        try bind(role: .collector, kind: .pseudonymisationKey, fingerprint: key.fingerprint, publicKey: nil, db: db, path: path)
    }

    /// Checks `key` against the store's registered signing key, registering it (with its public
    /// half) when the store has none yet.
    ///
    /// - Parameters:
    ///   - key: the key holder's key.
    ///   - db: a connection inside a write transaction.
    ///   - path: the store path, for error messages.
    /// - Throws: ``StoreError/keyMismatch(path:role:expected:found:)`` if another key is registered;
    ///   ``KeyError/signingKeyGeneration(path:fileGeneration:storeGeneration:)`` (exit 64) when the
    ///   key's file names another generation than the store's current one (issue 27, s37).
    public static func bind(_ key: StoreSigningKey, in db: Database, path: String) throws {
        // Issue 27 (s37): the file's generation id first, so a retired key's file is named as such.
        try key.requireGeneration(StoreSigningKey.currentGeneration(in: db))
        // Issue 27: after a rotation the current key is the new key at the end of the store's one
        // chain of valid transitions (a transition grafted on by a thief is not on it); retired keys are refused.
        if let current = try KeyTransition.linearChain(in: db).chain.last?.new {
            guard current.fingerprint == key.fingerprint else {
                throw StoreError.keyMismatch(path: path, role: KeyRole.keyholder.rawValue, expected: current.fingerprint.hex, found: key.fingerprint.hex)
            }
            return
        }
        try bind(role: .keyholder, kind: .signingKey, fingerprint: key.fingerprint,
                 publicKey: key.verificationKey.rawRepresentation, db: db, path: path)
    }

    /// Checks that the collector's ingestion key is registered in the store, registering it with
    /// the key holder's endorsement (and auditing `keys.register`) when it is not.
    ///
    /// The endorsement must be for this key; when the store has a registered signing key it must
    /// be by that key and its signature must verify. (`audit verify` checks it again, under the
    /// pinned auditor key: nothing registered here is trusted for being in the store.)
    ///
    /// - Parameters:
    ///   - key: the collector's ingestion key.
    ///   - endorsement: the key holder's endorsement of it.
    ///   - db: a connection inside a write transaction.
    ///   - path: the store path, for error messages.
    /// - Throws: ``StoreError/keyMismatch(path:role:expected:found:)`` when the endorsement is not
    ///   for this key or not by the store's signing key;
    ///   ``CollectorKeyError/retiredKey(path:key:generation:retiredBy:reason:)`` when a signed
    ///   retirement retired the key (issue 27).
    public static func bind(_ key: IngestionKey, endorsement: IngestionKeyEndorsement, in db: Database, path: String) throws {
        let fingerprint = key.fingerprint.hex
        // Issue 27: a collector key retired (rotated or revoked) by a signed retirement is refused.
        try CollectorKeyRotation.requireActive(fingerprint, in: db, path: path)
        if try String.fetchOne(db, sql: "SELECT fingerprint FROM collector_keys WHERE fingerprint = ? LIMIT 1",
                               arguments: [fingerprint]) != nil {
            return
        }
        guard endorsement.publicKey == Hex.encode(key.publicKey) else {
            throw StoreError.keyMismatch(path: path, role: "collector ingestion", expected: endorsement.keyFingerprint, found: fingerprint)
        }
        // Issue 27: after a rotation, new endorsements come from the current (newest) signing key.
        let current = try KeyTransition.linearChain(in: db).chain.last?.new.fingerprint.hex
        if let signing = try current ?? registeredFingerprint(kind: .signingKey, in: db) {
            let keys = try verificationKeys(in: db)
            guard endorsement.endorsedBy == signing, let signer = keys[signing], endorsement.isValid(under: signer) else {
                throw StoreError.keyMismatch(path: path, role: "endorsing keyholder", expected: signing, found: endorsement.endorsedBy)
            }
        }
        try recordCollectorKey(endorsement, in: db)
        try AuditLog.append(AuditEntry(
            role: KeyRole.collector.rawValue, action: AuditAction.keysRegister,
            parameters: ["kind": EnvelopeKind.ingestionKey.name, "fingerprint": fingerprint, "endorsedBy": endorsement.endorsedBy]),
            in: db)
    }

    /// The endorsements recorded in `collector_keys`, in order (as stored: not yet verified).
    ///
    /// - Parameter db: a connection.
    /// - Returns: `(seq, endorsement)` per row; rows that cannot be parsed (values of the wrong
    ///   type, an `endorsed_at` not in its canonical `…Z` form) are skipped.
    /// - Throws: a database error.
    public static func collectorEndorsements(in db: Database) throws -> [(seq: Int64, endorsement: IngestionKeyEndorsement)] {
        try IngestionKeyEndorsement.stored(in: db).compactMap { seq, endorsement in endorsement.map { (seq, $0) } }
    }

    private static func recordCollectorKey(_ endorsement: IngestionKeyEndorsement, in db: Database) throws {
        try ChainAppender(db, table: .collectorKeys).append([
            .text(UTCTimestamp.now().iso8601), .text(endorsement.keyFingerprint), .blob(Hex.decode(endorsement.publicKey) ?? []),
            .text(endorsement.endorsedBy), .text(endorsement.endorsedAt.iso8601), .blob(Hex.decode(endorsement.signature) ?? []),
        ])
    }

    /// The verification keys recorded in the store, by fingerprint hex.
    ///
    /// - Parameter db: a connection.
    /// - Returns: the public keys whose bytes parse.
    /// - Throws: a database error.
    public static func verificationKeys(in db: Database) throws -> [String: StoreVerificationKey] {
        var keys: [String: StoreVerificationKey] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT fingerprint, public_key FROM key_fingerprints WHERE kind = ?",
                                    arguments: [EnvelopeKind.signingKey.name]) {
            guard let data = row.lenientBlob("public_key"),
                  let key = try? StoreVerificationKey(rawRepresentation: [UInt8](data)) else { continue }
            // Key by the fingerprint of the bytes actually stored.
            keys[key.fingerprint.hex] = key
        }
        return keys
    }

    /// The fingerprint (hex) of the first registered key of `kind`, if any.
    static func registeredFingerprint(kind: EnvelopeKind, in db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT fingerprint FROM key_fingerprints WHERE kind = ? ORDER BY seq LIMIT 1",
                            arguments: [kind.name])
    }

    private static func requireUnbound(kind: EnvelopeKind, fingerprint: Fingerprint, db: Database, path: String) throws {
        if let existing = try registeredFingerprint(kind: kind, in: db), existing != fingerprint.hex {
            throw StoreError.keyMismatch(path: path, role: kind == .signingKey ? "keyholder" : "collector",
                                         expected: existing, found: fingerprint.hex)
        }
    }

    private static func bind(
        role: KeyRole, kind: EnvelopeKind, fingerprint: Fingerprint, publicKey: [UInt8]?, db: Database, path: String
    ) throws {
        if let existing = try registeredFingerprint(kind: kind, in: db) {
            guard existing == fingerprint.hex else {
                throw StoreError.keyMismatch(path: path, role: role.rawValue, expected: existing, found: fingerprint.hex)
            }
            return
        }
        try record(role: role, kind: kind, fingerprint: fingerprint, publicKey: publicKey, in: db)
        try AuditLog.append(AuditEntry(
            role: role.rawValue, action: AuditAction.keysRegister,
            parameters: ["kind": kind.name, "fingerprint": fingerprint.hex]), in: db)
    }

    private static func record(role: KeyRole, kind: EnvelopeKind, fingerprint: Fingerprint, publicKey: [UInt8]?, in db: Database) throws {
        try ChainAppender(db, table: .keyFingerprints).append([
            .text(UTCTimestamp.now().iso8601), .text(role.rawValue), .text(kind.name), .text(fingerprint.hex),
            publicKey.map(CanonicalValue.blob) ?? .null,
        ])
    }
}

extension IngestionKeyEndorsement: StoredSignedRecord {
    static var storedTable: ChainedTable { .collectorKeys }
    /// The signed time is `endorsed_at` (the row's `recorded_at` is not signed).
    static let storedColumns = "CAST(endorsed_at AS BLOB), CAST(public_key AS BLOB), CAST(endorsed_by AS BLOB), CAST(signature AS BLOB)"

    /// Reads a stored endorsement (``StoredSignedRecord/stored(in:)``: the endorsement time is canonical).
    init?(stored row: StoredSignedRow) {
        guard let publicKey = row.blob(2), let endorsedBy = row.text(3), let signature = row.blob(4) else { return nil }
        self.init(publicKey: Hex.encode(publicKey), endorsedBy: endorsedBy, endorsedAt: row.signedAt, signature: Hex.encode(signature))
    }
}
