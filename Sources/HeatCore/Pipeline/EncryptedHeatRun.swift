import Crypto
import Foundation
import GRDB
import HeatEnvelope
import HeatFHE

/// The evaluator's output (`heatctl evaluate --out run.heat`): per slot batch, one ciphertext of
/// every client's heat and one of every client's trend, with the run's metadata.
///
/// Stored in an envelope of kind ``HeatEnvelope/EnvelopeKind/encryptedHeatRun`` (40) whose
/// fingerprint is the FHE parameters'. Payload (big-endian): `UInt32` header length, the
/// ``Header`` as canonical JSON (sorted keys), `UInt32` batch count, then per batch `UInt32`
/// batch index, `UInt32` length and the heat ciphertext's `fheCiphertext` envelope, `UInt32`
/// length and the trend ciphertext's envelope. The file holds no timestamp, so re-running the
/// same evaluation gives the same bytes and the same ``outputHash``.
///
/// **Directory periods (issue 27, session 39).** When the store's directory changes a group's
/// members inside the run's window (a move or a closure whose first week lies in it), the header
/// names the window's periods (``Header/periods``, the cut of
/// ``DirectoryTimeline/split(first:last:)``), its schema is ``schemaWithPeriods``, and each
/// batch carries, after its heat and trend, one partial heat and one partial trend ciphertext
/// per period (``periodHeat``, ``periodTrend``): the same sums restricted to the weeks of that
/// period, so the parts of a batch add up to its heat and trend. The key holder adds each
/// period's part to the groups in force in that period
/// (``KeyHolder/release(run:store:configuration:role:manager:generatedAt:)``), which is the
/// plaintext pipeline's week attribution. A run without a change inside its window keeps
/// ``schema`` and the bytes it always had.
///
/// **Levels (issue 14 item 3).** The evaluator computes at the top level, where its aggregates
/// and the churn features continue from ``heat`` and ``trend``; the file carries the ciphertexts
/// switched down the modulus chain to ``Header/level``, the fewest moduli at which every one still
/// decrypts exactly after the key holder's release mask under the worst-case noise bound
/// (``Evaluator/storedLevel(noise:parameters:)``). ``payload()`` (hence ``envelope()`` and
/// ``outputHash``) always writes that form; a run read from a file holds it, and
/// ``isAtTopLevel`` tells the two apart.
///
/// ```swift
/// let run = try evaluator.evaluate(store: store, configuration: configuration)
/// try run.envelope().write(to: URL(filePath: "run.heat"))
/// ```
public struct EncryptedHeatRun: Sendable {
    /// The run's metadata.
    public struct Header: Sendable, Codable, Equatable {
        /// The format identifier, `customerheat.evaluation/1`.
        public var schema: String
        /// The packing of the inputs (``HeatPacking/weeklyScore``).
        public var packing: String
        /// ``HeatPacking/packingHash(of:)`` of the configuration.
        public var packingHash: String
        /// ``HeatPacking/configurationHash(of:)`` of the configuration.
        public var configurationHash: String
        /// The reference date of the results.
        public var asOf: CalendarDate
        /// The reference ISO week (`asOf`'s week).
        public var asOfWeek: String
        /// The FHE parameters' name.
        public var parameters: String
        /// The FHE parameters' fingerprint (hex).
        public var parametersFingerprint: String
        /// SHA-256 (hex) over the inputs: the ciphertext chain head, the configuration and the reference week.
        public var inputHash: String
        /// The last `ciphertexts.seq` read (an auditor re-runs with this bound).
        public var ciphertextsThroughSeq: Int64
        /// Ciphertexts read (deltas included).
        public var ciphertextsRead: Int
        /// Slots per batch (`N`).
        public var slotsPerBatch: Int
        /// The batch indices present, ascending.
        public var batches: [Int]
        /// Multiplicative depth of the circuit (0: additions and plaintext-constant products only).
        public var multiplicativeDepth: Int
        /// For a part of a sharded run (`evaluate --shard I/N`): `I/N`; absent in a whole run.
        public var shard: String? = nil
        /// For a part: every batch of the whole run (the parts' batches must cover it); absent in a whole run.
        public var allBatches: [Int]? = nil
        /// The store's directory version when the run was evaluated (``DirectoryTimeline/version(in:)``;
        /// absent when the store records none): aggregates refuse a run of another version (issue 27).
        public var directoryVersion: String? = nil
        /// The FHE key generation of the ciphertexts read (issue 27 item 1; absent before the
        /// store's first `keys rotate --fhe`, so older files are byte-identical): the key holder
        /// refuses to decrypt it with a folder of another generation.
        public var fheGeneration: Int64? = nil
        /// The id of that generation's key (hex SHA-256 of its public key envelope's payload).
        public var fheKeyID: String? = nil
        /// The number of ciphertext moduli the file's ciphertexts carry (issue 14 item 3): the
        /// evaluator switches them down to the fewest at which each still decrypts exactly after
        /// one release mask, by the worst-case bound (``Evaluator/storedLevel(noise:parameters:)``).
        /// Absent in runs written before this field (every modulus).
        public var level: Int? = nil
        /// The number of erased client slots the evaluator masked to zero (issue 27, review s40
        /// erase27e M2); absent when none, so runs of stores without erasures keep their bytes.
        /// With ``directoryVersion`` and ``inputHash`` it determines the run: two logged runs
        /// with the same three and different output hashes are refused
        /// (``EncryptedHeatRun/loggedEvaluation(in:source:)``).
        public var erasedSlots: Int? = nil
        /// The window's directory periods, in order (issue 27, s39), when the directory changes a
        /// group's members inside the window: each batch then carries one partial heat and trend
        /// ciphertext per period (``EncryptedHeatRun/periodHeat``); absent otherwise (schema
        /// ``EncryptedHeatRun/schema``, the bytes of older runs).
        public var periods: [Period]? = nil

