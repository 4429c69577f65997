import Foundation
import HeatEnvelope
import HeatFHE

extension Evaluator {
    /// The evaluator's Galois keys file name in the evaluator folder (`keys generate --aggregates`).
    public static let galoisKeysFile = "bfv-galois-keys.heat"

    /// Loads the Galois keys of an evaluator folder (written by `heatctl keys generate --aggregates`).
    ///
    /// - Parameter folder: a checked evaluator folder.
    /// - Returns: the keys.
    /// - Throws: ``PipelineError/missingFHEKey(folder:file:)`` when the folder has none,
    ///   ``PipelineError/fhe(_:)`` for a corrupt file or other parameters,
    ///   ``PipelineError/fheKey(_:)`` wrapping ``FHEKeyError/unboundEvaluationKey(path:generation:reason:)``
    ///   (exit 64) for keys the
    ///   folder's FHE key generation does not bind (issue 27).
    public func galoisKeys(in folder: KeyFolder) throws(PipelineError) -> BfvGaloisKeys<UInt64> {
        guard folder.role == .evaluator else {
            throw .modeMismatch(path: folder.path, reason: "a \(folder.role) folder; Galois keys are loaded from the evaluator folder")
        }
        // `keys generate --aggregates` writes the seeded form (half the size); the full form loads too.
        let seeded = folder.files.values.contains(.fheSeededGaloisKeys)
        let (envelope, source) = try PipelineKeys.read(
            folder, kind: seeded ? .fheSeededGaloisKeys : .fheGaloisKeys, describedAs: Self.galoisKeysFile)
        // Issue 27: the bytes loaded are the bytes the folder's generation binds.
        try FHEKeyGeneration.requireBound(envelope, loadedFrom: source, in: folder, builtWith: keyBinding)
        do {
            return try Bfv64.galoisKeys(envelope: envelope, context: context, source: source)
        } catch {
            throw .fhe(error)
        }
    }

    /// Checks that the parameters' plaintext modulus holds the largest possible heat and trend sum
    /// of a group of `largestGroup` clients.
    ///
    /// - Parameters:
    ///   - parameters: the keys' parameters.
    ///   - configuration: the heat configuration (its largest possible heat and trend).
    ///   - largestGroup: the size of the largest group to sum.
    /// - Throws: ``PipelineError/aggregateSumTooLarge(preset:bound:fitting:)`` (exit 69), naming the
    ///   cheapest preset that would hold the sums, or none when nothing fits.
    public static func checkSumBound(
        _ parameters: BfvParameters, configuration: HeatConfiguration, largestGroup: Int
    ) throws(PipelineError) {
        let (heatBound, trendBound) = sumBounds(configuration: configuration, largestGroup: largestGroup)
        func fits(_ p: BfvParameters) -> Bool {
            heatBound.map { p.sumBound(signed: false) >= $0 } == true && trendBound.map { p.sumBound(signed: true) >= $0 } == true
                && HeatPacking.fits(p, configuration)
        }
        guard !fits(parameters) else { return }
        throw .aggregateSumTooLarge(
            preset: parameters.name, bound: heatBound.map(String.init) ?? "more than 2^64",
            fitting: try? preset(forAggregatesOf: configuration, largestGroup: largestGroup).name)
    }

    /// The cheapest preset (smallest ring, then fewest primes, then smallest `t`) the pipeline can
    /// use whose plaintext modulus holds every heat and
    /// trend and the largest possible heat and trend sum of `largestGroup` clients, and whose
    /// worst-case noise keeps the 40-bit flooding margin for a group of that size
    /// (``AggregateNoiseBudget``; `heatctl keys generate --aggregates --max-clients N`).
    ///
    /// - Parameters:
    ///   - configuration: the heat configuration.
    ///   - largestGroup: the largest group (at most the number of clients).
    /// - Returns: the preset.
    /// - Throws: ``PipelineError/aggregateSumTooLarge(preset:bound:fitting:)`` (exit 69) when none fits.
    public static func preset(forAggregatesOf configuration: HeatConfiguration, largestGroup: Int) throws(PipelineError) -> BfvParameters {
        let (heatBound, trendBound) = sumBounds(configuration: configuration, largestGroup: largestGroup)
        // Cheapest first by cost (ring, number of primes, then t), not by the list's order.
        let byCost = BfvParameters.presets.sorted {
            ($0.degree, $0.ciphertextModuli.count, $0.plaintextModulus) < ($1.degree, $1.ciphertextModuli.count, $1.plaintextModulus)
        }
        let fitting = byCost.first { p in
            heatBound.map { p.sumBound(signed: false) >= $0 } == true && trendBound.map { p.sumBound(signed: true) >= $0 } == true
                && HeatPacking.fits(p, configuration) && (try? HeatPacking.checkUsable(p)) != nil
                && noiseFits(p, configuration: configuration, largestGroup: largestGroup)
        }
        guard let fitting else {
            throw .aggregateSumTooLarge(preset: "(any)", bound: heatBound.map(String.init) ?? "more than 2^64", fitting: nil)
        }
        return fitting
    }

