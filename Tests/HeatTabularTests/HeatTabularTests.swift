import Foundation
import Testing
@testable import HeatTabular

@Suite("Shared tabular reader")
struct HeatTabularTests {
    static func parse(_ text: String, missing: MissingTokens = .standard) -> CellValue {
        var copy = text
        return copy.withUTF8 { DecimalParser.parse($0, missing: missing) }
    }

    @Test func decimalsParseExactlyAsTheStandardLibrary() {
        var generator = SystemRandomNumberGenerator()
        var texts = ["0", "-0", "+1", ".5", "5.", "007", "1e3", "1E-3", "-2.5e+10", "123456789012345678901234", "0.1", "3.141592653589793",
                     "9007199254740993", "1e22", "1e23", "4.9e-324", "1.7976931348623157e308", "2.2250738585072014e-308", "0.000001234"]
        for _ in 0..<2000 {
            let value = Double(bitPattern: generator.next() & 0x7FEF_FFFF_FFFF_FFFF)
            texts.append("\(value)")
            texts.append(String(format: "%.6g", Double.random(in: -1e6...1e6, using: &generator)))
            texts.append(String(Int.random(in: -1_000_000_000...1_000_000_000, using: &generator)))
        }
        for text in texts {
            guard let expected = Double(text), expected.isFinite else { continue }
            #expect(Self.parse(text) == .number(expected), "\(text)")
        }
    }

    @Test func missingInfiniteAndTextCells() {
        for token in ["", "  ", "NA", "na", "N/A", "NaN", "nan", "null", "NULL", "None", "#N/A"] {
            #expect(Self.parse(token) == .missing, "\(token)")
        }
        for token in ["inf", "-inf", "Infinity", "+INF", "1e400", "-1e309"] {
            #expect(Self.parse(token) == .infinite, "\(token)")
        }
        for token in ["0x1A", "0X1a", "1,234", "12abc", "e5", "1e", "--1", "1.2.3", "0x1p3", "."] {
            #expect(Self.parse(token) == .text, "\(token)")
        }
        #expect(Self.parse(" 12.5\t") == .number(12.5))
        #expect(Self.parse("NA", missing: MissingTokens(["?"])) == .text)
        #expect(Self.parse("?", missing: MissingTokens(["?"])) == .missing)
    }

    @Test func readsTypedColumnsAndReReadsAColumnThatTurnsText() throws {
        let text = "\u{FEFF}a, b ,c\r\n1,x,\"2,5\"\r\n\r\n2,NA,3\n3,y,z\n"
        let table = try ColumnarReader.read(data: Data(text.utf8), file: "t.csv")
        #expect(table.columns.map(\.name) == ["a", "b", "c"])
        #expect(table.lines == [2, 4, 5])
        #expect(table.columns[0].values == .numbers([1, 2, 3]))
        #expect(table.columns[1].values == .text(dictionary: ["x", "y"], codes: [0, -1, 1]))
        #expect(table.columns[1].missingTokenCells == 1)
        // Column c: "2,5" is text (a comma), so c is text from the first row.
        guard case let .text(dictionary, codes) = table.columns[2].values else { Issue.record("c should be text"); return }
        #expect(codes.map { dictionary[Int($0)] } == ["2,5", "3", "z"])
        // A column whose first cells are numbers keeps them as text once it turns text.
        let late = try ColumnarReader.read(data: Data("v\n1\n01\nabc\n".utf8), file: "late.csv")
        guard case let .text(d2, c2) = late.columns[0].values else { Issue.record("v should be text"); return }
        #expect(c2.map { d2[Int($0)] } == ["1", "01", "abc"])
        #expect(late.columns[0].firstText?.line == 4)
    }

    @Test func errorsNameFileLineAndColumn() {
        #expect(throws: TabularError.wrongFieldCount(file: "w.csv", line: 3, expected: 2, found: 3)) {
            try ColumnarReader.read(data: Data("a,b\n1,2\n1,2,3\n".utf8), file: "w.csv")
        }
        #expect(throws: TabularError.unterminatedQuote(file: "q.csv", line: 2, column: 2)) {
            try ColumnarReader.read(data: Data("a,b\n1,\"open\n".utf8), file: "q.csv")
        }
        #expect(throws: TabularError.textAfterQuote(file: "x.csv", line: 2, column: 1)) {
            try ColumnarReader.read(data: Data("a\n\"q\"x\n".utf8), file: "x.csv")
        }
        let bad = Data([0x61, 0x0A, 0x62, 0xFF, 0x0A])
        #expect(throws: TabularError.self) { try ColumnarReader.read(data: bad, file: "u.csv") }
        #expect(throws: TabularError.noHeader(file: "e.csv")) { try ColumnarReader.read(data: Data(), file: "e.csv") }
        #expect(throws: TabularError.missingFile(path: "/nonexistent/none.csv")) { try ColumnarReader.read(url: URL(filePath: "/nonexistent/none.csv")) }
    }

    @Test func internerGivesEqualBytesEqualCodes() {
        var interner = ByteInterner()
        var codes: [Int32] = []
        for i in 0..<5000 {
            var text = "value\(i % 1234)"
            codes.append(text.withUTF8 { interner.intern($0) })
        }
        #expect(interner.count == 1234)
        #expect(codes[0] == codes[1234] && codes[1] != codes[0])
        #expect(interner.strings()[Int(codes[7])] == "value7")
    }
}

@Suite struct CSVWriterTests {
    @Test func formulaCellsAreNeutralisedAndNumbersAreNot() {
        for formula in ["=1+1", "+A1", "-A1", "@SUM(A1)", "=HYPERLINK(\"x\")", "-", "+"] {
            #expect(CSVWriter.isFormula(formula), "\(formula)")
            #expect(CSVWriter.neutralized(formula) == "'" + formula)
        }
        for plain in ["-2.5", "+1", "1e3", "-inf", "abc", "", "a=b", "'=x"] {
            #expect(!CSVWriter.isFormula(plain), "\(plain)")
            #expect(CSVWriter.neutralized(plain) == plain)
        }
    }

    @Test func rowsAreQuotedAsRFC4180AfterNeutralising() {
        var writer = CSVWriter()
        writer.writeRow(["id", "note"])
        writer.writeRow(["C-1", "=HYPERLINK(\"http://x\",\"y\")"])
        writer.writeRow(["a,b", "say \"hi\""])
        #expect(writer.text == "id,note\nC-1,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\n\"a,b\",\"say \"\"hi\"\"\"\n")
        var crlf = CSVWriter(lineEnding: .crlf, quoting: .alsoSurroundingSpaces)
        crlf.writeRow([" x", "@y"])
        #expect(crlf.text == "\" x\",'@y\r\n")
        #expect(CSVWriter.field("plain") == "plain")
    }

    @Test func rawRowsAreScreenedCheaply() {
        #expect(!CSVWriter.mayHoldFormula(Array("a,b,1.5,x-y".utf8)))
        #expect(CSVWriter.mayHoldFormula(Array("a,=b".utf8)))
        #expect(CSVWriter.mayHoldFormula(Array("a,\"@b\"".utf8)))
        #expect(CSVWriter.mayHoldFormula(Array("+a".utf8)))
        #expect(CSVWriter.mayHoldFormula(Array("a,-1".utf8)), "a negative number is screened in, then kept by isFormula")
    }
}
