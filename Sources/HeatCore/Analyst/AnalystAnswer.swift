/// What the analyst understood a question to ask (Docs/Analyst.md lists the grammar).
public enum AnalystIntent: String, Sendable, Codable, CaseIterable {
    /// Top or bottom N groups (or, in a per-client release, clients) by a measure.
    case rank
    /// One group's (or client's) measure.
    case lookup
    /// Two groups side by side.
    case compareGroups
    /// One measure in two releases, or events in two spans of weeks.
    case comparePeriods
    /// A share of clients at a level, in a heat band, cooling, or in a group.
    case share
    /// Events per week over the last N weeks.
    case weeklyTrend
    /// A count of clients: cooling, at a level, in total, at high risk.
    case count
    /// Clients per persona.
    case personaMix
    /// An executive summary of the release.
    case summary
}

/// A measure the analyst can quote.
public enum AnalystMeasure: String, Sendable, Codable, CaseIterable {
    /// Mean heat of a group or the population.
    case meanHeat
    /// Number of clients.
    case clients
    /// Number of cooling clients.
    case cooling
    /// Cooling clients as a share of the group's clients.
    case coolingShare
    /// A client's heat.
    case heat
    /// A client's (or the population's mean) trend.
    case trend
    /// Clients at a heat level.
    case level
    /// Events in the weekly section.
    case events
    /// A share of clients (in percent).
    case share
    /// A difference between two quoted values.
    case change

    /// The words used in answers.
    public var phrase: String {
        switch self {
        case .meanHeat: "mean heat"
        case .clients: "clients"
        case .cooling: "cooling clients"
        case .coolingShare: "share of cooling clients"
        case .heat: "heat"
        case .trend: "trend"
        case .level: "clients"
        case .events: "events"
        case .share: "share"
        case .change: "change"
        }
    }
}

/// One number an answer quotes, with what it is a number of.
///
/// ```swift
/// AnalystFigure(subject: "branch B-8795e9c3", measure: .meanHeat, value: 14719.88, shown: "14,720", release: 0)
/// ```
public struct AnalystFigure: Sendable, Codable, Equatable {
    /// What the number describes: `population`, `branch B-…`, `segment retail`, `client C-…`,
    /// `persona Dormant`, `week 2026-W07 call`.
    public var subject: String
    /// The measure.
    public var measure: AnalystMeasure
    /// The exact value from the document (or computed from document values: shares, changes, sums).
    public var value: Double
    /// The value as the answer's text shows it.
    public var shown: String
    /// Index of the release the value came from (0 = the current document, 1 = the previous one).
    public var release: Int
    /// For a derived value, the document values it was computed from: `[part, whole]` for a
    /// share (value = part × 100 / whole), `[later, earlier]` for a change (value = later − earlier),
    /// the summed values for a total. Empty for a value read directly from the document.
    public var from: [Double]

    /// Creates a figure.
    public init(subject: String, measure: AnalystMeasure, value: Double, shown: String, release: Int = 0, from: [Double] = []) {
        self.subject = subject
        self.measure = measure
        self.value = value
        self.shown = shown
        self.release = release
        self.from = from
    }
}

/// The release an answer's numbers came from.
public struct ReleaseCitation: Sendable, Codable, Equatable {
    /// The role the document was released to.
    public var role: String
    /// The heat reference date.
    public var asOf: CalendarDate
    /// When the document was produced.
    public var generatedAt: UTCTimestamp
    /// The policy's name.
    public var policy: String
    /// The policy file's SHA-256, when recorded.
    public var policyHash: String?
    /// The epsilon spent, when the release is noisy.
    public var epsilon: Double?
    /// The audit entry of the computation, when recorded.
    public var auditRun: String?

    /// The citation of `document`.
    public init(_ document: ResultsDocument) {
        role = document.role
        asOf = document.asOf
        generatedAt = document.generatedAt
        policy = document.policy.name
        policyHash = document.policy.hash
        epsilon = document.policy.epsilon
        auditRun = document.auditRun
    }

