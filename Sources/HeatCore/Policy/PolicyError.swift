import HeatEnvelope

/// A policy file that cannot be used: missing (exit 66) or invalid (exit 78). The message names
/// the rule (the role, or `policy` for top-level settings) and the field at fault.
///
/// ```swift
/// do { _ = try PrivacyPolicy.parse(data) } catch { print(error.description) }
/// // policy.json: rule "roles.manager", field "clients": expected "none", "own" or "all", found "mine"
/// ```
public enum PolicyError: ClassifiedError, Equatable {
    /// The policy file does not exist or cannot be read.
    case missingFile(path: String)
    /// A rule of the policy is malformed.
    case invalid(source: String, rule: String, field: String, reason: String)

    public var category: ErrorCategory {
        switch self {
        case .missingFile: .noInput
        case .invalid: .configuration
        }
    }

    public var description: String {
        switch self {
        case .missingFile(let path): "\(path): policy file not found or unreadable"
        case .invalid(let source, let rule, let field, let reason):
            "\(source): rule \"\(rule)\", field \"\(field)\": \(reason)"
        }
    }

    public var hint: String? {
        switch self {
        case .missingFile: "pass --policy FILE (see Examples/policy.json)"
        case .invalid: "fix the policy file; its format is in Docs/Privacy.md and Examples/policy.json is a complete example"
        }
    }
}

extension PolicyError {
    /// The old name of ``missingFile(path:)``.
    @available(*, deprecated, renamed: "missingFile(path:)")
    public static func missing(path: String) -> PolicyError { .missingFile(path: path) }
}