    /// `maximumHeat x n` and `maximumTrend x n` (nil on overflow).
    static func sumBounds(configuration: HeatConfiguration, largestGroup: Int) -> (heat: UInt64?, trend: UInt64?) {
        let n = UInt64(max(largestGroup, 1))
        let heat = UInt64(max(configuration.maximumHeat, 0)).multipliedReportingOverflow(by: n)
        let trend = UInt64(max(configuration.maximumTrendMagnitude, 0)).multipliedReportingOverflow(by: n)
        return (heat.overflow ? nil : heat.partialValue, trend.overflow ? nil : trend.partialValue)
    }

    /// Group aggregates on ciphertexts: for every manager, branch, segment and region with at
    /// least `minGroupSize` clients, the encrypted sum of its members' heat and of their trend.
    ///
    /// - **Managers** whose clients sit in one padded block of a row (the ``SlotLayout/hierarchy``
    ///   layout of the collector: the window of the next power of two of slots from the manager's
    ///   first slot holds no other client) are **segmented**: per slot batch one window-sum ladder
    ///   (``Bfv64/windowSums(_:levels:using:)``, `log2(largest block)` rotations) serves every
    ///   manager of the batch, and one 0/1 mask per window width keeps only the released
    ///   managers' first slots. Slot `s` of the batch's output holds the manager's total; every
    ///   other slot is zero.
    /// - Other managers, **segments** (which cut across the hierarchy) and **branches** are
    ///   masked inner products: per batch the run's ciphertext times a 0/1 mask of the group's
    ///   slots, added over the batches, then rotate-and-add (`log2(N) - 1` rotations and the row
    ///   swap) puts the total in every slot.
    /// - A **region** whose clients are exactly the clients of its branches is the sum of its
    ///   branches' totals (additions only); otherwise a masked inner product.
    ///
    /// Each ciphertext path has one mask product, which keeps the noise within the budget of the
    /// aggregates preset. Groups under `minGroupSize` are never written: they are neither in a
    /// mask of a written ciphertext nor a written total, so decryption reveals released totals
    /// only (zero in every other slot of a segmented ciphertext, the same total in every slot of
    /// a replicated one). Work runs in parallel over batches and groups (``parallelMap(_:cancellable:_:)``);
    /// the result does not depend on the number of threads.
    ///
    /// - Parameters:
    ///   - run: the heat run (this evaluator's parameters).
    ///   - store: the store (its pseudonymous client directory gives slots and groups).
    ///   - configuration: the heat configuration (the largest possible heat bounds the sums).
    ///   - galoisKeys: rotation keys composing `1, 2, ..., N/4` and the row swap.
    ///   - minGroupSize: the policy's `k` (default 5).
    ///   - trustedKey: when given, every directory version must be signed under it (or a key its
    ///     key transitions link to) before anything is computed (issue 27 review;
    ///     ``DirectoryError/unverifiedVersions(violations:)``, exit 1, otherwise).
    /// - Returns: the aggregates.
    /// - Throws: ``PipelineError`` (exit 69 when the plaintext modulus cannot hold the largest
    ///   group's sum), ``DirectoryError``, ``StoreError``; first, as
    ///   ``evaluate(store:configuration:asOf:throughSeq:)``'s check of the folder's signed
    ///   evaluation key list against the store (exit 65, 66 or 1, review s38 keys27c M4).
    public func aggregates(
        of run: EncryptedHeatRun, store: HeatStore, configuration: HeatConfiguration = HeatConfiguration(),
        galoisKeys: BfvGaloisKeys<UInt64>, minGroupSize: Int = 5, trustedKey: StoreVerificationKey? = nil
    ) throws -> EncryptedAggregates {
        try aggregates(
            of: run, store: store, configuration: configuration, galoisKeys: galoisKeys, minGroupSize: minGroupSize,
            finishing: .floodAndSwitch, trustedKey: trustedKey)
    }

