import Foundation

/// One scored client for the population view: its group labels, score, band and (optional)
/// heat level.
public struct PortfolioClient: Sendable, Equatable {
    /// The client's group label per kind (branch, region, segment).
    public var groups: [GroupSummary.Kind: String]
    /// The 0-100 risk score.
    public var score: Int
    /// The risk band.
    public var band: RiskBand
    /// The heat level, when known.
    public var level: HeatLevel?
    /// A stable identifier of the client across periods and releases, used only for the
    /// differencing guard's membership tags (hashed, never released); `nil` when the scores file
    /// has no id column, in which case clients are told apart by position within one release.
    public var id: String?

    /// Creates a client row.
    ///
    /// - Parameters:
    ///   - groups: group labels by kind.
    ///   - score: the score.
    ///   - band: the band.
    ///   - level: the heat level, if known.
    ///   - id: a stable client identifier for the differencing guard, if known.
    public init(groups: [GroupSummary.Kind: String], score: Int, band: RiskBand, level: HeatLevel? = nil, id: String? = nil) {
        self.groups = groups
        self.score = score
        self.band = band
        self.level = level
        self.id = id
    }

    /// The membership tag namespace of portfolio clients (separate from the store's releases).
    static func memberID(_ client: PortfolioClient, position: Int) -> String {
        client.id ?? "risk-portfolio:row:\(position)"
    }
}

/// One released portfolio group.
public struct RiskPortfolioGroup: Sendable, Codable, Equatable {
    /// The grouping.
    public var kind: GroupSummary.Kind
    /// The group's label.
    public var ref: String
    /// Clients in the group (at least the policy's k).
    public var clients: Int
    /// Clients per band, keyed `High`, `Medium`, `Low`.
    public var bands: [String: Int]
    /// Share of the group's clients in the High band.
    public var highShare: Double
    /// Mean risk score.
    public var meanScore: Double
    /// The group's share of all High-risk clients of its kind's released groups (concentration).
    public var shareOfHigh: Double
    /// Clients per heat level, when levels were given.
    public var levels: [String: Int]?
    /// The High share in the previous period, when released.
    public var previousHighShare: Double?
    /// `highShare - previousHighShare`, in shares (0.05 = 5 points).
    public var highShareChange: Double?
}

/// Concentration of High-risk clients across one kind's released groups.
public struct RiskConcentration: Sendable, Codable, Equatable {
    /// The grouping.
    public var kind: GroupSummary.Kind
    /// Herfindahl-Hirschman index of the groups' shares of High-risk clients (1 / groups when even, 1 when all in one).
    public var herfindahl: Double
    /// The largest group's share of High-risk clients.
    public var largestShare: Double
    /// Number of released groups.
    public var groups: Int
}

/// The population view of risk (issue 19): portfolio metrics by branch, region and segment, as
/// released under a privacy policy. Part of the results document (`riskPortfolio`).
public struct RiskPortfolioSection: Sendable, Codable, Equatable {
    /// Where the scores came from (a file name or description).
    public var source: String
    /// The band thresholds used.
    public var bandThresholds: RiskBands
    /// Clients in the whole portfolio (nil when withheld).
    public var clients: Int?
    /// Portfolio share at High risk (nil when withheld).
    public var highShare: Double?
    /// Portfolio High share in the previous period (nil when not given or withheld).
    public var previousHighShare: Double?
    /// Portfolio clients per band (nil when withheld).
    public var bands: [String: Int]?
    /// Released groups, by kind then label.
    public var groups: [RiskPortfolioGroup]
    /// Concentration per kind.
    public var concentration: [RiskConcentration]
    /// What the policy withheld, and why.
    public var withheld: [Withholding]
}

/// What ``RiskPortfolioRelease/outcome(_:previous:role:kinds:bands:source:history:)`` released:
/// the section and the groups it released (with membership tags), for the release ledger.
///
/// ```swift
/// let outcome = try RiskPortfolioRelease(policy: policy).outcome(clients, role: "executive", source: "scores.csv")
/// outcome.groups.count   // population + released groups
/// ```
public struct RiskPortfolioOutcome: Sendable {
    /// The released section.
    public var section: RiskPortfolioSection
    /// The current period's released groups (population included), for ``ReleaseLedger``.
    public var groups: [ReleasedGroup]
}

