import Crypto
import Foundation
import GRDB
import HeatEnvelope
import HeatFHE

/// The evaluator role (DESIGN.md section 1): computes every client's heat and trend on the
/// store's ciphertexts, never holding a secret key.
///
/// An evaluator is built only from an evaluator folder (checked by ``KeyFolder``, which refuses a
/// folder holding a secret key) or from public material; no initializer takes a secret key.
/// Per slot batch it sums the delta ciphertexts of each ISO week into `S(w)` (the encrypted
/// weekly scores) and computes, with the decay factors `d(a)` and `T = trendWeeks`:
///
/// ```
/// heat  = sum over a = 0 ..< windowWeeks of d(a) * S(R - a)
/// trend = decayScale * (sum over a < T of S(R - a) - sum over T <= a < 2T of S(R - a))
/// ```
///
/// Only ciphertext additions and products with public integer constants: multiplicative depth 0,
/// no evaluation keys. The result is deterministic (the same store prefix, configuration and
/// reference week give the same bytes), and ``evaluateAndRecord(store:configuration:asOf:)``
/// logs the run with its input and output hashes so an auditor can re-run and compare.
///
/// ```swift
/// let evaluator = try Evaluator(folder: KeyFolder(path: "keys/evaluator", role: .evaluator))
/// let (run, number) = try evaluator.evaluateAndRecord(store: store, configuration: HeatConfiguration())
/// try run.envelope().write(to: URL(filePath: "run.heat"))
/// ```
public struct Evaluator: Sendable {
    /// The BFV context (the stored ciphertexts must carry its parameters' fingerprint).
    public let context: BfvContext<UInt64>

    /// The public key, when the evaluator was built from its folder: it re-randomizes and floods
    /// the aggregates before they leave (``HeatFHE/Bfv64/flood(_:publicKey:bits:using:)``).
    /// `nil` for an evaluator built from parameters alone, which cannot compute aggregates.
    public let publicKey: PublicKey<UInt64>?

    /// The FHE key generation and key id of the evaluator folder (issue 27 item 1), checked
    /// against the store's current generation before anything is read; `nil` for an evaluator
    /// built from parameters alone (the key holder's vault evaluations), which reads the current
    /// generation's rows unchecked. Set only on construction, from the material (review s35
    /// MEDIUM 3).
    public private(set) var fheIdentity: FHEKeyIdentity?

    /// The evaluator folder's checked generation file (issue 27, s38), checked against the store
    /// before an evaluation reads anything: its evaluation key list's signer must be a signing
    /// key the store trusts, and a folder without a generation file is refused on a store that
    /// records FHE key transitions. `nil` for an evaluator built from material or parameters.
    var keyBinding: EvaluatorKeyBinding?

    /// The key holder's store verification key, pinned **outside the store** (issue 27, review
    /// s38 keys27c H1): the trust anchor of the folder's signed evaluation key list. When set,
    /// the list's signer must be the current key of the store's chain of signing keys followed
    /// from this key; when `nil`, from the store's first registered signing key, which trusts
    /// the store as given (an attacker who can write both the evaluator folder and the store
    /// passes that; since review s39 keys27d M2 a `key_fingerprints` row or trigger that does
    /// not verify is refused, exit 1, which stops only the naive edit). Prefer
    /// ``init(folder:trusting:)``. `heatctl evaluate --trust DIR/auditor` sets it from the auditor folder
    /// `keys generate` writes (the pin `audit verify` uses) and requires it when the folder
    /// holds an evaluation key (``evaluationKeysSigner``).
    ///
    /// ```swift
    /// var evaluator = try Evaluator(folder: KeyFolder(path: "keys/evaluator", role: .evaluator))
    /// evaluator.trustedSigningKey = try KeyFolder(path: "keys/auditor", role: .auditor).verificationKey()
    /// ```
    public var trustedSigningKey: StoreVerificationKey?

    /// How many slot batches ``evaluate(store:configuration:asOf:throughSeq:shard:)`` decodes and
    /// holds at once (issue 14, streaming): the evaluator's memory grows with this number times
    /// the weeks, never with the size of the store. Default: the logical CPUs (at least 2), so
    /// each core has a batch to evaluate. The run's bytes do not depend on it.
    public var batchesInFlight: Int = max(2, ProcessInfo.processInfo.activeProcessorCount)

    /// Counts the batches held at once (the streaming tests' bound); `nil` outside tests.
    var batchProbe: InFlightProbe?