    /// What happens to the aggregate ciphertexts before they are returned. Only tests measuring the
    /// noise that flooding hides ask for less than ``floodAndSwitch``.
    enum AggregateFinish {
        /// Flood the noise and re-randomize (``HeatFHE/Bfv64/flood(_:publicKey:bits:using:)``), then
        /// switch down to ``Evaluator/returnLevel(_:)``: what the public entry point does.
        case floodAndSwitch
        /// Neither: the ciphertexts as computed, at the top level (tests only).
        case asComputed
    }

    func aggregates(
        of run: EncryptedHeatRun, store: HeatStore, configuration: HeatConfiguration,
        galoisKeys: BfvGaloisKeys<UInt64>, minGroupSize: Int, finishing: AggregateFinish, trustedKey: StoreVerificationKey? = nil
    ) throws -> EncryptedAggregates {
        guard let publicKey else {
            throw PipelineError.missingFHEKey(folder: "keys/evaluator", file: PipelineKeys.publicKeyFile)
        }
        guard run.header.parametersFingerprint == context.fingerprint.hex else {
            throw PipelineError.parameterMismatch(source: "the run", expected: context.fingerprint.hex, found: run.header.parametersFingerprint)
        }
        // Issue 14 item 3: a run read back from its file was switched down for the key holder; the
        // noise bound and the flood assume the evaluation's top-level ciphertexts.
        guard run.isAtTopLevel else {
            throw PipelineError.malformed(
                source: "the run", reason: "field level: its ciphertexts were switched down to \(run.header.level ?? 0) moduli for the key holder; aggregates are computed from the evaluation itself (heatctl evaluate --aggregates-out FILE)")
        }
        // Issue 27: the flooding public key (and the Galois keys beside it) must be of the run's FHE key generation.
        if let identity = fheIdentity, identity.generation != (run.header.fheGeneration ?? 1)
            || (run.header.fheKeyID != nil && identity.keyID != run.header.fheKeyID) {
            throw FHEKeyError.notCurrentGeneration(
                path: store.path, role: .evaluator, folderGeneration: identity.generation, storeGeneration: run.header.fheGeneration ?? 1)
        }
        // The noise bound counts the store's ciphertexts with the configuration's decay: the run
        // must come from this store and configuration (exit 65 otherwise).
        try Self.checkRunMatches(run, store: store, configuration: configuration)
        // Review s38 keys27c M4: the folder's signed list is checked against the store here too,
        // not only by `evaluate` (an SDK caller may pass a run from elsewhere); after the run is
        // known to be this store's (a run of another store is named as such, exit 65).
        try requireTrustedEvaluationKeys(in: store)
        // Directory versions (issue 27): the run must be of the directory as it is now, and each
        // week is attributed to the groups of that week's assignment.
        let timeline = try DirectoryTimeline.current(in: store)
        // With a trusted key, every version must verify first (exit 1 otherwise).
        if let trustedKey { _ = try DirectoryVersion.verifiedVersion(in: store, key: trustedKey) }
        try Self.checkDirectoryVersion(of: run, timeline: timeline)
        let entries = try ClientDirectory.entries(in: store)
        let erased = try ClientErasure.erasedSlots(in: store).map(Int.init)
        let plan = Self.aggregatePlan(
            entries: entries, timeline: timeline, referenceWeek: try? ISOWeek(parsing: run.header.asOfWeek), configuration: configuration,
            degree: context.degree, minGroupSize: minGroupSize, occupied: erased)
        let largest = plan.released.map(\.clients).max() ?? 0
        try Self.checkSumBound(context.parameters, configuration: configuration, largestGroup: largest)
        if finishing == .floodAndSwitch {
            // The worst-case noise of this plan must stay 2^40 under the flood, and flood plus
            // noise must decrypt (exit 69 otherwise), before any ciphertext is touched.
            let budget = try aggregateNoiseBudget(of: run, plan: plan, store: store, configuration: configuration, galoisKeys: galoisKeys)
            if (try? budget.check()) == nil {
                // The hint names a preset under which this run's own counts and groups fit, or none.
                let deltas = try Self.deltaCounts(in: store, throughSeq: run.header.ciphertextsThroughSeq)
                let parameters = self.context.parameters
                let fitting = (try? ISOWeek(parsing: run.header.asOfWeek)).flatMap { reference in
                    Self.fittingPreset(
                        entries: entries, deltas: deltas, degree: parameters.degree, configuration: configuration,
                        referenceWeek: reference, minGroupSize: minGroupSize, excluding: parameters.name)
                }
                try budget.check(fitting: fitting)
            }
        }

        let context = self.context
        let n = context.degree
        let heatByBatch = run.heat
        let trendByBatch = run.trend
        typealias Pair = (heat: Ciphertext<UInt64>, trend: Ciphertext<UInt64>)

        // Segmented managers: one ladder per batch and ciphertext, one mask per window width.
        let segmentedBatches = plan.segmented.keys.sorted()
        let segments = plan.segmented
        let segmentedPairs: [Pair] = try Self.parallelMap(segmentedBatches, cancellable: "aggregates (segmented batches)") { batch throws(PipelineError) in
            let blocks = segments[batch] ?? []
            var keepByLevel: [Int: [Bool]] = [:]
            for block in blocks { keepByLevel[block.level, default: [Bool](repeating: false, count: n)][block.start] = true }
            let levels = blocks.map(\.level).max() ?? 0
            func reduce(_ ciphertext: Ciphertext<UInt64>?, _ signedness: BfvSignedness) throws(PipelineError) -> Ciphertext<UInt64> {
                var out = try Self.zero(context: context, signedness: signedness)
                guard let ciphertext else { return out }
                do throws(FHEError) {
                    let ladder = try Bfv64.windowSums(ciphertext, levels: levels, using: galoisKeys)
                    for (level, keep) in keepByLevel.sorted(by: { $0.key < $1.key }) {
                        Bfv64.add(&out, try Bfv64.multiply(ladder[level], by: try Bfv64.prepareMask(keep, context: context)))
                    }
                } catch {
                    throw .fhe(error)
                }
                return out
            }
            return (try reduce(heatByBatch[batch], .unsigned), try reduce(trendByBatch[batch], .signed))
        }

        // Masked inner products with rotate-and-add (total in every slot).
        let masked = plan.masked
        let maskedPairs: [Pair] = try Self.parallelMap(masked, cancellable: "aggregates (masked groups)") { item throws(PipelineError) in
            var byBatch: [Int: [Bool]] = [:]
            for slot in item.slots {
                byBatch[slot / n, default: [Bool](repeating: false, count: n)][slot % n] = true
            }
            var heat = try Self.zero(context: context, signedness: .unsigned)
            var trend = try Self.zero(context: context, signedness: .signed)
            do throws(FHEError) {
                for batch in byBatch.keys.sorted() {
                    guard let keep = byBatch[batch], let h = heatByBatch[batch], let t = trendByBatch[batch] else { continue }
                    let mask = try Bfv64.prepareMask(keep, context: context)
                    Bfv64.add(&heat, try Bfv64.multiply(h, by: mask))
                    Bfv64.add(&trend, try Bfv64.multiply(t, by: mask))
                }
                return (try Bfv64.sumOfSlots(heat, using: galoisKeys), try Bfv64.sumOfSlots(trend, using: galoisKeys))
            } catch {
                throw .fhe(error)
            }
        }
        var totals: [GroupSummary.Kind: [String: Pair]] = [:]
        for (index, item) in masked.enumerated() { totals[item.kind, default: [:]][item.ref] = maskedPairs[index] }
        if !plan.versioned.isEmpty {
            let sums = try periodSums(store: store, run: run, configuration: configuration, periods: plan.periods)
            let versionedPairs = try versionedTotals(plan: plan, sums: sums, galoisKeys: galoisKeys)
            for (index, group) in plan.versioned.enumerated() { totals[group.kind, default: [:]][group.ref] = versionedPairs[index] }
        }
        if let regions = plan.regionsFromBranches {
            for (region, branches) in regions.sorted(by: { $0.key < $1.key }) {
                var heat = try Self.zero(context: context, signedness: .unsigned)
                var trend = try Self.zero(context: context, signedness: .signed)
                for branch in branches {
                    guard let sum = totals[.branch]?[branch] else { continue }
                    Bfv64.add(&heat, sum.heat)
                    Bfv64.add(&trend, sum.trend)
                }
                totals[.region, default: [:]][region] = (heat, trend)
            }
        }

        // The file: the segmented batches' ciphertexts, then one replicated pair per other released group.
        var heat = segmentedPairs.map(\.heat)
        var trend = segmentedPairs.map(\.trend)
        var groups = plan.released
        for index in groups.indices {
            let group = groups[index]
            if let place = plan.segmentedPlace[group.ref], group.kind == .manager {
                groups[index].method = "segmented"
                groups[index].ciphertext = segmentedBatches.firstIndex(of: place.batch)
                groups[index].slot = place.start
                continue
            }
            guard let sum = totals[group.kind]?[group.ref] else {
                throw PipelineError.malformed(source: "the aggregates", reason: "no sum for a \(group.kind.rawValue) group")
            }
            groups[index].method = group.method == "versioned" ? "versioned"
                : group.kind == .region && plan.regionsFromBranches != nil ? "nested" : "masked"
            groups[index].ciphertext = heat.count
            groups[index].slot = 0
            heat.append(sum.heat)
            trend.append(sum.trend)
        }
        // Flood the noise (it depends on the masked-out slots too) and re-randomize, then switch
        // down the modulus chain before returning (smaller file, same plaintexts, the flood scaled
        // down with the modulus and still hiding the computed noise).
        if finishing == .floodAndSwitch {
            try CancellationPoint.check(stage: "aggregates (flooding)", done: 0, total: heat.count)
            let level = Self.returnLevel(context.parameters)
            var random = SecureRandom()
            do throws(FHEError) {
                for index in heat.indices {
                    let flooded = try Bfv64.flood(heat[index], publicKey: publicKey, using: &random)
                    heat[index] = try Bfv64.switchModulus(flooded, toLevel: min(level, flooded.level))
                }
                for index in trend.indices {
                    let flooded = try Bfv64.flood(trend[index], publicKey: publicKey, using: &random)
                    trend[index] = try Bfv64.switchModulus(flooded, toLevel: min(level, flooded.level))
                }
            } catch {
                throw PipelineError.fhe(error)
            }
        }
        let header = EncryptedAggregates.Header(
            schema: EncryptedAggregates.schema, runOutputHash: run.outputHash, parameters: context.parameters.name,
            parametersFingerprint: context.fingerprint.hex, asOf: run.header.asOf, minGroupSize: plan.k, suppressed: plan.suppressed,
            groups: groups,
            largestHeatSumBound: Self.sumBounds(configuration: configuration, largestGroup: largest).heat.map(String.init) ?? "overflow",
            ciphertextPairs: heat.count, keySwitches: plan.keySwitches, directoryVersion: timeline.version,
            fheGeneration: run.header.fheGeneration, fheKeyID: run.header.fheKeyID)
        return EncryptedAggregates(header: header, heat: heat, trend: trend)
    }

