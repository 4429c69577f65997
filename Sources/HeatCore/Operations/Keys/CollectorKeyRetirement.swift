import Foundation
import GRDB
import HeatEnvelope

/// The key holder's signed record that a collector ingestion key was **retired**: replaced by a
/// successor (rotation) or revoked with none (issue 27, item 1).
///
/// Stored in the chained table `collector_key_retirements` (migration `v8-keys`). The key holder
/// is the collector key's trust root (it endorses every collector key, ``IngestionKeyEndorsement``),
/// so the record is signed with the store signing key, like tombstones and erasures. From the
/// record on:
///
/// * `ingest` refuses the retired key (``CollectorKeyError/retiredKey(path:key:generation:retiredBy:reason:)``, exit 64);
/// * `audit verify` and `Scripts/verify-store.py` refuse every `ingestion_signatures` row signed by
///   it **after** ``finalSignatureSeq`` (a ``Violation/Kind/retiredCollectorKey``, and the rows it
///   covers count as unsigned), while its runs up to ``finalSignatureSeq`` keep verifying through
///   its endorsement.
///
/// Generations: the store's first collector key is generation 1; a rotation's successor has
/// ``generation`` + 1 (written into its key files, `"generation"` in `ingestion.key` and
/// `ingestion.endorsement`).
///
/// The signature covers the ASCII text `customerheat.collector-key-retirement/1` followed, each as a
/// ``CanonicalValue``, by `recordedAt` (text), the retired public key (blob, 32 bytes), `generation`
/// (integer), the successor's public key (blob, empty for a revocation), `finalSignatureSeq`
/// (integer), `reason` (text) and the key fingerprint (text).
///
/// ```swift
/// let record = try CollectorKeyRetirement.signed(retiring: old.publicKey, generation: 1, successor: new.publicKey,
///                                                finalSignatureSeq: 4, reason: "rotation", with: signingKey)
/// record.problem(under: signingKey.verificationKey)   // nil
/// ```
public struct CollectorKeyRetirement: Sendable, Hashable, Codable, KeyHolderSignedRecord {
    static let noun = "collector key retirement"
    /// The format identifier that starts the signed message.
    public static let domain = "customerheat.collector-key-retirement/1"

    /// When the key was retired.
    public var recordedAt: UTCTimestamp
    /// The retired collector key's Ed25519 public key (hex, 32 bytes).
    public var publicKey: String
    /// The retired key's generation (the store's first collector key is 1).
    public var generation: Int64
    /// The successor's public key (hex), empty for a revocation.
    public var successorPublicKey: String
    /// The last `ingestion_signatures` seq the retired key may have signed.
    public var finalSignatureSeq: Int64
    /// `rotation`, or `revocation: <why>`.
    public var reason: String
    /// The signing key's fingerprint (hex).
    public var keyFingerprint: String
    /// The Ed25519 signature over ``signedMessage`` (hex).
    public var signature: String

    /// The bytes the signature covers.
    public var signedMessage: [UInt8] {
        var bytes = Array(Self.domain.utf8)
        CanonicalValue.text(recordedAt.iso8601).append(to: &bytes)
        CanonicalValue.blob(Hex.decode(publicKey) ?? []).append(to: &bytes)
        CanonicalValue.integer(generation).append(to: &bytes)
        CanonicalValue.blob(Hex.decode(successorPublicKey) ?? []).append(to: &bytes)
        CanonicalValue.integer(finalSignatureSeq).append(to: &bytes)
        CanonicalValue.text(reason).append(to: &bytes)
        CanonicalValue.text(keyFingerprint).append(to: &bytes)
        return bytes
    }

    /// The fingerprint (hex SHA-256) of the retired key, as `ingestion_signatures.key_fingerprint` names it.
    public var retiredFingerprint: String { Fingerprint(hashing: Hex.decode(publicKey) ?? []).hex }

    /// The successor's fingerprint (hex), `nil` for a revocation.
    public var successorFingerprint: String? {
        successorPublicKey.isEmpty ? nil : Fingerprint(hashing: Hex.decode(successorPublicKey) ?? []).hex
    }

    /// Whether the record is a revocation (no successor).
    public var isRevocation: Bool { successorPublicKey.isEmpty }

    /// Makes and signs a retirement.
    ///
    /// - Parameters:
    ///   - publicKey: the retired collector key (32 bytes).
    ///   - generation: its generation.
    ///   - successor: the successor's public key, or `nil` for a revocation.
    ///   - finalSignatureSeq: the last `ingestion_signatures` seq it may have signed.
    ///   - reason: `rotation` or `revocation: …`.
    ///   - key: the key holder's store signing key.
    ///   - recordedAt: the time (default: now).
    /// - Returns: the signed record.
    /// - Throws: `CryptoKitError` if signing fails.
    public static func signed(
        retiring publicKey: [UInt8], generation: Int64, successor: [UInt8]?, finalSignatureSeq: Int64, reason: String,
        with key: StoreSigningKey, recordedAt: UTCTimestamp? = nil
    ) throws -> CollectorKeyRetirement {
        var record = CollectorKeyRetirement(
            recordedAt: recordedAt ?? .now(), publicKey: Hex.encode(publicKey), generation: generation,
            successorPublicKey: successor.map(Hex.encode) ?? "", finalSignatureSeq: finalSignatureSeq, reason: reason,
            keyFingerprint: "", signature: "")
        try record.sign(with: key)
        return record
    }

