import Foundation
import GRDB
import HeatFHE

/// The high-probability check of a heat run that stays at the top level (issue 27; review s37
/// pipe14b-final MEDIUM 1, s38 erase27c MEDIUM 1, s40 erase27e M1).
///
/// ``Evaluator/storedLevel(noise:parameters:)`` chooses the level from the worst case. When no
/// level below the top holds the worst case, the run stays at the top level, and there the worst
/// case of an erased-slot mask `p1` followed by a release mask `p2` (each `N (t - 1) / 2`) can
/// exceed the decryption budget although the run decrypts in practice. This check bounds the
/// released noise once, with high probability, against the **exact** product of the two masks:
///
/// - `v` is the invariant noise of the ciphertext the evaluator multiplies by `p1` (the weighted
///   weekly sums; no modulus switch happens between the two products at the top level), with
///   coefficients bounded by `V`, the run's worst case per batch (``Evaluator/runNoise(deltas:configuration:referenceWeek:bound:)``);
/// - per batch and per release the key holder may apply (no mask for an executive release, and
///   every manager's mask of clients in the batch), `p = p1 p2` is computed exactly over the
///   integers (centred coefficients, negacyclic product in `Z[x]/(x^N + 1)`, no reduction mod
///   `t`; without erased slots in the batch `p1 = 1`);
/// - modelling `v`'s coefficients as independent, zero-mean and bounded by `V`, Hoeffding gives
///   `|(v p)_j| <= V ||p||_2 sqrt(2 ln(2 / delta))` with probability `1 - delta`, and the union
///   bound over the ciphertexts of a batch (2, or `2 + 2P` with `P` directory periods), the `N`
///   coefficients, the `M` batches and the `managers + 1` releases, with
///   `delta = 2^-64 / (ciphertexts x N x M x (managers + 1))`, gives the whole run `1 - 2^-64`
///   **under that model** (a heuristic, not a theorem: the key holder's measurement stays the
///   last check).
///
/// The bound must stay under the key holder's measured budget, `2^(bits(Q) - 2)` (the largest
/// `|v|` for which ``HeatFHE/BfvDecryptor/invariantNoiseBudget(_:)`` reports at least one bit),
/// else ``PipelineError/topLevelReleaseBoundExceeded(preset:batch:release:boundBits:limitBits:fitting:)``
/// (exit 69) and nothing is written.
///
/// ```swift
/// let factor = TopLevelReleaseBound.hoeffdingFactor(unions: 2 * 8192 * 1 * 2)   // about 10.5
/// ```
public enum TopLevelReleaseBound {
    /// The run's failure probability under the model, as a power of two: `2^-64`.
    public static let failureProbabilityLog2 = -64

    /// `log2` of the key holder's measured budget at the top level: `bits(Q) - 2`, where `Q` is
    /// the product of the ciphertext moduli. ``HeatFHE/BfvDecryptor/invariantNoiseBudget(_:)``
    /// is `bits(Q) - bits(max |v|) - 1`, positive exactly when `|v| < 2^(bits(Q) - 2)`.
    ///
    /// ```swift
    /// TopLevelReleaseBound.measuredLimitLog2(parameters: try BfvParameters(preset: "n8192-logq217-logt41"))   // 160
    /// ```
    ///
    /// - Parameter parameters: the parameters.
    /// - Returns: the exponent of the limit.
    public static func measuredLimitLog2(parameters: BfvParameters) -> Int {
        let q = parameters.ciphertextModuli.reduce(BigInt(1)) { $0 * BigInt($1) }
        return q.bitWidth - 2
    }

    /// The Hoeffding factor `sqrt(2 ln(2 / delta))` with `delta = 2^-64 / unions`: the bound on
    /// one coefficient of `v p` is `V ||p||_2` times this.
    ///
    /// ```swift
    /// TopLevelReleaseBound.hoeffdingFactor(unions: 1)   // sqrt(2 * 65 ln 2), about 9.49
    /// ```
    ///
    /// - Parameter unions: the number of events of the union bound (ciphertexts x N x M x releases).
    /// - Returns: the factor.
    public static func hoeffdingFactor(unions: Double) -> Double {
        let lnTwoOverDelta = Double(1 - failureProbabilityLog2) * M_LN2 + Foundation.log(max(1, unions))
        return (2 * lnTwoOverDelta).squareRoot()
    }