        /// One period of the window: weeks `first` through `last` (ISO weeks, `2026-W10`).
        public struct Period: Sendable, Codable, Equatable, CustomStringConvertible {
            /// The first week.
            public var first: String
            /// The last week.
            public var last: String

            /// Creates a period.
            ///
            /// - Parameters:
            ///   - first: the first ISO week.
            ///   - last: the last ISO week.
            public init(first: String, last: String) {
                self.first = first
                self.last = last
            }

            /// The period of a directory split.
            ///
            /// - Parameter period: a period of ``DirectoryTimeline/split(first:last:)``.
            public init(_ period: DirectoryTimeline.Period) {
                self.init(first: period.first.description, last: period.last.description)
            }

            /// `first..last`.
            public var description: String { "\(first)..\(last)" }
        }

        /// This header as the part `shard` of a run whose batches are `allBatches`.
        func withShard(_ shard: EvaluationShard, allBatches: Set<Int>) -> Header {
            var header = self
            header.shard = shard.description
            header.allBatches = allBatches.sorted()
            return header
        }
    }

    /// The format identifier of a run without directory periods.
    public static let schema = "customerheat.evaluation/1"
    /// The format identifier of a run with directory periods (``Header/periods``, issue 27 s39):
    /// a reader that knows only ``schema`` refuses it instead of misreading the batches.
    public static let schemaWithPeriods = "customerheat.evaluation/2"

    /// The schema a header must carry: ``schemaWithPeriods`` with periods, ``schema`` without.
    static func schema(for header: Header) -> String { header.periods == nil ? schema : schemaWithPeriods }

    /// The names of one batch's ciphertexts in file order: heat, trend, then per period its
    /// partial heat and trend.
    static func ciphertextNames(periods: Int) -> [String] {
        ["heat", "trend"] + (0..<periods).flatMap { ["period \($0 + 1) heat", "period \($0 + 1) trend"] }
    }

    /// The metadata.
    public let header: Header
    /// Heat ciphertexts by batch index.
    public let heat: [Int: Ciphertext<UInt64>]
    /// Trend ciphertexts by batch index (signed, decoded centred).
    public let trend: [Int: Ciphertext<UInt64>]
    /// Per batch, one partial heat ciphertext per ``Header/periods`` entry, in period order (the
    /// heat sum restricted to that period's weeks, erased slots zeroed); empty without periods.
    public let periodHeat: [Int: [Ciphertext<UInt64>]]
    /// Per batch, one partial trend ciphertext per period (signed); empty without periods.
    public let periodTrend: [Int: [Ciphertext<UInt64>]]
    /// The heat and trend ciphertexts switched down to ``Header/level`` (what ``payload()``
    /// writes) when ``heat`` and ``trend`` are the evaluator's top-level ones; `nil` when they
    /// already are the written form.
    private let stored: [Int: [Ciphertext<UInt64>]]?

