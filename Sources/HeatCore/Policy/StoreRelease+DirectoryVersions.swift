import Foundation

extension StoreRelease {
    /// The group totals of a plaintext store attributed week by week to the directory version in
    /// force (issue 27; `Docs/Operations.md` section 6): exactly what
    /// ``Evaluator/aggregates(of:store:configuration:galoisKeys:minGroupSize:)`` computes on
    /// ciphertexts, here from the plaintext weekly buckets.
    ///
    /// Each client's weighted weekly score (``HeatScorer/weeklyScore(_:)``) of every window week
    /// counts into the groups of that week's assignment. The window (the decay window, or the two
    /// trend windows when longer) is cut with ``DirectoryTimeline/split(first:last:)``:
    /// - a group with the same members in every period is summed over the whole window and
    ///   released with at least `k` members;
    /// - every other group is summed period by period over that period's members, released only
    ///   with at least `k` members in **every** period, and reports its distinct members.
    ///
    /// A group left out here is suppressed, and the release engine withholds it (rule
    /// `minGroupSize`) instead of summing its members' heat.
    ///
    /// ```swift
    /// let timeline = try DirectoryTimeline.current(in: store)
    /// let totals = StoreRelease.weekAttributedAggregates(
    ///     buckets: try ClientDirectory.buckets(in: store), timeline: timeline, referenceWeek: week,
    ///     configuration: HeatConfiguration(), minGroupSize: 5)
    /// ```
    ///
    /// - Parameters:
    ///   - buckets: the store's weekly buckets (``ClientDirectory/buckets(in:)``).
    ///   - timeline: the directory and its versions.
    ///   - referenceWeek: the week heat runs through.
    ///   - configuration: the heat configuration (weights, decay, trend windows).
    ///   - minGroupSize: the policy's `k`.
    /// - Returns: the released groups' totals, by kind then reference.
    public static func weekAttributedAggregates(
        buckets: [StoredBucket], timeline: DirectoryTimeline, referenceWeek: ISOWeek, configuration: HeatConfiguration,
        minGroupSize: Int
    ) -> [GroupAggregate] {
        let span = Evaluator.windowSpan(configuration)
        let first = referenceWeek.advanced(by: -(span - 1))
        let split = timeline.split(first: first, last: referenceWeek)
        // Each slot's weeks of the window, then its (heat, trend) contribution per period.
        var weeks: [Int: [ISOWeek: WeekActivity]] = [:]
        for bucket in buckets where bucket.week >= first && bucket.week <= referenceWeek {
            weeks[Int(bucket.slot), default: [:]][bucket.week, default: WeekActivity()][bucket.channel, bucket.direction] =
                bucket.activityBucket
        }
        let scorer = HeatScorer(configuration: configuration)
        let decay = configuration.decayFactors
        var partial: [Int: [(heat: Int, trend: Int)]] = [:]
        for (slot, activity) in weeks {
            var sums = [(heat: Int, trend: Int)](repeating: (0, 0), count: split.periods.count)
            for (week, activity) in activity {
                let age = week.distance(to: referenceWeek)
                guard age >= 0, let period = split.periods.firstIndex(where: { $0.contains(week) }) else { continue }
                let score = scorer.weeklyScore(activity)
                sums[period].heat += (age < decay.count ? decay[age] : 0) * score
                sums[period].trend += configuration.trendFactor(age: age) * score
            }
            partial[slot] = sums
        }
        return weekAttributedAggregates(partial: partial, split: split, minGroupSize: minGroupSize)
    }

    /// The week-attributed group totals from each slot's (heat, trend) contribution per period
    /// of `split` (the plaintext weekly scores' sums, or the decrypted period parts of an
    /// encrypted run, ``KeyHolder/weekAttributedAggregates(of:store:configuration:minGroupSize:source:)``):
    /// the one summation both pipelines share, so their totals are equal by construction.
    ///
    /// - Parameters:
    ///   - partial: per slot, per period of `split`, the heat and trend contribution.
    ///   - split: the window's cut (``DirectoryTimeline/split(first:last:)``).
    ///   - minGroupSize: the policy's `k`.
    /// - Returns: the released groups' totals, by kind then reference.
    static func weekAttributedAggregates(
        partial: [Int: [(heat: Int, trend: Int)]], split: DirectoryTimeline.Split, minGroupSize: Int
    ) -> [GroupAggregate] {
        let k = max(minGroupSize, 1)
        var totals: [GroupAggregate] = []
        // Groups with the same members in every period: the whole window of each member.
        var constant: [GroupSummary.Kind: [String: [Int]]] = [:]
        for entry in split.constantEntries {
            for (kind, ref) in [(GroupSummary.Kind.manager, entry.manager), (.branch, entry.branch), (.segment, entry.segment),
                                (.region, entry.region)] {
                if let ref { constant[kind, default: [:]][ref, default: []].append(Int(entry.slot)) }
            }
        }
        for kind in GroupSummary.Kind.allCases {
            for (ref, slots) in (constant[kind] ?? [:]) where slots.count >= k {
                var total = GroupAggregate(kind: kind, ref: ref, clients: slots.count, heatSum: 0, trendSum: 0)
                for slot in slots {
                    for sums in partial[slot] ?? [] {
                        total.heatSum += sums.heat
                        total.trendSum += sums.trend
                    }
                }
                totals.append(total)
            }
        }
        // Versioned groups: each period over that period's members; k in every period.
        for group in split.versioned where group.slotsByPeriod.allSatisfy({ $0.count >= k }) {
            var total = GroupAggregate(kind: group.kind, ref: group.ref, clients: group.clients, heatSum: 0, trendSum: 0)
            for (period, slots) in group.slotsByPeriod.enumerated() {
                for slot in slots {
                    guard let sums = partial[slot]?[period] else { continue }
                    total.heatSum += sums.heat
                    total.trendSum += sums.trend
                }
            }
            totals.append(total)
        }
        let order = Dictionary(uniqueKeysWithValues: GroupSummary.Kind.allCases.enumerated().map { ($1, $0) })
        return totals.sorted { (order[$0.kind] ?? 0, $0.ref) < (order[$1.kind] ?? 0, $1.ref) }
    }
}
