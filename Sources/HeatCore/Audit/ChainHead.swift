/// The head of one hash chain: how many rows it has and the last row's hash.
///
/// ```swift
/// let head = ChainHead(table: "audit_log", rows: 12, hash: "3fa1…")
/// ```
public struct ChainHead: Sendable, Hashable, Codable {
    /// The chained table's name.
    public var table: String
    /// The number of rows (the last `seq`).
    public var rows: Int64
    /// The last row's `row_hash` as hex (the genesis hash for an empty table).
    public var hash: String

    /// Creates a chain head.
    ///
    /// - Parameters:
    ///   - table: the chained table's name.
    ///   - rows: the number of rows.
    ///   - hash: the last row's hash in hex.
    public init(table: String, rows: Int64, hash: String) {
        self.table = table
        self.rows = rows
        self.hash = hash
    }
}
