import HeatML

/// The results document: the one JSON shape every result-producing command writes
/// (DESIGN.md section 7) and `heatctl report` reads.
///
/// Keys are camelCase; sections are `nil` (and omitted from the JSON) when they were not
/// computed or not released. Encode with ``ResultsDocument/jsonEncoder()`` for stable output.
///
/// ```swift
/// let document = ResultsDocument(generatedAt: now, mode: .plaintext, asOf: asOf, role: "executive",
///                                policy: .init(name: "default", minGroupSize: 5, epsilon: nil))
/// let json = try ResultsDocument.jsonEncoder().encode(document)
/// let back = try ResultsDocument.decode(json)
/// ```
public struct ResultsDocument: Sendable, Codable, Equatable {
    /// The schema identifier this library writes.
    public static let currentSchema = "customerheat.results/1"

    /// The schema identifier, `customerheat.results/1`.
    public var schema: String
    /// When the document was produced.
    public var generatedAt: UTCTimestamp
    /// Whether the numbers came from the plaintext or the encrypted pipeline.
    public var mode: Mode
    /// The reference date of the heat computation.
    public var asOf: CalendarDate
    /// The role the document was released to.
    public var role: String
    /// The policy the release was checked against.
    public var policy: PolicySummary
    /// The audit log entry of the computation, when run against a store.
    public var auditRun: String?
    /// The heat configuration used.
    public var heatConfig: HeatConfiguration?
    /// Population summary.
    public var population: Population?
    /// Heat distribution over clients.
    public var heatHistogram: [HistogramBin]?
    /// Events per ISO week and channel.
    public var weekly: [WeeklyCount]?
    /// Per-group (manager, branch, segment, region) aggregates.
    public var groups: [GroupSummary]?
    /// Group kinds left out of ``groups`` because their groups hold exactly the same clients as
    /// another kind's (a branch that is a region): each partition is released once, so a masked
    /// reference is never shown next to a plain label with the same numbers.
    public var groupDuplicates: [GroupDuplicate]?
    /// Per-client values, when the role may see them.
    public var clients: [ClientResult]?
    /// Clients per persona.
    public var personas: [PersonaCount]?
    /// A model's evaluation.
    public var model: ModelSection?
    /// A stress scenario's before / after comparison (`heatctl scenario run`).
    public var scenario: ScenarioSection?
    /// Risk by portfolio group (`heatctl risk portfolio`, issue 19).
    public var riskPortfolio: RiskPortfolioSection?
    /// The risk model's calibration and reliability table (`heatctl risk portfolio --model`, issue 19).
    public var riskModel: RiskModelSection?
    /// The fraud models' cross-validated comparison, with what it was measured on
    /// (`heatctl risk portfolio --fraud-metrics`, issue 19).
    public var fraudMetrics: FraudEvaluation?
    /// The manager (`M-…`, a pseudonym) whose own clients the document holds, for a release to a
    /// role that sees its own clients (`heatctl release --manager`); `heatctl serve` hands the
    /// document to that manager's tokens only (issue 21).
    public var manager: String?

    /// Whether the results come from the plaintext or the encrypted pipeline.
    public enum Mode: String, Sendable, Codable, Equatable {
        /// Computed on plaintext integers.
        case plaintext
        /// Computed on BFV ciphertexts.
        case encrypted
    }

    /// Creates a document with no sections; set the sections that were computed and released.
    public init(
        generatedAt: UTCTimestamp, mode: Mode, asOf: CalendarDate, role: String, policy: PolicySummary,
        auditRun: String? = nil, heatConfig: HeatConfiguration? = nil
    ) {
        self.schema = Self.currentSchema
        self.generatedAt = generatedAt
        self.mode = mode
        self.asOf = asOf
        self.role = role
        self.policy = policy
        self.auditRun = auditRun
        self.heatConfig = heatConfig
    }
}

