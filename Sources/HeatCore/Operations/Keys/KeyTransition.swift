import Foundation
import GRDB
import HeatEnvelope

/// A signed record that the key holder's store signing key was replaced (rotation, or
/// revocation of a compromised key), issue 27.
///
/// Stored in the chained table `key_transitions`. Both the old and the new key sign the same
/// message, so the transition links them in both directions: an auditor who pins the original
/// key follows it forward, one who pins the current key follows it backward, and nobody can link
/// a key of their own to a trusted one. The old key is **retired**: heads it signs in
/// `signed_heads` after ``finalHeadSeq`` are violations, while every earlier signature (heads,
/// collector endorsements, retention tombstones) keeps verifying. Signed message: the ASCII text
/// `customerheat.key-transition/1`, then as ``CanonicalValue``s `recordedAt` (text), `generation`
/// (integer), the old and the new public key (blobs, 32 bytes), `finalHeadSeq` (integer) and
/// `reason` (text) (`Docs/Storage.md`, "Key transitions").
///
/// ```swift
/// let transition = try KeyTransition.signed(from: oldKey, to: newKey, generation: 2, finalHeadSeq: 7, reason: "rotation")
/// transition.isValid   // true
/// ```
public struct KeyTransition: Sendable, Hashable, Codable {
    /// The format identifier that starts the signed message.
    public static let domain = "customerheat.key-transition/1"

    /// When the key was replaced.
    public var recordedAt: UTCTimestamp
    /// The new key's generation (the store's first signing key is generation 1).
    public var generation: Int64
    /// The old key's Ed25519 public key (hex).
    public var oldPublicKey: String
    /// The new key's Ed25519 public key (hex).
    public var newPublicKey: String
    /// The last `signed_heads` seq the old key may have signed.
    public var finalHeadSeq: Int64
    /// Why: `rotation`, or `revocation: <reason>` for a compromised key.
    public var reason: String
    /// The old key's signature over ``signedMessage`` (hex).
    public var oldSignature: String
    /// The new key's signature over ``signedMessage`` (hex).
    public var newSignature: String

    /// The bytes both keys sign.
    public var signedMessage: [UInt8] {
        var bytes = Array(Self.domain.utf8)
        CanonicalValue.text(recordedAt.iso8601).append(to: &bytes)
        CanonicalValue.integer(generation).append(to: &bytes)
        CanonicalValue.blob(Hex.decode(oldPublicKey) ?? []).append(to: &bytes)
        CanonicalValue.blob(Hex.decode(newPublicKey) ?? []).append(to: &bytes)
        CanonicalValue.integer(finalHeadSeq).append(to: &bytes)
        CanonicalValue.text(reason).append(to: &bytes)
        return bytes
    }

    /// The old key, if its bytes are a valid public key.
    public var oldKey: StoreVerificationKey? { Hex.decode(oldPublicKey).flatMap { try? StoreVerificationKey(rawRepresentation: $0) } }
    /// The new key, if its bytes are a valid public key.
    public var newKey: StoreVerificationKey? { Hex.decode(newPublicKey).flatMap { try? StoreVerificationKey(rawRepresentation: $0) } }

    /// Whether both keys parse, differ, and both signatures verify.
    public var isValid: Bool {
        guard let old = oldKey, let new = newKey, old != new,
              let oldRaw = Hex.decode(oldSignature), let newRaw = Hex.decode(newSignature) else { return false }
        return old.isValidSignature(oldRaw, for: signedMessage) && new.isValidSignature(newRaw, for: signedMessage)
    }

