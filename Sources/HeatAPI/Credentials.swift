import Foundation

/// The bearer token in an `Authorization` header.
///
/// ```swift
/// try BearerCredential.token(inAuthorization: "Bearer eyJ…")   // "eyJ…"
/// ```
public enum BearerCredential {
    /// The token of `Bearer <token>` (the scheme is case-insensitive).
    ///
    /// - Parameter header: the `Authorization` header's value.
    /// - Returns: the token text, not yet verified.
    /// - Throws: ``CredentialError/notBearer`` for any other shape.
    public static func token(inAuthorization header: String) throws(CredentialError) -> String {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw .notBearer }
        return String(parts[1])
    }
}

/// The protected header of a compact JWS, read before any key or signature is looked at: the
/// part of token verification that needs no key and no jwt-kit.
///
/// The claims are decoded by jwt-kit only after the signature verifies
/// (`HeatServer.TokenAuthority`), so a client without a key reaches nothing but this header.
///
/// ```swift
/// let header = try JWSHeader.parse(token)
/// header.algorithm   // "HS256"
/// header.keyID       // "k-2026-11"
/// ```
public struct JWSHeader: Sendable, Equatable {
    /// The longest token read, in bytes.
    public static let maximumTokenBytes = 8192
    /// The algorithms the server knows; any other (`none`, `RS256`, `HS512`, …) is refused here.
    public static let acceptedAlgorithms: Set<String> = ["HS256", "EdDSA"]

    /// The `alg` header: one of ``acceptedAlgorithms``.
    public var algorithm: String
    /// The `kid` header.
    public var keyID: String
    /// Whether the header has a `crit` member that is not `null` (refused by the server after the
    /// key id's pin is checked).
    public var hasCriticalExtensions: Bool

    /// Creates a header.
    ///
    /// - Parameters:
    ///   - algorithm: the `alg`.
    ///   - keyID: the `kid`.
    ///   - hasCriticalExtensions: whether `crit` is present and not `null`.
    public init(algorithm: String, keyID: String, hasCriticalExtensions: Bool = false) {
        self.algorithm = algorithm
        self.keyID = keyID
        self.hasCriticalExtensions = hasCriticalExtensions
    }

    /// Reads the header of a compact JWS.
    ///
    /// - Parameter token: the token text.
    /// - Returns: the algorithm, key id and whether critical extensions are named.
    /// - Throws: in this order, ``CredentialError/malformedToken(reason:)`` (longer than
    ///   ``maximumTokenBytes``, not three parts, a header that is not base64url of a JSON object),
    ///   ``CredentialError/unsupportedAlgorithm(_:)``, ``CredentialError/missingKeyID``, and
    ///   ``CredentialError/malformedToken(reason:)`` for a `kid` that is not a string.
    public static func parse(_ token: String) throws(CredentialError) -> JWSHeader {
        // The size first: nothing of a longer token is split or decoded.
        guard token.utf8.count <= maximumTokenBytes else { throw .malformedToken(reason: "not a compact JWS") }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Base64URL.decode(parts[0]),
              let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw .malformedToken(reason: "not a compact JWS")
        }
        guard let alg = header["alg"] as? String, acceptedAlgorithms.contains(alg) else {
            throw .unsupportedAlgorithm(header["alg"] as? String)
        }
        // Every token the server issues names its key; a token without one would be verified by
        // jwt-kit's default key while the pin and revocation checks looked at another.
        guard let raw = header["kid"] else { throw .missingKeyID }
        guard let kid = raw as? String else { throw .malformedToken(reason: "the kid header is not a string") }
        let critical = header["crit"].map { !($0 is NSNull) } ?? false
        // jwt-kit reads the header again with `JSONDecoder` and picks its key from its own `kid`.
        // With a repeated member the two parsers may keep different copies (corelibs
        // `JSONSerialization` keeps the last, `JSONDecoder` the first), so the pin and revocation
        // checks would look at one key while jwt-kit verifies with another: a header the two do
        // not read the same way is refused.
        guard let probe = try? JSONDecoder().decode(HeaderProbe.self, from: headerData),
              probe.alg == alg, probe.kid == kid, probe.critical == critical else {
            throw .malformedToken(reason: "the header repeats a member or is read differently by the JWT decoder")
        }
        return JWSHeader(algorithm: alg, keyID: kid, hasCriticalExtensions: critical)
    }

    /// The header as `JSONDecoder` (jwt-kit's reader) sees it.
    private struct HeaderProbe: Decodable {
        var alg: String?
        var kid: String?
        var critical: Bool

        enum CodingKeys: String, CodingKey { case alg, kid, crit }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            alg = try container.decodeIfPresent(String.self, forKey: .alg)
            kid = try container.decodeIfPresent(String.self, forKey: .kid)
            critical = container.contains(.crit) ? !(try container.decodeNil(forKey: .crit)) : false
        }
    }
}

/// Base64url without padding (RFC 7515 section 2), as JWS and JWKS use it.
public enum Base64URL {
    /// Encodes bytes.
    ///
    /// - Parameter bytes: the bytes.
    /// - Returns: base64url text without `=` padding.
    public static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes base64url text, padded or not.
    ///
    /// - Parameter text: the text.
    /// - Returns: the bytes, or `nil` when the text is not base64url.
    public static func decode(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        // Pad on the byte count: a grapheme count (`String.count`) differs from it for
        // non-ASCII text, which is refused below anyway.
        let remainder = base64.utf8.count % 4
        if remainder != 0 { base64 += String(repeating: "=", count: 4 - remainder) }
        return Data(base64Encoded: base64)
    }
}

/// The dashboard's session cookie in a `Cookie` header.
///
/// ```swift
/// SessionCookie.sessionID(inCookieHeader: "theme=dark; heat_session=abc")   // "abc"
/// ```
public enum SessionCookie {
    /// The cookie's name.
    public static let name = "heat_session"

    /// The value of the `heat_session` cookie, if any (the first one).
    ///
    /// - Parameter header: the `Cookie` header's value.
    /// - Returns: the session id, not yet looked up.
    public static func sessionID(inCookieHeader header: String) -> String? {
        for part in header.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces)
            if pair.hasPrefix("\(name)=") { return String(pair.dropFirst(name.count + 1)) }
        }
        return nil
    }
}
