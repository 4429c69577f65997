/// Builds the results document (DESIGN.md section 7) from plaintext heat scores: population,
/// heat histogram, weekly events per channel, group aggregates and optionally per-client rows.
///
/// Groups (manager, branch, segment, region) come from the client directory when one is given,
/// otherwise from the manager and branch of each client's latest interaction; a group is
/// released only when it has at least ``minGroupSize`` clients. Managers, branches and clients
/// appear only as masked references (`M-…`, `B-…`, `C-…`) from the ``pseudonymizer``; segments
/// and regions are coarse labels and appear as they are.
///
/// ```swift
/// let builder = ResultsBuilder(configuration: configuration,
///                              pseudonymizer: Pseudonymizer(key: .insecureDerived(from: "demo")))
/// let document = builder.build(scores: scores, ledger: ledger, directory: clientsByID,
///                              asOf: asOf, generatedAt: now)
/// ```
public struct ResultsBuilder: Sendable {
    /// The heat configuration the scores were computed with (copied into the document).
    public var configuration: HeatConfiguration
    /// Masks manager, branch and client ids.
    public var pseudonymizer: Pseudonymizer
    /// The smallest group released (default 5).
    public var minGroupSize: Int
    /// Whether to include per-client rows (masked refs).
    public var includeClients: Bool
    /// The number of histogram bins at most (default 10).
    public var histogramBins: Int
    /// The policy name recorded in the document.
    public var policyName: String
    /// The role recorded in the document.
    public var role: String

    /// Creates a builder.
    ///
    /// - Parameters:
    ///   - configuration: the heat configuration.
    ///   - pseudonymizer: masks identifiers.
    ///   - minGroupSize: the smallest released group (default 5).
    ///   - includeClients: include per-client rows (default `false`).
    ///   - histogramBins: the number of histogram bins at most (default 10).
    ///   - policyName: the policy name (default `plaintext-default`).
    ///   - role: the role (default `executive`).
    public init(
        configuration: HeatConfiguration, pseudonymizer: Pseudonymizer, minGroupSize: Int = 5, includeClients: Bool = false,
        histogramBins: Int = 10, policyName: String = "plaintext-default", role: String = "executive"
    ) {
        self.configuration = configuration
        self.pseudonymizer = pseudonymizer
        self.minGroupSize = minGroupSize
        self.includeClients = includeClients
        self.histogramBins = histogramBins
        self.policyName = policyName
        self.role = role
    }

    /// Builds the document.
    ///
    /// - Parameters:
    ///   - scores: one score per client.
    ///   - ledger: the bucketed interactions (for weekly counts and, without a directory, groups).
    ///   - directory: clients by id (may be empty).
    ///   - asOf: the reference date.
    ///   - generatedAt: the document's timestamp.
    /// - Returns: a plaintext-mode results document.
    public func build(
        scores: [HeatScore], ledger: ActivityLedger?, directory: [String: Client], asOf: CalendarDate, generatedAt: UTCTimestamp
    ) -> ResultsDocument {
        var document = ResultsDocument(
            generatedAt: generatedAt, mode: .plaintext, asOf: asOf, role: role,
            policy: PolicySummary(name: policyName, minGroupSize: minGroupSize, epsilon: nil), heatConfig: configuration)
        document.population = population(scores)
        document.heatHistogram = histogram(scores)
        if let ledger {
            let through = asOf.isoWeek
            document.weekly = ledger.weeklyEvents(from: through.advanced(by: -(configuration.windowWeeks - 1)), through: through)
        }
        document.groups = groups(scores, ledger: ledger, directory: directory)
        if includeClients { document.clients = clientRows(scores) }
        return document
    }

    /// The population summary: clients per level, cooling clients, mean heat and mean trend.
    ///
    /// - Parameter scores: the scores.
    /// - Returns: the summary (means are 0 for no clients).
    public func population(_ scores: [HeatScore]) -> Population {
        var levels: [HeatLevel: Int] = [:]
        for level in HeatLevel.allCases { levels[level] = 0 }
        var heat = 0
        var trend = 0
        var cooling = 0
        for score in scores {
            levels[score.level, default: 0] += 1
            heat += score.heat
            trend += score.trend
            if score.cooling { cooling += 1 }
        }
        let n = Double(max(scores.count, 1))
        return Population(clients: scores.count, levels: levels, cooling: cooling, meanHeat: Double(heat) / n, trend: Double(trend) / n)
    }

