import Foundation
import Hummingbird
import HeatCore
import HeatEnvelope
import Logging
import Prometheus
import Synchronization

/// Wraps the router: authenticates `/v1/` and `/dashboard` requests, applies the per-token rate limit, turns every
/// error into a JSON answer with a stable code (never a 500 with internals), and records each
/// access and refusal in the access log, the structured log and the metrics.
struct GuardResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context == HeatRequestContext {
    typealias Context = HeatRequestContext
    let server: HeatAPIServer
    let inner: Inner

    func respond(to request: Request, context: HeatRequestContext) async throws -> Response {
        let start = ContinuousClock.now
        var context = context
        var response: Response
        var refusal: String?
        do {
            if Self.isGuarded(request, server: server) {
                // A sealed access log (its signed head does not authenticate the file) records
                // nothing: no data is served unaudited until an operator resolves it.
                guard server.accessLog.sealedReason == nil else { throw APIError.auditUnavailable }
                // Fail closed: while revoked.json cannot be read, a revoked token could still pass.
                guard server.authority.revocations.isHealthy else { throw APIError.revocationsUnavailable }
                let (identity, sessionID) = try await server.authenticate(request)
                context.identity = identity
                context.sessionID = sessionID
                if let retry = server.limiter.acquire(key: identity.tokenID) { throw APIError.rateLimited(retryAfter: retry) }
                guard server.policy.roles[identity.role] != nil else { throw APIError.forbidden(rule: "roles.\(identity.role)") }
                guard server.state.current.ready else { throw APIError.notReady }
            }
            response = try await inner.respond(to: request, context: context)
            if response.status == .notFound && response.headers[.contentType] == nil {
                // The router's own "no route" answer: give it the JSON error shape too.
                throw APIError.notFound
            }
        } catch {
            let apiError = Self.apiError(for: error, logger: server.logger, bodyLimit: server.configuration.limits.maxBodyBytes)
            refusal = apiError.code
            response = RouteHandlers.errorResponse(apiError)
        }
        let elapsed = ContinuousClock.now - start
        let micros = Int(elapsed.components.seconds) * 1_000_000 + Int(elapsed.components.attoseconds / 1_000_000_000_000)
        let identity = context.identity
        let record = AccessRecord(
            time: AccessTime.now(), outcome: refusal == nil ? "allowed" : "refused", method: request.method.rawValue,
            path: String(request.uri.path.prefix(200)), status: response.status.code, code: refusal, role: identity?.role,
            subject: identity?.subject, tokenID: identity?.tokenID, micros: micros)
        server.accessLog.record(record)
        var metadata: Logger.Metadata = ["method": "\(record.method)", "path": "\(record.path)", "status": "\(record.status)", "us": "\(micros)"]
        if let role = record.role { metadata["role"] = "\(role)" }
        if let code = refusal {
            metadata["code"] = "\(code)"
            server.logger.notice("refused", metadata: metadata)
        } else {
            server.logger.info("access", metadata: metadata)
        }
        server.requestMetrics.record(status: response.status.code, elapsed: elapsed, in: server.metrics)
        return response
    }

    /// Whether the request goes through the guard (authentication, rate limit, role, ready gate):
    /// every `/v1/` request, and `/dashboard` whenever it carries a credential (a bearer token or
    /// a live session cookie). A credential-less `/dashboard` request is only redirected to the
    /// sign-in page and serves no data.
    static func isGuarded(_ request: Request, server: HeatAPIServer) -> Bool {
        let path = request.uri.path
        if path.hasPrefix("/v1/") { return true }
        if path == "/dashboard" || path == "/dashboard/" {
            return request.headers[.authorization] != nil || server.session(of: request) != nil
        }
        return false
    }

    /// The JSON answer for any error: known errors keep their code; anything else is a 500
    /// `internal` whose details go to the server's log only.
    static func apiError(for error: any Error, logger: Logger, bodyLimit: Int) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as PolicyRefusal:
            return .forbidden(rule: error.rule)
        case let error as HTTPError:
            switch error.status {
            case .notFound: return .notFound
            case .methodNotAllowed: return .methodNotAllowed
            case .contentTooLarge: return .bodyTooLarge(limit: bodyLimit)
            default:
                return APIError(status: error.status, code: "http_\(error.status.code)", message: error.status.reasonPhrase)
            }
        case let error as any ClassifiedError:
            if error.category == .internalFailure || error.category.httpStatus >= 500 {
                logger.error("request failed: \(error.description)")
            }
            return .classified(error)
        default:
            logger.error("request failed: \(error)")
            return .internal
        }
    }
}

/// The request counter per status and the duration histogram, looked up in the registry once
/// (per status) instead of on every request.
final class RequestMetrics: Sendable {
    private let counters = Mutex<[Int: Counter]>([:])
    private let histogram = Mutex<DurationHistogram?>(nil)

    /// Counts one request with `status` that took `elapsed`.
    func record(status: Int, elapsed: Duration, in registry: PrometheusCollectorRegistry) {
        let counter = counters.withLock { counters in
            if let counter = counters[status] { return counter }
            let counter = registry.makeCounter(
                descriptor: MetricNameDescriptor(metricName: "heat_http_requests", unitName: "total", helpText: "HTTP requests by status"),
                labels: [("status", "\(status)")])
            counters[status] = counter
            return counter
        }
        counter.increment()
        let durations = histogram.withLock { histogram in
            if let histogram { return histogram }
            let made = registry.makeDurationHistogram(
                descriptor: MetricNameDescriptor(metricName: "heat_http_request_duration", unitName: "seconds", helpText: "Request handling time"),
                buckets: [.microseconds(100), .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100), .seconds(1)])
            histogram = made
            return made
        }
        durations.record(elapsed)
    }
}