    /// Creates a run. Ciphertexts above ``Header/level`` (the evaluator's top-level ones) are
    /// switched down to it for the file (``payload()``), deterministically; ``heat`` and
    /// ``trend`` keep the ciphertexts as given. Without a level they are written as given.
    ///
    /// With a level, the run is checked before anything can be written (review s37 MEDIUM 6), so
    /// ``payload()`` always writes every ciphertext at ``Header/level``, which is what a reader
    /// accepts.
    ///
    /// - Parameters:
    ///   - header: the metadata.
    ///   - heat: heat ciphertexts by batch.
    ///   - trend: trend ciphertexts by batch.
    ///   - periodHeat: per batch, one partial heat ciphertext per ``Header/periods`` entry (empty
    ///     without periods).
    ///   - periodTrend: per batch, one partial trend ciphertext per period.
    ///   - context: the parameters the run was computed under: the level of a run without
    ///     ciphertexts (no activity) is checked against them (review s37 pipe14b-final LOW 6);
    ///     `nil` checks an empty run's level only for being at least 1.
    /// - Throws: ``PipelineError/malformed(source:reason:)`` (exit 65) when the level is not a
    ///   level of the ciphertexts' parameters (or of `context`'s for an empty run), a ciphertext
    ///   has fewer moduli than the level, or a batch has a heat but no trend ciphertext (or the
    ///   reverse), the schema is not the one of the header's periods, or a batch does not carry
    ///   exactly one partial heat and trend per period; ``PipelineError/fhe(_:)`` when a switch fails.
    public init(
        header: Header, heat: [Int: Ciphertext<UInt64>], trend: [Int: Ciphertext<UInt64>],
        periodHeat: [Int: [Ciphertext<UInt64>]] = [:], periodTrend: [Int: [Ciphertext<UInt64>]] = [:],
        context: BfvContext<UInt64>? = nil
    ) throws(PipelineError) {
        let source = "the run being written"
        try Self.checkPeriods(of: header, source: source)
        let periods = header.periods?.count ?? 0
        for batch in Set(heat.keys).union(trend.keys).union(periodHeat.keys).union(periodTrend.keys).sorted()
        where periodHeat[batch]?.count ?? 0 != periods || periodTrend[batch]?.count ?? 0 != periods {
            throw .malformed(source: source, reason: "batch \(batch): \(periodHeat[batch]?.count ?? 0) partial heat and \(periodTrend[batch]?.count ?? 0) partial trend ciphertexts for \(periods) directory period(s)")
        }
        self.header = header
        self.heat = heat
        self.trend = trend
        self.periodHeat = periodHeat
        self.periodTrend = periodTrend
        self.stored = try Self.switchedDown(
            heat: heat, trend: trend, periodHeat: periodHeat, periodTrend: periodTrend, level: header.level, context: context)
    }

    /// One batch's ciphertexts in file order (``ciphertextNames(periods:)``).
    static func fileOrder(
        heat: Ciphertext<UInt64>?, trend: Ciphertext<UInt64>?, periodHeat: [Ciphertext<UInt64>], periodTrend: [Ciphertext<UInt64>]
    ) -> [Ciphertext<UInt64>?] {
        [heat, trend] + zip(periodHeat, periodTrend).flatMap { [Optional($0), Optional($1)] }
    }

