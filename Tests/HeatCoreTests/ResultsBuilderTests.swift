import Foundation
import Testing
@testable import HeatCore

@Suite struct ResultsBuilderTests {
    static let key = PseudonymisationKey.insecureDerived(from: "test")

    func score(_ id: String, _ heat: Int, trend: Int = 0, cooling: Bool = false) -> HeatScore {
        HeatScore(clientID: id, heat: heat, trend: trend, level: HeatConfiguration().level(forHeat: heat), cooling: cooling)
    }

    @Test func histogramCoversThe99thPercentileAndPutsTheTailInAnOpenLastBin() {
        var scores = (0..<100).map { score("A\($0)", 10 * $0) }
        scores.append(score("HOT", 1_000_000))
        let histogram = ResultsBuilder(configuration: HeatConfiguration(), pseudonymizer: Pseudonymizer(key: Self.key))
            .histogram(scores)
        // Nearest-rank 99th percentile of 101 clients is 990: width ceil(991 / 20) = 50, 20 regular bins.
        #expect(histogram.count == 21)
        #expect(histogram.dropLast().allSatisfy { $0.to - $0.from == 50 && $0.clients == 5 })
        #expect(histogram.last == HistogramBin(from: 1_000, to: 1_000_001, clients: 1, open: true))
        #expect(histogram.dropLast().allSatisfy { $0.open == nil })
        #expect(histogram.reduce(0) { $0 + $1.clients } == scores.count)
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

        // 99th-percentile heat 50,000 over 20 bins -> width 2,501 rounded up to 5,000: 11 bins, no tail.
        let histogram = try #require(document.heatHistogram)
        #expect(histogram.map(\.from) == Array(stride(from: 0, through: 50_000, by: 5_000)))
        #expect(histogram.map(\.clients) == [5, 2, 0, 0, 0, 0, 0, 0, 0, 0, 3])
        #expect(histogram.last?.to == 55_000)

        let groups = try #require(document.groups)
        // M2 (3 clients) is below 5 clients: not released. The segments have the same members as
        // the managers (retail = M1, private = M2) and the one region the same as the one branch:
        // each partition is released once, under the first kind.
        let m1 = Pseudonymizer(key: Self.key).pseudonym(for: "M1", kind: .manager).displayRef
        #expect(groups.map(\.kind) == [.manager, .branch])
        #expect(groups[0] == GroupSummary(kind: .manager, ref: m1, clients: 7, meanHeat: 3_000, cooling: 1))
        #expect(groups[1].clients == 10)
        #expect(groups[1].ref.hasPrefix("B-"))
        #expect(document.groupDuplicates == [GroupDuplicate(kind: .segment, sameAs: .manager), GroupDuplicate(kind: .region, sameAs: .branch)])

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
        // One manager in one branch: the same five clients, released once (as the manager).
        #expect(groups.map(\.kind) == [.manager])
        #expect(groups.allSatisfy { $0.clients == 5 })
        #expect(builder.groupDuplicates(scores, ledger: ledger, directory: [:]) == [GroupDuplicate(kind: .branch, sameAs: .manager)])
    }

    @Test func scoresCSVHasTheDocumentedColumns() {
        let text = String(decoding: ScoresCSV.data([score("C,1", 5_000, trend: -3, cooling: true)]), as: UTF8.self)
        #expect(text == "client_id,heat,trend,level,cooling\n\"C,1\",5000,-3,cool,true\n")
    }
}
