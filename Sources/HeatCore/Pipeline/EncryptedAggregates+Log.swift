import Foundation
import GRDB

/// Review s40 erase27e H1 (issue 27): an aggregates file is released only as the logged output
/// of the aggregates of a logged evaluation, and, when its run carries directory periods, only
/// when its totals equal the run's week-attributed ones.
extension EncryptedAggregates {
    /// The computation-log kind of an aggregates computation (`evaluate --aggregates-out`,
    /// ``Evaluator/recordAggregates(_:of:store:)``): its input hash is the run's output hash, its
    /// output hash the aggregates file's ``outputHash``.
    public static let logKind = "aggregates"

    /// The computation-log number of the row that logged these aggregates for the run they name
    /// (``Header/runOutputHash``), after checking, before anything is decrypted:
    /// 1. the run they name is a logged `evaluate` run of the store;
    /// 2. an ``logKind`` row with that run's output hash as input hash has this file's
    ///    ``outputHash`` as output hash (a file edited after it was written, for example two
    ///    groups' ciphertext pairs swapped, has another hash);
    /// 3. the `computation_runs` hash chain verifies up to both rows, as `audit verify` walks it.
    ///
    /// Aggregates written before aggregates were logged (session 41) have no row: they are
    /// refused with a message that says to re-run `heatctl evaluate --aggregates-out`.
    ///
    /// ```swift
    /// let number = try aggregates.loggedComputation(in: store, source: "groups.heat")
    /// ```
    ///
    /// - Parameters:
    ///   - store: the store the run was evaluated on.
    ///   - source: the aggregates file, for messages.
    /// - Returns: the aggregates' number in the computation log.
    /// - Throws: ``PipelineError/unloggedAggregates(source:reason:)`` (65),
    ///   ``PipelineError/computationLogBroken(source:violation:)`` (65), ``StoreError``.
    public func loggedComputation(in store: HeatStore, source: String) throws -> Int64 {
        let hash = outputHash
        let runHash = header.runOutputHash
        return try store.read { db -> Int64 in
            let runs = try ComputationRun.fetchAll(db, sql: "SELECT * FROM computation_runs ORDER BY seq")
            guard let evaluation = runs.last(where: { $0.kind == "evaluate" && $0.outputHash == runHash }), let evaluated = evaluation.seq else {
                throw PipelineError.unloggedAggregates(
                    source: source,
                    reason: "they name run \(runHash.prefix(16))…, which is not a logged `evaluate` run of this store (another store, or an altered header)")
            }
            let forRun = runs.filter { $0.kind == Self.logKind && $0.inputHash == runHash }
            guard let row = forRun.last(where: { $0.outputHash == hash }), let number = row.seq else {
                throw PipelineError.unloggedAggregates(
                    source: source,
                    reason: forRun.isEmpty
                        ? "no aggregates are logged for computation run \(evaluated) (they were written before `evaluate --aggregates-out` logged its output, in session 41, or on another store); re-run `heatctl evaluate --aggregates-out` and release that file"
                        : "their output hash \(hash.prefix(16))… is not the one logged for computation run \(evaluated) (computation run \(forRun.compactMap(\.seq).map { String($0) }.joined(separator: ", "))): the file was altered after it was written")
            }
            if let broken = try StoreVerifier.chainViolation(of: .computationRuns, in: db, through: max(number, evaluated)) {
                throw PipelineError.computationLogBroken(source: source, violation: broken.message)
            }
            return number
        }
    }

    /// Refuses decrypted aggregates whose totals differ from the key holder's own totals of the
    /// same groups: the week-attributed totals of their run's directory periods
    /// (``KeyHolder/weekAttributedAggregates(of:store:configuration:minGroupSize:source:)``), or
    /// the sums of the members' decrypted values (``ReleaseInput/memberTotals``). Every group of
    /// the file must be among `periodTotals` with the same size, heat sum and trend sum. The file
    /// may hold fewer groups (computed for a larger `k`).
    ///
    /// - Parameters:
    ///   - totals: the decrypted aggregates.
    ///   - periodTotals: the key holder's own totals (the run's period totals under the policy's
    ///     `k`, or every group's members' totals).
    ///   - source: the aggregates file, for messages.
    /// - Throws: ``PipelineError/aggregatesDisagreeWithRun(source:group:field:)`` (65) naming the
    ///   first group that differs by its pseudonymous label.
    static func requireAgreement(_ totals: [GroupAggregate], with periodTotals: [GroupAggregate], source: String) throws(PipelineError) {
        var expected: [String: GroupAggregate] = [:]
        for total in periodTotals { expected["\(total.kind.rawValue) \(total.ref)"] = total }
        for total in totals {
            let label = "\(total.kind.rawValue) \(total.ref)"
            guard let period = expected[label] else {
                throw .aggregatesDisagreeWithRun(source: source, group: label, field: "group (not among the key holder's own groups)")
            }
            let field = period.clients != total.clients ? "size" : period.heatSum != total.heatSum ? "heat sum"
                : period.trendSum != total.trendSum ? "trend sum" : nil
            if let field { throw .aggregatesDisagreeWithRun(source: source, group: label, field: field) }
        }
    }
}

