import HeatEnvelope

/// What can go wrong applying the retention policy (``RetentionCompactor``).
///
/// ```swift
/// do {
///     _ = try RetentionCompactor.apply(store: store, key: key, anchor: .previous(head), before: cutoff)
/// } catch let error as RetentionError {
///     print(error, error.category.exitCode)
/// }
/// ```
public enum RetentionError: ClassifiedError, Equatable {
    /// The store does not verify (or has unsigned rows): nothing is dropped from a store whose
    /// integrity is in doubt (exit 1, like `audit sign`).
    case refused(violations: [String])
    /// The cutoff week keeps fewer weeks than the heat window needs.
    case cutoffInsideWindow(cutoff: String, latest: String, windowWeeks: Int)

    public var category: ErrorCategory {
        switch self {
        case .refused: .integrityViolation
        case .cutoffInsideWindow: .usage
        }
    }

    public var description: String {
        switch self {
        case .refused(let violations):
            "refusing to apply retention: the store does not verify (\(violations.count) violation\(violations.count == 1 ? "" : "s"); first: \(violations.first ?? "none"))"
        case .cutoffInsideWindow(let cutoff, let latest, let window):
            "--before \(cutoff) would drop weeks inside the \(window)-week heat window ending \(latest)"
        }
    }

    public var hint: String? {
        switch self {
        case .refused: "run `heatctl audit verify` and `heatctl audit sign` first; retention drops only rows covered by a signed head"
        case .cutoffInsideWindow: "pick an earlier --before week, or pass --window-weeks to match the heat configuration"
        }
    }
}