    /// An evaluator from its role folder, **without** a trust anchor: when the folder holds
    /// Galois or relinearization keys, the signer of their list is checked against the store's
    /// own registered signing key, so the store is trusted as given (an attacker who can write
    /// the folder and the store passes). Pin the key holder's key with
    /// ``init(folder:trusting:)`` (or ``trustedSigningKey``) whenever the folder holds evaluation
    /// keys; `heatctl evaluate` requires it (`--trust DIR/auditor`).
    ///
    /// Before anything else, every Galois or relinearization key in the folder must be bound to
    /// the folder's FHE key generation (``FHEKeyGeneration/requireBoundEvaluationKeys(in:)``):
    /// a stale evaluation key left from an older generation is refused, even for a heat run that
    /// does not use it (issue 27, review s35 HIGH). Since s38 the folder's list must be signed by
    /// the key holder when it holds an evaluation key, and `fhe-key.generation` must be there;
    /// the signer is checked against the store's signing keys when ``evaluate(store:configuration:asOf:throughSeq:)``
    /// opens the store, as is a missing generation file on a store with FHE key transitions.
    ///
    /// - Parameter folder: a checked evaluator folder (a folder opened for another role is refused).
    /// - Throws: ``PipelineError/modeMismatch(path:reason:)`` for another role's folder, or a
    ///   missing or corrupt key; ``PipelineError/fheKey(_:)`` wrapping
    ///   ``FHEKeyError/unboundEvaluationKey(path:generation:reason:)`` (exit 64),
    ///   ``FHEKeyError/evaluationKeysSignature(path:generation:reason:)`` (exit 65) or
    ///   ``FHEKeyError/missingGenerationFile(path:reason:)`` (exit 66);
    ///   ``PipelineError/keyFile(_:)`` wrapping ``KeyError/envelope(_:)`` for a truncated or
    ///   corrupt evaluation key (exit 65).
    public init(folder: KeyFolder) throws(PipelineError) {
        guard folder.role == .evaluator else {
            throw .modeMismatch(path: folder.path, reason: "a \(folder.role) folder; the evaluator loads only an evaluator folder")
        }
        let material = try PipelineKeys.publicMaterial(in: folder)
        let binding = try FHEKeyGeneration.evaluatorBinding(in: folder)
        self.init(material: material)
        self.keyBinding = binding
    }

    /// An evaluator from its role folder with the key holder's verification key pinned outside
    /// the store (issue 27, review s39 keys27d M2): ``init(folder:)`` with ``trustedSigningKey``
    /// set, so the trust anchor is visible where the evaluator is built. The folder's evaluation
    /// key list must then be signed by the current key of the store's chain of signing keys
    /// followed from `pinnedKey` (`heatctl evaluate --trust DIR/auditor`).
    ///
    /// ```swift
    /// let pinned = try KeyFolder(path: "keys/auditor", role: .auditor).verificationKey()
    /// let evaluator = try Evaluator(folder: KeyFolder(path: "keys/evaluator", role: .evaluator), trusting: pinned)
    /// let run = try evaluator.evaluate(store: store, configuration: HeatConfiguration())
    /// ```
    ///
    /// - Parameters:
    ///   - folder: a checked evaluator folder.
    ///   - pinnedKey: the key holder's verification key from its auditor folder (the pin `audit
    ///     verify --keys` uses), never a key read from the store.
    /// - Throws: as ``init(folder:)``.
    public init(folder: KeyFolder, trusting pinnedKey: StoreVerificationKey) throws(PipelineError) {
        try self.init(folder: folder)
        trustedSigningKey = pinnedKey
    }

    /// An evaluator from a folder path (opened as an evaluator folder: a secret key in it is refused).
    ///
    /// - Parameter path: the evaluator folder.
    /// - Throws: ``KeyError`` or ``PipelineError``.
    public init(keysAt path: String) throws {
        try self.init(folder: KeyFolder(path: path, role: .evaluator))
    }

    /// An evaluator from public material.
    ///
    /// - Parameter material: the context and public key.
    public init(material: PipelineKeys.PublicMaterial) {
        self.context = material.context
        self.publicKey = material.publicKey
        self.fheIdentity = material.identity
    }

    /// An evaluator from parameters alone: the circuits need no key at all (for example the key
    /// holder re-running an evaluation in the vault for `heatctl clients`).
    ///
    /// - Parameter context: the BFV context.
    public init(context: BfvContext<UInt64>) {
        self.context = context
        self.publicKey = nil
    }

