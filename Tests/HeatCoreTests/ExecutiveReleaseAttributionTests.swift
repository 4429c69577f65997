import Foundation
import GRDB
import HeatEnvelope
import HeatFHE
import Testing
@testable import HeatCore

extension VersionedPlaintextReleaseTests.Twin {
    /// The encrypted twin's evaluator, key holder and run (review s38 erase27c D1: the set-up the
    /// release suites share).
    struct Pipeline {
        var evaluatorFolder: KeyFolder
        var evaluator: Evaluator
        var keyHolder: KeyHolder
        var run: EncryptedHeatRun
        var reference: ISOWeek
    }

    /// Evaluates the encrypted store through `asOf` (default: its latest week) and logs the run
    /// (an executive release takes only a logged evaluation, review s39 erase27d M1).
    func pipeline(asOf: CalendarDate? = nil) throws -> Pipeline {
        let evaluatorFolder = try KeyFolder(path: "\(keys)/evaluator", role: .evaluator)
        let evaluator = try Evaluator(folder: evaluatorFolder)
        let keyHolder = try KeyHolder(keysAt: "\(keys)/keyholder")
        let run = try evaluator.evaluateAndRecord(store: encrypted, configuration: HeatConfiguration(), asOf: asOf).run
        return Pipeline(evaluatorFolder: evaluatorFolder, evaluator: evaluator, keyHolder: keyHolder, run: run,
                        reference: try ISOWeek(parsing: run.header.asOfWeek))
    }

    /// The plaintext twin's week-attributed totals (``StoreRelease/weekAttributedAggregates(buckets:timeline:referenceWeek:configuration:minGroupSize:)``), keyed `kind ref`.
    func plaintextTotals(reference: ISOWeek, k: Int) throws -> [String: GroupAggregate] {
        VersionedPlaintextReleaseTests.keyed(StoreRelease.weekAttributedAggregates(
            buckets: try ClientDirectory.buckets(in: plain), timeline: try DirectoryTimeline.current(in: plain), referenceWeek: reference,
            configuration: HeatConfiguration(), minGroupSize: k))
    }
}

/// Issue 27 (s39, review s38 erase27c MEDIUM 2): `KeyHolder.release(role: .executive)` attributes
/// each week of a group whose members change inside the window to the group in force that week.
/// The run carries per directory period partial heat and trend (the same scalar sums restricted
/// to the period's weeks); the key holder adds each period's part to that period's groups. After
/// a manager move, a branch move, a new client and a closure inside the window, every released
/// group equals the plaintext pipeline's week-attributed total exactly; runs whose periods are
/// altered, missing or out of place are refused before anything is decrypted.
@Suite(.serialized) struct ExecutiveReleaseAttributionTests {
    typealias Twin = VersionedPlaintextReleaseTests.Twin

    final class Seen: @unchecked Sendable { var vectors = 0 }