/// The policy a results document was released under.
public struct PolicySummary: Sendable, Codable, Equatable {
    /// The policy's name.
    public var name: String
    /// The smallest group an aggregate may cover (the `k` of k-anonymity).
    public var minGroupSize: Int
    /// The differential-privacy epsilon spent on this release, or `nil` when no noise was added.
    public var epsilon: Double?
    /// SHA-256 (hex) of the policy file the release was checked against, when released through
    /// the policy engine (`Policy/ReleaseEngine`).
    public var hash: String?
    /// The noise mechanism, when noise was added (`two-sided-geometric`).
    public var mechanism: String?
    /// The scale of the noise on each count (the `1/ε` per count query, as a Laplace scale), when
    /// noise was added; sums of clipped values carry the clipping bound times this scale.
    public var noiseScale: Double?
    /// The public clipping bound of each client's heat in noisy sums, when noise was added.
    public var heatClip: Int?

    /// Creates a policy summary.
    public init(name: String, minGroupSize: Int, epsilon: Double?) {
        self.name = name
        self.minGroupSize = minGroupSize
        self.epsilon = epsilon
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(minGroupSize, forKey: .minGroupSize)
        try container.encode(epsilon, forKey: .epsilon)  // explicit null, as in DESIGN.md
        try container.encodeIfPresent(hash, forKey: .hash)
        try container.encodeIfPresent(mechanism, forKey: .mechanism)
        try container.encodeIfPresent(noiseScale, forKey: .noiseScale)
        try container.encodeIfPresent(heatClip, forKey: .heatClip)
    }
}

/// Heat levels, from coldest to hottest.
public enum HeatLevel: String, Sendable, Codable, CaseIterable, Comparable {
    /// Little or no recent engagement.
    case cold
    /// Below-typical engagement.
    case cool
    /// Healthy engagement.
    case warm
    /// Intense engagement.
    case hot

    public static func < (lhs: HeatLevel, rhs: HeatLevel) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// The population summary of a results document.
public struct Population: Sendable, Codable, Equatable {
    /// Number of clients scored.
    public var clients: Int
    /// Clients per heat level (every level present, zero when empty).
    public var levels: [HeatLevel: Int]
    /// Clients flagged as cooling.
    public var cooling: Int
    /// Mean heat over all clients.
    public var meanHeat: Double
    /// Mean trend over all clients.
    public var trend: Double

    /// Creates a population summary; levels missing from `levels` count zero.
    public init(clients: Int, levels: [HeatLevel: Int], cooling: Int, meanHeat: Double, trend: Double) {
        self.clients = clients
        self.levels = Dictionary(uniqueKeysWithValues: HeatLevel.allCases.map { ($0, levels[$0] ?? 0) })
        self.cooling = cooling
        self.meanHeat = meanHeat
        self.trend = trend
    }

    enum CodingKeys: String, CodingKey { case clients, levels, cooling, meanHeat, trend }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        clients = try c.decode(Int.self, forKey: .clients)
        let raw = try c.decode([String: Int].self, forKey: .levels)
        var levels = Dictionary(uniqueKeysWithValues: HeatLevel.allCases.map { ($0, 0) })
        for (key, value) in raw {
            guard let level = HeatLevel(rawValue: key) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .levels, in: c, debugDescription: "unknown heat level \"\(key)\"")
            }
            levels[level] = value
        }
        self.levels = levels
        cooling = try c.decode(Int.self, forKey: .cooling)
        meanHeat = try c.decode(Double.self, forKey: .meanHeat)
        trend = try c.decode(Double.self, forKey: .trend)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(clients, forKey: .clients)
        var raw: [String: Int] = [:]
        for level in HeatLevel.allCases { raw[level.rawValue] = levels[level] ?? 0 }
        try c.encode(raw, forKey: .levels)
        try c.encode(cooling, forKey: .cooling)
        try c.encode(meanHeat, forKey: .meanHeat)
        try c.encode(trend, forKey: .trend)
    }
}