    /// The level the aggregates are switched down to before they leave the evaluator: the fewest
    /// ciphertext moduli whose bits reach `log2(t) + log2(N) + 24`. Switching scales the noise
    /// down with the modulus until the rounding term (about `t * sqrt(N)`) dominates, so the
    /// margin keeps a decryptable budget (the tests measure more than 5 bits left); one prime
    /// fewer is not sound for the `logt41` preset (54-bit primes leave no room above a 41-bit `t`).
    ///
    /// - Parameter parameters: the parameters.
    /// - Returns: the level (number of ciphertext moduli), at least 1.
    static func returnLevel(_ parameters: BfvParameters) -> Int {
        let logN = parameters.degree.trailingZeroBitCount
        var bits = 0
        for (index, modulus) in parameters.ciphertextModuli.enumerated() {
            bits += 64 - modulus.leadingZeroBitCount
            if bits >= parameters.logT + logN + 24 { return index + 1 }
        }
        return max(parameters.ciphertextModuli.count, 1)
    }

    /// What ``aggregates(of:store:configuration:galoisKeys:minGroupSize:)`` computes and how.
    struct AggregatePlan {
        /// A released manager's block in a batch: first slot (in the batch) and window `2^level`.
        struct Block: Sendable { var ref: String; var start: Int; var level: Int }
        /// A group summed by a masked inner product.
        struct Masked: Sendable { var kind: GroupSummary.Kind; var ref: String; var slots: [Int] }
        var k: Int
        var released: [EncryptedAggregates.Group]
        var suppressed: [String: Int]
        /// Segmented released managers by batch.
        var segmented: [Int: [Block]]
        /// Where each segmented manager's total lands.
        var segmentedPlace: [String: (batch: Int, start: Int)]
        var masked: [Masked]
        /// Regions summed from their branches' totals, when regions nest branches.
        var regionsFromBranches: [String: [String]]?
        /// Rotations (key switches) the plan costs, for the documentation and tests.
        var keySwitches: Int
        /// Groups whose members change inside the window (issue 27), summed period by period.
        var versioned: [DirectoryTimeline.VersionedGroup] = []
        /// The window's periods of a versioned plan (empty otherwise).
        var periods: [DirectoryTimeline.Period] = []
    }

