import Foundation
import HeatAPI
import HeatCore
import HeatEnvelope
import HeatML
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization

/// The CustomerHeat API server: released results per role, real-time scoring and the analyst,
/// over HTTP with JWT bearer tokens (`heatctl serve`, `Docs/Server.md`).
///
/// ``prepare(_:logger:)`` refuses folders that hold secret material (``FolderGuard``), loads
/// the policy, the token key, the released documents and the optional risk model;
/// ``makeApplication(onBound:)`` builds the Hummingbird application; ``run()`` serves
/// until SIGINT or SIGTERM and then shuts down gracefully (in-flight requests finish, the access
/// log's last batch is written).
///
/// ```swift
/// let server = try await HeatAPIServer.prepare(ServerConfiguration(releases: "releases", policy: "policy.json", tokenKeys: "tk"))
/// try await server.run()
/// ```
public struct HeatAPIServer: Sendable {
    /// The configuration.
    public let configuration: ServerConfiguration
    /// The policy every request is authorised by.
    public let policy: PrivacyPolicy
    /// The token authority.
    public let authority: TokenAuthority
    /// The access log.
    public let accessLog: AccessLog
    /// The per-token rate limit.
    public let limiter: RateLimiter
    /// The metrics registry served at `/metrics`.
    public let metrics: PrometheusCollectorRegistry
    /// The scoring model, when one was loaded.
    public let scorer: RiskScorer?
    /// The server's logger (structured access lines at info).
    public let logger: Logger
    /// The dashboard's cookie sessions.
    public let sessions = SessionStore()
    /// The open event streams per token.
    let streams = StreamCounter()
    /// The per-request metrics, looked up once.
    let requestMetrics = RequestMetrics()
    let state: ReleaseState

    /// Checks the folders and loads everything the server needs.
    ///
    /// - Parameters:
    ///   - configuration: the configuration.
    ///   - logger: the logger (access lines at `info`, refusals at `notice`).
    /// - Returns: a server ready to run.
    /// - Throws: ``ServerError`` (secret material, missing folders, bad documents or key),
    ///   ``PolicyError`` for a bad policy.
    public static func prepare(_ configuration: ServerConfiguration, logger: Logger = Logger(label: "customerheat.server")) async throws -> HeatAPIServer {
        try FolderGuard.check(folder: configuration.releases, option: "--releases", allowedSecrets: [])
        try FolderGuard.check(folder: configuration.tokenKeys, option: "--token-keys", allowedSecrets: [.serverTokenKey])
        let policy = try PrivacyPolicy.load(from: URL(filePath: configuration.policy))
        let keys = try TokenKey.loadAll(fromFolder: configuration.tokenKeys)
        let revocations = RevocationList(try TokenRevocations.load(fromFolder: configuration.tokenKeys), folder: configuration.tokenKeys)
        var external: [ExternalKey] = []
        if let path = configuration.jwks { external = try ExternalKey.loadSet(path: path) }
        let authority = try await TokenAuthority(keys: keys, external: external, externalIssuer: configuration.jwksIssuer,
                                                 externalAudience: configuration.jwksAudience, revocations: revocations)
        // The access log's head is signed with a key derived from the server's newest own key
        // that is not revoked; with every generation revoked the server does not start.
        let headKey = try authority.signingKey()
        let catalog = try ReleaseCatalog.load(folder: configuration.releases)
        var scorer: RiskScorer?
        if let model = configuration.model {
            do {
                scorer = RiskScorer(model: try CalibratedModel.load(from: URL(filePath: model)))
            } catch {
                throw ServerError.badModel(path: model, reason: error.description)
            }
        }
        // A head signed by a revoked generation does not authenticate the log (the log is sealed).
        let accessLog = try AccessLog(path: configuration.accessLogPath, headKey: AccessLogChain.headKey(from: headKey), keyID: headKey.keyID,
                                       headPath: configuration.accessLogHead,
                                       verificationKeys: keys.filter { !revocations.list.kids.contains($0.keyID) }, logger: logger)
        return HeatAPIServer(
            configuration: configuration, policy: policy, authority: authority, accessLog: accessLog,
            limiter: RateLimiter(ratePerSecond: configuration.limits.ratePerSecond, burst: configuration.limits.burst),
            metrics: PrometheusCollectorRegistry(), scorer: scorer, logger: logger,
            state: ReleaseState(catalog: catalog, engine: ReleaseEngine(policy: policy)))
    }