    /// `accumulator + factor * ciphertext` (``HeatFHE/Bfv64/multiplyAdd(_:_:by:)``: the noise grows by `|factor|`).
    static func multiplyAdd(_ accumulator: inout Ciphertext<UInt64>, _ ciphertext: Ciphertext<UInt64>, by factor: Int) {
        Bfv64.multiplyAdd(&accumulator, ciphertext, by: Int64(factor))
    }

    /// The encryption of zero with no noise (both polynomials zero).
    func zero(signedness: BfvSignedness) throws(PipelineError) -> Ciphertext<UInt64> {
        let ring = context.ciphertextContext
        do {
            return try Ciphertext(
                context: context, polynomials: [PolyRq(zeroIn: ring), PolyRq(zeroIn: ring)], encoding: .batch,
                signedness: signedness, valueCount: context.degree)
        } catch {
            throw .fhe(error)
        }
    }

    /// Computes heat and trend for every batch of the store's ciphertexts.
    ///
    /// - Parameters:
    ///   - store: the store.
    ///   - configuration: the heat configuration; its packing must be the collector's.
    ///   - asOf: the reference date; by default the Sunday of the latest week with ciphertexts.
    ///   - throughSeq: read only ciphertexts up to this `seq` (to re-run a logged evaluation).
    /// - Returns: the run.
    /// - Throws: ``PipelineError`` (no ciphertexts, other parameters or configuration, corrupt
    ///   ciphertexts naming their row, exit 69 when the parameters cannot hold the configuration,
    ///   ``PipelineError/cancelled(stage:done:total:)`` when the calling task is cancelled: the
    ///   evaluation stops between two windows of batches), ``StoreError``;
    ///   ``FHEKeyError/evaluationKeysSignature(path:generation:reason:)`` (exit 65) when the
    ///   folder's evaluation key list is not signed by the store's current signing key (found
    ///   from ``trustedSigningKey``, review s38 keys27c H1, M1),
    ///   ``FHEKeyError/signingKeyChain(path:generationFile:violation:)`` (exit 1) when a
    ///   `key_transitions` row on the way does not verify,
    ///   ``FHEKeyError/missingGenerationFile(path:reason:)`` (exit 66) when the folder has no
    ///   generation file but the store records FHE key transitions (issue 27, s38);
    ///   ``PipelineError/topLevelReleaseBoundExceeded(preset:batch:release:boundBits:limitBits:fitting:)``
    ///   (exit 69) when the run stays at the top level and ``TopLevelReleaseBound`` does not hold
    ///   for some batch and release mask (issue 27, s42). It writes nothing.
    public func evaluate(
        store: HeatStore, configuration: HeatConfiguration, asOf: CalendarDate? = nil, throughSeq: Int64? = nil
    ) throws -> EncryptedHeatRun {
        try evaluate(store: store, configuration: configuration, asOf: asOf, throughSeq: throughSeq, shard: nil)
    }

