import Foundation
import GRDB
import HeatEnvelope
import HeatFHE
import Testing
@testable import HeatCore

/// Streaming (issue 14 item 3): the collector and the evaluator hold a bounded number of slot
/// batches whatever the size of the export or the store, and what they produce does not depend
/// on that bound: the rows appended, and the run's bytes, which equal the unstreamed evaluation's.
@Suite(.serialized) struct StreamingPipelineTests {
    static let preset = "n8192-logq217-logt25"
    static let batches = 5
    static let reference = ISOWeek(containing: CalendarDate(daysSinceEpoch: 20_520))
    static let weeks = [reference.advanced(by: -2), reference.advanced(by: -1), reference]

    /// Keys of the encrypted pipeline and an empty store.
    struct Fixture {
        var folder: URL
        var keys: String

        init() throws {
            folder = try StoreTestSupport.temporaryDirectory()
            keys = folder.appending(path: "keys").path
            _ = try KeyFolder.generate(at: keys)
            _ = try PipelineKeys.generate(at: keys, preset: StreamingPipelineTests.preset)
        }

        func store(_ name: String) throws -> HeatStore {
            try HeatStore.initialize(path: folder.appending(path: name).path).store
        }

        func collector() throws -> Collector { try Collector(folder: KeyFolder(path: "\(keys)/collector", role: .collector)) }
        func evaluator() throws -> Evaluator { try Evaluator(keysAt: "\(keys)/evaluator") }
        func keyHolder() throws -> KeyHolder { try KeyHolder(keysAt: "\(keys)/keyholder") }
    }

    /// Three clients in each of five slot batches, active in three weeks (15 week x batch items).
    static func buckets(degree: Int) -> [IngestedBucket] {
        var out: [IngestedBucket] = []
        for batch in 0..<batches {
            for client in 0..<3 {
                for (index, week) in weeks.enumerated() {
                    out.append(IngestedBucket(
                        slot: Int64(batch * degree + client * 1000 + batch), week: week, channel: client == 1 ? .email : .call,
                        direction: .inbound, events: Int64(1 + (batch + client + index) % 5),
                        durationSeconds: client == 1 ? 0 : Int64(60 * (1 + batch + index)), replies: Int64(index % 2)))
                }
            }
        }
        return out.sorted { ($0.slot, $0.week) < ($1.slot, $1.week) }
    }

    /// The evaluation as it was before streaming: every ciphertext row decoded and summed per
    /// batch and week in one pass over the whole store, then heat and trend per batch.
    static func unstreamedRun(
        _ store: HeatStore, context: BfvContext<UInt64>, configuration: HeatConfiguration
    ) throws -> (heat: [Int: Ciphertext<UInt64>], trend: [Int: Ciphertext<UInt64>]) {
        var weekly: [Int: [ISOWeek: Ciphertext<UInt64>]] = [:]
        try store.read { db in
            for row in try Row.fetchAll(db, sql: "SELECT week, batch, packing, ciphertext FROM ciphertexts ORDER BY seq") {
                let packing: String = row["packing"]
                guard packing == HeatPacking.weeklyScore else { continue }
                let week = try ISOWeek(parsing: row["week"] as String)
                let batch: Int = row["batch"]
                let ciphertext = try Evaluator.storedCiphertext(row["ciphertext"] as Data, context: context, source: "test")
                if var sum = weekly[batch]?[week] {
                    Bfv64.add(&sum, ciphertext)
                    weekly[batch]?[week] = sum
                } else {
                    weekly[batch, default: [:]][week] = ciphertext
                }
            }
        }
        var heat: [Int: Ciphertext<UInt64>] = [:]
        var trend: [Int: Ciphertext<UInt64>] = [:]
        let decay = configuration.decayFactors
        for (batch, weeks) in weekly {
            var h = try Evaluator.zero(context: context, signedness: .unsigned)
            var t = try Evaluator.zero(context: context, signedness: .signed)
            for (week, sum) in weeks.sorted(by: { $0.key < $1.key }) {
                let age = week.distance(to: reference)
                guard age >= 0, age < decay.count else { continue }
                Bfv64.multiplyAdd(&h, sum, by: Int64(decay[age]))
                if age < configuration.trendWeeks {
                    Bfv64.multiplyAdd(&t, sum, by: Int64(configuration.decayScale))
                } else if age < 2 * configuration.trendWeeks {
                    Bfv64.multiplyAdd(&t, sum, by: -Int64(configuration.decayScale))
                }
            }
            heat[batch] = h
            trend[batch] = t
        }
        return (heat, trend)
    }

