import Foundation
import Testing
@testable import HeatCore

@Suite struct ResultsBuilderTests {
    static let key = PseudonymisationKey.insecureDerived(from: "test")

    func score(_ id: String, _ heat: Int, trend: Int = 0, cooling: Bool = false) -> HeatScore {
        HeatScore(clientID: id, heat: heat, trend: trend, level: HeatConfiguration().level(forHeat: heat), cooling: cooling)
    }

    @Test func buildsPopulationHistogramAndReleasedGroupsOnly() throws {
        var scores: [HeatScore] = []
        var directory: [String: Client] = [:]
        for i in 0..<7 {
            let id = "A\(i)"
            scores.append(score(id, 1_000 * i, trend: -100, cooling: i == 6))
            directory[id] = Client(clientID: id, segment: "retail", region: "North", openedOn: nil, managerID: "M1", branch: "B1")
        }
        for i in 0..<3 {
            let id = "Z\(i)"
            scores.append(score(id, 50_000))
            directory[id] = Client(clientID: id, segment: "private", region: "North", openedOn: nil, managerID: "M2", branch: "B1")
        }
        let builder = ResultsBuilder(configuration: HeatConfiguration(), pseudonymizer: Pseudonymizer(key: Self.key), includeClients: true)
        let asOf = CalendarDate(year: 2026, month: 2, day: 20)!
        let document = builder.build(scores: scores, ledger: nil, directory: directory, asOf: asOf,
                                     generatedAt: UTCTimestamp(secondsSinceEpoch: 0))
        let population = try #require(document.population)
        #expect(population.clients == 10)
        #expect(population.levels == [.cold: 4, .cool: 3, .warm: 0, .hot: 3])
        #expect(population.cooling == 1)
        #expect(population.meanHeat == Double(21_000 + 150_000) / 10)
        #expect(population.trend == -70)

        // Top heat 50,000 over 10 bins -> width 5,001 rounded up to 10,000: 6 bins.
        let histogram = try #require(document.heatHistogram)
        #expect(histogram.map(\.from) == [0, 10_000, 20_000, 30_000, 40_000, 50_000])
        #expect(histogram.map(\.clients) == [7, 0, 0, 0, 0, 3])

        let groups = try #require(document.groups)
        // M2 (3 clients) and the private segment are below 5 clients: not released.
        let m1 = Pseudonymizer(key: Self.key).pseudonym(for: "M1", kind: .manager).displayRef
        #expect(groups.map(\.kind) == [.manager, .branch, .segment, .region])
        #expect(groups[0] == GroupSummary(kind: .manager, ref: m1, clients: 7, meanHeat: 3_000, cooling: 1))
        #expect(groups[1].clients == 10)
        #expect(groups[1].ref.hasPrefix("B-"))
        #expect(groups[2].ref == "retail")
        #expect(groups[3] == GroupSummary(kind: .region, ref: "North", clients: 10, meanHeat: 17_100, cooling: 1))

        let clients = try #require(document.clients)
        #expect(clients.count == 10)
        #expect(clients.allSatisfy { $0.ref.hasPrefix("C-") && $0.ref.count == 10 })
        #expect(!String(decoding: try document.jsonData(), as: UTF8.self).contains("\"A1\""))
        #expect(try ResultsDocument.decode(try document.jsonData()) == document)
    }

    @Test func groupsFallBackToTheLatestInteraction() {
        var ledger = ActivityLedger()
        for i in 0..<5 {
            ledger.add(Interaction(eventID: "E\(i)", clientID: "C\(i)", managerID: "M9", branch: "B9", channel: .call, direction: .inbound,
                                   occurredAt: UTCTimestamp(secondsSinceEpoch: 1_770_000_000), durationSeconds: 60, repliedWithinHours: nil))
        }
        let scores = (0..<5).map { score("C\($0)", 100) }
        let builder = ResultsBuilder(configuration: HeatConfiguration(), pseudonymizer: Pseudonymizer(key: Self.key))
        let groups = builder.groups(scores, ledger: ledger, directory: [:])
        #expect(groups.map(\.kind) == [.manager, .branch])
        #expect(groups.allSatisfy { $0.clients == 5 })
    }

    @Test func scoresCSVHasTheDocumentedColumns() {
        let text = String(decoding: ScoresCSV.data([score("C,1", 5_000, trend: -3, cooling: true)]), as: UTF8.self)
        #expect(text == "client_id,heat,trend,level,cooling\n\"C,1\",5000,-3,cool,true\n")
    }
}
