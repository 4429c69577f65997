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
    /// `audit sign` refused: the store does not verify (the violations, first first).
    case refusedToSign(violations: [String])
    /// `audit sign --first-head` on a store that already has signed heads.
    case previousHeadRequired(signedHeads: Int)

    public var category: ErrorCategory {
        switch self {
        case .headFile(let error): error.category
        case .badHead: .dataError
        case .signingFailed: .ioError
        case .refusedToSign: .integrityViolation
        case .previousHeadRequired: .usage
        }
    }

    public var description: String {
        switch self {
        case .headFile(let error): error.description
        case .badHead(let source, let reason): "\(source): \(reason)"
        case .signingFailed(let reason): "signing the chain heads failed (\(reason))"
        case .refusedToSign(let violations):
            "refusing to sign: the store does not verify (\(violations.count) violations; first: \(violations.first ?? "unknown"))"
        case .previousHeadRequired(let count):
            "the store already has \(count) signed heads, so this is not its first signature"
        }
    }

    public var hint: String? {
        switch self {
        case .headFile(let error): error.hint ?? "pass the file written by `heatctl audit sign --head-out`"
        case .badHead: "pass the file written by `heatctl audit sign --head-out`"
        case .signingFailed: nil
        case .refusedToSign: "investigate with `heatctl audit verify`; restore the store from a verified backup"
        case .previousHeadRequired: "pass --previous-head FILE (the head file written by the last `heatctl audit sign`)"
        }
    }
}
