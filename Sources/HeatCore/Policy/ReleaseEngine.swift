import Foundation
import HeatML
import Logging

/// The one place results are released: checks a request against a ``PrivacyPolicy``, computes
/// exactly what the role may receive from per-client values, adds differential-privacy noise when
/// an epsilon is spent, and returns the released ``ResultsDocument``.
///
/// **Entry point for every pipeline.** The plaintext store (`heatctl release`), the demo and the
/// encrypted pipeline (after the key holder decrypts) all call ``release(_:request:history:spentThisMonth:generatedAt:using:)``
/// with a ``ReleaseInput`` of per-client values (heat, trend, level, cooling, group memberships);
/// the engine does not know or care where they came from. Persisting the release (audit entry,
/// budget, membership hashes) is ``StoreRelease``'s job.
///
/// Exact computation comes first, noise last: with no epsilon, the released numbers equal the
/// plaintext computation (``ResultsBuilder``) exactly.
///
/// ```swift
/// let engine = ReleaseEngine(policy: try PrivacyPolicy.load(from: policyURL))
/// let outcome = try engine.release(input, request: ReleaseRequest(role: "executive"), generatedAt: .now())
/// let json = try outcome.document.jsonData()
/// ```
public struct ReleaseEngine: Sendable {
    /// The policy applied.
    public var policy: PrivacyPolicy
    /// Where the engine logs what it withheld or refused and why (rule names and section
    /// names, never values or identifiers); silent by default.
    public var logger: Logger

    /// Creates an engine.
    ///
    /// - Parameters:
    ///   - policy: the policy.
    ///   - logger: where to log (default: ``Logging/Logger/silent``).
    public init(policy: PrivacyPolicy, logger: Logger = .silent) {
        self.policy = policy
        self.logger = logger
    }

    /// Releases `input` to the requesting role, with noise from the system CSPRNG when an
    /// epsilon is spent.
    ///
    /// - Parameters:
    ///   - input: the exact per-client values.
    ///   - request: role, manager, epsilon, sections.
    ///   - history: groups released earlier to the same role (for the differencing check).
    ///   - spentThisMonth: epsilon the role already spent this calendar month.
    ///   - generatedAt: the document's timestamp.
    /// - Returns: the released document and what was withheld.
    /// - Throws: ``PolicyRefusal`` naming the rule that refuses the request.
    public func release(
        _ input: ReleaseInput, request: ReleaseRequest, history: [ReleasedGroup] = [], spentThisMonth: Double = 0,
        generatedAt: UTCTimestamp
    ) throws(PolicyRefusal) -> ReleaseOutcome {
        var generator = SystemRandomNumberGenerator()
        return try release(input, request: request, history: history, spentThisMonth: spentThisMonth,
                           generatedAt: generatedAt, using: &generator)
    }

