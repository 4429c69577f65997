import Foundation

/// The heat model's configuration (DESIGN.md section 4): window, decay, caps, weights, level
/// thresholds and the cooling rule, all integers except the half-life and the reply window.
///
/// Heat is an integer: for each of the ``windowWeeks`` weeks up to the reference week, the
/// week's score (a weighted sum of capped bucket values) times the integer decay factor of the
/// week's age, summed. Everything is a sum of integer constant times integer value, so the same
/// computation runs under BFV; thresholds are compared only at the end. The defaults keep
/// ``maximumHeat`` below 2^23 (see `Docs/HeatModel.md`).
///
/// A JSON file may give any subset of the keys; the rest keep their defaults, an unknown key is
/// an error (it is usually a typo):
///
/// ```swift
/// let json = #"{"halfLifeWeeks": 8, "levels": {"cool": 1500, "warm": 6000, "hot": 20000}}"#
/// let configuration = try HeatConfiguration.decode(Data(json.utf8), source: "heat.json")
/// configuration.maximumHeat < 1 << 23   // true
/// ```
public struct HeatConfiguration: Sendable, Codable, Equatable {
    /// Weeks of history summed (default 52). Keep it long: the decay does the forgetting.
    public var windowWeeks: Int
    /// The decay half-life in weeks (default 10, within the 8-13 weeks that rank future engagement best).
    public var halfLifeWeeks: Double
    /// The fixed-point scale of the decay: the factor of the reference week (default 64).
    public var decayScale: Int
    /// Weeks in each half of the trend comparison (default 4).
    public var trendWeeks: Int
    /// Per-bucket caps applied before weighting.
    public var caps: Caps
    /// Seconds per duration unit; a bucket's duration units are its total seconds divided by this, rounded down (default 300).
    public var durationUnitSeconds: Int
    /// An interaction counts as replied when `replied_within_hours` is at most this (default 48).
    public var replyWithinHours: Double
    /// Weight of one interaction per channel and direction.
    public var weights: ChannelWeights
    /// Weight of one duration unit (default 1).
    public var durationUnitWeight: Int
    /// Weight of one reply within ``replyWithinHours`` (default 4).
    public var replyWeight: Int
    /// Heat thresholds of the levels.
    public var levels: LevelThresholds
    /// The cooling rule.
    public var cooling: CoolingRule

    /// Per-bucket caps (each default 63): they bound every sum and the sensitivity of noisy releases.
    public struct Caps: Sendable, Codable, Equatable {
        /// Largest interaction count per bucket.
        public var count: Int
        /// Largest number of duration units per bucket.
        public var durationUnits: Int
        /// Largest number of replies per bucket.
        public var replies: Int

