import Foundation
import HeatML

/// Applies a ``ScenarioShock`` to a synthetic copy of a portfolio and compares the portfolio
/// before and after: heat levels, cooling, level transitions, lifetime features (expected
/// contacts, probability alive, risk bands) and branch / segment aggregates.
///
/// Deterministic: the same portfolio, shock and ``seed`` give the same shocked copy and the
/// same section. Leaving managers are drawn from the sorted manager references with stream 0 of
/// ``SplitMix64``; client k (in reference order) uses stream k + 1. In a shocked week each
/// bucket with factor f < 1 keeps each event with probability f (replies and minutes follow the
/// kept events); with f > 1 it gains a Poisson number of events with mean (f − 1) × the client's
/// mean weekly count of that bucket over the heat window (from the client's first week in it), with the client's mean minutes and
/// reply rate for that bucket. Heat is recomputed with ``HeatScorer``; the lifetime features
/// use one ``RelationshipLifetimes`` model fitted on the portfolio before the shock, applied to
/// both sides.
///
/// ```swift
/// let runner = ScenarioRunner(configuration: HeatConfiguration(), seed: 42)
/// let outcome = try runner.run(try ScenarioShock.named("health-crisis"), on: portfolio)
/// outcome.section.after.cooling - outcome.section.before.cooling
/// ```
public struct ScenarioRunner: Sendable {
    /// The heat configuration.
    public var configuration: HeatConfiguration
    /// The seed of the synthetic copy.
    public var seed: UInt64
    /// The forecast horizon of the lifetime features, in weeks (default 13).
    public var horizonWeeks: Int
    /// The smallest branch or segment reported (default 5).
    public var minGroupSize: Int

    /// The result of a run.
    public struct Outcome: Sendable {
        /// The shocked copy of the portfolio.
        public var shocked: ScenarioPortfolio
        /// The comparison for the results document.
        public var section: ScenarioSection
        /// Heat scores before the shock, in member order.
        public var scoresBefore: [HeatScore]
        /// Heat scores after the shock, in member order.
        public var scoresAfter: [HeatScore]
    }

    /// Creates a runner.
    ///
    /// - Parameters:
    ///   - configuration: the heat configuration.
    ///   - seed: the seed.
    ///   - horizonWeeks: the lifetime features' horizon.
    ///   - minGroupSize: the smallest group reported.
    public init(configuration: HeatConfiguration = HeatConfiguration(), seed: UInt64 = 42, horizonWeeks: Int = 13, minGroupSize: Int = 5) {
        self.configuration = configuration
        self.seed = seed
        self.horizonWeeks = horizonWeeks
        self.minGroupSize = minGroupSize
    }

    /// Runs a scenario.
    ///
    /// - Parameters:
    ///   - shock: the scenario.
    ///   - portfolio: the portfolio (not modified: the shock applies to a copy).
    /// - Returns: the shocked copy and the comparison.
    /// - Throws: ``ScenarioError/emptyPortfolio(source:)`` when no client has interactions, or
    ///   ``ScenarioError/invalidParameter(name:value:reason:)`` for a horizon outside 1…104 weeks.
    public func run(_ shock: ScenarioShock, on portfolio: ScenarioPortfolio) throws(ScenarioError) -> Outcome {
        guard (1...104).contains(horizonWeeks) else {
            throw .invalidParameter(name: "horizon", value: String(horizonWeeks), reason: "must be 1 to 104 weeks")
        }
        guard portfolio.members.contains(where: { !$0.weeks.isEmpty }) else { throw .emptyPortfolio(source: portfolio.source) }
        let (shocked, leaving, affected) = apply(shock, to: portfolio)
        let scorer = HeatScorer(configuration: configuration)
        let before = portfolio.members.map { scorer.score(clientID: $0.ref, weeks: $0.weeks, asOf: portfolio.asOf) }
        let after = shocked.members.map { scorer.score(clientID: $0.ref, weeks: $0.weeks, asOf: portfolio.asOf) }
        let histories = portfolio.members.compactMap { RelationshipLifetimes.history(of: $0.weeks, asOf: portfolio.asOf) }
        let lifetimes = try? RelationshipLifetimes(histories: histories, asOf: portfolio.asOf)
        func features(_ members: [ScenarioPortfolio.Member]) -> [RelationshipLifetimes.Features?] {
            members.map { lifetimes?.features(for: $0.weeks, horizonWeeks: horizonWeeks) }
        }
        let featuresBefore = features(portfolio.members)
        let featuresAfter = features(shocked.members)
        var moves: [HeatLevel: [HeatLevel: Int]] = [:]
        for (b, a) in zip(before, after) where b.level != a.level { moves[b.level, default: [:]][a.level, default: 0] += 1 }
        let transitions = HeatLevel.allCases.flatMap { from in
            HeatLevel.allCases.compactMap { to in moves[from]?[to].map { LevelTransition(from: from, to: to, clients: $0) } }
        }
        let section = ScenarioSection(
            name: shock.name, summary: shock.summary, shock: shock, seed: seed, source: portfolio.source, asOfWeek: portfolio.asOf,
            horizonWeeks: horizonWeeks, managersLeaving: leaving, clientsAffected: affected,
            before: snapshot(before, featuresBefore), after: snapshot(after, featuresAfter), transitions: transitions,
            groups: groups(portfolio.members, before, after, featuresBefore, featuresAfter),
            lifetimes: lifetimes.map { LifetimesParameters(r: $0.model.r, alpha: $0.model.alpha, a: $0.model.a, b: $0.model.b) })
        return Outcome(shocked: shocked, section: section, scoresBefore: before, scoresAfter: after)
    }