    /// Releases `input` to the requesting role, drawing noise from `generator` (tests pass a seeded
    /// generator; production code uses the overload without one).
    ///
    /// - Parameters:
    ///   - input: the exact per-client values.
    ///   - request: role, manager, epsilon, sections.
    ///   - history: groups released earlier to the same role.
    ///   - spentThisMonth: epsilon the role already spent this calendar month.
    ///   - generatedAt: the document's timestamp.
    ///   - generator: the noise source.
    /// - Returns: the released document and what was withheld.
    /// - Throws: ``PolicyRefusal`` naming the rule that refuses the request.
    public func release<G: RandomNumberGenerator>(
        _ input: ReleaseInput, request: ReleaseRequest, history: [ReleasedGroup] = [], spentThisMonth: Double = 0,
        generatedAt: UTCTimestamp, using generator: inout G
    ) throws(PolicyRefusal) -> ReleaseOutcome {
        let role = request.role
        let permissions = try policy.permissions(for: role)
        let k = policy.minGroupSize
        let rule = "roles.\(role)"

        // 1. Sections: what the role may receive, and what was asked for.
        func allowed(_ section: ReleaseRequest.Section) -> Bool {
            switch section {
            case .population: permissions.population
            case .histogram: permissions.histogram
            case .weekly: permissions.weekly
            case .groups: !permissions.groups.isEmpty
            case .clients: permissions.clients != .none
            case .model: permissions.model
            }
        }
        func field(_ section: ReleaseRequest.Section) -> String {
            switch section {
            case .population: "population"
            case .histogram: "histogram"
            case .weekly: "weekly"
            case .groups: "groups"
            case .clients: "clients"
            case .model: "model"
            }
        }
        if let asked = request.sections {
            for section in ReleaseRequest.Section.allCases where asked.contains(section) && !allowed(section) {
                throw PolicyRefusal(rule: "\(rule).\(field(section))", reason: "the role \"\(role)\" may not receive \(section.rawValue == "model" ? "model scores" : section.rawValue)")
            }
        }
        var wanted = Set(ReleaseRequest.Section.allCases.filter(allowed))
        if let asked = request.sections { wanted.formIntersection(asked) }
        var withheld: [Withholding] = []

        // 2. Per-client rows.
        var clientRows: [ClientResult]?
        let clientsOf = request.clientsOf ?? request.manager
        if request.clientsOf != nil && permissions.clients == .none {
            throw PolicyRefusal(rule: "\(rule).clients", reason: "the role \"\(role)\" may not receive per-client values")
        }
        if wanted.contains(.clients) {
            var selected: [ReleaseClient]
            switch permissions.clients {
            case .none:
                selected = []
            case .own:
                guard let manager = request.manager else {
                    throw PolicyRefusal(rule: "\(rule).clients", reason: "per-client values go only to a manager for their own clients: pass --manager REF")
                }
                guard let clientsOf, Self.sameRef(clientsOf, manager) else {
                    throw PolicyRefusal(rule: "\(rule).clients", reason: "a manager may receive only their own clients, not those of another manager")
                }
                selected = input.clients.filter { $0.groups[.manager].map { Self.sameRef($0, manager) } ?? false }
            case .all:
                selected = clientsOf.map { of in input.clients.filter { $0.groups[.manager].map { Self.sameRef($0, of) } ?? false } }
                    ?? input.clients
            }
            // Issue 21: each row names its groups of the kinds the role may receive (and, in a
            // manager's own-clients release, its manager), so `heatctl serve` can check the rows
            // against the document's manager and the dashboard's filters can narrow the rows.
            let rowKinds = Self.clientRowKinds(permissions)
            clientRows = selected.map { client in
                var row = ClientResult(ref: client.ref, heat: client.heat, trend: client.trend, level: client.level, cooling: client.cooling)
                for kind in rowKinds { row.setGroup(kind, client.groups[kind]) }
                return row
            }.sorted { $0.ref < $1.ref }
        }

        // 3. Epsilon and budget.
        let epsilon = request.epsilon ?? permissions.budget?.defaultEpsilon
        if let epsilon {
            guard let budget = permissions.budget else {
                throw PolicyRefusal(rule: "\(rule).dp", reason: "the role \"\(role)\" has no differential-privacy budget, so it may not request an epsilon")
            }
            guard epsilon > 0, epsilon.isFinite else {
                throw PolicyRefusal(rule: "\(rule).dp.maxEpsilon", reason: "epsilon must be positive (found \(epsilon))")
            }
            guard epsilon <= budget.maxEpsilon else {
                throw PolicyRefusal(rule: "\(rule).dp.maxEpsilon", reason: "epsilon \(epsilon) exceeds the role's maximum of \(budget.maxEpsilon) per release")
            }
            guard spentThisMonth + epsilon <= budget.monthlyBudget + 1e-9 else {
                throw PolicyRefusal(rule: "\(rule).dp.monthlyBudget", reason: "the role has spent epsilon \(Self.format(spentThisMonth)) of its monthly budget \(Self.format(budget.monthlyBudget)) this calendar month; \(Self.format(epsilon)) more would exceed it")
            }
        } else if permissions.budget?.required == true {
            throw PolicyRefusal(rule: "\(rule).dp.required", reason: "every release to the role \"\(role)\" must be noisy: pass --epsilon E")
        }

        // 4. Exact aggregates.
        let n = input.clients.count
        let scores = input.clients.map(\.score)
        let builder = ResultsBuilder(configuration: input.configuration, pseudonymizer: Self.unusedPseudonymizer,
                                     minGroupSize: k, histogramBins: input.histogramBins)
        let aggregatesAllowed = n >= k
        if !aggregatesAllowed && !wanted.isDisjoint(with: [.population, .histogram, .weekly, .groups]) {
            withheld.append(Withholding(item: "aggregates", rule: "minGroupSize",
                                        reason: "the population has fewer than k = \(k) clients"))
        }
        if epsilon != nil {
            if wanted.contains(.weekly) && input.weekly != nil {
                withheld.append(Withholding(item: "weekly", rule: "\(rule).dp", reason: "weekly event totals are not released with noise (unbounded contributions)"))
            }
            if wanted.contains(.model) && input.model != nil {
                withheld.append(Withholding(item: "model", rule: "\(rule).dp", reason: "model evaluations are exact statistics and are not released in a noisy release"))
            }
        } else if input.model != nil && !permissions.model {
            withheld.append(Withholding(item: "model", rule: "\(rule).model", reason: "the role may not receive model scores"))
        }
        let releasePopulation = aggregatesAllowed && wanted.contains(.population)
        let releaseHistogram = aggregatesAllowed && wanted.contains(.histogram)
        let groupKinds = aggregatesAllowed && wanted.contains(.groups)
            ? GroupSummary.Kind.allCases.filter { kind in
                permissions.groups.contains(kind) && input.clients.contains { $0.groups[kind] != nil }
            } : []

        // 5. Noise plan: sequential composition over the noisy query families a client contributes to.
        var noise: NoisePlan?
        if let epsilon {
            let families = (releasePopulation ? 4 : 0) + (releaseHistogram ? 1 : 0) + 3 * groupKinds.count
            let perQuery = epsilon / Double(max(families, 1))
            noise = NoisePlan(epsilon: epsilon, perQuery: perQuery, settings: policy.privacy)
        }

        var document = ResultsDocument(
            generatedAt: generatedAt, mode: input.mode, asOf: input.asOf, role: role,
            policy: policy.summary(epsilon: epsilon), auditRun: input.auditRun, heatConfig: input.configuration)
        if let noise {
            document.policy.mechanism = DiscreteLaplace.mechanismName
            document.policy.noiseScale = noise.count.scale
            document.policy.heatClip = policy.privacy.heatClip
        }
        var guardian = DifferencingGuard(k: k, history: history)
        var released: [ReleasedGroup] = []

        if releasePopulation {
            let group = ReleasedGroup(kind: "population", ref: "all", memberIDs: input.clients.map(\.id))
            if let noise {
                let clippedHeat = input.clients.reduce(0) { $0 + noise.clipHeat($1.heat) }
                if noise.count.expectedAbsoluteNoise > policy.privacy.maxNoiseShare * Double(n)
                    || noise.heat.expectedAbsoluteNoise > policy.privacy.maxNoiseShare * Double(max(clippedHeat, 0)) {
                    throw PolicyRefusal(rule: "dp.maxNoiseShare", reason: "at epsilon \(Self.format(epsilon ?? 0)) the expected noise (±\(Self.format(noise.count.expectedAbsoluteNoise)) clients, ±\(Self.format(noise.heat.expectedAbsoluteNoise)) heat in sums) exceeds \(Self.format(policy.privacy.maxNoiseShare * 100))% of the population's values; use a larger epsilon")
                }
                document.population = noise.population(input.clients, using: &generator)
                released.append(group)
                guardian.remember(group)
            } else if let risk = guardian.risk(of: group, differencing: true) {
                try withhold(&withheld, item: "population", risk: risk)
            } else {
                document.population = builder.population(scores)
                released.append(group)
                guardian.remember(group)
            }
        }
        if releaseHistogram {
            var bins = Self.mergeSmallBins(builder.histogram(scores), k: k)
            if !bins.isEmpty {
                // The last bin is open: its upper edge is the public largest possible heat, never the hottest client's.
                bins[bins.count - 1].to = max(input.configuration.maximumHeat + 1, bins[bins.count - 1].from + 1)
            }
            if let noise {
                bins = bins.map { HistogramBin(from: $0.from, to: $0.to, clients: max(0, $0.clients + noise.count.sample(using: &generator))) }
            }
            if !bins.isEmpty { document.heatHistogram = bins }
            if bins.isEmpty && n > 0 {
                withheld.append(Withholding(item: "heatHistogram", rule: "minGroupSize", reason: "fewer than k = \(k) clients"))
            }
        }
        if epsilon == nil, wanted.contains(.weekly), aggregatesAllowed {
            document.weekly = input.weekly
        }

        // 6. Groups: exact tallies, k floor, differencing, then noise.
        if !groupKinds.isEmpty {
            var aggregates: [GroupSummary.Kind: [String: GroupAggregate]] = [:]
            for aggregate in input.groupAggregates ?? [] { aggregates[aggregate.kind, default: [:]][aggregate.ref] = aggregate }
            var summaries: [GroupSummary] = []
            for kind in groupKinds {
                var members: [String: [ReleaseClient]] = [:]
                for client in input.clients {
                    if let ref = client.groups[kind] { members[ref, default: []].append(client) }
                }
                for ref in members.keys.sorted() {
                    let clients = members[ref] ?? []
                    let item = "\(kind.rawValue) \(ref)"
                    guard clients.count >= k else {
                        withheld.append(Withholding(item: item, rule: "minGroupSize", reason: "fewer than k = \(k) clients"))
                        continue
                    }
                    // Issue 27: with week-attributed aggregates (encrypted, or a versioned plaintext
                    // store's), a group they do not hold was suppressed (under k, or under k in
                    // some week of the window when its members changed); its per-client sums would
                    // not be attributed by week.
                    if let computed = input.groupAggregatesMinGroupSize, computed < k {
                        withheld.append(Withholding(item: item, rule: "minGroupSize", reason: "the week-attributed aggregates were computed with k = \(computed), under the policy's k = \(k)"))
                        continue
                    }
                    if input.groupAggregates != nil, aggregates[kind]?[ref] == nil {
                        withheld.append(Withholding(item: item, rule: "minGroupSize", reason: "fewer than k = \(k) clients in some week of the window (not in the week-attributed aggregates)"))
                        continue
                    }
                    // Review s37 HIGH 3: the noisy path sums the reference week's members' own
                    // heat, which is not the week-attributed total of a group whose members
                    // change inside the window (moves in, out, closures): such a group is
                    // withheld under DP until noise on attributed totals is designed (its
                    // sensitivity is not one client's clipped heat). Issue 27 (s39, review s38
                    // erase27c LOW 8): decided by the directory's data-independent flag
                    // (``ReleaseInput/changingGroups``), never by comparing the attributed total
                    // with the members' sum, whose outcome would tell one bit about the data.
                    // Review s39 erase27d M3: fail closed for an input that carries group totals
                    // but not the flag (built by hand): a changing group could not be told apart.
                    if noise != nil, input.groupAggregates != nil, input.changingGroups == nil {
                        withheld.append(Withholding(item: item, rule: "dp.versionedGroup", reason: "the input carries group totals without the directory's changing groups (ReleaseInput.changingGroups not given), so a group whose members change cannot be told apart"))
                        continue
                    }
                    if noise != nil, input.changingGroups?.contains(kind: kind.rawValue, ref: ref) == true {
                        withheld.append(Withholding(item: item, rule: "dp.versionedGroup", reason: "its members changed within the window (directory versions): noise on week-attributed totals is not supported"))
                        continue
                    }
                    let group = ReleasedGroup(kind: kind.rawValue, ref: ref, memberIDs: clients.map(\.id))
                    if let risk = guardian.risk(of: group, differencing: noise == nil) {
                        try withhold(&withheld, item: item, risk: risk)
                        continue
                    }
                    if let noise {
                        let clippedHeat = clients.reduce(0) { $0 + noise.clipHeat($1.heat) }
                        if noise.count.expectedAbsoluteNoise > policy.privacy.maxNoiseShare * Double(clients.count)
                            || noise.heat.expectedAbsoluteNoise > policy.privacy.maxNoiseShare * Double(max(clippedHeat, 0)) {
                            withheld.append(Withholding(item: item, rule: "dp.maxNoiseShare", reason: "the expected noise exceeds \(Self.format(policy.privacy.maxNoiseShare * 100))% of the group's values at this epsilon"))
                            continue
                        }
                        summaries.append(noise.group(kind: kind, ref: ref, clients: clients, using: &generator))
                    } else if let aggregate = aggregates[kind]?[ref] {
                        // Totals from the encrypted aggregates (decrypted by the key holder).
                        summaries.append(GroupSummary(kind: kind, ref: ref, clients: aggregate.clients,
                                                      meanHeat: Double(aggregate.heatSum) / Double(max(aggregate.clients, 1)),
                                                      cooling: clients.filter(\.cooling).count))
                    } else {
                        let heat = clients.reduce(0) { $0 + $1.heat }
                        summaries.append(GroupSummary(kind: kind, ref: ref, clients: clients.count,
                                                      meanHeat: Double(heat) / Double(clients.count),
                                                      cooling: clients.filter(\.cooling).count))
                    }
                    released.append(group)
                    guardian.remember(group)
                }
            }
            document.groups = summaries
        }
        if let clientRows {
            document.clients = clientRows
            // Issue 21: the document names the manager whose own clients it holds.
            if permissions.clients == .own { document.manager = request.manager }
        }
        if epsilon == nil, wanted.contains(.model), permissions.model { document.model = input.model }
        for item in withheld {
            logger.info("withheld from the release", metadata: ["item": "\(item.item)", "rule": "\(item.rule)"])
        }
        logger.debug("released", metadata: ["role": "\(role)", "withheld": "\(withheld.count)", "noisy": "\(epsilon != nil)"])
        return ReleaseOutcome(document: document, withheld: withheld, groups: released, epsilon: epsilon,
                              countNoise: noise?.count, heatNoise: noise?.heat)
    }

