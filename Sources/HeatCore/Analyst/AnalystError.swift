import HeatEnvelope

/// Failures of the analyst: a bad endpoint configuration, or a language-model call that failed
/// (the service falls back to the deterministic engine on the latter and says why).
///
/// ```swift
/// AnalystError.backendTimeout(endpoint: "local-llm", seconds: 20).description
/// // "the language model \"local-llm\" did not answer within 20 s"
/// ```
public enum AnalystError: ClassifiedError, Equatable {
    /// The endpoint configuration file does not exist (exit 66).
    case endpointMissing(path: String)
    /// The endpoint configuration is invalid (exit 78).
    case invalidEndpoint(source: String, field: String, reason: String)
    /// The endpoint did not answer in time.
    case backendTimeout(endpoint: String, seconds: Double)
    /// The endpoint failed (transport error, HTTP error, not a chat completion).
    case backendFailed(endpoint: String, reason: String)
    /// The question is empty (exit 64).
    case emptyQuestion

    public var category: ErrorCategory {
        switch self {
        case .endpointMissing: .noInput
        case .invalidEndpoint: .configuration
        case .backendTimeout, .backendFailed: .unavailable
        case .emptyQuestion: .usage
        }
    }

    public var description: String {
        switch self {
        case .endpointMissing(let path): "\(path): analyst endpoint configuration not found or unreadable"
        case .invalidEndpoint(let source, let field, let reason): "\(source): analyst endpoint field \"\(field)\": \(reason)"
        case .backendTimeout(let endpoint, let seconds):
            "the language model \"\(endpoint)\" did not answer within \(seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)) s"
        case .backendFailed(let endpoint, let reason): "the language model \"\(endpoint)\" failed: \(reason)"
        case .emptyQuestion: "the question is empty"
        }
    }

    public var hint: String? {
        switch self {
        case .endpointMissing, .invalidEndpoint: "see Docs/Analyst.md for the endpoint file format"
        case .backendTimeout, .backendFailed: "the deterministic engine answers without a model; check the endpoint or drop --backend"
        case .emptyQuestion: "ask a question, for example: heatctl ask results.json \"which branches have the most cooling clients?\""
        }
    }
}
