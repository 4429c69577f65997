import HeatEnvelope

/// A release request the policy does not allow (exit 77). ``rule`` names the policy rule that
/// refused it (for example `roles.manager.clients`, `roles.analyst.dp.monthlyBudget`,
/// `minGroupSize`, `differencing`); the refusal is recorded in the audit log.
///
/// ```swift
/// let refusal = PolicyRefusal(rule: "roles.auditor.model", reason: "the role may not receive model scores")
/// refusal.category.exitCode   // 77
/// ```
public struct PolicyRefusal: ClassifiedError, Equatable {
    /// The rule that refused the request.
    public var rule: String
    /// Why, in one sentence (no raw identifiers).
    public var reason: String

    /// Creates a refusal.
    ///
    /// - Parameters:
    ///   - rule: the policy rule.
    ///   - reason: the explanation.
    public init(rule: String, reason: String) {
        self.rule = rule
        self.reason = reason
    }

    public var category: ErrorCategory { .permissionDenied }

    public var description: String { "refused by policy rule \"\(rule)\": \(reason)" }

    public var hint: String? { "`heatctl policy check --policy FILE --role ROLE` lists what the role may receive" }
}
