import Crypto
import GRDB
import HeatEnvelope
import HeatFHE

/// The analytic, worst-case noise of one aggregates run, computed from its plan before any
/// ciphertext is touched (issue 14).
///
/// The flood (``HeatFHE/Bfv64/flood(_:publicKey:bits:using:)``) hides the computed noise `e`
/// only when `|e|` is far below the flooding width `2^b`: the released ciphertext's distribution
/// moves by at most `|e| / 2^(b+1)` per coefficient in statistical distance, so with the required
/// 40-bit margin at most `2^-41` per coefficient, `N * 2^-41` per ciphertext (`2^-27` at
/// `N = 16384`), and per run at most that times the number of released ciphertexts (it grows with
/// the number of groups; the margin is not a per-run bound of `2^-40`). The evaluator
/// therefore bounds `|e|` from the plan: the fresh ciphertexts summed per week and batch
/// (counted in the store), the decay factors, the 0/1 mask products, the rotations (key switches)
/// of the segmented ladders and of rotate-and-add, and the region sums, with the per-operation
/// worst cases of ``HeatFHE/BfvNoiseBound``. It refuses to run (exit 69,
/// ``PipelineError/noiseMarginTooSmall(preset:marginBits:requiredBits:fitting:)``) when
/// `log2(flood) - log2(bound)` is under ``requiredMarginBits``, and
/// (``PipelineError/noiseBoundExceeded(preset:stage:boundBits:limitBits:)``) when the flood plus
/// the bound would not decrypt, at the top level or after the switch down to the return level.
///
/// All values are `log2` of invariant-noise bounds (`v = [t * phase]_Q`, see
/// ``HeatFHE/BfvNoiseBound``), so they compare directly with
/// ``KeyHolder/noiseBudget(of:)``: a measured budget `B` means `max |v| < 2^(bits(Q) - B)`.
///
/// ```swift
/// let budget = try evaluator.aggregateNoiseBudget(of: run, store: store, galoisKeys: keys)
/// budget.marginBits   // >= 40, or aggregates(...) refuses with exit 69
/// ```
public struct AggregateNoiseBudget: Sendable, Equatable {
    /// The margin the flood must keep above the computed noise, in bits (statistical distance
    /// at most `2^-41` per coefficient, `N * 2^-41` per ciphertext, more per run).
    public static let requiredMarginBits = 40

    /// The parameter set's name.
    public var parameters: String
    /// `log2` of the worst-case invariant noise of the heat and trend ciphertexts of the run.
    public var runBits: Double
    /// `log2` of the worst-case invariant noise of the computed aggregate ciphertexts (before the flood).
    public var computedBits: Double
    /// `log2(t * 2^b)`: the flooding width in invariant-noise units.
    public var floodBits: Double
    /// `floodBits - computedBits`.
    public var marginBits: Double { floodBits - computedBits }
    /// `log2` of the worst-case noise of the released ciphertexts (flooded, switched down).
    public var releasedBits: Double
    /// `log2(Q_level / 2)` at the return level: what the released noise must stay under.
    public var releasedLimitBits: Double
    /// `log2` of the worst-case noise right after the flood, at the top level.
    public var floodedBits: Double
    /// `log2(Q / 2)` at the top level.
    public var topLimitBits: Double

    /// Checks the margin and decryptability.
    ///
    /// - Parameter fitting: a preset to name in the error when these parameters fail (or `nil`).
    /// - Throws: ``PipelineError/noiseMarginTooSmall(preset:marginBits:requiredBits:fitting:)`` or
    ///   ``PipelineError/noiseBoundExceeded(preset:stage:boundBits:limitBits:)`` (both exit 69).
    public func check(fitting: String? = nil) throws(PipelineError) {
        guard runBits < topLimitBits else {
            throw .noiseBoundExceeded(preset: parameters, stage: "heat and trend", boundBits: Int(runBits.rounded(.up)), limitBits: Int(topLimitBits))
        }
        guard marginBits >= Double(Self.requiredMarginBits) else {
            throw .noiseMarginTooSmall(
                preset: parameters, marginBits: Int(marginBits.rounded(.down)), requiredBits: Self.requiredMarginBits, fitting: fitting)
        }
        guard floodedBits < topLimitBits else {
            throw .noiseBoundExceeded(
                preset: parameters, stage: "flooded aggregates", boundBits: Int(floodedBits.rounded(.up)), limitBits: Int(topLimitBits))
        }
        guard releasedBits < releasedLimitBits else {
            throw .noiseBoundExceeded(
                preset: parameters, stage: "released aggregates (after the modulus switch)", boundBits: Int(releasedBits.rounded(.up)),
                limitBits: Int(releasedLimitBits))
        }
    }
}