    /// Each batch's ciphertexts (file order) switched down to `level` when one is above it, else `nil`.
    private static func switchedDown(
        heat: [Int: Ciphertext<UInt64>], trend: [Int: Ciphertext<UInt64>], periodHeat: [Int: [Ciphertext<UInt64>]],
        periodTrend: [Int: [Ciphertext<UInt64>]], level: Int?, context: BfvContext<UInt64>?
    ) throws(PipelineError) -> [Int: [Ciphertext<UInt64>]]? {
        guard let level else { return nil }
        let source = "the run being written"
        let unpaired = Set(heat.keys).symmetricDifference(trend.keys).sorted()
        guard unpaired.isEmpty else {
            throw .malformed(source: source, reason: "batches \(unpaired.map(String.init).joined(separator: ", ")) have a heat or a trend ciphertext but not both")
        }
        let all = Array(heat.values) + Array(trend.values) + periodHeat.values.joined() + periodTrend.values.joined()
        // An empty run (no batch had activity) is checked against the given parameters, so its
        // header never carries a level no reader accepts (review s37 pipe14b-final LOW 6).
        guard let parameters = all.first?.context ?? context else {
            guard level >= 1 else {
                throw .malformed(source: source, reason: "field level: \(level) is not a level (at least 1 modulus)")
            }
            return nil
        }
        let top = parameters.topLevel
        guard (1...top).contains(level) else {
            throw .malformed(source: source, reason: "field level: \(level) is not a level of \(parameters.parameters.name) (1 to \(top))")
        }
        guard !all.isEmpty else { return nil }
        if let low = all.first(where: { $0.level < level }) {
            throw .malformed(source: source, reason: "field level: \(level), but a ciphertext has \(low.level) moduli")
        }
        guard all.contains(where: { $0.level > level }) else { return nil }
        var stored: [Int: [Ciphertext<UInt64>]] = [:]
        do throws(FHEError) {
            for (batch, h) in heat {
                guard let t = trend[batch] else { continue }
                var switched: [Ciphertext<UInt64>] = []
                for case let ciphertext? in fileOrder(heat: h, trend: t, periodHeat: periodHeat[batch] ?? [], periodTrend: periodTrend[batch] ?? []) {
                    switched.append(ciphertext.level > level ? try Bfv64.switchModulus(ciphertext, toLevel: level) : ciphertext)
                }
                stored[batch] = switched
            }
        } catch {
            throw .fhe(error)
        }
        return stored
    }

    /// Whether ``heat`` and ``trend`` are at the top level of the parameters (the evaluator's
    /// computed run), as the aggregates need; `false` for a run read from a file switched down.
    public var isAtTopLevel: Bool {
        (heat.values.first ?? trend.values.first).map { $0.level == $0.context.topLevel } ?? true
    }

    /// The payload bytes (see the type's documentation): the ciphertexts at ``Header/level``.
    public func payload() -> Data {
        CiphertextBatches.payload(header: header, batches: header.batches, ciphertexts: writtenCiphertexts)
    }

    /// One batch's ciphertexts as ``payload()`` writes them (file order, at ``Header/level``).
    private func writtenCiphertexts(_ batch: Int) -> [Ciphertext<UInt64>?] {
        if let all = stored?[batch] { return all.map { Optional($0) } }
        return Self.fileOrder(
            heat: heat[batch], trend: trend[batch], periodHeat: periodHeat[batch] ?? [], periodTrend: periodTrend[batch] ?? [])
    }

    /// The header of part `shard` of this whole run, as `heatctl evaluate --shard` wrote it.
    func partHeader(_ shard: EvaluationShard) -> Header {
        var part = header.withShard(shard, allBatches: Set(header.batches))
        part.batches = header.batches.filter(shard.contains(batch:))
        return part
    }

    /// The output hash of part `shard` of this whole run, as `heatctl evaluate --shard` wrote and
    /// logged it: the payload of the shard's batches under the part's header (the inverse of
    /// ``merge(_:source:)``, whose merged bytes equal the unsharded run's).
    ///
    /// - Parameter shard: the slice.
    /// - Returns: SHA-256 (hex) of the part's payload.
    func partOutputHash(_ shard: EvaluationShard) -> String {
        let part = partHeader(shard)
        return Hex.encode(SHA256.hash(data: CiphertextBatches.payload(header: part, batches: part.batches, ciphertexts: writtenCiphertexts)))
    }

