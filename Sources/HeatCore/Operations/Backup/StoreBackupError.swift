import HeatEnvelope

/// What can go wrong backing up or restoring a store (``StoreBackup``).
///
/// ```swift
/// do {
///     _ = try StoreBackup.restore(from: "backup.db", to: "heat.db", pinnedKey: key, anchor: .previous(head))
/// } catch let error as StoreBackupError {
///     print(error, error.category.exitCode)   // "heat.db: a file already exists; …" 64
/// }
/// ```
public enum StoreBackupError: ClassifiedError, Equatable {
    /// The destination exists; backups and restores never replace a file.
    case alreadyExists(path: String)
    /// The copy (or the backup to restore) does not verify; nothing was written.
    case verificationFailed(path: String, violations: [String])
    /// Copying or renaming failed.
    case io(path: String, reason: String)

    public var category: ErrorCategory {
        switch self {
        case .alreadyExists: .usage
        case .verificationFailed: .integrityViolation
        case .io: .ioError
        }
    }

    public var description: String {
        switch self {
        case .alreadyExists(let path):
            "\(path): a file already exists; refusing to replace it"
        case .verificationFailed(let path, let violations):
            "\(path): the copy does not verify (\(violations.count) violation\(violations.count == 1 ? "" : "s"); first: \(violations.first ?? "none")); nothing was written"
        case .io(let path, let reason):
            "\(path): cannot copy (\(reason))"
        }
    }

    public var hint: String? {
        switch self {
        case .alreadyExists: "choose a new file name, or move the existing file aside first"
        case .verificationFailed: "restore from another backup, and pass the head file saved with it as --expect-head"
        case .io: "check free disk space and folder permissions"
        }
    }
}