    // MARK: Shock

    /// The shocked copy, the number of leaving managers and the number of clients changed.
    func apply(_ shock: ScenarioShock, to portfolio: ScenarioPortfolio) -> (ScenarioPortfolio, Int, Int) {
        var bankRNG = SplitMix64(seed: seed, stream: 0)
        var managers = Array(Set(portfolio.members.compactMap(\.manager))).sorted()
        var leaving = Set<String>()
        if let attrition = shock.attrition, !managers.isEmpty {
            let count = min(managers.count, Int((attrition.managerShare * Double(managers.count)).rounded()))
            for i in 0..<count {
                let j = i + bankRNG.below(managers.count - i)
                managers.swapAt(i, j)
                leaving.insert(managers[i])
            }
        }
        let first = portfolio.asOf.advanced(by: -(shock.weeks - 1))
        let windowStart = portfolio.asOf.advanced(by: -(configuration.windowWeeks - 1))
        let channels = Channel.allCases
        let directions = Direction.allCases
        var shocked = portfolio
        var affected = 0
        for index in shocked.members.indices {
            var member = shocked.members[index]
            var rng = SplitMix64(seed: seed, stream: UInt64(index) + 1)
            let clientFactor = (member.segment.flatMap { shock.segments[$0] } ?? 1)
                * (member.manager.map { leaving.contains($0) } == true ? (shock.attrition?.contactFactor ?? 1) : 1)
            // The client's own rhythm per bucket over the heat window: mean events a week, minutes per event, reply rate.
            var totals = [ActivityBucket](repeating: ActivityBucket(), count: WeekActivity.bucketCount)
            for (week, activity) in member.weeks where week >= windowStart && week <= portfolio.asOf {
                for k in totals.indices {
                    totals[k].count += activity.buckets[k].count
                    totals[k].durationSeconds += activity.buckets[k].durationSeconds
                    totals[k].replies += activity.buckets[k].replies
                }
            }
            // Weeks the client could have been active in the window: from their first week (or the window's start).
            let firstSeen = member.weeks.keys.filter { $0 >= windowStart && $0 <= portfolio.asOf }.min() ?? windowStart
            let windowLength = Double(max(firstSeen.distance(to: portfolio.asOf) + 1, 1))
            var changed = false
            var week = first
            while week <= portfolio.asOf {
                var activity = member.weeks[week] ?? WeekActivity()
                for channel in channels {
                    for direction in directions {
                        let factor = shock.channelFactor(channel, direction) * clientFactor
                        guard factor != 1 else { continue }
                        let k = WeekActivity.bucketIndex(channel: channel, direction: direction)
                        var bucket = activity[channel, direction]
                        if factor < 1 {
                            guard bucket.count > 0 else { continue }
                            let kept = Self.binomial(bucket.count, factor, &rng)
                            let replyRate = Double(bucket.replies) / Double(bucket.count)
                            bucket.durationSeconds = bucket.durationSeconds * kept / bucket.count
                            bucket.replies = Self.binomial(kept, replyRate, &rng)
                            bucket.count = kept
                        } else {
                            let rate = Double(totals[k].count) / windowLength
                            let extra = Self.poisson((factor - 1) * rate, &rng)
                            guard extra > 0 else { continue }
                            let perEvent = totals[k].count > 0 ? totals[k].durationSeconds / totals[k].count : 0
                            let replyRate = totals[k].count > 0 ? Double(totals[k].replies) / Double(totals[k].count) : 0
                            bucket.count += extra
                            bucket.durationSeconds += extra * perEvent
                            bucket.replies += Self.binomial(extra, replyRate, &rng)
                        }
                        if bucket != activity[channel, direction] { changed = true }
                        activity[channel, direction] = bucket
                    }
                }
                if activity.totalCount > 0 || member.weeks[week] != nil { member.weeks[week] = activity }
                if activity.totalCount == 0 { member.weeks[week] = nil }
                week = week.advanced(by: 1)
            }
            if changed { affected += 1 }
            shocked.members[index] = member
        }
        return (shocked, leaving.count, affected)
    }