    /// The computation-log number of the evaluation that wrote this run (issue 27, reviews s39
    /// erase27d M1 and s40 erase27e M2), or `nil` when it is not a logged evaluation.
    ///
    /// A whole run is logged when an `evaluate` row of the computation log has its
    /// ``outputHash`` **and** the run's inputs: the row's input hash is ``Header/inputHash`` and
    /// its parameters (`asOf`, `asOfWeek`, `ciphertextsThroughSeq`, `ciphertextsRead`,
    /// `configurationHash`, `fheParameters`, `packing`, `batches`, `multiplicativeDepth`,
    /// `directoryVersion` and `erasedSlots`) are the header's, so every accepted row is one an
    /// auditor can re-run. Rows logged before session 41 record neither of the last two and are
    /// refused with ``PipelineError/runLoggedWithoutInputs(source:run:)``: re-run `heatctl evaluate`. A run merged from `evaluate --shard I/N` parts
    /// (``merge(_:source:)``) is logged when, for some `N`, each of its `N` parts
    /// (``partOutputHash(_:)``) is the output of an `evaluate.shard` row with that shard and the
    /// part's inputs (the number returned is then the last part's).
    ///
    /// The `computation_runs` hash chain must then verify up to that row, as `audit verify`
    /// walks it (``StoreVerifier``): a row inserted outside `heatctl` (no valid `prev_hash` and
    /// `row_hash`) is refused. And, evaluation being deterministic, two rows with the same inputs
    /// (the same input hash and parameters, the directory version and the erased slots included:
    /// ``Header/erasedSlots``) but different output hashes are refused.
    ///
    /// What this binds: the file to the log. The log binds to the evaluator only through its
    /// chain, the signed heads (`audit sign`) and an auditor's re-run of the logged evaluations
    /// (Docs/Operations.md section 6): a writer of the store file can still append a correctly
    /// chained row with the inputs of a genuine run and the output hash of an altered one in the
    /// unsigned tail, where nothing tells it from a genuine row until it is signed or re-run.
    ///
    /// ```swift
    /// guard let number = try run.loggedEvaluation(in: store, source: "run.heat") else { throw PipelineError.unloggedRun(source: "run.heat", outputHash: run.outputHash) }
    /// ```
    ///
    /// - Parameters:
    ///   - store: the store the run was evaluated on.
    ///   - source: the run's file, for messages.
    /// - Returns: the run's number in the computation log, or `nil`.
    /// - Throws: ``PipelineError/runIsAPart(source:shard:)`` (65) for a part of a sharded run
    ///   (merge it first); ``PipelineError/runLoggedWithoutInputs(source:run:)`` (65) for a run
    ///   logged before session 41; ``PipelineError/computationLogBroken(source:violation:)`` (65) when the
    ///   chain does not verify up to the matching row; ``PipelineError/conflictingEvaluations(source:runs:)``
    ///   (65) for two logged runs with the same inputs and different outputs; ``StoreError``.
    public func loggedEvaluation(in store: HeatStore, source: String = "the run") throws -> Int64? {
        if let shard = header.shard { throw PipelineError.runIsAPart(source: source, shard: shard) }
        let hash = outputHash
        return try store.read { db -> Int64? in
            let runs = try ComputationRun.fetchAll(db, sql: "SELECT * FROM computation_runs ORDER BY seq")
            var accepted: [(row: ComputationRun, header: Header)] = []
            if let whole = runs.last(where: { $0.kind == "evaluate" && $0.outputHash == hash && Self.logs(header, in: $0) }) {
                accepted = [(whole, header)]
            } else if let parts = mergedEvaluation(among: runs) {
                accepted = parts
            } else if let old = runs.last(where: {
                $0.kind == "evaluate" && $0.outputHash == hash && $0.parameters[Self.erasedSlotsParameter] == nil
                    && Self.logs(header, in: $0, recordingInputs: false)
            }), let number = old.seq {
                throw PipelineError.runLoggedWithoutInputs(source: source, run: number)
            } else if let old = mergedEvaluation(among: runs, recordingInputs: false),
                      old.contains(where: { $0.row.parameters[Self.erasedSlotsParameter] == nil }),
                      let number = old.compactMap({ $0.row.seq }).max() {
                // Review s42 agg27f L2: a merged run whose parts were logged before session 41.
                throw PipelineError.runLoggedWithoutInputs(source: source, run: number)
            }
            guard let found = accepted.compactMap({ $0.row.seq }).max() else { return nil }
            // The chain first: a row inserted or edited outside heatctl is named as such.
            if let broken = try StoreVerifier.chainViolation(of: .computationRuns, in: db, through: found) {
                throw PipelineError.computationLogBroken(source: source, violation: broken.message)
            }
            for (row, logged) in accepted { try Self.requireNoConflict(with: row, header: logged, among: runs, source: source) }
            return found
        }
    }

    /// The rows of every part of one sharding of this run, each a logged `evaluate.shard` row
    /// with the part's output hash and inputs (without the directory version and the erased
    /// slots when `recordingInputs` is `false`); `nil` when no sharding is complete.
    private func mergedEvaluation(among runs: [ComputationRun], recordingInputs: Bool = true) -> [(row: ComputationRun, header: Header)]? {
        var logged: [String: [ComputationRun]] = [:]
        for run in runs where run.kind == "evaluate.shard" {
            guard let shard = run.parameters["shard"] else { continue }
            logged[shard, default: []].append(run)
        }
        let counts = Set(logged.keys.compactMap { EvaluationShard(parsing: $0)?.count }).sorted()
        for count in counts where count >= 1 {
            var parts: [(row: ComputationRun, header: Header)] = []
            for index in 0..<count {
                guard let shard = EvaluationShard(index: index, count: count) else { break }
                let part = partHeader(shard)
                let output = partOutputHash(shard)
                guard let row = logged[shard.description]?.last(where: {
                    $0.outputHash == output && Self.logs(part, in: $0, recordingInputs: recordingInputs)
                }) else { break }
                parts.append((row, part))
            }
            if parts.count == count { return parts }
        }
        return nil
    }