extension Evaluator {
    /// The worst-case noise of the heat and trend ciphertexts of each batch (invariant-noise
    /// units), from the number of fresh ciphertexts summed per batch and week: heat
    /// `sum_w d(age(w)) * D(b, w) * fresh`, trend `decayScale * sum_(age < 2T) D(b, w) * fresh`.
    ///
    /// - Parameters:
    ///   - deltas: per batch and week, how many stored ciphertexts the evaluator sums.
    ///   - configuration: the heat configuration (decay and trend windows).
    ///   - referenceWeek: the run's reference week.
    ///   - bound: the parameters' per-operation bounds.
    /// - Returns: per batch `(heat, trend)`.
    static func runNoise(
        deltas: [Int: [ISOWeek: Int]], configuration: HeatConfiguration, referenceWeek: ISOWeek, bound: BfvNoiseBound
    ) -> [Int: (heat: Double, trend: Double)] {
        let decay = configuration.decayFactors
        let fresh = bound.freshPublicKeyEncryption
        var out: [Int: (heat: Double, trend: Double)] = [:]
        for (batch, weeks) in deltas {
            var heat = 0.0
            var trend = 0.0
            for (week, count) in weeks {
                let age = week.distance(to: referenceWeek)
                guard age >= 0, age < decay.count else { continue }
                heat += Double(abs(decay[age])) * Double(count) * fresh
                if age < 2 * configuration.trendWeeks {
                    trend += Double(abs(configuration.decayScale)) * Double(count) * fresh
                }
            }
            out[batch] = (heat, trend)
        }
        return out
    }

    /// How many stored weekly-score ciphertexts a run summed per batch and week (rows up to
    /// `throughSeq`, the run's ``EncryptedHeatRun/Header/ciphertextsThroughSeq``).
    static func deltaCounts(in store: HeatStore, throughSeq: Int64) throws -> [Int: [ISOWeek: Int]] {
        try store.read { db in
            var counts: [Int: [ISOWeek: Int]] = [:]
            // Issue 27: the rows of the run's FHE key generation only.
            let generations = try FHEKeyGenerations.effective(in: db)
            let generationBound = try generations.generationBound(through: throughSeq, in: db)
            try generations.requireWholeGeneration(through: generationBound, path: store.path)
            let firstSeq = generations.firstSeq(through: generationBound)
            let rows = try Row.fetchCursor(
                db, sql: "SELECT batch, week, COUNT(*) AS n FROM ciphertexts WHERE seq >= ? AND seq <= ? AND packing = ? GROUP BY batch, week",
                arguments: [firstSeq, throughSeq, HeatPacking.weeklyScore])
            while let row = try rows.next() {
                guard let batch = row.lenientInteger("batch").map(Int.init),
                      let week = try? ISOWeek(parsing: row.lenientText("week") ?? ""),
                      let n = row.lenientInteger("n") else { continue }
                counts[batch, default: [:]][week] = Int(n)
            }
            return counts
        }
    }

