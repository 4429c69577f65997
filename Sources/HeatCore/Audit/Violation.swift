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
        /// A signed head was made with a key that is neither registered nor the one given.
        case unknownSigningKey
        /// A signed head does not match the chain (the chain was rewritten after signing).
        case headMismatch
        /// A chain has fewer rows than a signed head covers (rows deleted from the end).
        case rowsDeleted
        /// A stored signed head cannot be parsed.
        case badHead
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
