import HeatCore

/// Opens a role key folder for a command that writes to a store, recording a refused folder
/// (another role's key, a link, an unknown or insecure file) in the store's audit log in its own
/// committed entry before the error is reported.
enum KeyFolderRefusal {
    /// Opens `path` for `role`; on refusal logs `<action>.refused` in the store at `storePath`
    /// (when it opens) and rethrows.
    static func open(_ path: String, role: KeyRole, store storePath: String, action: String) throws -> KeyFolder {
        do {
            return try KeyFolder(path: path, role: role)
        } catch {
            switch error {
            case .forbiddenFile, .unsafeEntry, .insecureSecret, .notAFolder:
                if let store = try? HeatStore(path: storePath) {
                    AuditLog.recordRefusal(in: store, role: role.rawValue, action: action, reason: error.description)
                }
            default: break
            }
            throw error
        }
    }
}
