import HeatEnvelope

/// What can go wrong generating or loading role keys.
///
/// ```swift
/// do {
///     _ = try KeyFolder(path: "keys/keyholder", role: .collector)
/// } catch let error as KeyError {
///     print(error)   // "keys/keyholder/signing.key: a signingKey file, which the collector role must not hold"
/// }
/// ```
public enum KeyError: ClassifiedError, Equatable {
    /// The key folder does not exist.
    case missingFolder(path: String)
    /// The path exists but is not a folder.
    case notAFolder(path: String)
    /// The folder holds a key file its role must not hold.
    case forbiddenFile(path: String, kind: EnvelopeKind, role: KeyRole)
    /// The folder lacks the key the command needs.
    case missingKey(folder: String, role: KeyRole, kind: EnvelopeKind)
    /// `keys generate` would overwrite an existing key file.
    case alreadyExists(path: String)
    /// A key file's envelope is unreadable, corrupt or of another kind.
    case envelope(EnvelopeError)
    /// A key file's payload is not a valid key.
    case badPayload(path: String, reason: String)
    /// A folder or key file could not be written.
    case unwritable(path: String, reason: String)
    /// A key folder holds a symbolic link, a special file or a file that is not a key file.
    case unsafeEntry(path: String, reason: String)
    /// A secret key file is readable by others or owned by another user.
    case insecureSecret(path: String, reason: String)
    /// A signing-key file names another generation than the store's current signing key (issue
    /// 27, s37): the retired key's file after `keys rotate`, a newer key's file on a store restored
    /// from before its rotation, or a mislabelled file (exit 64, naming the file and the field).
    case signingKeyGeneration(path: String, fileGeneration: Int64, storeGeneration: Int64)

    public var category: ErrorCategory {
        switch self {
        case .missingFolder, .missingKey: .noInput
        case .notAFolder, .forbiddenFile, .alreadyExists, .unsafeEntry, .insecureSecret, .signingKeyGeneration: .usage
        case .envelope(let error): error.category
        case .badPayload: .dataError
        case .unwritable: .ioError
        }
    }

    public var description: String {
        switch self {
        case .missingFolder(let path):
            "\(path): no such key folder"
        case .notAFolder(let path):
            "\(path): not a folder (--keys takes a role folder such as keys/collector)"
        case .forbiddenFile(let path, let kind, let role):
            "\(path): a \(kind) file, which the \(role) role must not hold; refusing to use this folder"
        case .missingKey(let folder, let role, let kind):
            "\(folder): no \(kind) file in this \(role) folder"
        case .alreadyExists(let path):
            "\(path): a key file already exists; refusing to overwrite it"
        case .envelope(let error):
            error.description
        case .badPayload(let path, let reason):
            "\(path): not a valid key (\(reason))"
        case .unwritable(let path, let reason):
            "\(path): cannot write (\(reason))"
        case .unsafeEntry(let path, let reason):
            "\(path): \(reason); refusing to use this key folder"
        case .insecureSecret(let path, let reason):
            "\(path): secret key file \(reason); refusing to use it"
        case .signingKeyGeneration(let path, let file, let store):
            "\(path): field generation: this signing key is generation \(file) but the store's current signing key is generation \(store)"
                + (file < store ? " (a retired key: refused)" : " (a key the store has not rotated to: refused)")
        }
    }

    public var hint: String? {
        switch self {
        case .missingFolder, .missingKey: "generate keys with `heatctl keys generate --out DIR` and pass DIR/<role>"
        case .notAFolder: "pass the role folder, for example keys/collector"
        case .forbiddenFile(_, let kind, let role):
            "pass the \(role) folder written by `heatctl keys generate`, and keep \(kind) files in the folder of the role that holds them"
        case .alreadyExists: "choose another --out folder; replacing keys would orphan the data they protect"
        case .envelope(let error): error.hint
        case .badPayload: "restore the key file from its backup"
        case .unwritable: "check that the folder is writable"
        case .unsafeEntry: "keep only the key files written by `heatctl keys generate` in role folders (no links, notes or backups)"
        case .insecureSecret: "run `chmod 600` on the file as its owner, or regenerate the keys"
        case .signingKeyGeneration(_, let file, let store):
            file < store
                ? "use the signing.key of the latest `heatctl keys rotate` (NEWDIR/keyholder); `heatctl audit log --kind keys.rotate` lists the rotations"
                : "this key belongs to a later state of the store (restored from an older backup?); use the key holder folder of this store's generation \(store)"
        }
    }
}
