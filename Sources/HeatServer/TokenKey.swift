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
    }

    /// Writes the key as `folder/token.key` (kind 50, mode 0600), creating the folder.
    ///
    /// - Parameter folder: the token-keys folder.
    /// - Throws: ``ServerError/tokenKeyExists(path:)`` when a key is there already,
    ///   ``ServerError/unwritable(path:reason:)`` on an I/O failure.
    public func write(toFolder folder: String) throws(ServerError) {
        let url = URL(filePath: folder).appending(path: Self.fileName)
        guard !FileManager.default.fileExists(atPath: url.path) else { throw .tokenKeyExists(path: url.path) }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .unwritable(path: folder, reason: error.localizedDescription)
        }
        let payload = Payload(schema: Self.schema, algorithm: "HS256", issuer: issuer, audience: audience,
                              secret: secret.map { String(format: "%02x", $0) }.joined())
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
        let url = URL(filePath: folder).appending(path: fileName)
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
        return TokenKey(secret: bytes, issuer: payload.issuer, audience: payload.audience)
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