    /// Makes a transition signed by both keys.
    ///
    /// - Parameters:
    ///   - old: the key being replaced.
    ///   - new: its successor.
    ///   - generation: the new key's generation.
    ///   - finalHeadSeq: the last signed head the old key signed.
    ///   - reason: `rotation` or `revocation: …`.
    ///   - recordedAt: the time (default: now).
    /// - Returns: the signed transition.
    /// - Throws: `CryptoKitError` if signing fails.
    public static func signed(
        from old: StoreSigningKey, to new: StoreSigningKey, generation: Int64, finalHeadSeq: Int64, reason: String,
        recordedAt: UTCTimestamp? = nil
    ) throws -> KeyTransition {
        var transition = KeyTransition(
            recordedAt: recordedAt ?? .now(), generation: generation, oldPublicKey: Hex.encode(old.verificationKey.rawRepresentation),
            newPublicKey: Hex.encode(new.verificationKey.rawRepresentation), finalHeadSeq: finalHeadSeq, reason: reason,
            oldSignature: "", newSignature: "")
        transition.oldSignature = Hex.encode(try old.signature(for: transition.signedMessage))
        transition.newSignature = Hex.encode(try new.signature(for: transition.signedMessage))
        return transition
    }

    /// The row values in ``ChainedTable/keyTransitions`` column order.
    var rowValues: [CanonicalValue] {
        [.text(recordedAt.iso8601), .integer(generation), .blob(Hex.decode(oldPublicKey) ?? []),
         .blob(Hex.decode(newPublicKey) ?? []), .integer(finalHeadSeq), .text(reason),
         .blob(Hex.decode(oldSignature) ?? []), .blob(Hex.decode(newSignature) ?? [])]
    }

    /// The transitions recorded in the store, in order, with their seq (as stored: not yet
    /// verified; ``StoredSignedRecord/stored(in:)``, so a non-canonical time cannot be parsed).
    static func all(in db: Database) throws -> [(seq: Int64, transition: KeyTransition?)] {
        try stored(in: db).map { ($0.seq, $0.record) }
    }
}

extension KeyTransition: StoredSignedRecord {
    static var storedTable: ChainedTable { .keyTransitions }
    static let storedColumns = """
        CAST(recorded_at AS BLOB), generation, CAST(old_public_key AS BLOB), CAST(new_public_key AS BLOB),
        final_head_seq, CAST(reason AS BLOB), CAST(old_signature AS BLOB), CAST(new_signature AS BLOB)
        """

    /// Reads a stored transition (the time is canonical, the reason strict UTF-8).
    init?(stored row: StoredSignedRow) {
        guard let generation = row.integer(2), let old = row.blob(3), let new = row.blob(4), let final = row.integer(5),
              let reason = row.text(6), let oldSignature = row.blob(7), let newSignature = row.blob(8) else { return nil }
        self.init(recordedAt: row.signedAt, generation: generation, oldPublicKey: Hex.encode(old), newPublicKey: Hex.encode(new),
                  finalHeadSeq: final, reason: reason, oldSignature: Hex.encode(oldSignature), newSignature: Hex.encode(newSignature))
    }
}

extension ChainedTable {
    /// Signed transitions of the store signing key (migration `v5-operations`, issue 27; ``KeyTransition``).
    public static let keyTransitions = ChainedTable(
        name: "key_transitions",
        columns: [
            ("recorded_at", "TEXT NOT NULL"), ("generation", "INTEGER NOT NULL"), ("old_public_key", "BLOB NOT NULL"),
            ("new_public_key", "BLOB NOT NULL"), ("final_head_seq", "INTEGER NOT NULL"), ("reason", "TEXT NOT NULL"),
            ("old_signature", "BLOB NOT NULL"), ("new_signature", "BLOB NOT NULL"),
        ],
        introducedIn: 5)
}