    /// The worst-case noise of an aggregates plan (see ``AggregateNoiseBudget``).
    ///
    /// - Parameters:
    ///   - plan: the plan.
    ///   - runNoise: per batch the heat and trend bounds (``runNoise(deltas:configuration:referenceWeek:bound:)``).
    ///   - parameters: the parameters.
    ///   - keySwitchesPerRotation: how many key switches a rotation by `step` costs with the
    ///     evaluator's Galois keys (1 when the key exists).
    /// - Returns: the budget.
    static func aggregateNoise(
        plan: AggregatePlan, runNoise: [Int: (heat: Double, trend: Double)], parameters: BfvParameters,
        keySwitchesPerRotation: (Int) -> Int
    ) -> AggregateNoiseBudget {
        let bound = BfvNoiseBound(parameters: parameters)
        let top = bound.topLevel
        let keySwitch = bound.keySwitch(level: top)
        let mask = bound.plaintextProductFactor
        let n = parameters.degree
        var computed = 0.0
        for trendPart in [false, true] {
            func input(_ batch: Int) -> Double? { runNoise[batch].map { trendPart ? $0.trend : $0.heat } }
            // Segmented batches: a window-sum ladder, one mask per window width used.
            for (batch, blocks) in plan.segmented {
                guard let input = input(batch) else { continue }
                let levels = blocks.map(\.level).max() ?? 0
                var ladder = [input]
                for level in 0..<levels {
                    ladder.append(2 * ladder[level] + Double(keySwitchesPerRotation(1 << level)) * keySwitch)
                }
                let used = Set(blocks.map(\.level))
                computed = max(computed, used.reduce(0.0) { $0 + mask * ladder[$1] })
            }
            // Masked inner products: one mask per batch, summed, then rotate-and-add.
            var totals: [String: Double] = [:]
            for item in plan.masked {
                let batches = Set(item.slots.map { $0 / n })
                var v = batches.reduce(0.0) { $0 + mask * (input($1) ?? 0) }
                for step in Bfv64.sumSteps(degree: n) { v = 2 * v + Double(keySwitchesPerRotation(step)) * keySwitch }
                v = 2 * v + keySwitch  // the row swap
                totals["\(item.kind.rawValue) \(item.ref)"] = v
                computed = max(computed, v)
            }
            // Versioned groups (issue 27): per period one mask per batch over a partial sum whose
            // noise is at most the batch's run noise, summed, then rotate-and-add.
            for item in plan.versioned {
                var v = item.slotsByPeriod.reduce(0.0) { total, slots in
                    total + Set(slots.map { $0 / n }).reduce(0.0) { $0 + mask * (input($1) ?? 0) }
                }
                for step in Bfv64.sumSteps(degree: n) { v = 2 * v + Double(keySwitchesPerRotation(step)) * keySwitch }
                v = 2 * v + keySwitch  // the row swap
                computed = max(computed, v)
            }
            // Regions nested from their branches' totals.
            for (_, branches) in plan.regionsFromBranches ?? [:] {
                computed = max(computed, branches.reduce(0.0) { $0 + (totals["branch \($1)"] ?? 0) })
            }
        }
        let run = runNoise.values.reduce(0.0) { max($0, $1.heat, $1.trend) }
        let bits = bound.floodingBits()
        let flooded = computed + bound.flooding(bits: bits)
        let level = returnLevel(parameters)
        let released = bound.switchingDown(flooded, from: top, to: min(level, top))
        return AggregateNoiseBudget(
            parameters: parameters.name, runBits: BfvNoiseBound.log2(run), computedBits: BfvNoiseBound.log2(computed),
            floodBits: BfvNoiseBound.log2(bound.floodingWidth(bits: bits)), releasedBits: BfvNoiseBound.log2(released),
            releasedLimitBits: BfvNoiseBound.log2(bound.decryptionLimit(level: min(level, top))),
            floodedBits: BfvNoiseBound.log2(flooded), topLimitBits: BfvNoiseBound.log2(bound.decryptionLimit(level: top)))
    }

    /// The worst-case noise budget of the aggregates of `run` (``AggregateNoiseBudget``): what
    /// ``aggregates(of:store:configuration:galoisKeys:minGroupSize:)`` checks before computing.
    ///
    /// - Parameters:
    ///   - run: the heat run.
    ///   - store: the store (directory and the count of ciphertexts per batch and week).
    ///   - configuration: the heat configuration.
    ///   - galoisKeys: the evaluator's Galois keys (how many key switches each rotation costs).
    ///   - minGroupSize: the policy's `k`.
    /// - Returns: the budget.
    /// - Throws: ``StoreError``, ``PipelineError/malformed(source:reason:)`` for a run without a reference week,
    ///   ``PipelineError/runMismatch(field:expected:found:)`` (exit 65) for a run of another store or configuration.
    public func aggregateNoiseBudget(
        of run: EncryptedHeatRun, store: HeatStore, configuration: HeatConfiguration = HeatConfiguration(),
        galoisKeys: BfvGaloisKeys<UInt64>, minGroupSize: Int = 5
    ) throws -> AggregateNoiseBudget {
        try Self.checkRunMatches(run, store: store, configuration: configuration)
        let entries = try ClientDirectory.entries(in: store)
        let plan = Self.aggregatePlan(
            entries: entries, timeline: try DirectoryTimeline.current(in: store), referenceWeek: try? ISOWeek(parsing: run.header.asOfWeek),
            configuration: configuration, degree: context.degree, minGroupSize: minGroupSize, occupied: [])
        return try aggregateNoiseBudget(of: run, plan: plan, store: store, configuration: configuration, galoisKeys: galoisKeys)
    }

