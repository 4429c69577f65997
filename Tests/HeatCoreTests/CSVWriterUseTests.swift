import Foundation
import HeatCore
import Testing

/// Every CSV HeatCore writes goes through HeatTabular's one writer and neutralises formulas.
@Suite struct CSVWriterUseTests {
    @Test func reportTablesNeutraliseFormulaTextButNotNumbers() {
        let table = ReportTable(name: "t", title: "T", columns: ["ref", "value"],
                                rows: [[.text("=HYPERLINK(\"x\")"), .integer(-3)], [.text("@x"), .number(-0.5)], [.text(" ok "), .empty]])
        #expect(table.csv() == "ref,value\r\n\"'=HYPERLINK(\"\"x\"\")\",-3\r\n'@x,-0.5\r\n\" ok \",\r\n")
    }

    @Test func heatScoresNeutraliseAnInputFilesFormulaID() {
        let scores = [HeatScore(clientID: "=cmd|' /C calc'!A0", heat: 5, trend: -2, level: .cold, cooling: false),
                      HeatScore(clientID: "C-1", heat: 7, trend: 0, level: .cold, cooling: false)]
        let text = String(decoding: ScoresCSV.data(scores), as: UTF8.self)
        #expect(text == "client_id,heat,trend,level,cooling\n'=cmd|' /C calc'!A0,5,-2,cold,false\nC-1,7,0,cold,false\n")
    }

    @Test func syntheticClientFilesGoThroughTheWriter() {
        let clients = [Client(clientID: "+1+cmd", segment: "retail", region: "north", openedOn: nil, managerID: "@M", branch: "B,1")]
        let text = String(decoding: SyntheticCSV.clients(clients), as: UTF8.self)
        #expect(text == "client_id,segment,region,opened_on,manager_id,branch\n'+1+cmd,retail,north,,'@M,\"B,1\"\n")
    }
}