    /// Computes heat and trend for the batches of one shard (`heatctl evaluate --shard I/N`), or
    /// for all batches when `shard` is `nil`.
    ///
    /// A shard reads every ciphertext row's metadata (so its header, input hash and reference
    /// week are those of the whole run) but decodes and evaluates only the batches `b` with
    /// `b % N == I`; its header names the shard. ``EncryptedHeatRun/merge(_:)`` combines the N
    /// parts into the bytes of the unsharded run. Batches are evaluated in parallel; the result
    /// does not depend on the thread count.
    ///
    /// - Parameters:
    ///   - store: the store.
    ///   - configuration: the heat configuration.
    ///   - asOf: the reference date.
    ///   - throughSeq: read only ciphertexts up to this `seq`.
    ///   - shard: the slice to evaluate, or `nil` for all.
    /// - Returns: the run (a part when sharded).
    /// - Throws: as ``evaluate(store:configuration:asOf:throughSeq:)``.
    public func evaluate(
        store: HeatStore, configuration: HeatConfiguration, asOf: CalendarDate? = nil, throughSeq: Int64? = nil,
        shard: EvaluationShard?
    ) throws -> EncryptedHeatRun {
        try HeatPacking.check(context.parameters, for: configuration)
        let packingHash = HeatPacking.packingHash(of: configuration)
        let fingerprint = context.fingerprint.hex
        // Streaming (issue 14 item 3): a first pass reads every row's metadata but no ciphertext
        // bytes; then the batches are decoded, summed per week and evaluated a window of
        // `batchesInFlight` at a time, so memory holds the weekly sums of at most that many
        // batches (plus two result ciphertexts per finished batch), never the whole store.
        struct Located { var seq: Int64; var week: ISOWeek; var batch: Int }
        var located: [Located] = []
        var deltas: [Int: [ISOWeek: Int]] = [:]
        // Every batch's counts, the shard's and the others': the stored level is the whole run's.
        var allDeltas: [Int: [ISOWeek: Int]] = [:]
        var storedLevel = context.topLevel
        var lastSeq: Int64 = 0
        var lastHash: [UInt8] = ChainedTable.ciphertexts.genesisHash
        var read = 0
        var allBatches = Set<Int>()
        var latestWeek: ISOWeek?
        var heat: [Int: Ciphertext<UInt64>] = [:]
        var trend: [Int: Ciphertext<UInt64>] = [:]
        var periodHeat: [Int: [Ciphertext<UInt64>]] = [:]
        var periodTrend: [Int: [Ciphertext<UInt64>]] = [:]
        var periods: [DirectoryTimeline.Period] = []
        var referenceWeek = UTCTimestamp.now().date.isoWeek
        let bfv = self.context
        let window = max(1, batchesInFlight)
        let probe = batchProbe
        var directoryVersion: String?
        var erasedCount = 0
        var generation: FHEKeyTransition?
        let identity = fheIdentity
        let binding = keyBinding
        let pinnedKey = trustedSigningKey
        try store.read { db in
            // Issue 27 (s38): the folder's signed evaluation key list is the store's key holder's,
            // and its generation file was not deleted; before anything is read.
            try binding?.require(in: db, storePath: store.path, pinnedKey: pinnedKey)
            let erased = try ClientErasure.erasedSlots(in: db)
            erasedCount = erased.count
            directoryVersion = try DirectoryTimeline.version(in: db)
            let limit = throughSeq ?? Int64.max
            // Issue 27: only the rows of the FHE key generation in force (the current one, or the
            // one a logged run read), and only with that generation's keys.
            let generations = try FHEKeyGenerations.effective(in: db)
            // s37: a logged run whose last heat row is followed only by re-encrypted feature rows
            // is of the new generation (``FHEKeyGenerations/generationBound(through:in:)``).
            let generationBound = try generations.generationBound(through: throughSeq, in: db)
            try generations.requireWholeGeneration(through: generationBound, path: store.path)
            if let identity { try generations.require(identity, role: .evaluator, path: store.path, through: generationBound) }
            generation = generations.transition(through: generationBound)
            let firstSeq = generations.firstSeq(through: generationBound)
            // `typeof` reads the column's type from the record header, not its (overflow) bytes.
            let cursor = try Row.fetchCursor(
                db, sql: """
                    SELECT seq, week, batch, packing, packing_hash, parameters_fingerprint, typeof(ciphertext) AS stored
                    FROM ciphertexts WHERE seq >= ? AND seq <= ? ORDER BY seq
                    """, arguments: [firstSeq, limit])
            while let row = try cursor.next() {
                let seq = row.lenientInteger("seq") ?? 0
                let source = "\(store.path): ciphertexts row \(seq)"
                // Churn feature streams (issue 15) are read by `evaluateFeatures`, not by the heat circuit.
                if row.lenientText("packing")?.hasPrefix(ChurnFeatureSet.streamPackingPrefix) == true { continue }
                guard row.lenientText("parameters_fingerprint") == fingerprint else {
                    throw PipelineError.parameterMismatch(
                        source: source, expected: fingerprint, found: row.lenientText("parameters_fingerprint") ?? "?")
                }
                guard let found = row.lenientText("packing_hash"), found == packingHash,
                      row.lenientText("packing") == HeatPacking.weeklyScore else {
                    throw PipelineError.configurationMismatch(expected: row.lenientText("packing_hash") ?? "?", found: packingHash)
                }
                guard let week = try? ISOWeek(parsing: row.lenientText("week") ?? ""),
                      let batch = row.lenientInteger("batch").map(Int.init), batch >= 0,
                      let stored = row.lenientText("stored"), stored == "blob" || stored == "text" else {
                    throw PipelineError.malformed(source: source, reason: "a malformed row")
                }
                read += 1
                lastSeq = seq
                allBatches.insert(batch)
                latestWeek = max(latestWeek ?? week, week)
                allDeltas[batch, default: [:]][week, default: 0] += 1
                if let shard, !shard.contains(batch: batch) { continue }
                deltas[batch, default: [:]][week, default: 0] += 1
                located.append(Located(seq: seq, week: week, batch: batch))
            }
            guard read > 0 else { throw PipelineError.noCiphertexts(path: store.path) }
            // Issue 27 (s36): the generation checks run to the window's last row of any packing.
            // Feature-stream rows follow the heat rows, so the last heat row of a rotated store lies
            // inside the re-encrypted range and would be taken for a window cut in two.
            let windowEnd = try Int64.fetchOne(
                db, sql: "SELECT MAX(seq) FROM ciphertexts WHERE seq >= ? AND seq <= ?", arguments: [firstSeq, limit]) ?? lastSeq
            try generations.requireSingleGeneration(in: db, from: firstSeq, through: max(lastSeq, windowEnd, generationBound ?? 0), path: store.path)
            if let hash = try Data.fetchOne(db, sql: "SELECT row_hash FROM ciphertexts WHERE seq = ?", arguments: [lastSeq]) {
                lastHash = [UInt8](hash)
            } else {
                lastHash = []
            }
            // The store holds whole ISO weeks: heat runs through the last complete week on or before
            // `asOf` (``StoreHeat/referenceWeek(asOf:)``), exactly as the plaintext store path does.
            referenceWeek = asOf.map(StoreHeat.referenceWeek(asOf:)) ?? latestWeek ?? referenceWeek
            // Issue 27 (s39): when the directory changes a group's members inside the window, the
            // run carries per period partial heat and trend, so the key holder can attribute each
            // week to the group in force that week (the periods of `DirectoryTimeline.split`).
            if directoryVersion != nil {
                let split = try DirectoryTimeline.read(in: db)
                    .split(first: referenceWeek.advanced(by: -(Self.windowSpan(configuration) - 1)), last: referenceWeek)
                if split.periods.count > 1, !split.versioned.isEmpty { periods = split.periods }
            }
            let windowPeriods = periods
            // The worst-case noise of every batch's heat and trend must decrypt (exit 69 otherwise),
            // checked from the metadata before any ciphertext is decoded.
            let bound = BfvNoiseBound(parameters: bfv.parameters)
            let noiseLimit = bound.decryptionLimit(level: bound.topLevel)
            let worst = Self.runNoise(deltas: deltas, configuration: configuration, referenceWeek: referenceWeek, bound: bound)
                .values.reduce(0.0) { max($0, $1.heat, $1.trend) }
            guard worst < noiseLimit else {
                throw PipelineError.noiseBoundExceeded(
                    preset: bfv.parameters.name, stage: "heat and trend", boundBits: Int(BfvNoiseBound.log2(worst).rounded(.up)),
                    limitBits: Int(BfvNoiseBound.log2(noiseLimit)))
            }
            // Erased clients (issue 27): their slots are multiplied by 0 in every later run.
            let mask = try ErasedSlotMask(erased: erased, context: bfv)
            // The level the run is switched down to before it leaves (issue 14 item 3), from the
            // whole run's worst case (a shard's level is the unsharded run's, so parts merge to
            // the same bytes), the erased-slot mask counted where it applies.
            let runWorst = Self.storedRunNoise(
                deltas: allDeltas, erasedBatches: Set(mask.batches), configuration: configuration, referenceWeek: referenceWeek, bound: bound)
            storedLevel = Self.storedLevel(noise: runWorst, parameters: bfv.parameters)
            // Issue 27 (s42, review s37 pipe14b MEDIUM 1): a run kept at the top level is checked
            // there once, with the high-probability bound against the exact product of the
            // erased-slot mask and each release mask (exit 69, nothing written), from the whole
            // run (every shard checks the same batches, so the parts agree).
            if storedLevel >= bfv.topLevel {
                let week = referenceWeek
                try TopLevelReleaseBound.require(
                    deltas: allDeltas, erased: erased, periods: windowPeriods.count, configuration: configuration,
                    referenceWeek: week, context: bfv,
                    managers: { try TopLevelReleaseBound.managerSlots(in: db, referenceWeek: week) })
            }
            let reference = referenceWeek
            let blobs = try db.cachedStatement(sql: "SELECT ciphertext FROM ciphertexts WHERE seq = ?")
            let batchList = deltas.keys.sorted()
            var windowStart = 0
            while windowStart < batchList.count {
                // Cancellation (issue 14): a cancelled task stops between two windows; nothing
                // has been written yet (the run is logged only after it is complete).
                try CancellationPoint.check(stage: "heat evaluation", done: windowStart, total: batchList.count)
                let windowBatches = Array(batchList[windowStart..<min(windowStart + window, batchList.count)])
                let inWindow = Set(windowBatches)
                // Sum each week's deltas per batch in `seq` order (the order, hence the bytes, of
                // the unstreamed evaluation), holding one ciphertext per week of the window's batches.
                var weekly: [Int: [ISOWeek: Ciphertext<UInt64>]] = [:]
                for row in located where inWindow.contains(row.batch) {
                    let source = "\(store.path): ciphertexts row \(row.seq)"
                    guard let blob = try Data.fetchOne(blobs, arguments: [row.seq]) else {
                        throw PipelineError.malformed(source: source, reason: "a malformed row")
                    }
                    let ciphertext = try Self.storedCiphertext(blob, context: bfv, source: source)
                    if weekly[row.batch] == nil { try probe?.enter() }
                    if var sum = weekly[row.batch]?[row.week] {
                        weekly[row.batch]?[row.week] = nil   // keep the sum uniquely referenced while adding in place
                        Bfv64.add(&sum, ciphertext)
                        weekly[row.batch]?[row.week] = sum
                    } else {
                        weekly[row.batch, default: [:]][row.week] = ciphertext
                    }
                }
                let inputs = windowBatches.map { (weeks: weekly[$0] ?? [:], batch: $0) }
                weekly = [:]
                let perBatch = try Self.parallelMap(inputs) { input throws(PipelineError) in
                    try Self.heatAndTrend(weeks: input.weeks, batch: input.batch, referenceWeek: reference,
                                          configuration: configuration, mask: mask, context: bfv, periods: windowPeriods)
                }
                for (index, batch) in windowBatches.enumerated() {
                    heat[batch] = perBatch[index].heat
                    trend[batch] = perBatch[index].trend
                    if !windowPeriods.isEmpty {
                        periodHeat[batch] = perBatch[index].periodHeat
                        periodTrend[batch] = perBatch[index].periodTrend
                    }
                    probe?.leave()
                }
                windowStart += window
            }
        }
        let batchList = deltas.keys.sorted()
        let reference = referenceWeek.monday.adding(days: 6)
        var input = SHA256()
        input.update(data: Array("ciphertexts:\(lastSeq):".utf8))
        input.update(data: lastHash)
        input.update(data: Array("|\(HeatPacking.configurationHash(of: configuration))|\(referenceWeek)".utf8))
        var header = EncryptedHeatRun.Header(
            schema: EncryptedHeatRun.schema, packing: HeatPacking.weeklyScore, packingHash: packingHash,
            configurationHash: HeatPacking.configurationHash(of: configuration), asOf: reference,
            asOfWeek: referenceWeek.description, parameters: context.parameters.name, parametersFingerprint: fingerprint,
            inputHash: Hex.encode(input.finalize()), ciphertextsThroughSeq: lastSeq, ciphertextsRead: read,
            slotsPerBatch: context.degree, batches: batchList, multiplicativeDepth: 0)
        header.directoryVersion = directoryVersion
        header.erasedSlots = erasedCount > 0 ? erasedCount : nil
        header.fheGeneration = generation?.generation
        header.fheKeyID = generation?.keyID
        header.level = storedLevel
        header.periods = periods.isEmpty ? nil : periods.map(EncryptedHeatRun.Header.Period.init)
        header.schema = EncryptedHeatRun.schema(for: header)
        if let shard { header = header.withShard(shard, allBatches: allBatches) }
        return try EncryptedHeatRun(
            header: header, heat: heat, trend: trend, periodHeat: periodHeat, periodTrend: periodTrend, context: context)
    }

