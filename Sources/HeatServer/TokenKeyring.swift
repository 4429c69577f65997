import Foundation
import Synchronization

/// The revoked token key ids and token ids of a token-keys folder (`DIR/revoked.json`), written by
/// `heatctl token revoke` and enforced by ``TokenAuthority`` on every request.
///
/// ```swift
/// var revoked = try TokenRevocations.load(fromFolder: "token-keys")
/// revoked.kids.insert("0123456789abcdef")
/// try revoked.write(toFolder: "token-keys")
/// ```
public struct TokenRevocations: Sendable, Equatable, Codable {
    /// The file name inside the token-keys folder.
    public static let fileName = "revoked.json"
    /// The file's schema.
    public static let schema = "customerheat.token-revocations/1"

    /// Revoked key ids (`kid`): no token signed with them verifies, and they sign nothing.
    public var kids: Set<String> = []
    /// Revoked token ids (`jti`).
    public var jtis: Set<String> = []

    /// An empty list.
    public init(kids: Set<String> = [], jtis: Set<String> = []) {
        self.kids = kids
        self.jtis = jtis
    }

    private struct File: Codable {
        var schema: String
        var kids: [String]
        var jtis: [String]
    }

    /// Reads `folder/revoked.json`.
    ///
    /// Only a file that does not exist means an empty list (and only when `missingIsEmpty`); a
    /// file that exists but cannot be read is an error, never an empty list.
    ///
    /// - Parameters:
    ///   - folder: the token-keys folder.
    ///   - missingIsEmpty: whether a missing file is an empty list (at start) or an error (a
    ///     running server's file that disappeared).
    /// - Returns: the list.
    /// - Throws: ``ServerError/badRevocations(path:field:reason:)`` naming the field at fault.
    public static func load(fromFolder folder: String, missingIsEmpty: Bool = true) throws(ServerError) -> TokenRevocations {
        let path = URL(filePath: folder).appending(path: fileName).path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            if missingIsEmpty { return TokenRevocations() }
            throw .badRevocations(path: path, field: "(file)", reason: "the file disappeared; the previous list stays")
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw .badRevocations(path: path, field: "(file)", reason: "the file exists but cannot be read")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw .badRevocations(path: path, field: "(file)", reason: "not a JSON object")
        }
        guard object["schema"] as? String == schema else {
            throw .badRevocations(path: path, field: "schema", reason: "expected \"\(schema)\"")
        }
        for name in object.keys.sorted() where !["schema", "kids", "jtis"].contains(name) {
            throw .badRevocations(path: path, field: String(name.prefix(40)), reason: "unknown field")
        }
        func strings(_ name: String) throws(ServerError) -> Set<String> {
            guard let value = object[name] else { return [] }
            guard let list = value as? [String] else { throw .badRevocations(path: path, field: name, reason: "expected an array of strings") }
            return Set(list)
        }
        return TokenRevocations(kids: try strings("kids"), jtis: try strings("jtis"))
    }

    /// Writes `folder/revoked.json` atomically.
    ///
    /// - Parameter folder: the token-keys folder.
    /// - Throws: ``ServerError/unwritable(path:reason:)``.
    public func write(toFolder folder: String) throws(ServerError) {
        let url = URL(filePath: folder).appending(path: Self.fileName)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        do {
            let data = try encoder.encode(File(schema: Self.schema, kids: kids.sorted(), jtis: jtis.sorted()))
            try data.write(to: url, options: .atomic)
        } catch {
            throw .unwritable(path: url.path, reason: "\(error)")
        }
    }
}

/// The live revocation list of a running server: reloaded from the token-keys folder by the
/// release watcher whenever `revoked.json` changes, read by every verification.
public final class RevocationList: Sendable {
    private let current: Mutex<(list: TokenRevocations, stamp: String, healthy: Bool)>
    /// The folder it reloads from, if any.
    public let folder: String?

    /// Creates a list.
    ///
    /// - Parameters:
    ///   - list: the initial revocations.
    ///   - folder: the token-keys folder to reload from.
    public init(_ list: TokenRevocations = TokenRevocations(), folder: String? = nil) {
        current = Mutex((list, folder.map(Self.stamp(of:)) ?? "", true))
        self.folder = folder
    }

    /// The revocations now.
    public var list: TokenRevocations { current.withLock { $0.list } }

    /// Whether the last reload succeeded. After a failed one the previous list stays in force
    /// and `/readyz` answers 503 `not_ready` until the file reads again.
    public var isHealthy: Bool { current.withLock { $0.healthy } }

    static func stamp(of folder: String) -> String {
        let path = URL(filePath: folder).appending(path: TokenRevocations.fileName).path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return "-" }
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(attributes[.size] as? Int ?? -1):\(modified)"
    }

    /// Reloads the file when it changed.
    ///
    /// - Returns: `true` when a new list was loaded.
    /// - Throws: ``ServerError/badRevocations(path:field:reason:)``; the previous list stays,
    ///   ``isHealthy`` turns false, and the next call tries again.
    @discardableResult
    public func reloadIfChanged() throws(ServerError) -> Bool {
        guard let folder else { return false }
        let stamp = Self.stamp(of: folder)
        guard stamp != current.withLock({ $0.stamp }) else { return false }
        let list: TokenRevocations
        do {
            list = try TokenRevocations.load(fromFolder: folder, missingIsEmpty: false)
        } catch {
            current.withLock { $0.healthy = false }
            throw error
        }
        current.withLock { $0 = (list, stamp, true) }
        return true
    }
}

