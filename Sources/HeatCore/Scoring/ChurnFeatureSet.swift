/// The churn / risk feature set (issue 15): per client, activity counts over several windows per
/// channel and direction, replies and duration units, plus heat and trend, all integers computed
/// from the same capped weekly buckets as heat.
///
/// A **stream** is one integer per client and ISO week, taken from the week's capped buckets
/// (``HeatScorer/cappedValues(_:)``): the eight channel x direction counts, the replies of all
/// buckets and the duration units of all buckets (one unit is
/// ``HeatConfiguration/durationUnitSeconds``, 300 s by default). A **feature** is a stream summed
/// over the `W` weeks up to the reference week `R` (`R - W + 1 ... R`), for each window `W` of
/// ``windows`` (default 4, 13, 26 and 52 weeks), followed by `heat` and `trend` of the heat model.
/// Names read `call_in_4w`, `email_out_13w`, `replies_26w`, `duration_units_52w`, `heat`, `trend`.
///
/// Every feature is a sum of stream values with coefficients 0 or 1 (heat and trend: the heat
/// model's public integer constants), so the evaluator computes it on ciphertexts with additions
/// only, and the encrypted features equal ``features(weeks:asOf:)`` exactly.
///
/// ```swift
/// let set = ChurnFeatureSet()
/// set.names.count                       // 42 (10 streams x 4 windows + heat + trend)
/// let row = set.features(weeks: ledger.clients["c1"] ?? [:], asOf: week)
/// ```
public struct ChurnFeatureSet: Sendable, Equatable {
    /// One weekly integer per client that the collector can encrypt.
    public enum Stream: String, Sendable, CaseIterable, Codable {
        /// Inbound calls.
        case callInbound = "call_in"
        /// Outbound calls.
        case callOutbound = "call_out"
        /// Inbound emails.
        case emailInbound = "email_in"
        /// Outbound emails.
        case emailOutbound = "email_out"
        /// Inbound meetings.
        case meetingInbound = "meeting_in"
        /// Outbound meetings.
        case meetingOutbound = "meeting_out"
        /// Inbound messages.
        case messageInbound = "message_in"
        /// Outbound messages.
        case messageOutbound = "message_out"
        /// Interactions replied to within the reply window, over all buckets.
        case replies = "replies"
        /// Duration units over all buckets.
        case durationUnits = "duration_units"

        /// The channel and direction of a count stream, `nil` for replies and duration units.
        public var bucket: (channel: Channel, direction: Direction)? {
            switch self {
            case .callInbound: (.call, .inbound)
            case .callOutbound: (.call, .outbound)
            case .emailInbound: (.email, .inbound)
            case .emailOutbound: (.email, .outbound)
            case .meetingInbound: (.meeting, .inbound)
            case .meetingOutbound: (.meeting, .outbound)
            case .messageInbound: (.message, .inbound)
            case .messageOutbound: (.message, .outbound)
            case .replies, .durationUnits: nil
            }
        }

        /// The packing recorded with this stream's ciphertexts in the store (`activity.call_in`, ...).
        public var packing: String { ChurnFeatureSet.streamPackingPrefix + rawValue }
    }

    /// The prefix of every feature-stream packing in the store's `ciphertexts` table.
    public static let streamPackingPrefix = "activity."

    /// The default windows, in weeks.
    public static let defaultWindows = [4, 13, 26, 52]

    /// The heat configuration whose caps, duration unit and heat model the features use.
    public let configuration: HeatConfiguration
    /// The windows in weeks, in feature order.
    public let windows: [Int]
    let scorer: HeatScorer

    /// Creates a feature set.
    ///
    /// - Parameters:
    ///   - configuration: the heat configuration (its packing must be the collector's).
    ///   - windows: distinct windows in weeks, each in `1 ... 520` (``defaultWindows``: 4, 13, 26, 52).
    /// - Throws: ``ScoringError/invalidWindows(_:)`` (exit 78).
    public init(configuration: HeatConfiguration = HeatConfiguration(), windows: [Int]) throws(ScoringError) {
        guard !windows.isEmpty, windows.allSatisfy({ (1...520).contains($0) }), Set(windows).count == windows.count else {
            throw .invalidWindows(windows)
        }
        self.configuration = configuration
        self.windows = windows
        self.scorer = HeatScorer(configuration: configuration)
    }