/// Builds the ``RiskPortfolioSection`` and applies the privacy policy: the role must be named by
/// the policy and allowed group figures; each kind the role may not receive is withheld; groups
/// (current or previous period) under the policy's `k` are withheld; a role whose policy
/// requires differential privacy is refused (this view releases exact counts).
///
/// Differencing goes through the same guard as every other release (``ReleaseEngine``): the
/// portfolio total and each group are checked, in order (population, then each kind's groups
/// largest first), against the groups released before in this view and, with a history from the
/// store's ``ReleaseLedger``, in earlier releases to the role. A region whose released branches
/// leave fewer than `k` of its clients uncovered is withheld, and so is a branch that would
/// complete such a subtraction; the previous period's figures are checked the same way among
/// themselves.
///
/// ```swift
/// let section = try RiskPortfolioRelease(policy: policy).release(current, previous: prior,
///                                                                  role: "executive", bands: .standard, source: "scores.csv")
/// ```
public struct RiskPortfolioRelease: Sendable {
    /// The policy.
    public var policy: PrivacyPolicy

    /// Creates a release step.
    ///
    /// - Parameter policy: the policy.
    public init(policy: PrivacyPolicy) {
        self.policy = policy
    }

    /// Releases the portfolio view.
    ///
    /// - Parameters:
    ///   - clients: the current period's scored clients.
    ///   - previous: the previous period's scored clients, if any.
    ///   - role: the receiving role.
    ///   - kinds: the groupings to compute (default branch, region, segment).
    ///   - bands: the band thresholds (reported).
    ///   - source: where the scores came from.
    ///   - history: groups released earlier to the role (from ``ReleaseLedger/history(role:in:)``).
    /// - Returns: the section.
    /// - Throws: ``PolicyRefusal`` (exit 77) for an unknown role, a role without group figures,
    ///   a role that requires differential privacy, or (with a policy whose `differencing` is
    ///   `refuse`) a release that differencing would break.
    public func release(_ clients: [PortfolioClient], previous: [PortfolioClient]? = nil, role: String,
                        kinds: [GroupSummary.Kind] = [.branch, .region, .segment], bands: RiskBands = .standard, source: String,
                        history: [ReleasedGroup] = []) throws(PolicyRefusal) -> RiskPortfolioSection {
        try outcome(clients, previous: previous, role: role, kinds: kinds, bands: bands, source: source, history: history).section
    }

