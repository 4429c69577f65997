import Foundation
import JWTKit
import Crypto
import Synchronization

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
    /// The key id (`kid`) the token was verified with, checked against the live revocation list
    /// for as long as the identity is used (dashboard sessions, event streams).
    public var keyID: String?

    /// Creates an identity.
    public init(role: String, manager: String?, subject: String, tokenID: String, expires: Date, keyID: String? = nil) {
        self.role = role
        self.manager = manager
        self.subject = subject
        self.tokenID = tokenID
        self.expires = expires
        self.keyID = keyID
    }
}

/// Why a token was refused. ``code`` is the stable error code of the 401 answer; ``reason`` is
/// for the server's log only.
public struct TokenRefusal: Error, Sendable, Equatable {
    /// The stable code: `malformed_token`, `unsupported_algorithm`, `bad_signature`, `expired_token`,
    /// `token_not_yet_valid`, `wrong_issuer`, `wrong_audience`, `missing_claim`, `revoked_token`.
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

/// Issues and verifies JWTs with an algorithm pinned per key id.
///
/// The server's own keys (every generation of the token-keys folder, ``TokenKey``) are HS256;
/// keys of an external identity provider (``ExternalKey``, `--jwks FILE`) are EdDSA (Ed25519) or
/// HS256, each pinned. Verification refuses, before any signature check, a header naming an
/// algorithm other than the `kid`'s pinned one (`none`, `RS256`, an HS256 token for an EdDSA
/// key, …), an unknown `kid`, a JWKS key without `kid`, and a revoked `kid`; then it checks the
/// signature through jwt-kit, a revoked `jti`, and the `exp`, `nbf`, `iss` and `aud` claims with
/// a clock skew of at most ``maximumSkew`` seconds. The newest generation that is not revoked
/// signs new tokens; older generations keep verifying the tokens they signed until they expire.
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

    /// The newest generation of the server's own keys.
    public let key: TokenKey
    /// Every generation of the server's own keys, oldest first.
    public let keys: [TokenKey]
    /// The external identity provider's keys.
    public let external: [ExternalKey]
    /// The issuer and audience an external provider's tokens must carry.
    public let externalIssuer: String
    /// The audience an external provider's tokens must carry.
    public let externalAudience: String
    /// The revoked key ids and token ids.
    public let revocations: RevocationList
    /// The skew tolerated (at most ``maximumSkew``).
    public let skew: TimeInterval
    private let collection: JWTKeyCollection

    /// What a `kid` is pinned to.
    struct Pin: Sendable {
        var algorithm: String
        var issuer: String
        var audience: String
    }
    private let pins: [String: Pin]
    /// Tokens whose signature and fixed claims already verified (``VerifiedTokenCache``).
    let verified: VerifiedTokenCache

    /// Creates an authority over one key.
    ///
    /// - Parameters:
    ///   - key: the server's token key.
    ///   - skew: the clock skew tolerated, clamped to `0...maximumSkew`.
    public init(key: TokenKey, skew: TimeInterval = 30) async {
        self = await TokenAuthority(own: [key], external: [], externalIssuer: key.issuer, externalAudience: key.audience,
                                    revocations: RevocationList(), skew: skew)
    }