    /// The fewest ciphertext moduli the heat run leaves the evaluator with (issue 14 item 3,
    /// ``EncryptedHeatRun/Header/level``): the smallest level at which a ciphertext whose
    /// worst-case invariant noise is `noise` at the top level, switched down
    /// (``HeatFHE/BfvNoiseBound/switchingDown(_:from:to:)``: each dropped prime `q` gives
    /// `v / q + t (1 + N) / 2`) and then multiplied by one 0/1 plaintext mask (the key holder's
    /// mask for a manager's release, ``HeatFHE/BfvNoiseBound/plaintextProductFactor``), still
    /// decrypts: `v_level * N (t - 1) / 2 < Q_level / 2`. The top level when no lower level does;
    /// the evaluation then checks the top level itself with ``TopLevelReleaseBound`` (exit 69
    /// when the high-probability bound exceeds the budget, issue 27 session 42).
    ///
    /// ```swift
    /// let parameters = try BfvParameters(preset: "n16384-logq248-logt41")
    /// Evaluator.storedLevel(noise: 0x1p64, parameters: parameters)   // 2 of 3 moduli
    /// ```
    ///
    /// - Parameters:
    ///   - noise: the run's worst-case invariant noise at the top level (every batch, heat and
    ///     trend, erased-slot masks included).
    ///   - parameters: the parameters.
    /// - Returns: the level, from 1 to the number of ciphertext moduli.
    public static func storedLevel(noise: Double, parameters: BfvParameters) -> Int {
        let bound = BfvNoiseBound(parameters: parameters)
        let top = bound.topLevel
        for level in 1..<max(top, 1) {
            let released = bound.switchingDown(noise, from: top, to: level) * bound.plaintextProductFactor
            if released < bound.decryptionLimit(level: level) { return level }
        }
        return max(top, 1)
    }

