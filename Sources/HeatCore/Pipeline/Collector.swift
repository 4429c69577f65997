import Crypto
import Foundation
import GRDB
import HeatEnvelope
import HeatFHE

/// The collector role (DESIGN.md section 1): pseudonymises, buckets, packs each client's weekly
/// score into its BFV slot, encrypts with the public key and appends the ciphertexts to the store.
///
/// A collector holds the public FHE key and the pseudonymisation key, never the secret key. It
/// plugs into ``StoreIngestor`` as its ``IngestionBucketSink``, so de-duplication, the client
/// directory, the computation log and the audit entry stay those of plaintext ingestion; what
/// changes is what is stored: instead of plaintext `weekly_buckets` rows, for every ISO week and
/// slot batch with new events, one **delta ciphertext** (table `ciphertexts`) whose slot `i`
/// holds the change of the weekly score `s(w)` of the client in directory slot `batch * N + i`
/// (``HeatPacking``), and the collector's sealed running totals for that week and batch
/// (``CollectorState``, table `collector_state`), so a later export with late events for the
/// same week adds exactly the change of the capped score. The evaluator sums the deltas.
///
/// ```swift
/// let collector = try Collector(folder: KeyFolder(path: "keys/collector", role: .collector))
/// let report = try collector.ingestor().ingest(interactions, clients: clients, into: store,
///                                              source: .init(name: "march.csv", inputHash: hash))
/// ```
public struct Collector: IngestionBucketSink {
    /// The pseudonymisation key.
    public let pseudonymisationKey: PseudonymisationKey
    /// The BFV context of the public key.
    public let context: BfvContext<UInt64>
    /// The public key.
    public let publicKey: PublicKey<UInt64>
    /// The heat configuration whose weights, caps and duration unit the weekly scores use.
    public let configuration: HeatConfiguration
    let scorer: HeatScorer
    let sealingKey: SymmetricKey
    /// Also encrypt the churn feature streams (issue 15, ``ChurnFeatureSet/Stream``): per week and
    /// batch, one more delta ciphertext per stream (packing `activity.<stream>`), so the evaluator
    /// can compute the churn features. Off by default (it multiplies the ciphertexts by eleven).
    public var encryptsFeatureStreams = false
    /// How many (week, slot batch) items ``append(_:run:in:)`` prepares, encrypts and appends at
    /// once (issue 14, streaming): memory holds this many batches' totals and plaintexts, never
    /// the whole export's. Default 32 (every core busy; about 32 ciphertexts of memory). The rows
    /// appended do not depend on it.
    public var batchesInFlight = 32
    /// Counts the (week, batch) items held at once (the streaming tests' bound); `nil` outside tests.
    var batchProbe: InFlightProbe?

    /// A collector from its role folder.
    ///
    /// - Parameters:
    ///   - folder: a checked collector folder (pseudonymisation key, FHE parameters, public key).
    ///   - configuration: the heat configuration (default: the built-in one).
    /// - Throws: ``PipelineError/modeMismatch(path:reason:)`` for a folder of another role,
    ///   ``KeyError`` or ``PipelineError`` for missing or corrupt keys, exit 69 when the keys'
    ///   preset cannot hold the configuration's heat.
    public init(folder: KeyFolder, configuration: HeatConfiguration = HeatConfiguration()) throws {
        guard folder.role == .collector else {
            throw PipelineError.modeMismatch(path: folder.path, reason: "a \(folder.role) folder; the collector needs its own folder")
        }
        let material = try PipelineKeys.publicMaterial(in: folder)
        try self.init(pseudonymisationKey: folder.pseudonymisationKey(), material: material, configuration: configuration)
    }

