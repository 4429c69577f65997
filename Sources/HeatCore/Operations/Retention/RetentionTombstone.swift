import Foundation
import GRDB
import HeatEnvelope

/// The key holder's signed record that rows `firstSeq...lastSeq` of a weekly table were dropped
/// by the retention policy (issue 27).
///
/// Stored in the chained table `retention_tombstones`. A hash chain cannot be checked across
/// rows that are gone, so the tombstone carries **anchors**: the `row_hash` of the last dropped
/// row (the next row's `prev_hash` must equal it) and of every dropped row that a signed head or
/// a collector ingestion signature names, so those older signatures still verify. The signature
/// (Ed25519, the store signing key) covers the ASCII text `customerheat.tombstone/1` followed,
/// each as a ``CanonicalValue``, by `recordedAt` (text), the table (text), `firstSeq` and
/// `lastSeq` (integers), the policy (text), the number of anchors (integer), each anchor's seq
/// (integer) and hash (blob), and the key fingerprint (text) (`Docs/Storage.md`, "Retention tombstones").
///
/// ```swift
/// let stone = try RetentionTombstone.signed(table: "ciphertexts", firstSeq: 1, lastSeq: 40,
///                                           policy: "weeks before 2025-W01", anchors: anchors, with: key)
/// stone.isValid(under: key.verificationKey)   // true
/// ```
public struct RetentionTombstone: Sendable, Hashable, Codable, KeyHolderSignedRecord {
    static let noun = "tombstone"
    /// The hash of one dropped row.
    public struct Anchor: Sendable, Hashable, Codable {
        /// The dropped row's `seq`.
        public var seq: Int64
        /// Its `row_hash` (hex).
        public var hash: String

        /// An anchor.
        ///
        /// - Parameters:
        ///   - seq: the row's seq.
        ///   - hash: its row hash in hex.
        public init(seq: Int64, hash: String) {
            self.seq = seq
            self.hash = hash
        }
    }

    /// The format identifier that starts the signed message.
    public static let domain = "customerheat.tombstone/1"

    /// When the rows were dropped.
    public var recordedAt: UTCTimestamp
    /// The table the rows were dropped from.
    public var table: String
    /// The first dropped `seq`.
    public var firstSeq: Int64
    /// The last dropped `seq`.
    public var lastSeq: Int64
    /// The rule that dropped them (for example `weeks before 2025-W01`).
    public var policy: String
    /// Hashes of dropped rows that later checks need, in `seq` order; always includes `lastSeq`.
    public var anchors: [Anchor]
    /// The signing key's fingerprint (hex).
    public var keyFingerprint: String
    /// The Ed25519 signature over ``signedMessage`` (hex).
    public var signature: String

    /// The bytes the signature covers.
    public var signedMessage: [UInt8] {
        var bytes = Array(Self.domain.utf8)
        CanonicalValue.text(recordedAt.iso8601).append(to: &bytes)
        CanonicalValue.text(table).append(to: &bytes)
        CanonicalValue.integer(firstSeq).append(to: &bytes)
        CanonicalValue.integer(lastSeq).append(to: &bytes)
        CanonicalValue.text(policy).append(to: &bytes)
        CanonicalValue.integer(Int64(anchors.count)).append(to: &bytes)
        for anchor in anchors {
            CanonicalValue.integer(anchor.seq).append(to: &bytes)
            CanonicalValue.blob(Hex.decode(anchor.hash) ?? []).append(to: &bytes)
        }
        CanonicalValue.text(keyFingerprint).append(to: &bytes)
        return bytes
    }

    /// Makes and signs a tombstone.
    ///
    /// - Parameters:
    ///   - table: the table.
    ///   - firstSeq: the first dropped seq.
    ///   - lastSeq: the last dropped seq.
    ///   - policy: the rule.
    ///   - anchors: the dropped rows' hashes that must stay checkable (sorted and de-duplicated here).
    ///   - key: the key holder's store signing key.
    ///   - recordedAt: the time (default: now).
    /// - Returns: the signed tombstone.
    /// - Throws: `CryptoKitError` if signing fails.
    public static func signed(
        table: String, firstSeq: Int64, lastSeq: Int64, policy: String, anchors: [Anchor], with key: StoreSigningKey,
        recordedAt: UTCTimestamp? = nil
    ) throws -> RetentionTombstone {
        var unique = [Int64: Anchor]()
        for anchor in anchors { unique[anchor.seq] = anchor }
        var stone = RetentionTombstone(
            recordedAt: recordedAt ?? .now(), table: table, firstSeq: firstSeq, lastSeq: lastSeq, policy: policy,
            anchors: unique.values.sorted { $0.seq < $1.seq }, keyFingerprint: "", signature: "")
        try stone.sign(with: key)
        return stone
    }

