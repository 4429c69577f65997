import Foundation
import GRDB
import HeatEnvelope
import HeatFHE

extension Evaluator {
    /// Refuses a run computed under another directory version than the store's now (exit 65).
    ///
    /// - Parameters:
    ///   - run: the heat run.
    ///   - timeline: the store's directory now.
    /// - Throws: ``PipelineError/directoryVersionMismatch(source:computed:current:)``.
    static func checkDirectoryVersion(of run: EncryptedHeatRun, timeline: DirectoryTimeline) throws(PipelineError) {
        guard run.header.directoryVersion == timeline.version else {
            throw .directoryVersionMismatch(source: "the run", computed: run.header.directoryVersion, current: timeline.version)
        }
    }

    /// The weeks a run of `configuration` reads back from its reference week: the decay window,
    /// or the two trend windows when they are longer.
    static func windowSpan(_ configuration: HeatConfiguration) -> Int {
        max(configuration.decayFactors.count, 2 * configuration.trendWeeks, 1)
    }

    /// Plans the aggregates under the directory's versions (issue 27, item 3).
    ///
    /// Without any directory version this is exactly
    /// ``aggregatePlan(entries:degree:minGroupSize:occupied:nesting:)`` over `entries`. With
    /// versions, the run's window is cut into periods at every version week inside it
    /// (``DirectoryTimeline/split(first:last:)``): groups with the same members in every period
    /// are planned as before (segmented or masked); every other group is **versioned**: per
    /// period, the period's partial heat and trend (``periodSums(store:run:configuration:periods:)``)
    /// times a 0/1 mask of the group's members in that period, added over periods and batches,
    /// then rotate-and-add. A week's contribution is thus summed into the groups of that week's
    /// assignment, so a moved client's earlier weeks stay with the old manager and a closed
    /// account adds nothing after its closure. A versioned group is released only when it has at
    /// least `k` members in **every** period of the window (else it is suppressed like any group
    /// under `k`); its reported size is its distinct members over the window, which bounds the sum
    /// exactly as a group of that size. Regions are not nested from branches when any group is
    /// versioned.
    ///
    /// - Parameters:
    ///   - entries: the directory (``ClientDirectory/entries(in:filter:scoring:asOf:)``).
    ///   - timeline: the directory's versions.
    ///   - referenceWeek: the run's reference week (`nil`: no versioning).
    ///   - configuration: the heat configuration (its window).
    ///   - degree: the ring degree.
    ///   - minGroupSize: the policy's `k`.
    ///   - occupied: erased slots.
    /// - Returns: the plan.
    static func aggregatePlan(
        entries: [ClientDirectoryEntry], timeline: DirectoryTimeline, referenceWeek: ISOWeek?, configuration: HeatConfiguration,
        degree n: Int, minGroupSize: Int, occupied: [Int]
    ) -> AggregatePlan {
        guard timeline.isVersioned, let referenceWeek else {
            return aggregatePlan(entries: entries, degree: n, minGroupSize: minGroupSize, occupied: occupied)
        }
        let split = timeline.split(first: referenceWeek.advanced(by: -(windowSpan(configuration) - 1)), last: referenceWeek)
        var plan = aggregatePlan(
            entries: split.constantEntries, degree: n, minGroupSize: minGroupSize, occupied: occupied, nesting: split.versioned.isEmpty)
        for group in split.versioned {
            // k members in EVERY period of the window (issue 27 review): a group that keeps fewer
            // than k members for some weeks would release those few clients' weeks.
            if group.slotsByPeriod.allSatisfy({ $0.count >= plan.k }) {
                plan.released.append(.init(kind: group.kind, ref: group.ref, clients: group.clients, method: "versioned"))
                plan.versioned.append(group)
            } else {
                plan.suppressed[group.kind.rawValue, default: 0] += 1
            }
        }
        let order = Dictionary(uniqueKeysWithValues: GroupSummary.Kind.allCases.enumerated().map { ($1, $0) })
        plan.released.sort { (order[$0.kind] ?? 0, $0.ref) < (order[$1.kind] ?? 0, $1.ref) }
        plan.periods = split.periods
        plan.keySwitches += 2 * plan.versioned.count * (Bfv64.sumSteps(degree: n).count + 1)
        return plan
    }