/// The signing keys a verification trusts: the pinned key and every key linked to it by valid
/// ``KeyTransition``s, with the last signed head each retired key may have signed.
struct TrustedSigningKeys: Sendable {
    /// Trusted keys by fingerprint hex.
    private(set) var keys: [String: StoreVerificationKey]
    /// Retired keys: the last `signed_heads` seq each may have signed.
    private(set) var retiredAfter: [String: Int64] = [:]
    /// Retired keys: the rows per table that the signed head at their ``KeyTransition/finalHeadSeq``
    /// covers (empty when that head is missing or does not verify). A retired key's signature on
    /// a row beyond them (a tombstone, a collector endorsement) was made after the key was retired.
    private(set) var finalCoverage: [String: [String: Int64]] = [:]
    /// Retired keys: the `key_transitions` row that retired each.
    private(set) var retiredBy: [String: Int64] = [:]
    /// The pinned key.
    let pinned: StoreVerificationKey
    /// The current key: the new key of the last link of the store's chain when the pinned key is
    /// on it, else the pinned key (review s38 keys27c M1: only this key signs an evaluator's
    /// evaluation key list).
    private(set) var current: StoreVerificationKey

    init(pinned: StoreVerificationKey) {
        self.pinned = pinned
        self.current = pinned
        keys = [pinned.fingerprint.hex: pinned]
    }

    /// The trusted key with this fingerprint.
    func key(_ fingerprint: String) -> StoreVerificationKey? { keys[fingerprint] }

    /// Why a signature by key `fingerprint` on row `seq` of `table` must be refused: the key was
    /// retired by a key transition and its final signed head does not cover that row, so the
    /// signature was made after the retirement (a retired, possibly stolen, key). `nil` when the
    /// key is not retired or its final head covers the row.
    ///
    /// - Parameters:
    ///   - fingerprint: the signing key's fingerprint (hex).
    ///   - table: the chained table holding the signed record.
    ///   - seq: the record's row.
    /// - Returns: the reason, or `nil`.
    func retiredProblem(_ fingerprint: String, table: String, seq: Int64) -> String? {
        guard let final = retiredAfter[fingerprint] else { return nil }
        let covered = finalCoverage[fingerprint]?[table] ?? 0
        guard seq > covered else { return nil }
        return "signed by key \(fingerprint.prefix(16))…, which a key transition retired after signed head \(final), whose head covers only \(covered) \(table) rows: signed after the key was retired (a retired, possibly stolen, key)"
    }

    /// Reads the signed head at each retired key's final head seq and records what it covers
    /// (``finalCoverage``); a head that is missing, cannot be parsed or is not validly signed by a
    /// trusted key covers nothing.
    mutating func loadFinalCoverage(in db: Database) throws {
        guard try db.tableExists(ChainedTable.signedHeads.name) else { return }
        for (fingerprint, final) in retiredAfter {
            var coverage: [String: Int64] = [:]
            if let row = try Row.fetchOne(
                db, sql: "SELECT CAST(head AS BLOB), CAST(signature AS BLOB) FROM signed_heads WHERE seq = ?", arguments: [final]),
               var head = try? SignedHead.decode(row.lenientBlob(at: 0) ?? Data(), source: "signed head \(final)") {
                head.signature = Hex.encode(row.lenientBlob(at: 1) ?? Data())
                if let signer = keys[head.keyFingerprint], head.isValid(under: signer),
                   retiredAfter[head.keyFingerprint].map({ final <= $0 }) ?? true {
                    for chain in head.chains { coverage[chain.table] = chain.rows }
                }
            }
            finalCoverage[fingerprint] = coverage
        }
    }