    /// Whether `row` logs an evaluation with `header`'s inputs (see ``loggedEvaluation(in:source:)``).
    ///
    /// - Parameters:
    ///   - header: the run's (or part's) header.
    ///   - row: a computation-log row.
    ///   - recordingInputs: `false` compares only what rows logged before session 41 record
    ///     (without the directory version and the erased slots).
    static func logs(_ header: Header, in row: ComputationRun, recordingInputs: Bool = true) -> Bool {
        let logged = row.parameters
        guard row.inputHash == header.inputHash,
              logged["asOf"] == header.asOf.description, logged["asOfWeek"] == header.asOfWeek,
              logged["ciphertextsThroughSeq"] == String(header.ciphertextsThroughSeq),
              logged["ciphertextsRead"] == String(header.ciphertextsRead),
              logged["configurationHash"] == header.configurationHash, logged["fheParameters"] == header.parameters,
              logged["packing"] == header.packing, logged["batches"] == String(header.batches.count),
              logged["multiplicativeDepth"] == String(header.multiplicativeDepth), logged["shard"] == header.shard else {
            return false
        }
        // Rows logged from session 41 on record the directory version and the erased slots, which
        // with the input hash determine the output; older rows are not accepted (re-run evaluate).
        guard recordingInputs else { return true }
        return logged[Self.erasedSlotsParameter] == String(header.erasedSlots ?? 0)
            && logged["directoryVersion"] == header.directoryVersion
    }

    /// The computation-log parameter counting the erased slots an evaluation masked (issue 27,
    /// review s40 erase27e M2): with the directory version, what makes two runs with the same
    /// input hash evaluate the same.
    static let erasedSlotsParameter = "erasedSlots"

    /// Refuses when another row of `accepted`'s kind also logs `header`'s inputs (input hash and
    /// parameters, directory version and erased slots included, which determine the output) but
    /// with another output hash.
    static func requireNoConflict(
        with accepted: ComputationRun, header: Header, among runs: [ComputationRun], source: String
    ) throws(PipelineError) {
        if let other = runs.first(where: {
            $0.kind == accepted.kind && $0.seq != accepted.seq && $0.outputHash != accepted.outputHash && logs(header, in: $0)
        }) {
            throw .conflictingEvaluations(source: source, runs: [accepted.seq ?? 0, other.seq ?? 0].sorted())
        }
    }

    /// The run as an envelope of kind `encryptedHeatRun`.
    public func envelope() -> Envelope {
        let fingerprint = Fingerprint(bytes: Hex.decode(header.parametersFingerprint) ?? []) ?? .none
        return Envelope(kind: .encryptedHeatRun, fingerprint: fingerprint, payload: payload())
    }

    /// SHA-256 (hex) of the payload: the output hash logged in the computation log.
    public var outputHash: String { Hex.encode(SHA256.hash(data: payload())) }

    /// Decodes a run made for `context`'s parameters.
    ///
    /// - Parameters:
    ///   - envelope: an `encryptedHeatRun` envelope.
    ///   - context: the key holder's (or auditor's) context.
    ///   - source: a name for messages.
    /// - Throws: ``PipelineError/parameterMismatch(source:expected:found:)`` or ``PipelineError/malformed(source:reason:)``.
    public init(envelope: Envelope, context: BfvContext<UInt64>, source: String) throws(PipelineError) {
        let opened = try CiphertextBatches.open(
            envelope, kind: .encryptedHeatRun, context: context, source: source, what: "run", schema: \Header.schema,
            accepting: [Self.schema, Self.schemaWithPeriods])
        let header: Header = opened.header
        try Self.checkPeriods(of: header, source: source)
        var reader = opened.reader
        let periods = header.periods?.count ?? 0
        let names = Self.ciphertextNames(periods: periods)
        let batches = try CiphertextBatches.read(&reader, names: names, context: context, batches: header.batches)
        var heat: [Int: Ciphertext<UInt64>] = [:]
        var trend: [Int: Ciphertext<UInt64>] = [:]
        var periodHeat: [Int: [Ciphertext<UInt64>]] = [:]
        var periodTrend: [Int: [Ciphertext<UInt64>]] = [:]
        let level = header.level ?? context.topLevel
        guard (1...context.topLevel).contains(level) else {
            throw .malformed(source: source, reason: "field level: \(level) is not a level of \(context.parameters.name) (1 to \(context.topLevel))")
        }
        for (batch, all) in batches {
            for (name, ciphertext) in zip(names, all) where ciphertext.level != level {
                throw .malformed(source: source, reason: "batch \(batch) \(name): the ciphertext has \(ciphertext.level) moduli, the header's level is \(level)")
            }
            heat[batch] = all[0]
            trend[batch] = all[1]
            if periods > 0 {
                periodHeat[batch] = (0..<periods).map { all[2 + 2 * $0] }
                periodTrend[batch] = (0..<periods).map { all[3 + 2 * $0] }
            }
        }
        self.header = header
        self.heat = heat
        self.trend = trend
        self.periodHeat = periodHeat
        self.periodTrend = periodTrend
        self.stored = nil
    }

