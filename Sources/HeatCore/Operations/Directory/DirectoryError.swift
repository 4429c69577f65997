import HeatEnvelope

/// What can go wrong recording a directory change (``DirectoryChanger``). Messages name the
/// option at fault, never a raw client id or a reference given on the command line.
///
/// ```swift
/// do {
///     _ = try DirectoryChanger.apply(.move(client: "C-7f3a9c2e", manager: .reference("M-19b0d4aa"), branch: nil),
///                                    from: week, store: store, key: key, anchor: .previous(head))
/// } catch let error as DirectoryError {
///     print(error, error.category.exitCode)
/// }
/// ```
public enum DirectoryError: ClassifiedError, Equatable {
    /// The store does not verify (or has unsigned rows): nothing is recorded (exit 1).
    case refused(violations: [String])
    /// A masked reference given with `option` is malformed, matches nothing, or several (exit 65).
    case badReference(option: String, matches: Int)
    /// The change would leave the client's assignment as it is in that week (exit 64).
    case noChange(fromWeek: String, reason: String)
    /// A move names neither a manager nor a branch (exit 64).
    case emptyMove
    /// A stored directory version is unsigned, forged, altered, or signed by a key that is not
    /// trusted (or by a retired key after its final head): nothing is decrypted or released
    /// (exit 1). Checked by the key holder before every release
    /// (``DirectoryVersion/verifiedVersion(in:key:)``).
    case unverifiedVersions(violations: [String])
    /// `--from-week` is at or before the latest reference week an earlier release covered: a
    /// backdated change would let the same group, released again at that week, be subtracted from
    /// the earlier release (exit 64).
    case releasedWeek(fromWeek: String, releasedThrough: String)
    /// A release from per-client values the key holder decrypted would release `group`, whose
    /// members change inside the heat window (a move or closure from `changeWeek`, before or at
    /// the `referenceWeek` heat runs through), without week-attributed totals: summing its
    /// members' heat would attribute every week to the group of the reference week, not to the
    /// manager who held each client that week (issue 27). Nothing is released (exit 64): pass the
    /// evaluator's aggregates (``ReleaseInput/groupAggregates``, `heatctl release --aggregates`).
    case groupTotalsNotWeekAttributed(group: String, changeWeek: String, referenceWeek: String)

    public var category: ErrorCategory {
        switch self {
        case .refused: .integrityViolation
        case .badReference: .dataError
        case .noChange, .emptyMove: .usage
        case .unverifiedVersions: .integrityViolation
        case .releasedWeek: .usage
        case .groupTotalsNotWeekAttributed: .usage
        }
    }

    public var description: String {
        switch self {
        case .refused(let violations):
            "refusing to change the directory: the store does not verify (\(violations.count) violation\(violations.count == 1 ? "" : "s"); first: \(violations.first ?? "none"))"
        case .badReference(let option, let matches):
            matches == 0
                ? "\(option): the masked reference is malformed or matches nothing in the directory (unknown, or erased)"
                : "\(option): the masked reference matches \(matches) entries; give more digits"
        case .noChange(let week, let reason):
            "--from-week \(week): nothing to record: \(reason)"
        case .emptyMove:
            "a move needs --manager and/or --branch"
        case .unverifiedVersions(let violations):
            "refusing to decrypt or release: a directory version does not verify under the key holder's key (\(violations.count) violation\(violations.count == 1 ? "" : "s"); first: \(violations.first ?? "none"))"
        case .releasedWeek(let week, let through):
            "--from-week \(week): a release already covered the weeks through \(through); a change may start only after the latest released reference week"
        case .groupTotalsNotWeekAttributed(let group, let change, let reference):
            "refusing to release \(group): its members change inside the heat window (a directory change from \(change); heat runs through \(reference)), so the sum of its members' per-client heat would attribute every week to the group of \(reference), not week by week; nothing was released"
        }
    }

    public var hint: String? {
        switch self {
        case .refused: "run `heatctl audit verify` and `heatctl audit sign` first; directory changes are recorded only on a verified store"
        case .badReference: "a reference is C-, M- or B- and at least 8 hex digits; list them with `heatctl clients --store heat.db`; a manager new to the store needs --manager-id with --collector-keys"
        case .noChange: "check the week and the target with `heatctl directory history --store heat.db --client C-…`"
        case .emptyMove: "pass --manager M-… (or --manager-id with --collector-keys) and/or --branch B-…"
        case .unverifiedVersions: "run `heatctl audit verify`; a forged or unsigned directory version must be removed by restoring a verified backup"
        case .releasedWeek(_, let through): "record the change from a week after \(through)"
        case .groupTotalsNotWeekAttributed:
            "compute week-attributed totals with `heatctl evaluate --store DB --keys DIR/evaluator --out run.heat --aggregates-out groups.heat` (Galois keys: `keys generate --aggregates`) and release with `--run run.heat --aggregates groups.heat`; or ask only for sections without groups (--section population --section histogram)"
        }
    }
}