    init(configuration: ServerConfiguration, policy: PrivacyPolicy, authority: TokenAuthority, accessLog: AccessLog,
         limiter: RateLimiter, metrics: PrometheusCollectorRegistry, scorer: RiskScorer?, logger: Logger, state: ReleaseState) {
        self.configuration = configuration
        self.policy = policy
        self.authority = authority
        self.accessLog = accessLog
        self.limiter = limiter
        self.metrics = metrics
        self.scorer = scorer
        self.logger = logger
        self.state = state
    }

    /// The versioned and operational routes, as `METHOD /path` (also the paths of `/openapi.json`).
    public static let routeList: [String] = [
        "GET /healthz", "GET /readyz", "GET /metrics", "GET /openapi.json",
        "GET /v1/me", "GET /v1/population", "GET /v1/histogram", "GET /v1/weekly", "GET /v1/groups",
        "GET /v1/clients", "GET /v1/personas", "GET /v1/risk", "GET /v1/model",
        "POST /v1/score", "POST /v1/ask", "GET /v1/events",
        "POST /v1/session", "DELETE /v1/session", "GET /", "GET /dashboard", "GET /static/dashboard.js",
        "GET /v1/dashboard",
    ]

    /// Builds the router with every route of ``routeList``.
    ///
    /// - Returns: the router.
    public func makeRouter() -> Router<HeatRequestContext> {
        let router = Router(context: HeatRequestContext.self)
        let handlers = RouteHandlers(server: self)
        router.get("/healthz") { _, _ in handlers.json(["status": "ok"]) }
        router.get("/readyz") { _, _ in try handlers.ready() }
        router.get("/metrics") { _, _ in handlers.metricsText() }
        router.get("/openapi.json") { _, _ in handlers.openAPI() }
        router.get("/v1/me") { _, context in try handlers.me(context) }
        router.get("/v1/population") { _, context in try handlers.section(context, "population") }
        router.get("/v1/histogram") { _, context in try handlers.section(context, "heatHistogram") }
        router.get("/v1/weekly") { _, context in try handlers.section(context, "weekly") }
        router.get("/v1/groups") { request, context in try handlers.groups(request, context) }
        router.get("/v1/clients") { request, context in try handlers.clients(request, context) }
        router.get("/v1/personas") { _, context in try handlers.section(context, "personas") }
        router.get("/v1/risk") { _, context in try handlers.section(context, "riskPortfolio") }
        router.get("/v1/model") { _, context in try handlers.section(context, "model") }
        router.post("/v1/score") { request, context in try await handlers.score(request, context) }
        router.post("/v1/ask") { request, context in try await handlers.ask(request, context) }
        router.get("/v1/events") { request, context in try handlers.events(request, context) }
        router.post("/v1/session") { _, context in try handlers.openSession(context) }
        router.delete("/v1/session") { _, context in handlers.closeSession(context) }
        router.get("/") { request, _ in handlers.home(request) }
        router.get("/dashboard") { request, context in try handlers.dashboard(request, context) }
        router.get("/static/dashboard.js") { _, _ in handlers.dashboardScript() }
        router.get("/v1/dashboard") { request, context in try handlers.dashboardView(request, context) }
        return router
    }

