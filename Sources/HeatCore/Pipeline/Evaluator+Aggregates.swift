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
    ///   ``PipelineError/fhe(_:)`` for a corrupt file or other parameters.
    public func galoisKeys(in folder: KeyFolder) throws(PipelineError) -> BfvGaloisKeys<UInt64> {
        guard folder.role == .evaluator else {
            throw .modeMismatch(path: folder.path, reason: "a \(folder.role) folder; Galois keys are loaded from the evaluator folder")
        }
        // `keys generate --aggregates` writes the seeded form (half the size); the full form loads too.
        let seeded = folder.files.values.contains(.fheSeededGaloisKeys)
        let (envelope, source) = try PipelineKeys.read(
            folder, kind: seeded ? .fheSeededGaloisKeys : .fheGaloisKeys, describedAs: Self.galoisKeysFile)
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

    /// The cheapest preset the pipeline can use whose plaintext modulus holds every heat and
    /// trend and the largest possible heat and trend sum of `largestGroup` clients (`heatctl keys
    /// generate --aggregates --max-clients N`).
    ///
    /// - Parameters:
    ///   - configuration: the heat configuration.
    ///   - largestGroup: the largest group (at most the number of clients).
    /// - Returns: the preset.
    /// - Throws: ``PipelineError/aggregateSumTooLarge(preset:bound:fitting:)`` (exit 69) when none fits.
    public static func preset(forAggregatesOf configuration: HeatConfiguration, largestGroup: Int) throws(PipelineError) -> BfvParameters {
        let (heatBound, trendBound) = sumBounds(configuration: configuration, largestGroup: largestGroup)
        let fitting = BfvParameters.presets.first { p in
            heatBound.map { p.sumBound(signed: false) >= $0 } == true && trendBound.map { p.sumBound(signed: true) >= $0 } == true
                && HeatPacking.fits(p, configuration) && (try? HeatPacking.checkUsable(p)) != nil
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
    /// Managers (the bottom of the nested hierarchy region > branch > manager) and segments (which
    /// cut across it) are **masked inner products**: per slot batch the run's ciphertext is
    /// multiplied by a 0/1 plaintext mask of the group's slots, the products are added over the
    /// batches, and rotate-and-add (`log2(N) - 1` rotations and one row swap) leaves the total in
    /// every slot. A branch whose clients are exactly the clients of its managers is the **sum of
    /// its managers' totals** (additions only, no rotation or mask), and a region likewise of its
    /// branches; a group kind that is not nested falls back to a masked inner product. One mask
    /// product per ciphertext path keeps the noise within the 41-bit preset's budget.
    ///
    /// Groups under `minGroupSize` are computed only as parts of larger groups and never written;
    /// every written ciphertext holds its group's total in every slot, so decryption reveals no
    /// partial sum. Work runs in parallel over groups (``parallelMap(_:_:)``); the result does not
    /// depend on the number of threads.
    ///
    /// - Parameters:
    ///   - run: the heat run (this evaluator's parameters).
    ///   - store: the store (its pseudonymous client directory gives slots and groups).
    ///   - configuration: the heat configuration (the largest possible heat bounds the sums).
    ///   - galoisKeys: rotation keys composing `1, 2, ..., N/4` and the row swap.
    ///   - minGroupSize: the policy's `k` (default 5).
    /// - Returns: the aggregates.
    /// - Throws: ``PipelineError`` (exit 69 when the plaintext modulus cannot hold the largest
    ///   group's sum), ``StoreError``.
    public func aggregates(
        of run: EncryptedHeatRun, store: HeatStore, configuration: HeatConfiguration = HeatConfiguration(),
        galoisKeys: BfvGaloisKeys<UInt64>, minGroupSize: Int = 5
    ) throws -> EncryptedAggregates {
        guard run.header.parametersFingerprint == context.fingerprint.hex else {
            throw PipelineError.parameterMismatch(source: "the run", expected: context.fingerprint.hex, found: run.header.parametersFingerprint)
        }
        let n = context.degree
        let entries = try ClientDirectory.entries(in: store)
        // Members (slots) of every group of every kind.
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
        let largest = released.map(\.clients).max() ?? 0
        try Self.checkSumBound(context.parameters, configuration: configuration, largestGroup: largest)

        // Nesting: a parent's members are exactly the union of its children's, each child inside one parent.
        func nesting(child: GroupSummary.Kind, parent: GroupSummary.Kind) -> [String: [String]]? {
            var parentOf: [String: String] = [:]
            var childrenOf: [String: [String]] = [:]
            for entry in entries {
                let childRef = child == .manager ? entry.manager : entry.branch
                let parentRef = parent == .branch ? entry.branch : entry.region
                guard let parentRef else { continue }
                guard let childRef else { return nil }
                if let known = parentOf[childRef], known != parentRef { return nil }
                if parentOf[childRef] == nil {
                    parentOf[childRef] = parentRef
                    childrenOf[parentRef, default: []].append(childRef)
                }
            }
            // A child whose clients lack a parent would be counted into nothing: not nested.
            for entry in entries {
                let childRef = child == .manager ? entry.manager : entry.branch
                let parentRef = parent == .branch ? entry.branch : entry.region
                if childRef != nil && parentRef == nil { return nil }
            }
            return childrenOf.mapValues { $0.sorted() }
        }
        let branchesFromManagers = nesting(child: .manager, parent: .branch)
        let regionsFromBranches = branchesFromManagers == nil ? nil : nesting(child: .branch, parent: .region)

        // What must be computed by a masked inner product: released managers and segments, every
        // manager when branches are nested, every group of a kind that is not nested.
        var masked: [(GroupSummary.Kind, String)] = []
        for kind in GroupSummary.Kind.allCases {
            for ref in (members[kind] ?? [:]).keys.sorted() {
                let size = members[kind]?[ref]?.count ?? 0
                switch kind {
                case .manager:
                    if size >= k || branchesFromManagers != nil { masked.append((kind, ref)) }
                case .segment:
                    if size >= k { masked.append((kind, ref)) }
                case .branch:
                    if branchesFromManagers == nil && (size >= k || regionsFromBranches != nil) { masked.append((kind, ref)) }
                case .region:
                    if regionsFromBranches == nil && size >= k { masked.append((kind, ref)) }
                }
            }
        }
        let context = self.context
        let groupMembers = members
        let heatByBatch = run.heat
        let trendByBatch = run.trend
        let totals: [(heat: Ciphertext<UInt64>, trend: Ciphertext<UInt64>)] = try Self.parallelMap(masked) { item throws(PipelineError) in
            let slots = groupMembers[item.0]?[item.1] ?? []
            var byBatch: [Int: [Bool]] = [:]
            for slot in slots {
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
        var sums: [GroupSummary.Kind: [String: (heat: Ciphertext<UInt64>, trend: Ciphertext<UInt64>)]] = [:]
        for (index, item) in masked.enumerated() { sums[item.0, default: [:]][item.1] = totals[index] }
        func nested(_ kind: GroupSummary.Kind, from childKind: GroupSummary.Kind, _ children: [String: [String]]) throws(PipelineError) {
            for (parent, kids) in children.sorted(by: { $0.key < $1.key }) {
                var heat = try Self.zero(context: context, signedness: .unsigned)
                var trend = try Self.zero(context: context, signedness: .signed)
                for kid in kids {
                    guard let sum = sums[childKind]?[kid] else { continue }
                    Bfv64.add(&heat, sum.heat)
                    Bfv64.add(&trend, sum.trend)
                }
                sums[kind, default: [:]][parent] = (heat, trend)
            }
        }
        if let branchesFromManagers { try nested(.branch, from: .manager, branchesFromManagers) }
        if let regionsFromBranches { try nested(.region, from: .branch, regionsFromBranches) }

        var heat: [Ciphertext<UInt64>] = []
        var trend: [Ciphertext<UInt64>] = []
        for index in released.indices {
            let group = released[index]
            guard let sum = sums[group.kind]?[group.ref] else {
                throw PipelineError.malformed(source: "the aggregates", reason: "no sum for a \(group.kind.rawValue) group")
            }
            if (group.kind == .branch && branchesFromManagers != nil) || (group.kind == .region && regionsFromBranches != nil) {
                released[index].method = "nested"
            }
            heat.append(sum.heat)
            trend.append(sum.trend)
        }
        let header = EncryptedAggregates.Header(
            schema: EncryptedAggregates.schema, runOutputHash: run.outputHash, parameters: context.parameters.name,
            parametersFingerprint: context.fingerprint.hex, asOf: run.header.asOf, minGroupSize: k, suppressed: suppressed,
            groups: released,
            largestHeatSumBound: Self.sumBounds(configuration: configuration, largestGroup: largest).heat.map(String.init) ?? "overflow")
        return EncryptedAggregates(header: header, heat: heat, trend: trend)
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
        _ items: [Item], _ transform: @Sendable (Item) throws(PipelineError) -> Result
    ) throws(PipelineError) -> [Result] {
        let results = ResultBox<Result>(count: items.count)
        DispatchQueue.concurrentPerform(iterations: items.count) { index in
            do throws(PipelineError) {
                results.set(index, .success(try transform(items[index])))
            } catch {
                results.set(index, .failure(error))
            }
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