    /// The centred coefficients (in `(-t/2, t/2)`) of the batch-encoded 0/1 mask keeping
    /// `keep`'s slots: the polynomial a ciphertext is multiplied by
    /// (``HeatFHE/BfvPreparedPlaintext`` lifts the same centred values).
    ///
    /// - Parameters:
    ///   - keep: per slot whether it is kept (`N` entries).
    ///   - context: the BFV context.
    /// - Returns: `N` coefficients.
    /// - Throws: ``PipelineError/fhe(_:)`` if the mask cannot be encoded.
    static func centredMask(_ keep: [Bool], context: BfvContext<UInt64>) throws(PipelineError) -> [Int64] {
        let plaintext: Plaintext<UInt64>
        do throws(FHEError) {
            plaintext = try BfvEncoder(context: context).encode(unsigned: keep.map { $0 ? 1 : 0 }, encoding: .batch)
        } catch {
            throw .fhe(error)
        }
        let t = context.parameters.plaintextModulus
        let half = t >> 1
        return plaintext.coefficients.map { $0 > half ? -Int64(t - $0) : Int64($0) }
    }

    /// The exact negacyclic product `a b` in `Z[x]/(x^N + 1)` (no reduction modulo anything): the
    /// product is computed in `ring` (NTT) and each coefficient composed by CRT and centred,
    /// which is exact because `N max|a| max|b| < Q_ring / 2` (checked).
    ///
    /// - Parameters:
    ///   - a: `N` integer coefficients.
    ///   - b: `N` integer coefficients.
    ///   - ring: an NTT-friendly ring of degree `N`.
    /// - Returns: the `N` integer coefficients of the product.
    /// - Throws: ``PipelineError/malformed(source:reason:)`` when the lengths differ from `N` or
    ///   the ring's modulus cannot hold the product exactly.
    static func exactProduct(_ a: [Int64], _ b: [Int64], ring: RnsContext<UInt64>) throws(PipelineError) -> [BigInt] {
        let n = ring.degree
        guard a.count == n, b.count == n else {
            throw .malformed(source: "the release noise bound", reason: "\(a.count) and \(b.count) coefficients for a ring of degree \(n)")
        }
        let largestA = a.map(\.magnitude).max() ?? 0
        let largestB = b.map(\.magnitude).max() ?? 0
        let q = ring.modulusProduct
        guard BigInt(UInt64(n)) * BigInt(largestA) * BigInt(largestB) * BigInt(2) < q else {
            throw .malformed(source: "the release noise bound", reason: "the ring's modulus (\(q.bitWidth) bits) cannot hold the masks' product exactly")
        }
        let pa = PolyRq<UInt64, Coeff>(context: ring, signedCoefficients: a).forwardNTT()
        let pb = PolyRq<UInt64, Coeff>(context: ring, signedCoefficients: b).forwardNTT()
        let half = q / BigInt(2)
        return (pa * pb).inverseNTT().composedCoefficients().map { $0 > half ? $0 - q : $0 }
    }

    /// `||p||_2^2`, exactly.
    static func normSquared(_ p: [BigInt]) -> BigInt { p.reduce(BigInt(0)) { $0 + $1 * $1 } }

    /// `||p||_2^2` of integer coefficients, exactly.
    static func normSquared(_ p: [Int64]) -> BigInt { p.reduce(BigInt(0)) { $0 + BigInt(Int($1)) * BigInt(Int($1)) } }

    /// `log2(x)` of a non-negative integer, rounded up in its last place (an upper bound up to
    /// `2^-58` relative); minus infinity for 0.
    static func log2(_ x: BigInt) -> Double {
        guard x.signum > 0 else { return -.infinity }
        let shift = max(0, x.bitWidth - 60)
        guard shift > 0 else { return Foundation.log2(Double(x.uint64Value ?? 0)) }
        let top = (x / BigInt(1).shiftedLeft(by: shift)).uint64Value ?? 0
        return Foundation.log2(Double(top + 1)) + Double(shift)
    }

    /// A cheap upper bound on `log2 ||p1 p2||_2` (Young's inequality for the signed cyclic
    /// convolution: `||p1 p2||_2 <= min(||p1||_1 ||p2||_2, ||p1||_2 ||p2||_1)`), with a margin
    /// for the floating-point sums: when it already fits, the exact product is not needed.
    static func productNormUpperBoundLog2(_ p1: [Int64], _ p2: [Int64]) -> Double {
        func l1(_ p: [Int64]) -> Double { p.reduce(0.0) { $0 + Double($1.magnitude) } }
        func l2(_ p: [Int64]) -> Double { p.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() }
        let bound = min(l1(p1) * l2(p2), l2(p1) * l1(p2))
        return Foundation.log2(bound) + 0x1p-20
    }

