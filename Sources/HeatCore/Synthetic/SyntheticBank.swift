/// A deterministic synthetic bank: branches, relationship managers, clients with segment, region
/// and opening date, and a year of interaction metadata with weekly seasonality, a few hot
/// relationships and some relationships cooling toward churn (with churn labels).
///
/// The same parameters and seed give the same records, hence the same file bytes, on any date,
/// locale or machine: randomness comes from ``SplitMix64`` (one stream per client), the period
/// ends at ``endWeek`` (a fixed default, never today's date), and only exact arithmetic and
/// locale-independent formatting are used.
///
/// The model, per client and week: a base rate (skewed, 0.25 to 3.25 interactions a week) times
/// the segment's and the manager's factors, the week-of-year season (quiet summer and
/// Christmas, busy January and September), x3 for hot clients (4 %), and for churning clients
/// (12 %) a quadratic fade over 6-12 weeks down to 5 % at the churn week, then silence. Counts are
/// binomial over 20 slots a week. Churn weeks may fall up to 8 weeks after ``endWeek``: those
/// clients are still labelled churned, with their future churn week, so that models can be
/// validated on cooling that has started but not finished.
///
/// ```swift
/// let bank = SyntheticBank(clients: 200, managers: 10, branches: 3, weeks: 26, seed: 7)
/// let dataset = bank.generate()
/// let csv = SyntheticCSV.interactions(dataset.interactions)   // identical bytes on every run
/// ```
public struct SyntheticBank: Sendable, Hashable {
    /// The default last week of generated data.
    public static let defaultEndWeek = ISOWeek(year: 2026, week: 8)!
    /// The default seed.
    public static let defaultSeed: UInt64 = 42

    /// Number of clients (default 2,000).
    public var clients: Int
    /// Number of relationship managers (default 40).
    public var managers: Int
    /// Number of branches (default 5).
    public var branches: Int
    /// Number of weeks of interactions, ending at ``endWeek`` (default 52).
    public var weeks: Int
    /// The seed (default 42).
    public var seed: UInt64
    /// The last week of the period (default ``defaultEndWeek``).
    public var endWeek: ISOWeek

    /// Creates a generator; see the properties for the defaults.
    ///
    /// - Parameters:
    ///   - clients: number of clients.
    ///   - managers: number of managers (at least 1).
    ///   - branches: number of branches (at least 1).
    ///   - weeks: number of weeks.
    ///   - seed: the seed.
    ///   - endWeek: the last week.
    public init(clients: Int = 2_000, managers: Int = 40, branches: Int = 5, weeks: Int = 52,
                seed: UInt64 = SyntheticBank.defaultSeed, endWeek: ISOWeek = SyntheticBank.defaultEndWeek) {
        self.clients = clients
        self.managers = managers
        self.branches = branches
        self.weeks = weeks
        self.seed = seed
        self.endWeek = endWeek
    }

    /// Checks the parameters: 1-100,000 clients (about 90 interactions each a year, held in
    /// memory by ``generate()`` and by `heatctl generate`), 1-100,000 managers, 1-10,000 branches
    /// and no more branches than managers, 1-520 weeks.
    ///
    /// - Throws: ``SyntheticBankError`` naming the parameter out of range.
    public func validate() throws(SyntheticBankError) {
        guard (1...100_000).contains(clients) else { throw .invalidParameter(name: "clients", value: clients, range: "1...100000") }
        guard (1...100_000).contains(managers) else { throw .invalidParameter(name: "managers", value: managers, range: "1...100000") }
        guard (1...10_000).contains(branches) else { throw .invalidParameter(name: "branches", value: branches, range: "1...10000") }
        guard branches <= managers else { throw .invalidParameter(name: "branches", value: branches, range: "1...\(managers) (at most one branch per manager)") }
        guard (1...520).contains(weeks) else { throw .invalidParameter(name: "weeks", value: weeks, range: "1...520") }
    }

    /// The regions branches are spread over.
    public static let regions = ["North", "South", "East", "West", "Central"]
    /// The client segments and their shares.
    public static let segments: [(name: String, share: Double, activity: Double)] = [
        ("retail", 0.55, 0.7), ("affluent", 0.25, 1.2), ("business", 0.12, 1.5), ("private", 0.08, 2.0),
    ]

