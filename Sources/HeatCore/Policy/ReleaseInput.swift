/// One client's exact values, as the key holder has them before release: from the plaintext store
/// today, from decrypted ciphertexts in the encrypted pipeline.
///
/// ```swift
/// let client = ReleaseClient(id: pseudonymHex, ref: "C-7f3a9c2e", heat: 1200, trend: -40, level: .warm,
///                            cooling: true, groups: [.manager: "M-19b0d4aa", .branch: "B-3c1f0a2b"])
/// ```
public struct ReleaseClient: Sendable, Equatable {
    /// A stable identifier of the client across releases: the full pseudonym (hex). Only hashes of
    /// it are stored (differencing checks); it never appears in a results document.
    public var id: String
    /// The client's display reference (`C-` and 8 hex digits).
    public var ref: String
    /// Heat score.
    public var heat: Int
    /// Trend.
    public var trend: Int
    /// Heat level.
    public var level: HeatLevel
    /// Whether the cooling rule flags the client.
    public var cooling: Bool
    /// The client's group per kind: masked references for manager and branch, labels for segment
    /// and region. A kind the client has no value for is absent.
    public var groups: [GroupSummary.Kind: String]

    /// Creates a client's values.
    ///
    /// - Parameters:
    ///   - id: the stable pseudonym (hex).
    ///   - ref: the display reference.
    ///   - heat: heat.
    ///   - trend: trend.
    ///   - level: level.
    ///   - cooling: cooling flag.
    ///   - groups: group references by kind.
    public init(
        id: String, ref: String, heat: Int, trend: Int, level: HeatLevel, cooling: Bool, groups: [GroupSummary.Kind: String]
    ) {
        self.id = id
        self.ref = ref
        self.heat = heat
        self.trend = trend
        self.level = level
        self.cooling = cooling
        self.groups = groups
    }

    /// The client's values as a ``HeatScore`` keyed by its display reference.
    var score: HeatScore { HeatScore(clientID: ref, heat: heat, trend: trend, level: level, cooling: cooling) }
}

/// Everything a release is computed from, independent of where the values came from.
///
/// ```swift
/// let input = ReleaseInput(clients: clients, asOf: asOf, configuration: HeatConfiguration())
/// ```
public struct ReleaseInput: Sendable {
    /// The clients' exact values.
    public var clients: [ReleaseClient]
    /// The heat reference date.
    public var asOf: CalendarDate
    /// The heat configuration (its largest possible heat bounds the histogram's open tail bin).
    public var configuration: HeatConfiguration
    /// Plaintext or encrypted pipeline.
    public var mode: ResultsDocument.Mode
    /// Events per week and channel over all clients, when computed.
    public var weekly: [WeeklyCount]?
    /// A model's evaluation, when computed.
    public var model: ModelSection?
    /// The audit entry of the computation the values come from, if any.
    public var auditRun: String?
    /// The number of regular histogram bins before merging (default 20).
    public var histogramBins: Int
    /// Exact group totals computed on ciphertexts and decrypted by the key holder
    /// (``KeyHolder/decrypt(aggregates:minGroupSize:)``), or `nil`. When present, a released group's size and
    /// heat sum come from here instead of the per-client values (and must agree with its members).
    /// Set them from an aggregates file through
    /// ``KeyHolder/releasedAggregates(_:run:store:configuration:minGroupSize:members:source:runSource:)``,
    /// which checks the computation log and compares every group with the key holder's own total.
    public var groupAggregates: [GroupAggregate]? = nil
    /// The `k` the ``groupAggregates`` were suppressed with, when known (set by
    /// ``StoreRelease/input(from:configuration:asOf:entries:minGroupSize:)`` for week-attributed
    /// plaintext totals). A release under a policy with a larger `k` withholds every group they
    /// would supply (rule `minGroupSize`): a versioned group's `k` in every period cannot be
    /// re-checked from its totals.
    public var groupAggregatesMinGroupSize: Int? = nil
    /// The groups whose members change inside the heat window (a directory move or closure whose
    /// first week lies in it, issue 27), set by
    /// ``StoreRelease/input(from:configuration:asOf:entries:minGroupSize:)`` from the directory
    /// alone on every store: an empty set (change week = reference week) when none changes.
    /// Their totals cannot be summed from
    /// per-client heat (that would attribute every week to the group of the reference week):
    /// without ``groupAggregates``, ``StoreRelease/release(_:in:policy:request:now:)`` refuses a
    /// release that would include any of them
    /// (``DirectoryError/groupTotalsNotWeekAttributed(group:changeWeek:referenceWeek:)``, exit 64).
    /// Under differential privacy every one of them is withheld (rule `dp.versionedGroup`, s39):
    /// the decision reads only this flag, never the totals. A caller that builds an input by hand
    /// with ``groupAggregates`` must set it (empty when no group changes): under noise, an input
    /// with ``groupAggregates`` and no ``changingGroups`` has **every** group withheld (rule
    /// `dp.versionedGroup`, review s39 erase27d M3), since a changing group cannot be told apart.
    public var changingGroups: ChangingGroups? = nil