    private func withhold(_ withheld: inout [Withholding], item: String, risk: DifferencingGuard.Risk) throws(PolicyRefusal) {
        let rule: String
        switch risk {
        case .identical: rule = "differencing.identical"
        case .difference, .complement: rule = "differencing"
        }
        if policy.differencing == .refuse, rule == "differencing" {
            throw PolicyRefusal(rule: rule, reason: "releasing \(item) would let releases be subtracted: \(risk.description)")
        }
        withheld.append(Withholding(item: item, rule: rule, reason: risk.publicDescription))
    }

    /// Merges histogram bins so that every bin holds at least `k` clients (empty bins, which
    /// reveal no one, stay as they are); a remainder under `k` at the end joins the bins before it.
    ///
    /// - Parameters:
    ///   - bins: contiguous bins, ascending.
    ///   - k: the smallest non-empty bin.
    /// - Returns: contiguous bins covering the same range; empty when all bins hold fewer than `k` in total.
    public static func mergeSmallBins(_ bins: [HistogramBin], k: Int) -> [HistogramBin] {
        var result: [HistogramBin] = []
        var run: HistogramBin?
        for bin in bins {
            if var current = run {
                current.to = bin.to
                current.clients += bin.clients
                run = current
            } else {
                run = bin
            }
            if let current = run, current.clients == 0 || current.clients >= k {
                result.append(current)
                run = nil
            }
        }
        if var rest = run {
            while let previous = result.last, rest.clients < k {
                result.removeLast()
                rest = HistogramBin(from: previous.from, to: rest.to, clients: previous.clients + rest.clients)
            }
            if rest.clients >= k { result.append(rest) } else { return [] }
        }
        // Drop empty bins at the edges only if nothing else remains.
        return result.contains { $0.clients > 0 } ? result : []
    }