    @Test func theSDKExecutiveReleaseAttributesEachWeekToTheGroupInForce() throws {
        let twin = try Twin(seed: 5, clients: 60, managers: 3)
        defer { try? FileManager.default.removeItem(at: twin.folder) }
        let p = try twin.pipeline()
        let store = twin.encrypted
        let span = Evaluator.windowSpan(HeatConfiguration())
        let split = try DirectoryTimeline.current(in: store).split(first: p.reference.advanced(by: -(span - 1)), last: p.reference)
        #expect(split.periods.count >= 3, "the moves and the closure cut the window")
        #expect(p.run.header.periods == split.periods.map(EncryptedHeatRun.Header.Period.init))
        #expect(p.run.header.schema == EncryptedHeatRun.schemaWithPeriods)
        #expect(p.run.header.batches.allSatisfy { p.run.periodHeat[$0]?.count == split.periods.count && p.run.periodTrend[$0]?.count == split.periods.count })

        // The file round trip (switched down, as `heatctl release --run` reads it) and a sharded
        // evaluation merged give the same run.
        let file = try EncryptedHeatRun(envelope: p.run.envelope(), context: p.keyHolder.context, source: "run.heat")
        #expect(file.header == p.run.header && file.outputHash == p.run.outputHash)
        let parts = try (0..<2).map { index in
            try p.evaluator.evaluate(store: store, configuration: HeatConfiguration(), shard: EvaluationShard(index: index, count: 2)).envelope()
        }
        #expect(try EncryptedHeatRun.merge(parts).serialized() == p.run.envelope().serialized())

        let executive = try p.keyHolder.release(run: file, store: store, configuration: HeatConfiguration(), role: .executive)
        let groups = try #require(executive.groups)
        let plain = try twin.plaintextTotals(reference: p.reference, k: 5)
        // Review s39 erase27d M2: the totals `heatctl release --run` takes from the periods are the
        // plaintext twin's week-attributed totals exactly, heat and trend, every group.
        let fromPeriods = try #require(try p.keyHolder.weekAttributedAggregates(of: file, store: store, configuration: HeatConfiguration(), minGroupSize: 5))
        #expect(fromPeriods == StoreRelease.weekAttributedAggregates(
            buckets: try ClientDirectory.buckets(in: twin.plain), timeline: try DirectoryTimeline.current(in: twin.plain),
            referenceWeek: p.reference, configuration: HeatConfiguration(), minGroupSize: 5))
        #expect(fromPeriods.contains { isChanging(in: split, $0) } && fromPeriods.contains { !isChanging(in: split, $0) })
        let independent = twin.expected(reference: p.reference, k: 5)
        let changing = Set(split.versioned.map { "\($0.kind.rawValue) \($0.ref)" })
        var comparedChanging = 0
        for group in groups {
            let key = "\(group.kind.rawValue) \(group.ref)"
            let total = try #require(plain[key], "\(key) is released by the plaintext pipeline too")
            #expect(group.clients == total.clients, "\(key)")
            #expect(group.meanHeat == Double(total.heatSum) / Double(total.clients), "\(key): the week-attributed total")
            if changing.contains(key) {
                comparedChanging += 1
                #expect(independent[key]?.heatSum == total.heatSum, "\(key): the independent week-by-week reference")
            }
        }
        #expect(comparedChanging >= 2, "a changing manager and a changing branch are released")
        let skipped = Set((executive.groupDuplicates ?? []).map(\.kind.rawValue))
        for key in plain.keys where !groups.contains(where: { "\($0.kind.rawValue) \($0.ref)" == key }) {
            #expect(skipped.contains(String(key.prefix { $0 != " " })), "\(key) is released by the plaintext pipeline only")
        }
        // The attribution matters: the moved-to manager's reference-week members' heat differs.
        let managerB = twin.ref(try #require(twin.moves.first?.manager), .manager)
        let naive = try StoreRelease.input(from: twin.plain, asOf: p.run.header.asOf)
        let memberSum = naive.clients.filter { $0.groups[.manager] == managerB }.reduce(0) { $0 + $1.heat }
        #expect(plain["manager \(managerB)"].map(\.heatSum) != memberSum)
        #expect(groups.contains { $0.kind == .manager && $0.ref == managerB })
        // The in-memory run (top level) releases the same groups; a manager's release is unchanged.
        #expect(try p.keyHolder.release(run: p.run, store: store, configuration: HeatConfiguration(), role: .executive).groups == groups)
        let own = try p.keyHolder.release(run: file, store: store, configuration: HeatConfiguration(), role: .manager, manager: managerB)
        #expect(own.clients?.isEmpty == false)

        // A window without a change: no periods, the schema and bytes of earlier runs.
        let early = try p.evaluator.evaluateAndRecord(store: store, configuration: HeatConfiguration(), asOf: twin.weeks[2].monday.adding(days: 6)).run
        #expect(early.header.periods == nil && early.header.schema == EncryptedHeatRun.schema && early.periodHeat.isEmpty)
        #expect(try p.keyHolder.release(run: early, store: store, configuration: HeatConfiguration(), role: .executive).groups?.isEmpty == false)
    }

    @Test func runsWhosePeriodsAreNotTheDirectorysAreRefusedBeforeDecrypting() throws {
        let twin = try Twin(seed: 2027, clients: 48, managers: 4)
        defer { try? FileManager.default.removeItem(at: twin.folder) }
        let (p, store, run, seen, keyHolder) = try Self.observed(twin)
        let before = try StoreTestSupport.dump(store.path)
        func release(_ run: EncryptedHeatRun) throws -> ResultsDocument {
            try keyHolder.release(run: run, store: store, configuration: HeatConfiguration(), role: .executive)
        }
        let periods = try #require(run.header.periods)

        // 1. A period boundary moved one week earlier (still consecutive ranges): exit 65, field periods.
        var moved = run.header
        var shifted = periods
        shifted[0].last = try ISOWeek(parsing: shifted[0].last).advanced(by: -1).description
        shifted[1].first = try ISOWeek(parsing: shifted[1].first).advanced(by: -1).description
        moved.periods = shifted
        let altered = try EncryptedHeatRun(header: moved, heat: run.heat, trend: run.trend, periodHeat: run.periodHeat, periodTrend: run.periodTrend)
        let refused = #expect(throws: PipelineError.self) { _ = try release(altered) }
        #expect(refused?.category.exitCode == 65 && refused?.description.contains("field periods") == true, "\(String(describing: refused))")
        #expect(seen.vectors == 0, "nothing decrypted")

        // 2. The periods dropped (a run written before session 39): refused as before, exit 64.
        var old = run.header
        old.periods = nil
        old.schema = EncryptedHeatRun.schema
        let periodless = try EncryptedHeatRun(header: old, heat: run.heat, trend: run.trend)
        let unattributed = #expect(throws: DirectoryError.self) { _ = try release(periodless) }
        if case .groupTotalsNotWeekAttributed(_, let change, let through)? = unattributed {
            #expect(change == periods[1].first && through == p.reference.description)
        } else {
            Issue.record("expected groupTotalsNotWeekAttributed, got \(String(describing: unattributed))")
        }
        #expect(unattributed?.category.exitCode == 64 && unattributed?.hint?.contains("--aggregates") == true)
        #expect(seen.vectors == 0, "nothing decrypted")

        // 3. Periods on a run whose window holds no change: exit 65.
        let early = try p.evaluator.evaluate(store: store, configuration: HeatConfiguration(), asOf: twin.weeks[2].monday.adding(days: 6))
        var forged = early.header
        let earlyReference = try ISOWeek(parsing: early.header.asOfWeek)
        forged.periods = [.init(first: earlyReference.advanced(by: -3).description, last: earlyReference.advanced(by: -1).description),
                          .init(first: earlyReference.description, last: earlyReference.description)]
        forged.schema = EncryptedHeatRun.schemaWithPeriods
        let doubled = early.heat.mapValues { [$0, $0] }
        let doubledTrend = early.trend.mapValues { [$0, $0] }
        let extra = #expect(throws: PipelineError.self) {
            _ = try release(try EncryptedHeatRun(header: forged, heat: early.heat, trend: early.trend, periodHeat: doubled, periodTrend: doubledTrend))
        }
        #expect(extra?.category.exitCode == 65 && extra?.description.contains("field periods") == true, "\(String(describing: extra))")
        #expect(seen.vectors == 0, "nothing decrypted")

        // 4. A schema that does not match the periods: refused by the writer and by the reader.
        var wrongSchema = run.header
        wrongSchema.schema = EncryptedHeatRun.schema
        let writer = #expect(throws: PipelineError.self) {
            _ = try EncryptedHeatRun(header: wrongSchema, heat: run.heat, trend: run.trend, periodHeat: run.periodHeat, periodTrend: run.periodTrend)
        }
        #expect(writer?.description.contains("field schema") == true)
        let envelope = run.envelope()
        let (header, batches) = try EncryptedHeatRun.rawBatches(of: [UInt8](envelope.payload), source: "run")
        var relabelled = header
        relabelled.schema = EncryptedHeatRun.schema
        var bytes = PipelinePayloadWriter()
        bytes.putHeader(relabelled)
        bytes.put(count: batches.count)
        for (_, raw) in batches { bytes.append(raw: raw) }
        let reader = #expect(throws: PipelineError.self) {
            _ = try EncryptedHeatRun(envelope: Envelope(kind: .encryptedHeatRun, fingerprint: envelope.fingerprint, payload: bytes.data),
                                     context: keyHolder.context, source: "relabelled.heat")
        }
        #expect(reader?.category.exitCode == 65 && reader?.description.contains("field schema") == true, "\(String(describing: reader))")

        // 5. A period's ciphertexts replaced (the parts no longer add up): not a logged evaluation,
        // so refused before decrypting (review s39 M1); logged beside the genuine run it conflicts
        // with it (below), and the sum check (a consistency check) is exercised directly.
        var swapped = run.periodHeat
        for batch in run.header.batches { swapped[batch]?[0] = try #require(run.heat[batch]) }
        let parts = try EncryptedHeatRun(header: run.header, heat: run.heat, trend: run.trend, periodHeat: swapped, periodTrend: run.periodTrend)
        let unlogged = #expect(throws: PipelineError.self) { _ = try release(parts) }
        #expect(unlogged == .unloggedRun(source: "the run", outputHash: parts.outputHash))
        #expect(seen.vectors == 0, "nothing decrypted")
        #expect(try StoreTestSupport.dump(store.path) == before, "nothing recorded by any refusal")
        // The run itself releases.
        #expect(try release(run).groups?.isEmpty == false)
        // Logged by a dishonest evaluator beside the genuine run (same inputs, another output):
        // both are refused before decrypting (review s40 erase27e M2); the sum check behind the
        // log check still finds the parts do not add up (a consistency check).
        try Self.log(parts, in: store)
        seen.vectors = 0
        let conflicting = #expect(throws: PipelineError.self) { _ = try release(parts) }
        #expect(conflicting?.category.exitCode == 65 && conflicting?.description.contains("same inputs but different output hashes") == true, "\(String(describing: conflicting))")
        #expect(throws: PipelineError.self) { _ = try release(run) }
        #expect(seen.vectors == 0, "nothing decrypted")
        let unbalanced = #expect(throws: PipelineError.self) {
            _ = try keyHolder.decryptPeriods(of: parts, checkedAgainst: keyHolder.decrypt(run: parts, store: store))
        }
        #expect(unbalanced?.category.exitCode == 65 && unbalanced?.description.contains("do not add up") == true, "\(String(describing: unbalanced))")
    }

    /// Whether `total` is a group whose members change inside the window of `split`.
    func isChanging(in split: DirectoryTimeline.Split, _ total: GroupAggregate) -> Bool {
        split.versioned.contains { $0.kind == total.kind && $0.ref == total.ref }
    }

    /// The parameters ``Evaluator/evaluateAndRecord(store:configuration:asOf:)`` logs for a run
    /// with `header` (what a release compares the row with, review s40 erase27e M2).
    static func parameters(of header: EncryptedHeatRun.Header) -> [String: String] {
        var parameters = [
            "asOf": header.asOf.description, "asOfWeek": header.asOfWeek, "fheParameters": header.parameters,
            "packing": header.packing, "configurationHash": header.configurationHash,
            "ciphertextsRead": String(header.ciphertextsRead), "ciphertextsThroughSeq": String(header.ciphertextsThroughSeq),
            "batches": String(header.batches.count), "multiplicativeDepth": String(header.multiplicativeDepth),
            "erasedSlots": String(header.erasedSlots ?? 0),
        ]
        if let version = header.directoryVersion { parameters["directoryVersion"] = version }
        return parameters
    }

    /// Logs `run` as an `evaluate` run's output with its inputs, as a dishonest evaluator that
    /// altered its run before logging it would (through heatctl's own logging, correctly chained).
    @discardableResult
    static func log(_ run: EncryptedHeatRun, in store: HeatStore, inputHash: String? = nil) throws -> Int64 {
        try ComputationLog.record(
            ComputationRun(startedAt: .now(), finishedAt: .now(), kind: "evaluate", inputHash: inputHash ?? run.header.inputHash,
                           outputHash: run.outputHash, parameters: parameters(of: run.header)),
            role: .evaluator, in: store)
    }

    /// The twin's logged pipeline with a key holder that counts the slot vectors it decrypts
    /// (review s40 erase27e D2: the set-up the refusal tests share).
    static func observed(_ twin: Twin) throws -> (p: Twin.Pipeline, store: HeatStore, run: EncryptedHeatRun, seen: Seen, keyHolder: KeyHolder) {
        let p = try twin.pipeline()
        let seen = Seen()
        var keyHolder = p.keyHolder
        keyHolder.slotObserver = { _ in seen.vectors += 1 }
        return (p, twin.encrypted, p.run, seen, keyHolder)
    }

    /// Review s39 erase27d M1 (and L3): swapping two directory periods' parts of every batch keeps
    /// every per-client sum, so the sum check passes; it moved heat between the managers a moved
    /// client belonged to. Such a run is not a logged evaluation: the executive release refuses
    /// it (exit 65, "not a logged evaluation") before decrypting anything. A run merged from
    /// logged shards is a logged evaluation; one whose shards were not all logged is not.
    @Test func aRunWhosePeriodPartsWereSwappedIsNotALoggedEvaluation() throws {
        let twin = try Twin(seed: 5, clients: 60, managers: 3)
        defer { try? FileManager.default.removeItem(at: twin.folder) }
        let (p, store, run, seen, keyHolder) = try Self.observed(twin)
        func release(_ run: EncryptedHeatRun) throws -> ResultsDocument {
            try keyHolder.release(run: run, store: store, configuration: HeatConfiguration(), role: .executive)
        }
        #expect(try release(run).groups?.isEmpty == false)
        seen.vectors = 0
        let before = try StoreTestSupport.dump(store.path)
        let periods = try #require(run.header.periods)
        #expect(periods.count >= 2)
        // Periods 1 and 2 swapped, heat and trend, in every batch (a mover's weeks change sides).
        func swap(_ parts: [Int: [Ciphertext<UInt64>]]) -> [Int: [Ciphertext<UInt64>]] {
            parts.mapValues { var parts = $0; parts.swapAt(0, 1); return parts }
        }
        let swapped = try EncryptedHeatRun(
            header: run.header, heat: run.heat, trend: run.trend, periodHeat: swap(run.periodHeat), periodTrend: swap(run.periodTrend))
        #expect(swapped.outputHash != run.outputHash)
        #expect(try swapped.loggedEvaluation(in: store) == nil && run.loggedEvaluation(in: store) != nil)
        let refused = #expect(throws: PipelineError.self) { _ = try release(swapped) }
        #expect(refused?.category.exitCode == 65 && refused?.description.contains("the run is not a logged evaluation") == true, "\(String(describing: refused))")
        #expect(seen.vectors == 0, "nothing decrypted")
        // The totals `heatctl release --run` takes from the periods check the log too.
        let totals = #expect(throws: PipelineError.self) {
            _ = try keyHolder.weekAttributedAggregates(of: swapped, store: store, configuration: HeatConfiguration(), minGroupSize: 5, source: "swapped.heat")
        }
        #expect(totals == .unloggedRun(source: "swapped.heat", outputHash: swapped.outputHash))
        #expect(seen.vectors == 0, "nothing decrypted")
        #expect(try StoreTestSupport.dump(store.path) == before, "nothing recorded")

        // A run merged from logged shards is a logged evaluation (the last part's number); with a
        // part not logged it is not. (A reference week no whole run was logged for.) A part alone
        // is named as a part (review s40 erase27e L1).
        let asOf = twin.weeks[6].monday.adding(days: 6)
        let part0 = try p.evaluator.evaluateAndRecord(store: store, configuration: HeatConfiguration(), asOf: asOf, shard: EvaluationShard(index: 0, count: 2))
        let part1 = try p.evaluator.evaluateAndRecord(store: store, configuration: HeatConfiguration(), asOf: asOf, shard: EvaluationShard(index: 1, count: 2))
        let merged = try EncryptedHeatRun(envelope: EncryptedHeatRun.merge([part0.run.envelope(), part1.run.envelope()]), context: keyHolder.context, source: "merged.heat")
        #expect(try merged.loggedEvaluation(in: store) == part1.number)
        #expect(try release(merged).groups?.isEmpty == false)
        let partAlone = #expect(throws: PipelineError.self) { _ = try part0.run.loggedEvaluation(in: store, source: "p0.heat") }
        #expect(partAlone == .runIsAPart(source: "p0.heat", shard: "0/2"))
        let unloggedPart = try p.evaluator.evaluate(store: store, configuration: HeatConfiguration(), asOf: twin.weeks[5].monday.adding(days: 6), shard: EvaluationShard(index: 1, count: 2))
        let loggedPart = try p.evaluator.evaluateAndRecord(store: store, configuration: HeatConfiguration(), asOf: twin.weeks[5].monday.adding(days: 6), shard: EvaluationShard(index: 0, count: 2))
        let half = try EncryptedHeatRun(envelope: EncryptedHeatRun.merge([loggedPart.run.envelope(), unloggedPart.envelope()]), context: keyHolder.context, source: "half.heat")
        #expect(try half.loggedEvaluation(in: store) == nil)

        // Review s40 erase27e M2 (1): a correctly chained row with the swapped run's output hash
        // but another input hash is not the run's evaluation: refused before decrypting.
        seen.vectors = 0
        try Self.log(swapped, in: store, inputHash: String(repeating: "0", count: 64))
        #expect(try swapped.loggedEvaluation(in: store) == nil)
        #expect(throws: PipelineError.unloggedRun(source: "the run", outputHash: swapped.outputHash)) { _ = try release(swapped) }
        // Its inputs but a parameter of another run (the ciphertexts read through another row).
        var other = Self.parameters(of: swapped.header)
        other["ciphertextsThroughSeq"] = String(swapped.header.ciphertextsThroughSeq - 1)
        try ComputationLog.record(
            ComputationRun(startedAt: .now(), finishedAt: .now(), kind: "evaluate", inputHash: swapped.header.inputHash,
                           outputHash: swapped.outputHash, parameters: other),
            role: .evaluator, in: store)
        #expect(try swapped.loggedEvaluation(in: store) == nil)
        #expect(seen.vectors == 0, "nothing decrypted")

        // (2) Rows inserted outside heatctl (on a copy of the store): the review's raw row (zero
        // prev_hash and row_hash, no input hash, no parameters) is no evaluation of the run; one
        // with the run's inputs breaks the chain and is refused as such, nothing decrypted.
        let copyPath = twin.folder.appending(path: "raw.db").path
        try StoreTestSupport.attacker(store.path).writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [copyPath]) }
        let copy = try HeatStore(path: copyPath)
        func insertRaw(inputHash: String?, parameters: [String: String]) throws {
            let json = String(decoding: try JSONEncoder().encode(parameters), as: UTF8.self)
            try StoreTestSupport.attacker(copyPath).write { db in
                let next = (try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM computation_runs") ?? 0) + 1
                try db.execute(sql: """
                    INSERT INTO computation_runs (seq, started_at, finished_at, kind, input_hash, output_hash, parameters, prev_hash, row_hash)
                    VALUES (?, '2026-03-02T00:00:00Z', '2026-03-02T00:00:01Z', 'evaluate', ?, ?, ?, ?, ?)
                    """, arguments: [next, inputHash, swapped.outputHash, json, Data(count: 32), Data(count: 32)])
            }
        }
        try insertRaw(inputHash: nil, parameters: [:])
        #expect(try swapped.loggedEvaluation(in: copy) == nil)
        try insertRaw(inputHash: swapped.header.inputHash, parameters: Self.parameters(of: swapped.header))
        let broken = #expect(throws: PipelineError.self) { _ = try swapped.loggedEvaluation(in: copy, source: "swap.heat") }
        #expect(broken?.category.exitCode == 65 && broken?.description.contains("computation log does not verify") == true, "\(String(describing: broken))")
        let copyBefore = try StoreTestSupport.dump(copyPath)
        #expect(throws: PipelineError.self) {
            _ = try keyHolder.release(run: swapped, store: copy, configuration: HeatConfiguration(), role: .executive)
        }
        #expect(seen.vectors == 0, "nothing decrypted")
        #expect(try StoreTestSupport.dump(copyPath) == copyBefore, "nothing recorded")

        // What the binding cannot stop: a dishonest evaluator who logs only an altered run, with
        // its inputs and a valid chain, in the unsigned tail (an auditor's re-run finds it). The
        // swap moves heat between the moved client's managers only; every group that does not
        // change inside the window keeps the plaintext twin's total (review s39 L3).
        let earlier = try p.evaluator.evaluate(store: store, configuration: HeatConfiguration(), asOf: twin.weeks[4].monday.adding(days: 6))
        let earlierReference = try ISOWeek(parsing: earlier.header.asOfWeek)
        #expect(try #require(earlier.header.periods, "the first moves cut the earlier window too").count >= 2)
        let swappedEarlier = try EncryptedHeatRun(
            header: earlier.header, heat: earlier.heat, trend: earlier.trend, periodHeat: swap(earlier.periodHeat), periodTrend: swap(earlier.periodTrend))
        try Self.log(swappedEarlier, in: store)
        let moved = try #require(try release(swappedEarlier).groups)
        let plain = try twin.plaintextTotals(reference: earlierReference, k: 5)
        let split = try DirectoryTimeline.current(in: store).split(
            first: earlierReference.advanced(by: -(Evaluator.windowSpan(HeatConfiguration()) - 1)), last: earlierReference)
        var differing = 0
        for group in moved {
            let key = "\(group.kind.rawValue) \(group.ref)"
            let total = try #require(plain[key], "\(key)")
            let same = group.clients == total.clients && group.meanHeat == Double(total.heatSum) / Double(total.clients)
            if split.versioned.contains(where: { $0.kind == group.kind && $0.ref == group.ref }) {
                if !same { differing += 1 }
            } else {
                #expect(same, "\(key): a group that does not change is unaffected")
            }
        }
        #expect(differing >= 1, "the swap changes a changing group's total")

        // (3) A dishonest evaluator who logs the swapped run beside the genuine one (same inputs,
        // another output; evaluation is deterministic): both refused before decrypting.
        try Self.log(swapped, in: store)
        seen.vectors = 0
        let conflict = #expect(throws: PipelineError.self) { _ = try release(swapped) }
        #expect(conflict?.category.exitCode == 65 && conflict?.description.contains("same inputs but different output hashes") == true, "\(String(describing: conflict))")
        let genuineToo = #expect(throws: PipelineError.self) { _ = try release(run) }
        #expect(genuineToo?.description.contains("same inputs but different output hashes") == true, "\(String(describing: genuineToo))")
        #expect(seen.vectors == 0, "nothing decrypted")
    }

    /// Review s42 agg27f L5: a log row binds the erased-slot count too (a row with another count
    /// is not the run's); a row logged before session 41 (no directory version, no erased slots)
    /// is named as such, "re-run `heatctl evaluate`"; and a row broken after the run's own row
    /// (inserted outside heatctl) does not touch the run.
    @Test func aLogRowBindsTheErasedSlotsAndOlderOrLaterRowsAreTold() throws {
        let twin = try Twin(seed: 5, clients: 60, managers: 3)
        defer { try? FileManager.default.removeItem(at: twin.folder) }
        let (p, store, run, _, _) = try Self.observed(twin)
        #expect(try run.loggedEvaluation(in: store) != nil)
        let older = try p.evaluator.evaluate(store: store, configuration: HeatConfiguration(), asOf: twin.weeks[3].monday.adding(days: 6))
        @discardableResult
        func record(_ parameters: [String: String]) throws -> Int64 {
            try ComputationLog.record(
                ComputationRun(startedAt: .now(), finishedAt: .now(), kind: "evaluate", inputHash: older.header.inputHash,
                               outputHash: older.outputHash, parameters: parameters),
                role: .evaluator, in: store)
        }
        var logged = Self.parameters(of: older.header)
        logged["erasedSlots"] = String((older.header.erasedSlots ?? 0) + 1)
        try record(logged)
        #expect(try older.loggedEvaluation(in: store) == nil, "a row with another erased-slot count is not the run's")
        logged["erasedSlots"] = nil
        logged["directoryVersion"] = nil
        let legacy = try record(logged)
        #expect(throws: PipelineError.runLoggedWithoutInputs(source: "older.heat", run: legacy)) {
            _ = try older.loggedEvaluation(in: store, source: "older.heat")
        }

        // On a copy: a raw row (zero hashes) appended after every row.
        let copyPath = twin.folder.appending(path: "broken-after.db").path
        try StoreTestSupport.attacker(store.path).writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [copyPath]) }
        try StoreTestSupport.attacker(copyPath).write { db in
            let next = (try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM computation_runs") ?? 0) + 1
            try db.execute(sql: """
                INSERT INTO computation_runs (seq, started_at, finished_at, kind, input_hash, output_hash, parameters, prev_hash, row_hash)
                VALUES (?, '2026-03-02T00:00:00Z', '2026-03-02T00:00:01Z', 'evaluate', NULL, ?, '{}', ?, ?)
                """, arguments: [next, String(repeating: "0", count: 64), Data(count: 32), Data(count: 32)])
        }
        let copy = try HeatStore(path: copyPath)
        #expect(try run.loggedEvaluation(in: copy) != nil, "a row broken after the run's own does not touch it")
    }

    /// Review s38 erase27c LOW 5: a kind whose groups are identical to another kind's at the
    /// reference week is noted as its duplicate (and left out) only when neither kind changes
    /// inside the window: a changing branch and its manager twin have different totals.
    @Test func aChangingKindIsNeverNotedAsADuplicate() {
        let memberships: [GroupSummary.Kind: [String?]] = [
            .manager: ["M-1", "M-1", "M-2", "M-2"], .branch: ["B-1", "B-1", "B-2", "B-2"], .segment: ["retail", "retail", "sme", "private"],
        ]
        #expect(PipelineRelease.duplicateKinds(memberships, changingKinds: []) == [GroupDuplicate(kind: .branch, sameAs: .manager)])
        #expect(PipelineRelease.duplicateKinds(memberships, changingKinds: [.branch]).isEmpty)
        #expect(PipelineRelease.duplicateKinds(memberships, changingKinds: [.manager]).isEmpty)
        #expect(PipelineRelease.duplicateKinds(memberships, changingKinds: [.segment]) == [GroupDuplicate(kind: .branch, sameAs: .manager)])
    }
}

