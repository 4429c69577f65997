import Crypto
import Foundation
import GRDB
import HeatEnvelope
import HeatFHE

/// The churn features of every client as ciphertexts (``ChurnFeatureSet``), computed by the
/// evaluator from the store's feature-stream ciphertexts and the heat run.
///
/// Per slot batch, one ciphertext per feature in ``ChurnFeatureSet/names`` order: slot `i` of
/// batch `b` holds the feature of the client in directory slot `b * N + i`. The windowed stream
/// features are sums of the weekly delta ciphertexts (additions only); `heat` and `trend` are the
/// heat run's. Multiplicative depth 0, no evaluation key.
///
/// ```swift
/// let evaluator = Evaluator(context: keyHolder.context)
/// let features = try evaluator.evaluateFeatures(store: store, featureSet: ChurnFeatureSet())
/// let rows = try keyHolder.decrypt(features: features, store: store)
/// ```
public struct EncryptedFeatures: Sendable {
    /// The feature set.
    public let featureSet: ChurnFeatureSet
    /// The heat run the `heat` and `trend` features come from (its header names the reference week).
    public let heatRun: EncryptedHeatRun
    /// The reference week of every window.
    public let referenceWeek: ISOWeek
    /// Feature-stream ciphertexts read.
    public let streamCiphertextsRead: Int
    /// Per batch, one ciphertext per feature (``ChurnFeatureSet/names`` order).
    public let batches: [Int: [Ciphertext<UInt64>]]
    /// SHA-256 (hex) of the inputs: the heat run's input hash, the last ciphertext row read and the windows.
    public let inputHash: String
    /// The client directory when the features were computed (read in the same transaction as
    /// the last ciphertext row): ``KeyHolder/decrypt(features:store:)`` and score releases refuse
    /// once it has changed.
    public var directory: DirectorySnapshot? = nil
    /// The slots of clients erased before the features were computed (issue 27): zero in every
    /// feature, and zeroed in the scores computed from them.
    public var erasedSlots: [Int64] = []
}

