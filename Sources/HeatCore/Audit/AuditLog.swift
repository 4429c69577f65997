import Foundation
import GRDB
import HeatEnvelope

/// Appends to and reads the store's hash-chained audit log.
///
/// **Recording an action** (for other modules: releases, evaluations, …): build an
/// ``AuditEntry`` with the acting role, an action name (add a constant to ``AuditAction``; use a
/// dotted name such as `release.k-anonymity`, so `audit log --kind release` finds it), optional
/// input and output SHA-256 hex, and string parameters (counts, settings, fingerprints, masked
/// references; **never a raw identifier**). Append it inside the same write transaction as the
/// work it records with ``append(_:in:)``, so both commit or neither does, or on its own with
/// ``append(_:to:)``. **Record a refusal** (policy refused, key mismatch, wrong role folder) with
/// ``recordRefusal(in:role:action:reason:parameters:)``: it commits its own transaction, after the
/// refused work rolled back, so the refusal is never lost with it. Entries are chained and covered
/// by the next signed head; nothing else needs registering.
///
/// ```swift
/// try store.write { db in
///     try AuditLog.append(AuditEntry(role: "operator", action: AuditAction.initialize), in: db)
/// }
/// AuditLog.recordRefusal(in: store, role: "keyholder", action: "release", reason: "fewer than 5 clients")
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

    /// Appends an entry in its own committed transaction.
    ///
    /// - Parameters:
    ///   - entry: the entry.
    ///   - store: the store.
    /// - Returns: the entry's sequence number.
    /// - Throws: ``StoreError`` if the store cannot be written.
    @discardableResult
    public static func append(_ entry: AuditEntry, to store: HeatStore) throws -> Int64 {
        try store.write { db in try append(entry, in: db) }
    }

    /// Records that `action` was refused, in its own committed transaction (action
    /// `<action>.refused`, with the reason and `parameters`).
    ///
    /// Call it after the refused work has rolled back, then throw the original error. It never
    /// throws: when the store cannot be written (locked, read-only) it returns `nil` and the
    /// caller's error still reports the refusal.
    ///
    /// - Parameters:
    ///   - store: the store.
    ///   - role: the role that was refused.
    ///   - action: the action refused (an ``AuditAction`` constant).
    ///   - reason: why, without raw identifiers (error descriptions of this package qualify).
    ///   - parameters: more settings or counts.
    /// - Returns: the entry's sequence number, or `nil` if it could not be written.
    @discardableResult
    public static func recordRefusal(
        in store: HeatStore, role: String, action: String, reason: String, parameters: [String: String] = [:]
    ) -> Int64? {
        var all = parameters
        all["reason"] = reason
        return try? append(AuditEntry(role: role, action: action + AuditAction.refusedSuffix, parameters: all), to: store)
    }

    /// Lists audit entries in log order.
    ///
    /// - Parameters:
    ///   - store: the store.
    ///   - action: keep only this exact action (`ingest` does not match `ingest.refused`); `nil` for all.
    ///   - since: keep entries recorded on or after this UTC date; `nil` for all.
    ///   - includingSubkinds: also keep the action's dotted sub-kinds (`keys` then matches
    ///     `keys.generate`, `ingest` matches `ingest.refused`).
    /// - Returns: the entries, oldest first.
    /// - Throws: ``StoreError`` if the log cannot be read.
    public static func entries(in store: HeatStore, action: String? = nil, since: CalendarDate? = nil,
                               includingSubkinds: Bool = false) throws -> [AuditEntry] {
        var sql = "SELECT seq, recorded_at, role, action, input_hash, output_hash, parameters FROM audit_log"
        var conditions: [String] = []
        var arguments: [DatabaseValue] = []
        if let action, includingSubkinds {
            conditions.append("(action = ? OR substr(action, 1, ?) = ?)")
            arguments.append(contentsOf: [action.databaseValue, (action.utf8.count + 1).databaseValue, (action + ".").databaseValue])
        } else if let action {
            conditions.append("action = ?")
            arguments.append(action.databaseValue)
        }
        if let since {
            conditions.append("recorded_at >= ?")
            arguments.append(since.startOfDay.iso8601.databaseValue)
        }
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY seq"
        let statementArguments = StatementArguments(arguments)
        return try store.read { db in
            try AuditEntry.fetchAll(db, sql: sql, arguments: statementArguments)
        }
    }
}
