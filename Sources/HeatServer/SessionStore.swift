import Crypto
import Foundation
import HeatAPI
import Synchronization

/// The dashboard's sessions: a bearer token exchanged (`POST /v1/session`) for a short-lived,
/// random session id carried in an `HttpOnly; SameSite=Strict` cookie, with a CSRF token that
/// every state-changing request made with the cookie must echo in `X-CSRF-Token`.
///
/// Browsers cannot put an `Authorization` header on an `EventSource`, and tokens never travel in
/// URLs; the cookie is how the dashboard reaches `/v1/events` and the other endpoints.
///
/// At most ``maximumSessionsPerToken`` sessions per token id (the oldest is replaced). The
/// cookie is `Secure` unless the server listens on loopback only (``cookieAttributes(host:)``).
///
/// ```swift
/// let sessions = SessionStore()
/// let session = sessions.create(for: identity)
/// sessions.identity(for: session.id)   // the identity, until it expires
/// ```
public final class SessionStore: Sendable {
    /// One session.
    public struct Session: Sendable, Equatable {
        /// The cookie value (256 random bits, base64url).
        public var id: String
        /// The token that state-changing requests must send in `X-CSRF-Token`.
        public var csrf: String
        /// The identity of the token that was exchanged.
        public var identity: Identity
        /// When the session ends (at most ``SessionStore/lifetime`` after creation, never after the token).
        public var expires: Date
        /// When the session was opened (the oldest of a token's sessions is replaced first).
        public var created: Date
    }

    /// The cookie's name.
    public static let cookieName = SessionCookie.name
    /// The longest a session lives.
    public static let lifetime: TimeInterval = 15 * 60
    /// The most sessions held at once (expired ones are dropped first; then the oldest).
    public static let maximumSessions = 10_000
    /// The most sessions one token (`jti`) holds at once; opening another replaces its oldest.
    public static let maximumSessionsPerToken = 5

    private let sessions = Mutex<[String: Session]>([:])

    /// Creates an empty store.
    public init() {}

    /// Opens a session for a verified identity.
    ///
    /// - Parameters:
    ///   - identity: the identity of the exchanged token.
    ///   - now: the current time.
    /// - Returns: the session.
    public func create(for identity: Identity, now: Date = Date()) -> Session {
        let session = Session(id: Self.randomToken(), csrf: Self.randomToken(), identity: identity,
                              expires: min(identity.expires, now.addingTimeInterval(Self.lifetime)), created: now)
        sessions.withLock { sessions in
            // One token cannot fill the store: beyond the per-token cap its oldest sessions go.
            let own = sessions.values.filter { $0.identity.tokenID == identity.tokenID }
                .sorted { ($0.created, $0.id) < ($1.created, $1.id) }
            for old in own.prefix(max(0, own.count - Self.maximumSessionsPerToken + 1)) { sessions[old.id] = nil }
            if sessions.count >= Self.maximumSessions {
                sessions = sessions.filter { $0.value.expires > now }
                if sessions.count >= Self.maximumSessions, let oldest = sessions.min(by: { $0.value.expires < $1.value.expires }) {
                    sessions[oldest.key] = nil
                }
            }
            sessions[session.id] = session
        }
        return session
    }

    /// The live session with this id.
    ///
    /// - Parameters:
    ///   - id: the cookie value.
    ///   - now: the current time.
    /// - Returns: the session, or `nil` when unknown or expired.
    public func session(_ id: String, now: Date = Date()) -> Session? {
        sessions.withLock { sessions -> Session? in
            guard let session = sessions[id] else { return nil }
            guard session.expires > now else { sessions[id] = nil; return nil }
            return session
        }
    }

    /// Ends a session.
    ///
    /// - Parameter id: the cookie value.
    public func remove(_ id: String) {
        sessions.withLock { $0[id] = nil }
    }

    /// The cookie's attributes: `Path=/; HttpOnly; SameSite=Strict`, plus `Secure` unless `host`
    /// is a loopback address (`127.x.x.x`, `::1`, `localhost`), where the server is reached over
    /// plain HTTP from the same machine or through a TLS-terminating proxy on it.
    ///
    /// - Parameter host: the address the server listens on.
    /// - Returns: the attributes, without the leading `; `.
    public static func cookieAttributes(host: String) -> String {
        "Path=/; HttpOnly; SameSite=Strict" + (isLoopback(host) ? "" : "; Secure")
    }

    /// Whether `host` is a loopback address.
    static func isLoopback(_ host: String) -> Bool {
        let name = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return name == "localhost" || name == "::1" || name.hasPrefix("127.")
    }

    /// The session id in a `Cookie` header, if any (``SessionCookie/sessionID(inCookieHeader:)``,
    /// the decoding the fuzz target `server-requests` exercises).
    ///
    /// - Parameter header: the header's value.
    /// - Returns: the value of the `heat_session` cookie.
    public static func sessionID(inCookieHeader header: String) -> String? {
        SessionCookie.sessionID(inCookieHeader: header)
    }

    static func randomToken() -> String {
        let key = SymmetricKey(size: .bits256)
        return key.withUnsafeBytes { Data($0) }.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

/// The server-sent event streams open per token id, so one token cannot hold the server's
/// connections (``maximumPerToken``; 429 `too_many_streams` beyond).
final class StreamCounter: Sendable {
    /// The most event streams one token holds open at once.
    static let maximumPerToken = 4
    private let counts = Mutex<[String: Int]>([:])

    /// Reserves a stream for `tokenID`; `false` when the token already holds the maximum.
    func acquire(_ tokenID: String) -> Bool {
        counts.withLock { counts in
            let current = counts[tokenID, default: 0]
            guard current < Self.maximumPerToken else { return false }
            counts[tokenID] = current + 1
            return true
        }
    }

    /// Releases a stream reserved by ``acquire(_:)``.
    func release(_ tokenID: String) {
        counts.withLock { counts in
            let left = counts[tokenID, default: 0] - 1
            counts[tokenID] = left > 0 ? left : nil
        }
    }

    /// The streams `tokenID` holds open.
    func count(_ tokenID: String) -> Int { counts.withLock { $0[tokenID, default: 0] } }
}
