import HeatAPI
import Hummingbird
import HeatEnvelope

/// A request the API refused, with a stable machine-readable ``code`` and a message that is safe
/// to send to a network client (never a path, an identifier or a value).
///
/// Every error answer of the server is the JSON `{"error": {"code": …, "message": …}}` with the
/// HTTP status of ``status``; the codes are listed in `Docs/Server.md` and in `/openapi.json`.
///
/// ```swift
/// throw APIError.forbidden(rule: "roles.manager.weekly")
/// ```
public struct APIError: Error, Sendable, Equatable {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// The stable error code (`snake_case`).
    public var code: String
    /// A sentence for the client.
    public var message: String
    /// Seconds after which a rate-limited client may retry (429 only).
    public var retryAfter: Int?

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - status: the HTTP status.
    ///   - code: the stable code.
    ///   - message: a sentence safe for the client.
    ///   - retryAfter: the `Retry-After` seconds, for 429.
    public init(status: HTTPResponse.Status, code: String, message: String, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    /// No bearer token or session (401 `missing_token`).
    public static let missingToken = APIError(status: .unauthorized, code: "missing_token", message: "an Authorization: Bearer token is required")
    /// The role may not receive what was asked (403 `forbidden`).
    public static func forbidden(rule: String) -> APIError {
        APIError(status: .forbidden, code: "forbidden", message: "the privacy policy does not release this to the token's role (rule \(rule))")
    }
    /// Nothing released holds the section (404 `not_released`).
    public static func notReleased(_ section: String) -> APIError {
        APIError(status: .notFound, code: "not_released", message: "no release in the server's folder holds \(section) for this role")
    }
    /// No such route (404 `not_found`).
    public static let notFound = APIError(status: .notFound, code: "not_found", message: "no such endpoint; see /openapi.json")
    /// The route exists for another method (405 `method_not_allowed`).
    public static let methodNotAllowed = APIError(status: .methodNotAllowed, code: "method_not_allowed", message: "this endpoint does not accept the method; see /openapi.json")
    /// The body is not JSON (400 `malformed_json`).
    public static let malformedJSON = APIError(RequestBodyError.malformedJSON)
    /// The body is larger than the limit (413 `body_too_large`).
    public static func bodyTooLarge(limit: Int) -> APIError {
        APIError(RequestBodyError.bodyTooLarge(limit: limit))
    }
    /// A field the endpoint does not know (400 `unknown_field`).
    public static func unknownField(_ field: String) -> APIError {
        APIError(RequestBodyError.unknownField(field))
    }
    /// A field is missing or has the wrong type or range (400 `invalid_field`).
    public static func invalidField(_ field: String, _ reason: String) -> APIError {
        APIError(RequestBodyError.invalidField(field, reason: reason))
    }
    /// Too many rows in one score request (413 `too_many_rows`).
    public static func tooManyRows(limit: Int) -> APIError {
        APIError(RequestBodyError.tooManyRows(limit: limit))
    }
    /// The body's media type is not JSON (415 `unsupported_media_type`).
    public static let unsupportedMediaType = APIError(RequestBodyError.unsupportedMediaType)
    /// The token's request budget is spent (429 `rate_limited`).
    public static func rateLimited(retryAfter: Int) -> APIError {
        APIError(status: .tooManyRequests, code: "rate_limited", message: "too many requests for this token; retry after \(retryAfter) s", retryAfter: retryAfter)
    }
    /// No scoring model was loaded at start (404 `no_model`).
    public static let noModel = APIError(status: .notFound, code: "no_model", message: "the server was started without --model; scoring is unavailable")
    /// The server is not ready (503 `not_ready`).
    public static let notReady = APIError(status: .serviceUnavailable, code: "not_ready", message: "the server has no release loaded yet")
    /// The access log cannot be written, so requests are not being audited (503 `audit_unavailable`, `/readyz`).
    public static let auditUnavailable = APIError(status: .serviceUnavailable, code: "audit_unavailable", message: "the access log cannot be written; the server is not auditing requests")
    /// `revoked.json` could not be re-read at runtime, so a token meant to be revoked might still
    /// pass: token and cookie authentication are refused until it reads again (503
    /// `revocations_unavailable`).
    public static let revocationsUnavailable = APIError(status: .serviceUnavailable, code: "revocations_unavailable",
                                                        message: "the token revocation list cannot be read; authentication is refused until it is fixed")
    /// Every thread of the scoring and analyst pool is busy and its queue is full (503 `busy`).
    public static let busy = APIError(status: .serviceUnavailable, code: "busy",
                                      message: "the server is busy with other scoring or analyst requests; retry shortly")
    /// A request took longer than the limit (503 `timeout`).
    public static let timeout = APIError(status: .serviceUnavailable, code: "timeout", message: "the request took longer than the server's limit")
    /// Anything unexpected (500 `internal`), never with details.
    public static let `internal` = APIError(status: .internalServerError, code: "internal", message: ErrorCategory.internalFailure.safeDescription)

    /// The answer for a library error: its category's HTTP status and its safe description.
    ///
    /// - Parameter error: a classified library error.
    /// - Returns: the API error, with code `category_<name>` such as `data_error`.
    public static func classified(_ error: any ClassifiedError) -> APIError {
        let code: String = switch error.category {
        case .usage: "invalid_request"
        case .integrityViolation: "integrity"
        case .dataError: "invalid_data"
        case .noInput: "not_found"
        case .unavailable: "unavailable"
        case .ioError: "io_error"
        case .temporaryFailure: "busy"
        case .permissionDenied: "forbidden"
        case .configuration: "configuration"
        case .internalFailure: "internal"
        }
        return APIError(status: HTTPResponse.Status(code: error.category.httpStatus), code: code, message: error.safeDescription)
    }
}

extension APIError {
    /// The answer for a request body refused by its `HeatAPI` decoder: the decoder's status,
    /// code and sentence (which names the field, never a value).
    ///
    /// - Parameter error: the decoder's error.
    public init(_ error: RequestBodyError) {
        self.init(status: HTTPResponse.Status(code: error.status), code: error.code, message: error.description)
    }
}
