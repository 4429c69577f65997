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
/// A `HeatStore` works over any GRDB `DatabaseWriter` (a `DatabaseQueue` in WAL mode for a
/// file, or an in-memory `DatabaseQueue` in tests, ``init(writer:label:create:)``) and, for
/// verification and reports, over a read-only `DatabaseReader` (``init(readingFrom:)``,
/// ``init(reader:label:)``). Opening checks, in order: the file exists (or `create` was asked),
/// it is an SQLite database, its schema version is not newer than ``StoreSchema/currentVersion``,
/// and it holds the CustomerHeat schema; older schemas are migrated. Writes are GRDB's own
/// `write` (one `BEGIN IMMEDIATE` transaction, committed whole or not at all); a database
/// locked by another process fails with ``StoreError/locked(path:)`` (exit 75) after
/// ``busyTimeout``.
///
/// ```swift
/// let store = try HeatStore.initialize(path: "heat.db")
/// let entries = try AuditLog.entries(in: store)
/// let scratch = try HeatStore.initialize(writer: DatabaseQueue())   // in memory, for tests
/// ```
public final class HeatStore: Sendable {
    /// The database file path (or the label of an in-memory store), used in error messages.
    public let path: String
    /// The connection(s) writes go through; `nil` for a read-only store.
    let writer: (any DatabaseWriter)?
    /// The connection(s) reads go through (the writer itself for a writable store).
    let reader: any DatabaseReader
    /// Whether the store was opened with ``init(readingFrom:)`` or ``init(reader:label:)``: no
    /// write is possible.
    public var isReadOnly: Bool { writer == nil }

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
    public convenience init(path: String, create: Bool = false) throws(StoreError) {
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
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw Self.classify(error, path: path)
        }
        try self.init(writer: queue, label: path, create: create)
    }

    /// Opens a store over any GRDB writer, creating or migrating its schema: an in-memory
    /// `DatabaseQueue()` for tests, or a queue or pool the caller configured (set
    /// `PRAGMA trusted_schema = OFF` in its `prepareDatabase` for files of unknown origin).
    ///
    /// ```swift
    /// let store = try HeatStore(writer: DatabaseQueue(), create: true)
    /// ```
    ///
    /// - Parameters:
    ///   - writer: the database connection(s).
    ///   - label: the name errors give the store (a path, or `:memory:`).
    ///   - create: create the schema when the database is empty.
    /// - Throws: ``StoreError/notAStore(path:reason:)`` (65),
    ///   ``StoreError/newerSchema(path:found:newestSupported:)`` (78) or another ``StoreError``.
    public init(writer: any DatabaseWriter, label: String = ":memory:", create: Bool = false) throws(StoreError) {
        self.path = label
        self.writer = writer
        self.reader = writer
        try prepareSchema(create: create)
    }

    /// Opens a store for reading only over any GRDB reader (for example a read-only
    /// `DatabaseQueue`, or a `DatabasePool`'s snapshot); no migration. The store is read-only at the
    /// SQLite level as well, even over a reader that can write: it never writes, and every access
    /// runs inside GRDB's `read`, which SQLite executes with `PRAGMA query_only`.
    ///
    /// - Parameters:
    ///   - reader: the database connection(s).
    ///   - label: the name errors give the store.
    /// - Throws: ``StoreError/notAStore(path:reason:)`` (65),
    ///   ``StoreError/newerSchema(path:found:newestSupported:)`` (78) or another ``StoreError``.
    public init(reader: any DatabaseReader, label: String = ":memory:") throws(StoreError) {
        self.path = label
        self.writer = nil
        self.reader = reader
        try checkReadableSchema()
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
    public convenience init(readingFrom path: String) throws(StoreError) {
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
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: location, configuration: configuration)
        } catch {
            throw Self.classify(error, path: path)
        }
        try self.init(reader: queue, label: path)
    }

    /// Checks that a read-only store holds a CustomerHeat schema this build understands.
    private func checkReadableSchema() throws(StoreError) {
        do {
            let (version, hasAuditLog) = try reader.read { db in
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
        let created = try store.recordInitialization()
        return (store, fresh || created)
    }

    /// Creates a store over any GRDB writer (an in-memory `DatabaseQueue()` in tests) and records
    /// `init` in its audit log the first time, as ``initialize(path:)`` does for a file.
    ///
    /// ```swift
    /// let store = try HeatStore.initialize(writer: DatabaseQueue())
    /// ```
    ///
    /// - Parameters:
    ///   - writer: the database connection(s).
    ///   - label: the name errors give the store.
    /// - Returns: the store.
    /// - Throws: the errors of ``init(writer:label:create:)``.
    public static func initialize(writer: any DatabaseWriter, label: String = ":memory:") throws(StoreError) -> HeatStore {
        let store = try HeatStore(writer: writer, label: label, create: true)
        _ = try store.recordInitialization()
        return store
    }

    /// Appends the `init` audit entry unless the log has one; returns whether it did.
    private func recordInitialization() throws(StoreError) -> Bool {
        let path = self.path
        let store = self
        let hasInit: Bool
        do {
            hasInit = try store.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_log WHERE action = 'init'") ?? 0 > 0
            }
        } catch {
            throw Self.classify(error, path: path)
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
                throw Self.classify(error, path: path)
            }
        }
        return !hasInit
    }

    /// The schema version recorded in the file (`PRAGMA user_version`).
    ///
    /// - Throws: ``StoreError`` if the database cannot be read.
    public func schemaVersion() throws(StoreError) -> Int {
        do {
            return try reader.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 }
        } catch {
            throw Self.classify(error, path: path)
        }
    }

    /// The writer, or ``StoreError/io(path:reason:)`` for a read-only store.
    private func requireWriter() throws(StoreError) -> any DatabaseWriter {
        guard let writer else { throw StoreError.io(path: path, reason: "the store was opened read-only") }
        return writer
    }

    /// Runs `body` in one write transaction (GRDB's `write`: `BEGIN IMMEDIATE`): committed when
    /// it returns, rolled back when it throws.
    ///
    /// **Commit point**: the transaction commits when `body` returns; fault injection belongs
    /// here and in ``writeDurably(_:)``.
    ///
    /// - Parameter body: the work; it receives the GRDB database connection.
    /// - Returns: what `body` returns.
    /// - Throws: a ``StoreError`` for database failures (locked, I/O, append-only violations),
    ///   or whatever `body` threw (unchanged when it is not a database error).
    public func write<T>(_ body: (Database) throws -> T) throws -> T {
        let writer = try requireWriter()
        do {
            return try writer.write(body)
        } catch let error as DatabaseError {
            throw Self.classify(error, path: path)
        }
    }

    /// The async form of ``write(_:)`` (GRDB's async `write`), for server request handlers.
    ///
    /// - Parameter body: the work; it receives the GRDB database connection.
    /// - Returns: what `body` returns.
    /// - Throws: as ``write(_:)``.
    public func writeAsync<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let writer = try requireWriter()
        do {
            return try await writer.write(body)
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
        let writer = try requireWriter()
        do {
            try writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        } catch {
            throw Self.classify(error, path: path)
        }
        defer { try? writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") } }
        return try write(body)
    }

    /// Runs `body` with read access to a consistent snapshot.
    ///
    /// - Parameter body: the work; it receives the GRDB database connection.
    /// - Returns: what `body` returns.
    /// - Throws: a ``StoreError`` for database failures, or whatever `body` threw.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try reader.read(body)
        } catch let error as DatabaseError {
            throw Self.classify(error, path: path)
        }
    }

    /// The async form of ``read(_:)`` (GRDB's async `read`), for server request handlers.
    ///
    /// - Parameter body: the work; it receives the GRDB database connection.
    /// - Returns: what `body` returns.
    /// - Throws: as ``read(_:)``.
    public func readAsync<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await reader.read(body)
        } catch let error as DatabaseError {
            throw Self.classify(error, path: path)
        }
    }

    /// Writes every WAL frame back into the main database file and truncates the WAL.
    ///
    /// - Throws: ``StoreError`` if the checkpoint fails (for example while another process writes).
    public func checkpoint() throws(StoreError) {
        let writer = try requireWriter()
        do {
            try writer.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        } catch {
            throw Self.classify(error, path: path)
        }
    }

    private func prepareSchema(create: Bool) throws(StoreError) {
        do {
            let (version, tableCount, hasAuditLog) = try reader.read { db in
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
                if let writer { try StoreSchema.migrator.migrate(writer) }
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