    func aggregateNoiseBudget(
        of run: EncryptedHeatRun, plan: AggregatePlan, store: HeatStore, configuration: HeatConfiguration,
        galoisKeys: BfvGaloisKeys<UInt64>
    ) throws -> AggregateNoiseBudget {
        guard let reference = try? ISOWeek(parsing: run.header.asOfWeek) else {
            throw PipelineError.malformed(source: "the run", reason: "asOfWeek \(run.header.asOfWeek) is not an ISO week")
        }
        let deltas = try Self.deltaCounts(in: store, throughSeq: run.header.ciphertextsThroughSeq)
        let noise = Self.runNoise(
            deltas: deltas, configuration: configuration, referenceWeek: reference, bound: BfvNoiseBound(parameters: context.parameters))
        return Self.aggregateNoise(plan: plan, runNoise: noise, parameters: context.parameters) { step in
            max(galoisKeys.rotationPlan(for: step)?.count ?? 1, 1)
        }
    }

    /// Whether parameters keep the flooding margin for the aggregates of up to `largestGroup`
    /// clients in the worst shape the plan can take: one masked group over every slot batch,
    /// one ciphertext per week through the whole window, every rotation one key switch.
    static func noiseFits(_ parameters: BfvParameters, configuration: HeatConfiguration, largestGroup: Int) -> Bool {
        (try? worstCaseNoise(parameters, configuration: configuration, largestGroup: largestGroup).check()) != nil
    }

    /// Checks that parameters keep the 40-bit flooding margin (and decrypt) for the aggregates of
    /// up to `largestGroup` clients in the worst shape the plan can take (one masked group over
    /// every slot batch, one ciphertext per week through the whole window, every rotation one key
    /// switch): what `heatctl keys generate --preset NAME --aggregates` requires besides the sum bound.
    ///
    /// - Parameters:
    ///   - parameters: the keys' parameters.
    ///   - configuration: the heat configuration.
    ///   - largestGroup: the largest group (`--max-clients`).
    /// - Throws: ``PipelineError/noiseMarginTooSmall(preset:marginBits:requiredBits:fitting:)`` naming the
    ///   cheapest preset that keeps the margin (or none), or
    ///   ``PipelineError/noiseBoundExceeded(preset:stage:boundBits:limitBits:)`` (both exit 69).
    public static func checkNoiseMargin(
        _ parameters: BfvParameters, configuration: HeatConfiguration, largestGroup: Int
    ) throws(PipelineError) {
        let budget = worstCaseNoise(parameters, configuration: configuration, largestGroup: largestGroup)
        guard (try? budget.check()) == nil else { return }
        let fitting = (try? preset(forAggregatesOf: configuration, largestGroup: largestGroup))?.name
        try budget.check(fitting: fitting == parameters.name ? nil : fitting)
    }

    /// The budget of the worst-shaped plan for `largestGroup` clients (see ``noiseFits(_:configuration:largestGroup:)``).
    static func worstCaseNoise(_ parameters: BfvParameters, configuration: HeatConfiguration, largestGroup: Int) -> AggregateNoiseBudget {
        let n = parameters.degree
        let batches = max(1, (largestGroup + n - 1) / n)
        let reference = ISOWeek(containing: CalendarDate(daysSinceEpoch: 20_520))
        var deltas: [Int: [ISOWeek: Int]] = [:]
        for batch in 0..<batches {
            for age in 0..<max(configuration.windowWeeks, 2 * configuration.trendWeeks) {
                deltas[batch, default: [:]][reference.advanced(by: -age)] = 1
            }
        }
        let bound = BfvNoiseBound(parameters: parameters)
        let noise = runNoise(deltas: deltas, configuration: configuration, referenceWeek: reference, bound: bound)
        let plan = AggregatePlan(
            k: 1, released: [], suppressed: [:], segmented: [:], segmentedPlace: [:],
            masked: [.init(kind: .segment, ref: "all", slots: (0..<batches).map { $0 * n })], regionsFromBranches: nil, keySwitches: 0)
        return aggregateNoise(plan: plan, runNoise: noise, parameters: parameters) { _ in 1 }
    }

