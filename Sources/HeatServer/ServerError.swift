import HeatEnvelope

/// A failure of `heatctl serve` or `heatctl token` before or outside a request: a folder holding
/// secret material, a missing or corrupt token key, an unusable release document.
///
/// Each case names the file (and where useful the field) at fault; ``category`` decides the exit
/// code of DESIGN.md section 8.
///
/// ```swift
/// do { _ = try FolderGuard.check(folder: "releases", option: "--releases", allowedSecrets: []) }
/// catch { print(error.description, error.category.exitCode) }   // … secret …, 64
/// ```
public enum ServerError: ClassifiedError, Equatable {
    /// A folder option names nothing, or not a folder (exit 66).
    case missingFolder(path: String, option: String)
    /// A folder the server reads holds secret key material (exit 64): the server holds released
    /// documents and its own token key only.
    case secretMaterial(path: String, kind: String, option: String)
    /// The releases folder holds no results document (exit 66).
    case noReleases(path: String)
    /// A results document in the releases folder could not be read (exit 65).
    case badRelease(path: String, reason: String)
    /// The token-keys folder holds no token key (exit 66).
    case missingTokenKey(folder: String)
    /// The token key file is corrupt or of the wrong kind (exit 65).
    case badTokenKey(path: String, field: String, reason: String)
    /// `token keygen` would overwrite an existing key (exit 64).
    case tokenKeyExists(path: String)
    /// A `--ttl` or other option value is malformed (exit 64).
    case invalidOption(option: String, reason: String)
    /// The role is not one of the policy's roles (exit 77).
    case unknownRole(role: String, roles: [String])
    /// A file could not be written (exit 74).
    case unwritable(path: String, reason: String)
    /// The scoring model could not be loaded (exit 65).
    case badModel(path: String, reason: String)
    /// The `--jwks` file or an entry of it is unusable (exit 65), naming the entry and field.
    case badJWKS(path: String, field: String, reason: String)
    /// The token-keys folder's revocation list is unusable (exit 65).
    case badRevocations(path: String, field: String, reason: String)
    /// Every token key generation is revoked, so nothing may sign (exit 78).
    case noSigningKey(folder: String)
    /// A file holding a token secret (a token key, or a `--jwks` set with an HS256 key) that
    /// group or others may read, or that another user owns (exit 64, as for the role folders'
    /// secret files: `DESIGN.md` section 1, mode 0600).
    case insecureSecretFile(path: String, reason: String)

    /// The category that decides the exit code.
    public var category: ErrorCategory {
        switch self {
        case .missingFolder, .noReleases, .missingTokenKey: .noInput
        case .secretMaterial, .tokenKeyExists, .invalidOption, .insecureSecretFile: .usage
        case .badRelease, .badTokenKey, .badModel, .badJWKS, .badRevocations: .dataError
        case .noSigningKey: .configuration
        case .unknownRole: .permissionDenied
        case .unwritable: .ioError
        }
    }

    /// A one-line description naming the file and field at fault.
    public var description: String {
        switch self {
        case .missingFolder(let path, let option):
            "\(option) \(path): no such folder"
        case .secretMaterial(let path, let kind, let option):
            "\(option): \(path) holds secret material (\(kind)); the API server holds released documents and its own token key only, never an FHE secret key, a store signing key or another secret"
        case .noReleases(let path):
            "--releases \(path): no results document (*.json written by heatctl release) in the folder"
        case .badRelease(let path, let reason):
            "\(path): not a released results document: \(reason)"
        case .missingTokenKey(let folder):
            "--token-keys \(folder): no token key (\(TokenKey.fileName))"
        case .badTokenKey(let path, let field, let reason):
            "\(path): field \(field): \(reason)"
        case .tokenKeyExists(let path):
            "\(path) already exists"
        case .invalidOption(let option, let reason):
            "\(option): \(reason)"
        case .unknownRole(let role, let roles):
            "the policy names no role \"\(role)\" (roles: \(roles.joined(separator: ", ")))"
        case .unwritable(let path, let reason):
            "cannot write \(path): \(reason)"
        case .badModel(let path, let reason):
            "--model \(path): \(reason)"
        case .badJWKS(let path, let field, let reason):
            "--jwks \(path): field \(field): \(reason)"
        case .badRevocations(let path, let field, let reason):
            "\(path): field \(field): \(reason)"
        case .noSigningKey(let folder):
            "--token-keys \(folder): every token key generation is revoked"
        case .insecureSecretFile(let path, let reason):
            "\(path): \(reason)"
        }
    }

    /// A suggestion for the operator.
    public var hint: String? {
        switch self {
        case .secretMaterial: "move the secret out of the folder; give the server only `heatctl release` outputs and `heatctl token keygen` keys"
        case .missingTokenKey: "create one with: heatctl token keygen --token-keys DIR"
        case .tokenKeyExists: "rotate with `heatctl token keygen --token-keys DIR`, which adds a generation and keeps the old one verifying"
        case .noReleases: "write one with: heatctl release … --out DIR/results.json"
        case .invalidOption(let option, _) where option == "--ttl": "use a duration such as 90s, 15m, 1h or 1d (at most 24h)"
        case .noSigningKey: "add a generation with: heatctl token keygen --token-keys DIR"
        case .insecureSecretFile: "run `chmod 600` on the file as the user running the server"
        case .badJWKS: "give a JSON Web Key Set: {\"keys\": [{\"kty\": \"OKP\", \"crv\": \"Ed25519\", \"kid\": …, \"alg\": \"EdDSA\", \"x\": …}]}"
        default: nil
        }
    }
}