    /// Whether the tombstone is well formed and signed by `key`: the fingerprint is `key`'s, the
    /// table is one retention may drop from, the range is valid, every anchor lies in it with a
    /// 32-byte hash, `lastSeq` is anchored, and the signature verifies.
    ///
    /// - Parameter key: the pinned verification key.
    /// - Returns: `nil` when valid, else why not.
    public func problem(under key: StoreVerificationKey) -> String? {
        if let problem = signatureProblem(under: key) { return problem }
        guard RetentionCompactor.weeklyTables.contains(where: { $0.name == table })
              || (policy.hasPrefix(ClientEraser.policyPrefix) && ClientEraser.tables.contains(where: { $0.name == table })) else {
            return "names table \(table), from which retention never drops rows"
        }
        guard firstSeq >= 1, lastSeq >= firstSeq else { return "names an empty or invalid range \(firstSeq)-\(lastSeq)" }
        guard anchors.allSatisfy({ $0.seq >= firstSeq && $0.seq <= lastSeq && (Hex.decode($0.hash)?.count ?? 0) == 32 }),
              anchors.contains(where: { $0.seq == lastSeq }) else {
            return "its anchors are outside the range or do not include row \(lastSeq)"
        }
        return nil
    }

    /// How many rows the tombstone drops.
    var rowCount: Int64 { lastSeq - firstSeq + 1 }

    /// The hash of dropped row `seq`, if anchored.
    func anchorHash(_ seq: Int64) -> [UInt8]? {
        anchors.first { $0.seq == seq }.flatMap { Hex.decode($0.hash) }
    }

    /// The anchors as stored (JSON, sorted keys).
    var anchorsJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(anchors)) ?? Data("[]".utf8), as: UTF8.self)
    }

    /// The row values in ``ChainedTable/retentionTombstones`` column order.
    var rowValues: [CanonicalValue] {
        [.text(recordedAt.iso8601), .text(table), .integer(firstSeq), .integer(lastSeq), .text(policy), .text(anchorsJSON),
         .text(keyFingerprint), .blob(Hex.decode(signature) ?? [])]
    }
}

extension RetentionTombstone: StoredSignedRecord {
    static var storedTable: ChainedTable { .retentionTombstones }
    static let storedColumns = """
        CAST(recorded_at AS BLOB), CAST(table_name AS BLOB), first_seq, last_seq, CAST(policy AS BLOB),
        CAST(anchors AS BLOB), CAST(key_fingerprint AS BLOB), CAST(signature AS BLOB)
        """

    /// Reads a stored tombstone (``StoredSignedRecord/stored(in:)``: the time is canonical).
    init?(stored row: StoredSignedRow) {
        guard let table = row.text(2), let first = row.integer(3), let last = row.integer(4), let policy = row.text(5),
              let anchors = row.blob(6).flatMap({ try? JSONDecoder().decode([Anchor].self, from: $0) }),
              let fingerprint = row.text(7), let signature = row.blob(8) else { return nil }
        self.init(recordedAt: row.signedAt, table: table, firstSeq: first, lastSeq: last, policy: policy, anchors: anchors,
                  keyFingerprint: fingerprint, signature: Hex.encode(signature))
    }
}

/// A record the key holder signs with the store signing key and appends to a chained table:
/// retention and erasure tombstones (``RetentionTombstone``), erasure records
/// (``ClientErasure``) and directory versions (``DirectoryVersion``). Each signs a domain text
/// followed by its canonical values, its key fingerprint last; the shared steps (sign, check the
/// fingerprint and the signature) live here once.
protocol KeyHolderSignedRecord {
    /// What the record is called in messages (`tombstone`, `erasure`, `directory version`).
    static var noun: String { get }
    /// The bytes the signature covers (they include ``keyFingerprint``).
    var signedMessage: [UInt8] { get }
    /// The signing key's fingerprint (hex).
    var keyFingerprint: String { get set }
    /// The Ed25519 signature over ``signedMessage`` (hex).
    var signature: String { get set }
    /// The row values in the table's column order.
    var rowValues: [CanonicalValue] { get }
    /// Why the record must be refused under `key` (fingerprint, signature, shape), or `nil`.
    func problem(under key: StoreVerificationKey) -> String?
}

extension KeyHolderSignedRecord {
    /// Sets the fingerprint to `key`'s and signs ``signedMessage``.
    ///
    /// - Parameter key: the key holder's store signing key.
    /// - Throws: `CryptoKitError` if signing fails.
    mutating func sign(with key: StoreSigningKey) throws {
        keyFingerprint = key.fingerprint.hex
        signature = Hex.encode(try key.signature(for: signedMessage))
    }