extension EncryptedAggregates {
    /// Refuses aggregates computed for another week than the release's (review s42 agg27f M3):
    /// without a run to pin it, a genuine logged file of an earlier week would otherwise give
    /// that week's group totals beside this week's client rows.
    ///
    /// ```swift
    /// try aggregates.requireReferenceWeek(of: CalendarDate(iso8601: "2026-03-01"), source: "groups.heat")
    /// ```
    ///
    /// - Parameters:
    ///   - asOf: the release's reference date (`--as-of`).
    ///   - source: the aggregates file, for messages.
    /// - Throws: ``PipelineError/aggregatesOfAnotherWeek(source:computed:release:)`` (65).
    public func requireReferenceWeek(of asOf: CalendarDate, source: String) throws(PipelineError) {
        let computed = StoreHeat.referenceWeek(asOf: header.asOf)
        let release = StoreHeat.referenceWeek(asOf: asOf)
        guard computed == release else {
            throw .aggregatesOfAnotherWeek(source: source, computed: computed.description, release: release.description)
        }
    }
}

extension Evaluator {
    /// Logs aggregates computed from a logged run (computation log and audit log, role
    /// `evaluator`; kind ``EncryptedAggregates/logKind``, input hash the run's output hash,
    /// output hash the aggregates'), so that a release accepts exactly this file
    /// (``EncryptedAggregates/loggedComputation(in:source:)``, review s40 erase27e H1).
    /// `heatctl evaluate --aggregates-out` calls it before writing the file.
    ///
    /// ```swift
    /// let (run, number) = try evaluator.evaluateAndRecord(store: store, configuration: configuration)
    /// let aggregates = try evaluator.aggregates(of: run, store: store, galoisKeys: keys, minGroupSize: 5)
    /// try evaluator.recordAggregates(aggregates, of: run, store: store)
    /// try aggregates.envelope().write(to: URL(filePath: "groups.heat"))
    /// ```
    ///
    /// - Parameters:
    ///   - aggregates: the aggregates of `run`.
    ///   - run: the logged run they were computed from.
    ///   - store: the store.
    /// - Returns: the aggregates' number in the computation log.
    /// - Throws: ``PipelineError/unloggedRun(source:outputHash:)`` (65) when the run is not a
    ///   logged evaluation, ``PipelineError/malformed(source:reason:)`` (65) when the aggregates
    ///   name another run, the errors of ``EncryptedHeatRun/loggedEvaluation(in:source:)``, ``StoreError``.
    @discardableResult
    public func recordAggregates(_ aggregates: EncryptedAggregates, of run: EncryptedHeatRun, store: HeatStore) throws -> Int64 {
        let runHash = run.outputHash
        guard aggregates.header.runOutputHash == runHash else {
            throw PipelineError.malformed(source: "the aggregates", reason: "field runOutputHash: \(aggregates.header.runOutputHash.prefix(16))… is not the run's output hash \(runHash.prefix(16))…")
        }
        guard let evaluation = try run.loggedEvaluation(in: store) else {
            throw PipelineError.unloggedRun(source: "the run", outputHash: runHash)
        }
        let started = UTCTimestamp.now()
        var parameters = [
            "evaluation": String(evaluation), "asOf": aggregates.header.asOf.description,
            "minGroupSize": String(aggregates.header.minGroupSize), "groups": String(aggregates.header.groups.count),
            "fheParameters": aggregates.header.parameters,
        ]
        if let version = aggregates.header.directoryVersion { parameters["directoryVersion"] = version }
        return try ComputationLog.record(
            ComputationRun(
                startedAt: started, finishedAt: .now(), kind: EncryptedAggregates.logKind, inputHash: runHash,
                outputHash: aggregates.outputHash, parameters: parameters),
            role: .evaluator, in: store)
    }
}