    /// Releases the portfolio view and returns the released groups for the ledger.
    ///
    /// - Parameters: as ``release(_:previous:role:kinds:bands:source:history:)``.
    /// - Returns: the section and the released groups.
    /// - Throws: ``PolicyRefusal`` as ``release(_:previous:role:kinds:bands:source:history:)``.
    public func outcome(_ clients: [PortfolioClient], previous: [PortfolioClient]? = nil, role: String,
                        kinds: [GroupSummary.Kind] = [.branch, .region, .segment], bands: RiskBands = .standard, source: String,
                        history: [ReleasedGroup] = []) throws(PolicyRefusal) -> RiskPortfolioOutcome {
        let permissions = try policy.permissions(for: role)
        let rule = "roles.\(role)"
        guard !permissions.groups.isEmpty else {
            throw PolicyRefusal(rule: "\(rule).groups", reason: "the role \"\(role)\" may not receive group figures, so it gets no portfolio view")
        }
        if permissions.budget?.required == true {
            throw PolicyRefusal(rule: "\(rule).dp", reason: "the role requires differential-privacy noise, which the portfolio view does not add")
        }
        let k = policy.minGroupSize
        var withheld: [Withholding] = []
        func share(_ part: Int, _ whole: Int) -> Double { whole > 0 ? Double(part) / Double(whole) : 0 }
        func tags(_ members: [(offset: Int, element: PortfolioClient)]) -> [UInt64] {
            members.map { ReleasedGroup.tag(for: PortfolioClient.memberID($0.element, position: $0.offset)) }
        }
        func withhold(_ item: String, _ risk: DifferencingGuard.Risk) throws(PolicyRefusal) {
            let isIdentical = if case .identical = risk { true } else { false }
            let ruleName = isIdentical ? "differencing.identical" : "differencing"
            // The reason names neither the withheld group nor the size of what subtraction would isolate.
            let reason = isIdentical
                ? "its members are identical to a group already released (identical groups are released once)"
                : "together with groups already released it could be subtracted to isolate fewer than \(k) clients"
            if policy.differencing == .refuse && !isIdentical {
                throw PolicyRefusal(rule: ruleName, reason: "releasing a \(item) would let releases be subtracted: \(reason)")
            }
            withheld.append(Withholding(item: item, rule: ruleName, reason: reason))
        }
        let indexed = Array(clients.enumerated())
        let indexedPrevious = previous.map { Array($0.enumerated()) }
        var guardian = DifferencingGuard(k: k, history: history)
        // The previous period is a different population: its own guard, no ledger.
        var previousGuardian = DifferencingGuard(k: k, history: [])
        var released: [ReleasedGroup] = []
        var section = RiskPortfolioSection(source: source, bandThresholds: bands, clients: nil, highShare: nil, previousHighShare: nil,
                                           bands: nil, groups: [], concentration: [], withheld: [])
        if permissions.population && clients.count >= k {
            let group = ReleasedGroup(kind: "population", ref: "all", tags: tags(indexed))
            if let risk = guardian.risk(of: group, differencing: true) {
                try withhold("portfolio totals", risk)
            } else {
                guardian.remember(group)
                released.append(group)
                section.clients = clients.count
                section.highShare = share(clients.filter { $0.band == .high }.count, clients.count)
                section.bands = Dictionary(grouping: clients, by: \.band.rawValue).mapValues(\.count)
                if let indexedPrevious, indexedPrevious.count >= k {
                    previousGuardian.remember(ReleasedGroup(kind: "population", ref: "all", tags: tags(indexedPrevious)))
                    section.previousHighShare = share(indexedPrevious.filter { $0.element.band == .high }.count, indexedPrevious.count)
                }
            }
        } else {
            withheld.append(Withholding(item: "portfolio totals", rule: permissions.population ? "minGroupSize" : "\(rule).population",
                                        reason: permissions.population ? "fewer than \(k) clients" : "the role may not receive population figures"))
        }
        for kind in kinds {
            guard permissions.groups.contains(kind) else {
                withheld.append(Withholding(item: "\(kind.rawValue) groups", rule: "\(rule).groups", reason: "the role may not receive \(kind.rawValue) figures"))
                continue
            }
            let current = Dictionary(grouping: indexed.filter { $0.element.groups[kind] != nil }, by: { $0.element.groups[kind] ?? "" })
            let prior = indexedPrevious.map { Dictionary(grouping: $0.filter { $0.element.groups[kind] != nil }, by: { $0.element.groups[kind] ?? "" }) }
            var kept: [RiskPortfolioGroup] = []
            // Largest first, so that a subtraction risk falls on the smallest groups.
            for (label, members) in current.sorted(by: { ($0.value.count, $1.key) > ($1.value.count, $0.key) }) {
                guard members.count >= k else {
                    withheld.append(Withholding(item: "\(kind.rawValue) group", rule: "minGroupSize", reason: "a group with fewer than \(k) clients"))
                    continue
                }
                let candidate = ReleasedGroup(kind: kind.rawValue, ref: label, tags: tags(members))
                if let risk = guardian.risk(of: candidate, differencing: true) {
                    try withhold("\(kind.rawValue) group", risk)
                    continue
                }
                guardian.remember(candidate)
                released.append(candidate)
                let rows = members.map { $0.element }
                let high = rows.filter { $0.band == .high }.count
                var group = RiskPortfolioGroup(
                    kind: kind, ref: label, clients: rows.count, bands: Dictionary(grouping: rows, by: \.band.rawValue).mapValues(\.count),
                    highShare: share(high, rows.count), meanScore: Double(rows.reduce(0) { $0 + $1.score }) / Double(rows.count),
                    shareOfHigh: 0, levels: nil, previousHighShare: nil, highShareChange: nil)
                let levels = rows.compactMap(\.level)
                if levels.count == rows.count { group.levels = Dictionary(grouping: levels, by: \.rawValue).mapValues(\.count) }
                if let before = prior?[label] {
                    let previousGroup = ReleasedGroup(kind: kind.rawValue, ref: label, tags: tags(before))
                    if before.count < k {
                        withheld.append(Withholding(item: "\(kind.rawValue) group change", rule: "minGroupSize", reason: "the previous period's group has fewer than \(k) clients"))
                    } else if let risk = previousGuardian.risk(of: previousGroup, differencing: true) {
                        try withhold("\(kind.rawValue) group change", risk)
                    } else {
                        previousGuardian.remember(previousGroup)
                        group.previousHighShare = share(before.filter { $0.element.band == .high }.count, before.count)
                        group.highShareChange = group.highShare - (group.previousHighShare ?? 0)
                    }
                }
                kept.append(group)
            }
            kept.sort { $0.ref < $1.ref }
            let (shared, concentration) = Self.withSharesOfHigh(kept, kind: kind)
            if let concentration { section.concentration.append(concentration) }
            section.groups += shared
        }
        section.withheld = withheld
        return RiskPortfolioOutcome(section: section, groups: released)
    }