    /// One line naming the release: role, date, policy (and hash prefix), noise.
    public var line: String {
        var text = "release to \(role) as of \(asOf), generated \(generatedAt.iso8601), policy \(policy)"
        if let policyHash { text += " (sha256 \(policyHash.prefix(12))…)" }
        text += epsilon.map { ", noisy (epsilon \($0))" } ?? ", exact (no noise)"
        if let auditRun { text += ", audit run \(auditRun)" }
        return text
    }
}

/// The analyst's reply to one question: an answer quoting its numbers and their release, a
/// policy refusal, or "I can answer questions like …".
///
/// ```swift
/// let answer = AnalystEngine(documents: [current]).answer("which branches have the most cooling clients?")
/// print(answer.rendered)
/// ```
public struct AnalystAnswer: Sendable, Codable, Equatable {
    /// The kind of reply.
    public enum Status: String, Sendable, Codable {
        /// Answered from the document.
        case answered
        /// Refused: the question asks for something the policy did not release to the role.
        case refused
        /// Not understood or not answerable from this document; ``AnalystAnswer/examples`` lists what can be asked.
        case unanswerable
    }

    /// The kind of reply.
    public var status: Status
    /// The intent understood, when one was.
    public var intent: AnalystIntent?
    /// The group kind (`branch`, `manager`, `segment`, `region`, `client`, `persona`,
    /// `population`, `weekly`) the answer is about, when one.
    public var kind: String?
    /// The measure, when one.
    public var measure: String?
    /// The answer in plain English (without the citation line).
    public var text: String
    /// Every number the text quotes.
    public var figures: [AnalystFigure]
    /// The references (groups, clients, personas) the answer cites, in order.
    public var refs: [String]
    /// The releases the numbers came from (current first).
    public var releases: [ReleaseCitation]
    /// The policy's refusal, for ``Status/refused``.
    public var refusal: PolicyRefusal?
    /// Example questions this document can answer (for ``Status/unanswerable``).
    public var examples: [String]
    /// Which backend produced the text: `deterministic` or the language-model endpoint's name.
    public var backend: String
    /// Why a language-model answer was not used (timeout, error, rejection), when the
    /// deterministic engine answered instead.
    public var fallbackReason: String?

    /// Creates an answer.
    public init(
        status: Status, intent: AnalystIntent? = nil, kind: String? = nil, measure: String? = nil, text: String,
        figures: [AnalystFigure] = [], refs: [String] = [], releases: [ReleaseCitation] = [], refusal: PolicyRefusal? = nil,
        examples: [String] = [], backend: String = "deterministic", fallbackReason: String? = nil
    ) {
        self.status = status
        self.intent = intent
        self.kind = kind
        self.measure = measure
        self.text = text
        self.figures = figures
        self.refs = refs
        self.releases = releases
        self.refusal = refusal
        self.examples = examples
        self.backend = backend
        self.fallbackReason = fallbackReason
    }

    /// The text followed by the source line(s) and, after a fallback, why.
    public var rendered: String {
        var lines = [text]
        if status == .unanswerable && !examples.isEmpty {
            lines.append("I can answer questions like:")
            lines += examples.map { "  - \($0)" }
        }
        if let refusal { lines.append("(\(refusal.description))") }
        for (index, release) in releases.enumerated() {
            lines.append((index == 0 ? "Source: " : "Compared with: ") + release.line)
        }
        if let fallbackReason { lines.append("Note: answered by the deterministic engine because \(fallbackReason).") }
        return lines.joined(separator: "\n")
    }
}

extension PolicyRefusal: Codable {
    enum CodingKeys: String, CodingKey { case rule, reason }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(rule: try container.decode(String.self, forKey: .rule), reason: try container.decode(String.self, forKey: .reason))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rule, forKey: .rule)
        try container.encode(reason, forKey: .reason)
    }
}
