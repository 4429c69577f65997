import HeatEnvelope

/// What can go wrong signing or reading signed heads.
///
/// ```swift
/// do { _ = try SignedHead.read(from: url) } catch { print(error) }
/// ```
public enum AuditError: ClassifiedError, Equatable {
    /// The head file is missing, corrupt or of another kind.
    case headFile(EnvelopeError)
    /// The head's JSON is invalid or of an unsupported format.
    case badHead(source: String, reason: String)
    /// Signing failed in the crypto library.
    case signingFailed(reason: String)

    public var category: ErrorCategory {
        switch self {
        case .headFile(let error): error.category
        case .badHead: .dataError
        case .signingFailed: .ioError
        }
    }

    public var description: String {
        switch self {
        case .headFile(let error): error.description
        case .badHead(let source, let reason): "\(source): \(reason)"
        case .signingFailed(let reason): "signing the chain heads failed (\(reason))"
        }
    }

    public var hint: String? {
        switch self {
        case .headFile(let error): error.hint ?? "pass the file written by `heatctl audit sign --head-out`"
        case .badHead: "pass the file written by `heatctl audit sign --head-out`"
        case .signingFailed: nil
        }
    }
}