    /// Plans the aggregates from the pseudonymous directory (no ciphertext touched).
    ///
    /// - Parameters:
    ///   - entries: the directory.
    ///   - degree: the ring degree `N`.
    ///   - minGroupSize: the policy's `k`.
    ///   - occupied: further slots that hold data but belong to no group (erased clients, issue
    ///     27): a manager's window holding one is summed by a mask instead of the ladder.
    ///   - nesting: whether regions may be summed from their branches' totals (off when groups are
    ///     versioned by week, issue 27).
    /// - Returns: the plan.
    static func aggregatePlan(
        entries: [ClientDirectoryEntry], degree n: Int, minGroupSize: Int, occupied: [Int] = [], nesting: Bool = true
    ) -> AggregatePlan {
        let row = n / 2
        var members: [GroupSummary.Kind: [String: [Int]]] = [:]
        for entry in entries {
            let keys: [(GroupSummary.Kind, String?)] = [
                (.manager, entry.manager), (.branch, entry.branch), (.segment, entry.segment), (.region, entry.region),
            ]
            for (kind, ref) in keys {
                guard let ref else { continue }
                members[kind, default: [:]][ref, default: []].append(Int(entry.slot))
            }
        }
        let k = max(minGroupSize, 1)
        var released: [EncryptedAggregates.Group] = []
        var suppressed: [String: Int] = [:]
        for kind in GroupSummary.Kind.allCases {
            for ref in (members[kind] ?? [:]).keys.sorted() {
                let size = members[kind]?[ref]?.count ?? 0
                if size >= k {
                    released.append(.init(kind: kind, ref: ref, clients: size, method: "masked"))
                } else {
                    suppressed[kind.rawValue, default: 0] += 1
                }
            }
        }
        // Regions nest branches when every branch lies in one region and every client with a
        // region has a branch.
        var regionsFromBranches: [String: [String]]? = {
            var parentOf: [String: String] = [:]
            var childrenOf: [String: [String]] = [:]
            for entry in entries {
                guard let region = entry.region else { continue }
                guard let branch = entry.branch else { return nil }
                if let known = parentOf[branch], known != region { return nil }
                if parentOf[branch] == nil {
                    parentOf[branch] = region
                    childrenOf[region, default: []].append(branch)
                }
            }
            for entry in entries where entry.branch != nil && entry.region == nil { return nil }
            return childrenOf.mapValues { $0.sorted() }
        }()
        if regionsFromBranches?.isEmpty == true || !nesting { regionsFromBranches = nil }

        // A released manager is segmented when its window (the next power of two of slots from its
        // first slot) stays in one row and holds no other client.
        let allSlots = (entries.map { Int($0.slot) } + occupied).sorted()
        func countBelow(_ bound: Int) -> Int {
            var low = 0
            var high = allSlots.count
            while low < high {
                let mid = (low + high) / 2
                if allSlots[mid] < bound { low = mid + 1 } else { high = mid }
            }
            return low
        }
        var segmented: [Int: [AggregatePlan.Block]] = [:]
        var segmentedPlace: [String: (batch: Int, start: Int)] = [:]
        var masked: [AggregatePlan.Masked] = []
        for group in released {
            let slots = members[group.kind]?[group.ref] ?? []
            if group.kind == .manager, let low = slots.min(), let high = slots.max(), low >= 0 {
                var level = 0
                while (1 << level) < high - low + 1 { level += 1 }
                let start = low % n
                if (1 << level) <= row, start % row + (1 << level) <= row,
                    countBelow(low + (1 << level)) - countBelow(low) == slots.count
                {
                    segmented[low / n, default: []].append(.init(ref: group.ref, start: start, level: level))
                    segmentedPlace[group.ref] = (low / n, start)
                    continue
                }
            }
            if group.kind == .region && regionsFromBranches != nil { continue }
            if group.kind == .branch && regionsFromBranches != nil { continue }  // all branches below
            masked.append(.init(kind: group.kind, ref: group.ref, slots: slots))
        }
        if regionsFromBranches != nil {
            for ref in (members[.branch] ?? [:]).keys.sorted() {
                masked.append(.init(kind: .branch, ref: ref, slots: members[.branch]?[ref] ?? []))
            }
        }
        let rotationsPerTotal = Bfv64.sumSteps(degree: n).count + 1
        let ladders = segmented.values.reduce(0) { $0 + ($1.map(\.level).max() ?? 0) }
        return AggregatePlan(
            k: k, released: released, suppressed: suppressed, segmented: segmented, segmentedPlace: segmentedPlace,
            masked: masked, regionsFromBranches: regionsFromBranches, keySwitches: 2 * (ladders + masked.count * rotationsPerTotal))
    }