    /// Creates an authority over every generation of the server's keys and an external
    /// provider's keys.
    ///
    /// - Parameters:
    ///   - keys: the server's own keys (at least one), oldest first.
    ///   - external: the `--jwks` keys.
    ///   - externalIssuer: the `iss` external tokens must carry (default: the newest own key's).
    ///   - externalAudience: the `aud` external tokens must carry (default: the newest own key's).
    ///   - revocations: the live revocation list.
    ///   - skew: the clock skew tolerated, clamped to `0...maximumSkew`.
    /// - Throws: ``ServerError/missingTokenKey(folder:)`` without a key,
    ///   ``ServerError/badJWKS(path:field:reason:)`` when an external `kid` is also an own key id.
    public init(keys: [TokenKey], external: [ExternalKey] = [], externalIssuer: String? = nil, externalAudience: String? = nil,
                revocations: RevocationList = RevocationList(), skew: TimeInterval = 30) async throws(ServerError) {
        guard let newest = keys.last else { throw .missingTokenKey(folder: revocations.folder ?? "(none)") }
        let own = Set(keys.map(\.keyID))
        if let clash = external.first(where: { own.contains($0.kid) }) {
            throw .badJWKS(path: "--jwks", field: "kid \(clash.kid)", reason: "also the id of one of the server's own token keys")
        }
        // Every key must be usable: a key that cannot be added refuses the start, never a
        // silently smaller key set.
        var edKeys: [String: EdDSA.PublicKey] = [:]
        for key in external where key.algorithm == .eddsa {
            do {
                edKeys[key.kid] = try EdDSA.PublicKey(x: Self.base64URLEncode(key.material), curve: .ed25519)
            } catch {
                throw .badJWKS(path: "--jwks", field: "kid \(key.kid)", reason: "not a usable Ed25519 public key")
            }
        }
        self = await TokenAuthority(own: keys, external: external, edKeys: edKeys, externalIssuer: externalIssuer ?? newest.issuer,
                                    externalAudience: externalAudience ?? newest.audience, revocations: revocations, skew: skew)
    }

    private init(own keys: [TokenKey], external: [ExternalKey], edKeys: [String: EdDSA.PublicKey] = [:], externalIssuer: String,
                 externalAudience: String, revocations: RevocationList, skew: TimeInterval) async {
        self.keys = keys
        self.key = keys[keys.count - 1]
        self.external = external
        self.externalIssuer = externalIssuer
        self.externalAudience = externalAudience
        self.revocations = revocations
        self.skew = min(max(skew, 0), Self.maximumSkew)
        self.verified = VerifiedTokenCache()
        let collection = JWTKeyCollection()
        var pins: [String: Pin] = [:]
        for key in keys {
            await collection.add(hmac: HMACKey(from: key.secret), digestAlgorithm: .sha256, kid: JWKIdentifier(string: key.keyID))
            pins[key.keyID] = Pin(algorithm: "HS256", issuer: key.issuer, audience: key.audience)
        }
        for key in external {
            switch key.algorithm {
            case .hs256:
                await collection.add(hmac: HMACKey(from: key.material), digestAlgorithm: .sha256, kid: JWKIdentifier(string: key.kid))
            case .eddsa:
                // Parsed (or refused) by the public initialiser; a key missing here gets no pin.
                guard let publicKey = edKeys[key.kid] else { continue }
                await collection.add(eddsa: publicKey, kid: JWKIdentifier(string: key.kid))
            }
            pins[key.kid] = Pin(algorithm: key.algorithm.rawValue, issuer: externalIssuer, audience: externalAudience)
        }
        self.collection = collection
        self.pins = pins
    }

    /// The newest own key generation that is not revoked: the one that signs.
    ///
    /// - Throws: ``ServerError/noSigningKey(folder:)`` when every generation is revoked.
    public func signingKey() throws(ServerError) -> TokenKey {
        let revoked = revocations.list.kids
        guard let key = keys.last(where: { !revoked.contains($0.keyID) }) else {
            throw .noSigningKey(folder: revocations.folder ?? "(token keys)")
        }
        return key
    }

    /// Issues a token with the newest own key generation that is not revoked.
    ///
    /// - Parameters:
    ///   - role: the policy role.
    ///   - manager: the manager reference for a role that sees its own clients.
    ///   - subject: who the token is for (an operator name, never a client identifier).
    ///   - ttl: the lifetime in seconds (1 s to 24 h).
    ///   - now: the issuing time.
    /// - Returns: the compact JWT.
    /// - Throws: ``ServerError/invalidOption(option:reason:)`` for a lifetime out of range,
    ///   ``ServerError/noSigningKey(folder:)`` when every generation is revoked.
    public func issue(role: String, manager: String? = nil, subject: String = "heatctl", ttl: TimeInterval, now: Date = Date()) async throws -> String {
        guard ttl >= 1, ttl <= Self.maximumTTL else {
            throw ServerError.invalidOption(option: "--ttl", reason: "the lifetime must be between 1 s and 24 h")
        }
        let key = try signingKey()
        let claims = HeatClaims(
            sub: SubjectClaim(value: subject), iss: IssuerClaim(value: key.issuer), aud: AudienceClaim(value: [key.audience]),
            exp: ExpirationClaim(value: now.addingTimeInterval(ttl)), nbf: NotBeforeClaim(value: now),
            iat: IssuedAtClaim(value: now), jti: IDClaim(value: UUID().uuidString.lowercased()), role: role, manager: manager)
        var header = JWTHeader()
        header.typ = "JWT"
        return try await collection.sign(claims, kid: JWKIdentifier(string: key.keyID), header: header)
    }

