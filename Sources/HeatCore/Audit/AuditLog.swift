import Foundation
import GRDB
import HeatEnvelope

/// Appends to and reads the store's hash-chained audit log.
///
/// ```swift
/// try store.write { db in
///     try AuditLog.append(AuditEntry(role: "operator", action: AuditAction.initialize), in: db)
/// }
/// let ingests = try AuditLog.entries(in: store, action: "ingest")
/// ```
public enum AuditLog {
    /// Appends an entry to the audit log chain.
    ///
    /// - Parameters:
    ///   - entry: the entry (its `seq` is ignored).
    ///   - db: a connection inside a ``HeatStore/write(_:)`` transaction.
    /// - Returns: the entry's sequence number.
    /// - Throws: a database error if the insert fails.
    @discardableResult
    public static func append(_ entry: AuditEntry, in db: Database) throws -> Int64 {
        let appender = try ChainAppender(db, table: .auditLog)
        return try appender.append([
            .text(entry.recordedAt.iso8601), .text(entry.role), .text(entry.action),
            entry.inputHash.map(CanonicalValue.text) ?? .null,
            entry.outputHash.map(CanonicalValue.text) ?? .null,
            .text(entry.canonicalParameters),
        ]).seq
    }

    /// Lists audit entries in log order.
    ///
    /// - Parameters:
    ///   - store: the store.
    ///   - action: keep only this action, or actions starting with it and a dot (`keys` matches
    ///     `keys.generate`); `nil` for all.
    ///   - since: keep entries recorded on or after this UTC date; `nil` for all.
    /// - Returns: the entries, oldest first.
    /// - Throws: ``StoreError`` if the log cannot be read.
    public static func entries(in store: HeatStore, action: String? = nil, since: CalendarDate? = nil) throws -> [AuditEntry] {
        var sql = "SELECT seq, recorded_at, role, action, input_hash, output_hash, parameters FROM audit_log"
        var conditions: [String] = []
        var arguments: [DatabaseValue] = []
        if let action {
            conditions.append("(action = ? OR substr(action, 1, ?) = ?)")
            arguments.append(contentsOf: [action.databaseValue, (action.count + 1).databaseValue, (action + ".").databaseValue])
        }
        if let since {
            conditions.append("recorded_at >= ?")
            arguments.append(since.startOfDay.iso8601.databaseValue)
        }
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY seq"
        let statementArguments = StatementArguments(arguments)
        return try store.read { db in
            try Row.fetchAll(db, sql: sql, arguments: statementArguments).map { row in
                let recorded = row.lenientText("recorded_at") ?? ""
                let parametersText = row.lenientText("parameters") ?? "{}"
                let parameters = (try? JSONDecoder().decode([String: String].self, from: Data(parametersText.utf8))) ?? [:]
                var entry = AuditEntry(
                    role: row.lenientText("role") ?? "", action: row.lenientText("action") ?? "",
                    inputHash: row.lenientText("input_hash"), outputHash: row.lenientText("output_hash"),
                    parameters: parameters,
                    recordedAt: (try? UTCTimestamp(iso8601: recorded)) ?? UTCTimestamp(secondsSinceEpoch: 0))
                entry.seq = row.lenientInteger("seq")
                return entry
            }
        }
    }
}