/// A verification key of an external identity provider, from a JSON Web Key Set (`--jwks FILE`):
/// an Ed25519 public key (`"kty": "OKP"`, `"crv": "Ed25519"`, algorithm EdDSA) or an HMAC secret
/// (`"kty": "oct"`, algorithm HS256). Every key needs a `kid` and an `alg`: the algorithm is
/// pinned per key, so a token naming another algorithm for that `kid` is refused before any
/// signature check.
public struct ExternalKey: Sendable, Equatable {
    /// The pinned algorithm.
    public enum Algorithm: String, Sendable, Equatable {
        /// Ed25519 signatures.
        case eddsa = "EdDSA"
        /// HMAC-SHA256.
        case hs256 = "HS256"
    }

    /// The key id.
    public var kid: String
    /// The pinned algorithm.
    public var algorithm: Algorithm
    /// The Ed25519 public key (32 bytes) or the HMAC secret.
    public var material: [UInt8]

    /// Creates a key.
    public init(kid: String, algorithm: Algorithm, material: [UInt8]) {
        self.kid = kid
        self.algorithm = algorithm
        self.material = material
    }

    /// Reads a JSON Web Key Set.
    ///
    /// - Parameter path: the file.
    /// - Returns: its keys.
    /// - Throws: ``ServerError/badJWKS(path:field:reason:)`` naming the entry and field at fault.
    public static func loadSet(path: String) throws(ServerError) -> [ExternalKey] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .badJWKS(path: path, field: "(file)", reason: "no such file or not readable")
        }
        let keys = try parseSet(data, path: path)
        // An HS256 entry is a shared secret: the file is a secret file (mode 0600, ours).
        if let index = keys.firstIndex(where: { $0.algorithm == .hs256 }) {
            try SecretFileMode.check(path: path, holding: "an HS256 secret (keys[\(index)].k)")
        }
        return keys
    }

    /// Parses a JSON Web Key Set.
    ///
    /// - Parameters:
    ///   - data: the JSON.
    ///   - path: the file's name, for errors.
    /// - Returns: its keys.
    /// - Throws: ``ServerError/badJWKS(path:field:reason:)``.
    public static func parseSet(_ data: Data, path: String) throws(ServerError) -> [ExternalKey] {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let entries = object["keys"] as? [[String: Any]] else {
            throw .badJWKS(path: path, field: "keys", reason: "expected {\"keys\": [ … ]}")
        }
        guard !entries.isEmpty else { throw .badJWKS(path: path, field: "keys", reason: "the set holds no key") }
        var keys: [ExternalKey] = []
        for (index, entry) in entries.enumerated() {
            let at = "keys[\(index)]"
            guard let kid = entry["kid"] as? String, !kid.isEmpty, kid.count <= 200 else {
                throw .badJWKS(path: path, field: "\(at).kid", reason: "every key needs a kid (1 to 200 characters)")
            }
            guard !keys.contains(where: { $0.kid == kid }) else {
                throw .badJWKS(path: path, field: "\(at).kid", reason: "the kid is used by an earlier key")
            }
            if let use = entry["use"] as? String, use != "sig" {
                throw .badJWKS(path: path, field: "\(at).use", reason: "expected \"sig\", found \"\(use)\"")
            }
            guard let alg = entry["alg"] as? String else {
                throw .badJWKS(path: path, field: "\(at).alg", reason: "every key must pin its algorithm (EdDSA or HS256)")
            }
            switch ((entry["kty"] as? String) ?? "", alg) {
            case ("OKP", "EdDSA"):
                guard entry["crv"] as? String == "Ed25519" else {
                    throw .badJWKS(path: path, field: "\(at).crv", reason: "only Ed25519 is accepted")
                }
                guard entry["d"] == nil else {
                    throw .badJWKS(path: path, field: "\(at).d", reason: "a private key: the server needs the public key only")
                }
                guard let x = (entry["x"] as? String).flatMap({ TokenAuthority.base64URLDecode(Substring($0)) }), x.count == 32 else {
                    throw .badJWKS(path: path, field: "\(at).x", reason: "expected the 32-byte Ed25519 public key, base64url")
                }
                keys.append(ExternalKey(kid: kid, algorithm: .eddsa, material: Array(x)))
            case ("oct", "HS256"):
                guard let k = (entry["k"] as? String).flatMap({ TokenAuthority.base64URLDecode(Substring($0)) }), k.count >= 32 else {
                    throw .badJWKS(path: path, field: "\(at).k", reason: "expected an HMAC secret of at least 32 bytes, base64url")
                }
                keys.append(ExternalKey(kid: kid, algorithm: .hs256, material: Array(k)))
            case (let kty, _):
                throw .badJWKS(path: path, field: "\(at).alg", reason: "\(kty.isEmpty ? "(no kty)" : kty) with \(alg) is not accepted; use OKP/Ed25519 with EdDSA or oct with HS256")
            }
        }
        return keys
    }
}

/// The key-file rule of `DESIGN.md` section 1 for the server's secret files: mode 0600 (no
/// access for group or others) and owned by the user running the server.
enum SecretFileMode {
    /// Refuses a secret file that group or others may access, or that another user owns.
    ///
    /// - Parameters:
    ///   - path: the file.
    ///   - holding: what secret it holds, for the message.
    /// - Throws: ``ServerError/insecureSecretFile(path:reason:)`` (exit 64).
    static func check(path: String, holding: String) throws(ServerError) {
        var info = stat()
        guard stat(path, &info) == 0 else { return }
        let mode = Int(info.st_mode) & 0o777
        if mode & 0o077 != 0 {
            throw .insecureSecretFile(path: path, reason: "holds \(holding) and its mode \(String(mode, radix: 8)) lets group or others read it; secret files must be mode 600")
        }
        if info.st_uid != geteuid() {
            throw .insecureSecretFile(path: path, reason: "holds \(holding) and is owned by user \(info.st_uid), not by the user running the server (\(geteuid()))")
        }
    }
}