    /// The worst-case invariant noise, at the top level, of the heat and trend ciphertexts a run
    /// returns (issue 14 item 3): per batch the larger of ``runNoise(deltas:configuration:referenceWeek:bound:)``'s
    /// heat and trend, multiplied by ``HeatFHE/BfvNoiseBound/plaintextProductFactor`` for a batch
    /// whose erased slots the evaluator masks to zero (issue 27, ``ErasedSlotMask``), and the
    /// largest over all batches. ``storedLevel(noise:parameters:)`` takes the level from it.
    ///
    /// - Parameters:
    ///   - deltas: per batch and week, how many stored ciphertexts the whole run sums (every
    ///     shard's batches, so the parts of a sharded run share the level).
    ///   - erasedBatches: the batches holding an erased slot.
    ///   - configuration: the heat configuration.
    ///   - referenceWeek: the run's reference week.
    ///   - bound: the parameters' per-operation bounds.
    /// - Returns: the worst case over every batch (0 without batches).
    static func storedRunNoise(
        deltas: [Int: [ISOWeek: Int]], erasedBatches: Set<Int>, configuration: HeatConfiguration, referenceWeek: ISOWeek,
        bound: BfvNoiseBound
    ) -> Double {
        runNoise(deltas: deltas, configuration: configuration, referenceWeek: referenceWeek, bound: bound)
            .reduce(0.0) { worst, entry in
                max(worst, max(entry.value.heat, entry.value.trend) * (erasedBatches.contains(entry.key) ? bound.plaintextProductFactor : 1))
            }
    }