    /// The first week of the period.
    public var startWeek: ISOWeek { endWeek.advanced(by: -(weeks - 1)) }

    /// Generates the whole dataset in memory.
    ///
    /// - Returns: clients, labels and interactions (in time order, event ids `EV000000001`, ...).
    public func generate() -> SyntheticDataset {
        var interactions: [Interaction] = []
        let plan = makePlan()
        forEachInteraction(plan: plan) { interactions.append($0) }
        return SyntheticDataset(clients: plan.clients.map(\.client), labels: plan.clients.map(\.label), interactions: interactions)
    }

    /// Generates the interactions one at a time, in time order, without keeping them.
    ///
    /// Generation runs week by week over all clients, so `progress`, when given, is called with
    /// (weeks generated, ``weeks``): once with 0 before the first week, then after every week,
    /// the last call being (``weeks``, ``weeks``).
    ///
    /// ```swift
    /// var count = 0
    /// let directory = bank.streamInteractions(progress: { week, weeks in log("\(week)/\(weeks)") }) { _ in count += 1 }
    /// ```
    ///
    /// - Parameters:
    ///   - progress: receives (weeks generated, weeks in all); `nil` for none.
    ///   - body: receives each interaction.
    /// - Returns: the clients and labels.
    public func streamInteractions(
        progress: ((_ weeksDone: Int, _ totalWeeks: Int) -> Void)? = nil, _ body: (Interaction) -> Void
    ) -> (clients: [Client], labels: [ChurnLabel]) {
        let plan = makePlan()
        progress?(0, weeks)
        forEachInteraction(plan: plan, weekDone: progress.map { report in { report($0, weeks) } }, body)
        return (plan.clients.map(\.client), plan.clients.map(\.label))
    }

    // MARK: Plan

    struct ClientPlan {
        var client: Client
        var label: ChurnLabel
        var rate: Double
        var channelWeights: [Double]
        var hot: Bool
        var firstWeek: Int        // index into the period of the first active week
        var churnWeek: Int?       // index into the period (may exceed weeks - 1)
        var fadeWeeks: Int
        var rng: SplitMix64
    }

    struct Plan {
        var clients: [ClientPlan]
        var managerBranch: [Int]
    }

    static func pad(_ value: Int, _ width: Int) -> String { CalendarDate.pad(value, width) }

    func makePlan() -> Plan {
        var bankRNG = SplitMix64(seed: seed, stream: 0)
        let branchRegion = (0..<branches).map { Self.regions[$0 % Self.regions.count] }
        let managerBranch = (0..<managers).map { $0 % branches }
        let managerFactor = (0..<managers).map { _ in 0.6 + 0.8 * bankRNG.unitInterval() }
        let start = startWeek
        let earliestOpening = CalendarDate(year: 2005, month: 1, day: 1)!.daysSinceEpoch
        let windowStart = start.monday.daysSinceEpoch
        var plans: [ClientPlan] = []
        plans.reserveCapacity(clients)
        for index in 0..<clients {
            var rng = SplitMix64(seed: seed, stream: UInt64(index) + 1)
            let manager = rng.below(managers)
            let branch = managerBranch[manager]
            let segment = rng.pick(weights: Self.segments.map(\.share))
            var firstWeek = 0
            let opened: CalendarDate
            if rng.chance(0.08), weeks > 4 {
                firstWeek = 1 + rng.below(weeks - 1)
                opened = start.advanced(by: firstWeek).monday.adding(days: rng.below(5))
            } else {
                opened = CalendarDate(daysSinceEpoch: earliestOpening + rng.below(max(1, windowStart - earliestOpening)))
            }
            let u = rng.unitInterval()
            var rate = (0.6 + 4.0 * u * u * u) * Self.segments[segment].activity * managerFactor[manager]
            let hot = rng.chance(0.04)
            if hot { rate *= 3 }
            var churnWeek: Int?
            if !hot, rng.chance(0.12) {
                let earliest = max(weeks / 3, 1)
                churnWeek = earliest + rng.below(max(1, weeks - earliest + 8))
            }
            let fadeWeeks = 6 + rng.below(7)
            var channelWeights = [0.30, 0.35, 0.10, 0.25].map { $0 * (0.5 + rng.unitInterval()) }
            if Self.segments[segment].name == "private" || Self.segments[segment].name == "business" { channelWeights[2] *= 2.5 }
            if hot { channelWeights[2] *= 2 }
            let clientID = "CL" + Self.pad(index + 1, 6)
            let client = Client(
                clientID: clientID, segment: Self.segments[segment].name, region: branchRegion[branch], openedOn: opened,
                managerID: "M" + Self.pad(manager + 1, 3), branch: "BR" + Self.pad(branch + 1, 2))
            let label = ChurnLabel(clientID: clientID, churned: churnWeek != nil, churnWeek: churnWeek.map { start.advanced(by: $0) })
            plans.append(ClientPlan(client: client, label: label, rate: min(rate, 15), channelWeights: channelWeights, hot: hot,
                                    firstWeek: firstWeek, churnWeek: churnWeek, fadeWeeks: fadeWeeks, rng: rng))
        }
        return Plan(clients: plans, managerBranch: managerBranch)
    }

