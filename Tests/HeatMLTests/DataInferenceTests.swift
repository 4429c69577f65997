import Foundation
import Testing
@testable import HeatML

/// The silent failures of the data layer listed in issue 17, each pinned by a test.
@Suite("Honest data loading and type inference")
struct DataInferenceTests {
    static func csv(_ header: String, rows: Int, _ cell: (Int) -> String) -> [UInt8] {
        var text = header + "\n"
        for i in 0..<rows { text += cell(i) + "\n" }
        return Array(text.utf8)
    }

    @Test(arguments: ["NA", "NaN", "N/A", "null", "nan", "inf", "-inf", "1e400", "-1e400"])
    func oneOddCellKeepsANumericColumnNumeric(token: String) throws {
        // 2,000 rows with one odd cell: before, the column turned categorical (1,974 features).
        let bytes = Self.csv("amount,y", rows: 2000) { $0 == 1234 ? "\(token),1" : "\(Double($0) / 10),\($0 % 2)" }
        let table = try DataTable(csv: bytes, source: "odd.csv")
        let column = try table.column(named: "amount")
        #expect(column.type == .numeric)
        #expect(column.numbers[1234].isNaN)
        #expect(column.numbers[5] == 0.5)
        #expect(table.loadReport.notes.contains { $0.column == "amount" && $0.cells == 1 }, "the cell read as missing is reported")
        let transformer = try ColumnTransformer.fit(table, features: ["amount"])
        #expect(transformer.featureNames == ["amount"])
    }

    @Test func hexadecimalIsNotANumber() throws {
        let table = try DataTable(csv: Array("code\n0x1A\n12\n".utf8), source: "hex.csv")
        #expect(try table.column(named: "code").type == .categorical)
        #expect(throws: HeatMLError.badCell(source: "hex.csv", line: 2, column: "code", value: "0x1A", expected: .numeric)) {
            try DataTable(csv: Array("code\n0x1A\n12\n".utf8), source: "hex.csv", overrides: ["code": .numeric])
        }
    }

    @Test func anIdentifierColumnIsListedNotEncoded() throws {
        let bytes = Self.csv("customer,spend,y", rows: 300) { "C\($0 + 100),\($0 % 17),\($0 % 2)" }
        let table = try DataTable(csv: bytes, source: "ids.csv")
        #expect(try table.column(named: "customer").type == .identifier)
        #expect(table.loadReport.identifierColumns == ["customer"])
        #expect(ModelPipeline.featureColumns(of: table, target: "y") == ["spend"])
    }

    @Test func aZeroPaddedMonthIsNotDroppedAsAnIdentifier() throws {
        let bytes = Self.csv("month,y", rows: 240) { String(format: "%02d,%d", $0 % 12 + 1, $0 % 2) }
        let table = try DataTable(csv: bytes, source: "months.csv")
        let month = try table.column(named: "month")
        #expect(month.type == .numeric)
        #expect(month.numbers[0] == 1 && month.numbers[11] == 12)
        #expect(table.loadReport.identifierColumns.isEmpty)
        #expect(ModelPipeline.featureColumns(of: table, target: "y") == ["month"])
    }

    @Test func tooManyCategoriesAreRefusedNamingTheColumn() throws {
        // 150 distinct values, each twice: not nearly unique, so not an identifier.
        let bytes = Self.csv("city,y", rows: 300) { "town\($0 % 150),\($0 % 2)" }
        let error = #expect(throws: HeatMLError.self) {
            try DataTable(data: Data(bytes), source: "cities.csv", options: .init())
        }
        #expect(error == .tooManyCategories(source: "cities.csv", column: "city", distinct: 150, limit: 100, example: nil))
        #expect(error?.category == .dataError)
        #expect(error?.hint?.contains("--max-categories") == true)
        // Overriding the type accepts it.
        let typed = try DataTable(data: Data(bytes), source: "cities.csv", options: .init(overrides: ["city": .categorical]))
        #expect(try typed.column(named: "city").type == .categorical)
    }

    @Test func maxCategoriesGroupsTheRarestIntoOther() throws {
        // a x4, b x3, c x2, d x1, e x1 -> with 3 features: a, b, other (c, d, e) as scikit-learn.
        let cells = ["a", "a", "a", "a", "b", "b", "b", "c", "c", "d", "e"]
        let encoder = OneHotEncoder.fit(cells, maxCategories: 3)
        #expect(encoder.categories == ["a", "b"])
        #expect(encoder.grouped == ["c", "d", "e"])
        #expect(encoder.featureLabels == ["a", "b", "other"])
        #expect(encoder.transform(["c", "a", "zzz"]) == [[0, 1, 0], [0, 0, 0], [1, 0, 1]])
        // Ties: the lexicographically smaller category is grouped first.
        #expect(OneHotEncoder.fit(["x", "y", "z"], maxCategories: 2).categories == ["z"])
        #expect(OneHotEncoder.fit(["x", "y", "z"], maxCategories: 3).grouped == nil)
    }

    @Test func numericCellsAreStoredWithoutText() throws {
        let table = try DataTable(csv: Array("a,b\n1.50,x\n2,y\n".utf8), source: "s.csv")
        let a = try table.column(named: "a")
        #expect(a.dictionary.isEmpty && a.codes.isEmpty)
        #expect(a.raw == ["1.5", "2"])
        let b = try table.column(named: "b")
        #expect(b.dictionary.count == 2 && b.codes == [0, 1])
    }
}