/// One bin of the heat histogram: clients with `from <= heat < to`.
public struct HistogramBin: Sendable, Codable, Equatable {
    /// Inclusive lower bound.
    public var from: Int
    /// Exclusive upper bound.
    public var to: Int
    /// Clients in the bin.
    public var clients: Int
    /// `true` for the open last bin that collects every client from `from` up (its `to` is one
    /// above the hottest client, so it is wider than the regular bins); absent otherwise.
    public var open: Bool?

    /// Creates a bin.
    public init(from: Int, to: Int, clients: Int, open: Bool? = nil) {
        self.from = from
        self.to = to
        self.clients = clients
        self.open = open
    }
}

/// A group kind that was not released because its groups have the same members as another
/// kind's groups.
public struct GroupDuplicate: Sendable, Codable, Equatable {
    /// The kind left out.
    public var kind: GroupSummary.Kind
    /// The kind released instead, whose groups hold exactly the same clients.
    public var sameAs: GroupSummary.Kind

    /// Creates a duplicate note.
    public init(kind: GroupSummary.Kind, sameAs: GroupSummary.Kind) {
        self.kind = kind
        self.sameAs = sameAs
    }
}

/// Events in one ISO week on one channel.
public struct WeeklyCount: Sendable, Codable, Equatable {
    /// The ISO week.
    public var week: ISOWeek
    /// The channel.
    public var channel: Channel
    /// Number of events.
    public var events: Int

    /// Creates a weekly count.
    public init(week: ISOWeek, channel: Channel, events: Int) {
        self.week = week
        self.channel = channel
        self.events = events
    }
}

/// An aggregate over one group of clients.
public struct GroupSummary: Sendable, Codable, Equatable {
    /// What the clients are grouped by.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Grouped by relationship manager.
        case manager
        /// Grouped by branch.
        case branch
        /// Grouped by segment.
        case segment
        /// Grouped by region.
        case region
    }

    /// The grouping.
    public var kind: Kind
    /// The group's masked reference (`M-…`, `B-…`) or plain label (segment, region).
    public var ref: String
    /// Clients in the group. For a group whose members change inside the heat window (a
    /// directory move or closure there, issue 27) released with week-attributed totals, its
    /// **distinct** members over the window: a member who left and one who arrived both count.
    public var clients: Int
    /// Mean heat of the group: its heat sum divided by ``clients`` (for a changing group, the
    /// week-attributed sum: each week's heat counted in the group in force that week).
    public var meanHeat: Double
    /// Cooling clients in the group, counted among its members **at the reference week** (a
    /// client's cooling is a property of its current trend, issue 27 s39, review s39 erase27d L1).
    /// For a changing group this is not a share of ``clients``: five members who left and five
    /// who arrived give `clients` 10 and `cooling` at most 5 (the five present at the reference
    /// week).
    public var cooling: Int

    /// Creates a group summary.
    public init(kind: Kind, ref: String, clients: Int, meanHeat: Double, cooling: Int) {
        self.kind = kind
        self.ref = ref
        self.clients = clients
        self.meanHeat = meanHeat
        self.cooling = cooling
    }
}

/// One client's released values.
public struct ClientResult: Sendable, Codable, Equatable {
    /// The client's masked reference (`C-` and 8 hex digits).
    public var ref: String
    /// Heat score.
    public var heat: Int
    /// Trend: heat over the last 4 weeks minus heat over the 4 before.
    public var trend: Int
    /// Heat level.
    public var level: HeatLevel
    /// Whether the cooling rule flags the client.
    public var cooling: Bool
    /// The client's persona label, when personas were computed.
    public var persona: String?
    /// The client's churn risk (a probability in 0...1 from the document's model, estimated out of
    /// fold), when a model was evaluated and the role may see it.
    public var churnRisk: Double?
    /// The client's relationship manager (`M-…`, masked), when the release carries it: always in
    /// a manager's own-clients release (`heatctl serve` checks it against the document's
    /// ``ResultsDocument/manager``), else when the role may receive manager groups (issue 21).
    public var manager: String?
    /// The client's branch (`B-…`, masked), when the role may receive branch groups (issue 21:
    /// the dashboard's branch filter narrows the client rows with it).
    public var branch: String?
    /// The client's segment label, when the role may receive segment groups (issue 21).
    public var segment: String?
    /// The client's region label, when the role may receive region groups (issue 21).
    public var region: String?

