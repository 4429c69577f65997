#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import GRDB
import HeatEnvelope

/// The append-only, hash-chained SQLite store (DESIGN.md section 6).
///
/// A `HeatStore` wraps one GRDB `DatabaseQueue` in WAL mode. Opening checks, in order: the
/// file exists (or `create` was asked), it is an SQLite database, its schema version is not
/// newer than ``StoreSchema/currentVersion``, and it holds the CustomerHeat schema; older
/// schemas are migrated. Every write runs in one `BEGIN IMMEDIATE` transaction, so it is
/// committed whole or not at all, and a database locked by another process fails with
/// ``StoreError/locked(path:)`` (exit 75) after ``busyTimeout``.
///
/// ```swift
/// let store = try HeatStore.initialize(path: "heat.db")
/// let entries = try AuditLog.entries(in: store)
/// ```
public final class HeatStore: Sendable {
    /// The database file path.
    public let path: String
    /// The underlying GRDB queue (serialised access to one connection).
    let queue: DatabaseQueue
    /// Whether the store was opened with ``init(readingFrom:)``: no write is possible.
    public let isReadOnly: Bool

    /// How long a write waits for another process's lock before failing with exit 75.
    public static let busyTimeout: TimeInterval = 2

    /// The SQLite page cache per connection, in KiB (256 MiB; memory is used only as pages are read).
    static let cacheKiB = 262_144

    /// The 16-byte header every SQLite 3 database file starts with.
    static let sqliteHeader = Array("SQLite format 3\0".utf8)

    /// Opens an existing store, migrating an older schema.
    ///
    /// - Parameters:
    ///   - path: the database file.
    ///   - create: create the file and the schema when the file is absent or empty.
    /// - Throws: ``StoreError/missingFile(path:)`` (66), ``StoreError/notADatabase(path:)`` (65),
    ///   ``StoreError/notAStore(path:reason:)`` (65), ``StoreError/newerSchema(path:found:newestSupported:)``
    ///   (78), ``StoreError/locked(path:)`` (75) or ``StoreError/io(path:reason:)`` (74).
    public init(path: String, create: Bool = false) throws(StoreError) {
        self.path = path
        self.isReadOnly = false
        _ = try Self.checkFile(path, create: create)
        var configuration = Configuration()
        configuration.busyMode = .timeout(Self.busyTimeout)
        configuration.label = "HeatStore"
        configuration.prepareDatabase { db in
            // Enable WAL only when needed: switching modes takes a lock.
            let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? ""
            if mode.lowercased() != "wal" { try db.execute(sql: "PRAGMA journal_mode = WAL") }
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // A large page cache keeps the event-HMAC index in memory during big ingestions.
            try db.execute(sql: "PRAGMA cache_size = -\(Self.cacheKiB)")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // Never run SQL functions or virtual tables named in the schema (triggers, views).
            try db.execute(sql: "PRAGMA trusted_schema = OFF")
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw Self.classify(error, path: path)
        }
        try prepareSchema(create: create)
    }

