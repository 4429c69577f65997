import Crypto

/// An append-only, hash-chained table of the store and its columns in schema order.
///
/// **Adding a chained table** (for example a ciphertext table) takes three steps, all in
/// `HeatCore`: declare it as a `static let` here with its columns, SQL column types and the
/// schema version that introduces it; append it to ``registered``; and in that version's migration
/// call ``StoreSchema/createChainedTable(_:in:)``. `audit verify`, `audit sign`, the signed heads,
/// the append-only triggers check and `Scripts/verify-store.py` (which reads the table list from
/// the signed heads) then cover it with no other change. Append with ``ChainAppender``; if the
/// collector writes it during an ingestion run, set `collectorSigned` so every row must be covered
/// by a collector signature (``IngestionSignature``).
///
/// Every chained table has an `INTEGER PRIMARY KEY` column `seq` (1, 2, 3, … without gaps), the
/// data columns listed in ``columns``, and two trailing columns: `prev_hash` (the previous row's
/// hash, or the table's ``genesisHash`` for row 1) and `row_hash`, which is
/// `SHA-256(prev_hash || canonical row bytes)`. The canonical row bytes are `seq` followed by
/// the data columns, each encoded as a ``CanonicalValue``.
///
/// ```swift
/// let table = ChainedTable.auditLog
/// table.genesisHash.count   // 32
/// ```
public struct ChainedTable: Sendable, Hashable, CustomStringConvertible {
    /// The SQL table name.
    public let name: String
    /// The data columns in schema order (without `seq`, `prev_hash`, `row_hash`).
    public let columns: [String]
    /// The SQL type and constraints of each data column, in ``columns`` order (declared here,
    /// once, for every table; `StoreSchema` builds the `CREATE TABLE` from them).
    public let columnTypes: [String]
    /// The schema version whose migration creates the table.
    public let introducedIn: Int
    /// Whether rows are written only by collector ingestion runs, so that every row must be
    /// covered by a collector ``IngestionSignature`` (forged rows then need the collector's key).
    public let collectorSigned: Bool

    /// Declares a chained table: the one place its columns and their SQL types are written.
    ///
    /// - Parameters:
    ///   - name: the SQL table name.
    ///   - columns: the data columns as `(name, SQL type)` pairs, in schema order.
    ///   - introducedIn: the schema version whose migration creates it.
    ///   - collectorSigned: whether every row must be covered by a collector signature.
    public init(name: String, columns: [(name: String, type: String)], introducedIn: Int, collectorSigned: Bool = false) {
        self.name = name
        self.columns = columns.map(\.name)
        self.columnTypes = columns.map(\.type)
        self.introducedIn = introducedIn
        self.collectorSigned = collectorSigned
    }

    /// The audit log: one entry per init, key generation, ingestion, computation, signature.
    public static let auditLog = ChainedTable(
        name: "audit_log",
        columns: [
            ("recorded_at", "TEXT NOT NULL"), ("role", "TEXT NOT NULL"), ("action", "TEXT NOT NULL"),
            ("input_hash", "TEXT"), ("output_hash", "TEXT"), ("parameters", "TEXT NOT NULL"),
        ],
        introducedIn: 1)
    /// Fingerprints (and, for verification keys, the public bytes) of the keys in use.
    public static let keyFingerprints = ChainedTable(
        name: "key_fingerprints",
        columns: [
            ("recorded_at", "TEXT NOT NULL"), ("role", "TEXT NOT NULL"), ("kind", "TEXT NOT NULL"),
            ("fingerprint", "TEXT NOT NULL"), ("public_key", "BLOB"),
        ],
        introducedIn: 1)
    /// The pseudonymous client directory.
    public static let clientDirectory = ChainedTable(
        name: "client_directory",
        columns: [
            ("pseudonym", "BLOB NOT NULL UNIQUE"), ("display_ref", "TEXT NOT NULL"), ("slot", "INTEGER NOT NULL UNIQUE"),
            ("manager_pseudonym", "BLOB"), ("branch_pseudonym", "BLOB"), ("segment", "TEXT"), ("region", "TEXT"),
            ("opened_on", "TEXT"), ("ingestion_run", "INTEGER NOT NULL"),
        ],
        introducedIn: 1, collectorSigned: true)
    /// Weekly per client x ISO week x channel x direction deltas (plaintext: test and demo only).
    public static let weeklyBuckets = ChainedTable(
        name: "weekly_buckets",
        columns: [
            ("client_pseudonym", "BLOB NOT NULL"), ("week", "TEXT NOT NULL"), ("channel", "TEXT NOT NULL"),
            ("direction", "TEXT NOT NULL"), ("events", "INTEGER NOT NULL"), ("duration_seconds", "INTEGER NOT NULL"),
            ("replies", "INTEGER NOT NULL"), ("encoding", "TEXT NOT NULL"), ("ingestion_run", "INTEGER NOT NULL"),
        ],
        introducedIn: 1, collectorSigned: true)
    /// HMACs of ingested event ids, for de-duplication.
    public static let eventHMACs = ChainedTable(
        name: "event_hmacs", columns: [("event_hmac", "BLOB NOT NULL UNIQUE"), ("ingestion_run", "INTEGER NOT NULL")],
        introducedIn: 1, collectorSigned: true)
    /// Computation runs (ingestions and later evaluations) with input and output hashes.
    public static let computationRuns = ChainedTable(
        name: "computation_runs",
        columns: [
            ("started_at", "TEXT NOT NULL"), ("finished_at", "TEXT NOT NULL"), ("kind", "TEXT NOT NULL"),
            ("input_hash", "TEXT"), ("output_hash", "TEXT"), ("parameters", "TEXT NOT NULL"),
        ],
        introducedIn: 1)
    /// Signed chain heads written by `heatctl audit sign`.
    public static let signedHeads = ChainedTable(
        name: "signed_heads",
        columns: [
            ("signed_at", "TEXT NOT NULL"), ("head", "TEXT NOT NULL"), ("key_fingerprint", "TEXT NOT NULL"),
            ("signature", "BLOB NOT NULL"),
        ],
        introducedIn: 1)

