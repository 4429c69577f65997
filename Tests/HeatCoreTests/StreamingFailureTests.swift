import Crypto
import Foundation
import GRDB
import HeatEnvelope
import HeatFHE
import Testing
@testable import HeatCore

/// Streaming failures (issue 14, the remaining streaming items): a bad ciphertext in the middle
/// of the store, a cancelled task, a failure in the middle of an ingestion, and the ingestor's
/// totals spilled to sealed runs. In every failure nothing is written or logged: the store's
/// contents are the same before and after, row for row.
@Suite(.serialized) struct StreamingFailureTests {
    typealias Fixture = StreamingPipelineTests.Fixture

    /// A digest of every row of every table of the store (schema tables included), in a fixed
    /// order: equal digests mean nothing was written.
    static func digest(_ store: HeatStore) throws -> String {
        try store.read { db in
            var hash = SHA256()
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            for table in tables {
                let rows = try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"").map(\.description).sorted()
                hash.update(data: Array("\(table):\(rows.count)\n".utf8))
                for row in rows { hash.update(data: Array(row.utf8)) }
            }
            return Hex.encode(hash.finalize())
        }
    }

    /// A store with the streaming tests' five slot batches, then one more row for `badBatch` in
    /// the reference week whose blob is `blob` (its metadata and chain hash are valid).
    static func storeWithBadRow(_ fixture: Fixture, blob: [UInt8], badBatch: Int) throws -> (store: HeatStore, seq: Int64) {
        let collector = try fixture.collector()
        let store = try fixture.store("bad-\(UUID().uuidString).db")
        _ = try store.write { db in try collector.append(StreamingPipelineTests.buckets(degree: collector.slotsPerBatch), run: 1, in: db) }
        let seq = try store.write { db -> Int64 in
            let rows = try ChainAppender(db, table: .ciphertexts)
            return try rows.append([
                .integer(1), .text(StreamingPipelineTests.reference.description), .integer(Int64(badBatch)),
                .text(HeatPacking.weeklyScore), .text(HeatPacking.packingHash(of: collector.configuration)),
                .text(collector.context.fingerprint.hex), .blob(blob),
            ]).seq
        }
        return (store, seq)
    }

    /// A ciphertext row in batch 2 of 5 that is corrupt, or made for other parameters, fails the
    /// streaming evaluation (one batch per window) after the earlier windows were evaluated, with
    /// a data error (exit 65) naming the row; nothing is logged, and the CLI writes no run file.
    @Test func aBadCiphertextInTheMiddleOfTheStoreFailsNamingItsRowAndWritesNothing() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        // A real ciphertext under other parameters (another preset's keys).
        let otherKeys = fixture.folder.appending(path: "other").path
        _ = try KeyFolder.generate(at: otherKeys)
        _ = try PipelineKeys.generate(at: otherKeys, preset: "n8192-logq217-logt41")
        let other = try Collector(folder: KeyFolder(path: "\(otherKeys)/collector", role: .collector))
        var random = SecureRandom()
        let foreign = [UInt8](Bfv64.envelope(of: try Bfv64.encrypt(
            signed: [Int64](repeating: 1, count: other.slotsPerBatch), encryptor: BfvEncryptor(publicKey: other.publicKey),
            using: &random)).serialized())
        let collector = try fixture.collector()
        let good = try Self.oneBlob(fixture, collector: collector)
        let corrupt = Array(good.prefix(good.count / 2)) + [UInt8](repeating: 0x5A, count: 64)
        for (name, blob) in [("corrupt", corrupt), ("wrong fingerprint", foreign)] {
            let (store, seq) = try Self.storeWithBadRow(fixture, blob: blob, badBatch: 2)
            let before = try Self.digest(store)
            var evaluator = try fixture.evaluator()
            let probe = InFlightProbe()
            evaluator.batchesInFlight = 1
            evaluator.batchProbe = probe
            do {
                _ = try evaluator.evaluateAndRecord(store: store, configuration: HeatConfiguration())
                Issue.record("\(name): the evaluation of a store with a bad row must fail")
            } catch let error as PipelineError {
                #expect(error.category == .dataError, "\(name): \(error)")
                #expect(error.description.contains("ciphertexts row \(seq)"), "\(name): the error names the row: \(error)")
            }
            // Batches 0 and 1 were evaluated (and dropped) before batch 2's bad row was read.
            #expect(probe.total == 3, "\(name): the failure came in the third window, \(probe.total) batches entered")
            #expect(probe.current <= 1)
            #expect(try Self.digest(store) == before, "\(name): nothing written or logged")
            if BuiltHeatctl.url != nil {
                let out = fixture.folder.appending(path: "run-\(name.count).heat")
                let outcome = try BuiltHeatctl.run([
                    "evaluate", "--store", store.path, "--keys", "\(fixture.keys)/evaluator", "--out", out.path,
                ])
                #expect(outcome.status == 65, "\(name): \(outcome.stderr)")
                #expect(outcome.stderr.contains("ciphertexts row \(seq)"), "\(name): \(outcome.stderr)")
                #expect(!FileManager.default.fileExists(atPath: out.path), "\(name): no run file")
                #expect(try Self.digest(store) == before, "\(name): the CLI logged nothing")
            }
        }
    }

    /// One valid stored ciphertext blob (to corrupt).
    static func oneBlob(_ fixture: Fixture, collector: Collector) throws -> Data {
        let store = try fixture.store("one.db")
        _ = try store.write { db in try collector.append(StreamingPipelineTests.buckets(degree: collector.slotsPerBatch), run: 1, in: db) }
        return try #require(try store.read { db in try Data.fetchOne(db, sql: "SELECT ciphertext FROM ciphertexts LIMIT 1") })
    }

    /// A task cancelled while the evaluation holds its first window stops before the second:
    /// ``PipelineError/cancelled(stage:done:total:)`` (exit 75), one batch entered of five, and
    /// nothing logged. The same evaluation uncancelled succeeds and logs once.
    @Test func aCancelledEvaluationStopsBetweenWindowsAndWritesNothing() async throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let collector = try fixture.collector()
        let store = try fixture.store("cancel.db")
        _ = try store.write { db in try collector.append(StreamingPipelineTests.buckets(degree: collector.slotsPerBatch), run: 1, in: db) }
        let before = try Self.digest(store)
        var evaluator = try fixture.evaluator()
        evaluator.batchesInFlight = 1
        let probe = InFlightProbe { entered in
            if entered == 1 { withUnsafeCurrentTask { $0?.cancel() } }
        }
        evaluator.batchProbe = probe
        let cancelled = evaluator
        let result = await Task { try cancelled.evaluateAndRecord(store: store, configuration: HeatConfiguration()) }.result
        switch result {
        case .success:
            Issue.record("a cancelled evaluation must not finish")
        case .failure(let error):
            #expect(error as? PipelineError == .cancelled(stage: "heat evaluation", done: 1, total: StreamingPipelineTests.batches), "\(error)")
            #expect((error as? PipelineError)?.category.exitCode == 75)
        }
        #expect(probe.total == 1, "stopped after the first window: \(probe.total) batches entered")
        #expect(try Self.digest(store) == before, "nothing written or logged")
        evaluator.batchProbe = nil
        let plain = evaluator
        let (run, number) = try await Task { try plain.evaluateAndRecord(store: store, configuration: HeatConfiguration()) }.value
        #expect(run.header.batches.count == StreamingPipelineTests.batches && number == 1)
    }

    /// A small bank for the ingestion tests (one slot batch, several weeks).
    static let bank = SyntheticBank(clients: 30, managers: 3, branches: 2, weeks: 8, seed: 5).generate()
    static func source(_ name: String) -> StoreIngestor.Source { .init(name: name, inputHash: String(repeating: "0", count: 64)) }

    /// A failure in the middle of an encrypted ingestion (the third (week, batch) group, after two
    /// chunks of one were encrypted and appended, with the totals spilled to sealed runs)
    /// and a cancellation after the first chunk both leave the store as it was: one transaction.
    /// The same ingestion then succeeds.
    @Test func aFailureOrCancellationInTheMiddleOfAnIngestionLeavesTheStoreAsItWas() async throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let store = try fixture.store("ingest.db")
        let dataset = Self.bank
        var collector = try fixture.collector()
        collector.batchesInFlight = 1
        // A first ingestion, so the store is not empty and the sealed states exist.
        let half = Array(dataset.interactions.prefix(dataset.interactions.count / 2))
        _ = try collector.ingestor().ingest(half, clients: dataset.clients, into: store, source: Self.source("half.csv"))
        let before = try Self.digest(store)

        struct Injected: Error {}
        collector.batchProbe = InFlightProbe { entered in if entered == 3 { throw Injected() } }
        var failing = collector.ingestor()
        failing.totalsInMemory = 16
        // Review s34 MEDIUM 3: prove that the totals did spill (more than the limit were held in
        // all, in more than one sealed run) before the failure.
        let totals = InFlightProbe()
        failing.totalsProbe = totals
        let tap = SpillTap()
        failing.spillTap = tap
        #expect(throws: Injected.self) {
            _ = try failing.ingest(dataset.interactions, clients: [], into: store, source: Self.source("all.csv"))
        }
        #expect(totals.total > 16 && totals.maximum <= 16, "\(totals.total) totals, at most \(totals.maximum) in memory")
        #expect(tap.runs > 1, "the totals were spilled in \(tap.runs) sealed runs")
        #expect(try Self.digest(store) == before, "a failure mid-ingest leaves the store as it was")

        let probe = InFlightProbe { entered in
            if entered == 2 { withUnsafeCurrentTask { $0?.cancel() } }
        }
        collector.batchProbe = probe
        let cancelling = collector.ingestor()
        let interactions = dataset.interactions
        let result = await Task { try cancelling.ingest(interactions, clients: [], into: store, source: Self.source("all.csv")) }.result
        switch result {
        case .success:
            Issue.record("a cancelled ingestion must not finish")
        case .failure(let error):
            guard case .cancelled(let stage, let done, let total)? = error as? PipelineError else {
                Issue.record("expected a cancellation, got \(error)")
                return
            }
            #expect(stage == "encryption")
            // Review s34 MEDIUM 5: `done` counts the totals encrypted and appended (the first
            // (week, batch) group's), not the second group, prepared but never encrypted.
            let (first, all) = Self.newTotals(of: dataset.interactions, after: half)
            #expect(done == first && total == all, "done \(done) of \(total); expected \(first) of \(all)")
        }
        #expect(probe.total == 2, "the first chunk was appended, the second never encrypted: \(probe.total)")
        #expect(try Self.digest(store) == before, "a cancelled ingestion leaves the store as it was")

        collector.batchProbe = nil
        let report = try collector.ingestor().ingest(dataset.interactions, clients: [], into: store, source: Self.source("all.csv"))
        #expect(report.ciphertextsAdded > 0 && report.duplicatesSkipped == half.count)
    }

    /// The distinct (client, week, channel, direction) totals of the events of `interactions`
    /// not in `stored`: those of the earliest week (the first (week, batch) group of a one-batch
    /// bank) and all of them.
    static func newTotals(of interactions: [Interaction], after stored: [Interaction]) -> (first: Int, all: Int) {
        struct Key: Hashable {
            var client: String
            var week: ISOWeek
            var channel: Channel
            var direction: Direction
        }
        let old = Set(stored.map { "\($0.clientID)|\($0.derivedEventID)" })
        var keys = Set<Key>()
        for interaction in interactions where !old.contains("\(interaction.clientID)|\(interaction.derivedEventID)") {
            keys.insert(Key(client: interaction.clientID, week: interaction.week, channel: interaction.channel, direction: interaction.direction))
        }
        guard let earliest = keys.map(\.week).min() else { return (0, 0) }
        return (keys.filter { $0.week == earliest }.count, keys.count)
    }

    /// Review s34 MEDIUM 4: a task cancelled while the last batch is evaluated finishes the run
    /// but does not log it (the check after the last window): `cancelled` with every batch done,
    /// and the store unchanged.
    @Test func aCancellationDuringTheLastWindowIsNotLogged() async throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let collector = try fixture.collector()
        let store = try fixture.store("cancel-last.db")
        _ = try store.write { db in try collector.append(StreamingPipelineTests.buckets(degree: collector.slotsPerBatch), run: 1, in: db) }
        let before = try Self.digest(store)
        var evaluator = try fixture.evaluator()
        evaluator.batchesInFlight = 1
        let batches = StreamingPipelineTests.batches
        let probe = InFlightProbe { entered in
            if entered == batches { withUnsafeCurrentTask { $0?.cancel() } }
        }
        evaluator.batchProbe = probe
        let cancelled = evaluator
        let result = await Task { try cancelled.evaluateAndRecord(store: store, configuration: HeatConfiguration()) }.result
        switch result {
        case .success:
            Issue.record("a run cancelled in its last window must not be logged")
        case .failure(let error):
            #expect(error as? PipelineError == .cancelled(stage: "heat evaluation", done: batches, total: batches), "\(error)")
        }
        #expect(probe.total == batches, "every batch was evaluated: \(probe.total)")
        #expect(try Self.digest(store) == before, "nothing logged")
    }

    /// Review s34 MEDIUM 8: the ingestor's read loop and the aggregates have cancellation points.
    /// A cancelled ingestion stops in the read loop (before the collector's first chunk) and
    /// leaves the store as it was; cancelled aggregates stop before the first window of
    /// segmented batches.
    @Test func theReadLoopAndTheAggregatesStopWhenCancelled() async throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let store = try fixture.store("read-loop.db")
        let before = try Self.digest(store)
        let ingestor = try fixture.collector().ingestor()
        let dataset = Self.bank
        let ingestion = await Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try ingestor.ingest(dataset.interactions, clients: dataset.clients, into: store, source: Self.source("all.csv"))
        }.result
        switch ingestion {
        case .success:
            Issue.record("a cancelled ingestion must not finish")
        case .failure(let error):
            #expect(error as? PipelineError == .cancelled(stage: "ingestion", done: 0, total: 0), "\(error)")
            #expect((error as? PipelineError)?.category.exitCode == 75)
            #expect("\(error)".contains("after 0 rows of the export were read"))
        }
        #expect(try Self.digest(store) == before, "a cancelled ingestion leaves the store as it was")

        let bank = SyntheticBank(clients: 60, managers: 3, branches: 2, weeks: 8, seed: 3).generate()
        let aggregates = try EncryptedAggregateTests.Fixture(interactions: bank.interactions, clients: bank.clients)
        defer { try? FileManager.default.removeItem(at: aggregates.folder) }
        let evaluator = try aggregates.evaluator()
        let galoisKeys = try evaluator.galoisKeys(in: aggregates.evaluatorFolder)
        let run = try evaluator.evaluate(store: aggregates.store, configuration: HeatConfiguration())
        let groupStore = aggregates.store
        let result = await Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try evaluator.aggregates(of: run, store: groupStore, galoisKeys: galoisKeys, minGroupSize: 5)
        }.result
        switch result {
        case .success:
            Issue.record("cancelled aggregates must not finish")
        case .failure(let error):
            guard case .cancelled(let stage, let done, let total)? = error as? PipelineError else {
                Issue.record("expected a cancellation, got \(error)")
                return
            }
            #expect(stage == "aggregates (segmented batches)" && done == 0 && total >= 1, "\(stage) \(done)/\(total)")
            #expect("\(error)".contains("no aggregates file was written"))
        }
    }

    /// Review s34 MEDIUM 10: without `phasePeaks` a benchmark run never resets the kernel's peak
    /// mark (so the reported peak and `time -v` stay the process's); with it, it does.
    @Test func theBenchmarkResetsNoPeakMarkWithoutPhasePeaks() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let options = PipelineBenchmark.Options(clients: 60, weeks: 4)
        let before = PipelineBenchmark.peakResets.value
        for (name, phasePeaks) in [("plain", false), ("peaks", true)] {
            let work = folder.appending(path: name)
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            let report = try PipelineBenchmark.run(options: options, workFolder: work, phasePeaks: phasePeaks) { _ in }
            if phasePeaks {
                #expect(PipelineBenchmark.peakResets.value > before, "--phase-peaks resets the mark")
            } else {
                #expect(PipelineBenchmark.peakResets.value == before, "no reset without --phase-peaks")
                #expect(report.countedPeakMemoryBytes == nil && report.phases.allSatisfy { $0.peakMemoryBytes == nil })
            }
        }
    }

    /// The ingestor holds at most `totalsInMemory` totals (the rest is written in sealed sorted
    /// runs, ``SealedSpill``), and what it appends does not depend on it: the plaintext rows are the same row for
    /// row, and the encrypted store's rows (weeks, batches, decrypted deltas) and decrypted heat
    /// equal the unspilled ones and the plaintext heat exactly.
    @Test func spilledTotalsAreBoundedAndGiveTheSameRows() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let dataset = Self.bank
        let key = try KeyFolder(path: "\(fixture.keys)/collector", role: .collector).pseudonymisationKey()
        // Plaintext rows.
        var plainRows: [[[String]]] = []
        var distinct = 0
        for (name, limit) in [("plain-spilled.db", 7), ("plain-memory.db", 1 << 20)] {
            let store = try fixture.store(name)
            var ingestor = StoreIngestor(key: key)
            let probe = InFlightProbe()
            ingestor.totalsInMemory = limit
            ingestor.totalsProbe = probe
            let report = try ingestor.ingest(dataset.interactions, clients: dataset.clients, into: store, source: Self.source("all.csv"))
            #expect(probe.maximum <= limit, "at most \(limit) totals in memory, \(probe.maximum) seen")
            #expect(probe.current == 0)
            if limit == 7 {
                #expect(probe.total > report.bucketRowsAdded, "the spilled run added some totals in more than one flush")
            } else {
                #expect(probe.total == report.bucketRowsAdded)
                distinct = report.bucketRowsAdded
            }
            plainRows.append(try store.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT hex(client_pseudonym), week, channel, direction, events, duration_seconds, replies, hex(row_hash)
                    FROM weekly_buckets ORDER BY seq
                    """).map { row in (0..<8).map { "\(row[$0] as DatabaseValue)" } }
            })
        }
        #expect(distinct > 7 * 4, "the bank has many more totals than the limit")
        #expect(plainRows[0].count == distinct && plainRows[0] == plainRows[1], "the plaintext rows do not depend on the limit")

        // Encrypted rows.
        let keyHolder = try fixture.keyHolder()
        let plainStore = try fixture.store("plain-reference.db")
        _ = try StoreIngestor(key: key).ingest(dataset.interactions, clients: dataset.clients, into: plainStore, source: Self.source("all.csv"))
        var collector = try fixture.collector()
        collector.batchesInFlight = 2
        typealias Stored = (week: String, batch: Int, values: [Int64])
        var encrypted: [[Stored]] = []
        for (name, limit) in [("spilled.db", 5), ("memory.db", 1 << 20)] {
            let store = try fixture.store(name)
            let probe = InFlightProbe()
            collector.batchProbe = probe
            var ingestor = collector.ingestor()
            ingestor.totalsInMemory = limit
            _ = try ingestor.ingest(dataset.interactions, clients: dataset.clients, into: store, source: Self.source("all.csv"))
            #expect(probe.maximum <= 2 && probe.current == 0, "at most two (week, batch) groups in flight")
            encrypted.append(try store.read { db -> [Stored] in
                try Row.fetchAll(db, sql: "SELECT week, batch, ciphertext FROM ciphertexts ORDER BY seq").map { row -> Stored in
                    let ciphertext = try Evaluator.storedCiphertext(row["ciphertext"] as Data, context: collector.context, source: name)
                    return (row["week"] as String, row["batch"] as Int, try keyHolder.decryptSlots(ciphertext, mask: nil, signed: true))
                }
            })
            let run = try fixture.evaluator().evaluate(store: store, configuration: HeatConfiguration())
            let decrypted = try KeyHolder.scores(
                keyHolder.decrypt(run: run, store: store), configuration: HeatConfiguration(), store: store)
            let expected = try StoreHeat.scores(in: plainStore, configuration: HeatConfiguration(), asOf: nil)
            #expect(decrypted == expected, "\(name): the decrypted heat equals the plaintext heat")
        }
        #expect(encrypted[0].count == encrypted[1].count && encrypted[0].count > 2)
        for (a, b) in zip(encrypted[0], encrypted[1]) {
            #expect(a.week == b.week && a.batch == b.batch && a.values == b.values)
        }
    }

    /// The k-suppression of the aggregates' plan (issue 14 item 1): with k = 5, a manager and a
    /// segment of 4 clients are suppressed (counted, never summed: in no mask and no segmented
    /// block), those of exactly 5 released, and the branch and region of all 9 released.
    @Test func groupsJustUnderKAreSuppressedAndGroupsAtKReleased() {
        var entries: [ClientDirectoryEntry] = []
        var next: Int64 = 0
        for (manager, size) in [("M4", 4), ("M5", 5)] {
            let block = SlotLayout.place(count: size, at: next)
            for client in 0..<size {
                entries.append(ClientDirectoryEntry(
                    ref: "C\(manager)-\(client)", pseudonym: "", slot: block.start + Int64(client), manager: manager, branch: "B",
                    segment: manager == "M4" ? "S4" : "S5", region: "R", openedOn: nil, events: 1, lastWeek: nil))
            }
            next = block.end
        }
        let plan = Evaluator.aggregatePlan(entries: entries, degree: 8192, minGroupSize: 5)
        let released = Set(plan.released.map { "\($0.kind.rawValue) \($0.ref) \($0.clients)" })
        #expect(released == ["manager M5 5", "segment S5 5", "branch B 9", "region R 9"], "\(released)")
        #expect(plan.suppressed == ["manager": 1, "segment": 1])
        #expect(plan.k == 5)
        let summed = Set(plan.masked.map(\.ref) + plan.segmentedPlace.keys)
        #expect(!summed.contains("M4") && !summed.contains("S4"), "a suppressed group is never summed: \(summed)")
        #expect(plan.segmentedPlace["M5"] != nil || summed.contains("M5"))
        // k = 4 releases both.
        let loose = Evaluator.aggregatePlan(entries: entries, degree: 8192, minGroupSize: 4)
        #expect(loose.released.count == 6 && loose.suppressed.isEmpty)
    }
}
