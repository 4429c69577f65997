import Foundation
import GRDB
import HeatEnvelope

/// Applies the retention policy: drops the rows of weeks before a cutoff from the weekly tables
/// and records one signed ``RetentionTombstone`` per dropped range (issue 27).
///
/// In one immediate transaction committed with full durability: binds the key holder's key to
/// the store; **verifies the whole store** under that key against the anchor with no unsigned
/// tail allowed (so only rows covered by a signed head are ever dropped) and refuses with
/// ``RetentionError/refused(violations:)`` otherwise; for each table of ``weeklyTables`` finds the
/// rows whose `week` is before the cutoff (never the table's last row, which the next append
/// chains from), groups them into contiguous `seq` ranges, and for each range computes the
/// anchors (hashes of the last dropped row and of every dropped row a signed head or an
/// ingestion signature names), signs the tombstone, drops the rows (the table's append-only
/// DELETE trigger is removed and recreated byte-identical inside the transaction) and appends
/// the tombstone; appends a `retention.compact` audit entry with the counts; and finally, **in
/// the same transaction** (issue 27 s37, ``SignedStoreChange``), signs the chain heads, so a
/// crash leaves either the old store or the compaction with its signed head, never an unsigned
/// tail. Write the returned head to the head file after the call (`heatctl retention apply` does).
///
/// ```swift
/// let key = try KeyFolder(path: "keys/keyholder", role: .keyholder).signingKey()
/// let change = try RetentionCompactor.apply(store: store, key: key, anchor: .previous(head),
///                                           before: try ISOWeek(parsing: "2025-W01"))
/// print(change.record.droppedRows)
/// try change.head.write(to: URL(filePath: "head.heat"))
/// ```
public enum RetentionCompactor {
    /// The tables retention drops rows from: those with a `week` column.
    public static let weeklyTables: [ChainedTable] = [.weeklyBuckets, .ciphertexts, .collectorState]
    /// The audit action recorded.
    public static let auditAction = "retention.compact"

    /// What one retention run dropped.
    public struct Summary: Sendable, Hashable, Codable {
        /// The cutoff: rows of weeks strictly before it were dropped.
        public var before: String
        /// Rows dropped per table.
        public var droppedRows: [String: Int64]
        /// The tombstones written.
        public var tombstones: [RetentionTombstone]
    }

    /// Drops the rows of weeks before `before`, writes the signed tombstones and signs the store,
    /// in one durable transaction.
    ///
    /// - Parameters:
    ///   - store: the store.
    ///   - key: the key holder's store signing key.
    ///   - anchor: the previous head file (as for `audit sign`).
    ///   - before: the first week kept.
    /// - Returns: what was dropped (nothing, when no row is old enough) and the head signed with it.
    /// - Throws: ``RetentionError/refused(violations:)`` when the store does not verify,
    ///   ``StoreError`` (locked, key mismatch, I/O) or ``AuditError/signingFailed(reason:)``.
    public static func apply(
        store: HeatStore, key: StoreSigningKey, anchor: HeadAnchor, before: ISOWeek
    ) throws -> SignedStoreChange<Summary> {
        try SignedStoreChange.commit(
            to: store, key: key, anchor: anchor, refusal: RetentionError.refused(violations:),
            faults: .init(unsigned: .retentionUnsignedBeforeCommit, signed: .retentionBeforeCommit)
        ) { db in
            let policy = "weeks before \(before)"
            let references = try referencedSeqs(in: db)
            var summary = Summary(before: before.description, droppedRows: [:], tombstones: [])
            let appender = try ChainAppender(db, table: .retentionTombstones)
            for table in weeklyTables {
                let seqs = try Int64.fetchAll(db, sql: """
                    SELECT seq FROM \(table.name)
                    WHERE CAST(week AS TEXT) < ? AND seq < (SELECT MAX(seq) FROM \(table.name)) ORDER BY seq
                    """, arguments: [before.description])
                let stones = try drop(seqs, of: table, policy: policy, references: references, key: key, appender: appender, in: db)
                summary.tombstones += stones
                for stone in stones { summary.droppedRows[table.name, default: 0] += stone.rowCount }
            }
            var parameters = ["before": before.description, "tombstones": String(summary.tombstones.count)]
            for (table, rows) in summary.droppedRows { parameters["dropped.\(table)"] = String(rows) }
            try AuditLog.append(AuditEntry(role: KeyRole.keyholder.rawValue, action: auditAction, parameters: parameters), in: db)
            return summary
        }
    }