    /// Verifies a token.
    ///
    /// - Parameters:
    ///   - token: the compact JWT.
    ///   - now: the checking time.
    /// - Returns: the identity it carries.
    /// - Throws: ``TokenRefusal`` naming the first check that failed.
    ///
    /// A token that verified before is found in a small bounded cache keyed by its SHA-256
    /// (``VerifiedTokenCache``): its signature, header, issuer and audience cannot have changed,
    /// so only the checks that depend on the time and on the live revocation list run again
    /// (revoked `kid` / `jti`, `exp`, `nbf`), in the same order and with the same codes as a full
    /// verification.
    public func verify(_ token: String, now: Date = Date()) async throws(TokenRefusal) -> Identity {
        let digest = token.utf8.count <= 8192 ? SHA256.hash(data: Array(token.utf8)) : nil
        if let digest, let hit = verified.lookup(digest) {
            try checkLive(identity: hit.identity, notBefore: hit.notBefore, now: now)
            return hit.identity
        }
        let (identity, notBefore) = try await verifyFully(token, now: now)
        if let digest { verified.store(digest, identity: identity, notBefore: notBefore, now: now) }
        return identity
    }

    /// The checks a cached token still needs: revocation (key id, then token id) and the
    /// token's validity window at `now`.
    func checkLive(identity: Identity, notBefore: Date, now: Date) throws(TokenRefusal) {
        let revoked = revocations.list
        if let kid = identity.keyID, revoked.kids.contains(kid) {
            throw TokenRefusal(code: "revoked_token", reason: "key \(kid) is revoked")
        }
        guard !revoked.jtis.contains(identity.tokenID) else {
            throw TokenRefusal(code: "revoked_token", reason: "the token id is revoked")
        }
        guard now.timeIntervalSince(identity.expires) <= skew else {
            throw TokenRefusal(code: "expired_token", reason: "expired at \(identity.expires)")
        }
        guard notBefore.timeIntervalSince(now) <= skew else {
            throw TokenRefusal(code: "token_not_yet_valid", reason: "not valid before \(notBefore)")
        }
    }