    /// Refuses a header whose schema does not match its periods, or whose periods are not two or
    /// more consecutive, ordered ISO-week ranges (exit 65).
    static func checkPeriods(of header: Header, source: String) throws(PipelineError) {
        guard header.schema == schema(for: header) else {
            throw .malformed(source: source, reason: "field schema: \(header.schema) is not \(schema(for: header)) for a run \(header.periods == nil ? "without" : "with") directory periods")
        }
        guard let periods = header.periods else { return }
        var previous: ISOWeek?
        for period in periods {
            guard let first = try? ISOWeek(parsing: period.first), let last = try? ISOWeek(parsing: period.last), first <= last,
                  previous.map({ $0.advanced(by: 1) == first }) ?? true else {
                throw .malformed(source: source, reason: "field periods: \(periods.map(\.description).joined(separator: ", ")) are not consecutive ISO-week ranges")
            }
            previous = last
        }
        guard periods.count >= 2 else {
            throw .malformed(source: source, reason: "field periods: \(periods.count) period(s); a run carries periods only when the directory cuts its window in two or more")
        }
    }

    /// Reads a run file.
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - context: the reader's context.
    /// - Throws: ``PipelineError``.
    public static func read(from url: URL, context: BfvContext<UInt64>) throws(PipelineError) -> EncryptedHeatRun {
        do {
            let envelope = try Envelope.read(from: url, expecting: .encryptedHeatRun)
            return try EncryptedHeatRun(envelope: envelope, context: context, source: url.path)
        } catch let error as PipelineError {
            throw error
        } catch let error as EnvelopeError {
            throw .fhe(.envelope(error))
        } catch {
            throw .malformed(source: url.path, reason: "\(error)")
        }
    }
}

