import Foundation
import JWTKit

/// Who a verified token speaks for: the policy role and, for a role that sees its own clients,
/// the manager reference (`M-…`, a pseudonym).
public struct Identity: Sendable, Equatable {
    /// The policy role (`role` claim).
    public var role: String
    /// The manager reference (`manager` claim), if any.
    public var manager: String?
    /// The token's subject (`sub`), an operator-chosen name, never a client identifier.
    public var subject: String
    /// The token's identifier (`jti`), the key of the per-token rate limit.
    public var tokenID: String
    /// When the token expires.
    public var expires: Date

    /// Creates an identity.
    public init(role: String, manager: String?, subject: String, tokenID: String, expires: Date) {
        self.role = role
        self.manager = manager
        self.subject = subject
        self.tokenID = tokenID
        self.expires = expires
    }
}

/// Why a token was refused. ``code`` is the stable error code of the 401 answer; ``reason`` is
/// for the server's log only.
public struct TokenRefusal: Error, Sendable, Equatable {
    /// The stable code: `malformed_token`, `unsupported_algorithm`, `bad_signature`, `expired_token`,
    /// `token_not_yet_valid`, `wrong_issuer`, `wrong_audience`, `missing_claim`.
    public var code: String
    /// A sentence for the log.
    public var reason: String

    /// The 401 answer.
    public var apiError: APIError {
        APIError(status: .unauthorized, code: code, message: "the bearer token was refused (\(code.replacingOccurrences(of: "_", with: " ")))")
    }
}

/// The JWT claims the server issues and accepts.
struct HeatClaims: JWTPayload {
    var sub: SubjectClaim
    var iss: IssuerClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim
    var iat: IssuedAtClaim
    var jti: IDClaim
    var role: String
    var manager: String?

    /// The time claims are checked by ``TokenAuthority`` with its bounded clock skew.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Issues and verifies the server's JWTs with one pinned algorithm, HS256.
///
/// Verification refuses, before any signature check, a token whose header names another
/// algorithm (`none`, `RS256`, `HS512`, …) or another key id; then it checks the HMAC through
/// jwt-kit, and the `exp`, `nbf`, `iss` and `aud` claims with a clock skew of at most
/// ``maximumSkew`` seconds.
///
/// ```swift
/// let authority = await TokenAuthority(key: TokenKey.generate())
/// let token = try await authority.issue(role: "executive", subject: "ops", ttl: 3600)
/// let identity = try await authority.verify(token)   // role "executive"
/// ```
public struct TokenAuthority: Sendable {
    /// The largest clock skew tolerated on `exp` and `nbf`.
    public static let maximumSkew: TimeInterval = 60
    /// The longest lifetime `issue` accepts (24 hours).
    public static let maximumTTL: TimeInterval = 86_400

    /// The key.
    public let key: TokenKey
    /// The skew tolerated (at most ``maximumSkew``).
    public let skew: TimeInterval
    private let keys: JWTKeyCollection

    /// Creates an authority over `key`.
    ///
    /// - Parameters:
    ///   - key: the server's token key.
    ///   - skew: the clock skew tolerated, clamped to `0...maximumSkew`.
    public init(key: TokenKey, skew: TimeInterval = 30) async {
        self.key = key
        self.skew = min(max(skew, 0), Self.maximumSkew)
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: key.secret), digestAlgorithm: .sha256, kid: JWKIdentifier(string: key.keyID))
        self.keys = keys
    }

    /// Issues a token.
    ///
    /// - Parameters:
    ///   - role: the policy role.
    ///   - manager: the manager reference for a role that sees its own clients.
    ///   - subject: who the token is for (an operator name, never a client identifier).
    ///   - ttl: the lifetime in seconds (1 s to 24 h).
    ///   - now: the issuing time.
    /// - Returns: the compact JWT.
    /// - Throws: ``ServerError/invalidOption(option:reason:)`` for a lifetime out of range.
    public func issue(role: String, manager: String? = nil, subject: String = "heatctl", ttl: TimeInterval, now: Date = Date()) async throws -> String {
        guard ttl >= 1, ttl <= Self.maximumTTL else {
            throw ServerError.invalidOption(option: "--ttl", reason: "the lifetime must be between 1 s and 24 h")
        }
        let claims = HeatClaims(
            sub: SubjectClaim(value: subject), iss: IssuerClaim(value: key.issuer), aud: AudienceClaim(value: [key.audience]),
            exp: ExpirationClaim(value: now.addingTimeInterval(ttl)), nbf: NotBeforeClaim(value: now),
            iat: IssuedAtClaim(value: now), jti: IDClaim(value: UUID().uuidString.lowercased()), role: role, manager: manager)
        var header = JWTHeader()
        header.typ = "JWT"
        return try await keys.sign(claims, kid: JWKIdentifier(string: key.keyID), header: header)
    }

    /// Verifies a token.
    ///
    /// - Parameters:
    ///   - token: the compact JWT.
    ///   - now: the checking time.
    /// - Returns: the identity it carries.
    /// - Throws: ``TokenRefusal`` naming the first check that failed.
    public func verify(_ token: String, now: Date = Date()) async throws(TokenRefusal) -> Identity {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count <= 8192, parts.count == 3, let headerData = Self.base64URLDecode(parts[0]),
              let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw TokenRefusal(code: "malformed_token", reason: "not a compact JWS")
        }
        // The algorithm is pinned: anything but HS256 (none, RS256, HS512, …) is refused before
        // the signature is looked at.
        guard let alg = header["alg"] as? String, alg == "HS256" else {
            throw TokenRefusal(code: "unsupported_algorithm", reason: "the header names algorithm \((header["alg"] as? String) ?? "(none)"); only HS256 is accepted")
        }
        if let kid = header["kid"] {
            guard let kid = kid as? String, kid == key.keyID else {
                throw TokenRefusal(code: "bad_signature", reason: "the token names another key id")
            }
        }
        if let crit = header["crit"], !(crit is NSNull) {
            throw TokenRefusal(code: "malformed_token", reason: "critical header extensions are not supported")
        }
        let claims: HeatClaims
        do {
            claims = try await keys.verify(token, as: HeatClaims.self)
        } catch {
            if let jwtError = error as? JWTError, jwtError.errorType == .signatureVerificationFailed {
                throw TokenRefusal(code: "bad_signature", reason: "the signature does not verify")
            }
            throw TokenRefusal(code: "bad_signature", reason: "the token does not verify or lacks a claim")
        }
        guard now.timeIntervalSince(claims.exp.value) <= skew else {
            throw TokenRefusal(code: "expired_token", reason: "expired at \(claims.exp.value)")
        }
        guard claims.nbf.value.timeIntervalSince(now) <= skew else {
            throw TokenRefusal(code: "token_not_yet_valid", reason: "not valid before \(claims.nbf.value)")
        }
        guard claims.iss.value == key.issuer else {
            throw TokenRefusal(code: "wrong_issuer", reason: "issuer is not the pinned issuer")
        }
        guard claims.aud.value.contains(key.audience) else {
            throw TokenRefusal(code: "wrong_audience", reason: "audience does not include \(key.audience)")
        }
        guard !claims.role.isEmpty else {
            throw TokenRefusal(code: "missing_claim", reason: "the role claim is empty")
        }
        return Identity(role: claims.role, manager: claims.manager, subject: claims.sub.value, tokenID: claims.jti.value,
                        expires: claims.exp.value)
    }

    static func base64URLDecode(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