    /// Drops rows `seqs` of `table` under signed tombstones, one per contiguous range: the one
    /// "drop rows under a signed tombstone" step of retention and of erasure (``ClientEraser``).
    ///
    /// For each range it computes the anchors (the `row_hash` of the range's last row and of every
    /// row in it that `references` names: chain ends of signed heads, ends of collector-signed
    /// ranges), signs a ``RetentionTombstone`` with `policy`, deletes the rows (the table's
    /// append-only DELETE trigger is removed and recreated byte-identical around the deletes,
    /// inside the caller's transaction) and appends the tombstone with `appender`.
    ///
    /// - Parameters:
    ///   - seqs: the rows to drop (any order, no duplicates); nothing happens when empty.
    ///   - table: their table.
    ///   - policy: the rule (`weeks before 2025-W01`, `erasure E-…`).
    ///   - references: ``referencedSeqs(in:)``, read before anything was dropped.
    ///   - key: the key holder's store signing key.
    ///   - appender: the `retention_tombstones` appender of the transaction.
    ///   - db: the connection, inside the write transaction.
    /// - Returns: the tombstones appended, in range order.
    /// - Throws: a database error or a signing failure.
    static func drop(
        _ seqs: [Int64], of table: ChainedTable, policy: String, references: [String: Set<Int64>], key: StoreSigningKey,
        appender: ChainAppender, in db: Database
    ) throws -> [RetentionTombstone] {
        guard !seqs.isEmpty else { return [] }
        var ranges: [(first: Int64, last: Int64)] = []
        for seq in seqs.sorted() {
            if let last = ranges.last, last.last + 1 == seq { ranges[ranges.count - 1].last = seq } else { ranges.append((seq, seq)) }
        }
        try db.execute(sql: "DROP TRIGGER \(table.name)_no_delete")
        var stones: [RetentionTombstone] = []
        for range in ranges {
            var wanted = Set((references[table.name] ?? []).filter { $0 >= range.first && $0 <= range.last })
            wanted.insert(range.last)
            var anchors: [RetentionTombstone.Anchor] = []
            for seq in wanted.sorted() {
                guard let hash = try Data.fetchOne(
                    db, sql: "SELECT CAST(row_hash AS BLOB) FROM \(table.name) WHERE seq = ?", arguments: [seq]) else { continue }
                anchors.append(.init(seq: seq, hash: Hex.encode(hash)))
            }
            let stone = try RetentionTombstone.signed(
                table: table.name, firstSeq: range.first, lastSeq: range.last, policy: policy, anchors: anchors, with: key)
            try db.execute(sql: "DELETE FROM \(table.name) WHERE seq BETWEEN ? AND ?", arguments: [range.first, range.last])
            try appender.append(stone.rowValues)
            stones.append(stone)
        }
        try db.execute(sql: StoreSchema.triggerStatements(for: table)[1])
        return stones
    }

    /// The newest week stored in the weekly tables, or `nil` when they are empty.
    ///
    /// - Parameter store: the store.
    /// - Returns: the newest ISO week.
    /// - Throws: ``StoreError``.
    public static func newestWeek(in store: HeatStore) throws -> ISOWeek? {
        try store.read { db in
            var newest: ISOWeek?
            for table in weeklyTables {
                guard try db.tableExists(table.name) else { continue }
                if let text = try String.fetchOne(db, sql: "SELECT MAX(CAST(week AS TEXT)) FROM \(table.name)"),
                   let week = try? ISOWeek(parsing: text) {
                    newest = max(newest ?? week, week)
                }
            }
            return newest
        }
    }

    /// The seqs, per table, that signed heads and ingestion signatures name (chain ends, range
    /// starts minus one and range ends): the hashes a tombstone must keep.
    static func referencedSeqs(in db: Database) throws -> [String: Set<Int64>] {
        var seqs: [String: Set<Int64>] = [:]
        for data in try Data.fetchAll(db, sql: "SELECT CAST(head AS BLOB) FROM signed_heads") {
            guard let head = try? SignedHead.decode(data, source: "signed_heads") else { continue }
            for chain in head.chains { seqs[chain.table, default: []].insert(chain.rows) }
        }
        for data in try Data.fetchAll(db, sql: "SELECT CAST(ranges AS BLOB) FROM ingestion_signatures") {
            guard let ranges = try? JSONDecoder().decode([IngestionSignature.Range].self, from: data) else { continue }
            for range in ranges {
                seqs[range.table, default: []].insert(range.first - 1)
                seqs[range.table, default: []].insert(range.last)
            }
        }
        return seqs
    }
}