    /// Builds the application: the router behind the guard responder (authentication, rate
    /// limit, JSON errors, access log, metrics), the access log and the release watcher as
    /// services.
    ///
    /// - Parameter onBound: called once the socket is bound, with the port (useful with port 0).
    /// - Returns: the application, a swift-service-lifecycle `Service`.
    public func makeApplication(onBound: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let responder = GuardResponder(server: self, inner: makeRouter().buildResponder())
        return Application(
            responder: responder,
            server: .http1(configuration: .init(idleTimeout: .seconds(configuration.limits.idleTimeout.components.seconds))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "customerheat"),
            services: [accessLog, ReleaseWatcher(server: self)],
            onServerRunning: { channel in await onBound(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// Serves until SIGINT or SIGTERM, then shuts down gracefully.
    ///
    /// - Parameter onBound: called once the socket is bound, with the port.
    public func run(onBound: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await makeApplication(onBound: onBound)
            .runService(gracefulShutdownSignals: [.sigterm, .sigint])
        accessLog.flush()
    }

    /// The live session named by the request's cookie, if any.
    func session(of request: Request) -> SessionStore.Session? {
        guard let cookie = request.headers[.cookie], let id = SessionStore.sessionID(inCookieHeader: cookie) else { return nil }
        guard let session = sessions.session(id), !authority.isRevoked(session.identity) else { return nil }
        return session
    }

    /// Verifies the request's bearer token, or else its session cookie (then a state-changing
    /// request must carry the session's CSRF token in `X-CSRF-Token`).
    ///
    /// - Returns: the identity and, for a cookie, the session id.
    func authenticate(_ request: Request) async throws -> (Identity, String?) {
        guard let header = request.headers[.authorization] else {
            guard let cookie = request.headers[.cookie], let id = SessionStore.sessionID(inCookieHeader: cookie),
                  let session = sessions.session(id) else { throw APIError.missingToken }
            // Revocation applies to the session opened with a token as it does to the token.
            if authority.isRevoked(session.identity) {
                sessions.remove(id)
                throw TokenRefusal(code: "revoked_token", reason: "the session's token is revoked").apiError
            }
            if request.method != .get && request.method != .head {
                // The check is `HeatAPI`'s (the fuzz target `server-query` exercises it).
                // `X-CSRF-Token` is a valid field name, so the name is never nil.
                let sent = request.headers[.init(CSRFToken.headerName)!]
                do throws(CSRFTokenMismatch) {
                    try CSRFToken.check(sent: sent, expected: session.csrf)
                } catch {
                    throw APIError(status: HTTPResponse.Status(code: error.status), code: error.code, message: error.message)
                }
            }
            return (session.identity, session.id)
        }
        let token: String
        do {
            token = try BearerCredential.token(inAuthorization: header)
        } catch {
            throw APIError(status: .unauthorized, code: error.code, message: error.reason)
        }
        do {
            return (try await authority.verify(token), nil)
        } catch {
            throw error.apiError
        }
    }
}

/// The current catalog and the per-role views derived from it, swapped when a release lands.
final class ReleaseState: Sendable {
    struct Snapshot: Sendable {
        var catalog: ReleaseCatalog
        var views: [String: ResultsDocument] = [:]
        /// Encoded answers per section, role and manager, for this generation only.
        var bodies: [String: ByteBuffer] = [:]
        var generation = 0
        var ready = true
    }

    let engine: ReleaseEngine
    private let snapshot: Mutex<Snapshot>

    init(catalog: ReleaseCatalog, engine: ReleaseEngine) {
        self.engine = engine
        snapshot = Mutex(Snapshot(catalog: catalog))
    }

    var current: Snapshot { snapshot.withLock { $0 } }

    func replace(with catalog: ReleaseCatalog) {
        snapshot.withLock { $0 = Snapshot(catalog: catalog, views: [:], bodies: [:], generation: $0.generation + 1, ready: true) }
    }

    func markNotReady() { snapshot.withLock { $0.ready = false } }

    /// The encoded answer `name` for `identity`: built by `encode` from the identity's narrowed
    /// document once per release generation, role and manager, then served as the same bytes
    /// (the answers depend on nothing else). A new release (``replace(with:)``) drops them all.
    ///
    /// - Parameters:
    ///   - name: the answer's name (a section, with its query when it has one).
    ///   - identity: the verified caller.
    ///   - encode: builds the answer's bytes from the narrowed document; what it throws is not cached.
    func encoded(_ name: String, for identity: Identity, _ encode: (ResultsDocument) throws -> ByteBuffer) throws -> ByteBuffer {
        let key = "\(name)\u{0}\(identity.role)\u{0}\(identity.manager ?? "")"
        let (cached, generation) = snapshot.withLock { ($0.bodies[key], $0.generation) }
        if let cached { return cached }
        let body = try encode(try view(for: identity))
        snapshot.withLock { state in
            // A release that landed meanwhile may have changed the view: keep the bytes only
            // when nothing changed (this answer is still returned to this request).
            if state.generation == generation { state.bodies[key] = body }
        }
        return body
    }

    /// The narrowed document for `identity` (cached per role and manager).
    func view(for identity: Identity) throws(PolicyRefusal) -> ResultsDocument {
        try viewAndGeneration(for: identity).view
    }

    /// The narrowed document for `identity` and the release generation it was taken from (one
    /// snapshot: the generation always labels the content).
    func viewAndGeneration(for identity: Identity) throws(PolicyRefusal) -> (view: ResultsDocument, generation: Int) {
        let key = "\(identity.role)\u{0}\(identity.manager ?? "")"
        let current = snapshot.withLock { $0 }
        if let cached = current.views[key] { return (cached, current.generation) }
        let view = try current.catalog.view(for: identity, engine: engine)
        snapshot.withLock { state in
            if state.generation == current.generation { state.views[key] = view }
        }
        return (view, current.generation)
    }
}

/// Polls the releases folder; when its contents change it checks it again for secrets, reloads
/// the catalog and notifies the event stream.
struct ReleaseWatcher: Service {
    let server: HeatAPIServer

    func run() async throws {
        let folder = server.configuration.releases
        let initial = server.state.current.catalog.fingerprint
        await cancelWhenGracefulShutdown {
            var seen = initial
            while !Task.isCancelled {
                try? await Task.sleep(for: server.configuration.watchInterval)
                do {
                    if try server.authority.revocations.reloadIfChanged() {
                        server.logger.notice("token revocation list reloaded", metadata: ["kids": "\(server.authority.revocations.list.kids.count)", "jtis": "\(server.authority.revocations.list.jtis.count)"])
                        // The head key follows the list: a generation revoked now signs no more
                        // heads (the current head is re-signed with the newest one not revoked).
                        let next = try? server.authority.signingKey()
                        if next == nil { server.logger.error("every token key generation is revoked: the access log's head is no longer signed (readyz not ready)") }
                        server.accessLog.replaceHeadKey(next)
                    }
                } catch {
                    server.logger.error("token revocation list not reloaded (the previous list stays; readyz not ready): \(error)")
                    server.metrics.makeCounter(
                        descriptor: MetricNameDescriptor(metricName: "heat_revocation_reload_failures", unitName: "total",
                                                         helpText: "Failed re-reads of revoked.json (the previous list stays)")).increment()
                }
                let now = ReleaseCatalog.fingerprint(of: folder)
                guard now != seen else { continue }
                seen = now
                do {
                    try FolderGuard.check(folder: folder, option: "--releases", allowedSecrets: [])
                    let catalog = try ReleaseCatalog.load(folder: folder)
                    server.state.replace(with: catalog)
                    server.logger.notice("new release loaded", metadata: ["documents": "\(catalog.entries.count)"])
                } catch {
                    // A folder that gains a secret stops being served (readyz fails) until fixed.
                    if case ServerError.secretMaterial = error { server.state.markNotReady() }
                    server.logger.error("releases folder not reloaded: \(error)")
                    server.metrics.makeCounter(
                        descriptor: MetricNameDescriptor(metricName: "heat_release_reload_failures", unitName: "total",
                                                         helpText: "Changes to the releases folder that were refused (the previous catalog stays)")).increment()
                }
            }
        }
    }
}
