/// Builds the results document (DESIGN.md section 7) from plaintext heat scores: population,
/// heat histogram, weekly events per channel, group aggregates and optionally per-client rows.
///
/// Groups (manager, branch, segment, region) come from the client directory when one is given,
/// otherwise from the manager and branch of each client's latest interaction; a group is
/// released only when it has at least ``minGroupSize`` clients. Two kinds whose groups hold
/// exactly the same clients (each region has one branch) are released once, as the first of
/// manager, branch, segment, region, and the other is noted in
/// ``ResultsDocument/groupDuplicates``: otherwise a masked branch reference would stand next to
/// the region label with the same numbers. Managers, branches and clients
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
    /// The number of equal-width histogram bins covering the 99th-percentile heat (default 20).
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
    ///   - histogramBins: the number of equal-width histogram bins covering the 99th-percentile heat (default 20).
    ///   - policyName: the policy name (default `plaintext-default`).
    ///   - role: the role (default `executive`).
    public init(
        configuration: HeatConfiguration, pseudonymizer: Pseudonymizer, minGroupSize: Int = 5, includeClients: Bool = false,
        histogramBins: Int = 20, policyName: String = "plaintext-default", role: String = "executive"
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
        let duplicates = groupDuplicates(scores, ledger: ledger, directory: directory)
        document.groupDuplicates = duplicates.isEmpty ? nil : duplicates
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

    /// The heat histogram: bins of a round width (1, 2 or 5 x 10^k) from 0, sized so that at most
    /// ``histogramBins`` bins cover the 99th-percentile heat.
    ///
    /// Heat is heavy-tailed (a few very hot relationships), so bins sized to the hottest client would
    /// put nearly everyone in the first bin. Clients above the covered range fall into a last, open
    /// bin whose `to` is one above the hottest client's heat and whose `open` is `true`: every bin
    /// but that one has the same width.
    ///
    /// - Parameter scores: the scores.
    /// - Returns: at most ``histogramBins`` + 1 bins, `from` inclusive, `to` exclusive, covering every client.
    public func histogram(_ scores: [HeatScore]) -> [HistogramBin] {
        let heats = scores.map { max($0.heat, 0) }.sorted()
        guard let top = heats.last else { return [] }
        let bins = max(histogramBins, 1)
        let rank = max(0, Int((Double(heats.count) * 0.99).rounded(.up)) - 1)  // nearest-rank 99th percentile
        let covered = heats[rank]
        let raw = (covered + bins) / bins  // ceil((covered + 1) / bins)
        var width = 1
        var magnitude = 1
        search: while true {
            for step in [1, 2, 5] where step * magnitude >= raw {
                width = step * magnitude
                break search
            }
            magnitude *= 10
        }
        let regular = covered / width + 1
        let count = top / width + 1 > regular ? regular + 1 : regular
        var counts = Array(repeating: 0, count: count)
        for heat in heats { counts[min(heat / width, count - 1)] += 1 }
        return counts.enumerated().map { index, clients in
            let open = index == regular
            return HistogramBin(from: index * width, to: open ? top + 1 : (index + 1) * width, clients: clients, open: open ? true : nil)
        }
    }

    /// The group each client belongs to, per kind (`nil` where the kind is unknown for a client).
    private func memberships(
        _ scores: [HeatScore], ledger: ActivityLedger?, directory: [String: Client]
    ) -> [GroupSummary.Kind: [String?]] {
        var keys: [GroupSummary.Kind: [String?]] = [:]
        for kind in GroupSummary.Kind.allCases { keys[kind] = Array(repeating: nil, count: scores.count) }
        for (index, score) in scores.enumerated() {
            if let client = directory[score.clientID] {
                keys[.manager]?[index] = client.managerID
                keys[.branch]?[index] = client.branch
                keys[.segment]?[index] = client.segment
                keys[.region]?[index] = client.region
            } else if let seen = ledger?.assignments[score.clientID] {
                keys[.manager]?[index] = seen.managerID
                keys[.branch]?[index] = seen.branch
            }
        }
        return keys
    }

    /// The group kinds whose groups hold exactly the same clients as an earlier kind's (in the
    /// order manager, branch, segment, region): a one-to-one match between their groups over
    /// every scored client, before the minimum group size is applied. ``groups(_:ledger:directory:)``
    /// leaves these kinds out.
    ///
    /// - Parameters:
    ///   - scores: the scores.
    ///   - ledger: used for clients missing from `directory`.
    ///   - directory: clients by id.
    /// - Returns: each duplicate kind with the kind that is released instead.
    public func groupDuplicates(_ scores: [HeatScore], ledger: ActivityLedger?, directory: [String: Client]) -> [GroupDuplicate] {
        Self.duplicateKinds(memberships(scores, ledger: ledger, directory: directory))
    }

    /// The group kinds that partition the clients exactly as an earlier kind does (in
    /// ``GroupSummary/Kind`` order), each with the kind released instead.
    ///
    /// - Parameter keys: per kind, each client's group key (or `nil`), clients in one fixed order.
    /// - Returns: each duplicate kind with the kind that is released instead.
    public static func duplicateKinds(_ keys: [GroupSummary.Kind: [String?]]) -> [GroupDuplicate] {
        func samePartition(_ a: [String?], _ b: [String?]) -> Bool {
            var forward: [String: String] = [:]
            var backward: [String: String] = [:]
            for (x, y) in zip(a, b) {
                switch (x, y) {
                case (nil, nil): continue
                case let (x?, y?):
                    if let known = forward[x], known != y { return false }
                    if let known = backward[y], known != x { return false }
                    forward[x] = y
                    backward[y] = x
                default: return false
                }
            }
            return !forward.isEmpty
        }
        var kept: [GroupSummary.Kind] = []
        var duplicates: [GroupDuplicate] = []
        for kind in GroupSummary.Kind.allCases {
            let members = keys[kind] ?? []
            guard members.contains(where: { $0 != nil }) else { continue }
            if let same = kept.first(where: { samePartition(keys[$0] ?? [], members) }) {
                duplicates.append(GroupDuplicate(kind: kind, sameAs: same))
            } else {
                kept.append(kind)
            }
        }
        return duplicates
    }

    /// Group aggregates over groups of at least ``minGroupSize`` clients, sorted by kind then
    /// reference; kinds listed by ``groupDuplicates(_:ledger:directory:)`` are left out.
    ///
    /// - Parameters:
    ///   - scores: the scores.
    ///   - ledger: used for clients missing from `directory`.
    ///   - directory: clients by id.
    /// - Returns: the released groups.
    public func groups(_ scores: [HeatScore], ledger: ActivityLedger?, directory: [String: Client]) -> [GroupSummary] {
        let keys = memberships(scores, ledger: ledger, directory: directory)
        let duplicate = Set(groupDuplicates(scores, ledger: ledger, directory: directory).map(\.kind))
        return Self.summaries(scores, memberships: keys, skipping: duplicate, minGroupSize: minGroupSize) { kind, released in
            var refs: [String: String] = [:]
            switch kind {
            case .manager, .branch:
                let pseudonyms = released.map { ($0, pseudonymizer.pseudonym(for: $0, kind: kind == .manager ? .manager : .branch)) }
                let display = Pseudonymizer.displayRefs(for: pseudonyms.map(\.1))
                for (raw, pseudonym) in pseudonyms { refs[raw] = display[pseudonym] ?? pseudonym.displayRef }
            case .segment, .region:
                for raw in released { refs[raw] = raw }
            }
            return refs
        }
    }

    /// Group summaries (size, mean heat, cooling count) of the groups of at least `minGroupSize`
    /// clients, sorted by kind then reference: the one tally behind ``groups(_:ledger:directory:)``
    /// and ``PipelineRelease/document(scores:store:configuration:asOf:mode:role:policyName:minGroupSize:includeGroups:includeClients:auditRun:generatedAt:)``.
    ///
    /// - Parameters:
    ///   - scores: the scores.
    ///   - keys: per kind, each score's group key (or `nil`), in the scores' order.
    ///   - skipping: kinds left out (duplicates of an earlier kind).
    ///   - minGroupSize: the smallest released group.
    ///   - references: per kind, the released keys' display references (keys missing from the
    ///     result are shown as they are).
    /// - Returns: the released groups.
    static func summaries(
        _ scores: [HeatScore], memberships keys: [GroupSummary.Kind: [String?]], skipping: Set<GroupSummary.Kind>,
        minGroupSize: Int, references: (GroupSummary.Kind, [String]) -> [String: String] = { _, _ in [:] }
    ) -> [GroupSummary] {
        struct Tally { var clients = 0; var heat = 0; var cooling = 0 }
        var tallies: [GroupSummary.Kind: [String: Tally]] = [:]
        for kind in GroupSummary.Kind.allCases where !skipping.contains(kind) {
            for (score, key) in zip(scores, keys[kind] ?? []) {
                guard let key else { continue }
                var tally = tallies[kind, default: [:]][key, default: Tally()]
                tally.clients += 1
                tally.heat += score.heat
                if score.cooling { tally.cooling += 1 }
                tallies[kind, default: [:]][key] = tally
            }
        }
        var result: [GroupSummary] = []
        for kind in GroupSummary.Kind.allCases {
            let released = (tallies[kind] ?? [:]).filter { $0.value.clients >= minGroupSize }
            let refs = references(kind, Array(released.keys))
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
    /// - Parameters:
    ///   - scores: the scores.
    ///   - churnRisk: each client's churn risk by client id (for example from
    ///     ``ChurnRiskModel/evaluateWithRisks(scores:churned:)``); clients without one get none.
    /// - Returns: one row per client.
    public func clientRows(_ scores: [HeatScore], churnRisk: [String: Double] = [:]) -> [ClientResult] {
        let pseudonyms = scores.map { pseudonymizer.pseudonym(for: $0.clientID, kind: .client) }
        let display = Pseudonymizer.displayRefs(for: pseudonyms)
        return zip(scores, pseudonyms).map { score, pseudonym in
            ClientResult(ref: display[pseudonym] ?? pseudonym.displayRef, heat: score.heat, trend: score.trend,
                         level: score.level, cooling: score.cooling, churnRisk: churnRisk[score.clientID])
        }.sorted { $0.ref < $1.ref }
    }
}
