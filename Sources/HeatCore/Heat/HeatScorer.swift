/// Computes heat, trend, level and cooling from bucketed activity (DESIGN.md section 4).
///
/// For a reference week `R`, with `s(w)` the weekly score of week `w` and `d(a)` the integer
/// decay factors of ``HeatConfiguration/decayFactors``:
///
/// - weekly score `s(w) = sum over channel, direction of weight x min(count, capCount)
///   + durationUnitWeight x min(seconds / durationUnitSeconds, capUnits)
///   + replyWeight x min(replies, capReplies)`;
/// - `heat = sum for a in 0 ..< windowWeeks of d(a) x s(R - a)`;
/// - `trend = decayScale x (sum for a in 0 ..< T of s(R - a) - sum for a in T ..< 2T of s(R - a))`
///   with `T = trendWeeks`: recent weeks against the weeks before, both undecayed and on heat's
///   fixed-point scale, so a steady client has trend 0.
///
/// Only integer sums of constant x value are used, so the same numbers can be computed on
/// BFV ciphertexts of the capped bucket values. Weeks after `R` are ignored.
///
/// ```swift
/// var ledger = ActivityLedger()
/// interactions.forEach { ledger.add($0) }
/// let scorer = HeatScorer(configuration: HeatConfiguration())
/// let scores = scorer.scores(of: ledger, asOf: ledger.latestWeek!)
/// ```
public struct HeatScorer: Sendable {
    /// The configuration.
    public let configuration: HeatConfiguration
    /// ``HeatConfiguration/decayFactors``, computed once.
    public let decayFactors: [Int]
    private let bucketWeights: [Int]

    /// Creates a scorer.
    ///
    /// - Parameter configuration: a configuration (validate it first when it comes from a file).
    public init(configuration: HeatConfiguration = HeatConfiguration()) {
        self.configuration = configuration
        self.decayFactors = configuration.decayFactors
        var weights = Array(repeating: 0, count: WeekActivity.bucketCount)
        for channel in Channel.allCases {
            for direction in Direction.allCases {
                weights[WeekActivity.bucketIndex(channel: channel, direction: direction)] = configuration.weights[channel, direction]
            }
        }
        self.bucketWeights = weights
    }

    /// The capped values of a bucket, as the collector would encrypt them: count, duration
    /// units, replies.
    ///
    /// - Parameter bucket: raw bucket sums.
    /// - Returns: each value limited to its cap.
    public func cappedValues(_ bucket: ActivityBucket) -> (count: Int, durationUnits: Int, replies: Int) {
        let caps = configuration.caps
        return (min(bucket.count, caps.count),
                min(bucket.durationSeconds / configuration.durationUnitSeconds, caps.durationUnits),
                min(bucket.replies, caps.replies))
    }

    /// The weekly score: the weighted sum of the week's capped bucket values.
    ///
    /// - Parameter week: one client's week.
    /// - Returns: an integer in `0...maximumWeeklyScore`.
    public func weeklyScore(_ week: WeekActivity) -> Int {
        var total = 0
        for (index, bucket) in week.buckets.enumerated() {
            let capped = cappedValues(bucket)
            total += bucketWeights[index] * capped.count
                + configuration.durationUnitWeight * capped.durationUnits
                + configuration.replyWeight * capped.replies
        }
        return total
    }

    /// Scores one client's history.
    ///
    /// - Parameters:
    ///   - clientID: the client's id (copied into the result).
    ///   - weeks: the client's activity per ISO week (weeks outside the window are ignored).
    ///   - asOf: the reference week.
    /// - Returns: heat, trend, level and cooling.
    public func score(clientID: String, weeks: [ISOWeek: WeekActivity], asOf: ISOWeek) -> HeatScore {
        let window = configuration.windowWeeks
        let trendWeeks = configuration.trendWeeks
        var heat = 0
        var recent = 0
        var before = 0
        let reference = asOf.index
        for (week, activity) in weeks {
            let age = reference - week.index
            guard age >= 0, age < window else { continue }
            let weekly = weeklyScore(activity)
            heat += decayFactors[age] * weekly
            if age < trendWeeks {
                recent += weekly
            } else if age < 2 * trendWeeks {
                before += weekly
            }
        }
        let trend = configuration.decayScale * (recent - before)
        return HeatScore(clientID: clientID, heat: heat, trend: trend, level: configuration.level(forHeat: heat),
                         cooling: configuration.isCooling(heat: heat, trend: trend))
    }

    /// Scores every client of a ledger, plus clients known only from a directory (heat 0).
    ///
    /// - Parameters:
    ///   - ledger: the bucketed interactions.
    ///   - asOf: the reference week.
    ///   - additionalClients: ids to score even without activity (for example a client file's).
    ///   - progress: receives (clients scored, clients in all): 0 first, then every
    ///     ``progressInterval`` clients, last with both equal; `nil` for none. Example:
    ///     `scorer.scores(of: ledger, asOf: week, progress: { done, total in log("\(done)/\(total)") })`.
    /// - Returns: one score per client, sorted by client id.
    public func scores(
        of ledger: ActivityLedger, asOf: ISOWeek, additionalClients: [String] = [],
        progress: ((_ clientsScored: Int, _ totalClients: Int) -> Void)? = nil
    ) -> [HeatScore] {
        var ids = Set(ledger.clients.keys)
        ids.formUnion(additionalClients)
        guard let progress else {
            return ids.sorted().map { id in score(clientID: id, weeks: ledger.clients[id] ?? [:], asOf: asOf) }
        }
        let sorted = ids.sorted()
        progress(0, sorted.count)
        var scores: [HeatScore] = []
        scores.reserveCapacity(sorted.count)
        for id in sorted {
            scores.append(score(clientID: id, weeks: ledger.clients[id] ?? [:], asOf: asOf))
            if scores.count % Self.progressInterval == 0 { progress(scores.count, sorted.count) }
        }
        if scores.count % Self.progressInterval != 0 { progress(scores.count, sorted.count) }
        return scores
    }

    /// How many clients pass between two progress reports of ``scores(of:asOf:additionalClients:progress:)``.
    public static let progressInterval = 1024
}
