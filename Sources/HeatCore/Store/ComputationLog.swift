import Foundation
import GRDB

/// Appends to and reads the hash-chained `computation_runs` table.
///
/// Ingestion records its runs itself; the encrypted pipeline's `evaluate` will record its runs
/// here and add an audit entry with ``AuditAction/computation``.
///
/// ```swift
/// let runs = try ComputationLog.runs(in: store)
/// ```
public enum ComputationLog {
    /// Appends a run.
    ///
    /// - Parameters:
    ///   - run: the run (its `seq` is ignored).
    ///   - db: a connection inside a ``HeatStore/write(_:)`` transaction.
    /// - Returns: the run's number.
    /// - Throws: a database error.
    @discardableResult
    public static func append(_ run: ComputationRun, in db: Database) throws -> Int64 {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let parameters = String(decoding: try encoder.encode(run.parameters), as: UTF8.self)
        return try ChainAppender(db, table: .computationRuns).append([
            .text(run.startedAt.iso8601), .text(run.finishedAt.iso8601), .text(run.kind),
            run.inputHash.map(CanonicalValue.text) ?? .null, run.outputHash.map(CanonicalValue.text) ?? .null,
            .text(parameters),
        ]).seq
    }

    /// Records a computation and its audit entry in one transaction.
    ///
    /// - Parameters:
    ///   - run: the run.
    ///   - role: the role that ran it (usually `evaluator`).
    ///   - store: the store.
    /// - Returns: the run's number.
    /// - Throws: ``StoreError``.
    @discardableResult
    public static func record(_ run: ComputationRun, role: KeyRole, in store: HeatStore) throws -> Int64 {
        try record(run, role: role, in: store, checking: { _ in })
    }

    /// Records a computation and its audit entry in one transaction, after `check` has passed
    /// inside that same transaction (scores re-check that the client directory is still the one
    /// they were computed on, so nothing can be ingested between the check and the record).
    ///
    /// - Parameters:
    ///   - run: the run.
    ///   - role: the role that ran it (usually `evaluator`).
    ///   - store: the store.
    ///   - check: runs first in the write transaction; what it throws aborts the record.
    /// - Returns: the run's number.
    /// - Throws: what `check` throws, ``StoreError``.
    @discardableResult
    public static func record(
        _ run: ComputationRun, role: KeyRole, in store: HeatStore, checking check: (Database) throws -> Void
    ) throws -> Int64 {
        try store.write { db in
            try check(db)
            let seq = try append(run, in: db)
            var parameters = run.parameters
            parameters["run"] = String(seq)
            parameters["kind"] = run.kind
            try AuditLog.append(AuditEntry(
                role: role.rawValue, action: AuditAction.computation, inputHash: run.inputHash,
                outputHash: run.outputHash, parameters: parameters), in: db)
            if run.kind.hasPrefix("evaluate") { FaultPoint.evaluateBeforeCommit.reach() }
            if run.kind == "score" { FaultPoint.scoreBeforeCommit.reach() }
            return seq
        }
    }

    /// Lists the runs, oldest first.
    ///
    /// - Parameter store: the store.
    /// - Returns: the runs.
    /// - Throws: ``StoreError``.
    public static func runs(in store: HeatStore) throws -> [ComputationRun] {
        try store.read { db in
            try ComputationRun.fetchAll(db, sql: "SELECT * FROM computation_runs ORDER BY seq")
        }
    }
}
