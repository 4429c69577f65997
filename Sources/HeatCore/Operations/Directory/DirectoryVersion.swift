import Foundation
import GRDB
import HeatEnvelope

/// The key holder's signed record that, **from an ISO week on**, one client (named by its slot)
/// belongs to another manager or branch, or that their account is closed (issue 27, item 3).
///
/// Stored in the chained table `directory_versions` (migration `v7-directory`). The slot layout
/// never changes (history stays in the batch ciphertexts where it was encrypted); what changes,
/// week by week, is which group a slot's weekly contribution is summed into. The assignment of
/// a client in week `w` is the version of its slot with the latest ``fromWeek`` at most `w`
/// (the later row when two share a week), else its `client_directory` row (manager and branch
/// of its first ingestion, active). Each version records the **whole** assignment from that
/// week on (manager, branch, status), so one row answers a week without replaying a history.
/// The record names the slot, never the client's pseudonym (so erasure has nothing to drop here;
/// an erased slot matches no directory row any more), and masked manager and branch pseudonyms
/// (HMACs, as in `client_directory`).
///
/// The signature (Ed25519, the store signing key) covers the ASCII text
/// `customerheat.directory-version/1` followed, each as a ``CanonicalValue``, by `recordedAt`
/// (text), `versionID` (text), `slot` (integer), `fromWeek` (text), `status` (text), the manager
/// and branch pseudonyms (blob, or null when none) and the key fingerprint (text).
///
/// ```swift
/// let version = try DirectoryVersion.signed(versionID: "V-1a2b3c4d", slot: 17, fromWeek: week,
///                                           status: .active, manager: managerBytes, branch: branchBytes, with: key)
/// version.problem(under: key.verificationKey)   // nil
/// ```
public struct DirectoryVersion: Sendable, Hashable, Codable, KeyHolderSignedRecord {
    static let noun = "directory version"
    /// The format identifier that starts the signed message.
    public static let domain = "customerheat.directory-version/1"