    static func sameRef(_ a: String, _ b: String) -> Bool { a.lowercased() == b.lowercased() }

    /// The group kinds a role's client rows may name: the kinds of aggregates it may receive,
    /// and the manager for a role that sees its own clients (the manager's own reference).
    static func clientRowKinds(_ permissions: RolePermissions) -> [GroupSummary.Kind] {
        GroupSummary.Kind.allCases.filter { permissions.groups.contains($0) || ($0 == .manager && permissions.clients == .own) }
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e12 ? String(Int(value)) : String(format: "%.4g", value)
    }

    /// Used only for the population and histogram computations, which never pseudonymise.
    private static let unusedPseudonymizer = Pseudonymizer(key: .insecureDerived(from: "release-engine-unused"))
}

/// What a release produced.
///
/// ```swift
/// for item in outcome.withheld { print(item.item, item.rule) }
/// ```
public struct ReleaseOutcome: Sendable {
    /// The released document.
    public var document: ResultsDocument
    /// Items withheld, each with the rule that withheld it.
    public var withheld: [Withholding]
    /// The groups released (population included), for the differencing history.
    public var groups: [ReleasedGroup]
    /// The epsilon spent, or `nil` without noise.
    public var epsilon: Double?
    /// The noise distribution of each count, when noise was added.
    public var countNoise: DiscreteLaplace?
    /// The noise distribution of each clipped heat sum, when noise was added.
    public var heatNoise: DiscreteLaplace?
}