    /// Per period of a versioned plan and per slot batch, the partial heat and trend of the run:
    /// the same sums as ``evaluate(store:configuration:asOf:throughSeq:)`` over the same stored
    /// ciphertexts (rows up to the run's ``EncryptedHeatRun/Header/ciphertextsThroughSeq``), each
    /// restricted to the weeks of one period. The partial sums of a batch add up to the run's
    /// heat and trend (before the erasure mask), so each has at most the run's noise.
    ///
    /// - Parameters:
    ///   - store: the store.
    ///   - run: the run (its reference week and last ciphertext row).
    ///   - configuration: the heat configuration.
    ///   - periods: the periods, in order.
    /// - Returns: per period, by batch, the heat and trend ciphertexts.
    /// - Throws: ``PipelineError`` (other parameters, corrupt rows), ``StoreError``.
    func periodSums(
        store: HeatStore, run: EncryptedHeatRun, configuration: HeatConfiguration, periods: [DirectoryTimeline.Period]
    ) throws -> [[Int: (heat: Ciphertext<UInt64>, trend: Ciphertext<UInt64>)]] {
        guard let reference = try? ISOWeek(parsing: run.header.asOfWeek) else {
            throw PipelineError.malformed(source: "the run", reason: "field asOfWeek: \(run.header.asOfWeek) is not an ISO week")
        }
        let decay = configuration.decayFactors
        let fingerprint = context.fingerprint.hex
        var sums = [[Int: (heat: Ciphertext<UInt64>, trend: Ciphertext<UInt64>)]](repeating: [:], count: periods.count)
        try store.read { db in
            // Issue 27: the rows of the run's FHE key generation only.
            let generations = try FHEKeyGenerations.effective(in: db)
            let generationBound = try generations.generationBound(through: run.header.ciphertextsThroughSeq, in: db)
            try generations.requireWholeGeneration(through: generationBound, path: store.path)
            let firstSeq = generations.firstSeq(through: generationBound)
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT seq, week, batch, parameters_fingerprint, ciphertext FROM ciphertexts
                WHERE seq >= ? AND seq <= ? AND packing = ? ORDER BY seq
                """, arguments: [firstSeq, run.header.ciphertextsThroughSeq, HeatPacking.weeklyScore])
            while let row = try cursor.next() {
                let source = "\(store.path): ciphertexts row \(row.lenientInteger("seq") ?? 0)"
                guard row.lenientText("parameters_fingerprint") == fingerprint else {
                    throw PipelineError.parameterMismatch(source: source, expected: fingerprint, found: row.lenientText("parameters_fingerprint") ?? "?")
                }
                guard let week = try? ISOWeek(parsing: row.lenientText("week") ?? ""),
                      let batch = row.lenientInteger("batch").map(Int.init), batch >= 0, let blob = row.lenientBlob("ciphertext") else {
                    throw PipelineError.malformed(source: source, reason: "a malformed row")
                }
                let age = week.distance(to: reference)
                guard age >= 0, let period = periods.firstIndex(where: { $0.contains(week) }) else { continue }
                let heatFactor = age < decay.count ? decay[age] : 0
                let trendFactor = configuration.trendFactor(age: age)
                guard heatFactor != 0 || trendFactor != 0 else { continue }
                let ciphertext = try Self.storedCiphertext(blob, context: context, source: source)
                var pair: (heat: Ciphertext<UInt64>, trend: Ciphertext<UInt64>)
                if let existing = sums[period][batch] {
                    pair = existing
                } else {
                    pair = (heat: try zero(signedness: .unsigned), trend: try zero(signedness: .signed))
                }
                sums[period][batch] = nil   // keep the sums uniquely referenced while adding in place
                if heatFactor != 0 { Self.multiplyAdd(&pair.heat, ciphertext, by: heatFactor) }
                if trendFactor != 0 { Self.multiplyAdd(&pair.trend, ciphertext, by: trendFactor) }
                sums[period][batch] = pair
            }
        }
        return sums
    }

    /// The encrypted totals of the versioned groups of `plan`, in plan order: per group, per
    /// period, the period's partial sums masked to the group's members in that period, added over
    /// periods and batches, then summed over the slots (the total in every slot).
    ///
    /// - Parameters:
    ///   - plan: the plan.
    ///   - sums: ``periodSums(store:run:configuration:periods:)`` for the plan's periods.
    ///   - galoisKeys: the rotation keys.
    /// - Returns: one (heat, trend) pair per versioned group.
    /// - Throws: ``PipelineError/fhe(_:)``.
    func versionedTotals(
        plan: AggregatePlan, sums: [[Int: (heat: Ciphertext<UInt64>, trend: Ciphertext<UInt64>)]], galoisKeys: BfvGaloisKeys<UInt64>
    ) throws(PipelineError) -> [(heat: Ciphertext<UInt64>, trend: Ciphertext<UInt64>)] {
        let context = self.context
        let n = context.degree
        return try Self.parallelMap(plan.versioned) { group throws(PipelineError) in
            var heat = try Self.zero(context: context, signedness: .unsigned)
            var trend = try Self.zero(context: context, signedness: .signed)
            do throws(FHEError) {
                for (period, slots) in group.slotsByPeriod.enumerated() where period < sums.count {
                    var byBatch: [Int: [Bool]] = [:]
                    for slot in slots { byBatch[slot / n, default: [Bool](repeating: false, count: n)][slot % n] = true }
                    for batch in byBatch.keys.sorted() {
                        guard let keep = byBatch[batch], let pair = sums[period][batch] else { continue }
                        let mask = try Bfv64.prepareMask(keep, context: context)
                        Bfv64.add(&heat, try Bfv64.multiply(pair.heat, by: mask))
                        Bfv64.add(&trend, try Bfv64.multiply(pair.trend, by: mask))
                    }
                }
                return (try Bfv64.sumOfSlots(heat, using: galoisKeys), try Bfv64.sumOfSlots(trend, using: galoisKeys))
            } catch {
                throw .fhe(error)
            }
        }
    }
}

extension KeyHolder {
    /// Decrypts the aggregates after checking that every stored directory version is signed under
    /// the key holder's key (``trustedKey``, or a key its key transitions link to; exit 1 on an
    /// unsigned, forged or altered version, or when versions exist and the folder holds no signing
    /// key) and that they were computed under the store's directory version now (issue 27, item
    /// 3): aggregates computed before a client moved or an account closed attribute weeks with a
    /// stale directory and are refused (exit 65) before anything is decrypted; then as
    /// ``decrypt(aggregates:minGroupSize:)``. It checks no computation log and no totals: the
    /// release path for an aggregates file is
    /// ``releasedAggregates(_:run:store:configuration:minGroupSize:members:source:runSource:)``.
    ///
    /// - Parameters:
    ///   - aggregates: the evaluator's aggregates.
    ///   - minGroupSize: the policy's `k`.
    ///   - store: the store they were computed from.
    /// - Returns: the totals.
    /// - Throws: ``DirectoryError/unverifiedVersions(violations:)``,
    ///   ``PipelineError/directoryVersionMismatch(source:computed:current:)``, the errors of
    ///   ``decrypt(aggregates:minGroupSize:)``, ``StoreError``.
    public func decrypt(aggregates: EncryptedAggregates, minGroupSize: Int, store: HeatStore) throws -> [GroupAggregate] {
        let current = try DirectoryVersion.verifiedVersion(in: store, key: trustedKey)
        guard aggregates.header.directoryVersion == current else {
            throw PipelineError.directoryVersionMismatch(source: "the aggregates", computed: aggregates.header.directoryVersion, current: current)
        }
        return try decrypt(aggregates: aggregates, minGroupSize: minGroupSize)
    }
}
