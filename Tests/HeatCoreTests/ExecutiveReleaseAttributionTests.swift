import Foundation
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

    /// Evaluates the encrypted store through `asOf` (default: its latest week).
    func pipeline(asOf: CalendarDate? = nil) throws -> Pipeline {
        let evaluatorFolder = try KeyFolder(path: "\(keys)/evaluator", role: .evaluator)
        let evaluator = try Evaluator(folder: evaluatorFolder)
        let keyHolder = try KeyHolder(keysAt: "\(keys)/keyholder")
        let run = try evaluator.evaluate(store: encrypted, configuration: HeatConfiguration(), asOf: asOf)
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
        let early = try p.evaluator.evaluate(store: store, configuration: HeatConfiguration(), asOf: twin.weeks[2].monday.adding(days: 6))
        #expect(early.header.periods == nil && early.header.schema == EncryptedHeatRun.schema && early.periodHeat.isEmpty)
        #expect(try p.keyHolder.release(run: early, store: store, configuration: HeatConfiguration(), role: .executive).groups?.isEmpty == false)
    }

    @Test func runsWhosePeriodsAreNotTheDirectorysAreRefusedBeforeDecrypting() throws {
        let twin = try Twin(seed: 2027, clients: 48, managers: 4)
        defer { try? FileManager.default.removeItem(at: twin.folder) }
        let p = try twin.pipeline()
        let store = twin.encrypted
        let run = p.run
        let seen = Seen()
        var keyHolder = p.keyHolder
        keyHolder.slotObserver = { _ in seen.vectors += 1 }
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

        // 5. A period's ciphertexts replaced (the parts no longer add up): exit 65 after decryption.
        var swapped = run.periodHeat
        for batch in run.header.batches { swapped[batch]?[0] = try #require(run.heat[batch]) }
        let parts = try EncryptedHeatRun(header: run.header, heat: run.heat, trend: run.trend, periodHeat: swapped, periodTrend: run.periodTrend)
        let unbalanced = #expect(throws: PipelineError.self) { _ = try release(parts) }
        #expect(unbalanced?.category.exitCode == 65 && unbalanced?.description.contains("do not add up") == true, "\(String(describing: unbalanced))")
        #expect(try StoreTestSupport.dump(store.path) == before, "nothing recorded by any refusal")

        // The run itself releases.
        #expect(try release(run).groups?.isEmpty == false)
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