/// An item the policy withheld from a release, and the rule that withheld it.
///
/// ```swift
/// Withholding(item: "branch B-3c1f0a2b", rule: "minGroupSize", reason: "fewer than k = 5 clients")
/// ```
public struct Withholding: Sendable, Equatable, Codable {
    /// What was withheld (`branch B-…`, `model`, `population`, …).
    public var item: String
    /// The policy rule.
    public var rule: String
    /// Why.
    public var reason: String

    /// Creates a withholding.
    ///
    /// - Parameters:
    ///   - item: what.
    ///   - rule: the rule.
    ///   - reason: why.
    public init(item: String, rule: String, reason: String) {
        self.item = item
        self.rule = rule
        self.reason = reason
    }
}

/// The noise of one release: the epsilon split evenly over the noisy query families each client
/// contributes to (sequential composition; cells of one partition compose in parallel).
struct NoisePlan {
    let epsilon: Double
    let perQuery: Double
    let settings: PrivacyPolicy.NoiseSettings
    let count: DiscreteLaplace
    let heat: DiscreteLaplace
    let trend: DiscreteLaplace

    init(epsilon: Double, perQuery: Double, settings: PrivacyPolicy.NoiseSettings) {
        self.epsilon = epsilon
        self.perQuery = perQuery
        self.settings = settings
        count = DiscreteLaplace(epsilon: perQuery, sensitivity: 1)
        heat = DiscreteLaplace(epsilon: perQuery, sensitivity: Double(settings.heatClip))
        trend = DiscreteLaplace(epsilon: perQuery, sensitivity: Double(settings.trendClip))
    }