    /// A feature set with the default windows.
    ///
    /// - Parameter configuration: the heat configuration.
    public init(configuration: HeatConfiguration = HeatConfiguration()) {
        self.configuration = configuration
        self.windows = Self.defaultWindows
        self.scorer = HeatScorer(configuration: configuration)
    }

    public static func == (lhs: ChurnFeatureSet, rhs: ChurnFeatureSet) -> Bool {
        lhs.configuration == rhs.configuration && lhs.windows == rhs.windows
    }

    /// The number of windowed stream features (streams x windows), before heat and trend.
    public var windowedCount: Int { Stream.allCases.count * windows.count }

    /// The feature names in order: each stream over each window, then `heat` and `trend`.
    public var names: [String] {
        Stream.allCases.flatMap { stream in windows.map { "\(stream.rawValue)_\($0)w" } } + ["heat", "trend"]
    }

    /// The index of `heat` in ``names`` (`trend` follows it).
    public var heatIndex: Int { windowedCount }

    /// The feature index of a stream and window position.
    ///
    /// - Parameters:
    ///   - stream: the stream's position in ``Stream/allCases``.
    ///   - window: the window's position in ``windows``.
    /// - Returns: the index in ``names``.
    public func index(stream: Int, window: Int) -> Int { stream * windows.count + window }

    /// One week's stream values (in ``Stream/allCases`` order) from its capped buckets.
    ///
    /// - Parameter week: one client's week.
    /// - Returns: ten non-negative integers.
    public func streamValues(_ week: WeekActivity) -> [Int] {
        var replies = 0
        var units = 0
        for bucket in week.buckets {
            let capped = scorer.cappedValues(bucket)
            replies += capped.replies
            units += capped.durationUnits
        }
        return Stream.allCases.map { stream in
            if let bucket = stream.bucket { return scorer.cappedValues(week[bucket.channel, bucket.direction]).count }
            return stream == .replies ? replies : units
        }
    }

    /// The largest weekly value of each stream (the caps, times eight buckets for replies and units).
    public var maximumStreamValues: [Int] {
        let caps = configuration.caps
        let buckets = WeekActivity.bucketCount
        return Stream.allCases.map { stream in
            switch stream {
            case .replies: caps.replies * buckets
            case .durationUnits: caps.durationUnits * buckets
            default: caps.count
            }
        }
    }

    /// The largest magnitude of each feature (in ``names`` order): a stream's weekly maximum
    /// times the window, the largest heat, the largest trend magnitude.
    public var maximumMagnitudes: [Int] {
        let streams = maximumStreamValues
        return streams.flatMap { maximum in windows.map { maximum * $0 } }
            + [configuration.maximumHeat, configuration.maximumTrendMagnitude]
    }

    /// One client's features, in plaintext (the reference the encrypted features must equal).
    ///
    /// - Parameters:
    ///   - weeks: the client's activity per ISO week (weeks after `asOf` are ignored).
    ///   - asOf: the reference week.
    /// - Returns: the values in ``names`` order.
    public func features(weeks: [ISOWeek: WeekActivity], asOf: ISOWeek) -> [Int] {
        var values = [Int](repeating: 0, count: windowedCount)
        for (week, activity) in weeks {
            let age = asOf.index - week.index
            guard age >= 0 else { continue }
            let streams = streamValues(activity)
            for (w, window) in windows.enumerated() where age < window {
                for (s, value) in streams.enumerated() { values[index(stream: s, window: w)] += value }
            }
        }
        let heat = scorer.score(clientID: "", weeks: weeks, asOf: asOf)
        return values + [heat.heat, heat.trend]
    }
}