    /// The encryption of zero with no noise.
    static func zero(context: BfvContext<UInt64>, signedness: BfvSignedness) throws(PipelineError) -> Ciphertext<UInt64> {
        let ring = context.ciphertextContext
        do {
            return try Ciphertext(
                context: context, polynomials: [PolyRq(zeroIn: ring), PolyRq(zeroIn: ring)], encoding: .batch,
                signedness: signedness, valueCount: context.degree)
        } catch {
            throw .fhe(error)
        }
    }

    /// Maps `items` on all cores (`DispatchQueue.concurrentPerform`), each result stored at its
    /// item's index, so the output does not depend on the thread count or scheduling.
    ///
    /// - Parameters:
    ///   - items: the work items.
    ///   - transform: the work, independent per item.
    /// - Returns: the results in item order.
    /// - Throws: the first error (by item index).
    static func parallelMap<Item: Sendable, Result: Sendable>(
        _ items: [Item], cancellable stage: String? = nil, _ transform: @Sendable (Item) throws(PipelineError) -> Result
    ) throws(PipelineError) -> [Result] {
        let results = ResultBox<Result>(count: items.count)
        // With a stage, the items run in windows of twice the cores, and a cancelled task stops
        // between two windows (the workers of ``DispatchQueue/concurrentPerform`` are not in the task).
        let window = stage == nil ? max(1, items.count) : 2 * max(1, ProcessInfo.processInfo.activeProcessorCount)
        var start = 0
        while start < items.count {
            if let stage { try CancellationPoint.check(stage: stage, done: start, total: items.count) }
            let offset = start
            let count = min(window, items.count - start)
            DispatchQueue.concurrentPerform(iterations: count) { step in
                let index = offset + step
                do throws(PipelineError) {
                    results.set(index, .success(try transform(items[index])))
                } catch {
                    results.set(index, .failure(error))
                }
            }
            start += count
        }
        var out: [Result] = []
        out.reserveCapacity(items.count)
        for index in items.indices {
            switch results.get(index) {
            case .success(let value): out.append(value)
            case .failure(let error): throw error
            case nil: throw PipelineError.malformed(source: "parallel evaluation", reason: "item \(index) produced no result")
            }
        }
        return out
    }
}

/// Per-index results written by concurrent workers (each index written once).
final class ResultBox<Value: Sendable>: @unchecked Sendable {
    private var values: [Swift.Result<Value, PipelineError>?]
    private let lock = NSLock()

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Swift.Result<Value, PipelineError>) {
        lock.lock()
        values[index] = value
        lock.unlock()
    }

    func get(_ index: Int) -> Swift.Result<Value, PipelineError>? {
        lock.lock()
        defer { lock.unlock() }
        return values[index]
    }
}
