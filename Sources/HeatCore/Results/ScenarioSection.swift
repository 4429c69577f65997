/// The `scenario` section of a results document: a stress scenario's before / after comparison
/// on a synthetic copy of the portfolio (``ScenarioRunner``).
///
/// ```swift
/// let outcome = try ScenarioRunner(seed: 7).run(try ScenarioShock.named("recession"), on: portfolio)
/// document.scenario = outcome.section
/// outcome.section.after.meanHeat - outcome.section.before.meanHeat
/// ```
public struct ScenarioSection: Sendable, Codable, Equatable {
    /// The scenario's name.
    public var name: String
    /// What the scenario models.
    public var summary: String
    /// The shock as applied.
    public var shock: ScenarioShock
    /// The seed of the synthetic copy.
    public var seed: UInt64
    /// Where the portfolio came from: `store` or `export`.
    public var source: String
    /// The reference week of the heat computation.
    public var asOfWeek: ISOWeek
    /// The forecast horizon of the lifetime features, in weeks.
    public var horizonWeeks: Int
    /// Managers drawn as leaving (attrition scenarios; 0 otherwise).
    public var managersLeaving: Int
    /// Clients whose contact the shock changed.
    public var clientsAffected: Int
    /// The portfolio before the shock.
    public var before: ScenarioSnapshot
    /// The portfolio after the shock.
    public var after: ScenarioSnapshot
    /// Clients moving between heat levels (only non-empty moves), coldest origin first.
    public var transitions: [LevelTransition]
    /// Branch and segment aggregates over groups of at least the policy's minimum size.
    public var groups: [ScenarioGroup]
    /// The contact-week model fitted on the portfolio before the shock, or `nil` when it could not be fitted.
    public var lifetimes: LifetimesParameters?

    /// Creates a section.
    public init(
        name: String, summary: String, shock: ScenarioShock, seed: UInt64, source: String, asOfWeek: ISOWeek, horizonWeeks: Int,
        managersLeaving: Int, clientsAffected: Int, before: ScenarioSnapshot, after: ScenarioSnapshot,
        transitions: [LevelTransition], groups: [ScenarioGroup], lifetimes: LifetimesParameters?
    ) {
        self.name = name
        self.summary = summary
        self.shock = shock
        self.seed = seed
        self.source = source
        self.asOfWeek = asOfWeek
        self.horizonWeeks = horizonWeeks
        self.managersLeaving = managersLeaving
        self.clientsAffected = clientsAffected
        self.before = before
        self.after = after
        self.transitions = transitions
        self.groups = groups
        self.lifetimes = lifetimes
    }
}

/// The portfolio's state on one side of a scenario.
public struct ScenarioSnapshot: Sendable, Codable, Equatable {
    /// Clients.
    public var clients: Int
    /// Clients per heat level.
    public var levels: [String: Int]
    /// Clients flagged as cooling.
    public var cooling: Int
    /// Mean heat.
    public var meanHeat: Double
    /// Mean trend.
    public var meanTrend: Double
    /// Mean expected contacts over the horizon (BG/NBD × contacts per active week).
    public var meanExpectedContacts: Double
    /// Mean probability that the relationship is alive.
    public var meanProbabilityAlive: Double
    /// Clients per risk band of the probability alive: `low` (≥ 0.8), `medium` (0.5-0.8), `high` (< 0.5 or no contact).
    public var riskBands: [String: Int]

    /// Creates a snapshot.
    public init(clients: Int, levels: [String: Int], cooling: Int, meanHeat: Double, meanTrend: Double,
                meanExpectedContacts: Double, meanProbabilityAlive: Double, riskBands: [String: Int]) {
        self.clients = clients
        self.levels = levels
        self.cooling = cooling
        self.meanHeat = meanHeat
        self.meanTrend = meanTrend
        self.meanExpectedContacts = meanExpectedContacts
        self.meanProbabilityAlive = meanProbabilityAlive
        self.riskBands = riskBands
    }
}

/// Clients moving from one heat level to another under a scenario.
public struct LevelTransition: Sendable, Codable, Equatable {
    /// The level before the shock.
    public var from: HeatLevel
    /// The level after the shock.
    public var to: HeatLevel
    /// Clients making the move.
    public var clients: Int

    /// Creates a transition.
    public init(from: HeatLevel, to: HeatLevel, clients: Int) {
        self.from = from
        self.to = to
        self.clients = clients
    }
}

/// A branch or segment before and after a scenario.
public struct ScenarioGroup: Sendable, Codable, Equatable {
    /// `branch` or `segment`.
    public var kind: GroupSummary.Kind
    /// The masked branch reference or the segment label.
    public var ref: String
    /// Clients in the group.
    public var clients: Int
    /// Mean heat before.
    public var meanHeatBefore: Double
    /// Mean heat after.
    public var meanHeatAfter: Double
    /// Cooling clients before.
    public var coolingBefore: Int
    /// Cooling clients after.
    public var coolingAfter: Int
    /// Mean expected contacts over the horizon, before.
    public var expectedContactsBefore: Double
    /// Mean expected contacts over the horizon, after.
    public var expectedContactsAfter: Double

    /// Creates a group comparison.
    public init(kind: GroupSummary.Kind, ref: String, clients: Int, meanHeatBefore: Double, meanHeatAfter: Double,
                coolingBefore: Int, coolingAfter: Int, expectedContactsBefore: Double, expectedContactsAfter: Double) {
        self.kind = kind
        self.ref = ref
        self.clients = clients
        self.meanHeatBefore = meanHeatBefore
        self.meanHeatAfter = meanHeatAfter
        self.coolingBefore = coolingBefore
        self.coolingAfter = coolingAfter
        self.expectedContactsBefore = expectedContactsBefore
        self.expectedContactsAfter = expectedContactsAfter
    }
}

/// The BG/NBD parameters of a contact-week model, as recorded in a results document.
public struct LifetimesParameters: Sendable, Codable, Equatable {
    /// Gamma shape of the contact rate.
    public var r: Double
    /// Gamma scale of the contact rate (weeks).
    public var alpha: Double
    /// Beta shape a of the end-of-relationship probability.
    public var a: Double
    /// Beta shape b of the end-of-relationship probability.
    public var b: Double

    /// Creates the parameters.
    public init(r: Double, alpha: Double, a: Double, b: Double) {
        self.r = r
        self.alpha = alpha
        self.a = a
        self.b = b
    }
}