    /// Refuses a run whose header does not describe `store` and `configuration` (exit 65), since the
    /// noise bound is counted from the store's ciphertexts and the configuration's decay factors:
    /// the run's ``EncryptedHeatRun/Header/configurationHash`` must be the configuration's, and its
    /// ``EncryptedHeatRun/Header/inputHash`` must be recomputed from the store's ciphertext chain
    /// at ``EncryptedHeatRun/Header/ciphertextsThroughSeq`` (the row hash there), the configuration
    /// and the run's week, as ``evaluate(store:configuration:asOf:throughSeq:)`` computed it.
    ///
    /// - Throws: ``PipelineError/runMismatch(field:expected:found:)``, ``StoreError``.
    static func checkRunMatches(_ run: EncryptedHeatRun, store: HeatStore, configuration: HeatConfiguration) throws {
        let configurationHash = HeatPacking.configurationHash(of: configuration)
        guard run.header.configurationHash == configurationHash else {
            throw PipelineError.runMismatch(field: "configuration hash", expected: configurationHash, found: run.header.configurationHash)
        }
        let seq = run.header.ciphertextsThroughSeq
        let rowHash: [UInt8]? = try store.read { db in
            guard seq > 0 else { return ChainedTable.ciphertexts.genesisHash }
            let row = try Row.fetchOne(db, sql: "SELECT row_hash FROM ciphertexts WHERE seq = ?", arguments: [seq])
            return row?.lenientBlob("row_hash").map { [UInt8]($0) }
        }
        var input = SHA256()
        input.update(data: Array("ciphertexts:\(seq):".utf8))
        input.update(data: rowHash ?? [])
        input.update(data: Array("|\(configurationHash)|\(run.header.asOfWeek)".utf8))
        let expected = Hex.encode(input.finalize())
        guard rowHash != nil, expected == run.header.inputHash else {
            throw PipelineError.runMismatch(
                field: "input hash (the store's ciphertexts through row \(seq))", expected: rowHash == nil ? "no such row" : expected,
                found: run.header.inputHash)
        }
    }

    /// The preset the exit-69 hint names when this run's aggregates cannot keep the margin: the
    /// cheapest other preset (by ring, primes, then `t`) that the pipeline can use, whose plaintext
    /// modulus holds the largest released group's sums, and under which **this run's** groups and
    /// ciphertext counts keep the margin and decrypt (the directory's slots re-planned on that
    /// preset's ring; a batch's counts added into every batch of the other ring it overlaps, an
    /// upper bound; one key switch per rotation, as `keys generate --aggregates` writes). `nil`
    /// when no preset fits.
    static func fittingPreset(
        entries: [ClientDirectoryEntry], deltas: [Int: [ISOWeek: Int]], degree n: Int, configuration: HeatConfiguration,
        referenceWeek: ISOWeek, minGroupSize: Int, excluding: String
    ) -> String? {
        let byCost = BfvParameters.presets.sorted {
            ($0.degree, $0.ciphertextModuli.count, $0.plaintextModulus) < ($1.degree, $1.ciphertextModuli.count, $1.plaintextModulus)
        }
        for p in byCost where p.name != excluding {
            guard (try? HeatPacking.checkUsable(p)) != nil, HeatPacking.fits(p, configuration) else { continue }
            let plan = aggregatePlan(entries: entries, degree: p.degree, minGroupSize: minGroupSize)
            let (heatBound, trendBound) = sumBounds(configuration: configuration, largestGroup: plan.released.map(\.clients).max() ?? 0)
            guard heatBound.map({ p.sumBound(signed: false) >= $0 }) == true, trendBound.map({ p.sumBound(signed: true) >= $0 }) == true else {
                continue
            }
            var rebatched: [Int: [ISOWeek: Int]] = [:]
            for (batch, weeks) in deltas {
                for target in (batch * n / p.degree)...(((batch + 1) * n - 1) / p.degree) {
                    for (week, count) in weeks { rebatched[target, default: [:]][week, default: 0] += count }
                }
            }
            let noise = runNoise(deltas: rebatched, configuration: configuration, referenceWeek: referenceWeek, bound: BfvNoiseBound(parameters: p))
            let budget = aggregateNoise(plan: plan, runNoise: noise, parameters: p, keySwitchesPerRotation: { _ in 1 })
            if (try? budget.check()) != nil { return p.name }
        }
        return nil
    }
}
