import Foundation
import HeatEnvelope
import Testing
@testable import HeatCore

/// The progress callbacks that heatctl's progress bars draw from: counts never go down, the
/// total is known from the first call, and the last call reaches the total exactly.
@Suite struct ProgressCallbackTests {
    /// Records (done, total) pairs.
    final class Recorder: @unchecked Sendable {
        var calls: [(done: Int, total: Int)] = []
        func add(_ done: Int, _ total: Int) { calls.append((done, total)) }

        /// Checks the contract shared by every callback.
        func expectMonotonicReaching(_ total: Int, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(!calls.isEmpty, sourceLocation: sourceLocation)
            for (previous, next) in zip(calls, calls.dropFirst()) {
                #expect(next.done >= previous.done, "\(calls)", sourceLocation: sourceLocation)
            }
            #expect(calls.allSatisfy { $0.done <= $0.total }, "\(calls)", sourceLocation: sourceLocation)
            #expect(calls.last?.done == total, sourceLocation: sourceLocation)
            #expect(calls.last?.total == total, sourceLocation: sourceLocation)
        }
    }

    static func csv(rows: Int, badEvery: Int? = nil) -> String {
        var text = "event_id,client_id,manager_id,branch,channel,direction,occurred_at,duration_seconds,replied_within_hours\n"
        for n in 0..<rows {
            let channel = badEvery.map { n % $0 == 0 } == true ? "fax" : "call"
            text += "E\(n),C\(n % 97),M\(n % 5),B\(n % 2),\(channel),outbound,2026-03-02T10:30:00Z,600,\n"
        }
        return text
    }

    func write(_ text: String, name: String) throws -> URL {
        let url = try StoreTestSupport.temporaryDirectory().appending(path: name)
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func readerReportsRowsReadAgainstTheLineCount() throws {
        let url = try write(Self.csv(rows: 10_000, badEvery: 1_000), name: "i.csv")
        let recorder = Recorder()
        var seen = 0
        let summary = try InteractionReader().stream(contentsOf: url, progress: { recorder.add($0, $1) }) { _ in seen += 1 }
        #expect(summary.accepted == 9_990)
        #expect(summary.rejectedRows == 10)
        recorder.expectMonotonicReaching(10_000)
        // Known from the start (the line count), and reported along the way, not only at the end.
        #expect(recorder.calls.first.map { $0.done == 0 && $0.total == 10_000 } == true)
        #expect(recorder.calls.contains { $0.done == TabularInput.progressInterval })
        #expect(recorder.calls.count >= 10_000 / TabularInput.progressInterval + 1)
    }

    @Test func readerTotalsWithoutFinalNewlineAndForJSONLines() throws {
        let noNewline = try write(String(Self.csv(rows: 5).dropLast()), name: "n.csv")
        let recorder = Recorder()
        _ = try InteractionReader().stream(contentsOf: noNewline, progress: { recorder.add($0, $1) }) { _ in }
        #expect(recorder.calls.first?.total == 5)
        recorder.expectMonotonicReaching(5)

        let lines = (0..<7).map { n in
            #"{"client_id":"C\#(n)","manager_id":"M1","branch":"B1","channel":"email","direction":"inbound","occurred_at":"2026-03-02T10:30:00Z"}"#
        }.joined(separator: "\n") + "\n"
        let jsonl = try write(lines, name: "i.jsonl")
        let json = Recorder()
        _ = try InteractionReader().stream(contentsOf: jsonl, progress: { json.add($0, $1) }) { _ in }
        #expect(json.calls.first?.total == 7)
        json.expectMonotonicReaching(7)
    }

    @Test func scorerReportsClientsScored() throws {
        var ledger = ActivityLedger()
        for n in 0..<2_500 { ledger.add(try StoreTestSupport.interaction(event: "E\(n)", client: "C\(n)")) }
        let recorder = Recorder()
        let week = try CalendarDate(iso8601: "2026-03-08").isoWeek
        let scores = HeatScorer().scores(of: ledger, asOf: week, additionalClients: ["EXTRA"], progress: { recorder.add($0, $1) })
        #expect(scores.count == 2_501)
        #expect(scores == HeatScorer().scores(of: ledger, asOf: week, additionalClients: ["EXTRA"]))
        recorder.expectMonotonicReaching(2_501)
        #expect(recorder.calls.map(\.done) == [0, 1_024, 2_048, 2_501])
    }

    @Test func verifierReportsRowsAcrossTables() throws {
        let (store, directory) = try StoreTestSupport.makeStore()
        let keys = try KeyFolder.generate(at: directory.appending(path: "keys").path)
        try KeyRegistry.recordGenerated(keys, in: store)
        _ = try StoreIngestor(key: keys.pseudonymisationKey, signer: StoreTestSupport.signer(keys)).ingest(
            try StoreTestSupport.interactions(0..<50), clients: [], into: store,
            source: .init(name: "a.csv", inputHash: String(repeating: "a", count: 64)))
        let recorder = Recorder()
        let pinned = keys.signingKey.verificationKey
        let report = try StoreVerifier.verify(store: store, pinnedKey: pinned, anchor: .firstHead, allowUnsignedTail: true,
                                              progress: { recorder.add(Int($0), Int($1)) })
        #expect(report.intact)
        let rows = Int(report.chains.reduce(0) { $0 + $1.rows })
        #expect(rows > 50)
        #expect(recorder.calls.first.map { $0.done == 0 && $0.total == rows } == true)
        recorder.expectMonotonicReaching(rows)
        #expect(report == (try StoreVerifier.verify(store: store, pinnedKey: pinned, anchor: .firstHead, allowUnsignedTail: true)))
    }

    @Test func syntheticBankReportsWeeks() {
        let bank = SyntheticBank(clients: 30, managers: 4, branches: 2, weeks: 12, seed: 5, endWeek: SyntheticBank.defaultEndWeek)
        let recorder = Recorder()
        var count = 0
        _ = bank.streamInteractions(progress: { recorder.add($0, $1) }) { _ in count += 1 }
        #expect(recorder.calls.map(\.done) == Array(0...12))
        recorder.expectMonotonicReaching(12)
        var plain = 0
        _ = bank.streamInteractions { _ in plain += 1 }
        #expect(count == plain && count > 0)
    }
}