    /// The client's group of `kind` (``manager``, ``branch``, ``segment`` or ``region``).
    ///
    /// - Parameter kind: the group kind.
    /// - Returns: the reference or label, when the row carries it.
    public func group(_ kind: GroupSummary.Kind) -> String? {
        switch kind {
        case .manager: manager
        case .branch: branch
        case .segment: segment
        case .region: region
        }
    }

    /// Sets the client's group of `kind`.
    ///
    /// - Parameters:
    ///   - kind: the group kind.
    ///   - value: the reference or label, or `nil` to remove it.
    public mutating func setGroup(_ kind: GroupSummary.Kind, _ value: String?) {
        switch kind {
        case .manager: manager = value
        case .branch: branch = value
        case .segment: segment = value
        case .region: region = value
        }
    }

    /// Creates a client result.
    public init(ref: String, heat: Int, trend: Int, level: HeatLevel, cooling: Bool, persona: String? = nil, churnRisk: Double? = nil) {
        self.ref = ref
        self.heat = heat
        self.trend = trend
        self.level = level
        self.cooling = cooling
        self.persona = persona
        self.churnRisk = churnRisk
    }
}

/// Clients per persona.
public struct PersonaCount: Sendable, Codable, Equatable {
    /// The persona's label.
    public var label: String
    /// Number of clients.
    public var clients: Int

    /// Creates a persona count.
    public init(label: String, clients: Int) {
        self.label = label
        self.clients = clients
    }
}

/// A model's evaluation, as shown in reports.
public struct ModelSection: Sendable, Codable, Equatable {
    /// The model kind, for example `logistic` or `gbdt`.
    public var kind: String
    /// Named metrics such as `rocAuc`, `prAuc`, `logLoss`, `accuracy`, `f1`, `precision` and
    /// `recall`; `threshold` (the decision threshold of the threshold metrics and the confusion
    /// matrix) and `baseRate` (the share of positives, PR AUC's chance level) when known.
    public var metrics: [String: Double]
    /// ROC curve points as `[falsePositiveRate, truePositiveRate]`.
    public var roc: [[Double]]?
    /// Precision-recall curve points as `[recall, precision]`.
    public var pr: [[Double]]?
    /// Confusion matrix `[[tn, fp], [fn, tp]]`.
    public var confusion: [[Int]]?
    /// Calibration table rows.
    public var calibration: [CalibrationRow]?
    /// Feature importances, largest first.
    public var importances: [FeatureImportance]?

    /// Creates a model section.
    public init(
        kind: String, metrics: [String: Double], roc: [[Double]]? = nil, pr: [[Double]]? = nil,
        confusion: [[Int]]? = nil, calibration: [CalibrationRow]? = nil, importances: [FeatureImportance]? = nil
    ) {
        self.kind = kind
        self.metrics = metrics
        self.roc = roc
        self.pr = pr
        self.confusion = confusion
        self.calibration = calibration
        self.importances = importances
    }
}

/// One bin of a calibration table.
public struct CalibrationRow: Sendable, Codable, Equatable {
    /// Mean predicted probability in the bin.
    public var meanPredicted: Double
    /// Observed positive fraction in the bin.
    public var observed: Double
    /// Rows in the bin.
    public var count: Int

    /// Creates a calibration row.
    public init(meanPredicted: Double, observed: Double, count: Int) {
        self.meanPredicted = meanPredicted
        self.observed = observed
        self.count = count
    }
}

/// A feature's importance in a model: HeatML's ``HeatML/FeatureImportance`` (`feature`, `value`),
/// one type shared by the model code and the results document instead of a copy.
public typealias FeatureImportance = HeatML.FeatureImportance
