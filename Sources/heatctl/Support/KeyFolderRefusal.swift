import Foundation
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

/// The set-up and the confirmation every key holder command that changes a signed store shares
/// (`retention apply`, `erase`, `keys rotate`, `keys revoke --collector`, `directory move |
/// close`): open the key holder folder (a refused folder is audited), read the previous head file
/// and open the store; after the change committed **with its signed head** (one transaction,
/// `SignedStoreChange` in HeatCore), write the new head file.
struct KeyHolderStoreChange {
    /// The key holder's store signing key.
    let key: StoreSigningKey
    /// The head file written by the previous `audit sign`.
    let previous: SignedHead
    /// The store, opened for writing.
    let store: HeatStore

    /// Opens the key holder folder, the previous head and the store.
    ///
    /// - Parameters:
    ///   - keys: the key holder folder.
    ///   - store: the store path.
    ///   - previousHead: the previous head file.
    ///   - action: the audit action a refused folder is logged under.
    /// - Throws: ``KeyError``, ``AuditError``, ``StoreError``.
    init(keys: String, store: String, previousHead: String, action: String) throws {
        key = try KeyFolderRefusal.open(keys, role: .keyholder, store: store, action: action).signingKey()
        previous = try SignedHead.read(from: URL(filePath: previousHead))
        self.store = try HeatStore(path: store)
    }

    /// Writes the head a change committed with (so only after the commit) to `headOut`.
    ///
    /// - Parameters:
    ///   - head: the committed change's ``SignedStoreChange/head``.
    ///   - headOut: the head file to write (may be the previous head's file).
    ///   - fault: the command's after-commit fault point, reached before the head file is written
    ///     (the fault sweep, `FaultPoint`).
    /// - Throws: an I/O error.
    func writeHead(_ head: SignedHead, to headOut: String, fault: FaultPoint) throws {
        fault.reach()
        try head.write(to: URL(filePath: headOut))
    }
}
