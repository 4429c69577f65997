import Foundation
import GRDB
import HeatEnvelope

/// The key holder's signed record that one client was erased on request (issue 27, item 2).
///
/// Stored in the chained table `client_erasures` (migration `v6-lifecycle`). Erasure is a
/// **directory tombstone**: ``ClientEraser`` drops the client's `client_directory` row (the only
/// row holding their pseudonym, so recomputing the HMAC of their raw id matches nothing any more)
/// and their plaintext `weekly_buckets` rows under signed ``RetentionTombstone``s whose policy is
/// `erasure <id>`, and records the freed **slot** here. The slot is what later evaluations need:
/// ``Evaluator`` multiplies the heat and trend of a batch holding an erased slot by a 0/1 mask
/// (the slot decrypts to 0), the aggregate plan never sums a window that holds it, and the
/// collector never gives the slot to another client. Batched ciphertexts of earlier weeks still
/// hold the client's encrypted counts in that slot (one ciphertext serves thousands of clients,
/// so there is no per-client key to shred) until retention drops those weeks; nothing in the
/// store links the slot to a person any more.
///
/// The signature (Ed25519, the store signing key) covers the ASCII text `customerheat.erasure/1`
/// followed, each as a ``CanonicalValue``, by `recordedAt` (text), `erasureID` (text), `slot` and
/// `directorySeq` (integers), `reason` (text) and the key fingerprint (text).
///
/// ```swift
/// let record = try ClientErasure.signed(erasureID: "E-1a2b3c4d", slot: 17, directorySeq: 18,
///                                       reason: "request", with: key)
/// record.problem(under: key.verificationKey)   // nil
/// ```
public struct ClientErasure: Sendable, Hashable, Codable, KeyHolderSignedRecord {
    static let noun = "erasure"
    /// The format identifier that starts the signed message.
    public static let domain = "customerheat.erasure/1"

    /// When the client was erased.
    public var recordedAt: UTCTimestamp
    /// A random reference of the erasure (`E-` and 8 hex digits), unrelated to the client's pseudonym.
    public var erasureID: String
    /// The erased client's slot, zeroed in every later evaluation and never reused.
    public var slot: Int64
    /// The `seq` of the dropped `client_directory` row.
    public var directorySeq: Int64
    /// Why (free text from the operator, for example a ticket number; never the client's id).
    public var reason: String
    /// The signing key's fingerprint (hex).
    public var keyFingerprint: String
    /// The Ed25519 signature over ``signedMessage`` (hex).
    public var signature: String

    /// The bytes the signature covers.
    public var signedMessage: [UInt8] {
        var bytes = Array(Self.domain.utf8)
        CanonicalValue.text(recordedAt.iso8601).append(to: &bytes)
        CanonicalValue.text(erasureID).append(to: &bytes)
        CanonicalValue.integer(slot).append(to: &bytes)
        CanonicalValue.integer(directorySeq).append(to: &bytes)
        CanonicalValue.text(reason).append(to: &bytes)
        CanonicalValue.text(keyFingerprint).append(to: &bytes)
        return bytes
    }

    /// The tombstone policy text of this erasure's dropped rows (`erasure E-…`).
    public var policy: String { "erasure \(erasureID)" }

