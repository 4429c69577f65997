import Foundation
import GRDB
import HeatEnvelope

/// The collector's Ed25519 signature over one ingestion run: for each chained table the run
/// appended to, the range of `seq` values it appended and the chain hashes around that range.
///
/// The signed message (`Docs/Storage.md`, "Ingestion signatures") is the ASCII text
/// `customerheat.ingestion/1` followed by, as ``CanonicalValue``s: the run number (integer), the
/// signing time (text), the collector key's fingerprint (text), the number of ranges (integer) and
/// per range the table name (text), first and last `seq` (integers; an empty range has
/// `first == last + 1`), the `prev_hash` of row `first` (blob: the hash before the range) and the
/// `row_hash` of row `last` (blob; equal to the former for an empty range). Because each row hash
/// chains its predecessors, this commits to the contents of every row in the range.
///
/// Use it in any collector write (the pipeline's ciphertext tables too): take
/// ``startHeads(of:in:)`` before appending, append, then call ``sign(run:tables:from:key:in:)`` in
/// the same transaction. `audit verify` then requires every row of each
/// ``ChainedTable/collectorSigned`` table to be covered by exactly one valid signature by a
/// collector key the key holder endorsed.
///
/// ```swift
/// let start = try IngestionSignature.startHeads(of: tables, in: db)
/// // ... append rows with ChainAppender ...
/// try IngestionSignature.sign(run: run, tables: tables, from: start, key: ingestionKey, in: db)
/// ```
public struct IngestionSignature: Sendable, Hashable, Codable {
    /// The rows one run appended to one table.
    public struct Range: Sendable, Hashable, Codable {
        /// The chained table.
        public var table: String
        /// The first `seq` appended.
        public var first: Int64
        /// The last `seq` appended (`first - 1` when the run appended nothing to this table).
        public var last: Int64
        /// The chain hash before the range (hex): `prev_hash` of row `first`.
        public var startHash: String
        /// The chain hash after the range (hex): `row_hash` of row `last`.
        public var endHash: String

        /// Creates a range.
        ///
        /// - Parameters:
        ///   - table: the table name.
        ///   - first: the first seq.
        ///   - last: the last seq.
        ///   - startHash: the hash before the range (hex).
        ///   - endHash: the hash after the range (hex).
        public init(table: String, first: Int64, last: Int64, startHash: String, endHash: String) {
            self.table = table
            self.first = first
            self.last = last
            self.startHash = startHash
            self.endHash = endHash
        }
    }

    /// The computation run (`computation_runs.seq`) of the ingestion.
    public var run: Int64
    /// When the run was signed.
    public var signedAt: UTCTimestamp
    /// The collector ingestion key's fingerprint (hex).
    public var keyFingerprint: String
    /// The ranges, one per table.
    public var ranges: [Range]
    /// The Ed25519 signature over ``signedMessage`` (hex).
    public var signature: String

    /// The format identifier.
    public static let domain = "customerheat.ingestion/1"

    /// Creates a signature record from its parts.
    ///
    /// - Parameters:
    ///   - run: the run number.
    ///   - signedAt: the signing time.
    ///   - keyFingerprint: the collector key's fingerprint hex.
    ///   - ranges: the ranges.
    ///   - signature: the signature hex (empty before signing).
    public init(run: Int64, signedAt: UTCTimestamp, keyFingerprint: String, ranges: [Range], signature: String) {
        self.run = run
        self.signedAt = signedAt
        self.keyFingerprint = keyFingerprint
        self.ranges = ranges
        self.signature = signature
    }

    /// The bytes the signature covers.
    public var signedMessage: [UInt8] {
        var bytes = Array(Self.domain.utf8)
        CanonicalValue.integer(run).append(to: &bytes)
        CanonicalValue.text(signedAt.iso8601).append(to: &bytes)
        CanonicalValue.text(keyFingerprint).append(to: &bytes)
        CanonicalValue.integer(Int64(ranges.count)).append(to: &bytes)
        for range in ranges {
            CanonicalValue.text(range.table).append(to: &bytes)
            CanonicalValue.integer(range.first).append(to: &bytes)
            CanonicalValue.integer(range.last).append(to: &bytes)
            CanonicalValue.blob(Hex.decode(range.startHash) ?? []).append(to: &bytes)
            CanonicalValue.blob(Hex.decode(range.endHash) ?? []).append(to: &bytes)
        }
        return bytes
    }

    /// Whether the signature verifies under `key`.
    ///
    /// - Parameter key: a collector public key.
    /// - Returns: `true` when ``signature`` is `key`'s signature of ``signedMessage``.
    public func isValid(under key: StoreVerificationKey) -> Bool {
        guard let raw = Hex.decode(signature) else { return false }
        return key.isValidSignature(raw, for: signedMessage)
    }

    /// The ranges as stored in `ingestion_signatures.ranges`: JSON with sorted keys.
    var rangesJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(ranges)) ?? Data("[]".utf8), as: UTF8.self)
    }

    /// The current heads of `tables`, to pass to ``sign(run:tables:from:key:in:)`` after appending.
    ///
    /// - Parameters:
    ///   - tables: the tables the run will append to.
    ///   - db: the connection, inside the write transaction.
    /// - Returns: one head per table.
    /// - Throws: a database error.
    public static func startHeads(of tables: [ChainedTable], in db: Database) throws -> [ChainHead] {
        try tables.map { try HeadSigner.currentHead(of: $0, in: db) }
    }

    /// Signs the rows appended to `tables` since `start` and appends the signature to
    /// `ingestion_signatures`.
    ///
    /// - Parameters:
    ///   - run: the computation run number.
    ///   - tables: the tables, as passed to ``startHeads(of:in:)``.
    ///   - start: the heads returned by ``startHeads(of:in:)``.
    ///   - key: the collector's ingestion key.
    ///   - db: the connection, inside the same write transaction.
    /// - Returns: the signature record.
    /// - Throws: a database error or ``AuditError/signingFailed(reason:)``.
    @discardableResult
    public static func sign(
        run: Int64, tables: [ChainedTable], from start: [ChainHead], key: IngestionKey, in db: Database
    ) throws -> IngestionSignature {
        var ranges: [Range] = []
        for (table, before) in zip(tables, start) {
            let after = try HeadSigner.currentHead(of: table, in: db)
            ranges.append(Range(table: table.name, first: before.rows + 1, last: after.rows,
                                startHash: before.hash, endHash: after.hash))
        }
        var record = IngestionSignature(
            run: run, signedAt: .now(), keyFingerprint: key.fingerprint.hex, ranges: ranges, signature: "")
        do {
            record.signature = Hex.encode(try key.signature(for: record.signedMessage))
        } catch {
            throw AuditError.signingFailed(reason: String(describing: error))
        }
        try ChainAppender(db, table: .ingestionSignatures).append([
            .integer(run), .text(record.signedAt.iso8601), .text(record.keyFingerprint), .text(record.rangesJSON),
            .blob(Hex.decode(record.signature) ?? []),
        ])
        return record
    }
}
