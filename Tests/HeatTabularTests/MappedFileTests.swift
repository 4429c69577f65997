import Foundation
import Testing
@testable import HeatTabular

/// Issue 17 part 4: reading a CSV through a ``MappedFile`` drops the pages already parsed, and
/// the result (and any later read of the bytes) is the same as reading the bytes in memory.
@Suite("Mapped CSV files")
struct MappedFileTests {
    /// A CSV of `rows` rows: a number column, a column that turns text at row 700, a missing cell every 9 rows.
    static func csv(rows: Int) -> String {
        var text = "id,amount,label\n"
        for i in 0..<rows {
            let label = i == 700 ? "late text" : String(i % 4)
            text += "\(i),\(i % 9 == 0 ? "NA" : String(Double(i) * 0.25)),\(label)\n"
        }
        return text
    }

    static func temporaryFile(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appending(path: "mapped-\(UUID().uuidString).csv")
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test("the pages behind the reader are released every stride, and the table is the in-memory one")
    func releaseEveryStride() throws {
        let text = Self.csv(rows: 1_000)
        let bytes = Array(text.utf8)
        let expected = try ColumnarReader.read(data: Data(bytes), file: "t.csv")
        var released: [Int] = []
        let table = try bytes.withUnsafeBufferPointer { buffer in
            try ColumnarReader.read(bytes: buffer, file: "t.csv", options: .init(), release: { released.append($0) }, releaseStride: 4_096)
        }
        // `Column` equality compares numbers with `==`, false for `.nan`: compare the descriptions.
        #expect(String(describing: table) == String(describing: expected))
        // About one release per 4 KiB, each at a record start, increasing.
        #expect(released.count >= bytes.count / 4_096 - 1 && released.count <= bytes.count / 4_096 + 1, "\(released.count) releases for \(bytes.count) bytes")
        #expect(released == released.sorted() && Set(released).count == released.count)
        #expect(released.allSatisfy { $0 > 0 && bytes[$0 - 1] == UInt8(ascii: "\n") })
        // Column `label` turned text after the first releases: its earlier rows were re-read.
        guard case let .text(dictionary, codes) = table.columns[2].values else { Issue.record("label is not text"); return }
        #expect(dictionary[Int(codes[700])] == "late text" && dictionary[Int(codes[0])] == "0")
    }

    @Test("a mapped file reads the same table, and its bytes read the same after every page is dropped")
    func mappedFile() throws {
        let text = Self.csv(rows: 3_000)
        let url = try Self.temporaryFile(text)
        defer { try? FileManager.default.removeItem(at: url) }
        let mapped = try MappedFile(url: url)
        #expect(mapped.data.count == text.utf8.count)
        let table = try ColumnarReader.read(mapped: mapped, file: url.path)
        #expect(String(describing: table) == String(describing: try ColumnarReader.read(data: Data(text.utf8), file: url.path)))
        mapped.dropPages(before: Int.max)
        #expect(mapped.data == Data(text.utf8), "dropped pages are read from the file again")
        #expect(table.recordRanges.last.map { String(decoding: mapped.data[$0], as: UTF8.self) } == "2999,749.75,3")
    }

    @Test("an empty file maps to no bytes; a missing file or a directory is a clear error")
    func edges() throws {
        let empty = try Self.temporaryFile("")
        defer { try? FileManager.default.removeItem(at: empty) }
        let mapped = try MappedFile(url: empty)
        #expect(mapped.data.isEmpty)
        mapped.dropPages(before: 10)
        let missing = FileManager.default.temporaryDirectory.appending(path: "absent-\(UUID().uuidString).csv")
        #expect(throws: TabularError.missingFile(path: missing.path)) { try MappedFile(url: missing) }
        #expect(throws: TabularError.unreadableFile(path: FileManager.default.temporaryDirectory.path, reason: "it is not a regular file")) {
            try MappedFile(url: FileManager.default.temporaryDirectory)
        }
    }
}