    /// The seasonal activity factor of an ISO week number.
    static func season(week: Int) -> Double {
        switch week {
        case 1, 51, 52, 53: 0.5
        case 2...6: 1.15
        case 28...34: 0.7
        case 36...40: 1.1
        default: 1.0
        }
    }

    // MARK: Interactions

    private struct Pending {
        var at: Int64
        var client: Int
        var order: Int
        var interaction: Interaction
    }

    private func forEachInteraction(plan: Plan, weekDone: ((Int) -> Void)? = nil, _ body: (Interaction) -> Void) {
        var plans = plan.clients
        let start = startWeek
        var sequence = 0
        let channels = Channel.allCases
        let slots = 20
        var pending: [Pending] = []
        for weekIndex in 0..<weeks {
            let week = start.advanced(by: weekIndex)
            let monday = week.monday.startOfDay.secondsSinceEpoch
            let season = Self.season(week: week.week)
            pending.removeAll(keepingCapacity: true)
            for index in plans.indices {
                var p = plans[index]
                var factor = season
                var fade = 1.0
                if weekIndex < p.firstWeek { factor = 0 }
                if let churn = p.churnWeek {
                    if weekIndex >= churn {
                        factor = 0
                    } else if weekIndex >= churn - p.fadeWeeks {
                        let x = Double(churn - weekIndex) / Double(p.fadeWeeks + 1)
                        fade = 0.05 + 0.95 * x * x
                        factor *= fade
                    }
                }
                let probability = min(p.rate * factor / Double(slots), 0.9)
                for _ in 0..<slots where probability > 0 && p.rng.chance(probability) {
                    let channel = channels[p.rng.pick(weights: p.channelWeights)]
                    let outbound = p.rng.chance(0.5 + 0.35 * (1 - fade))
                    let day = p.rng.chance(0.06) ? 5 + p.rng.below(2) : p.rng.below(5)
                    let second = 7 * 3600 + p.rng.below(12 * 3600)
                    var duration: Int?
                    var replied: Double?
                    switch channel {
                    case .call: duration = 60 + p.rng.below(1500)
                    case .meeting: duration = 60 * (30 + p.rng.below(61))
                    case .email, .message:
                        if p.rng.chance(0.7 * (fade < 1 ? fade : 1)) { replied = Double(5 + p.rng.below(960)) / 10 }
                    }
                    let at = monday + Int64(day * 86_400 + second)
                    let interaction = Interaction(
                        eventID: nil, clientID: p.client.clientID, managerID: p.client.managerID, branch: p.client.branch,
                        channel: channel, direction: outbound ? .outbound : .inbound, occurredAt: UTCTimestamp(secondsSinceEpoch: at),
                        durationSeconds: duration, repliedWithinHours: replied)
                    pending.append(Pending(at: at, client: index, order: pending.count, interaction: interaction))
                }
                plans[index] = p
            }
            pending.sort { ($0.at, $0.client, $0.order) < ($1.at, $1.client, $1.order) }
            for var item in pending {
                sequence += 1
                item.interaction.eventID = "EV" + Self.pad(sequence, 9)
                body(item.interaction)
            }
            weekDone?(weekIndex + 1)
        }
    }
}
