import Foundation
import Testing
@testable import HeatCore

/// `--as-of DATE` means "events on or before DATE" for exports, and "the last complete ISO week on
/// or before DATE" for the store (Docs/HeatModel.md, "The reference date").
@Suite struct AsOfCutoffTests {
    /// Wednesday 2025-12-31 (ISO week 2026-W01 runs Monday 2025-12-29 to Sunday 2026-01-04).
    static let wednesday = CalendarDate(year: 2025, month: 12, day: 31)!

    /// Activity of three clients over the 12 weeks up to `wednesday`.
    static func history() throws -> [Interaction] {
        var rows: [Interaction] = []
        for day in 0..<84 where day % 3 == 0 {
            let date = wednesday.adding(days: -day)
            for client in ["C1", "C2", "C3"] where (day / 3 + client.count) % 2 == 0 || client == "C1" {
                rows.append(try StoreTestSupport.interaction(
                    event: "E-\(client)-\(day)", client: client, channel: day % 2 == 0 ? .call : .meeting,
                    at: "\(date)T10:00:00Z", seconds: 300 * (1 + day % 4)))
            }
        }
        return rows
    }

    @Test(arguments: [1, 2, 4, 5, 30])
    func eventAfterTheReferenceDateNeverChangesAScore(daysLater: Int) throws {
        let base = try Self.history()
        let configuration = HeatConfiguration()
        let before = try PlaintextHeatRun(interactions: base, clients: [], configuration: configuration, asOf: Self.wednesday)
        let later = Self.wednesday.adding(days: daysLater)
        var extra = base
        for client in ["C1", "C2", "C3", "C4"] {
            extra.append(try StoreTestSupport.interaction(event: "LATE-\(client)", client: client, channel: .meeting,
                                                          at: "\(later)T00:00:00Z", seconds: 3600))
        }
        let after = try PlaintextHeatRun(interactions: extra, clients: [], configuration: configuration, asOf: Self.wednesday)
        #expect(after.scores == before.scores, "an event on \(later) changed a score as of \(Self.wednesday)")
        #expect(after.ledger.eventsAfterCutoff == 4)
        #expect(before.ledger.eventsAfterCutoff == 0)
        #expect(after.asOf == Self.wednesday)
    }

    @Test func eventsOnTheReferenceDateCount() throws {
        let base = try Self.history()
        let sameDay = try StoreTestSupport.interaction(event: "LAST", client: "C2", channel: .meeting,
                                                       at: "\(Self.wednesday)T23:59:59Z", seconds: 3600)
        let configuration = HeatConfiguration()
        let without = try PlaintextHeatRun(interactions: base, clients: [], configuration: configuration, asOf: Self.wednesday)
        let with = try PlaintextHeatRun(interactions: base + [sameDay], clients: [], configuration: configuration, asOf: Self.wednesday)
        let c2Before = try #require(without.scores.first { $0.clientID == "C2" })
        let c2After = try #require(with.scores.first { $0.clientID == "C2" })
        #expect(c2After.heat == c2Before.heat + 64 * (16 + 12))
        #expect(with.ledger.eventsAfterCutoff == 0)
    }

    @Test func aLedgerWithLaterEventsIsRefused() throws {
        var ledger = ActivityLedger()
        for interaction in try Self.history() { ledger.add(interaction) }
        ledger.add(try StoreTestSupport.interaction(event: "LATE", client: "C1", at: "2026-01-02T08:00:00Z"))
        #expect(throws: HeatRunError.eventsAfterReferenceDate(asOf: Self.wednesday, latest: CalendarDate(year: 2026, month: 1, day: 2)!)) {
            try PlaintextHeatRun(ledger: ledger, clients: [], configuration: HeatConfiguration(), asOf: Self.wednesday)
        }
        #expect(HeatRunError.eventsAfterReferenceDate(asOf: Self.wednesday, latest: Self.wednesday).category == .usage)
        var cut = ActivityLedger(through: Self.wednesday)
        for interaction in try Self.history() { cut.add(interaction) }
        #expect(!cut.add(try StoreTestSupport.interaction(event: "LATE", client: "C1", at: "2026-01-01T00:00:00Z")))
        #expect(cut.eventsAfterCutoff == 1)
        _ = try PlaintextHeatRun(ledger: cut, clients: [], configuration: HeatConfiguration(), asOf: Self.wednesday)
    }

    @Test func storeCutsAtTheLastCompleteISOWeek() throws {
        #expect(StoreHeat.referenceWeek(asOf: Self.wednesday) == ISOWeek(year: 2025, week: 52))
        #expect(StoreHeat.referenceWeek(asOf: CalendarDate(year: 2026, month: 1, day: 4)!) == ISOWeek(year: 2026, week: 1))
        #expect(StoreHeat.referenceWeek(asOf: CalendarDate(year: 2025, month: 12, day: 29)!) == ISOWeek(year: 2025, week: 52))
        #expect(StoreHeat.referenceWeek(asOf: CalendarDate(year: 2025, month: 12, day: 28)!) == ISOWeek(year: 2025, week: 52))
    }

    @Test func storeScoresIgnoreEventsAfterTheDate() throws {
        let (store, _) = try StoreTestSupport.makeStore()
        let key = PseudonymisationKey.insecureDerived(from: "as-of-tests")
        let source = StoreIngestor.Source(name: "a.csv", inputHash: String(repeating: "0", count: 64))
        let base = try Self.history()
        _ = try StoreIngestor(key: key).ingest(base, clients: [], into: store, source: source)
        let before = try StoreHeat.scores(in: store, asOf: Self.wednesday)
        // Thursday 2026-01-01 is in the reference date's own ISO week: the store cannot cut it
        // out of its week's bucket, so that whole week is left out.
        let late = try StoreTestSupport.interaction(event: "LATE", client: "C1", channel: .meeting, at: "2026-01-01T09:00:00Z", seconds: 3600)
        _ = try StoreIngestor(key: key).ingest([late], clients: [], into: store, source: source)
        let after = try StoreHeat.scores(in: store, asOf: Self.wednesday)
        #expect(after == before)
        // The same scores as an export cut at Sunday 2025-12-28, the last complete week's end.
        let sunday = CalendarDate(year: 2025, month: 12, day: 28)!
        let export = try PlaintextHeatRun(interactions: base + [late], clients: [], configuration: HeatConfiguration(), asOf: sunday)
        let pseudonymizer = Pseudonymizer(key: key)
        for score in export.scores {
            let stored = try #require(after[pseudonymizer.pseudonym(for: score.clientID, kind: .client).hex])
            #expect(stored.heat == score.heat && stored.trend == score.trend)
        }
    }
}