    /// Whether the account is open from ``DirectoryVersion/fromWeek`` on.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        /// Open: the week's contribution is summed into the version's manager and branch.
        case active
        /// Closed: the client contributes to no group from that week on.
        case closed
    }

    /// When the version was recorded.
    public var recordedAt: UTCTimestamp
    /// A random reference of the version (`V-` and 8 hex digits), unrelated to the client.
    public var versionID: String
    /// The client's slot (its position in the batch ciphertexts; never reused).
    public var slot: Int64
    /// The first ISO week the assignment holds for.
    public var fromWeek: ISOWeek
    /// Open or closed from ``fromWeek`` on.
    public var status: Status
    /// The manager's pseudonym (32-byte HMAC) from ``fromWeek`` on, `nil` when none (or closed).
    public var manager: [UInt8]?
    /// The branch's pseudonym from ``fromWeek`` on, `nil` when none (or closed).
    public var branch: [UInt8]?
    /// The signing key's fingerprint (hex).
    public var keyFingerprint: String
    /// The Ed25519 signature over ``signedMessage`` (hex).
    public var signature: String

    /// The bytes the signature covers.
    public var signedMessage: [UInt8] {
        var bytes = Array(Self.domain.utf8)
        CanonicalValue.text(recordedAt.iso8601).append(to: &bytes)
        CanonicalValue.text(versionID).append(to: &bytes)
        CanonicalValue.integer(slot).append(to: &bytes)
        CanonicalValue.text(fromWeek.description).append(to: &bytes)
        CanonicalValue.text(status.rawValue).append(to: &bytes)
        (manager.map(CanonicalValue.blob) ?? .null).append(to: &bytes)
        (branch.map(CanonicalValue.blob) ?? .null).append(to: &bytes)
        CanonicalValue.text(keyFingerprint).append(to: &bytes)
        return bytes
    }

    /// Makes and signs a directory version.
    ///
    /// - Parameters:
    ///   - versionID: the version's reference.
    ///   - slot: the client's slot.
    ///   - fromWeek: the first week it holds for.
    ///   - status: open or closed.
    ///   - manager: the manager pseudonym's bytes (`nil` when none).
    ///   - branch: the branch pseudonym's bytes (`nil` when none).
    ///   - key: the key holder's store signing key.
    ///   - recordedAt: the time (default: now).
    /// - Returns: the signed version.
    /// - Throws: `CryptoKitError` if signing fails.
    public static func signed(
        versionID: String, slot: Int64, fromWeek: ISOWeek, status: Status, manager: [UInt8]?, branch: [UInt8]?,
        with key: StoreSigningKey, recordedAt: UTCTimestamp? = nil
    ) throws -> DirectoryVersion {
        var version = DirectoryVersion(
            recordedAt: recordedAt ?? .now(), versionID: versionID, slot: slot, fromWeek: fromWeek, status: status,
            manager: status == .closed ? nil : manager, branch: status == .closed ? nil : branch,
            keyFingerprint: "", signature: "")
        try version.sign(with: key)
        return version
    }

    /// Whether the version is signed by `key` and well formed (a slot at least 0, pseudonyms of
    /// 32 bytes, none for a closed account).
    ///
    /// - Parameter key: the trusted verification key with the version's fingerprint.
    /// - Returns: `nil` when valid, else why not.
    public func problem(under key: StoreVerificationKey) -> String? {
        if let problem = signatureProblem(under: key) { return problem }
        guard slot >= 0 else { return "names an invalid slot \(slot)" }
        guard [manager, branch].allSatisfy({ $0 == nil || $0?.count == 32 }) else {
            return "holds a manager or branch pseudonym that is not 32 bytes"
        }
        if status == .closed, manager != nil || branch != nil { return "closes the account but names a manager or branch" }
        return nil
    }

    /// The row values in ``ChainedTable/directoryVersions`` column order.
    var rowValues: [CanonicalValue] {
        [.text(recordedAt.iso8601), .text(versionID), .integer(slot), .text(fromWeek.description), .text(status.rawValue),
         manager.map(CanonicalValue.blob) ?? .null, branch.map(CanonicalValue.blob) ?? .null,
         .text(keyFingerprint), .blob(Hex.decode(signature) ?? [])]
    }

    /// Checks every stored version for `audit verify`: each must parse and be signed by a trusted
    /// key (``Violation/Kind/badDirectoryVersion`` otherwise), and one signed by a key retired
    /// before it is a ``Violation/Kind/retiredSigningKey`` violation.
    ///
    /// - Parameters:
    ///   - db: a connection.
    ///   - trusted: the pinned key and the keys it rotated to.
    ///   - erasedSlots: the slots of valid erasures: a version naming one is summarised with a flag
    ///     (erasure drops the directory row, not the slot's append-only versions; issue 27).
    /// - Returns: one summary line per valid version, and the violations.
    /// - Throws: a database error.
    static func verify(
        in db: Database, trusted: TrustedSigningKeys, erasedSlots: Set<Int64> = []
    ) throws -> (summaries: [String], violations: [Violation]) {
        var seen: Set<String> = []
        let (accepted, violations) = try checked(
            in: db, trusted: trusted, kind: .badDirectoryVersion, unparsable: "the directory version cannot be parsed (forged or altered)",
            label: { seq, version in "\(ChainedTable.directoryVersions.name) row \(seq) (\(version.versionID), slot \(version.slot) from \(version.fromWeek))" },
            // A rebuilt table loses the UNIQUE constraint: a repeated id is a copied (replayed) version.
            precheck: { _, version in seen.insert(version.versionID).inserted ? nil : "repeats the version id of an earlier row (a copied version)" })
        let summaries = accepted.map { seq, version in
            let change = version.status == .closed ? "account closed" : "client moved"
            let erased = erasedSlots.contains(version.slot) ? "; names an erased slot: its weeks and managers remain" : ""
            return "directory: \(change) from \(version.fromWeek) (\(version.versionID), slot \(version.slot)), signed version \(seq) of \(version.recordedAt.iso8601)\(erased)"
        }
        return (summaries, violations)
    }
}