extension Evaluator {
    /// Computes every client's churn features on the store's ciphertexts.
    ///
    /// Reads the ciphertexts up to the current end of the table once for the heat run
    /// (``evaluate(store:configuration:asOf:throughSeq:)``) and once for the feature streams,
    /// adding each weekly delta once, into the running sum of the narrowest window that contains
    /// its week; the wider (nested) windows are then completed by adding the narrower sums, so a
    /// 52-week history costs one addition per stored delta plus three per stream and batch.
    ///
    /// - Parameters:
    ///   - store: the store (ingested with feature streams, ``Collector/encryptsFeatureStreams``).
    ///   - featureSet: the features; its configuration must pack like the collector's.
    ///   - asOf: the reference date (default: the latest week with ciphertexts).
    /// - Returns: the encrypted features.
    /// - Throws: ``ScoringError/noFeatureStreams(path:)`` (exit 66), ``PipelineError`` for other
    ///   parameters, another packing or corrupt rows, ``StoreError``.
    public func evaluateFeatures(store: HeatStore, featureSet: ChurnFeatureSet, asOf: CalendarDate? = nil) throws -> EncryptedFeatures {
        let (limit, directory, erased) = try store.read { db in
            (try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM ciphertexts") ?? 0, try DirectorySnapshot.read(in: db),
             try ClientErasure.erasedSlots(in: db))
        }
        let run = try evaluate(store: store, configuration: featureSet.configuration, asOf: asOf, throughSeq: limit)
        guard let reference = try? ISOWeek(parsing: run.header.asOfWeek) else {
            throw PipelineError.malformed(source: "the heat run", reason: "reference week \(run.header.asOfWeek) is not an ISO week")
        }
        let packingHash = HeatPacking.packingHash(of: featureSet.configuration)
        let fingerprint = context.fingerprint.hex
        let streams = ChurnFeatureSet.Stream.allCases
        let streamIndex = Dictionary(uniqueKeysWithValues: streams.enumerated().map { ($1.packing, $0) })
        let windows = featureSet.windows
        // Window positions from narrowest to widest, and for each age the narrowest window holding it.
        let ascending = windows.indices.sorted { windows[$0] < windows[$1] }
        var innermost: [Int: Int] = [:]
        for age in 0..<(windows.max() ?? 0) { innermost[age] = ascending.first { age < windows[$0] } }
        var sums: [Int: [Ciphertext<UInt64>?]] = [:]
        var read = 0
        var lastHash: [UInt8] = []
        var lastSeq: Int64 = 0
        var firstError: PipelineError?
        try store.read { db in
            // Issue 27: the rows of the current FHE key generation only (the heat run above checked the keys).
            let firstSeq = try FHEKeyGenerations.effective(in: db).firstSeq(through: limit)
            let cursor = try Row.fetchCursor(
                db, sql: """
                    SELECT seq, week, batch, packing, packing_hash, parameters_fingerprint, ciphertext, row_hash
                    FROM ciphertexts WHERE seq >= ? AND seq <= ? AND packing LIKE 'activity.%' ORDER BY seq
                    """, arguments: [firstSeq, limit])
            while let row = try cursor.next() {
                let seq = row.lenientInteger("seq") ?? 0
                let source = "\(store.path): ciphertexts row \(seq)"
                guard let packing = row.lenientText("packing"), let stream = streamIndex[packing] else {
                    firstError = .malformed(source: source, reason: "unknown feature packing \(row.lenientText("packing") ?? "?")")
                    return
                }
                guard row.lenientText("parameters_fingerprint") == fingerprint else {
                    firstError = .parameterMismatch(source: source, expected: fingerprint, found: row.lenientText("parameters_fingerprint") ?? "?")
                    return
                }
                guard row.lenientText("packing_hash") == packingHash else {
                    firstError = .configurationMismatch(expected: row.lenientText("packing_hash") ?? "?", found: packingHash)
                    return
                }
                guard let week = try? ISOWeek(parsing: row.lenientText("week") ?? ""),
                      let batch = row.lenientInteger("batch").map(Int.init), batch >= 0,
                      let blob = row.lenientBlob("ciphertext") else {
                    firstError = .malformed(source: source, reason: "a malformed row")
                    return
                }
                read += 1
                lastSeq = seq
                lastHash = [UInt8](row.lenientBlob("row_hash") ?? Data())
                let age = week.distance(to: reference)
                guard let w = innermost[age] else { continue }
                let ciphertext: Ciphertext<UInt64>
                do throws(PipelineError) {
                    ciphertext = try Evaluator.storedCiphertext(blob, context: context, source: source)
                } catch {
                    firstError = error
                    return
                }
                var slots = sums[batch] ?? [Ciphertext<UInt64>?](repeating: nil, count: featureSet.windowedCount)
                sums[batch] = nil   // keep the accumulators uniquely referenced while adding in place
                // One addition per delta: into the narrowest window holding its week only; the
                // wider windows are completed below by adding the narrower sums (nested windows).
                let index = featureSet.index(stream: stream, window: w)
                if var sum = slots[index] {
                    slots[index] = nil
                    Bfv64.add(&sum, ciphertext)
                    slots[index] = sum
                } else {
                    slots[index] = ciphertext
                }
                sums[batch] = slots
            }
        }
        if let firstError { throw firstError }
        // Windows are nested (all end at the reference week): window i = its own ring + window i-1.
        for batch in Array(sums.keys) {
            guard var slots = sums[batch] else { continue }
            sums[batch] = nil
            for (narrower, wider) in zip(ascending, ascending.dropFirst()) {
                for stream in streams.indices {
                    guard let inner = slots[featureSet.index(stream: stream, window: narrower)] else { continue }
                    let index = featureSet.index(stream: stream, window: wider)
                    if var sum = slots[index] {
                        slots[index] = nil
                        Bfv64.add(&sum, inner)
                        slots[index] = sum
                    } else {
                        slots[index] = inner
                    }
                }
            }
            sums[batch] = slots
        }
        guard read > 0 else { throw ScoringError.noFeatureStreams(path: store.path) }
        var batches: [Int: [Ciphertext<UInt64>]] = [:]
        let zero = try Self.zero(context: context, signedness: .unsigned)
        let signedZero = try Self.zero(context: context, signedness: .signed)
        let mask = try ErasedSlotMask(erased: erased, context: context)  // erased clients (issue 27)
        for batch in Set(sums.keys).union(run.header.batches).sorted() {
            var row: [Ciphertext<UInt64>] = []
            for sum in sums[batch] ?? [] { row.append(try sum.map { sum throws(PipelineError) in try mask.apply(to: sum, batch: batch) } ?? zero) }
            if row.count < featureSet.windowedCount { row = [Ciphertext<UInt64>](repeating: zero, count: featureSet.windowedCount) }
            row.append(run.heat[batch] ?? zero)
            row.append(run.trend[batch] ?? signedZero)
            batches[batch] = row
        }
        var input = SHA256()
        input.update(data: Array("features|\(run.header.inputHash)|\(lastSeq)|\(windows)|".utf8))
        input.update(data: lastHash)
        return EncryptedFeatures(
            featureSet: featureSet, heatRun: run, referenceWeek: reference, streamCiphertextsRead: read, batches: batches,
            inputHash: Hex.encode(input.finalize()), directory: directory, erasedSlots: erased)
    }
}

