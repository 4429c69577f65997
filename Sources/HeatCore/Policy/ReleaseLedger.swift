import Crypto
import Foundation
import GRDB
import HeatEnvelope

/// The store's record of releases: the `release_groups` table (migration `v3-policy`) with the
/// membership tags of every group released to each role, and the monthly epsilon spent per role,
/// read back from the hash-chained audit log's `release` entries.
///
/// `release_groups` is append-only (triggers reject UPDATE and DELETE). It is not a chained table
/// itself: each release's audit entry (chained and signed) carries `groupsDigest`, the SHA-256 of
/// the released groups' `kind ref membersHash` lines, so an auditor can check the table against the log.
///
/// ```swift
/// let history = try store.read { db in try ReleaseLedger.history(role: "executive", in: db) }
/// ```
public enum ReleaseLedger {
    /// The table's name.
    public static let tableName = "release_groups"

    /// Creates the table, its index and its append-only triggers (migration `v3-policy`).
    ///
    /// - Parameter db: the connection inside the migration.
    /// - Throws: a database error.
    static func createTable(in db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE release_groups (
              seq INTEGER PRIMARY KEY,
              recorded_at TEXT NOT NULL,
              role TEXT NOT NULL,
              audit_seq INTEGER NOT NULL,
              kind TEXT NOT NULL,
              ref TEXT NOT NULL,
              clients INTEGER NOT NULL,
              members_hash TEXT NOT NULL,
              members BLOB NOT NULL
            )
            """)
        try db.execute(sql: "CREATE INDEX release_groups_role ON release_groups(role)")
        for operation in ["UPDATE", "DELETE"] {
            try db.execute(sql: """
                CREATE TRIGGER release_groups_no_\(operation.lowercased()) BEFORE \(operation) ON release_groups
                BEGIN SELECT RAISE(ABORT, 'release_groups is append-only'); END
                """)
        }
    }

    /// The distinct groups released to `role` so far.
    ///
    /// - Parameters:
    ///   - role: the role.
    ///   - db: a connection.
    /// - Returns: the groups, oldest first, each distinct kind, reference and membership once
    ///   (per-client score releases, kind ``perClientKind``, are not aggregates and are left out).
    /// - Throws: a database error.
    public static func history(role: String, in db: Database) throws -> [ReleasedGroup] {
        var seen: Set<String> = []
        var groups: [ReleasedGroup] = []
        let rows = try Row.fetchAll(db, sql: """
            SELECT kind, ref, members_hash, members FROM release_groups WHERE role = ? AND kind <> ? ORDER BY seq
            """, arguments: [role, perClientKind])
        for row in rows {
            let kind = row.lenientText("kind") ?? ""
            let ref = row.lenientText("ref") ?? ""
            let hash = row.lenientText("members_hash") ?? ""
            guard seen.insert(kind + "\u{0}" + ref + "\u{0}" + hash).inserted else { continue }
            groups.append(ReleasedGroup(kind: kind, ref: ref, tags: ReleasedGroup.tags(from: [UInt8](row.lenientBlob("members") ?? Data()))))
        }
        return groups
    }

    /// Appends the groups of one release.
    ///
    /// - Parameters:
    ///   - groups: the released groups.
    ///   - role: the role released to.
    ///   - auditSeq: the release's audit entry.
    ///   - recordedAt: the time.
    ///   - db: a connection inside a write transaction.
    /// - Throws: a database error.
    static func record(_ groups: [ReleasedGroup], role: String, auditSeq: Int64, recordedAt: UTCTimestamp, in db: Database) throws {
        for group in groups {
            try db.execute(sql: """
                INSERT INTO release_groups (recorded_at, role, audit_seq, kind, ref, clients, members_hash, members)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [recordedAt.iso8601, role, auditSeq, group.kind, group.ref, group.clients, group.membersHash,
                                 Data(group.tagBytes)])
        }
    }

    /// The SHA-256 (hex) of the groups' `kind ref membersHash` lines, recorded in the release's audit entry.
    ///
    /// - Parameter groups: the released groups.
    /// - Returns: the digest.
    public static func digest(_ groups: [ReleasedGroup]) -> String {
        Hex.encode(Array(SHA256.hash(data: Array(groups.map { "\($0.kind) \($0.ref) \($0.membersHash)\n" }.joined().utf8))))
    }

    /// The epsilon `role` spent in the calendar month (UTC) of `month`, from the audit log.
    ///
    /// - Parameters:
    ///   - role: the role released to.
    ///   - month: `YYYY-MM`.
    ///   - db: a connection.
    /// - Returns: the sum of the epsilons of the month's releases to the role.
    /// - Throws: a database error.
    public static func spent(role: String, month: String, in db: Database) throws -> Double {
        let rows = try Row.fetchAll(db, sql: """
            SELECT parameters FROM audit_log WHERE action = ? AND substr(recorded_at, 1, 7) = ?
            """, arguments: [AuditAction.release, month])
        var total = 0.0
        for row in rows {
            let text = row.lenientText("parameters") ?? "{}"
            guard let parameters = try? JSONDecoder().decode([String: String].self, from: Data(text.utf8)),
                  parameters["releasedTo"] == role, let epsilon = parameters["epsilon"].flatMap(Double.init) else { continue }
            total += epsilon
        }
        return total
    }
}

extension AuditAction {
    /// Results were released to a role under a policy (`heatctl release`).
    public static let release = "release"
    /// A release request was refused by the policy.
    public static let releaseRefused = "release.refused"
}