    /// Opens an existing store for reading only (`audit verify`, `audit log`): an SQLite
    /// read-only connection (`SQLITE_OPEN_READONLY`), no journal-mode change, no migration,
    /// `trusted_schema` off. Works for a user who cannot write the file or its folder: when the
    /// folder is not writable and no `-wal` file exists, the file is opened `immutable` (SQLite
    /// then needs no `-shm`; verify a store no one is writing, such as a copy).
    ///
    /// An older schema version is read as it is (its tables are those of its version).
    ///
    /// - Parameter path: the database file.
    /// - Throws: the errors of ``init(path:create:)`` (except those of creating or migrating).
    public init(readingFrom path: String) throws(StoreError) {
        self.path = path
        self.isReadOnly = true
        guard try Self.checkFile(path, create: false) else { throw .missingFile(path: path) }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(Self.busyTimeout)
        configuration.label = "HeatStore.readOnly"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA trusted_schema = OFF")
            try db.execute(sql: "PRAGMA query_only = ON")
        }
        let folder = (path as NSString).deletingLastPathComponent
        let immutable = !FileManager.default.fileExists(atPath: path + "-wal")
            && access(folder.isEmpty ? "." : folder, W_OK) != 0
        let location = immutable ? Self.immutableURI(path) : path
        do {
            queue = try DatabaseQueue(path: location, configuration: configuration)
        } catch {
            throw Self.classify(error, path: path)
        }
        do {
            let (version, hasAuditLog) = try queue.read { db in
                (try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0, try db.tableExists(ChainedTable.auditLog.name))
            }
            if version > StoreSchema.currentVersion {
                throw StoreError.newerSchema(path: path, found: version, newestSupported: StoreSchema.currentVersion)
            }
            if version == 0 || !hasAuditLog {
                throw StoreError.notAStore(path: path, reason: version == 0 ? "the store was never initialised" : "no audit_log table")
            }
        } catch {
            throw Self.classify(error, path: path)
        }
    }

    /// A `file:` URI that opens `path` as an immutable database.
    private static func immutableURI(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        let escaped = absolute.addingPercentEncoding(withAllowedCharacters: allowed) ?? absolute
        return "file:\(escaped)?immutable=1"
    }

    /// Checks that `path` is absent (allowed only with `create`) or an SQLite file; returns whether it exists.
    private static func checkFile(_ path: String, create: Bool) throws(StoreError) -> Bool {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        if isDirectory.boolValue { throw .notADatabase(path: path) }
        if !exists && !create { throw .missingFile(path: path) }
        if exists {
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw .io(path: path, reason: "cannot open the file for reading")
            }
            let header = (try? handle.read(upToCount: 16)) ?? Data()
            try? handle.close()
            if !header.isEmpty && [UInt8](header) != Self.sqliteHeader { throw .notADatabase(path: path) }
        }
        return exists
    }

    /// Creates a store (or opens an existing one) and records `init` in the audit log the first time.
    ///
    /// - Parameter path: the database file to create.
    /// - Returns: the store and whether this call created its schema.
    /// - Throws: the errors of ``init(path:create:)``.
    public static func initialize(path: String) throws(StoreError) -> (store: HeatStore, created: Bool) {
        let fresh = !FileManager.default.fileExists(atPath: path) || Self.isEmptyFile(path)
        let store = try HeatStore(path: path, create: true)
        let hasInit: Bool
        do {
            hasInit = try store.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_log WHERE action = 'init'") ?? 0 > 0
            }
        } catch {
            throw classify(error, path: path)
        }
        if !hasInit {
            do {
                try store.write { db in
                    let entry = AuditEntry(
                        role: "operator", action: AuditAction.initialize,
                        parameters: ["schemaVersion": String(StoreSchema.currentVersion), "encoding": "plaintext-test-only"])
                    try AuditLog.append(entry, in: db)
                }
            } catch {
                throw classify(error, path: path)
            }
        }
        return (store, fresh || !hasInit)
    }

    /// The schema version recorded in the file (`PRAGMA user_version`).
    ///
    /// - Throws: ``StoreError`` if the database cannot be read.
    public func schemaVersion() throws(StoreError) -> Int {
        do {
            return try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 }
        } catch {
            throw Self.classify(error, path: path)
        }
    }

    /// Runs `body` in one immediate write transaction: committed when it returns, rolled back
    /// when it throws.
    ///
    /// - Parameter body: the work; it receives the GRDB database connection.
    /// - Returns: what `body` returns.
    /// - Throws: a ``StoreError`` for database failures (locked, I/O, append-only violations),
    ///   or whatever `body` threw (unchanged when it is not a database error).
    public func write<T>(_ body: (Database) throws -> T) throws -> T {
        if isReadOnly { throw StoreError.io(path: path, reason: "the store was opened read-only") }
        do {
            return try queue.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                guard let result else { throw StoreError.io(path: path, reason: "transaction returned no result") }
                return result
            }
        } catch let error as DatabaseError {
            throw Self.classify(error, path: path)
        }
    }

    /// Runs `body` in one immediate write transaction committed with full durability
    /// (`PRAGMA synchronous = FULL`: the commit is on disk, WAL included, when this returns).
    ///
    /// - Parameter body: the work; it receives the GRDB database connection.
    /// - Returns: what `body` returns.
    /// - Throws: as ``write(_:)``.
    public func writeDurably<T>(_ body: (Database) throws -> T) throws -> T {
        if isReadOnly { throw StoreError.io(path: path, reason: "the store was opened read-only") }
        do {
            try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        } catch {
            throw Self.classify(error, path: path)
        }
        defer { try? queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") } }
        return try write(body)
    }

    /// Runs `body` with read access to a consistent snapshot.
    ///
    /// - Parameter body: the work; it receives the GRDB database connection.
    /// - Returns: what `body` returns.
    /// - Throws: a ``StoreError`` for database failures, or whatever `body` threw.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try queue.read(body)
        } catch let error as DatabaseError {
            throw Self.classify(error, path: path)
        }
    }

    /// Writes every WAL frame back into the main database file and truncates the WAL.
    ///
    /// - Throws: ``StoreError`` if the checkpoint fails (for example while another process writes).
    public func checkpoint() throws(StoreError) {
        if isReadOnly { throw StoreError.io(path: path, reason: "the store was opened read-only") }
        do {
            try queue.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        } catch {
            throw Self.classify(error, path: path)
        }
    }

    private func prepareSchema(create: Bool) throws(StoreError) {
        do {
            let (version, tableCount, hasAuditLog) = try queue.read { db in
                (
                    try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0,
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'") ?? 0,
                    try db.tableExists(ChainedTable.auditLog.name)
                )
            }
            if version > StoreSchema.currentVersion {
                throw StoreError.newerSchema(path: path, found: version, newestSupported: StoreSchema.currentVersion)
            }
            if version == 0 {
                if tableCount > 0 {
                    throw StoreError.notAStore(path: path, reason: "it holds other tables and no CustomerHeat schema version")
                }
                if !create { throw StoreError.notAStore(path: path, reason: "the store was never initialised") }
            } else if !hasAuditLog {
                throw StoreError.notAStore(path: path, reason: "schema version \(version) but no audit_log table")
            }
            if version < StoreSchema.currentVersion {
                try StoreSchema.migrator.migrate(queue)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw Self.classify(error, path: path)
        }
    }

    private static func isEmptyFile(_ path: String) -> Bool {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
        return size == 0
    }

    /// Maps a database error to a ``StoreError`` naming `path`; other errors pass through as
    /// ``StoreError/io(path:reason:)`` unless they are already a ``StoreError``.
    static func classify(_ error: any Error, path: String) -> StoreError {
        if let error = error as? StoreError { return error }
        guard let error = error as? DatabaseError else {
            return .io(path: path, reason: String(describing: error))
        }
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return .locked(path: path)
        case .SQLITE_NOTADB:
            return .notADatabase(path: path)
        case .SQLITE_CORRUPT:
            return .corrupt(path: path, reason: error.message ?? "corrupt")
        case .SQLITE_CONSTRAINT:
            if let message = error.message, message.hasSuffix("is append-only") {
                return .appendOnlyViolation(path: path, table: String(message.prefix { $0 != " " }))
            }
            return .io(path: path, reason: error.message ?? "constraint failed")
        default:
            return .io(path: path, reason: error.message ?? "\(error.resultCode)")
        }
    }
}

extension UTCTimestamp {
    /// The current instant, truncated to the second.
    static func now() -> UTCTimestamp {
        UTCTimestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970.rounded(.down)))
    }
}