        /// Creates caps (defaults 63 each).
        public init(count: Int = 63, durationUnits: Int = 63, replies: Int = 63) {
            self.count = count
            self.durationUnits = durationUnits
            self.replies = replies
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case count, durationUnits, replies }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = Caps()
            count = try c.decodeIfPresent(Int.self, forKey: .count) ?? d.count
            durationUnits = try c.decodeIfPresent(Int.self, forKey: .durationUnits) ?? d.durationUnits
            replies = try c.decodeIfPresent(Int.self, forKey: .replies) ?? d.replies
        }
    }

    /// Weights of one channel's inbound and outbound interactions (in a configuration file either may be omitted).
    public struct DirectionWeights: Sendable, Codable, Equatable {
        /// Weight of an inbound interaction (the client reached out).
        public var inbound: Int
        /// Weight of an outbound interaction.
        public var outbound: Int

        /// Creates a pair of weights.
        public init(inbound: Int, outbound: Int) {
            self.inbound = inbound
            self.outbound = outbound
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case inbound, outbound }
    }

    /// Interaction weights per channel and direction (defaults: call 12/8, email 4/3, meeting 16/16, message 3/2).
    public struct ChannelWeights: Sendable, Codable, Equatable {
        /// Calls.
        public var call: DirectionWeights
        /// Emails.
        public var email: DirectionWeights
        /// Meetings.
        public var meeting: DirectionWeights
        /// Messages.
        public var message: DirectionWeights

        /// Creates the weights (defaults as documented on the type).
        public init(
            call: DirectionWeights = .init(inbound: 12, outbound: 8), email: DirectionWeights = .init(inbound: 4, outbound: 3),
            meeting: DirectionWeights = .init(inbound: 16, outbound: 16), message: DirectionWeights = .init(inbound: 3, outbound: 2)
        ) {
            self.call = call
            self.email = email
            self.meeting = meeting
            self.message = message
        }

        /// The weight of one interaction on `channel` in `direction`.
        public subscript(channel: Channel, direction: Direction) -> Int {
            let pair: DirectionWeights
            switch channel {
            case .call: pair = call
            case .email: pair = email
            case .meeting: pair = meeting
            case .message: pair = message
            }
            return direction == .inbound ? pair.inbound : pair.outbound
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case call, email, meeting, message }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = ChannelWeights()
            func pair(_ key: CodingKeys, _ fallback: DirectionWeights) throws -> DirectionWeights {
                guard c.contains(key) else { return fallback }
                let nested = try c.nestedContainer(keyedBy: DirectionWeights.CodingKeys.self, forKey: key)
                return DirectionWeights(
                    inbound: try nested.decodeIfPresent(Int.self, forKey: .inbound) ?? fallback.inbound,
                    outbound: try nested.decodeIfPresent(Int.self, forKey: .outbound) ?? fallback.outbound)
            }
            call = try pair(.call, d.call)
            email = try pair(.email, d.email)
            meeting = try pair(.meeting, d.meeting)
            message = try pair(.message, d.message)
        }
    }

    /// The smallest heat of each level above `cold` (defaults 4,000 / 16,000 / 48,000).
    public struct LevelThresholds: Sendable, Codable, Equatable {
        /// Heat at or above this is at least `cool`.
        public var cool: Int
        /// Heat at or above this is at least `warm`.
        public var warm: Int
        /// Heat at or above this is `hot`.
        public var hot: Int

        /// Creates thresholds (defaults as documented on the type).
        public init(cool: Int = 4_000, warm: Int = 16_000, hot: Int = 48_000) {
            self.cool = cool
            self.warm = warm
            self.hot = hot
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case cool, warm, hot }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = LevelThresholds()
            cool = try c.decodeIfPresent(Int.self, forKey: .cool) ?? d.cool
            warm = try c.decodeIfPresent(Int.self, forKey: .warm) ?? d.warm
            hot = try c.decodeIfPresent(Int.self, forKey: .hot) ?? d.hot
        }
    }

    /// The cooling rule: a client is cooling when `heat >= minimumHeat` and
    /// `100 * trend < -trendPercent * heat` (the trend fell by more than `trendPercent` percent of heat).
    public struct CoolingRule: Sendable, Codable, Equatable {
        /// The drop, in percent of heat, that flags a client (default 25).
        public var trendPercent: Int
        /// Clients below this heat are never flagged (default 4,000, the `cool` threshold).
        public var minimumHeat: Int

        /// Creates a rule (defaults as documented on the properties).
        public init(trendPercent: Int = 25, minimumHeat: Int = 4_000) {
            self.trendPercent = trendPercent
            self.minimumHeat = minimumHeat
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case trendPercent, minimumHeat }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = CoolingRule()
            trendPercent = try c.decodeIfPresent(Int.self, forKey: .trendPercent) ?? d.trendPercent
            minimumHeat = try c.decodeIfPresent(Int.self, forKey: .minimumHeat) ?? d.minimumHeat
        }
    }

    /// Creates a configuration; every parameter defaults to the documented default.
    public init(
        windowWeeks: Int = 52, halfLifeWeeks: Double = 10, decayScale: Int = 64, trendWeeks: Int = 4,
        caps: Caps = Caps(), durationUnitSeconds: Int = 300, replyWithinHours: Double = 48,
        weights: ChannelWeights = ChannelWeights(), durationUnitWeight: Int = 1, replyWeight: Int = 4,
        levels: LevelThresholds = LevelThresholds(), cooling: CoolingRule = CoolingRule()
    ) {
        self.windowWeeks = windowWeeks
        self.halfLifeWeeks = halfLifeWeeks
        self.decayScale = decayScale
        self.trendWeeks = trendWeeks
        self.caps = caps
        self.durationUnitSeconds = durationUnitSeconds
        self.replyWithinHours = replyWithinHours
        self.weights = weights
        self.durationUnitWeight = durationUnitWeight
        self.replyWeight = replyWeight
        self.levels = levels
        self.cooling = cooling
    }

    // MARK: Derived values

    /// The integer decay factor of each age 0 ..< ``windowWeeks``:
    /// `round(decayScale * 2^(-age / halfLifeWeeks))`.
    ///
    /// The factors are computed once per configuration (the only floating-point step, rounded to
    /// integers); scoring uses only integer arithmetic.
    public var decayFactors: [Int] {
        (0..<max(windowWeeks, 0)).map { age in
            Int((Double(decayScale) * exp2(-Double(age) / halfLifeWeeks)).rounded())
        }
    }

    /// The trend weight of a week `age` weeks before the reference week: ``decayScale`` for the
    /// recent ``trendWeeks`` weeks, `-decayScale` for the ``trendWeeks`` weeks before them, and 0
    /// otherwise, so that a client's trend is the sum of `trendFactor(age:) * weeklyScore` over its
    /// weeks (``HeatScorer/score(clientID:weeks:asOf:)``, the evaluator's versioned aggregates and
    /// the plaintext release's week-attributed sums).
    ///
    /// ```swift
    /// let configuration = HeatConfiguration()
    /// configuration.trendFactor(age: 0)                            // decayScale
    /// configuration.trendFactor(age: configuration.trendWeeks)     // -decayScale
    /// ```
    ///
    /// - Parameter age: weeks before the reference week (negative ages weigh 0).
    /// - Returns: the integer weight.
    public func trendFactor(age: Int) -> Int {
        age < 0 ? 0 : age < trendWeeks ? decayScale : age < 2 * trendWeeks ? -decayScale : 0
    }

    /// The largest possible weekly score: every bucket at its caps.
    public var maximumWeeklyScore: Int {
        var total = 0
        for channel in Channel.allCases {
            for direction in Direction.allCases { total += weights[channel, direction] * caps.count }
        }
        let buckets = Channel.allCases.count * Direction.allCases.count
        return total + buckets * (durationUnitWeight * caps.durationUnits + replyWeight * caps.replies)
    }

    /// The largest heat any client can reach: every bucket of every week at its caps.
    ///
    /// The default configuration's value is 6,086,808, below 2^23 (8,388,608), so heat and the
    /// signed trend fit a 25-bit plaintext modulus with room to spare.
    public var maximumHeat: Int { decayFactors.reduce(0, +) * maximumWeeklyScore }

    /// The largest trend magnitude: `decayScale * trendWeeks * maximumWeeklyScore`.
    public var maximumTrendMagnitude: Int { decayScale * trendWeeks * maximumWeeklyScore }

    /// The level of a heat value under ``levels``.
    ///
    /// - Parameter heat: a heat value.
    /// - Returns: `hot`, `warm`, `cool` or `cold`.
    public func level(forHeat heat: Int) -> HeatLevel {
        if heat >= levels.hot { return .hot }
        if heat >= levels.warm { return .warm }
        if heat >= levels.cool { return .cool }
        return .cold
    }

    /// Whether the cooling rule flags a client: `heat >= cooling.minimumHeat` and
    /// `100 * trend + cooling.trendPercent * heat < 0` (no division).
    ///
    /// - Parameters:
    ///   - heat: the client's heat.
    ///   - trend: the client's trend.
    /// - Returns: whether the client is cooling.
    public func isCooling(heat: Int, trend: Int) -> Bool {
        heat >= cooling.minimumHeat && 100 * trend + cooling.trendPercent * heat < 0
    }

    // MARK: Codable

    enum CodingKeys: String, CodingKey, CaseIterable {
        case windowWeeks, halfLifeWeeks, decayScale, trendWeeks, caps, durationUnitSeconds, replyWithinHours
        case weights, durationUnitWeight, replyWeight, levels, cooling, maximumHeat
    }

    /// Decodes a configuration; absent keys keep their defaults, `maximumHeat` is ignored (it is derived).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = HeatConfiguration()
        windowWeeks = try c.decodeIfPresent(Int.self, forKey: .windowWeeks) ?? d.windowWeeks
        halfLifeWeeks = try c.decodeIfPresent(Double.self, forKey: .halfLifeWeeks) ?? d.halfLifeWeeks
        decayScale = try c.decodeIfPresent(Int.self, forKey: .decayScale) ?? d.decayScale
        trendWeeks = try c.decodeIfPresent(Int.self, forKey: .trendWeeks) ?? d.trendWeeks
        caps = try c.decodeIfPresent(Caps.self, forKey: .caps) ?? d.caps
        durationUnitSeconds = try c.decodeIfPresent(Int.self, forKey: .durationUnitSeconds) ?? d.durationUnitSeconds
        replyWithinHours = try c.decodeIfPresent(Double.self, forKey: .replyWithinHours) ?? d.replyWithinHours
        weights = try c.decodeIfPresent(ChannelWeights.self, forKey: .weights) ?? d.weights
        durationUnitWeight = try c.decodeIfPresent(Int.self, forKey: .durationUnitWeight) ?? d.durationUnitWeight
        replyWeight = try c.decodeIfPresent(Int.self, forKey: .replyWeight) ?? d.replyWeight
        levels = try c.decodeIfPresent(LevelThresholds.self, forKey: .levels) ?? d.levels
        cooling = try c.decodeIfPresent(CoolingRule.self, forKey: .cooling) ?? d.cooling
    }

    /// Encodes every key, plus the derived `maximumHeat` for readers of results documents.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(windowWeeks, forKey: .windowWeeks)
        try c.encode(halfLifeWeeks, forKey: .halfLifeWeeks)
        try c.encode(decayScale, forKey: .decayScale)
        try c.encode(trendWeeks, forKey: .trendWeeks)
        try c.encode(caps, forKey: .caps)
        try c.encode(durationUnitSeconds, forKey: .durationUnitSeconds)
        try c.encode(replyWithinHours, forKey: .replyWithinHours)
        try c.encode(weights, forKey: .weights)
        try c.encode(durationUnitWeight, forKey: .durationUnitWeight)
        try c.encode(replyWeight, forKey: .replyWeight)
        try c.encode(levels, forKey: .levels)
        try c.encode(cooling, forKey: .cooling)
        try c.encode(maximumHeat, forKey: .maximumHeat)
    }
}