    func clipHeat(_ heat: Int) -> Int { min(max(heat, 0), settings.heatClip) }
    func clipTrend(_ trend: Int) -> Int { min(max(trend, -settings.trendClip), settings.trendClip) }

    /// Noisy population: levels (one partition), cooling, clipped heat sum, clipped trend sum.
    func population<G: RandomNumberGenerator>(_ clients: [ReleaseClient], using generator: inout G) -> Population {
        var levels: [HeatLevel: Int] = [:]
        for level in HeatLevel.allCases { levels[level] = 0 }
        for client in clients { levels[client.level, default: 0] += 1 }
        for level in HeatLevel.allCases { levels[level] = max(0, (levels[level] ?? 0) + count.sample(using: &generator)) }
        let cooling = max(0, clients.filter(\.cooling).count + count.sample(using: &generator))
        let heatSum = clients.reduce(0) { $0 + clipHeat($1.heat) } + heat.sample(using: &generator)
        let trendSum = clients.reduce(0) { $0 + clipTrend($1.trend) } + trend.sample(using: &generator)
        let total = levels.values.reduce(0, +)
        let divisor = Double(max(total, 1))
        return Population(clients: total, levels: levels, cooling: cooling,
                          meanHeat: min(max(Double(heatSum) / divisor, 0), Double(settings.heatClip)),
                          trend: min(max(Double(trendSum) / divisor, -Double(settings.trendClip)), Double(settings.trendClip)))
    }

