import Crypto
import Foundation
import Testing
@testable import HeatCore

@Suite struct SyntheticBankTests {
    static let small = SyntheticBank(clients: 60, managers: 6, branches: 2, weeks: 20, seed: 7)

    func hex(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }

    @Test func splitMix64MatchesTheReferenceSequence() {
        // Reference values of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
        var rng = SplitMix64(seed: 0)
        #expect(rng.next() == 0xE220_A839_7B1D_CDAF)
        #expect(rng.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(rng.next() == 0x06C4_5D18_8009_454F)
    }

    @Test func drawHelpersStayInRange() {
        var rng = SplitMix64(seed: 99)
        for _ in 0..<10_000 {
            #expect((0..<7).contains(rng.below(7)))
            let u = rng.unitInterval()
            #expect(u >= 0 && u < 1)
        }
        #expect(rng.pick(weights: [0, 0, 1]) == 2)
    }

    @Test func twoRunsGiveTheSameBytes() {
        let a = Self.small.generate()
        let b = Self.small.generate()
        #expect(SyntheticCSV.interactions(a.interactions) == SyntheticCSV.interactions(b.interactions))
        #expect(SyntheticCSV.clients(a.clients) == SyntheticCSV.clients(b.clients))
        #expect(SyntheticCSV.labels(a.labels) == SyntheticCSV.labels(b.labels))
        var other = Self.small
        other.seed = 8
        #expect(SyntheticCSV.interactions(other.generate().interactions) != SyntheticCSV.interactions(a.interactions))
    }

    @Test func pinnedDigestOfASmallRun() {
        // Pinned: any change to the generator's model or formatting changes these digests.
        let dataset = Self.small.generate()
        #expect(hex(SyntheticCSV.interactions(dataset.interactions)) == "da596f5a450525ee6737b29a44b38cf03bb5593f1c69461c37eec73b1da51353")
        #expect(hex(SyntheticCSV.clients(dataset.clients)) == "2e4148007375d305d035e8f8564e0e23f4494626af524f0fb179cc89eec8ed28")
        #expect(hex(SyntheticCSV.labels(dataset.labels)) == "d8fc38c5858c9f955673a8c07cbbbdc91ceef915e4af0f49f693c59305ed966a")
    }

    @Test func generatedFilesReadBackCleanly() throws {
        let dataset = Self.small.generate()
        let interactions = try InteractionReader().read(data: SyntheticCSV.interactions(dataset.interactions), file: "i.csv")
        #expect(interactions.isClean)
        #expect(interactions.records == dataset.interactions)
        let clients = try ClientReader().read(data: SyntheticCSV.clients(dataset.clients), file: "c.csv")
        #expect(clients.isClean)
        #expect(clients.records == dataset.clients)
    }

    @Test func datasetHasTheDescribedShape() {
        let bank = SyntheticBank(clients: 400, managers: 10, branches: 3, weeks: 52, seed: 1)
        let dataset = bank.generate()
        #expect(dataset.clients.count == 400)
        #expect(Set(dataset.clients.map(\.managerID)).count == 10)
        #expect(Set(dataset.clients.map(\.branch)).count == 3)
        #expect(Set(dataset.clients.map(\.segment)).isSubset(of: Set(SyntheticBank.segments.map(\.name))))
        let weeks = Set(dataset.interactions.map(\.week))
        #expect(weeks.max() == SyntheticBank.defaultEndWeek)
        #expect(weeks.min().map { $0 >= bank.startWeek } == true)
        #expect(dataset.interactions.map(\.occurredAt) == dataset.interactions.map(\.occurredAt).sorted())
        #expect(Set(dataset.interactions.compactMap(\.eventID)).count == dataset.interactions.count)
        let churned = dataset.labels.filter(\.churned)
        #expect(churned.count > 20 && churned.count < 90)
        // A client whose churn week is inside the period has no interactions from that week on.
        for label in churned {
            guard let week = label.churnWeek, week <= bank.endWeek else { continue }
            #expect(!dataset.interactions.contains { $0.clientID == label.clientID && $0.week >= week })
        }
        // Calls and meetings carry durations, emails and messages none.
        #expect(dataset.interactions.allSatisfy { $0.channel.hasDuration == ($0.durationSeconds != nil) })
    }

    @Test func churningClientsLookCoolingOrCold() throws {
        // Clients churning within 8 weeks after the end are flagged cooling, or have already
        // gone cold, far more often than clients who never churn.
        let bank = SyntheticBank(clients: 1_000, weeks: 52, seed: 3)
        let dataset = bank.generate()
        let run = try PlaintextHeatRun(interactions: dataset.interactions, clients: dataset.clients, configuration: HeatConfiguration())
        let labels = Dictionary(uniqueKeysWithValues: dataset.labels.map { ($0.clientID, $0) })
        let churning = run.scores.filter { score in
            guard let week = labels[score.clientID]?.churnWeek else { return false }
            return (0...8).contains(bank.endWeek.distance(to: week))
        }
        let steady = run.scores.filter { labels[$0.clientID]?.churned == false }
        func atRisk(_ scores: [HeatScore]) -> Double {
            Double(scores.filter { $0.cooling || $0.level == .cold }.count) / Double(max(scores.count, 1))
        }
        func coolingRate(_ scores: [HeatScore]) -> Double {
            Double(scores.filter(\.cooling).count) / Double(max(scores.count, 1))
        }
        // Seed 3: churning 12 of 28 at risk (43 %), steady 211 of 906 (23 %); the weekly counts are
        // noisy, so the margin is moderate.
        #expect(churning.count > 20)
        #expect(atRisk(churning) > 1.5 * atRisk(steady))
        #expect(coolingRate(churning) > coolingRate(steady))
        #expect(run.scores.contains { $0.cooling })
    }

    @Test func rejectsBadParameters() {
        #expect(throws: SyntheticBankError.self) { try SyntheticBank(clients: 0).validate() }
        #expect(throws: SyntheticBankError.self) { try SyntheticBank(clients: 10, managers: 2, branches: 3).validate() }
    }
}