    /// Complementary suppression for one kind of group under a released total, decided by the
    /// release's differencing guard (``ReleaseEngine``'s, the one mechanism): the groups are
    /// checked largest first and a group is withheld when the total minus it and the groups kept
    /// before would leave between 1 and k - 1 clients, so the totals minus the kept groups never
    /// reveal a group under `k`.
    ///
    /// - Parameters:
    ///   - groups: the groups of one kind that passed the `k` rule.
    ///   - total: the released client total, or `nil` when the totals are withheld.
    ///   - k: the policy's minimum group size.
    /// - Returns: the groups to keep (in their given order) and how many more were withheld.
    @available(*, deprecated, message: "RiskPortfolioRelease.release applies the differencing guard with membership; this count-only form remains for callers of issue 19's first version")
    public static func suppressingComplements(_ groups: [RiskPortfolioGroup], total: Int?, k: Int) -> (kept: [RiskPortfolioGroup], removed: Int) {
        guard let total else { return (groups, 0) }
        let outside = total - groups.reduce(0) { $0 + $1.clients }
        let keys = groups.map { "\($0.kind.rawValue)\u{0}\($0.ref)" }
        let published = DifferencingGuard.publishableParts(zip(keys, groups).map { ($0, $1.clients) }, outside: max(outside, 0), k: k)
        let kept = zip(keys, groups).filter { published.contains($0.0) }.map(\.1)
        return (kept, groups.count - kept.count)
    }

    /// Each group's share of the kind's High-band clients and the kind's concentration, computed
    /// over the released groups only (a share over a larger set would reveal the withheld ones).
    ///
    /// - Parameters:
    ///   - groups: the released groups of one kind.
    ///   - kind: their kind.
    /// - Returns: the groups with ``RiskPortfolioGroup/shareOfHigh`` set, and the concentration
    ///   (`nil` when no group is released).
    public static func withSharesOfHigh(_ groups: [RiskPortfolioGroup], kind: GroupSummary.Kind) -> ([RiskPortfolioGroup], RiskConcentration?) {
        guard !groups.isEmpty else { return ([], nil) }
        var result = groups
        let highTotal = result.reduce(0) { $0 + ($1.bands[RiskBand.high.rawValue] ?? 0) }
        for i in result.indices {
            let high = result[i].bands[RiskBand.high.rawValue] ?? 0
            result[i].shareOfHigh = highTotal > 0 ? Double(high) / Double(highTotal) : 0
        }
        let concentration = RiskConcentration(
            kind: kind, herfindahl: result.reduce(0) { $0 + $1.shareOfHigh * $1.shareOfHigh },
            largestShare: result.map(\.shareOfHigh).max() ?? 0, groups: result.count)
        return (result, concentration)
    }

}