    /// `log2` of the bound `V ||p1 p2||_2 sqrt(2 ln(2 / delta))` on the released noise of one
    /// ciphertext, with the exact product (no shortcut).
    ///
    /// - Parameters:
    ///   - noise: `V`, the bound on `v`'s coefficients.
    ///   - p1: the erased-slot mask's centred coefficients (`[1, 0, ...]` without erasures).
    ///   - p2: the release mask's centred coefficients (`[1, 0, ...]` for no mask).
    ///   - unions: the union bound's count.
    ///   - ring: the ring the product is computed in.
    /// - Returns: the bound's base-2 logarithm.
    /// - Throws: as ``exactProduct(_:_:ring:)``.
    static func releasedNoiseLog2(
        noise: Double, p1: [Int64], p2: [Int64], unions: Double, ring: RnsContext<UInt64>
    ) throws(PipelineError) -> Double {
        let norm = 0.5 * log2(normSquared(try exactProduct(p1, p2, ring: ring)))
        return BfvNoiseBound.log2(noise) + norm + Foundation.log2(hoeffdingFactor(unions: unions))
    }

    /// One batch of the run, as the check sees it.
    struct Batch: Sendable {
        /// The slot batch.
        var batch: Int
        /// `V`: the worst case of its heat and trend noise before any mask.
        var noise: Double
        /// Its erased slots (offsets in the batch), empty when none.
        var erased: [Int]
    }

    /// One release of a batch: `p2`'s slots, or `nil` for no mask.
    struct Release: Sendable {
        /// What the message names: `an executive release (no mask)` or `manager M-...'s release`.
        var name: String
        /// The kept slot offsets, or `nil` for no mask.
        var slots: [Int]?
    }

    /// The slots of each manager's clients, as the key holder's release masks choose them
    /// (``KeyHolder/decrypt(run:store:manager:)``): the directory's manager, or with directory
    /// versions the manager the client is assigned to (and open) in the run's reference week.
    ///
    /// - Parameters:
    ///   - db: the store, inside the evaluation's read.
    ///   - referenceWeek: the run's reference week.
    /// - Returns: per manager, its clients' slots.
    /// - Throws: store errors.
    static func managerSlots(in db: Database, referenceWeek: ISOWeek) throws -> [Pseudonym: [Int64]] {
        let directory = try KeyHolder.directory(in: db)
        var slots: [Pseudonym: [Int64]] = [:]
        if try DirectoryTimeline.version(in: db) == nil {
            for entry in directory { if let manager = entry.manager { slots[manager, default: []].append(entry.slot) } }
        } else {
            let timeline = try DirectoryTimeline.read(in: db)
            for entry in directory {
                guard let assignment = timeline.assignment(slot: entry.slot, week: referenceWeek), assignment.active,
                      let manager = assignment.manager else { continue }
                slots[manager, default: []].append(entry.slot)
            }
        }
        return slots
    }

