import Crypto
import Foundation
import HeatEnvelope

/// The API server's own token key (envelope kind 50, ``EnvelopeKind/serverTokenKey``): a 256-bit
/// HS256 secret with the pinned issuer and audience every token must carry.
///
/// The key is separate from every key of the bank's role folders: it signs and checks the
/// server's JWTs and nothing else. `heatctl token keygen --token-keys DIR` writes it as
/// `DIR/token.key` (mode 0600).
///
/// ```swift
/// let key = TokenKey.generate()
/// try key.write(toFolder: "token-keys")
/// let loaded = try TokenKey.load(fromFolder: "token-keys")
/// ```
public struct TokenKey: Sendable, Equatable {
    /// The payload schema.
    public static let schema = "customerheat.token-key/1"
    /// The file name inside the token-keys folder.
    public static let fileName = "token.key"
    /// The default `iss` claim.
    public static let defaultIssuer = "customerheat"
    /// The default `aud` claim.
    public static let defaultAudience = "customerheat-api"

    /// The HMAC secret (32 bytes).
    public var secret: [UInt8]
    /// The issuer every token must name.
    public var issuer: String
    /// The audience every token must name.
    public var audience: String
    /// The key's generation in its folder (1 for `token.key`, n for `token-n.key`): the newest
    /// generation signs new tokens, every generation still verifies the tokens it signed.
    public var generation: Int = 1

    /// The key identifier written as the token's `kid`: the first 16 hex digits of SHA-256 of the
    /// secret (never the secret itself).
    public var keyID: String {
        String(SHA256.hash(data: secret).map { String(format: "%02x", $0) }.joined().prefix(16))
    }

    /// Creates a key.
    ///
    /// - Parameters:
    ///   - secret: at least 32 bytes.
    ///   - issuer: the `iss` claim.
    ///   - audience: the `aud` claim.
    public init(secret: [UInt8], issuer: String = defaultIssuer, audience: String = defaultAudience) {
        self.secret = secret
        self.issuer = issuer
        self.audience = audience
    }

    /// A new key with 32 bytes from the system's CSPRNG.
    ///
    /// - Parameters:
    ///   - issuer: the `iss` claim.
    ///   - audience: the `aud` claim.
    /// - Returns: the key.
    public static func generate(issuer: String = defaultIssuer, audience: String = defaultAudience) -> TokenKey {
        let key = SymmetricKey(size: .bits256)
        return TokenKey(secret: key.withUnsafeBytes { Array($0) }, issuer: issuer, audience: audience)
    }

    private struct Payload: Codable {
        var schema: String
        var algorithm: String
        var issuer: String
        var audience: String
        var secret: String
        var generation: Int?
    }

    /// Writes the key as `folder/token.key` (kind 50, mode 0600), creating the folder.
    ///
    /// - Parameter folder: the token-keys folder.
    /// - Throws: ``ServerError/tokenKeyExists(path:)`` when a key is there already,
    ///   ``ServerError/unwritable(path:reason:)`` on an I/O failure.
    public func write(toFolder folder: String) throws(ServerError) {
        try write(toFolder: folder, fileName: Self.fileName)
    }

    /// The file name of generation `generation`: `token.key` for 1, `token-n.key` after.
    public static func fileName(generation: Int) -> String {
        generation <= 1 ? fileName : "token-\(generation).key"
    }

    /// Adds a new generation to the folder: `token.key` when it holds none, else
    /// `token-n.key` with n one past the newest, with the newest key's issuer and audience unless
    /// given. Older generations stay, so the tokens they signed verify until they expire.
    ///
    /// - Parameters:
    ///   - folder: the token-keys folder (created when missing).
    ///   - issuer: the `iss` claim (default: the newest key's, else ``defaultIssuer``).
    ///   - audience: the `aud` claim (default: the newest key's, else ``defaultAudience``).
    /// - Returns: the new key.
    /// - Throws: ``ServerError`` when the folder holds a corrupt key or cannot be written.
    @discardableResult
    public static func addGeneration(toFolder folder: String, issuer: String? = nil, audience: String? = nil) throws(ServerError) -> TokenKey {
        let existing: [TokenKey]
        do {
            existing = try loadAll(fromFolder: folder)
        } catch {
            guard case .missingTokenKey = error else { throw error }
            existing = []
        }
        let newest = existing.last
        var key = generate(issuer: issuer ?? newest?.issuer ?? defaultIssuer, audience: audience ?? newest?.audience ?? defaultAudience)
        key.generation = (newest?.generation ?? 0) + 1
        try key.write(toFolder: folder, fileName: fileName(generation: key.generation))
        return key
    }