    /// A collector from loaded keys.
    ///
    /// - Parameters:
    ///   - pseudonymisationKey: the pseudonymisation key.
    ///   - material: the context and public key.
    ///   - configuration: the heat configuration.
    /// - Throws: ``PipelineError`` (exit 69) when the parameters cannot hold the configuration's heat.
    public init(
        pseudonymisationKey: PseudonymisationKey, material: PipelineKeys.PublicMaterial,
        configuration: HeatConfiguration = HeatConfiguration()
    ) throws(PipelineError) {
        try HeatPacking.check(material.context.parameters, for: configuration)
        self.pseudonymisationKey = pseudonymisationKey
        self.context = material.context
        self.publicKey = material.publicKey
        self.configuration = configuration
        self.scorer = HeatScorer(configuration: configuration)
        self.sealingKey = CollectorState.sealingKey(from: pseudonymisationKey)
        self.fheIdentity = material.identity
    }

    /// The FHE key generation and key id of the collector's public key (issue 27 item 1), taken
    /// from the material on construction and never settable (review s35 MEDIUM 3): its key id is
    /// derived from ``publicKey`` (``PipelineKeys/PublicMaterial/identity``), so an ingestion
    /// with a retired generation's public key is refused before anything is encrypted, however
    /// the material was built.
    public let fheIdentity: FHEKeyIdentity

    /// Tests only: a collector build that skips the generation check (a rogue or outdated
    /// collector), so that the evaluator's own refusal of its rows can be tested.
    var skipsFHEGenerationCheck = false

    /// Slots per ciphertext: the ring degree `N` (client slot `s` sits in batch `s / N`, slot `s % N`).
    public var slotsPerBatch: Int { context.degree }

    /// A store ingestor that encrypts through this collector.
    ///
    /// - Parameters:
    ///   - signer: the collector's ingestion key and endorsement, which sign the run (issue 11);
    ///     `nil` only in tests of unsigned rows.
    ///   - faultAbortAfterRows: the fault-injection row count, or `nil`.
    /// - Returns: the ingestor.
    public func ingestor(signer: CollectorSigner? = nil, faultAbortAfterRows: Int? = nil) -> StoreIngestor {
        var ingestor = StoreIngestor(key: pseudonymisationKey, signer: signer, faultAbortAfterRows: faultAbortAfterRows)
        ingestor.bucketSink = self
        ingestor.slotLayout = .hierarchy
        return ingestor
    }

    /// Packs, encrypts and appends one run's new totals.
    ///
    /// - Parameters:
    ///   - buckets: the run's new totals, in any order.
    ///   - run: the ingestion run number.
    ///   - db: the connection inside the ingestion's transaction.
    /// - Returns: the ciphertexts appended and the new chain heads.
    /// - Throws: as ``append(streaming:run:in:)``.
    public func append(_ buckets: [IngestedBucket], run: Int64, in db: Database) throws -> IngestionBucketSinkResult {
        try append(streaming: IngestedBucketStream(buckets), run: run, in: db)
    }

