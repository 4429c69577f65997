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

    /// Creates a client row.
    ///
    /// - Parameters:
    ///   - groups: group labels by kind.
    ///   - score: the score.
    ///   - band: the band.
    ///   - level: the heat level, if known.
    public init(groups: [GroupSummary.Kind: String], score: Int, band: RiskBand, level: HeatLevel? = nil) {
        self.groups = groups
        self.score = score
        self.band = band
        self.level = level
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

/// Builds the ``RiskPortfolioSection`` and applies the privacy policy: the role must be named by
/// the policy and allowed group figures; each kind the role may not receive is withheld; groups
/// (current or previous period) under the policy's `k` are withheld; a role whose policy
/// requires differential privacy is refused (this view releases exact counts).
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
    /// - Parameter policy: the privacy policy.
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
    /// - Returns: the section.
    /// - Throws: ``PolicyRefusal`` (exit 77) for an unknown role, a role without group figures,
    ///   or a role that requires differential privacy.
    public func release(_ clients: [PortfolioClient], previous: [PortfolioClient]? = nil, role: String,
                        kinds: [GroupSummary.Kind] = [.branch, .region, .segment], bands: RiskBands = .standard, source: String) throws(PolicyRefusal) -> RiskPortfolioSection {
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
        var section = RiskPortfolioSection(source: source, bandThresholds: bands, clients: nil, highShare: nil, previousHighShare: nil,
                                           bands: nil, groups: [], concentration: [], withheld: [])
        if permissions.population && clients.count >= k {
            section.clients = clients.count
            section.highShare = share(clients.filter { $0.band == .high }.count, clients.count)
            section.bands = Dictionary(grouping: clients, by: \.band.rawValue).mapValues(\.count)
            if let previous, previous.count >= k { section.previousHighShare = share(previous.filter { $0.band == .high }.count, previous.count) }
        } else {
            withheld.append(Withholding(item: "portfolio totals", rule: permissions.population ? "minGroupSize" : "\(rule).population",
                                        reason: permissions.population ? "fewer than \(k) clients" : "the role may not receive population figures"))
        }
        for kind in kinds {
            guard permissions.groups.contains(kind) else {
                withheld.append(Withholding(item: "\(kind.rawValue) groups", rule: "\(rule).groups", reason: "the role may not receive \(kind.rawValue) figures"))
                continue
            }
            let current = Dictionary(grouping: clients.filter { $0.groups[kind] != nil }, by: { $0.groups[kind] ?? "" })
            let prior = previous.map { Dictionary(grouping: $0.filter { $0.groups[kind] != nil }, by: { $0.groups[kind] ?? "" }) }
            var released: [RiskPortfolioGroup] = []
            for (label, members) in current.sorted(by: { $0.key < $1.key }) {
                guard members.count >= k else {
                    withheld.append(Withholding(item: "\(kind.rawValue) group", rule: "minGroupSize", reason: "a group with fewer than \(k) clients"))
                    continue
                }
                let high = members.filter { $0.band == .high }.count
                var group = RiskPortfolioGroup(
                    kind: kind, ref: label, clients: members.count, bands: Dictionary(grouping: members, by: \.band.rawValue).mapValues(\.count),
                    highShare: share(high, members.count), meanScore: Double(members.reduce(0) { $0 + $1.score }) / Double(members.count),
                    shareOfHigh: 0, levels: nil, previousHighShare: nil, highShareChange: nil)
                let levels = members.compactMap(\.level)
                if levels.count == members.count { group.levels = Dictionary(grouping: levels, by: \.rawValue).mapValues(\.count) }
                if let before = prior?[label] {
                    if before.count >= k {
                        group.previousHighShare = share(before.filter { $0.band == .high }.count, before.count)
                        group.highShareChange = group.highShare - (group.previousHighShare ?? 0)
                    } else {
                        withheld.append(Withholding(item: "\(kind.rawValue) group change", rule: "minGroupSize", reason: "the previous period's group has fewer than \(k) clients"))
                    }
                }
                released.append(group)
            }
            let suppressed = Self.suppressingComplements(released, total: section.clients, k: k)
            for _ in 0..<suppressed.removed {
                withheld.append(Withholding(item: "\(kind.rawValue) group", rule: "differencing",
                                            reason: "withheld with the smaller groups, so that the totals minus the released groups cannot reveal them"))
            }
            let (shared, concentration) = Self.withSharesOfHigh(suppressed.kept, kind: kind)
            if let concentration { section.concentration.append(concentration) }
            section.groups += shared
        }
        section.withheld = withheld
        return section
    }

    /// Complementary suppression for one kind of group: while the clients outside the released
    /// groups (the withheld small groups and clients without a group) number fewer than `k` but
    /// more than zero, and the totals are released, the smallest released group is withheld too,
    /// so that the totals minus the released groups never reveal a group under `k`.
    ///
    /// - Parameters:
    ///   - groups: the groups of one kind that passed the `k` rule.
    ///   - total: the released client total, or `nil` when the totals are withheld.
    ///   - k: the policy's minimum group size.
    /// - Returns: the groups to keep and how many more were withheld.
    public static func suppressingComplements(_ groups: [RiskPortfolioGroup], total: Int?, k: Int) -> (kept: [RiskPortfolioGroup], removed: Int) {
        guard let total else { return (groups, 0) }
        var kept = groups
        var residual = total - kept.reduce(0) { $0 + $1.clients }
        var removed = 0
        while residual > 0, residual < k,
              let smallest = kept.indices.min(by: { (kept[$0].clients, kept[$0].ref) < (kept[$1].clients, kept[$1].ref) }) {
            residual += kept[smallest].clients
            kept.remove(at: smallest)
            removed += 1
        }
        return (kept, removed)
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