/// One client's decrypted churn features, as the key holder sees them inside the vault.
public struct ClientFeatures: Sendable, Hashable {
    /// The client's pseudonym.
    public var pseudonym: Pseudonym
    /// The client's directory slot.
    public var slot: Int64
    /// The features in ``ChurnFeatureSet/names`` order.
    public var values: [Int]

    /// Creates a row.
    ///
    /// - Parameters:
    ///   - pseudonym: the client's pseudonym.
    ///   - slot: the directory slot.
    ///   - values: the features.
    public init(pseudonym: Pseudonym, slot: Int64, values: [Int]) {
        self.pseudonym = pseudonym
        self.slot = slot
        self.values = values
    }
}

extension KeyHolder {
    /// Decrypts every client's churn features (inside the vault: `heatctl features`).
    ///
    /// Clients in batches without ciphertexts get zeros. `trend` decodes centred (signed), every
    /// other feature in `[0, t)`.
    ///
    /// - Parameters:
    ///   - features: the evaluator's feature ciphertexts for this key holder's parameters.
    ///   - store: the store (its client directory maps slots to clients).
    /// - Returns: one row per client, by slot.
    /// - Throws: ``ScoringError/staleDirectory(source:reason:)`` (exit 65) when clients were
    ///   ingested or removed after the features were computed; ``PipelineError``, ``StoreError``.
    public func decrypt(features: EncryptedFeatures, store: HeatStore) throws -> [ClientFeatures] {
        // Issue 27: features of another FHE key generation (read from the store's current rows
        // with a retired folder's parameters, or the reverse) would decrypt to noise.
        try requireGeneration(of: features.heatRun.header)
        guard let snapshot = features.directory else {
            throw ScoringError.staleDirectory(
                source: "the encrypted features",
                reason: "they record no client directory (written before that check); re-run the evaluation")
        }
        // The directory and its snapshot come from one read, so the rows decrypted are the rows checked.
        let (clients, current) = try Self.directoryAndSnapshot(in: store)
        try snapshot.check(current: current, source: "the encrypted features")
        let n = context.degree
        let count = features.featureSet.names.count
        let trendIndex = features.featureSet.heatIndex + 1
        var byBatch: [Int: [(client: Pseudonym, slot: Int64)]] = [:]
        for client in clients { byBatch[Int(client.slot) / n, default: []].append((client.client, client.slot)) }
        var result: [ClientFeatures] = []
        for batch in byBatch.keys.sorted() {
            guard let members = byBatch[batch] else { continue }
            guard let ciphertexts = features.batches[batch] else {
                result += members.map { ClientFeatures(pseudonym: $0.client, slot: $0.slot, values: [Int](repeating: 0, count: count)) }
                continue
            }
            var columns: [[Int64]] = []
            for (index, ciphertext) in ciphertexts.enumerated() {
                columns.append(try decryptSlots(ciphertext, mask: nil, signed: index == trendIndex, source: "the features"))
            }
            for member in members {
                let offset = Int(member.slot) % n
                result.append(ClientFeatures(pseudonym: member.client, slot: member.slot, values: columns.map { Int($0[offset]) }))
            }
        }
        return result.sorted { $0.slot < $1.slot }
    }
}