    /// The heat histogram: equal bins of a round width (1, 2 or 5 x 10^k) from 0 covering the hottest client.
    ///
    /// - Parameter scores: the scores.
    /// - Returns: at most ``histogramBins`` bins, `from` inclusive, `to` exclusive.
    public func histogram(_ scores: [HeatScore]) -> [HistogramBin] {
        guard let top = scores.map(\.heat).max() else { return [] }
        let bins = max(histogramBins, 1)
        let raw = (top + bins) / bins  // ceil((top + 1) / bins)
        var width = 1
        var magnitude = 1
        search: while true {
            for step in [1, 2, 5] where step * magnitude >= raw {
                width = step * magnitude
                break search
            }
            magnitude *= 10
        }
        let count = top / width + 1
        var counts = Array(repeating: 0, count: count)
        for score in scores { counts[min(max(score.heat, 0) / width, count - 1)] += 1 }
        return counts.enumerated().map { HistogramBin(from: $0.offset * width, to: ($0.offset + 1) * width, clients: $0.element) }
    }

    /// Group aggregates over groups of at least ``minGroupSize`` clients, sorted by kind then reference.
    ///
    /// - Parameters:
    ///   - scores: the scores.
    ///   - ledger: used for clients missing from `directory`.
    ///   - directory: clients by id.
    /// - Returns: the released groups.
    public func groups(_ scores: [HeatScore], ledger: ActivityLedger?, directory: [String: Client]) -> [GroupSummary] {
        struct Tally { var clients = 0; var heat = 0; var cooling = 0 }
        var tallies: [GroupSummary.Kind: [String: Tally]] = [:]
        func add(_ kind: GroupSummary.Kind, _ key: String, _ score: HeatScore) {
            var tally = tallies[kind, default: [:]][key, default: Tally()]
            tally.clients += 1
            tally.heat += score.heat
            if score.cooling { tally.cooling += 1 }
            tallies[kind, default: [:]][key] = tally
        }
        for score in scores {
            if let client = directory[score.clientID] {
                add(.manager, client.managerID, score)
                add(.branch, client.branch, score)
                add(.segment, client.segment, score)
                add(.region, client.region, score)
            } else if let seen = ledger?.assignments[score.clientID] {
                add(.manager, seen.managerID, score)
                add(.branch, seen.branch, score)
            }
        }
        var result: [GroupSummary] = []
        for kind in GroupSummary.Kind.allCases {
            let released = (tallies[kind] ?? [:]).filter { $0.value.clients >= minGroupSize }
            var refs: [String: String] = [:]
            switch kind {
            case .manager, .branch:
                let pseudonyms = released.keys.map { ($0, pseudonymizer.pseudonym(for: $0, kind: kind == .manager ? .manager : .branch)) }
                let display = Pseudonymizer.displayRefs(for: pseudonyms.map(\.1))
                for (raw, pseudonym) in pseudonyms { refs[raw] = display[pseudonym] ?? pseudonym.displayRef }
            case .segment, .region:
                for raw in released.keys { refs[raw] = raw }
            }
            let summaries = released.map { raw, tally in
                GroupSummary(kind: kind, ref: refs[raw] ?? raw, clients: tally.clients,
                             meanHeat: Double(tally.heat) / Double(tally.clients), cooling: tally.cooling)
            }
            result += summaries.sorted { $0.ref < $1.ref }
        }
        return result
    }

    /// Per-client rows with masked references, sorted by reference.
    ///
    /// - Parameter scores: the scores.
    /// - Returns: one row per client.
    public func clientRows(_ scores: [HeatScore]) -> [ClientResult] {
        let pseudonyms = scores.map { pseudonymizer.pseudonym(for: $0.clientID, kind: .client) }
        let display = Pseudonymizer.displayRefs(for: pseudonyms)
        return zip(scores, pseudonyms).map { score, pseudonym in
            ClientResult(ref: display[pseudonym] ?? pseudonym.displayRef, heat: score.heat, trend: score.trend,
                         level: score.level, cooling: score.cooling)
        }.sorted { $0.ref < $1.ref }
    }
}
