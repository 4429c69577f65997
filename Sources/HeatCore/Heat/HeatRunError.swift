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
    /// The ledger holds interactions after the reference date, which would leak the future into
    /// the scores; build the ledger with ``ActivityLedger/init(replyWithinHours:through:)``.
    case eventsAfterReferenceDate(asOf: CalendarDate, latest: CalendarDate)

    public var category: ErrorCategory {
        switch self {
        case .noReferenceDate: .dataError
        case .eventsAfterReferenceDate: .usage
        }
    }

    public var description: String {
        switch self {
        case .noReferenceDate: "no interactions to score and no --as-of date given"
        case .eventsAfterReferenceDate(let asOf, let latest):
            "the interactions to score run to \(latest), after the reference date \(asOf)"
        }
    }

    public var hint: String? {
        switch self {
        case .noReferenceDate: "pass --as-of YYYY-MM-DD, or an interactions file with rows"
        case .eventsAfterReferenceDate(let asOf, _):
            "bucket them with ActivityLedger(replyWithinHours:through: \(asOf)), which leaves later events out"
        }
    }
}