    /// Evaluates and logs the run (computation log and audit log, role `evaluator`) with its
    /// input and output hashes.
    ///
    /// - Parameters:
    ///   - store: the store.
    ///   - configuration: the heat configuration.
    ///   - asOf: the reference date (default: the latest week with ciphertexts).
    /// - Returns: the run and its number in the computation log.
    /// - Throws: the errors of ``evaluate(store:configuration:asOf:throughSeq:)``, ``StoreError``.
    public func evaluateAndRecord(
        store: HeatStore, configuration: HeatConfiguration, asOf: CalendarDate? = nil
    ) throws -> (run: EncryptedHeatRun, number: Int64) {
        try evaluateAndRecord(store: store, configuration: configuration, asOf: asOf, shard: nil)
    }

    /// Evaluates one shard (or all batches) and logs the run; a part is logged with kind
    /// `evaluate.shard` and its shard.
    ///
    /// - Parameters:
    ///   - store: the store.
    ///   - configuration: the heat configuration.
    ///   - asOf: the reference date.
    ///   - shard: the slice, or `nil`.
    /// - Returns: the run and its number in the computation log.
    /// - Throws: as ``evaluate(store:configuration:asOf:throughSeq:shard:)``.
    public func evaluateAndRecord(
        store: HeatStore, configuration: HeatConfiguration, asOf: CalendarDate? = nil, shard: EvaluationShard?
    ) throws -> (run: EncryptedHeatRun, number: Int64) {
        let started = UTCTimestamp.now()
        let run = try evaluate(store: store, configuration: configuration, asOf: asOf, throughSeq: nil, shard: shard)
        let header = run.header
        // Cancelled after the last window: the run is complete but its task was cancelled, so it
        // is not logged either (the caller writes no run file).
        try CancellationPoint.check(stage: "heat evaluation", done: header.batches.count, total: header.batches.count)
        var extra: [String: String] = [:]
        if let shard { extra["shard"] = shard.description }
        // Review s40 erase27e M2: with the input hash, these determine the output, so a release
        // can refuse two logged runs with the same inputs and different outputs.
        extra[EncryptedHeatRun.erasedSlotsParameter] = String(header.erasedSlots ?? 0)
        if let version = header.directoryVersion { extra["directoryVersion"] = version }
        let number = try ComputationLog.record(
            ComputationRun(
                startedAt: started, finishedAt: .now(), kind: shard == nil ? "evaluate" : "evaluate.shard", inputHash: header.inputHash,
                outputHash: run.outputHash,
                parameters: [
                    "asOf": header.asOf.description, "asOfWeek": header.asOfWeek, "fheParameters": header.parameters,
                    "packing": header.packing, "configurationHash": header.configurationHash,
                    "ciphertextsRead": String(header.ciphertextsRead),
                    "ciphertextsThroughSeq": String(header.ciphertextsThroughSeq),
                    "batches": String(header.batches.count), "multiplicativeDepth": "0",
                ].merging(extra) { a, _ in a }),
            role: .evaluator, in: store)
        FaultPoint.evaluateAfterCommit.reach()
        return (run, number)
    }
}