    /// Every generation in the folder (`token.key`, `token-n.key`), oldest first.
    ///
    /// - Parameter folder: the token-keys folder.
    /// - Returns: the keys, sorted by generation.
    /// - Throws: ``ServerError/missingTokenKey(folder:)`` when there is none,
    ///   ``ServerError/badTokenKey(path:field:reason:)`` naming the file and field of a bad one.
    public static func loadAll(fromFolder folder: String) throws(ServerError) -> [TokenKey] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { name in
            name == fileName || (name.hasPrefix("token-") && name.hasSuffix(".key") && Int(name.dropFirst(6).dropLast(4)) != nil)
        }
        var keys: [TokenKey] = []
        for name in names {
            var key = try load(file: URL(filePath: folder).appending(path: name), folder: folder)
            let fromName = name == fileName ? 1 : Int(name.dropFirst(6).dropLast(4)) ?? 1
            if key.generation != fromName {
                throw .badTokenKey(path: URL(filePath: folder).appending(path: name).path, field: "generation",
                                   reason: "the file is named for generation \(fromName) but records \(key.generation)")
            }
            key.generation = fromName
            keys.append(key)
        }
        guard !keys.isEmpty else { throw .missingTokenKey(folder: folder) }
        return keys.sorted { $0.generation < $1.generation }
    }

    func write(toFolder folder: String, fileName: String) throws(ServerError) {
        let url = URL(filePath: folder).appending(path: fileName)
        guard !FileManager.default.fileExists(atPath: url.path) else { throw .tokenKeyExists(path: url.path) }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .unwritable(path: folder, reason: error.localizedDescription)
        }
        let payload = Payload(schema: Self.schema, algorithm: "HS256", issuer: issuer, audience: audience,
                              secret: secret.map { String(format: "%02x", $0) }.joined(), generation: generation)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            let data = try encoder.encode(payload)
            try Envelope(kind: .serverTokenKey, payload: data).write(to: url)
        } catch {
            throw .unwritable(path: url.path, reason: "\(error)")
        }
    }

    /// Loads `folder/token.key`.
    ///
    /// - Parameter folder: the token-keys folder.
    /// - Returns: the key.
    /// - Throws: ``ServerError/missingTokenKey(folder:)`` or ``ServerError/badTokenKey(path:field:reason:)``
    ///   naming the field at fault.
    public static func load(fromFolder folder: String) throws(ServerError) -> TokenKey {
        let all = try loadAll(fromFolder: folder)
        guard let newest = all.last else { throw .missingTokenKey(folder: folder) }
        return newest
    }

    static func load(file url: URL, folder: String) throws(ServerError) -> TokenKey {
        if FileManager.default.fileExists(atPath: url.path) {
            try SecretFileMode.check(path: url.path, holding: "a token key (HS256 secret)")
        }
        let envelope: Envelope
        do {
            envelope = try Envelope.read(from: url, expecting: .serverTokenKey)
        } catch {
            if case .missingFile = error { throw .missingTokenKey(folder: folder) }
            throw .badTokenKey(path: url.path, field: "(envelope)", reason: error.description)
        }
        let payload: Payload
        do {
            payload = try JSONDecoder().decode(Payload.self, from: envelope.payload)
        } catch {
            throw .badTokenKey(path: url.path, field: "(payload)", reason: "not a token key JSON object")
        }
        guard payload.schema == schema else {
            throw .badTokenKey(path: url.path, field: "schema", reason: "expected \"\(schema)\", found \"\(payload.schema)\"")
        }
        guard payload.algorithm == "HS256" else {
            throw .badTokenKey(path: url.path, field: "algorithm", reason: "expected \"HS256\", found \"\(payload.algorithm)\"")
        }
        guard let bytes = Self.hexBytes(payload.secret), bytes.count >= 32 else {
            throw .badTokenKey(path: url.path, field: "secret", reason: "expected at least 64 hex digits")
        }
        guard !payload.issuer.isEmpty else { throw .badTokenKey(path: url.path, field: "issuer", reason: "must not be empty") }
        guard !payload.audience.isEmpty else { throw .badTokenKey(path: url.path, field: "audience", reason: "must not be empty") }
        guard (payload.generation ?? 1) >= 1 else { throw .badTokenKey(path: url.path, field: "generation", reason: "must be 1 or more") }
        var key = TokenKey(secret: bytes, issuer: payload.issuer, audience: payload.audience)
        key.generation = payload.generation ?? 1
        return key
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
