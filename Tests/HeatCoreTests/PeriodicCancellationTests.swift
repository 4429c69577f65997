import Foundation
import GRDB
import Testing
@testable import HeatCore

/// Review s35: the cancellation points are periodic, not a single check. On a long input the
/// ingestor's read loop checks every ``StoreIngestor/rowsPerCancellationCheck`` rows, the
/// collector before every chunk of ``Collector/batchesInFlight`` (week, batch) groups and the
/// evaluator before every window of batches (and once more before logging): the points are
/// counted (``CancellationPoint/Counter``), and a cancellation requested after several periods
/// (from inside the point, once it has passed) stops the work at the very next point, with
/// exactly that point's counts, and leaves the store as it was.
@Suite(.serialized) struct PeriodicCancellationTests {
    typealias Fixture = StreamingPipelineTests.Fixture

    /// About 12,000 interactions over 52 weeks in one slot batch: three read-loop periods and
    /// 52 (week, batch) groups.
    static let bank = SyntheticBank(clients: 140, managers: 4, branches: 2, weeks: 52, seed: 23).generate()

    /// Runs `body` in a task whose cancellation points are counted; `cancelAt` cancels the task
    /// from inside the given point of the given stage (after its own check passed).
    static func counted<T: Sendable>(
        cancelAt: (stage: String, number: Int)? = nil, _ body: @escaping @Sendable () throws -> T
    ) async -> (result: Result<T, any Error>, counter: CancellationPoint.Counter) {
        let counter = CancellationPoint.Counter { stage, _, number in
            if let cancelAt, stage == cancelAt.stage, number == cancelAt.number { withUnsafeCurrentTask { $0?.cancel() } }
        }
        let result = await Task { try CancellationPoint.$counter.withValue(counter) { try body() } }.result
        return (result, counter)
    }

    @Test func theIngestionChecksEveryPeriodAndStopsAtTheNextCheck() async throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let interactions = Self.bank.interactions
        let clients = Self.bank.clients
        let period = StoreIngestor.rowsPerCancellationCheck
        try #require(interactions.count > 2 * period + 1, "\(interactions.count) rows")
        var collector = try fixture.collector()
        collector.batchesInFlight = 4

        // Uncancelled: one read-loop point every `period` rows from the first, one collector
        // point per chunk of 4 groups.
        let whole = try fixture.store("whole.db")
        let ingestor = collector.ingestor()
        let (done, counter) = await Self.counted {
            try ingestor.ingest(interactions, clients: clients, into: whole, source: StreamingFailureTests.source("all.csv"))
        }
        _ = try done.get()
        let reads = counter.done(at: "ingestion")
        #expect(reads == Array(stride(from: 0, to: interactions.count, by: period)), "read-loop points at \(reads)")
        #expect(reads.count >= 3)
        let groups = try whole.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM collector_state") ?? 0 }
        let chunks = counter.done(at: "encryption")
        #expect(chunks.count == (groups + 3) / 4 && chunks.count >= 3, "\(chunks.count) collector points for \(groups) groups")
        #expect(chunks.first == 0 && zip(chunks, chunks.dropFirst()).allSatisfy { $0 < $1 }, "the totals done grow chunk by chunk: \(chunks)")

        // Cancelled from inside the second read-loop point: the rows up to the third point are
        // read, and it stops there, with nothing written.
        let cancelledRead = try fixture.store("read.db")
        let empty = try StreamingFailureTests.digest(cancelledRead)
        let (read, _) = await Self.counted(cancelAt: ("ingestion", 2)) {
            try ingestor.ingest(interactions, clients: clients, into: cancelledRead, source: StreamingFailureTests.source("all.csv"))
        }
        #expect(throws: PipelineError.cancelled(stage: "ingestion", done: 2 * period, total: 0)) { _ = try read.get() }
        #expect(try StreamingFailureTests.digest(cancelledRead) == empty, "a cancelled ingestion leaves the store as it was")

        // Cancelled from inside the collector's second point (the first chunk appended): the
        // second chunk is encrypted and appended, and it stops at the third point.
        let cancelledAppend = try fixture.store("append.db")
        let beforeAppend = try StreamingFailureTests.digest(cancelledAppend)
        let (append, _) = await Self.counted(cancelAt: ("encryption", 2)) {
            try ingestor.ingest(interactions, clients: clients, into: cancelledAppend, source: StreamingFailureTests.source("all.csv"))
        }
        let totals = try #require(chunks.count > 2 ? chunks[2] : nil)
        #expect(throws: PipelineError.self) { _ = try append.get() }
        if case .failure(let error) = append, case .cancelled(let stage, let done, _)? = error as? PipelineError {
            #expect(stage == "encryption" && done == totals, "stopped at the third chunk point: \(stage) \(done), expected \(totals)")
        } else {
            Issue.record("expected a cancellation in the encryption, got \(append)")
        }
        #expect(try StreamingFailureTests.digest(cancelledAppend) == beforeAppend, "a cancelled ingestion leaves the store as it was")
    }

    @Test func theEvaluationChecksEveryWindowAndStopsAtTheNextCheck() async throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let collector = try fixture.collector()
        let store = try fixture.store("evaluate.db")
        _ = try store.write { db in try collector.append(StreamingPipelineTests.buckets(degree: collector.slotsPerBatch), run: 1, in: db) }
        let batches = StreamingPipelineTests.batches
        var evaluator = try fixture.evaluator()
        evaluator.batchesInFlight = 1
        let before = try StreamingFailureTests.digest(store)
        let plain = evaluator

        // One point per window of one batch (the point after the last window, before logging, is
        // `evaluateAndRecord`'s: `aCancellationDuringTheLastWindowIsNotLogged` covers it).
        let (whole, counter) = await Self.counted { try plain.evaluate(store: store, configuration: HeatConfiguration()) }
        _ = try whole.get()
        #expect(counter.done(at: "heat evaluation") == Array(0..<batches), "a point before each of the \(batches) windows")

        // Cancelled from inside the third window's point: the third window is evaluated and it
        // stops before the fourth, nothing logged.
        let (cancelled, seen) = await Self.counted(cancelAt: ("heat evaluation", 3)) {
            try plain.evaluateAndRecord(store: store, configuration: HeatConfiguration())
        }
        #expect(throws: PipelineError.cancelled(stage: "heat evaluation", done: 3, total: batches)) { _ = try cancelled.get() }
        #expect(seen.done(at: "heat evaluation") == [0, 1, 2], "three points passed, the fourth threw")
        #expect(try StreamingFailureTests.digest(store) == before, "nothing logged")
    }
}
