import Foundation
import HeatAPI
import HeatCore
import HeatML
import Hummingbird
import NIOCore
import ServiceLifecycle
import Synchronization

/// The endpoint implementations. Every `/v1/` handler first asks the policy (the role's
/// ``RolePermissions``) whether the role may receive the section, then answers from the
/// release narrowed by ``ReleaseEngine/restrict(_:to:)``.
struct RouteHandlers: Sendable {
    let server: HeatAPIServer

    /// The JSON wrapper of every section answer.
    struct SectionAnswer<Value: Encodable>: Encodable {
        var role: String
        var asOf: CalendarDate
        var generatedAt: UTCTimestamp
        var policy: PolicySummary
        var data: Value
    }

    nonisolated(unsafe) static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }()

    static let jsonHeaders: HTTPFields = [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store",
                                          .init("X-Content-Type-Options")!: "nosniff"]

    func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        guard let data = try? Self.encoder.encode(value) else { return Self.errorResponse(.internal) }
        return Response(status: status, headers: Self.jsonHeaders, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func errorResponse(_ error: APIError) -> Response {
        struct Body: Encodable { struct Inner: Encodable { var code: String; var message: String }; var error: Inner }
        var headers = jsonHeaders
        if let retry = error.retryAfter { headers[.retryAfter] = "\(retry)" }
        if error.status == .unauthorized { headers[.wwwAuthenticate] = "Bearer realm=\"customerheat\"" }
        let data = (try? encoder.encode(Body(error: .init(code: error.code, message: error.message)))) ?? Data("{}".utf8)
        return Response(status: error.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    func identity(_ context: HeatRequestContext) throws -> (Identity, RolePermissions) {
        guard let identity = context.identity else { throw APIError.missingToken }
        return (identity, try server.policy.permissions(for: identity.role))
    }

    // MARK: Operational

    func ready() throws -> Response {
        let current = server.state.current
        guard current.ready else { throw APIError.notReady }
        guard server.accessLog.isHealthy else { throw APIError.auditUnavailable }
        guard server.authority.revocations.isHealthy else {
            throw APIError(status: .serviceUnavailable, code: "not_ready",
                           message: "the token revocation list could not be re-read (the previous list stays in force)")
        }
        struct Ready: Encodable { var status: String; var releases: Int; var generation: Int; var scoring: Bool }
        return json(Ready(status: "ready", releases: current.catalog.entries.count, generation: current.generation, scoring: server.scorer != nil))
    }

    func metricsText() -> Response {
        let log = server.accessLog
        server.metrics.makeGauge(name: "heat_access_log_failed_writes", help: "Access log batches that could not be written (kept queued and retried)")
            .set(Double(log.failedWrites))
        server.metrics.makeGauge(name: "heat_access_log_dropped_lines", help: "Access log lines lost because the queue was full while the log could not be written")
            .set(Double(log.droppedLines))
        server.metrics.makeGauge(name: "heat_access_log_healthy", help: "1 when the last access log write succeeded and no line was lost")
            .set(log.isHealthy ? 1.0 : 0.0)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: server.metrics.emitToString())))
    }

    func openAPI() -> Response {
        Response(status: .ok, headers: Self.jsonHeaders, body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
    }

    // MARK: Sections

    func me(_ context: HeatRequestContext) throws -> Response {
        let (identity, permissions) = try identity(context)
        struct Me: Encodable { var role: String; var manager: String?; var sections: [String]; var groupKinds: [String]; var scoring: Bool }
        return json(Me(role: identity.role, manager: identity.manager, sections: permissions.sectionNames,
                       groupKinds: permissions.groups.map(\.rawValue).sorted(), scoring: permissions.model && server.scorer != nil))
    }

    /// Whether the role may receive `section`, and the policy rule that says so.
    static func allowed(_ section: String, _ permissions: RolePermissions, role: String) -> (Bool, String) {
        switch section {
        case "population", "personas": (permissions.population, "roles.\(role).population")
        case "heatHistogram": (permissions.histogram, "roles.\(role).histogram")
        case "weekly": (permissions.weekly, "roles.\(role).weekly")
        case "model": (permissions.model, "roles.\(role).model")
        case "groups", "riskPortfolio": (!permissions.groups.isEmpty, "roles.\(role).groups")
        case "clients": (permissions.clients != .none, "roles.\(role).clients")
        default: (false, "roles.\(role)")
        }
    }

    func section(_ context: HeatRequestContext, _ name: String) throws -> Response {
        let (identity, permissions) = try identity(context)
        let (ok, rule) = Self.allowed(name, permissions, role: identity.role)
        guard ok else { throw APIError.forbidden(rule: rule) }
        // The answer's bytes are encoded once per release, role and manager (the policy check
        // above still runs on every request).
        let body = try server.state.encoded(name, for: identity) { view in
            func answer(_ value: (some Encodable)?) throws -> ByteBuffer {
                guard let value else { throw APIError.notReleased(name) }
                return try Self.encoded(SectionAnswer(role: identity.role, asOf: view.asOf, generatedAt: view.generatedAt,
                                                      policy: view.policy, data: value))
            }
            switch name {
            case "population": return try answer(view.population)
            case "heatHistogram": return try answer(view.heatHistogram)
            case "weekly": return try answer(view.weekly)
            case "personas": return try answer(view.personas)
            case "model": return try answer(view.model)
            case "riskPortfolio": return try answer(view.riskPortfolio)
            default: throw APIError.notFound
            }
        }
        return Response(status: .ok, headers: Self.jsonHeaders, body: ResponseBody(byteBuffer: body))
    }

    /// `value` encoded as the JSON of every answer; 500 `internal` if it cannot be encoded.
    static func encoded(_ value: some Encodable) throws -> ByteBuffer {
        guard let data = try? encoder.encode(value) else { throw APIError.internal }
        return ByteBuffer(bytes: data)
    }

    func groups(_ request: Request, _ context: HeatRequestContext) throws -> Response {
        let (identity, permissions) = try identity(context)
        let (ok, rule) = Self.allowed("groups", permissions, role: identity.role)
        guard ok else { throw APIError.forbidden(rule: rule) }
        let kind = try Self.decoded { () throws(RequestBodyError) in try GroupsQuery<GroupSummary.Kind>.decode(Self.query(request)) }.kind
        if let kind, !permissions.groups.contains(kind) { throw APIError.forbidden(rule: "roles.\(identity.role).groups") }
        let body = try server.state.encoded("groups?kind=\(kind?.rawValue ?? "")", for: identity) { view in
            guard let groups = view.groups else { throw APIError.notReleased("groups") }
            let selected = groups.filter { kind == nil || $0.kind == kind }
            return try Self.encoded(SectionAnswer(role: identity.role, asOf: view.asOf, generatedAt: view.generatedAt,
                                                  policy: view.policy, data: selected))
        }
        return Response(status: .ok, headers: Self.jsonHeaders, body: ResponseBody(byteBuffer: body))
    }

    func clients(_ request: Request, _ context: HeatRequestContext) throws -> Response {
        let (identity, permissions) = try identity(context)
        let (ok, rule) = Self.allowed("clients", permissions, role: identity.role)
        guard ok else { throw APIError.forbidden(rule: rule) }
        if permissions.clients == .own, identity.manager == nil {
            throw APIError.forbidden(rule: "roles.\(identity.role).clients (the token names no manager)")
        }
        let query = try Self.decoded { () throws(RequestBodyError) in try ClientsQuery<HeatLevel>.decode(Self.query(request)) }
        let (level, search, limit) = (query.level, query.search, query.limit)
        let view = try server.state.view(for: identity)
        guard let rows = view.clients else { throw APIError.notReleased("clients") }
        let selected = rows.filter { row in
            (level == nil || row.level == level) && (search.map { row.ref.uppercased().hasPrefix($0) } ?? true)
        }
        return json(SectionAnswer(role: identity.role, asOf: view.asOf, generatedAt: view.generatedAt, policy: view.policy,
                                  data: Array(selected.prefix(limit))))
    }

    /// The request's query parameters as Hummingbird parsed them, in the order sent, for the
    /// `HeatAPI` decoders (``GroupsQuery``, ``ClientsQuery``, ``QueryParameters/only(_:)``), the
    /// one decoding the fuzz target `server-query` exercises.
    static func query(_ request: Request) -> QueryParameters {
        QueryParameters(request.uri.queryParameters.map { (String($0.key), String($0.value)) })
    }

    /// Refuses any query parameter not in `allowed`, and any repeated one (400).
    static func onlyQuery(_ request: Request, _ allowed: Set<String>) throws {
        try decoded { () throws(RequestBodyError) in try query(request).only(allowed) }
    }

    /// The value of a `HeatAPI` decoder, its refusal turned into the route's answer.
    static func decoded<T>(_ decode: () throws(RequestBodyError) -> T) throws -> T {
        do {
            return try decode()
        } catch {
            throw APIError(error)
        }
    }

    // MARK: Bodies

    /// The request's body bytes, after the header checks of ``JSONRequestBody/checkHeaders(contentType:contentLength:limit:)``;
    /// reading stops at the server's body limit (413 `body_too_large`). The bytes are decoded by
    /// the route's `HeatAPI` decoder (``ScoreRequest``, ``AskRequest``), the one decoding the fuzz
    /// target `server-requests` exercises.
    func body(_ request: Request) async throws -> Data {
        let limit = server.configuration.limits.maxBodyBytes
        do {
            try JSONRequestBody.checkHeaders(contentType: request.headers[.contentType], contentLength: request.headers[.contentLength], limit: limit)
        } catch {
            throw APIError(error)
        }
        var buffer: ByteBuffer
        var request = request
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch {
            throw APIError(RequestBodyError.bodyTooLarge(limit: limit))
        }
        return Data(buffer.readBytes(length: buffer.readableBytes) ?? [])
    }

    /// Runs `work` off the request's task, on ``OffPoolExecutor`` (threads of its own, never
    /// the cooperative pool the server's event handling and timers need), and answers 503
    /// `timeout` at the deadline even while synchronous scoring or analyst work is still
    /// running; the work's task is cancelled and its result discarded.
    func withTimeout<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await Self.withDeadline(server.configuration.limits.requestTimeout, work)
    }

    /// ``withTimeout(_:)`` with an explicit limit; 503 `busy` when the executor's pool and queue
    /// are full.
    ///
    /// Neither side of the race needs the cooperative pool: the work reports its result from the
    /// executor's own threads and the deadline fires on ``DeadlineTimer``'s thread, and whichever
    /// comes first decides the answer. (A timer task on the cooperative pool could not fire while
    /// long synchronous work elsewhere in the process held every pool thread; the work's late
    /// result then won the race.)
    static func withDeadline<T: Sendable>(_ limit: Duration, executor: OffPoolExecutor = .shared,
                                          _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        guard executor.admit() else { throw APIError.busy }
        let race = DeadlineRace<T>()
        let task = Task(executorPreference: executor) {
            let result: Result<T, any Error>
            do { result = .success(try await work()) } catch { result = .failure(error) }
            // Free the slot before the answer leaves, so a request admitted right after this one
            // finished is not refused `busy` by a slot that is about to be released.
            executor.release()
            race.settle(.finished(result))
        }
        DeadlineTimer.shared.schedule(after: limit) { race.settle(.expired) }
        switch await race.outcome() {
        case .expired:
            task.cancel()
            throw APIError.timeout
        case .finished(let result):
            return try result.get()
        }
    }

    func score(_ request: Request, _ context: HeatRequestContext) async throws -> Response {
        let (identity, permissions) = try identity(context)
        guard permissions.model else { throw APIError.forbidden(rule: "roles.\(identity.role).model") }
        guard let scorer = server.scorer else { throw APIError.noModel }
        let schema = scorer.model.pipeline.transformer.inputSchema
        let columns = schema.map { $0.name }
        let limits = server.configuration.limits
        let decoded: ScoreRequest
        do {
            decoded = try ScoreRequest.decode(try await body(request), columns: columns, maxRows: limits.maxScoreRows,
                                              maxBodyBytes: limits.maxBodyBytes)
        } catch let error as RequestBodyError {
            throw APIError(error)
        }
        let overrides = Dictionary(schema.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })
        let text = decoded.csv(columns: columns)
        let reasonCount = decoded.reasons
        let result = try await withTimeout { () async throws -> [RiskAssessment] in
            let table = try DataTable(data: Data(text.utf8), source: "request", options: .init(overrides: overrides, allowEmpty: true, categoryLimit: nil))
            return try scorer.score(table, reasons: reasonCount).rows
        }
        struct Scored: Encodable { var rows: [RiskAssessment] }
        return json(Scored(rows: result))
    }

    func ask(_ request: Request, _ context: HeatRequestContext) async throws -> Response {
        let (identity, _) = try identity(context)
        let limits = server.configuration.limits
        let question: String
        do {
            question = try AskRequest.decode(try await body(request), maxQuestionLength: limits.maxQuestionLength,
                                             maxBodyBytes: limits.maxBodyBytes).question
        } catch let error as RequestBodyError {
            throw APIError(error)
        }
        let view = try server.state.view(for: identity)
        let policy = server.policy
        let answer = try await withTimeout {
            let engine = AnalystEngine(documents: [view], policy: policy, caller: AnalystCaller(role: identity.role, manager: identity.manager))
            return await AnalystService(engine: engine, model: nil, policy: policy).ask(question)
        }
        return json(answer)
    }

    // MARK: Dashboard and sessions

    /// `POST /v1/session`: exchanges the bearer token for the session cookie and returns the CSRF token.
    func openSession(_ context: HeatRequestContext) throws -> Response {
        let (identity, _) = try identity(context)
        guard context.sessionID == nil else {
            throw APIError(status: .badRequest, code: "invalid_request", message: "open a session with a bearer token, not with a session cookie")
        }
        let session = server.sessions.create(for: identity)
        let maxAge = max(1, Int(session.expires.timeIntervalSinceNow.rounded(.down)))
        struct Opened: Encodable { var csrf: String; var expiresIn: Int; var role: String }
        var response = json(Opened(csrf: session.csrf, expiresIn: maxAge, role: identity.role))
        response.headers[.setCookie] = "\(SessionStore.cookieName)=\(session.id); \(SessionStore.cookieAttributes(host: server.configuration.host)); Max-Age=\(maxAge)"
        return response
    }

    /// `DELETE /v1/session`: ends the cookie's session (the guard has checked its CSRF token).
    func closeSession(_ context: HeatRequestContext) -> Response {
        if let id = context.sessionID { server.sessions.remove(id) }
        var response = Response(status: .noContent, headers: [.cacheControl: "no-store"])
        response.headers[.setCookie] = "\(SessionStore.cookieName)=; \(SessionStore.cookieAttributes(host: server.configuration.host)); Max-Age=0"
        return response
    }

    func html(_ page: (html: String, styles: [String])) -> Response {
        Response(status: .ok, headers: Dashboard.headers(styles: page.styles), body: ResponseBody(byteBuffer: ByteBuffer(string: page.html)))
    }

    /// `GET /`: the dashboard when the session cookie is live, else the sign-in page.
    func home(_ request: Request) -> Response {
        if server.session(of: request) != nil {
            return Response(status: .seeOther, headers: [.location: "/dashboard", .cacheControl: "no-store"])
        }
        return html(Dashboard.loginPage())
    }

    /// `GET /dashboard`: the role's release as the report's page, live.
    /// The guard (``GuardResponder``) has authenticated the cookie, applied the token's rate
    /// limit and the ready gate, and put the identity in the context; without one, the sign-in page.
    func dashboard(_ request: Request, _ context: HeatRequestContext) throws -> Response {
        guard let identity = context.identity else {
            return Response(status: .seeOther, headers: [.location: "/", .cacheControl: "no-store"])
        }
        let (view, generation) = try server.state.viewAndGeneration(for: identity)
        return html(Dashboard.page(for: view, identity: identity, generation: generation))
    }

    /// `GET /v1/dashboard`: the role's release rendered for the dashboard's live update
    /// (``Dashboard/LiveView``): what `/dashboard` shows, as JSON, for the script to rebuild the
    /// page in place when `event: release` arrives. Behind the guard like every `/v1/` route.
    func dashboardView(_ request: Request, _ context: HeatRequestContext) throws -> Response {
        let (identity, _) = try identity(context)
        try Self.onlyQuery(request, [])
        let (view, generation) = try server.state.viewAndGeneration(for: identity)
        return json(Dashboard.liveView(for: view, identity: identity, generation: generation))
    }

    func dashboardScript() -> Response {
        Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "no-store",
                                         .init("X-Content-Type-Options")!: "nosniff"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: Dashboard.script)))
    }

    // MARK: Events

    /// A server-sent event stream: `event: hello` with the current release generation on connect,
    /// then `event: release` each time a new release is loaded. The stream
    /// ends on graceful shutdown, after 10 minutes (the client reconnects), or when the token (or
    /// session) expires, with `event: expired`, or when its `kid` or `jti` is revoked, with `event: revoked`. A token holds at most
    /// ``StreamCounter/maximumPerToken`` streams at once (429 `too_many_streams` beyond).
    func events(_ request: Request, _ context: HeatRequestContext) throws -> Response {
        let (identity, _) = try identity(context)
        let sessionExpires = context.sessionID.flatMap { server.sessions.session($0)?.expires } ?? .distantFuture
        let expires = min(identity.expires, sessionExpires)
        let streams = server.streams
        let tokenID = identity.tokenID
        guard streams.acquire(tokenID) else {
            throw APIError(status: .tooManyRequests, code: "too_many_streams",
                           message: "this token already holds \(StreamCounter.maximumPerToken) event streams open")
        }
        let state = server.state
        let authority = server.authority
        let start = state.current.generation
        let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-store"]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            defer { streams.release(tokenID) }
            // `event: hello` names the generation the stream starts from: a page rendered from an
            // older one (a release landed before this stream connected, or while it reconnected)
            // fetches the new release at once instead of waiting for the next one.
            try await writer.write(ByteBuffer(string: "retry: 2000\n: connected generation \(start)\nevent: hello\ndata: {\"generation\":\(start)}\n\n"))
            var seen = start
            var ticks = 0
            while !Task.isCancelled && !Task.isShuttingDownGracefully && ticks < 2_400 {
                if Date() >= expires {
                    try await writer.write(ByteBuffer(string: "event: expired\ndata: {}\n\n"))
                    break
                }
                try await Task.sleep(for: .milliseconds(250))
                ticks += 1
                // A token (or the token behind a session) revoked while the stream is open ends it.
                if authority.isRevoked(identity) {
                    try await writer.write(ByteBuffer(string: "event: revoked\ndata: {}\n\n"))
                    break
                }
                let now = state.current.generation
                if now != seen {
                    seen = now
                    try await writer.write(ByteBuffer(string: "event: release\ndata: {\"generation\":\(now)}\n\n"))
                } else if ticks % 60 == 0 {
                    try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                }
            }
            try await writer.finish(nil)
        })
    }
}