    /// A noisy group: size, cooling and clipped heat sum.
    func group<G: RandomNumberGenerator>(kind: GroupSummary.Kind, ref: String, clients: [ReleaseClient], using generator: inout G) -> GroupSummary {
        let size = max(0, clients.count + count.sample(using: &generator))
        let cooling = max(0, clients.filter(\.cooling).count + count.sample(using: &generator))
        let heatSum = clients.reduce(0) { $0 + clipHeat($1.heat) } + heat.sample(using: &generator)
        let mean = min(max(Double(heatSum) / Double(max(size, 1)), 0), Double(settings.heatClip))
        return GroupSummary(kind: kind, ref: ref, clients: size, meanHeat: mean, cooling: min(cooling, size))
    }
}

extension ReleaseEngine {
    /// Narrows an already released document to what `role` may receive under this policy (used by
    /// `heatctl report --role`): sections the role may not receive are dropped, groups and
    /// histogram bins under `k` are withheld or merged, and per-client rows are kept only when the
    /// document was released to the same role. Nothing is ever added, and no noise is drawn.
    ///
    /// - Parameters:
    ///   - document: a released document.
    ///   - role: the role the report is for.
    /// - Returns: the narrowed document (naming `role` and this policy) and what was withheld.
    /// - Throws: ``PolicyRefusal`` when the policy does not name the role.
    public func restrict(_ document: ResultsDocument, to role: String) throws(PolicyRefusal) -> (document: ResultsDocument, withheld: [Withholding]) {
        let permissions = try policy.permissions(for: role)
        let k = policy.minGroupSize
        let rule = "roles.\(role)"
        if permissions.budget?.required == true && document.policy.epsilon == nil {
            // Narrowing removes figures but adds no noise: a role that must only see noisy
            // figures cannot be handed an exact document.
            throw PolicyRefusal(rule: "\(rule).dp", reason: "the role \"\(role)\" requires differential-privacy noise and this document holds exact figures")
        }
        var result = document
        var withheld: [Withholding] = []
        func drop(_ item: String, _ field: String, present: Bool) {
            if present { withheld.append(Withholding(item: item, rule: "\(rule).\(field)", reason: "the role may not receive it")) }
        }
        if !permissions.population || (document.population?.clients ?? k) < k {
            drop("population", "population", present: document.population != nil)
            result.population = nil
            drop("personas", "population", present: document.personas != nil)
            result.personas = nil
        }
        if let personas = result.personas {
            // A larger k than the release's: fold again with complementary suppression.
            result.personas = PersonaRelease.counts(of: personas, minGroupSize: k)
        }
        if permissions.histogram, let bins = document.heatHistogram {
            var merged = Self.mergeSmallBins(bins, k: k)
            if !merged.isEmpty, let maximum = document.heatConfig?.maximumHeat {
                merged[merged.count - 1].to = max(maximum + 1, merged[merged.count - 1].from + 1)
            }
            result.heatHistogram = merged
        } else {
            drop("heatHistogram", "histogram", present: document.heatHistogram != nil)
            result.heatHistogram = nil
        }
        if !permissions.weekly {
            drop("weekly", "weekly", present: document.weekly != nil)
            result.weekly = nil
        }
        if permissions.groups.isEmpty {
            drop("groups", "groups", present: document.groups != nil)
            result.groups = nil
        } else if let groups = document.groups {
            result.groups = groups.filter { group in
                guard permissions.groups.contains(group.kind) else {
                    withheld.append(Withholding(item: "\(group.kind.rawValue) \(group.ref)", rule: "\(rule).groups", reason: "the role may not receive \(group.kind.rawValue) aggregates"))
                    return false
                }
                guard group.clients >= k else {
                    withheld.append(Withholding(item: "\(group.kind.rawValue) \(group.ref)", rule: "minGroupSize", reason: "fewer than k = \(k) clients"))
                    return false
                }
                return true
            }
        }
        if permissions.clients == .none || document.role != role {
            if document.clients != nil {
                withheld.append(Withholding(item: "clients", rule: "\(rule).clients", reason: permissions.clients == .none
                    ? "the role may not receive per-client values" : "per-client values were released to another role"))
            }
            result.clients = nil
        }
        if let rows = result.clients {
            // Issue 21: a row names only the group kinds the role may receive.
            let kinds = Set(Self.clientRowKinds(permissions))
            result.clients = rows.map { row in
                var narrowed = row
                for kind in GroupSummary.Kind.allCases where !kinds.contains(kind) { narrowed.setGroup(kind, nil) }
                return narrowed
            }
        }
        if !permissions.model {
            drop("model", "model", present: document.model != nil)
            result.model = nil
        }
        if let portfolio = document.riskPortfolio {
            // Issue 19: the risk population view follows the same group rules.
            if permissions.groups.isEmpty {
                drop("riskPortfolio", "groups", present: true)
                result.riskPortfolio = nil
            } else {
                var narrowed = portfolio
                if !permissions.population { narrowed.clients = nil; narrowed.highShare = nil; narrowed.previousHighShare = nil; narrowed.bands = nil }
                // Per kind: the role's kinds, k, complementary suppression against the totals the
                // role keeps, and shares / concentration recomputed over what remains.
                narrowed.groups = []
                narrowed.concentration = []
                var kinds: [GroupSummary.Kind] = []
                for group in portfolio.groups where !kinds.contains(group.kind) { kinds.append(group.kind) }
                for kind in kinds where permissions.groups.contains(kind) {
                    let eligible = portfolio.groups.filter { $0.kind == kind && $0.clients >= k }
                    // The release's differencing guard on the partition under the kept total (counts only here).
                    let outside = narrowed.clients.map { max(0, $0 - eligible.reduce(0) { $0 + $1.clients }) }
                    let published = outside.map { DifferencingGuard.publishableParts(eligible.map { ($0.ref, $0.clients) }, outside: $0, k: k) }
                    let kept = published.map { keys in eligible.filter { keys.contains($0.ref) } } ?? eligible
                    let (shared, concentration) = RiskPortfolioRelease.withSharesOfHigh(kept, kind: kind)
                    narrowed.groups += shared
                    if let concentration { narrowed.concentration.append(concentration) }
                }
                if narrowed.groups.count < portfolio.groups.count {
                    withheld.append(Withholding(item: "riskPortfolio groups", rule: "\(rule).groups", reason: "\(portfolio.groups.count - narrowed.groups.count) groups the role may not receive"))
                }
                result.riskPortfolio = narrowed
            }
        }
        // Issue 19: the risk model's calibration and the fraud metrics are model statistics.
        if !permissions.model {
            drop("riskModel", "model", present: document.riskModel != nil)
            result.riskModel = nil
            drop("fraudMetrics", "model", present: document.fraudMetrics != nil)
            result.fraudMetrics = nil
        } else if let riskModel = document.riskModel {
            result.riskModel = riskModel.narrowed(to: k)
        }
        result.role = role
        var summary = policy.summary(epsilon: document.policy.epsilon)
        summary.mechanism = document.policy.mechanism
        summary.noiseScale = document.policy.noiseScale
        summary.heatClip = document.policy.heatClip
        result.policy = summary
        return (result, withheld)
    }
}