extension Evaluator {
    /// Decodes one stored ciphertext row's blob: a ciphertext or a seeded ciphertext (kind 30) made
    /// for `context`'s parameters (`Bfv64.ciphertext(envelope:context:source:)` checks the kind).
    static func storedCiphertext(
        _ blob: Data, context: BfvContext<UInt64>, source: String
    ) throws(PipelineError) -> Ciphertext<UInt64> {
        do {
            let envelope = try Envelope(decoding: blob, fingerprint: context.fingerprint, source: source)
            return try Bfv64.ciphertext(envelope: envelope, context: context, source: source)
        } catch let error as EnvelopeError {
            throw .fhe(.envelope(error))
        } catch let error as FHEError {
            throw .fhe(error)
        } catch {
            throw .malformed(source: source, reason: "\(error)")
        }
    }
    /// One batch's heat and trend from its weekly sums (ascending weeks, so the bytes never
    /// depend on dictionary order), erased slots zeroed; with `periods` (issue 27, s39), also
    /// per period the same sums restricted to that period's weeks (the same scalar
    /// `multiplyAdd`, no rotation, no key), which add up to the heat and trend.
    static func heatAndTrend(
        weeks: [ISOWeek: Ciphertext<UInt64>], batch: Int, referenceWeek: ISOWeek, configuration: HeatConfiguration,
        mask: ErasedSlotMask, context: BfvContext<UInt64>, periods: [DirectoryTimeline.Period] = []
    ) throws(PipelineError) -> (
        heat: Ciphertext<UInt64>, trend: Ciphertext<UInt64>, periodHeat: [Ciphertext<UInt64>], periodTrend: [Ciphertext<UInt64>]
    ) {
        let decay = configuration.decayFactors
        let trendWeeks = configuration.trendWeeks
        var heatSum = try zero(context: context, signedness: .unsigned)
        var trendSum = try zero(context: context, signedness: .signed)
        var periodHeat: [Ciphertext<UInt64>] = []
        var periodTrend: [Ciphertext<UInt64>] = []
        for _ in periods {
            periodHeat.append(try zero(context: context, signedness: .unsigned))
            periodTrend.append(try zero(context: context, signedness: .signed))
        }
        for (week, sum) in weeks.sorted(by: { $0.key < $1.key }) {
            let age = week.distance(to: referenceWeek)
            guard age >= 0, age < decay.count else { continue }
            let period = periods.firstIndex { $0.contains(week) }
            multiplyAdd(&heatSum, sum, by: decay[age])
            if let period { multiplyAdd(&periodHeat[period], sum, by: decay[age]) }
            let trendFactor = age < trendWeeks ? configuration.decayScale : age < 2 * trendWeeks ? -configuration.decayScale : 0
            if trendFactor != 0 {
                multiplyAdd(&trendSum, sum, by: trendFactor)
                if let period { multiplyAdd(&periodTrend[period], sum, by: trendFactor) }
            }
        }
        var maskedHeat: [Ciphertext<UInt64>] = []
        var maskedTrend: [Ciphertext<UInt64>] = []
        for (h, t) in zip(periodHeat, periodTrend) {
            maskedHeat.append(try mask.apply(to: h, batch: batch))
            maskedTrend.append(try mask.apply(to: t, batch: batch))
        }
        return (try mask.apply(to: heatSum, batch: batch), try mask.apply(to: trendSum, batch: batch), maskedHeat, maskedTrend)
    }
}

