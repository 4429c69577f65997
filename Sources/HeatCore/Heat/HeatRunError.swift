import HeatEnvelope

/// A heat computation that cannot start.
///
/// ```swift
/// do { _ = try PlaintextHeatRun(interactions: [], clients: [], configuration: HeatConfiguration()) }
/// catch { print(error) }   // "no interactions to score and no --as-of date given"
/// ```
public enum HeatRunError: ClassifiedError, Equatable {
    /// There are no interactions to take the reference week from and none was given.
    case noReferenceDate

    public var category: ErrorCategory { .dataError }

    public var description: String {
        switch self {
        case .noReferenceDate: "no interactions to score and no --as-of date given"
        }
    }

    public var hint: String? { "pass --as-of YYYY-MM-DD, or an interactions file with rows" }
}