    /// Why the signature must be refused under `key` (another fingerprint, or a signature that
    /// does not verify), or `nil`.
    ///
    /// - Parameter key: the trusted verification key with the record's fingerprint.
    /// - Returns: the reason, or `nil`.
    func signatureProblem(under key: StoreVerificationKey) -> String? {
        guard keyFingerprint == key.fingerprint.hex else {
            return "signed by key \(keyFingerprint.prefix(16))…, not by the pinned auditor key \(key.fingerprint.hex.prefix(16))…"
        }
        guard let raw = Hex.decode(signature), key.isValidSignature(raw, for: signedMessage) else {
            return "the Ed25519 signature does not verify (a forged, altered or unsigned \(Self.noun))"
        }
        return nil
    }
}

/// The tombstones of a store that verify under the pinned key, by table: what ``StoreVerifier``
/// uses to bridge chain gaps and to find the hashes of dropped rows.
struct TombstoneIndex: Sendable {
    /// Valid tombstones by table, sorted by `firstSeq`.
    private(set) var byTable: [String: [RetentionTombstone]] = [:]
    /// Per table, the largest `lastSeq` among the first `i + 1` tombstones of ``byTable``.
    private(set) var reaches: [String: [Int64]] = [:]
    /// The `retention_tombstones` seq of each valid tombstone, in the same order.
    private(set) var all: [(seq: Int64, tombstone: RetentionTombstone)] = []

    static let empty = TombstoneIndex()

    /// Reads `retention_tombstones` (when the schema has it) and keeps the tombstones valid under
    /// a trusted signing key (the pinned key or one it rotated to); each invalid one becomes a
    /// `badTombstone` violation, and one signed by a retired key after its final signed head a
    /// `retiredSigningKey` violation.
    static func load(in db: Database, trusted: TrustedSigningKeys) throws -> (TombstoneIndex, [Violation]) {
        var index = TombstoneIndex()
        let (accepted, violations) = try RetentionTombstone.checked(
            in: db, trusted: trusted, kind: .badTombstone, unparsable: "the tombstone cannot be parsed",
            suffix: "; the rows it names count as deleted",
            label: { seq, stone in "\(ChainedTable.retentionTombstones.name) row \(seq) (\(stone.table) rows \(stone.firstSeq)-\(stone.lastSeq))" })
        for (seq, stone) in accepted {
            let table = stone.table
            index.byTable[table, default: []].append(stone)
            index.all.append((seq, stone))
        }
        for key in index.byTable.keys {
            index.byTable[key]?.sort { $0.firstSeq < $1.firstSeq }
            var furthest = Int64.min
            index.reaches[key] = (index.byTable[key] ?? []).map { stone in
                furthest = max(furthest, stone.lastSeq)
                return furthest
            }
        }
        return (index, violations)
    }

    /// The valid tombstone of `table` whose range starts at `seq`.
    func range(_ table: String, startingAt seq: Int64) -> RetentionTombstone? {
        byTable[table]?.first { $0.firstSeq == seq }
    }

    /// The valid tombstone of `table` whose range holds `seq`.
    /// Binary search over the tombstones sorted by `firstSeq` (the walk asks once per row).
    func containing(_ table: String, seq: Int64) -> RetentionTombstone? {
        guard let stones = byTable[table], !stones.isEmpty else { return nil }
        var low = 0
        var high = stones.count
        while low < high {  // the first tombstone starting after seq
            let middle = (low + high) / 2
            if stones[middle].firstSeq <= seq { low = middle + 1 } else { high = middle }
        }
        // The furthest end among the tombstones starting at or before seq decides; the scan back
        // to name one runs only when a row is inside (the walk then stops).
        guard low > 0, let reach = reaches[table], reach[low - 1] >= seq else { return nil }
        return stones[..<low].first { $0.lastSeq >= seq }
    }

    /// The anchored hash of dropped row `seq` of `table`.
    func hash(_ table: String, seq: Int64) -> [UInt8]? {
        byTable[table]?.first { $0.firstSeq <= seq && seq <= $0.lastSeq }?.anchorHash(seq)
    }

    /// One line per tombstone for reports: `ciphertexts rows 1-40 dropped by retention (weeks before 2025-W01), tombstone 1 of 2025-…`.
    var summaries: [String] {
        all.map { entry in
            let stone = entry.tombstone
            let by = stone.policy.hasPrefix(ClientEraser.policyPrefix) ? "erasure" : "retention"
            return "\(stone.table) rows \(stone.firstSeq)-\(stone.lastSeq) dropped by \(by) (\(stone.policy)), signed tombstone \(entry.seq) of \(stone.recordedAt.iso8601)"
        }
    }
}