    /// Whether the record is signed by `key` and well formed.
    ///
    /// - Parameter key: the trusted verification key with the record's fingerprint.
    /// - Returns: `nil` when valid, else why not.
    public func problem(under key: StoreVerificationKey) -> String? {
        if let problem = signatureProblem(under: key) { return problem }
        guard Hex.decode(publicKey)?.count == 32 else { return "names a retired key that is not 32 bytes" }
        guard isRevocation || Hex.decode(successorPublicKey)?.count == 32 else { return "names a successor key that is not 32 bytes" }
        guard successorPublicKey != publicKey else { return "names the retired key as its own successor" }
        guard generation >= 1, finalSignatureSeq >= 0 else {
            return "names an invalid generation \(generation) or final signature \(finalSignatureSeq)"
        }
        return nil
    }

    /// The row values in ``ChainedTable/collectorKeyRetirements`` column order.
    var rowValues: [CanonicalValue] {
        [.text(recordedAt.iso8601), .blob(Hex.decode(publicKey) ?? []), .integer(generation),
         .blob(Hex.decode(successorPublicKey) ?? []), .integer(finalSignatureSeq), .text(reason),
         .text(keyFingerprint), .blob(Hex.decode(signature) ?? [])]
    }

    /// The retirements that count, by retired key fingerprint, for commands that hold no pinned
    /// key (`ingest`, the rotation's key list): those that ``verify(in:trusted:)`` accepts when the
    /// store's first registered signing key is pinned (so keys linked by key transitions count,
    /// and a retired signing key's later records do not). Empty when no signing key is registered.
    ///
    /// - Parameter db: a connection.
    /// - Returns: the valid records with their seq.
    /// - Throws: a database error.
    static func effective(in db: Database) throws -> [String: (seq: Int64, record: CollectorKeyRetirement)] {
        guard try db.tableExists(ChainedTable.collectorKeyRetirements.name),
              let first = try KeyRegistry.registeredFingerprint(kind: .signingKey, in: db),
              let pinned = try KeyRegistry.verificationKeys(in: db)[first] else { return [:] }
        let (trusted, _) = try TrustedSigningKeys.load(in: db, pinned: pinned)
        return try verify(in: db, trusted: trusted).retired
    }

    /// Checks every record under the trusted signing keys (issue 27): one that cannot be parsed or
    /// does not verify is a ``Violation/Kind/badCollectorKeyRetirement`` and is ignored; one signed
    /// by a key retired before it is a ``Violation/Kind/retiredSigningKey`` and is ignored. Returns
    /// the valid retirements by retired key fingerprint (the earliest one when a key is retired
    /// twice) and one summary line each.
    static func verify(
        in db: Database, trusted: TrustedSigningKeys
    ) throws -> (retired: [String: (seq: Int64, record: CollectorKeyRetirement)], summaries: [String], violations: [Violation]) {
        let name = ChainedTable.collectorKeyRetirements.name
        var retired: [String: (seq: Int64, record: CollectorKeyRetirement)] = [:]
        var summaries: [String] = []
        let (accepted, violations) = try checked(
            in: db, trusted: trusted, kind: .badCollectorKeyRetirement,
            unparsable: "the collector key retirement cannot be parsed (forged or altered)", suffix: "; it is ignored",
            label: { seq, record in "\(name) row \(seq) (collector key \(record.retiredFingerprint.prefix(16))…, generation \(record.generation))" })
        for (seq, record) in accepted {
            guard retired[record.retiredFingerprint] == nil else { continue }
            retired[record.retiredFingerprint] = (seq, record)
            let what = record.successorFingerprint.map { "rotated to \($0.prefix(16))…" } ?? "revoked"
            summaries.append("collector key \(record.retiredFingerprint.prefix(16))… (generation \(record.generation)) \(what) after ingestion signature \(record.finalSignatureSeq) (\(record.reason)), signed retirement \(seq) of \(record.recordedAt.iso8601)")
        }
        return (retired, summaries, violations)
    }
}

extension ChainedTable {
    /// Signed retirements (rotation or revocation) of collector ingestion keys (migration
    /// `v8-keys`, issue 27; ``CollectorKeyRetirement``).
    public static let collectorKeyRetirements = ChainedTable(
        name: "collector_key_retirements",
        columns: [
            ("recorded_at", "TEXT NOT NULL"), ("public_key", "BLOB NOT NULL"), ("generation", "INTEGER NOT NULL"),
            ("successor_public_key", "BLOB NOT NULL"), ("final_signature_seq", "INTEGER NOT NULL"), ("reason", "TEXT NOT NULL"),
            ("key_fingerprint", "TEXT NOT NULL"), ("signature", "BLOB NOT NULL"),
        ],
        introducedIn: 8)
}

extension CollectorKeyRetirement: StoredSignedRecord {
    static var storedTable: ChainedTable { .collectorKeyRetirements }
    static let storedColumns = """
        CAST(recorded_at AS BLOB), CAST(public_key AS BLOB), generation, CAST(successor_public_key AS BLOB),
        final_signature_seq, CAST(reason AS BLOB), CAST(key_fingerprint AS BLOB), CAST(signature AS BLOB)
        """

    /// Reads a stored record (``StoredSignedRecord/stored(in:)``: the time is canonical, texts
    /// strict UTF-8, so both verifiers check the signature over the same text; review s34 MEDIUM 8).
    init?(stored row: StoredSignedRow) {
        guard let key = row.blob(2), let generation = row.integer(3), let successor = row.blob(4), let final = row.integer(5),
              let reason = row.text(6), let fingerprint = row.text(7), let signature = row.blob(8) else { return nil }
        self.init(recordedAt: row.signedAt, publicKey: Hex.encode(key), generation: generation, successorPublicKey: Hex.encode(successor),
                  finalSignatureSeq: final, reason: reason, keyFingerprint: fingerprint, signature: Hex.encode(signature))
    }
}