    /// Creates an input.
    ///
    /// - Parameters:
    ///   - clients: the clients' values.
    ///   - asOf: the reference date.
    ///   - configuration: the heat configuration.
    ///   - mode: plaintext (default) or encrypted.
    ///   - weekly: weekly event totals.
    ///   - model: a model section.
    ///   - auditRun: the computation's audit reference.
    ///   - histogramBins: regular histogram bins (default 20).
    public init(
        clients: [ReleaseClient], asOf: CalendarDate, configuration: HeatConfiguration, mode: ResultsDocument.Mode = .plaintext,
        weekly: [WeeklyCount]? = nil, model: ModelSection? = nil, auditRun: String? = nil, histogramBins: Int = 20
    ) {
        self.clients = clients
        self.asOf = asOf
        self.configuration = configuration
        self.mode = mode
        self.weekly = weekly
        self.model = model
        self.auditRun = auditRun
        self.histogramBins = histogramBins
    }
}

extension ReleaseInput {
    /// The groups of a release whose members change inside its heat window (issue 27), and when.
    ///
    /// ```swift
    /// let input = try StoreRelease.input(from: store, asOf: run.header.asOf, entries: decrypted)
    /// input.changingGroups?.contains(kind: "manager", ref: "M-19b0d4aa")   // true after a move inside the window
    /// ```
    public struct ChangingGroups: Sendable, Equatable {
        /// Each group as `kind ref` (for example `manager M-19b0d4aa`), display references only.
        public var groups: Set<String>
        /// The first week inside the window from which the directory changes.
        public var changeWeek: ISOWeek
        /// The week heat runs through.
        public var referenceWeek: ISOWeek

        /// Creates a value.
        ///
        /// - Parameters:
        ///   - groups: the groups as `kind ref`.
        ///   - changeWeek: the first change week inside the window.
        ///   - referenceWeek: the week heat runs through.
        public init(groups: Set<String>, changeWeek: ISOWeek, referenceWeek: ISOWeek) {
            self.groups = groups
            self.changeWeek = changeWeek
            self.referenceWeek = referenceWeek
        }

        /// Whether the group of `kind` (``GroupSummary/Kind`` raw value) and `ref` changes.
        ///
        /// - Parameters:
        ///   - kind: the group kind (`manager`, `branch`, `segment`, `region`).
        ///   - ref: its reference.
        /// - Returns: `true` when its members change inside the window.
        public func contains(kind: String, ref: String) -> Bool { groups.contains("\(kind) \(ref)") }
    }
}

/// Who asks for a release and what they ask for.
///
/// ```swift
/// let request = ReleaseRequest(role: "manager", manager: "M-19b0d4aa")
/// ```
public struct ReleaseRequest: Sendable, Equatable {
    /// The sections a request may name.
    public enum Section: String, Sendable, CaseIterable, Equatable {
        /// Population summary.
        case population
        /// Heat histogram.
        case histogram
        /// Weekly events.
        case weekly
        /// Group aggregates.
        case groups
        /// Per-client rows.
        case clients
        /// Model scores and evaluation.
        case model
    }

    /// The role released to.
    public var role: String
    /// The manager the requester is (`M-…`), for a role with own-clients access.
    public var manager: String?
    /// The manager whose clients are asked for (default: ``manager``).
    public var clientsOf: String?
    /// The privacy loss to spend, or `nil` for the role's default (no noise when it has none).
    public var epsilon: Double?
    /// The sections asked for; `nil` for everything the role may receive. Naming a section the
    /// role may not receive is refused.
    public var sections: Set<Section>?

    /// Creates a request.
    ///
    /// - Parameters:
    ///   - role: the role.
    ///   - manager: the requesting manager's reference.
    ///   - clientsOf: the manager whose clients are asked for.
    ///   - epsilon: the epsilon to spend.
    ///   - sections: the sections asked for.
    public init(role: String, manager: String? = nil, clientsOf: String? = nil, epsilon: Double? = nil, sections: Set<Section>? = nil) {
        self.role = role
        self.manager = manager
        self.clientsOf = clientsOf
        self.epsilon = epsilon
        self.sections = sections
    }
}

extension ReleaseInput {
    /// The size, heat sum and trend sum of every group of the reference week's members
    /// (``clients``, each group kind they belong to), before any `k` or noise: the totals an
    /// aggregates file computed from the same values holds for every group whose members do not
    /// change inside the window (``KeyHolder/releasedAggregates(_:run:store:configuration:minGroupSize:members:source:runSource:)``
    /// compares them, review s42 agg27f M1). Sorted by kind and reference.
    ///
    /// ```swift
    /// let input = try StoreRelease.input(from: store, entries: entries)
    /// for total in input.memberTotals { print(total.kind, total.ref, total.clients, total.heatSum) }
    /// ```
    public var memberTotals: [GroupAggregate] {
        var totals: [String: GroupAggregate] = [:]
        for client in clients {
            for (kind, ref) in client.groups {
                let label = "\(kind.rawValue) \(ref)"
                var total = totals[label] ?? GroupAggregate(kind: kind, ref: ref, clients: 0, heatSum: 0, trendSum: 0)
                total.clients += 1
                total.heatSum += client.heat
                total.trendSum += client.trend
                totals[label] = total
            }
        }
        return totals.keys.sorted().compactMap { totals[$0] }
    }
}
