import HeatEnvelope

/// Why the API server refused a request body or a credential header before doing any work.
///
/// Every case carries what the HTTP answer needs: ``code`` is the stable machine-readable code of
/// the JSON error (`Docs/Server.md`), ``status`` its HTTP status and ``description`` a sentence
/// that names the field at fault (a JSON path such as `rows[2].tenure`; an unknown key is named
/// as sent, cut to 40 characters) but never a field's value. As a ``ClassifiedError`` it is a usage error (exit 64) when a library caller
/// decodes a body outside the server.
///
/// ```swift
/// do {
///     _ = try AskRequest.decode(Data(#"{"question": 3}"#.utf8), maxQuestionLength: 500, maxBodyBytes: 262_144)
/// } catch {
///     print(error.code)   // invalid_field
/// }
/// ```
public enum RequestBodyError: Error, Sendable, Equatable {
    /// The `Content-Type` header names a media type other than JSON (415 `unsupported_media_type`).
    case unsupportedMediaType
    /// The body (or its declared `Content-Length`) is larger than `limit` bytes (413 `body_too_large`).
    case bodyTooLarge(limit: Int)
    /// The body is not a JSON object (400 `malformed_json`).
    case malformedJSON
    /// The body names a field the endpoint does not take; `field` is its JSON path, each key cut
    /// to 40 characters (400 `unknown_field`).
    case unknownField(String)
    /// A field is missing or has the wrong type or range (400 `invalid_field`).
    case invalidField(String, reason: String)
    /// More rows than the server takes in one score request (413 `too_many_rows`).
    case tooManyRows(limit: Int)

    /// The stable error code of the JSON answer.
    public var code: String {
        switch self {
        case .unsupportedMediaType: "unsupported_media_type"
        case .bodyTooLarge: "body_too_large"
        case .malformedJSON: "malformed_json"
        case .unknownField: "unknown_field"
        case .invalidField: "invalid_field"
        case .tooManyRows: "too_many_rows"
        }
    }

    /// The HTTP status of the answer: 415, 413 or 400.
    public var status: Int {
        switch self {
        case .unsupportedMediaType: 415
        case .bodyTooLarge, .tooManyRows: 413
        case .malformedJSON, .unknownField, .invalidField: 400
        }
    }
}

extension RequestBodyError: ClassifiedError {
    /// A usage error: the request (or a library caller's input) is at fault.
    public var category: ErrorCategory { .usage }

    /// The sentence of the JSON answer: it names the field, never a value the client sent.
    public var description: String {
        switch self {
        case .unsupportedMediaType: "send Content-Type: application/json"
        case .bodyTooLarge(let limit): "the request body is larger than \(limit) bytes"
        case .malformedJSON: "the request body is not a JSON object"
        case .unknownField(let field): "unknown field \"\(field)\""
        case .invalidField(let field, let reason): "field \"\(field)\": \(reason)"
        case .tooManyRows(let limit): "at most \(limit) rows per request"
        }
    }

    /// What to change; `nil` when the description says it.
    public var hint: String? {
        switch self {
        case .unknownField, .invalidField: "the request schemas are in /openapi.json"
        case .bodyTooLarge, .tooManyRows: "split the request"
        default: nil
        }
    }

    /// Safe for a network client: the description names fields and limits only.
    public var safeDescription: String { description }
}

/// Why a bearer credential was refused while its header was read, before any key or signature
/// is looked at.
///
/// ``code`` is the stable code of the 401 answer; ``reason`` is a sentence for the server's log.
///
/// ```swift
/// do { _ = try JWSHeader.parse("not-a-jwt") } catch { print(error.code) }   // malformed_token
/// ```
public enum CredentialError: Error, Sendable, Equatable {
    /// The `Authorization` header is not `Bearer <token>`.
    case notBearer
    /// The token is not a compact JWS (three base64url parts, a JSON object header, at most
    /// ``JWSHeader/maximumTokenBytes``), or a header field has the wrong type.
    case malformedToken(reason: String)
    /// The header names an algorithm other than HS256 and EdDSA (or none).
    case unsupportedAlgorithm(String?)
    /// The header names no key id (`kid`): refused as a bad signature, like an unknown key.
    case missingKeyID

    /// The stable code of the 401 answer.
    public var code: String {
        switch self {
        case .notBearer, .malformedToken: "malformed_token"
        case .unsupportedAlgorithm: "unsupported_algorithm"
        case .missingKeyID: "bad_signature"
        }
    }

    /// A sentence for the server's log (never the token).
    public var reason: String {
        switch self {
        case .notBearer: "the Authorization header is not \"Bearer <token>\""
        case .malformedToken(let reason): reason
        case .unsupportedAlgorithm(let alg):
            "the header names algorithm \(alg.map { String($0.prefix(40)) } ?? "(none)"); only HS256 and EdDSA are accepted"
        case .missingKeyID: "the token names no key id"
        }
    }
}

extension CredentialError: ClassifiedError {
    /// Refused credentials are permission errors (exit 77, HTTP 401 at the server).
    public var category: ErrorCategory { .permissionDenied }
    /// The log sentence.
    public var description: String { reason }
    /// What to do.
    public var hint: String? { "send Authorization: Bearer <token> with a token from `heatctl token issue`" }
}