    static func binomial(_ n: Int, _ p: Double, _ rng: inout SplitMix64) -> Int {
        guard n > 0, p > 0 else { return 0 }
        guard p < 1 else { return n }
        var count = 0
        for _ in 0..<n where rng.chance(p) { count += 1 }
        return count
    }

    /// A Poisson draw (Knuth's product of uniforms; means above 30 use the normal approximation).
    static func poisson(_ mean: Double, _ rng: inout SplitMix64) -> Int {
        guard mean > 0, mean.isFinite else { return 0 }
        if mean > 30 {
            let u1 = max(rng.unitInterval(), 1e-300), u2 = rng.unitInterval()
            let normal = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
            return max(0, Int((mean + mean.squareRoot() * normal).rounded()))
        }
        let limit = exp(-mean)
        var product = rng.unitInterval()
        var count = 0
        while product > limit {
            count += 1
            product *= rng.unitInterval()
        }
        return count
    }

    // MARK: Summaries

    static func riskBand(_ features: RelationshipLifetimes.Features?) -> String {
        guard let alive = features?.probabilityAlive else { return "high" }
        return alive >= 0.8 ? "low" : (alive >= 0.5 ? "medium" : "high")
    }

    func snapshot(_ scores: [HeatScore], _ features: [RelationshipLifetimes.Features?]) -> ScenarioSnapshot {
        var levels = Dictionary(uniqueKeysWithValues: HeatLevel.allCases.map { ($0.rawValue, 0) })
        var bands = ["low": 0, "medium": 0, "high": 0]
        for score in scores { levels[score.level.rawValue, default: 0] += 1 }
        for item in features { bands[Self.riskBand(item), default: 0] += 1 }
        let n = Double(max(scores.count, 1))
        return ScenarioSnapshot(
            clients: scores.count, levels: levels, cooling: scores.filter(\.cooling).count,
            meanHeat: Double(scores.reduce(0) { $0 + $1.heat }) / n, meanTrend: Double(scores.reduce(0) { $0 + $1.trend }) / n,
            meanExpectedContacts: features.reduce(0) { $0 + ($1?.expectedContacts ?? 0) } / n,
            meanProbabilityAlive: features.reduce(0) { $0 + ($1?.probabilityAlive ?? 0) } / n, riskBands: bands)
    }

    func groups(
        _ members: [ScenarioPortfolio.Member], _ before: [HeatScore], _ after: [HeatScore],
        _ featuresBefore: [RelationshipLifetimes.Features?], _ featuresAfter: [RelationshipLifetimes.Features?]
    ) -> [ScenarioGroup] {
        struct Tally { var clients = 0; var heatBefore = 0; var heatAfter = 0; var coolingBefore = 0; var coolingAfter = 0
            var contactsBefore = 0.0; var contactsAfter = 0.0 }
        var tallies: [GroupSummary.Kind: [String: Tally]] = [:]
        for index in members.indices {
            let member = members[index]
            for (kind, key) in [(GroupSummary.Kind.branch, member.branch), (.segment, member.segment)] {
                guard let key else { continue }
                var tally = tallies[kind, default: [:]][key, default: Tally()]
                tally.clients += 1
                tally.heatBefore += before[index].heat
                tally.heatAfter += after[index].heat
                if before[index].cooling { tally.coolingBefore += 1 }
                if after[index].cooling { tally.coolingAfter += 1 }
                tally.contactsBefore += featuresBefore[index]?.expectedContacts ?? 0
                tally.contactsAfter += featuresAfter[index]?.expectedContacts ?? 0
                tallies[kind, default: [:]][key] = tally
            }
        }
        return [GroupSummary.Kind.branch, .segment].flatMap { kind in
            (tallies[kind] ?? [:]).filter { $0.value.clients >= minGroupSize }.sorted { $0.key < $1.key }.map { key, tally in
                let n = Double(tally.clients)
                return ScenarioGroup(
                    kind: kind, ref: key, clients: tally.clients, meanHeatBefore: Double(tally.heatBefore) / n,
                    meanHeatAfter: Double(tally.heatAfter) / n, coolingBefore: tally.coolingBefore, coolingAfter: tally.coolingAfter,
                    expectedContactsBefore: tally.contactsBefore / n, expectedContactsAfter: tally.contactsAfter / n)
            }
        }
    }
}