    /// Refuses a run kept at the top level whose released noise would, under the model, not
    /// decrypt for some batch and release (see the type's summary); returns when the worst case
    /// already fits or when every bound fits.
    ///
    /// - Parameters:
    ///   - deltas: per batch and week, the stored ciphertexts the whole run sums.
    ///   - erased: the erased slots.
    ///   - periods: the run's directory periods (`P`; 0 without).
    ///   - configuration: the heat configuration.
    ///   - referenceWeek: the run's reference week.
    ///   - context: the BFV context.
    ///   - managers: the managers' slots (read only when the worst case does not fit).
    /// - Throws: ``PipelineError/topLevelReleaseBoundExceeded(preset:batch:release:boundBits:limitBits:fitting:)``
    ///   (exit 69); store errors of `managers`.
    static func require(
        deltas: [Int: [ISOWeek: Int]], erased: [Int64], periods: Int, configuration: HeatConfiguration, referenceWeek: ISOWeek,
        context: BfvContext<UInt64>, managers: () throws -> [Pseudonym: [Int64]]
    ) throws {
        let parameters = context.parameters
        let bound = BfvNoiseBound(parameters: parameters)
        let limit = Double(measuredLimitLog2(parameters: parameters))
        let n = context.degree
        var erasedByBatch: [Int: [Int]] = [:]
        for slot in erased where slot >= 0 { erasedByBatch[Int(slot / Int64(n)), default: []].append(Int(slot % Int64(n))) }
        let noise = Evaluator.runNoise(deltas: deltas, configuration: configuration, referenceWeek: referenceWeek, bound: bound)
        let factor = bound.plaintextProductFactor
        // Only the batches whose worst case (both masks at their worst) does not fit are checked.
        let batches = noise.keys.sorted().compactMap { batch -> Batch? in
            guard let entry = noise[batch] else { return nil }
            let v = max(entry.heat, entry.trend)
            let worst = v * (erasedByBatch[batch] == nil ? 1 : factor) * factor
            guard BfvNoiseBound.log2(worst) >= limit else { return nil }
            return Batch(batch: batch, noise: v, erased: erasedByBatch[batch]?.sorted() ?? [])
        }
        guard !batches.isEmpty else { return }
        let slots = try managers()
        var releases: [Int: [Release]] = [:]
        for manager in slots.keys.sorted(by: { $0.hex < $1.hex }) {
            var byBatch: [Int: [Int]] = [:]
            for slot in slots[manager] ?? [] where slot >= 0 { byBatch[Int(slot / Int64(n)), default: []].append(Int(slot % Int64(n))) }
            for (batch, offsets) in byBatch {
                releases[batch, default: []].append(Release(name: "manager \(manager.displayRef)'s release", slots: offsets))
            }
        }
        let ciphertextsPerBatch = 2 + 2 * periods
        let unions = Double(ciphertextsPerBatch) * Double(n) * Double(max(1, deltas.count)) * Double(slots.count + 1)
        let hoeffding = Foundation.log2(hoeffdingFactor(unions: unions))
        let one = [Int64(1)] + [Int64](repeating: 0, count: n - 1)
        struct Item: Sendable { var batch: Batch; var release: Release }
        var items: [Item] = []
        for batch in batches {
            items.append(Item(batch: batch, release: Release(name: "an executive release (no mask)", slots: nil)))
            for release in releases[batch.batch] ?? [] { items.append(Item(batch: batch, release: release)) }
        }
        let ring = context.ciphertextContext
        let results = try Evaluator.parallelMap(items) { item throws(PipelineError) -> Double in
            func mask(_ kept: [Int], keep: Bool) throws(PipelineError) -> [Int64] {
                var bits = [Bool](repeating: !keep, count: n)
                for offset in kept { bits[offset] = keep }
                return try centredMask(bits, context: context)
            }
            let p1 = item.batch.erased.isEmpty ? one : try mask(item.batch.erased, keep: false)
            var p2 = one
            if let slots = item.release.slots { p2 = try mask(slots, keep: true) }
            let base = BfvNoiseBound.log2(item.batch.noise) + hoeffding
            // Young's inequality first: when it fits, the exact product cannot exceed it.
            if base + productNormUpperBoundLog2(p1, p2) < limit { return base + productNormUpperBoundLog2(p1, p2) }
            return base + 0.5 * log2(normSquared(try exactProduct(p1, p2, ring: ring)))
        }
        for (item, released) in zip(items, results) where released >= limit {
            throw PipelineError.topLevelReleaseBoundExceeded(
                preset: parameters.name, batch: item.batch.batch, release: item.release.name,
                boundBits: Int(released.rounded(.up)), limitBits: Int(limit),
                fitting: fittingPreset(for: parameters, deltas: deltas, erased: erased, configuration: configuration, referenceWeek: referenceWeek))
        }
    }

    /// The cheapest preset with at least this ring and this plaintext modulus, holding the
    /// configuration, whose **worst case** (both masks at their worst, no probability) fits the
    /// measured budget at its top level, the run's ciphertext counts regrouped into its batches
    /// (counted as if every ingestion wrote a delta to each regrouped batch: an overcount).
    ///
    /// - Returns: its name, or `nil` when none holds it.
    static func fittingPreset(
        for parameters: BfvParameters, deltas: [Int: [ISOWeek: Int]], erased: [Int64], configuration: HeatConfiguration,
        referenceWeek: ISOWeek
    ) -> String? {
        for candidate in BfvParameters.presets
        where candidate != parameters && candidate.degree >= parameters.degree && candidate.plaintextModulus >= parameters.plaintextModulus
            && candidate.degree % parameters.degree == 0 && (try? HeatPacking.check(candidate, for: configuration)) != nil
        {
            let ratio = candidate.degree / parameters.degree
            var merged: [Int: [ISOWeek: Int]] = [:]
            for (batch, weeks) in deltas {
                for (week, count) in weeks { merged[batch / ratio, default: [:]][week, default: 0] += count }
            }
            let erasedBatches = Set(erased.filter { $0 >= 0 }.map { Int($0 / Int64(candidate.degree)) })
            let bound = BfvNoiseBound(parameters: candidate)
            let worst = Evaluator.storedRunNoise(
                deltas: merged, erasedBatches: erasedBatches, configuration: configuration, referenceWeek: referenceWeek, bound: bound
            ) * bound.plaintextProductFactor
            if BfvNoiseBound.log2(worst) < Double(measuredLimitLog2(parameters: candidate)) { return candidate.name }
        }
        return nil
    }
}
