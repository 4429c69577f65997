import Foundation
import HeatEnvelope
import HeatTabular

/// A small RFC 4180 CSV parser that remembers the line number of every record.
///
/// Accepts a UTF-8 byte-order mark, `\n` or `\r\n` line ends, and double-quoted fields with
/// `""` escapes and embedded commas or line breaks; a quote inside an unquoted field is kept as
/// a literal character. Blank lines are skipped. Fields are returned
/// exactly as written (no trimming) apart from the quotes.
///
/// ```swift
/// let records = try CSVParser.parse(Array("a,b\n1,\"x,y\"\n".utf8), source: "inline")
/// // records[1].fields == ["1", "x,y"], records[1].line == 2
/// ```
public enum CSVParser {
    /// One parsed record: its fields and the 1-based line it starts on.
    public struct Record: Sendable, Equatable {
        /// The record's fields, unquoted.
        public var fields: [String]
        /// The 1-based line number where the record starts.
        public var line: Int
    }

    /// Parses CSV bytes into records.
    ///
    /// - Parameters:
    ///   - bytes: the file content (UTF-8, an optional BOM).
    ///   - source: the name used in error messages (usually the path).
    /// - Returns: every non-blank record, header included.
    /// - Throws: ``HeatMLError/unterminatedQuote(source:line:)`` for a quote left open, or
    ///   ``HeatMLError/notUTF8(path:)`` when a field is not valid UTF-8, or
    ///   `HeatMLError.tabular(.limitExceeded)` for a record above ``ReaderLimit/lineBytes`` or
    ///   ``ReaderLimit/fieldCount`` (``ReaderLimits/current``).
    public static func parse(_ bytes: [UInt8], source: String) throws(HeatMLError) -> [Record] {
        try parse(bytes, source: source, limits: .current)
    }

    /// Parses CSV bytes into records under explicit resource bounds.
    ///
    /// - Parameters:
    ///   - bytes: the file content (UTF-8, an optional BOM).
    ///   - source: the name used in error messages (usually the path).
    ///   - limits: the per-record bounds.
    /// - Returns: every non-blank record, header included.
    /// - Throws: as ``parse(_:source:)``.
    public static func parse(_ bytes: [UInt8], source: String, limits: ReaderLimits) throws(HeatMLError) -> [Record] {
        try parse(contiguous: bytes, source: source, limits: limits)
    }

    /// Parses CSV bytes held in any zero-based contiguous collection (an array, or the bytes of a
    /// memory-mapped file), without copying them first.
    ///
    /// - Parameters:
    ///   - bytes: the file content (UTF-8, an optional BOM), indexed from 0.
    ///   - source: the name used in error messages.
    ///   - limits: the per-record bounds.
    /// - Returns: every non-blank record, header included.
    /// - Throws: as ``parse(_:source:)``.
    static func parse<Bytes: RandomAccessCollection>(
        contiguous bytes: Bytes, source: String, limits: ReaderLimits
    ) throws(HeatMLError) -> [Record] where Bytes.Element == UInt8, Bytes.Index == Int {
        let maximumFields = limits[.fieldCount]
        let maximumBytes = limits[.lineBytes]
        var records: [Record] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var index = bytes.startIndex
        if bytes.count >= 3, bytes[index] == 0xEF, bytes[index + 1] == 0xBB, bytes[index + 2] == 0xBF { index += 3 }
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var quoteStartLine = 1
        var recordHasContent = false
        var recordStart = index

        func checkLength() throws(HeatMLError) {
            if index - recordStart > maximumBytes {
                throw .tabular(.limitExceeded(ReaderLimitExceeded(
                    limit: .lineBytes, value: index - recordStart, maximum: maximumBytes, source: source, field: "line \(recordLine)")))
            }
        }

        func finishField() throws(HeatMLError) {
            if fields.count >= maximumFields {
                throw .tabular(.limitExceeded(ReaderLimitExceeded(
                    limit: .fieldCount, value: fields.count + 1, maximum: maximumFields, source: source, field: "line \(recordLine)")))
            }
            if index - recordStart > maximumBytes {
                throw .tabular(.limitExceeded(ReaderLimitExceeded(
                    limit: .lineBytes, value: index - recordStart, maximum: maximumBytes, source: source, field: "line \(recordLine)")))
            }
            guard let text = String(validating: field, as: UTF8.self) else { throw .notUTF8(path: source) }
            fields.append(text)
            field.removeAll(keepingCapacity: true)
        }

        while index < bytes.endIndex {
            let byte = bytes[index]
            if inQuotes {
                if byte == UInt8(ascii: "\"") {
                    if index + 1 < bytes.endIndex, bytes[index + 1] == UInt8(ascii: "\"") {
                        try checkLength()
                        field.append(byte)
                        index += 2
                        continue
                    }
                    inQuotes = false
                } else {
                    if byte == UInt8(ascii: "\n") { line += 1 }
                    try checkLength()
                    field.append(byte)
                }
                index += 1
                continue
            }
            switch byte {
            case UInt8(ascii: "\"") where field.isEmpty:
                // A quote opens a quoted field only at the start of the field; elsewhere it is literal.
                inQuotes = true
                quoteStartLine = line
                recordHasContent = true
            case UInt8(ascii: ","):
                try finishField()
                recordHasContent = true
            case UInt8(ascii: "\r") where index + 1 < bytes.endIndex && bytes[index + 1] == UInt8(ascii: "\n"):
                break
            case UInt8(ascii: "\n"):
                if recordHasContent || !field.isEmpty {
                    try finishField()
                    records.append(Record(fields: fields, line: recordLine))
                }
                fields.removeAll(keepingCapacity: true)
                field.removeAll(keepingCapacity: true)
                recordHasContent = false
                line += 1
                recordLine = line
                recordStart = index + 1
            default:
                try checkLength()
                field.append(byte)
            }
            index += 1
        }
        if inQuotes { throw .unterminatedQuote(source: source, line: quoteStartLine) }
        if recordHasContent || !field.isEmpty {
            try finishField()
            records.append(Record(fields: fields, line: recordLine))
        }
        return records
    }

    /// Quotes a field for CSV output when it contains a comma, quote or line break, and
    /// neutralises a spreadsheet formula (a `'` before `=`, `+`, `-`, `@`), as the project's one
    /// writer does.
    ///
    /// - Parameter field: the raw text.
    /// - Returns: the text, quoted with `""` escapes when needed.
    @available(*, deprecated, message: "use HeatTabular's CSVWriter.field(_:) (the project's one CSV writer)")
    public static func escape(_ field: String) -> String {
        CSVWriter.field(field)
    }
}