    /// The collector's Ed25519 ingestion keys, each endorsed (signed) by the key holder (schema 2).
    public static let collectorKeys = ChainedTable(
        name: "collector_keys",
        columns: [
            ("recorded_at", "TEXT NOT NULL"), ("fingerprint", "TEXT NOT NULL"), ("public_key", "BLOB NOT NULL"),
            ("endorsed_by", "TEXT NOT NULL"), ("endorsed_at", "TEXT NOT NULL"), ("signature", "BLOB NOT NULL"),
        ],
        introducedIn: 2)
    /// One collector signature per ingestion run over the row ranges it appended (schema 2).
    public static let ingestionSignatures = ChainedTable(
        name: "ingestion_signatures",
        columns: [
            ("run", "INTEGER NOT NULL"), ("signed_at", "TEXT NOT NULL"), ("key_fingerprint", "TEXT NOT NULL"),
            ("ranges", "TEXT NOT NULL"), ("signature", "BLOB NOT NULL"),
        ],
        introducedIn: 2)

    /// The tables of schema version 1, which migration `v1` creates (never changes).
    static let version1: [ChainedTable] = [
        .auditLog, .keyFingerprints, .clientDirectory, .weeklyBuckets, .eventHMACs, .computationRuns, .signedHeads,
    ]

    /// **The one place chained tables are declared**: every chained table except
    /// ``signedHeads``, in the order signed heads list them and `audit verify` walks them.
    /// Append new tables at the end (never reorder: signed heads list chains in this order).
    public static let registered: [ChainedTable] = [
        .auditLog, .keyFingerprints, .clientDirectory, .weeklyBuckets, .eventHMACs, .computationRuns,
        .collectorKeys, .ingestionSignatures,
        // v4-ciphertexts (the encrypted pipeline)
        .ciphertexts, .collectorState,
        // v5-operations (issue 27)
        .retentionTombstones, .keyTransitions,
        // v6-lifecycle (issue 27, rest)
        .clientErasures,
        // v7-directory (issue 27, item 3)
        .directoryVersions,
        // v8-keys (issue 27, item 1: collector key rotation and revocation)
        .collectorKeyRetirements,
        // v9-fhe-keys (issue 27, item 1: FHE key rotation)
        .fheKeyTransitions,
    ]

    /// The chains a signed head covers: every ``registered`` table (not ``signedHeads`` itself).
    public static var signedChains: [ChainedTable] { registered }

    /// Every chained table, in the order `audit verify` checks them.
    public static var all: [ChainedTable] { registered + [.signedHeads] }

    /// The tables whose every row must be covered by a collector ingestion signature.
    public static var collectorSignedChains: [ChainedTable] { registered.filter(\.collectorSigned) }

    /// The chained table named `name`, if any.
    ///
    /// - Parameter name: an SQL table name.
    /// - Returns: the table, or `nil` when no chained table has that name.
    public static func named(_ name: String) -> ChainedTable? { all.first { $0.name == name } }

    /// The `prev_hash` of row 1: SHA-256 of `customerheat.chain/1:` followed by the table name,
    /// so that rows cannot be moved from one table's chain into another's.
    public var genesisHash: [UInt8] {
        Array(SHA256.hash(data: Array("customerheat.chain/1:\(name)".utf8)))
    }

    /// The canonical bytes of a row: `seq` and the data values in schema order.
    ///
    /// - Parameters:
    ///   - seq: the row's sequence number.
    ///   - values: the data column values, in ``columns`` order.
    /// - Returns: the bytes the chain hashes.
    public func canonicalBytes(seq: Int64, values: [CanonicalValue]) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(64 + values.count * 40)
        CanonicalValue.integer(seq).append(to: &bytes)
        for value in values { value.append(to: &bytes) }
        return bytes
    }

    /// The hash of a row: `SHA-256(previousHash || canonicalBytes(seq:values:))`.
    ///
    /// - Parameters:
    ///   - previousHash: the previous row's hash (or ``genesisHash``).
    ///   - seq: the row's sequence number.
    ///   - values: the data column values, in ``columns`` order.
    /// - Returns: the 32-byte row hash.
    public func rowHash(previousHash: [UInt8], seq: Int64, values: [CanonicalValue]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previousHash)
        hasher.update(data: canonicalBytes(seq: seq, values: values))
        return Array(hasher.finalize())
    }

    public var description: String { name }
}
