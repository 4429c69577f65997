import Foundation
import GRDB

/// Appends rows to one ``ChainedTable`` inside a write transaction, computing each row's
/// `prev_hash` and `row_hash`.
///
/// Create one per table per transaction: it reads the current chain head once and keeps it
/// in memory, and reuses one prepared `INSERT` statement, so appending a million rows costs one
/// SHA-256 and one statement execution each.
final class ChainAppender {
    /// The table appended to.
    let table: ChainedTable
    /// The `seq` of the last row (0 for an empty table).
    private(set) var lastSeq: Int64
    /// The `row_hash` of the last row (the genesis hash for an empty table).
    private(set) var lastHash: [UInt8]
    private let statement: Statement

    /// Reads the chain head of `table` and prepares the insert statement.
    ///
    /// - Parameters:
    ///   - db: the connection, inside a write transaction.
    ///   - table: the chained table.
    /// - Throws: a GRDB `DatabaseError` if the table cannot be read.
    init(_ db: Database, table: ChainedTable) throws {
        self.table = table
        // The last stored row, or the anchor of rows dropped at the end under a tombstone (issue 27).
        (lastSeq, lastHash) = try table.lastLink(in: db)
        let columns = ["seq"] + table.columns + ["prev_hash", "row_hash"]
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        statement = try db.cachedStatement(
            sql: "INSERT INTO \(table.name) (\(columns.joined(separator: ", "))) VALUES (\(placeholders))")
    }

    /// Appends one row.
    ///
    /// - Parameter values: the data column values in ``ChainedTable/columns`` order.
    /// - Returns: the new row's `seq` and `row_hash`.
    /// - Throws: a GRDB `DatabaseError` when the insert fails (for example a duplicate unique value).
    @discardableResult
    func append(_ values: [CanonicalValue]) throws -> (seq: Int64, hash: [UInt8]) {
        precondition(values.count == table.columns.count, "\(table.name): \(values.count) values for \(table.columns.count) columns")
        let seq = lastSeq + 1
        let hash = table.rowHash(previousHash: lastHash, seq: seq, values: values)
        var arguments: [DatabaseValue] = [seq.databaseValue]
        arguments.reserveCapacity(values.count + 3)
        for value in values { arguments.append(value.databaseValue) }
        arguments.append(CanonicalValue.blob(lastHash).databaseValue)
        arguments.append(CanonicalValue.blob(hash).databaseValue)
        try statement.execute(arguments: StatementArguments(arguments))
        lastSeq = seq
        lastHash = hash
        return (seq, hash)
    }
}