    static func bytes(_ ciphertext: Ciphertext<UInt64>?) -> Data? { ciphertext.map { Bfv64.envelope(of: $0).serialized() } }

    /// The collector prepares, encrypts and appends at most `batchesInFlight` (week, batch)
    /// items at once, and the rows it appends (their order, weeks, batches, packings and
    /// plaintexts) are those of an unbounded chunk.
    @Test func theCollectorHoldsABoundedNumberOfBatches() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        var collector = try fixture.collector()
        let buckets = Self.buckets(degree: collector.slotsPerBatch)
        let items = Self.batches * Self.weeks.count
        typealias Stored = (week: String, batch: Int, packing: String, values: [Int64])
        var rows: [[Stored]] = []
        let keyHolder = try fixture.keyHolder()
        for (name, bound) in [("bounded.db", 3), ("unbounded.db", 1000)] {
            let store = try fixture.store(name)
            let probe = InFlightProbe()
            collector.batchesInFlight = bound
            collector.batchProbe = probe
            let result = try store.write { db in try collector.append(buckets, run: 1, in: db) }
            #expect(result.ciphertexts == items)
            #expect(probe.total == items && probe.current == 0)
            #expect(probe.maximum == min(bound, items), "at most \(bound) items held at once, \(probe.maximum) seen")
            rows.append(try store.read { db -> [Stored] in
                try Row.fetchAll(db, sql: "SELECT week, batch, packing, ciphertext FROM ciphertexts ORDER BY seq").map { row -> Stored in
                    let ciphertext = try Evaluator.storedCiphertext(row["ciphertext"] as Data, context: collector.context, source: name)
                    return (row["week"] as String, row["batch"] as Int, row["packing"] as String,
                            try keyHolder.decryptSlots(ciphertext, mask: nil, signed: true))
                }
            })
        }
        #expect(rows[0].count == items && rows[1].count == items)
        for (a, b) in zip(rows[0], rows[1]) {
            #expect(a.week == b.week && a.batch == b.batch && a.packing == b.packing && a.values == b.values)
        }
    }

    /// The evaluator decodes and evaluates at most `batchesInFlight` batches at once; the run's
    /// bytes (two deltas in some weeks) are the same for every bound and equal the unstreamed evaluation's, sharded parts
    /// evaluated one batch at a time merge to them, and the decrypted heat is the plaintext heat.
    @Test func theEvaluatorHoldsABoundedNumberOfBatchesAndItsBytesDoNotDependOnIt() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let collector = try fixture.collector()
        let n = collector.slotsPerBatch
        // A second run adds late events to the reference week of batches 1 and 3 (new clients),
        // so those weeks are sums of two deltas.
        let late = [1, 3].map { batch in
            IngestedBucket(slot: Int64(batch * n + 3000), week: Self.reference, channel: .meeting, direction: .outbound,
                           events: 2, durationSeconds: 1800, replies: 0)
        }
        let buckets = Self.buckets(degree: n) + late
        let store = try fixture.store("heat.db")
        _ = try store.write { db in try collector.append(Self.buckets(degree: n), run: 1, in: db) }
        _ = try store.write { db in try collector.append(late, run: 2, in: db) }
        let configuration = HeatConfiguration()
        var evaluator = try fixture.evaluator()
        var envelopes: [Data] = []
        for bound in [1, 2, 100] {
            let probe = InFlightProbe()
            evaluator.batchesInFlight = bound
            evaluator.batchProbe = probe
            let run = try evaluator.evaluate(store: store, configuration: configuration)
            #expect(run.header.batches == Array(0..<Self.batches))
            #expect(probe.total == Self.batches && probe.current == 0)
            #expect(probe.maximum == min(bound, Self.batches), "at most \(bound) batches held at once, \(probe.maximum) seen")
            envelopes.append(run.envelope().serialized())
            if bound == 2 {
                let reference = try Self.unstreamedRun(store, context: evaluator.context, configuration: configuration)
                for batch in 0..<Self.batches {
                    #expect(Self.bytes(run.heat[batch]) == Self.bytes(reference.heat[batch]), "batch \(batch) heat")
                    #expect(Self.bytes(run.trend[batch]) == Self.bytes(reference.trend[batch]), "batch \(batch) trend")
                }
                // Exact: the decrypted heat of every client is the plaintext heat.
                let keyHolder = try fixture.keyHolder()
                let scorer = HeatScorer(configuration: configuration)
                var expected: [Int64: Int] = [:]
                for bucket in buckets {
                    var activity = WeekActivity()
                    activity[bucket.channel, bucket.direction] = ActivityBucket(
                        count: Int(bucket.events), durationSeconds: Int(bucket.durationSeconds), replies: Int(bucket.replies))
                    expected[bucket.slot, default: 0] += configuration.decayFactors[bucket.week.distance(to: Self.reference)] * scorer.weeklyScore(activity)
                }
                for batch in 0..<Self.batches {
                    let slots = try keyHolder.decryptSlots(try #require(run.heat[batch]), mask: nil, signed: false)
                    for (slot, heat) in expected where Int(slot) / n == batch {
                        #expect(slots[Int(slot) % n] == Int64(heat), "slot \(slot)")
                    }
                }
            }
        }
        #expect(envelopes[0] == envelopes[1] && envelopes[1] == envelopes[2], "the run's bytes do not depend on the bound")
        evaluator.batchesInFlight = 1
        var parts: [Envelope] = []
        for index in 0..<2 {
            let shard = try #require(EvaluationShard(index: index, count: 2))
            parts.append(try evaluator.evaluate(store: store, configuration: configuration, shard: shard).envelope())
        }
        #expect(try EncryptedHeatRun.merge(parts).serialized() == envelopes[0], "sharded parts merge to the unsharded bytes")
    }

    /// Storage-side modulus switching is not sound for the aggregates (issue 14 item 3): a
    /// stored ciphertext switched down one prime keeps about its invariant noise, but the flood
    /// that must hide the aggregates' computed noise by 40 bits loses the dropped prime's 62 bits,
    /// and at the shape (100,000 clients, 1,000 managers, 52 weeks) the top level keeps
    /// fewer than 40 + 62 bits of margin. (The heat run is not switched for the same reason: the
    /// aggregates are computed from it.)
    @Test func storingCiphertextsOneLevelDownWouldBreakTheAggregatesMargin() throws {
        let parameters = try BfvParameters(preset: "n16384-logq248-logt41")
        let bound = BfvNoiseBound(parameters: parameters)
        let top = bound.topLevel
        let fresh = bound.freshPublicKeyEncryption
        let switched = bound.switchingDown(fresh, from: top, to: top - 1)
        // Every term of the computed noise (the run's fresh ciphertexts, the key switches) is at
        // least `shrink` times its top-level value one level down; the composition is linear.
        let shrink = min(switched / fresh, bound.keySwitch(level: top - 1) / bound.keySwitch(level: top), 1)
        #expect(shrink > 0.5, "one level down, the noise terms stay within a factor 2")
        let lost = bound.floodingBits() - bound.floodingBits(level: top - 1)
        #expect(lost == 62, "the flood loses the dropped prime's bits")
        var entries: [ClientDirectoryEntry] = []
        var next: Int64 = 0
        for manager in 0..<1000 {
            let block = SlotLayout.place(count: 100, at: next)
            for client in 0..<100 {
                entries.append(ClientDirectoryEntry(
                    ref: "C\(manager)-\(client)", pseudonym: "", slot: block.start + Int64(client), manager: "M\(manager)",
                    branch: "B\(manager / 50)", segment: "S\(client % 5)", region: "R\(manager / 250)", openedOn: nil, events: 1, lastWeek: nil))
            }
            next = block.end
        }
        let plan = Evaluator.aggregatePlan(entries: entries, degree: parameters.degree, minGroupSize: 5)
        var deltas: [Int: [ISOWeek: Int]] = [:]
        for batch in Set(entries.map { Int($0.slot) / parameters.degree }) {
            for age in 0..<52 { deltas[batch, default: [:]][Self.reference.advanced(by: -age)] = 1 }
        }
        let noise = Evaluator.runNoise(deltas: deltas, configuration: HeatConfiguration(), referenceWeek: Self.reference, bound: bound)
        let budget = Evaluator.aggregateNoise(plan: plan, runNoise: noise, parameters: parameters) { _ in 1 }
        let required = Double(AggregateNoiseBudget.requiredMarginBits)
        #expect(budget.marginBits >= required, "the top level keeps the margin: \(budget.marginBits) bits")
        let oneLevelDown = budget.marginBits - Double(lost) - Foundation.log2(shrink)
        #expect(oneLevelDown < required, "one level down at most \(oneLevelDown) bits, under \(required)")
    }
}