    /// Packs, encrypts and appends one run's new totals, read one at a time (called by
    /// ``StoreIngestor``).
    ///
    /// Streaming (issue 14 item 3): the totals arrive in (week, slot) order, so each (week, slot
    /// batch) group is contiguous; a group's totals are gathered, its sealed state opened and its
    /// deltas computed, and every `batchesInFlight` groups are encrypted on all cores, appended
    /// and dropped. Memory holds one chunk's plaintexts and ciphertexts and one group's totals,
    /// never the run's (the ingestor spills large runs to a temporary table read by a cursor).
    ///
    /// - Parameters:
    ///   - buckets: the run's new totals, in week, slot, channel and direction order.
    ///   - run: the ingestion run number.
    ///   - db: the connection inside the ingestion's transaction.
    /// - Returns: the ciphertexts appended and the new chain heads.
    /// - Throws: ``PipelineError`` (FHE failure, unreadable sealed state,
    ///   ``PipelineError/cancelled(stage:done:total:)`` when the calling task is cancelled: it
    ///   stops between two chunks) or a database error; any error rolls the ingestion back.
    public func append(streaming buckets: IngestedBucketStream, run: Int64, in db: Database) throws -> IngestionBucketSinkResult {
        let n = slotsPerBatch
        struct Key: Hashable, Comparable {
            var week: ISOWeek
            var batch: Int
            static func < (a: Key, b: Key) -> Bool { (a.week, a.batch) < (b.week, b.batch) }
        }
        // Issue 27: only the store's current FHE key generation encrypts new rows (exit 64 otherwise).
        let generations = try FHEKeyGenerations.effective(in: db)
        if !skipsFHEGenerationCheck {
            try generations.require(
                fheIdentity, role: .collector,
                path: (try? String.fetchOne(db, sql: "SELECT file FROM pragma_database_list WHERE name = 'main'")) ?? "the store")
        }
        let ciphertexts = try ChainAppender(db, table: .ciphertexts)
        let states = try ChainAppender(db, table: .collectorState)
        let lookup = try db.cachedStatement(
            sql: "SELECT sealed FROM collector_state WHERE week = ? AND batch = ? ORDER BY seq DESC LIMIT 1")
        let encryptor = BfvEncryptor(publicKey: publicKey)
        let packingHash = HeatPacking.packingHash(of: configuration)
        let fingerprint = context.fingerprint.hex
        struct Pending { var week: ISOWeek; var batch: Int; var delta: [Int64]?; var state: CollectorState; var streams: [[Int64]?] = [] }
        let featureSet: ChurnFeatureSet? = encryptsFeatureStreams ? ChurnFeatureSet(configuration: configuration) : nil
        let streamCount = featureSet == nil ? 0 : ChurnFeatureSet.Stream.allCases.count
        let probe = batchProbe
        // 1. In order of (week, batch): open the group's sealed totals and compute its deltas (cheap).
        func prepare(_ key: Key, group: [IngestedBucket]) throws -> Pending {
            var newActivity: [Int: WeekActivity] = [:]
            for bucket in group {
                let offset = Int(bucket.slot) % n
                var week = newActivity[offset, default: WeekActivity()]
                var value = week[bucket.channel, bucket.direction]
                value.count += Int(bucket.events)
                value.durationSeconds += Int(bucket.durationSeconds)
                value.replies += Int(bucket.replies)
                week[bucket.channel, bucket.direction] = value
                newActivity[offset] = week
            }
            var state = CollectorState()
            if let sealed = try Data.fetchOne(lookup, arguments: [key.week.description, key.batch]) {
                state = try CollectorState(sealed: sealed, key: sealingKey, week: key.week, batch: key.batch)
            }
            var delta = [Int64](repeating: 0, count: n)
            var changed = false
            var streamDeltas = [[Int64]](repeating: [Int64](repeating: 0, count: n), count: streamCount)
            for (offset, extra) in newActivity {
                let old = state.activity[offset] ?? WeekActivity()
                var merged = old
                for channel in Channel.allCases {
                    for direction in Direction.allCases {
                        var value = merged[channel, direction]
                        let more = extra[channel, direction]
                        value.count += more.count
                        value.durationSeconds += more.durationSeconds
                        value.replies += more.replies
                        merged[channel, direction] = value
                    }
                }
                let change = scorer.weeklyScore(merged) - scorer.weeklyScore(old)
                delta[offset] = Int64(change)
                if change != 0 { changed = true }
                if let featureSet {
                    let before = featureSet.streamValues(old)
                    let after = featureSet.streamValues(merged)
                    for k in 0..<streamCount where after[k] != before[k] {
                        streamDeltas[k][offset] = Int64(after[k] - before[k])
                    }
                }
                state.activity[offset] = merged
            }
            return Pending(
                week: key.week, batch: key.batch, delta: changed ? delta : nil, state: state,
                // Every stream of every touched (week, batch), zeros included: which streams
                // changed is not visible to the evaluator.
                streams: streamDeltas.map { Optional($0) })
        }
        // 2. On all cores, a chunk at a time: encrypt each delta with its own CSPRNG, then append
        //    the chunk's ciphertexts and sealed totals in order. The plaintexts and the order of
        //    the rows do not depend on the thread count or the chunk size; only the encryption
        //    randomness differs, as it does between any two runs.
        var appended = 0
        var done = 0
        let chunk = max(1, batchesInFlight)
        var slice: [Pending] = []
        var sliceTotals = 0
        func flush() throws {
            guard !slice.isEmpty else { return }
            // Cancellation (issue 14): a cancelled task stops between two chunks; the error rolls
            // the ingestion's one transaction back, so nothing stays appended.
            try CancellationPoint.check(stage: "encryption", done: done, total: buckets.count, detail: "spill-runs=\(buckets.spilledRuns)")
            // Per item: the weekly score's delta, then each feature stream's (when encrypted).
            let jobs = slice.flatMap { [$0.delta] + $0.streams }
            let perItem = 1 + streamCount
            let encrypted: [[UInt8]?] = try Evaluator.parallelMap(jobs) { (delta: [Int64]?) throws(PipelineError) -> [UInt8]? in
                guard let delta else { return nil }
                var random = SecureRandom()
                do throws(FHEError) {
                    return [UInt8](Bfv64.envelope(of: try Bfv64.encrypt(signed: delta, encryptor: encryptor, using: &random)).serialized())
                } catch {
                    throw .fhe(error)
                }
            }
            for (index, item) in slice.enumerated() {
                for job in 0..<perItem {
                    guard let blob = encrypted[index * perItem + job] else { continue }
                    let packing = job == 0 ? HeatPacking.weeklyScore : ChurnFeatureSet.Stream.allCases[job - 1].packing
                    try ciphertexts.append([
                        .integer(run), .text(item.week.description), .integer(Int64(item.batch)), .text(packing),
                        .text(packingHash), .text(fingerprint), .blob(blob),
                    ])
                    appended += 1
                }
                try states.append([
                    .integer(run), .text(item.week.description), .integer(Int64(item.batch)),
                    .blob([UInt8](try item.state.sealed(with: sealingKey, week: item.week, batch: item.batch))),
                ])
                probe?.leave()
            }
            // Counted once the chunk is encrypted and appended (review s34 MEDIUM 5).
            done += sliceTotals
            sliceTotals = 0
            slice.removeAll(keepingCapacity: true)
        }
        // The groups arrive contiguous and in (week, batch) order; the rows appended and their
        // plaintexts do not depend on the chunk size.
        var current: (key: Key, group: [IngestedBucket])?
        func finishGroup() throws {
            guard let (key, group) = current else { return }
            current = nil
            slice.append(try prepare(key, group: group))
            sliceTotals += group.count
            try probe?.enter()
            if slice.count >= chunk { try flush() }
        }
        try buckets.forEach { bucket in
            let key = Key(week: bucket.week, batch: Int(bucket.slot) / n)
            if current?.key == key {
                current?.group.append(bucket)
                return
            }
            if let previous = current?.key, key < previous {
                throw PipelineError.malformed(source: "the ingestion's totals", reason: "not in week and slot order")
            }
            try finishGroup()
            current = (key, [bucket])
        }
        try finishGroup()
        try flush()
        return IngestionBucketSinkResult(
            mode: "encrypted", ciphertexts: appended,
            chains: [
                (ciphertexts.table.name, ciphertexts.lastSeq, ciphertexts.lastHash),
                (states.table.name, states.lastSeq, states.lastHash),
            ],
            parameters: [
                "ciphertextsAdded": String(appended), "packing": HeatPacking.weeklyScore, "packingHash": packingHash,
                "fheParameters": context.parameters.name, "fheFingerprint": fingerprint,
            // After an FHE key rotation the run records its key id (the evaluator's mixing check).
            ].merging(generations.currentKeyID == nil ? [:] : fheIdentity.keyID.map { [FHEKeyGenerations.runKeyParameter: $0] } ?? [:]) { a, _ in a })
    }
}