/// Review s39 erase27d M1/M2 through the built `heatctl`: `release --run` of a run carrying its
/// directory periods releases every group exactly as `release` on the plaintext twin store
/// (week-attributed totals, no `--aggregates`); a run whose periods' parts were swapped is not a
/// logged evaluation: exit 65 naming the file, nothing written.
@Suite(.serialized, .enabled(if: BuiltHeatctl.url != nil, "heatctl is not built"))
struct ExecutiveReleaseAttributionCLITests {
    typealias Twin = VersionedPlaintextReleaseTests.Twin

    @Test func releaseRunAttributesByPeriodLikeThePlaintextTwinAndRefusesAnUnloggedRun() throws {
        let twin = try Twin(seed: 5, clients: 60, managers: 3)
        defer { try? FileManager.default.removeItem(at: twin.folder) }
        let p = try twin.pipeline()
        #expect(p.run.header.periods != nil)
        func path(_ name: String) -> String { twin.folder.appending(path: name).path }
        try p.run.envelope().write(to: URL(filePath: path("run.heat")))
        func release(_ store: HeatStore, _ extra: [String], out: String) throws -> BuiltHeatctl.Outcome {
            try BuiltHeatctl.run(["release", "--store", store.path, "--keys", "\(twin.keys)/keyholder", "--role", "executive",
                                  "--section", "groups", "--out", out] + extra)
        }
        let encrypted = try release(twin.encrypted, ["--run", path("run.heat")], out: path("encrypted.json"))
        #expect(encrypted.status == 0, "\(encrypted.stderr)")
        let plain = try release(twin.plain, [], out: path("plain.json"))
        #expect(plain.status == 0, "\(plain.stderr)")
        let fromRun = try #require(try ResultsDocument.decode(Data(contentsOf: URL(filePath: path("encrypted.json")))).groups)
        let fromPlain = try #require(try ResultsDocument.decode(Data(contentsOf: URL(filePath: path("plain.json")))).groups)
        #expect(fromRun == fromPlain, "every group equals the plaintext twin's")
        let managerB = twin.ref(try #require(twin.moves.first?.manager), .manager)
        #expect(fromRun.contains { $0.kind == .manager && $0.ref == managerB }, "the moved-to manager is released")

        // Periods 1 and 2 swapped in every batch: every per-client sum holds, the hash does not.
        func swap(_ parts: [Int: [Ciphertext<UInt64>]]) -> [Int: [Ciphertext<UInt64>]] {
            parts.mapValues { var parts = $0; parts.swapAt(0, 1); return parts }
        }
        let swapped = try EncryptedHeatRun(
            header: p.run.header, heat: p.run.heat, trend: p.run.trend, periodHeat: swap(p.run.periodHeat), periodTrend: swap(p.run.periodTrend))
        try swapped.envelope().write(to: URL(filePath: path("swapped.heat")))
        let before = try StoreTestSupport.dump(twin.encrypted.path)
        let refused = try release(twin.encrypted, ["--run", path("swapped.heat")], out: path("swapped.json"))
        #expect(refused.status == 65, "\(refused.stderr)")
        #expect(refused.stderr.contains("the run is not a logged evaluation") && refused.stderr.contains(path("swapped.heat")), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: path("swapped.json")), "nothing written")
        // Every role: a manager's own clients (masked, no group totals) from the swapped file too.
        let managerRelease = try BuiltHeatctl.run(["release", "--store", twin.encrypted.path, "--keys", "\(twin.keys)/keyholder", "--role", "manager",
                                                   "--manager", managerB, "--run", path("swapped.heat"), "--out", path("swapped.json")])
        #expect(managerRelease.status == 65 && managerRelease.stderr.contains("the run is not a logged evaluation"), "\(managerRelease.stderr)")
        #expect(!FileManager.default.fileExists(atPath: path("swapped.json")), "nothing written")
        #expect(try StoreTestSupport.dump(twin.encrypted.path) == before, "nothing recorded")
        // The genuine file releases to the manager.
        let genuineManager = try BuiltHeatctl.run(["release", "--store", twin.encrypted.path, "--keys", "\(twin.keys)/keyholder", "--role", "manager",
                                                   "--manager", managerB, "--run", path("run.heat"), "--out", path("manager.json")])
        #expect(genuineManager.status == 0, "\(genuineManager.stderr)")
    }
}
