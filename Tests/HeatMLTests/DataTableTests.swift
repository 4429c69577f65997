import Foundation
import Testing
@testable import HeatML

@Suite("CSV tables")
struct DataTableTests {
    @Test func parsesBOMCRLFQuotesAndEmbeddedLineBreaks() throws {
        let text = "\u{FEFF}id,name,amount\r\n00042,\"Smith, \"\"Jo\"\"\",12.5\r\n00043,\"two\nlines\",\r\n"
        let table = try DataTable(csv: Array(text.utf8), source: "inline.csv")
        #expect(table.columnNames == ["id", "name", "amount"])
        #expect(table.rowCount == 2)
        #expect(try table.column(named: "name").raw == ["Smith, \"Jo\"", "two\nlines"])
        #expect(try table.column(named: "amount").raw == ["12.5", nil])
        #expect(table.lines == [2, 3])
        #expect(try table.column(named: "amount").numbers[1].isNaN)
    }

    @Test func quoteInsideAnUnquotedFieldIsLiteral() throws {
        let records = try CSVParser.parse(Array("a,b\n5\" disk,\"x\"\"y\"\n".utf8), source: "q.csv")
        #expect(records.map(\.fields) == [["a", "b"], ["5\" disk", "x\"y"]])
        #expect(CSVParser.escape("x\"y") == "\"x\"\"y\"")
    }

    @Test func infersColumnTypes() throws {
        let text = """
            id,when,flag,score,segment,count
            007,2024-02-29,true,1.5,gold,1
            010,2024-03-01,FALSE,-2e3,silver,0
            123,,true,,gold,1
            """
        let table = try DataTable(csv: Array(text.utf8), source: "types.csv")
        #expect(table.columns.map(\.type) == [.identifier, .date, .boolean, .numeric, .categorical, .numeric])
        #expect(try table.column(named: "id").raw == ["007", "010", "123"])
        #expect(try table.column(named: "when").numbers[0] == 19_782)
        #expect(try table.column(named: "flag").numbers == [1, 0, 1])
    }

    @Test func overridesReplaceInference() throws {
        let text = "code,count\n1,01\n2,02\n"
        let table = try DataTable(csv: Array(text.utf8), source: "o.csv", overrides: ["code": .categorical, "count": .numeric])
        #expect(try table.column(named: "code").type == .categorical)
        #expect(try table.column(named: "count").numbers == [1, 2])
    }

    @Test func badCellNamesFileLineColumnAndValue() throws {
        let text = "a,b\n1,2\n3,x7\n"
        let error = #expect(throws: HeatMLError.self) {
            try DataTable(csv: Array(text.utf8), source: "bad.csv", overrides: ["b": .numeric])
        }
        #expect(error == .badCell(source: "bad.csv", line: 3, column: "b", value: "x7", expected: .numeric))
        #expect(error?.description == "bad.csv:3: column 'b': value 'x7' is not a numeric value")
        #expect(error?.category == .dataError)
    }

    @Test func structuralErrorsAreReported() {
        #expect(throws: HeatMLError.emptyTable(source: "e.csv")) { try DataTable(csv: Array("a,b\n".utf8), source: "e.csv") }
        #expect(throws: HeatMLError.emptyTable(source: "e.csv")) { try DataTable(csv: [], source: "e.csv") }
        #expect(throws: HeatMLError.wrongFieldCount(source: "w.csv", line: 3, expected: 2, found: 3)) {
            try DataTable(csv: Array("a,b\n1,2\n1,2,3\n".utf8), source: "w.csv")
        }
        #expect(throws: HeatMLError.unterminatedQuote(source: "q.csv", line: 2)) {
            try DataTable(csv: Array("a\n\"open\n".utf8), source: "q.csv")
        }
        #expect(throws: HeatMLError.duplicateColumn(source: "d.csv", column: "a")) {
            try DataTable(csv: Array("a,a\n1,2\n".utf8), source: "d.csv")
        }
        #expect(throws: HeatMLError.missingFile(path: "/nonexistent/x.csv")) {
            try DataTable(contentsOf: URL(filePath: "/nonexistent/x.csv"))
        }
    }

    @Test func writesCSVBackWithExtraColumn() throws {
        let table = try DataTable(csv: Array("a,b\n\"x,y\",\n".utf8), source: "r.csv")
        #expect(table.csvText(appending: [(name: "p", values: ["0.5"])]) == "a,b,p\n\"x,y\",,0.5\n")
    }

    @Test func matrixIsColumnMajor() throws {
        let m = try Matrix(rows: [[1, 2, 3], [4, 5, 6]])
        #expect(m.values == [1, 4, 2, 5, 3, 6])
        #expect(Array(m.column(1)) == [2, 5])
        #expect(m.row(1) == [4, 5, 6])
        #expect(m.selectingRows([1]).values == [4, 5, 6])
        #expect(throws: HeatMLError.self) { try Matrix(rows: [[1, 2], [3]]) }
        var copy = m
        try copy.setColumn(2, to: [7, 8])
        #expect(copy.values == [1, 4, 2, 5, 7, 8])
        #expect(throws: HeatMLError.self) { try copy.setColumn(0, to: [1]) }
        #expect(throws: HeatMLError.self) { try copy.setColumn(3, to: [1, 2]) }
    }
}
