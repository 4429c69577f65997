#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import GRDB

/// Verified backup and restore of a store, and its size per client-week (issue 27).
///
/// A backup is `VACUUM INTO` a fresh file: a consistent snapshot, compacted (free pages dropped),
/// with every row's stored bytes, the schema SQL (triggers included) and `user_version` as they
/// are, so the copy keeps every hash chain and signature. The copy is written under a temporary
/// name, verified with ``StoreVerifier`` against the pinned key and the given head, and only then
/// renamed into place. A restore verifies the backup first, copies it to a temporary name next to
/// the destination, verifies the copy and renames it; neither ever replaces an existing file.
///
/// ```swift
/// let key = try KeyFolder(path: "keys/auditor", role: .auditor).verificationKey()
/// let head = try SignedHead.read(from: URL(filePath: "head.heat"))
/// let result = try StoreBackup.backup(store: "heat.db", to: "backup/heat-2026-W10.db", pinnedKey: key, anchor: .previous(head))
/// print(result.measurement.bytesPerClientWeek ?? 0)
/// ```
public enum StoreBackup {
    /// The size of a store and what it holds.
    public struct Measurement: Sendable, Hashable, Codable {
        /// The database file's size in bytes (after `VACUUM INTO`, when measured on a backup).
        public var bytes: Int64
        /// Clients in the directory.
        public var clients: Int
        /// Distinct ISO weeks stored (plaintext buckets or ciphertexts).
        public var weeks: Int
        /// `bytes / (clients × weeks)`, or `nil` when either is zero.
        public var bytesPerClientWeek: Double?
        /// Rows per chained table.
        public var rows: [String: Int64]
    }

    /// A verified backup or restore.
    public struct Result: Sendable {
        /// The verification of the written file.
        public var report: VerificationReport
        /// The written file's size and contents.
        public var measurement: Measurement
    }

    /// Writes a verified, compacted copy of `store` to `destination`.
    ///
    /// - Parameters:
    ///   - store: the store's path.
    ///   - destination: the backup file to create (must not exist).
    ///   - pinnedKey: the auditor's verification key.
    ///   - anchor: the head file to verify the copy against.
    /// - Returns: the copy's verification report (unsigned tail accepted and counted) and measurement.
    /// - Throws: ``StoreBackupError`` (exit 64 when the destination exists, 1 when the copy does not
    ///   verify, 74 for I/O) or ``StoreError``.
    public static func backup(store: String, to destination: String, pinnedKey: StoreVerificationKey, anchor: HeadAnchor) throws -> Result {
        guard !FileManager.default.fileExists(atPath: destination) else { throw StoreBackupError.alreadyExists(path: destination) }
        _ = try HeatStore(readingFrom: store)  // the usual checks: exists, is a store, schema not newer
        let temporary = temporaryName(for: destination)
        defer { removeTemporary(temporary) }
        do {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA trusted_schema = OFF") }
            let source = try DatabaseQueue(path: store, configuration: configuration)
            try source.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [temporary]) }
            try source.close()
        } catch {
            throw HeatStore.classify(error, path: store)
        }
        let result = try verified(temporary, reportedAs: destination, pinnedKey: pinnedKey, anchor: anchor)
        try move(temporary, to: destination)
        return result
    }

    /// Restores a verified backup to `destination` (which must not exist).
    ///
    /// - Parameters:
    ///   - backup: the backup file.
    ///   - destination: the store path to create.
    ///   - pinnedKey: the auditor's verification key.
    ///   - anchor: the head file saved with the backup.
    /// - Returns: the restored store's verification and measurement.
    /// - Throws: as ``backup(store:to:pinnedKey:anchor:)``.
    public static func restore(from backup: String, to destination: String, pinnedKey: StoreVerificationKey, anchor: HeadAnchor) throws -> Result {
        guard !FileManager.default.fileExists(atPath: destination) else { throw StoreBackupError.alreadyExists(path: destination) }
        _ = try verified(backup, reportedAs: backup, pinnedKey: pinnedKey, anchor: anchor)
        let temporary = temporaryName(for: destination)
        defer { removeTemporary(temporary) }
        do {
            try FileManager.default.copyItem(atPath: backup, toPath: temporary)
        } catch {
            throw StoreBackupError.io(path: destination, reason: error.localizedDescription)
        }
        let result = try verified(temporary, reportedAs: destination, pinnedKey: pinnedKey, anchor: anchor)
        try move(temporary, to: destination)
        return result
    }

    /// Measures a store: file size, clients, weeks and rows per chained table.
    ///
    /// - Parameter path: the store.
    /// - Returns: the measurement.
    /// - Throws: ``StoreError``.
    public static func measure(_ path: String) throws -> Measurement {
        let store = try HeatStore(readingFrom: path)
        let bytes = ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.int64Value ?? 0
        return try store.read { db in
            var rows: [String: Int64] = [:]
            for table in ChainedTable.all {
                guard try db.tableExists(table.name) else { continue }
                rows[table.name] = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table.name)") ?? 0
            }
            let clients = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM client_directory") ?? 0
            var weekQueries = ["SELECT week FROM weekly_buckets"]
            if try db.tableExists(ChainedTable.ciphertexts.name) { weekQueries.append("SELECT week FROM ciphertexts") }
            let weeks = try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT week) FROM (\(weekQueries.joined(separator: " UNION ")))") ?? 0
            let perClientWeek = clients > 0 && weeks > 0 ? Double(bytes) / Double(clients * weeks) : nil
            return Measurement(bytes: bytes, clients: clients, weeks: weeks, bytesPerClientWeek: perClientWeek, rows: rows)
        }
    }

    private static func verified(
        _ path: String, reportedAs name: String, pinnedKey: StoreVerificationKey, anchor: HeadAnchor
    ) throws -> Result {
        let store = try HeatStore(readingFrom: path)
        let report = try StoreVerifier.verify(store: store, pinnedKey: pinnedKey, anchor: anchor, allowUnsignedTail: true)
        guard report.intact else { throw StoreBackupError.verificationFailed(path: name, violations: report.violations.map(\.message)) }
        return Result(report: report, measurement: try measure(path))
    }

    private static func removeTemporary(_ path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    private static func temporaryName(for destination: String) -> String {
        let url = URL(filePath: destination)
        return url.deletingLastPathComponent().appending(path: ".\(url.lastPathComponent).partial-\(UUID().uuidString)").path
    }

    /// Renames `source` to `destination` without replacing an existing file (`link` + `unlink`).
    private static func move(_ source: String, to destination: String) throws {
        if link(source, destination) != 0 {
            let code = errno
            if code == EEXIST { throw StoreBackupError.alreadyExists(path: destination) }
            throw StoreBackupError.io(path: destination, reason: String(cString: strerror(code)))
        }
        unlink(source)
    }
}