    /// Makes and signs an erasure record.
    ///
    /// - Parameters:
    ///   - erasureID: the erasure's reference.
    ///   - slot: the erased slot.
    ///   - directorySeq: the dropped directory row.
    ///   - reason: the operator's reason.
    ///   - key: the key holder's store signing key.
    ///   - recordedAt: the time (default: now).
    /// - Returns: the signed record.
    /// - Throws: `CryptoKitError` if signing fails.
    public static func signed(
        erasureID: String, slot: Int64, directorySeq: Int64, reason: String, with key: StoreSigningKey,
        recordedAt: UTCTimestamp? = nil
    ) throws -> ClientErasure {
        var record = ClientErasure(
            recordedAt: recordedAt ?? .now(), erasureID: erasureID, slot: slot, directorySeq: directorySeq, reason: reason,
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
        guard slot >= 0, directorySeq >= 1 else { return "names an invalid slot \(slot) or directory row \(directorySeq)" }
        return nil
    }

    /// The row values in ``ChainedTable/clientErasures`` column order.
    var rowValues: [CanonicalValue] {
        [.text(recordedAt.iso8601), .text(erasureID), .integer(slot), .integer(directorySeq), .text(reason),
         .text(keyFingerprint), .blob(Hex.decode(signature) ?? [])]
    }

    /// The erased slots recorded in the store (what evaluations zero and the collector skips).
    ///
    /// The evaluator holds no verification key: it trusts the store, as it does for the
    /// directory; `audit verify` names a forged record (``Violation/Kind/badErasure``).
    ///
    /// - Parameter db: a connection.
    /// - Returns: the slots, sorted.
    /// - Throws: a database error.
    static func erasedSlots(in db: Database) throws -> [Int64] {
        guard try db.tableExists(ChainedTable.clientErasures.name) else { return [] }
        return try Int64.fetchAll(db, sql: "SELECT DISTINCT slot FROM client_erasures WHERE typeof(slot) = 'integer' ORDER BY slot")
    }

    /// The erased slots of a store.
    ///
    /// - Parameter store: the store.
    /// - Returns: the slots, sorted.
    /// - Throws: ``StoreError``.
    public static func erasedSlots(in store: HeatStore) throws -> [Int64] {
        try store.read { db in try erasedSlots(in: db) }
    }

    /// Checks every erasure record under the trusted keys and pairs records with tombstones.
    ///
    /// A record that cannot be parsed or does not verify is a ``Violation/Kind/badErasure`` naming
    /// its row; one signed by a key retired before it (whose final signed head does not cover it)
    /// is a ``Violation/Kind/retiredSigningKey``. Each valid record must pair with exactly one
    /// valid `client_directory` tombstone of its policy (`erasure E-…`) dropping exactly its
    /// `directorySeq`, and each erasure id must be recorded once; every valid tombstone with an
    /// erasure policy must name a valid record (``Violation/Kind/badErasure`` otherwise, naming
    /// the tombstone). Returns one summary line per valid record and the erased slots.
    static func verify(
        in db: Database, trusted: TrustedSigningKeys, tombstones: TombstoneIndex
    ) throws -> (summaries: [String], violations: [Violation], slots: [Int64]) {
        let name = ChainedTable.clientErasures.name
        var summaries: [String] = []
        var violations: [Violation] = []
        var valid: [String: (seq: Int64, record: ClientErasure)] = [:]
        var slots = Set<Int64>()
        // The valid tombstones with an erasure policy, by policy.
        var stonesByPolicy: [String: [(seq: Int64, tombstone: RetentionTombstone)]] = [:]
        for entry in tombstones.all where entry.tombstone.policy.hasPrefix(ClientEraser.policyPrefix) {
            stonesByPolicy[entry.tombstone.policy, default: []].append(entry)
        }
        let (accepted, unverified) = try checked(
            in: db, trusted: trusted, kind: .badErasure, unparsable: "the erasure record cannot be parsed (forged or altered)",
            label: { seq, record in "\(name) row \(seq) (\(record.erasureID), slot \(record.slot))" })
        violations += unverified
        for (seq, record) in accepted {
            let label = "\(name) row \(seq) (\(record.erasureID), slot \(record.slot))"
            if let earlier = valid[record.erasureID] {
                violations.append(Violation(kind: .badErasure, table: name, seq: seq,
                                            message: "\(label): erasure id recorded twice (first in row \(earlier.seq))"))
                continue
            }
            let directory = (stonesByPolicy[record.policy] ?? []).filter { $0.tombstone.table == ChainedTable.clientDirectory.name }
            guard directory.count == 1, let stone = directory.first?.tombstone,
                  stone.firstSeq == record.directorySeq, stone.lastSeq == record.directorySeq else {
                violations.append(Violation(
                    kind: .badErasure, table: name, seq: seq,
                    message: "\(label): pairs with \(directory.count) signed client_directory tombstones of policy \(record.policy), not exactly one dropping row \(record.directorySeq)"))
                continue
            }
            valid[record.erasureID] = (seq, record)
            slots.insert(record.slot)
            summaries.append("client erased on request (\(record.erasureID), slot \(record.slot)), signed erasure \(seq) of \(record.recordedAt.iso8601)")
        }
        // One violation per row at most: in row order, as `Scripts/verify-store.py` reports them.
        violations.sort { ($0.seq ?? 0) < ($1.seq ?? 0) }
        // Every erasure tombstone names a valid record (a tombstone without one hides rows).
        let tombstoneTable = ChainedTable.retentionTombstones.name
        for (policy, entries) in stonesByPolicy.sorted(by: { $0.key < $1.key }) {
            let id = String(policy.dropFirst(ClientEraser.policyPrefix.count))
            guard valid[id] == nil else { continue }
            for entry in entries {
                violations.append(Violation(
                    kind: .badErasure, table: tombstoneTable, seq: entry.seq,
                    message: "\(tombstoneTable) row \(entry.seq) (\(entry.tombstone.table) rows \(entry.tombstone.firstSeq)-\(entry.tombstone.lastSeq), \(policy)): no valid signed erasure record \(id) pairs with it"))
            }
        }
        return (summaries, violations, slots.sorted())
    }

    /// The first `client_directory` row that holds an erased slot (a directory row re-inserted
    /// after its erasure, or a slot handed out again), as a ``Violation/Kind/reinsertedRow``.
    static func reusedSlotViolation(in db: Database, slots: [Int64]) throws -> Violation? {
        guard !slots.isEmpty else { return nil }
        let table = ChainedTable.clientDirectory.name
        let placeholders = Array(repeating: "?", count: slots.count).joined(separator: ", ")
        guard let row = try Row.fetchOne(
            db, sql: "SELECT seq, slot FROM \(table) WHERE typeof(slot) = 'integer' AND slot IN (\(placeholders)) ORDER BY seq LIMIT 1",
            arguments: StatementArguments(slots)),
            let seq = row.lenientInteger(at: 0), let slot = row.lenientInteger(at: 1) else { return nil }
        return Violation(kind: .reinsertedRow, table: table, seq: seq,
                         message: "\(table) row \(seq) holds slot \(slot), which a signed erasure freed (an erased client re-inserted, or the slot reused)")
    }
}

extension ChainedTable {
    /// Signed client erasures (migration `v6-lifecycle`, issue 27): one row per client erased on
    /// request (``ClientErasure``).
    public static let clientErasures = ChainedTable(
        name: "client_erasures",
        columns: [
            ("recorded_at", "TEXT NOT NULL"), ("erasure_id", "TEXT NOT NULL UNIQUE"), ("slot", "INTEGER NOT NULL"),
            ("directory_seq", "INTEGER NOT NULL"), ("reason", "TEXT NOT NULL"), ("key_fingerprint", "TEXT NOT NULL"),
            ("signature", "BLOB NOT NULL"),
        ],
        introducedIn: 6)