    /// The full verification: header, pinned algorithm, signature, every claim.
    private func verifyFully(_ token: String, now: Date) async throws(TokenRefusal) -> (Identity, notBefore: Date) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count <= 8192, parts.count == 3, let headerData = Self.base64URLDecode(parts[0]),
              let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw TokenRefusal(code: "malformed_token", reason: "not a compact JWS")
        }
        let alg = header["alg"] as? String
        // Only the two algorithms the server knows; `none`, RS256, HS512, … never reach a key.
        guard let alg, alg == "HS256" || alg == "EdDSA" else {
            throw TokenRefusal(code: "unsupported_algorithm", reason: "the header names algorithm \(alg ?? "(none)"); only HS256 and EdDSA are accepted")
        }
        // Every token the server issues names its key. A token without kid is refused: jwt-kit
        // would verify it with its default key (the oldest generation, possibly revoked) while
        // the pin and revocation checks here would look at another key.
        guard let raw = header["kid"] else {
            throw TokenRefusal(code: "bad_signature", reason: "the token names no key id")
        }
        guard let kid = raw as? String else { throw TokenRefusal(code: "malformed_token", reason: "the kid header is not a string") }
        guard let pin = pins[kid] else {
            throw TokenRefusal(code: "bad_signature", reason: "the token names an unknown key id")
        }
        // The algorithm is pinned per key: an HS256 token for an EdDSA key (the public key used
        // as an HMAC secret) is refused here, before the signature is looked at.
        guard pin.algorithm == alg else {
            throw TokenRefusal(code: "unsupported_algorithm", reason: "key \(kid) is pinned to \(pin.algorithm); the header names \(alg)")
        }
        if let crit = header["crit"], !(crit is NSNull) {
            throw TokenRefusal(code: "malformed_token", reason: "critical header extensions are not supported")
        }
        let revoked = revocations.list
        guard !revoked.kids.contains(kid) else {
            throw TokenRefusal(code: "revoked_token", reason: "key \(kid) is revoked")
        }
        let claims: HeatClaims
        do {
            claims = try await collection.verify(token, as: HeatClaims.self)
        } catch {
            if let jwtError = error as? JWTError, jwtError.errorType == .signatureVerificationFailed {
                throw TokenRefusal(code: "bad_signature", reason: "the signature does not verify")
            }
            throw TokenRefusal(code: "bad_signature", reason: "the token does not verify or lacks a claim")
        }
        guard !revoked.jtis.contains(claims.jti.value) else {
            throw TokenRefusal(code: "revoked_token", reason: "the token id is revoked")
        }
        guard now.timeIntervalSince(claims.exp.value) <= skew else {
            throw TokenRefusal(code: "expired_token", reason: "expired at \(claims.exp.value)")
        }
        guard claims.nbf.value.timeIntervalSince(now) <= skew else {
            throw TokenRefusal(code: "token_not_yet_valid", reason: "not valid before \(claims.nbf.value)")
        }
        guard claims.iss.value == pin.issuer else {
            throw TokenRefusal(code: "wrong_issuer", reason: "issuer is not the pinned issuer")
        }
        guard claims.aud.value.contains(pin.audience) else {
            throw TokenRefusal(code: "wrong_audience", reason: "audience does not include \(pin.audience)")
        }
        guard !claims.role.isEmpty else {
            throw TokenRefusal(code: "missing_claim", reason: "the role claim is empty")
        }
        let identity = Identity(role: claims.role, manager: claims.manager, subject: claims.sub.value, tokenID: claims.jti.value,
                                expires: claims.exp.value, keyID: kid)
        return (identity, claims.nbf.value)
    }

    /// Whether the live revocation list now names the identity's key id or token id: checked
    /// again on every use of a dashboard session and on every tick of an event stream.
    ///
    /// - Parameter identity: an identity this authority verified.
    /// - Returns: `true` when its `kid` or `jti` is revoked.
    public func isRevoked(_ identity: Identity) -> Bool {
        let list = revocations.list
        if let kid = identity.keyID, list.kids.contains(kid) { return true }
        return list.jtis.contains(identity.tokenID)
    }

    static func base64URLEncode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func base64URLDecode(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}

/// A small bounded cache of tokens that verified, keyed by the SHA-256 of the token's text, so a
/// client that sends the same bearer token on every request (the common case) pays the HMAC /
/// EdDSA check and the JSON decoding once. An entry holds the identity and the token's `nbf`;
/// the caller re-checks revocation and the validity window on every hit
/// (``TokenAuthority/checkLive(identity:notBefore:now:)``). At most ``capacity`` entries: when
/// full, expired entries go first, then the whole cache is cleared (tokens verify again, fully).
/// Only verified tokens are stored, so garbage tokens cannot evict anything but themselves.
final class VerifiedTokenCache: Sendable {
    /// The most tokens held.
    static let capacity = 4_096

    struct Entry: Sendable {
        var identity: Identity
        var notBefore: Date
    }

    private let entries = Mutex<[SHA256Digest: Entry]>([:])

    /// The entry of a token that verified before, if any.
    func lookup(_ digest: SHA256Digest) -> Entry? {
        entries.withLock { $0[digest] }
    }

    /// Records a verified token.
    func store(_ digest: SHA256Digest, identity: Identity, notBefore: Date, now: Date) {
        entries.withLock { entries in
            if entries.count >= Self.capacity {
                entries = entries.filter { $0.value.identity.expires > now }
                if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[digest] = Entry(identity: identity, notBefore: notBefore)
        }
    }

    /// The tokens held.
    var count: Int { entries.withLock { $0.count } }
}
