import Foundation
import Testing
@testable import HeatML

/// `DataTable.csvText(appending:)`, behind `ml predict | cluster | anomalies`, goes through the
/// one CSV writer: formulas neutralised, plain rows byte for byte.
@Suite struct CSVTextTests {
    @Test func rowsReadFromAFileKeepTheirBytesUnlessTheyHoldAFormula() throws {
        let text = "id,note,x\n1,\"plain\",-2\n2,=1+1,3\n3,\"@SUM(A1)\",4\n"
        let table = try DataTable(csv: Array(text.utf8), source: "n.csv", overrides: ["note": .categorical])
        let out = table.csvText(appending: [(name: "score", values: ["0.5", "-0.25", "=bad"])])
        #expect(out == "id,note,x,score\n1,\"plain\",-2,0.5\n2,'=1+1,3,-0.25\n3,'@SUM(A1),4,'=bad\n")
    }

    @Test func tablesBuiltInMemoryNeutraliseToo() throws {
        let table = try DataTable(columns: [DataColumn(name: "note", type: .categorical, raw: ["=x", "ok"])])
        #expect(table.csvText() == "note\n'=x\nok\n")
    }
}