extension KeyHolder {
    /// The totals of an aggregates file for a release (review s40 erase27e H1), checked before
    /// anything is decrypted: when `run` is given, the file must be computed from it and it must
    /// be a logged evaluation (``EncryptedHeatRun/loggedEvaluation(in:source:)``); the file must be
    /// the logged output of its run's aggregates (``EncryptedAggregates/loggedComputation(in:source:)``).
    /// Then decrypted as ``decrypt(aggregates:minGroupSize:store:)`` (policy `k`, directory
    /// version), and every group of the file must equal the key holder's own total of it (size,
    /// heat sum, trend sum): when `run` carries directory periods, their week-attributed totals
    /// (``weekAttributedAggregates(of:store:configuration:minGroupSize:source:)``); otherwise the
    /// sums of its members' decrypted values (``ReleaseInput/memberTotals`` of `members`, or of
    /// the run's values, or without a run of the key holder's own evaluation at the file's
    /// reference date), except, without a run, for a group whose members change inside the
    /// window (``ReleaseInput/changingGroups``): only the file attributes those by week (review
    /// s42 agg27f M1: a writer of the store who logs an altered file beside the genuine one is
    /// refused by this comparison, not by the log). A file computed before the store changed
    /// (clients joined or were erased since, or, without a run, ciphertexts arrived for a week of
    /// the window) is refused too: re-run the evaluation.
    ///
    /// This is the SDK's release path for an aggregates file (`heatctl release --aggregates`);
    /// ``decrypt(aggregates:minGroupSize:store:)`` alone checks no log.
    ///
    /// ```swift
    /// input.groupAggregates = try keyHolder.releasedAggregates(
    ///     aggregates, run: run, store: store, configuration: HeatConfiguration(), minGroupSize: 5, source: "groups.heat")
    /// ```
    ///
    /// - Parameters:
    ///   - aggregates: the evaluator's aggregates file.
    ///   - run: the run they were computed from, when the key holder has it (`--run`).
    ///   - store: the store.
    ///   - configuration: the heat configuration (the run's).
    ///   - minGroupSize: the policy's `k`.
    ///   - members: the release input built from the same decrypted values
    ///     (``StoreRelease/input(from:configuration:asOf:entries:minGroupSize:)`` with the run's
    ///     entries), when the caller has it; otherwise it is built here (one more decryption).
    ///   - source: the aggregates file, for messages.
    ///   - runSource: the run file, for messages.
    /// - Returns: the totals, in the file's order.
    /// - Throws: ``PipelineError/unloggedAggregates(source:reason:)`` (65), ``PipelineError/unloggedRun(source:outputHash:)`` (65),
    ///   ``PipelineError/aggregatesDisagreeWithRun(source:group:field:)`` (65), the errors of
    ///   ``EncryptedHeatRun/loggedEvaluation(in:source:)``, ``decrypt(aggregates:minGroupSize:store:)``
    ///   and ``weekAttributedAggregates(of:store:configuration:minGroupSize:source:)``.
    public func releasedAggregates(
        _ aggregates: EncryptedAggregates, run: EncryptedHeatRun?, store: HeatStore, configuration: HeatConfiguration,
        minGroupSize: Int, members: ReleaseInput? = nil, source: String = "the aggregates", runSource: String = "the run"
    ) throws -> [GroupAggregate] {
        if let run {
            try Self.requireComputed(aggregates, from: run, source: source, runSource: runSource)
            guard try run.loggedEvaluation(in: store, source: runSource) != nil else {
                throw PipelineError.unloggedRun(source: runSource, outputHash: run.outputHash)
            }
        }
        _ = try aggregates.loggedComputation(in: store, source: source)
        let totals = try decrypt(aggregates: aggregates, minGroupSize: minGroupSize, store: store)
        if let run, let periodTotals = try weekAttributedAggregates(
            of: run, store: store, configuration: configuration, minGroupSize: minGroupSize, source: runSource) {
            try EncryptedAggregates.requireAgreement(totals, with: periodTotals, source: source)
            return totals
        }
        // Review s42 agg27f M1: without periods the members' decrypted values give every total a
        // group whose members do not change inside the window can have.
        let asOf = run?.header.asOf ?? aggregates.header.asOf
        let input = try members ?? StoreRelease.input(
            from: store, configuration: configuration, asOf: asOf,
            entries: EncryptedClientDirectory.entries(in: store, keyHolder: self, run: run, configuration: configuration, asOf: asOf),
            minGroupSize: minGroupSize)
        // Review s42 agg27f-2 M-C: only without a run (a logged run on a changing window has periods).
        let checked = run != nil ? totals : totals.filter { input.changingGroups?.contains(kind: $0.kind.rawValue, ref: $0.ref) != true }
        try EncryptedAggregates.requireAgreement(checked, with: input.memberTotals, source: source)
        return totals
    }

    /// Refuses aggregates computed from another run than `run` (exit 65).
    ///
    /// - Parameters:
    ///   - aggregates: the aggregates.
    ///   - run: the run given with them.
    ///   - source: the aggregates file, for messages.
    ///   - runSource: the run file, for messages.
    /// - Throws: ``PipelineError/unloggedAggregates(source:reason:)``.
    public static func requireComputed(
        _ aggregates: EncryptedAggregates, from run: EncryptedHeatRun, source: String, runSource: String
    ) throws(PipelineError) {
        let runHash = run.outputHash
        guard aggregates.header.runOutputHash == runHash else {
            throw .unloggedAggregates(
                source: source,
                reason: "they were computed from run \(aggregates.header.runOutputHash.prefix(16))…, not from \(runSource) (output hash \(runHash.prefix(16))…)")
        }
    }
}
