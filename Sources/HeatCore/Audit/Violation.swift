/// One integrity violation found by ``StoreVerifier``.
///
/// ```swift
/// let report = try StoreVerifier.verify(store: store)
/// for violation in report.violations { print(violation) }
/// ```
public struct Violation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// What kind of violation it is.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A row's contents do not match its `row_hash` (the row was edited).
        case rowHashMismatch
        /// A row's `prev_hash` is not the previous row's hash (rows were removed, reordered or inserted).
        case brokenLink
        /// A `seq` is missing from the chain (a row was deleted in the middle).
        case missingRow
        /// A value has a type the schema never writes.
        case badValue
        /// A signed head's signature does not verify.
        case badSignature
        /// A signed head was made with a key other than the pinned auditor key.
        case unknownSigningKey
        /// A signed head does not match the chain (the chain was rewritten after signing).
        case headMismatch
        /// A chain has fewer rows than a signed head covers (rows deleted from the end).
        case rowsDeleted
        /// A stored signed head cannot be parsed, or heads are inconsistent with each other.
        case badHead
        /// Rows are not covered by a signed head (and `--allow-unsigned-tail` was not given).
        case unsignedRows
        /// A chained table is missing.
        case missingTable
        /// A chained table's columns, or the database encoding, differ from the schema.
        case schemaChanged
        /// An append-only trigger was dropped or altered.
        case appendOnlyTriggerMissing
        /// A TEXT value is not valid UTF-8 or holds a NUL byte.
        case badText
        /// Signed heads (or the expected head) are missing from `signed_heads`.
        case headsDeleted
        /// Rows of a collector-signed table are not covered by a valid collector signature.
        case unsignedIngestion
        /// An ingestion signature does not verify or does not match the rows it covers.
        case badIngestionSignature
        /// A collector key in the store is not endorsed by the pinned key.
        case unendorsedCollectorKey
        /// A retention tombstone is not signed by the pinned key, cannot be parsed or is malformed
        /// (issue 27); the rows it names then count as deleted.
        case badTombstone
        /// A key transition is not signed by both keys, does not connect to the pinned key, or
        /// retires a key twice (issue 27).
        case badKeyTransition
        /// A signed head, a retention tombstone or a collector endorsement is signed by a key that a
        /// key transition retired before it (issue 27): a head after the key's final head seq, or
        /// a tombstone or endorsement row that the key's final signed head does not cover.
        case retiredSigningKey
        /// A client erasure record is not signed by a trusted key or cannot be parsed (issue 27).
        case badErasure
        /// A stored row lies inside the range of a valid tombstone, or a directory row holds a
        /// slot a signed erasure freed: dropped or erased rows were re-inserted (issue 27).
        case reinsertedRow
        /// A directory version (a client's move or closure from a week on) is not signed by a
        /// trusted key, cannot be parsed or is malformed (issue 27, item 3).
        case badDirectoryVersion
        /// A collector key retirement (rotation or revocation) is not signed by a trusted key,
        /// cannot be parsed or is malformed (issue 27, item 1); it is ignored.
        case badCollectorKeyRetirement
        /// An ingestion signature is by a collector key that a signed retirement retired before
        /// it (after the retirement's final signature): a rotated or revoked, possibly stolen, key
        /// (issue 27, item 1); the rows it names count as unsigned.
        case retiredCollectorKey
        /// An FHE key transition is not signed by a trusted key, cannot be parsed, is malformed or
        /// does not continue the store's chain of FHE key generations (issue 27, item 1); it is
        /// ignored, so the ciphertext rows it would cover carry no signature.
        case badFHEKeyTransition
    }

    /// The kind.
    public var kind: Kind
    /// The table at fault.
    public var table: String
    /// The first bad row's `seq` (or, for signature problems, the signed head's `seq` in
    /// `signed_heads`; `nil` for the head file).
    public var seq: Int64?
    /// A sentence naming the row or signature and what is wrong.
    public var message: String

    /// Creates a violation.
    ///
    /// - Parameters:
    ///   - kind: the kind.
    ///   - table: the table at fault.
    ///   - seq: the row, if one is at fault.
    ///   - message: the explanation.
    public init(kind: Kind, table: String, seq: Int64?, message: String) {
        self.kind = kind
        self.table = table
        self.seq = seq
        self.message = message
    }

    public var description: String { message }
}