extension EncryptedHeatRun {
    /// Combines the parts of a sharded run (`heatctl evaluate --merge part-*.heat`) into the whole
    /// run's envelope, whose bytes equal those of the unsharded evaluation. Works on the bytes:
    /// no key or parameters are needed, and the ciphertexts are copied as they are.
    ///
    /// - Parameters:
    ///   - parts: every part `0/N ..< N/N` exactly once, in any order (`encryptedHeatRun` envelopes).
    ///   - source: a name for messages.
    /// - Returns: the whole run's envelope.
    /// - Throws: ``PipelineError/malformed(source:reason:)`` when a part is missing or repeated,
    ///   is not a part, or comes from another evaluation (any other header field differs).
    public static func merge(_ parts: [Envelope], source: String = "merge") throws(PipelineError) -> Envelope {
        guard let firstEnvelope = parts.first else { throw .malformed(source: source, reason: "no parts given") }
        var headers: [Header] = []
        var blobs: [Int: [UInt8]] = [:]
        for (number, envelope) in parts.enumerated() {
            guard envelope.kind == .encryptedHeatRun, envelope.fingerprint == firstEnvelope.fingerprint else {
                throw .malformed(source: source, reason: "part \(number + 1) is not an encryptedHeatRun for the same parameters")
            }
            let (header, batches) = try rawBatches(of: [UInt8](envelope.payload), source: "\(source) part \(number + 1)")
            headers.append(header)
            for (batch, bytes) in batches {
                guard blobs[batch] == nil else { throw .malformed(source: source, reason: "batch \(batch) is in two parts") }
                blobs[batch] = bytes
            }
        }
        var shards: [EvaluationShard] = []
        for header in headers {
            guard let text = header.shard, let shard = EvaluationShard(parsing: text) else {
                throw .malformed(source: source, reason: "a run given to merge is not a part of a sharded run (no shard in its header)")
            }
            shards.append(shard)
        }
        let count = shards[0].count
        guard shards.allSatisfy({ $0.count == count }), Set(shards.map(\.index)) == Set(0..<count), shards.count == count else {
            throw .malformed(source: source, reason: "the parts are \(shards.map(\.description).sorted().joined(separator: ", ")); every part 0/\(count) to \(count - 1)/\(count) is needed exactly once")
        }
        func common(_ header: Header) -> Header {
            var header = header
            header.batches = []
            header.shard = nil
            return header
        }
        guard headers.allSatisfy({ common($0) == common(headers[0]) }) else {
            throw .malformed(source: source, reason: "the parts come from different evaluations (their headers differ beyond the shard)")
        }
        var header = headers[0]
        header.shard = nil
        header.allBatches = nil
        header.batches = blobs.keys.sorted()
        guard header.batches == (headers[0].allBatches ?? []) else {
            throw .malformed(source: source, reason: "the parts' batches do not cover the run's batches")
        }
        var writer = PipelinePayloadWriter()
        writer.putHeader(header)
        writer.put(count: header.batches.count)
        for batch in header.batches { writer.append(raw: blobs[batch] ?? []) }
        return Envelope(kind: .encryptedHeatRun, fingerprint: firstEnvelope.fingerprint, payload: writer.data)
    }

    /// The header as canonical JSON (sorted keys), exactly as ``payload()`` writes it.
    static func canonicalJSON(_ header: Header) -> Data { PipelinePayloadWriter.canonicalJSON(header) }

    /// The header and, per batch, the raw bytes from the batch index through the trend envelope.
    static func rawBatches(of bytes: [UInt8], source: String) throws(PipelineError) -> (Header, [(Int, [UInt8])]) {
        var reader = PipelinePayloadReader(bytes, source: source)
        let header = try reader.header(Header.self, what: "run")
        guard [Self.schema, Self.schemaWithPeriods].contains(header.schema) else {
            throw .malformed(source: source, reason: "schema \(header.schema) is not \(Self.schema) or \(Self.schemaWithPeriods)")
        }
        try checkPeriods(of: header, source: source)
        let names = ciphertextNames(periods: header.periods?.count ?? 0)
        let count = try reader.count("the batch count")
        var batches: [(Int, [UInt8])] = []
        for index in 0..<count {
            let start = reader.position
            let batch = try reader.count("batch \(index)")
            for kind in names {
                try reader.skip(try reader.count("batch \(batch) \(kind) length"), "batch \(batch) \(kind)")
            }
            batches.append((batch, Array(bytes[start..<reader.position])))
        }
        try reader.finish(after: "the last batch")
        return (header, batches)
    }
}

/// One slice of an evaluation's slot batches (`I/N`: the batches `b` with `b % N == I`).
///
/// ```swift
/// let shard = EvaluationShard(parsing: "1/4")   // index 1 of 4
/// ```
public struct EvaluationShard: Sendable, Hashable, CustomStringConvertible {
    /// The part, from 0.
    public let index: Int
    /// The number of parts.
    public let count: Int

    /// Creates a shard.
    ///
    /// - Parameters:
    ///   - index: the part, in `0 ..< count`.
    ///   - count: the number of parts (at least 1).
    /// - Returns: `nil` when out of range.
    public init?(index: Int, count: Int) {
        guard count >= 1, (0..<count).contains(index) else { return nil }
        self.index = index
        self.count = count
    }

    /// Parses `I/N`.
    ///
    /// - Parameter text: such as `0/2`.
    /// - Returns: `nil` when malformed or out of range.
    public init?(parsing text: String) {
        let fields = text.split(separator: "/", omittingEmptySubsequences: false)
        guard fields.count == 2, let index = Int(fields[0]), let count = Int(fields[1]) else { return nil }
        self.init(index: index, count: count)
    }

    /// Whether batch `batch` belongs to this shard.
    ///
    /// - Parameter batch: a batch index.
    /// - Returns: `batch % count == index`.
    public func contains(batch: Int) -> Bool { batch % count == index }

    /// `I/N`.
    public var description: String { "\(index)/\(count)" }
}
