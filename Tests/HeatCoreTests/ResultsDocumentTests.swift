import Foundation
import Testing
@testable import HeatCore

@Suite struct ResultsDocumentTests {
    static func sample() throws -> ResultsDocument {
        var document = ResultsDocument(
            generatedAt: try UTCTimestamp(iso8601: "2026-11-22T10:00:00Z"), mode: .plaintext,
            asOf: try CalendarDate(iso8601: "2026-11-20"), role: "executive",
            policy: PolicySummary(name: "default", minGroupSize: 5, epsilon: nil), auditRun: nil)
        document.population = Population(clients: 10, levels: [.cold: 2, .warm: 8], cooling: 1, meanHeat: 12.5, trend: -0.5)
        document.heatHistogram = [HistogramBin(from: 0, to: 100, clients: 10)]
        document.weekly = [WeeklyCount(week: try ISOWeek(parsing: "2026-W07"), channel: .call, events: 4)]
        document.groups = [GroupSummary(kind: .manager, ref: "M-19b0d4aa", clients: 10, meanHeat: 12.5, cooling: 1)]
        document.clients = [ClientResult(ref: "C-7f3a9c2e", heat: 10, trend: -1, level: .warm, cooling: false, persona: nil)]
        document.model = ModelSection(kind: "logistic", metrics: ["rocAuc": 0.8], confusion: [[1, 2], [3, 4]])
        return document
    }

    @Test func roundTripsWithTheDesignedShape() throws {
        let document = try Self.sample()
        let data = try document.jsonData()
        #expect(try ResultsDocument.decode(data) == document)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["schema"] as? String == "customerheat.results/1")
        #expect(object["asOf"] as? String == "2026-11-20")
        #expect(object["generatedAt"] as? String == "2026-11-22T10:00:00Z")
        let policy = try #require(object["policy"] as? [String: Any])
        #expect(policy.keys.contains("epsilon"))  // explicit null
        let levels = try #require((object["population"] as? [String: Any])?["levels"] as? [String: Int])
        #expect(levels == ["cold": 2, "cool": 0, "warm": 8, "hot": 0])
        #expect(object["personas"] == nil)  // absent sections are omitted
        #expect(try document.jsonData() == data)  // stable bytes
    }

    @Test func rejectsForeignAndNewerDocuments() throws {
        #expect(throws: ResultsDocumentError.notJSON(source: "r.json")) {
            try ResultsDocument.decode(Data("nope".utf8), source: "r.json")
        }
        #expect(throws: ResultsDocumentError.wrongSchema(source: "r.json", found: nil)) {
            try ResultsDocument.decode(Data("{}".utf8), source: "r.json")
        }
        #expect(throws: ResultsDocumentError.newerSchema(source: "r.json", found: "customerheat.results/2")) {
            try ResultsDocument.decode(Data(#"{"schema":"customerheat.results/2"}"#.utf8), source: "r.json")
        }
        do {
            _ = try ResultsDocument.decode(Data(#"{"schema":"customerheat.results/1","mode":"plaintext"}"#.utf8), source: "r.json")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("missing key"))
            #expect(error.category.exitCode == 65)
        }
    }
}
