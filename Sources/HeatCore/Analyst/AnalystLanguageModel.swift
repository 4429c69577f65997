import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A language model the analyst may ask, given only the released document and the question.
/// Its answer is checked against the document (``AnswerChecker``) before anyone sees it.
///
/// ```swift
/// struct Canned: AnalystLanguageModel {
///     var name = "canned"
///     func complete(system: String, user: String) async throws -> String { "Mean heat is 13,825." }
/// }
/// ```
public protocol AnalystLanguageModel: Sendable {
    /// The endpoint's name, as the policy's `shareWith` lists it.
    var name: String { get }
    /// Sends one chat exchange and returns the assistant's text.
    ///
    /// - Parameters:
    ///   - system: the system prompt.
    ///   - user: the user message (the document and the question).
    /// - Returns: the reply's text.
    /// - Throws: ``AnalystError`` on timeout, transport or protocol errors.
    func complete(system: String, user: String) async throws -> String
    /// Where requests go: the policy's `shareWith` binds the endpoint's name to this URL's host
    /// (and port), so a configuration cannot reuse an allowed name for another server. `nil`
    /// when unknown, in which case nothing is shared.
    var url: URL? { get }
}

extension AnalystLanguageModel {
    /// No URL by default: a model that does not say where it sends requests is never given a document.
    public var url: URL? { nil }
}

/// The configuration of an OpenAI-compatible chat endpoint (`customerheat.analyst-endpoint/1`),
/// for example a local inference server. Off unless a file names one.
///
/// ```json
/// {"schema": "customerheat.analyst-endpoint/1", "name": "local-llm",
///  "url": "http://127.0.0.1:8080/v1/chat/completions", "model": "qwen2.5-7b-instruct",
///  "timeoutSeconds": 20, "apiKeyEnvironment": "ANALYST_API_KEY"}
/// ```
public struct AnalystEndpoint: Sendable, Codable, Equatable {
    /// The schema identifier.
    public static let schema = "customerheat.analyst-endpoint/1"

    /// Must be ``schema``.
    public var schema: String
    /// The name the policy's `roles.R.shareWith` must list for a release to be sent here.
    public var name: String
    /// The chat-completions URL (`…/v1/chat/completions`).
    public var url: String
    /// The model name sent in requests.
    public var model: String
    /// Seconds to wait for the reply before falling back (default 20).
    public var timeoutSeconds: Double?
    /// The environment variable holding a bearer token, if the endpoint needs one (the token is
    /// never stored in the file).
    public var apiKeyEnvironment: String?

    /// Creates a configuration.
    public init(name: String, url: String, model: String, timeoutSeconds: Double? = nil, apiKeyEnvironment: String? = nil) {
        self.schema = Self.schema
        self.name = name
        self.url = url
        self.model = model
        self.timeoutSeconds = timeoutSeconds
        self.apiKeyEnvironment = apiKeyEnvironment
    }

    /// Loads and validates a configuration file.
    ///
    /// - Parameter url: the JSON file.
    /// - Returns: the configuration.
    /// - Throws: ``AnalystError/endpointMissing(path:)`` (exit 66) or ``AnalystError/invalidEndpoint(source:field:reason:)`` (exit 78).
    public static func load(from url: URL) throws(AnalystError) -> AnalystEndpoint {
        guard let data = try? Data(contentsOf: url) else { throw .endpointMissing(path: url.path) }
        return try parse(data, source: url.path)
    }

    /// Parses and validates a configuration.
    ///
    /// - Parameters:
    ///   - data: the JSON bytes.
    ///   - source: the name used in errors.
    /// - Returns: the configuration.
    /// - Throws: ``AnalystError/invalidEndpoint(source:field:reason:)`` (exit 78).
    public static func parse(_ data: Data, source: String = "<endpoint>") throws(AnalystError) -> AnalystEndpoint {
        let endpoint: AnalystEndpoint
        do {
            endpoint = try JSONDecoder().decode(AnalystEndpoint.self, from: data)
        } catch let error as DecodingError {
            throw .invalidEndpoint(source: source, field: "(document)", reason: error.readableDescription)
        } catch {
            throw .invalidEndpoint(source: source, field: "(document)", reason: "not JSON")
        }
        guard endpoint.schema == schema else {
            throw .invalidEndpoint(source: source, field: "schema", reason: "expected \"\(schema)\", found \"\(endpoint.schema)\"")
        }
        guard endpoint.name.range(of: "^[a-z][a-z0-9_-]{0,39}$", options: .regularExpression) != nil else {
            throw .invalidEndpoint(source: source, field: "name", reason: "lower-case letters, digits, '-' or '_', starting with a letter")
        }
        guard let parsed = URL(string: endpoint.url), let scheme = parsed.scheme, ["http", "https"].contains(scheme), parsed.host != nil else {
            throw .invalidEndpoint(source: source, field: "url", reason: "expected an http(s) URL")
        }
        if let timeout = endpoint.timeoutSeconds, !(timeout > 0 && timeout <= 600) {
            throw .invalidEndpoint(source: source, field: "timeoutSeconds", reason: "must be in (0, 600]")
        }
        return endpoint
    }
}