extension DirectoryVersion {
    /// The store's directory version (``DirectoryTimeline/version(in:)``) after checking, in the
    /// same read transaction, that **every** stored directory version is signed by `key` or a key
    /// the store's key transitions link it to, and none by a retired key after its final head
    /// (issue 27 review): the key holder calls this before it decrypts aggregates or releases
    /// anything attributed by the directory's versions, so a forged, unsigned or altered version
    /// (even with the chain recomputed) never reaches a release. A store without versions needs
    /// no key.
    ///
    /// - Parameters:
    ///   - store: the store.
    ///   - key: the key holder's store verification key (`nil` when it has none: refused when any
    ///     version exists).
    /// - Returns: the directory version, `nil` when none was recorded.
    /// - Throws: ``DirectoryError/unverifiedVersions(violations:)`` (exit 1), ``StoreError``.
    public static func verifiedVersion(in store: HeatStore, key: StoreVerificationKey?) throws -> String? {
        try store.read { db in try verifiedVersion(in: db, key: key) }
    }

    /// ``verifiedVersion(in:key:)`` inside the caller's transaction.
    static func verifiedVersion(in db: Database, key: StoreVerificationKey?) throws -> String? {
        guard try db.tableExists(ChainedTable.directoryVersions.name),
              try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM directory_versions") ?? 0 > 0 else { return nil }
        guard let key else {
            throw DirectoryError.unverifiedVersions(violations: ["no store verification key to check the directory versions with"])
        }
        let trusted: TrustedSigningKeys
        if try db.tableExists(ChainedTable.keyTransitions.name) {
            trusted = try TrustedSigningKeys.load(in: db, pinned: key).0
        } else {
            trusted = TrustedSigningKeys(pinned: key)
        }
        let violations = try verify(in: db, trusted: trusted).violations
        guard violations.isEmpty else { throw DirectoryError.unverifiedVersions(violations: violations.map(\.message)) }
        return try DirectoryTimeline.version(in: db)
    }
}

extension ChainedTable {
    /// Signed directory versions (migration `v7-directory`, issue 27 item 3): one row per change of
    /// a client's manager, branch or status from an ISO week on (``DirectoryVersion``).
    public static let directoryVersions = ChainedTable(
        name: "directory_versions",
        columns: [
            ("recorded_at", "TEXT NOT NULL"), ("version_id", "TEXT NOT NULL UNIQUE"), ("slot", "INTEGER NOT NULL"),
            ("from_week", "TEXT NOT NULL"), ("status", "TEXT NOT NULL"), ("manager_pseudonym", "BLOB"), ("branch_pseudonym", "BLOB"),
            ("key_fingerprint", "TEXT NOT NULL"), ("signature", "BLOB NOT NULL"),
        ],
        introducedIn: 7)
}

extension DirectoryVersion: StoredSignedRecord {
    static var storedTable: ChainedTable { .directoryVersions }
    static let storedColumns = """
        CAST(recorded_at AS BLOB), CAST(version_id AS BLOB), slot, CAST(from_week AS BLOB), CAST(status AS BLOB),
        manager_pseudonym, branch_pseudonym, CAST(key_fingerprint AS BLOB), CAST(signature AS BLOB)
        """

    /// Reads a stored version (``StoredSignedRecord/stored(in:)``: the time is canonical).
    init?(stored row: StoredSignedRow) {
        guard let id = row.text(2), let slot = row.integer(3), let week = row.text(4).flatMap({ try? ISOWeek(parsing: $0) }),
              let status = row.text(5).flatMap(Status.init(rawValue:)), let manager = row.optionalBlob(6),
              let branch = row.optionalBlob(7), let fingerprint = row.text(8), let signature = row.blob(9) else { return nil }
        self.init(recordedAt: row.signedAt, versionID: id, slot: slot, fromWeek: week, status: status, manager: manager, branch: branch,
                  keyFingerprint: fingerprint, signature: Hex.encode(signature))
    }
}