    /// The last row of this chain as later appends and heads see it: the stored last row, or,
    /// when rows at the end were dropped under retention or erasure tombstones, the last dropped
    /// row's anchored hash (the tombstones are read as stored; `audit verify` checks them).
    ///
    /// - Parameter db: a connection.
    /// - Returns: the seq and hash, `(0, genesis)` for an empty chain.
    /// - Throws: a database error.
    func lastLink(in db: Database) throws -> (seq: Int64, hash: [UInt8]) {
        var seq: Int64 = 0
        var hash = genesisHash
        if let row = try Row.fetchOne(db, sql: "SELECT seq, row_hash FROM \(name) ORDER BY seq DESC LIMIT 1") {
            seq = row.lenientInteger(at: 0) ?? 0
            hash = [UInt8](row.lenientBlob(at: 1) ?? Data())
        }
        guard self != .retentionTombstones, self != .signedHeads, try db.tableExists(ChainedTable.retentionTombstones.name) else {
            return (seq, hash)
        }
        while seq < Int64.max, let row = try Row.fetchOne(db, sql: """
            SELECT last_seq, CAST(anchors AS BLOB) FROM retention_tombstones
            WHERE CAST(table_name AS TEXT) = ? AND first_seq = ? ORDER BY seq LIMIT 1
            """, arguments: [name, seq + 1]),
            let last = row.lenientInteger(at: 0), last > seq, last < Int64.max,
            let anchors = row.lenientBlob(at: 1).flatMap({ try? JSONDecoder().decode([RetentionTombstone.Anchor].self, from: $0) }),
            let anchored = anchors.first(where: { $0.seq == last }).flatMap({ Hex.decode($0.hash) }) {
            seq = last
            hash = anchored
        }
        return (seq, hash)
    }
}

extension ClientErasure: StoredSignedRecord {
    static var storedTable: ChainedTable { .clientErasures }
    static let storedColumns = """
        CAST(recorded_at AS BLOB), CAST(erasure_id AS BLOB), slot, directory_seq, CAST(reason AS BLOB),
        CAST(key_fingerprint AS BLOB), CAST(signature AS BLOB)
        """

    /// Reads a stored erasure record (``StoredSignedRecord/stored(in:)``: the time is canonical).
    init?(stored row: StoredSignedRow) {
        guard let id = row.text(2), let slot = row.integer(3), let directorySeq = row.integer(4), let reason = row.text(5),
              let fingerprint = row.text(6), let signature = row.blob(7) else { return nil }
        self.init(recordedAt: row.signedAt, erasureID: id, slot: slot, directorySeq: directorySeq, reason: reason,
                  keyFingerprint: fingerprint, signature: Hex.encode(signature))
    }
}