    /// Follows the store's one chain of valid transitions and trusts its keys when the pinned key
    /// is on it (in either direction); every transition that does not verify, is not on the chain
    /// (``KeyTransition/linearChain(in:)``) or whose chain does not contain the pinned key is a violation.
    ///
    /// - Parameters:
    ///   - db: a connection.
    ///   - pinned: the auditor's pinned key.
    ///   - signedHeadsUsable: whether `signed_heads` passed the schema check; when it did not,
    ///     retired keys' final heads are not read and cover nothing.
    static func load(in db: Database, pinned: StoreVerificationKey, signedHeadsUsable: Bool = true) throws -> (TrustedSigningKeys, [Violation]) {
        var trusted = TrustedSigningKeys(pinned: pinned)
        let table = ChainedTable.keyTransitions.name
        let (chain, rejected) = try KeyTransition.linearChain(in: db)
        var violations = rejected.map { Violation(kind: .badKeyTransition, table: table, seq: $0.seq, message: "\(table) row \($0.seq): \($0.reason); it is ignored") }
        let onChain = Set(chain.flatMap { [$0.old.fingerprint.hex, $0.new.fingerprint.hex] })
        if onChain.contains(pinned.fingerprint.hex) {
            for link in chain {
                trusted.keys[link.old.fingerprint.hex] = link.old
                trusted.keys[link.new.fingerprint.hex] = link.new
                trusted.retiredAfter[link.old.fingerprint.hex] = link.transition.finalHeadSeq
                trusted.retiredBy[link.old.fingerprint.hex] = link.seq
                trusted.current = link.new
            }
        } else {
            for link in chain {
                violations.append(Violation(kind: .badKeyTransition, table: table, seq: link.seq,
                                            message: "\(table) row \(link.seq): the transition links keys \(link.old.fingerprint.hex.prefix(16))… and \(link.new.fingerprint.hex.prefix(16))…, neither of which the pinned auditor key trusts; it is ignored"))
            }
        }
        violations.sort { ($0.seq ?? 0) < ($1.seq ?? 0) }
        if signedHeadsUsable { try trusted.loadFinalCoverage(in: db) }
        return (trusted, violations)
    }
}

extension KeyTransition {
    /// One valid link of the store's chain of signing keys.
    struct Link {
        var seq: Int64
        var transition: KeyTransition
        var old: StoreVerificationKey
        var new: StoreVerificationKey
    }

    /// The store's one linear chain of signing keys (issue 27): the valid transitions in seq
    /// order where each one's old key is the previous accepted one's new key (the first accepted
    /// one starts the chain) and each new key appears on the chain for the first time. Any other
    /// row (not signed by both keys, a fork from an older key, a new key already known or
    /// retired) is rejected with the reason, so a thief of a retired key cannot graft a key of
    /// their own onto the chain (`X -> A`) and have it trusted.
    ///
    /// - Parameter db: a connection.
    /// - Returns: the accepted links in order, and the rejected rows with why.
    /// - Throws: a database error.
    static func linearChain(in db: Database) throws -> (chain: [Link], rejected: [(seq: Int64, reason: String)]) {
        var chain: [Link] = []
        var rejected: [(seq: Int64, reason: String)] = []
        var known = Set<String>()
        for (seq, transition) in try all(in: db) {
            guard let transition, transition.isValid, let old = transition.oldKey, let new = transition.newKey else {
                rejected.append((seq, "the key transition cannot be parsed or is not signed by both keys (forged or altered)"))
                continue
            }
            let oldFingerprint = old.fingerprint.hex, newFingerprint = new.fingerprint.hex
            if let last = chain.last, last.new.fingerprint.hex != oldFingerprint {
                rejected.append((seq, known.contains(oldFingerprint)
                    ? "key \(oldFingerprint.prefix(16))… was already retired by an earlier transition (a fork)"
                    : "its old key \(oldFingerprint.prefix(16))… is not the current key of the store's chain of keys (key_transitions row \(last.seq) made \(last.new.fingerprint.hex.prefix(16))… current): not on the chain"))
                continue
            }
            guard !known.contains(newFingerprint) else {
                rejected.append((seq, "its new key \(newFingerprint.prefix(16))… is already on the store's chain of keys (current or retired): a transition to a known key"))
                continue
            }
            known.insert(oldFingerprint)
            known.insert(newFingerprint)
            chain.append(Link(seq: seq, transition: transition, old: old, new: new))
        }
        return (chain, rejected)
    }
}
