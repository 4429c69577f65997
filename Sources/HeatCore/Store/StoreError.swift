import HeatEnvelope

/// What can go wrong opening, reading or writing a ``HeatStore``.
///
/// Every case names the database file and, where it applies, the table and row at fault, and
/// maps to an exit code of DESIGN.md section 8 through ``category``.
///
/// ```swift
/// do {
///     _ = try HeatStore(path: "heat.db")
/// } catch let error as StoreError {
///     print(error.description, error.category.exitCode)
/// }
/// ```
public enum StoreError: ClassifiedError, Equatable {
    /// The database file does not exist (and the caller did not ask to create it).
    case missingFile(path: String)
    /// The file exists but is not an SQLite database.
    case notADatabase(path: String)
    /// The file is an SQLite database but not a CustomerHeat store, or it was never initialised.
    case notAStore(path: String, reason: String)
    /// The store was written by a newer schema than this tool understands.
    case newerSchema(path: String, found: Int, newestSupported: Int)
    /// Another process holds the database lock.
    case locked(path: String)
    /// SQLite reports that the database file is damaged.
    case corrupt(path: String, reason: String)
    /// A trigger refused to update or delete a row of an append-only table.
    case appendOnlyViolation(path: String, table: String)
    /// Any other SQLite failure (disk full, permissions, ...).
    case io(path: String, reason: String)
    /// The collector key given does not match the key that pseudonymised the store.
    case keyMismatch(path: String, role: String, expected: String, found: String)

    public var category: ErrorCategory {
        switch self {
        case .missingFile: .noInput
        case .notADatabase, .notAStore, .corrupt: .dataError
        case .newerSchema: .configuration
        case .locked: .temporaryFailure
        case .appendOnlyViolation, .io: .ioError
        case .keyMismatch: .usage
        }
    }

    public var description: String {
        switch self {
        case .missingFile(let path):
            "\(path): no such store"
        case .notADatabase(let path):
            "\(path): not an SQLite database"
        case .notAStore(let path, let reason):
            "\(path): not a CustomerHeat store (\(reason))"
        case .newerSchema(let path, let found, let newest):
            "\(path): the store has schema version \(found), newer than this tool supports (\(newest))"
        case .locked(let path):
            "\(path): the database is locked by another process"
        case .corrupt(let path, let reason):
            "\(path): the database file is damaged (\(reason))"
        case .appendOnlyViolation(let path, let table):
            "\(path): table \(table) is append-only; rows cannot be updated or deleted"
        case .io(let path, let reason):
            "\(path): database error (\(reason))"
        case .keyMismatch(let path, let role, let expected, let found):
            "\(path): the \(role) key (fingerprint \(found.prefix(16))…) is not the one registered in the store (\(expected.prefix(16))…)"
        }
    }

    public var hint: String? {
        switch self {
        case .missingFile: "create it with `heatctl init --store FILE`"
        case .notADatabase, .notAStore: "pass the store created by `heatctl init`"
        case .newerSchema: "upgrade heatctl"
        case .locked: "try again when the other process has finished"
        case .corrupt: "restore the store from a backup and verify it with `heatctl audit verify`"
        case .appendOnlyViolation: nil
        case .io: "check free disk space and file permissions"
        case .keyMismatch: "pass the key folder generated for this store"
        }
    }
}

extension StoreError {
    /// The old name of ``missingFile(path:)``.
    @available(*, deprecated, renamed: "missingFile(path:)")
    public static func missingStore(path: String) -> StoreError { .missingFile(path: path) }
}
