import Foundation
import Testing
@testable import HeatCore

@Suite struct ClientReaderTests {
    @Test func readsClientsAndRejectsBadRows() throws {
        let text = """
            client_id,segment,region,opened_on,manager_id,branch
            C001,retail,North,2019-04-01,M01,BR01
            C002,affluent,South,,M02,BR02
            C001,retail,North,2019-04-01,M01,BR01
            C003,retail,North,2019-13-01,M01,BR01
            C004,,North,2019-01-01,M01,BR01
            """
        let report = try ClientReader().read(data: Data(text.utf8), file: "clients.csv")
        #expect(report.records.map(\.clientID) == ["C001", "C002"])
        #expect(report.records[0].openedOn == CalendarDate(year: 2019, month: 4, day: 1))
        #expect(report.records[1].openedOn == nil)
        #expect(report.rejects.map(\.line) == [4, 5, 6])
        #expect(report.rejects.map(\.column) == [1, 4, 2])
        #expect(report.rejects[0].reason == "duplicate client_id (first on line 2)")  // never the raw id
        #expect(report.rejects[1].reason.contains("2019-13-01"))
        #expect(report.rowsRead == 5)
        #expect(report.rejectReport.hasPrefix("clients.csv: rejected 3 of 5 rows (2 kept)"))
    }

    @Test func requiresEveryColumn() throws {
        #expect(throws: IngestError.missingColumns(file: "c.csv", missing: ["opened_on"], found: ["client_id", "segment", "region", "manager_id", "branch"])) {
            try ClientReader().read(data: Data("client_id,segment,region,manager_id,branch\n".utf8), file: "c.csv")
        }
    }

    @Test func readsClientJSONLines() throws {
        let text = "{\"client_id\":\"C1\",\"segment\":\"retail\",\"region\":\"N\",\"manager_id\":\"M1\",\"branch\":\"B1\"}\n"
        let report = try ClientReader().read(data: Data(text.utf8), file: "c.jsonl")
        #expect(report.records.first?.openedOn == nil)
        #expect(report.isClean)
    }
}