/// An ``AnalystLanguageModel`` over an OpenAI-compatible `chat/completions` endpoint, with
/// `temperature` 0 and a hard timeout. Uses Foundation's `URLSession` (FoundationNetworking on Linux).
///
/// ```swift
/// let model = OpenAIChatModel(endpoint: try AnalystEndpoint.load(from: url))
/// let reply = try await model.complete(system: "…", user: "…")
/// ```
public struct OpenAIChatModel: AnalystLanguageModel {
    /// The endpoint.
    public var endpoint: AnalystEndpoint
    /// The bearer token, if any (read from the environment variable the configuration names).
    var token: String?

    /// Creates a client.
    ///
    /// - Parameters:
    ///   - endpoint: the endpoint's configuration.
    ///   - environment: where to read the token from (default: the process environment).
    public init(endpoint: AnalystEndpoint, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.endpoint = endpoint
        self.token = endpoint.apiKeyEnvironment.flatMap { environment[$0] }
    }

    /// The endpoint's name.
    public var name: String { endpoint.name }

    /// The chat-completions URL requests go to.
    public var url: URL? { URL(string: endpoint.url) }

    public func complete(system: String, user: String) async throws -> String {
        guard let url = URL(string: endpoint.url) else {
            throw AnalystError.invalidEndpoint(source: endpoint.name, field: "url", reason: "expected an http(s) URL")
        }
        let timeout = endpoint.timeoutSeconds ?? 20
        struct Message: Codable { var role: String; var content: String }
        struct Body: Encodable { var model: String; var messages: [Message]; var temperature: Double; var stream: Bool }
        let body = try JSONEncoder().encode(Body(
            model: endpoint.model, messages: [Message(role: "system", content: system), Message(role: "user", content: user)],
            temperature: 0, stream: false))
        let name = endpoint.name
        let token = token
        // The request runs in a child task raced against a timer, so a server that never answers
        // costs at most `timeout` seconds whatever the transport does.
        let outcome: (data: Data, status: Int) = try await withThrowingTaskGroup(of: (data: Data, status: Int)?.self) { group in
            group.addTask {
                var request = URLRequest(url: url, timeoutInterval: timeout)
                request.httpMethod = "POST"
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
                request.httpBody = body
                do {
                    let (data, response) = try await URLSession.shared.data(for: request)
                    return (data, (response as? HTTPURLResponse)?.statusCode ?? 200)
                } catch {
                    if (error as? URLError)?.code == .timedOut { throw AnalystError.backendTimeout(endpoint: name, seconds: timeout) }
                    throw AnalystError.backendFailed(endpoint: name, reason: (error as NSError).localizedDescription)
                }
            }
            group.addTask {
                try? await Task.sleep(nanoseconds: UInt64(timeout * 1_000_000_000))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let result = first else {
                throw AnalystError.backendTimeout(endpoint: name, seconds: timeout)
            }
            return result
        }
        let data = outcome.data
        guard (200..<300).contains(outcome.status) else {
            throw AnalystError.backendFailed(endpoint: name, reason: "HTTP status \(outcome.status)")
        }
        struct Reply: Decodable {
            struct Choice: Decodable { var message: Message }
            var choices: [Choice]
        }
        guard let reply = try? JSONDecoder().decode(Reply.self, from: data), let text = reply.choices.first?.message.content else {
            throw AnalystError.backendFailed(endpoint: name, reason: "the reply is not a chat completion")
        }
        return text
    }
}
