import HeatEnvelope
import HeatTabular

/// The byte-level tokenizer shared by the readers: splits a CSV or JSON Lines buffer into rows of
/// fields addressed by a fixed list of column names, with 1-based line numbers, and reports rows
/// it cannot tokenize (ragged rows, unclosed quotes, bad JSON, NUL bytes, invalid UTF-8).
///
/// It never creates a `String` per field: values are byte ranges into the file (or into a small
/// scratch buffer for values with escapes), and the record readers decode only what they keep.
/// One instance scans one buffer once; it is not shared between threads.
final class TabularScanner {
    /// A field's value and where it came from.
    struct Span {
        /// Start of the value (in the file, or in the scratch buffer when `inScratch`).
        var start = 0
        /// End of the value (exclusive).
        var end = 0
        /// Whether the value lives in the scratch buffer (it had escapes).
        var inScratch = false
        /// Start of the raw text in the file (used for positions and byte checks).
        var rawStart = 0
        /// End of the raw text in the file.
        var rawEnd = 0
        /// Whether the row had this column (JSON Lines objects may omit keys).
        var present = false
    }

    /// One tokenized row as seen by a record reader.
    struct Row {
        /// The 1-based line where the record starts.
        let line: Int
        /// The file offset of that line's first byte.
        let lineStart: Int
        let base: UnsafeBufferPointer<UInt8>
        let scratch: UnsafeBufferPointer<UInt8>
        let spans: [Span]
        /// For CSV, the 1-based header position of each schema column; empty for JSON Lines.
        let headerPositions: [Int]

        /// Whether the row has the schema column `index`.
        func isPresent(_ index: Int) -> Bool { spans[index].present }

        /// The value bytes of schema column `index` (empty when absent).
        func bytes(_ index: Int) -> UnsafeBufferPointer<UInt8> {
            let span = spans[index]
            guard span.present else { return UnsafeBufferPointer(start: base.baseAddress, count: 0) }
            let source = span.inScratch ? scratch : base
            return UnsafeBufferPointer(rebasing: source[span.start..<span.end])
        }

        /// The value bytes with leading and trailing spaces and tabs removed.
        func trimmed(_ index: Int) -> UnsafeBufferPointer<UInt8> {
            let all = bytes(index)
            var lower = 0
            var upper = all.count
            while lower < upper, all[lower] == 0x20 || all[lower] == 0x09 { lower += 1 }
            while upper > lower, all[upper - 1] == 0x20 || all[upper - 1] == 0x09 { upper -= 1 }
            return UnsafeBufferPointer(rebasing: all[lower..<upper])
        }

        /// The trimmed value as a `String` (bytes were validated as UTF-8 by the scanner).
        func string(_ index: Int) -> String { String(decoding: trimmed(index), as: UTF8.self) }

        /// The 1-based column to report for schema column `index`: the header position for CSV,
        /// the byte position of the value in its line for JSON Lines.
        func column(_ index: Int) -> Int? {
            if !headerPositions.isEmpty { return headerPositions[index] }
            let span = spans[index]
            return span.present ? span.rawStart - lineStart + 1 : nil
        }
    }

    private static let quote = UInt8(ascii: "\"")
    private static let comma = UInt8(ascii: ",")
    private static let lf: UInt8 = 0x0A
    private static let cr: UInt8 = 0x0D

    let file: String
    let format: InputFormat
    /// The column names the record reader wants, in its own order.
    let schema: [[UInt8]]
    private let schemaNames: [String]
    private let base: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var line = 1
    private var scratch: [UInt8] = []
    private var spans: [Span]
    private var rawFields: [Span] = []
    private var headerMap: [Int] = []       // header position -> schema index or -1
    private var headerNames: [String] = []
    private var headerPositions: [Int] = [] // schema index -> 1-based header position (0 = absent)
    private var seenUnknownKeys = Set<[UInt8]>()
    /// Header columns (CSV) or object keys (JSON Lines) that are not in the schema, in order of
    /// first appearance, each once: they are ignored.
    private(set) var ignoredFields: [String] = []
    /// The per-record bounds (``ReaderLimit/lineBytes``, ``ReaderLimit/fieldCount``): a record
    /// above them is rejected before more of it is stored.
    var limits = ReaderLimits.current

    /// Creates a scanner over `bytes` for the given schema.
    init(bytes: UnsafeBufferPointer<UInt8>, file: String, format: InputFormat, schema: [String]) {
        self.base = bytes
        self.file = file
        self.format = format
        self.schemaNames = schema
        self.schema = schema.map { Array($0.utf8) }
        self.spans = Array(repeating: Span(), count: schema.count)
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }
    }

    /// Reads the CSV header and checks it names every required column.
    ///
    /// - Parameter required: the schema columns that must be present.
    /// - Returns: the header's column names as found (trimmed, lower-cased).
    /// - Throws: ``IngestError`` for an empty file, a header-less file, a semicolon-separated
    ///   header, a duplicate or missing column, or a malformed header.
    @discardableResult
    func readHeader(required: Set<String>) throws(IngestError) -> [String] {
        guard !base.isEmpty else { throw .emptyFile(file: file) }
        if format == .jsonLines {
            var probe = position
            while probe < base.count, base[probe] == 0x20 || base[probe] == 0x09 || base[probe] == Self.lf || base[probe] == Self.cr { probe += 1 }
            guard probe < base.count else { throw .noHeader(file: file) }
            return []
        }
        var status = readCSVRecord()
        while case .blank = status { status = readCSVRecord() }
        switch status {
        case .end, .blank: throw .noHeader(file: file)
        case .error(_, let reason): throw .badHeader(file: file, reason: reason)
        case .ok: break
        }
        var names: [String] = []
        for (index, field) in rawFields.enumerated() {
            if let problem = Self.byteProblem(in: base, from: field.rawStart, to: field.rawEnd) {
                throw .badHeader(file: file, reason: "column \(index + 1): \(problem.reason)")
            }
            names.append(scratch.withUnsafeBufferPointer { s in
                Row(line: 1, lineStart: 0, base: base, scratch: s, spans: [field], headerPositions: [1]).string(0).lowercased()
            })
        }
        if names.count == 1, names[0].contains(";") { throw .semicolonDelimiter(file: file) }
        var seen = Set<String>()
        for name in names where !name.isEmpty {
            guard seen.insert(name).inserted else { throw .duplicateColumn(file: file, column: name) }
        }
        let missing = schemaNames.filter { required.contains($0) && !seen.contains($0) }
        guard missing.isEmpty else { throw .missingColumns(file: file, missing: missing, found: names) }
        headerNames = names
        headerMap = names.map { schemaNames.firstIndex(of: $0) ?? -1 }
        ignoredFields = zip(names, headerMap).filter { !$0.0.isEmpty && $0.1 < 0 }.map(\.0)
        headerPositions = schemaNames.map { name in (names.firstIndex(of: name).map { $0 + 1 }) ?? 0 }
        return names
    }

    /// Tokenizes every remaining row, calling `onRow` for each well-formed one and `onReject`
    /// for each row that cannot be tokenized.
    func scan(onRow: (Row) -> Void, onReject: (RowReject) -> Void) {
        switch format {
        case .csv: scanCSV(onRow: onRow, onReject: onReject)
        case .jsonLines: scanJSONLines(onRow: onRow, onReject: onReject)
        }
    }

    // MARK: CSV

    private enum RecordStatus {
        case ok, blank, end
        case error(column: Int, reason: String)
    }

    private func scanCSV(onRow: (Row) -> Void, onReject: (RowReject) -> Void) {
        while true {
            let recordLine = line
            let recordStart = position
            let status = readCSVRecord()
            switch status {
            case .end: return
            case .blank: continue
            case .error(let column, let reason):
                onReject(RowReject(file: file, line: recordLine, column: column, field: fieldName(column), reason: reason))
                continue
            case .ok: break
            }
            guard rawFields.count == headerMap.count else {
                onReject(RowReject(
                    file: file, line: recordLine, column: nil, field: nil,
                    reason: "expected \(headerMap.count) fields (as in the header), found \(rawFields.count)"))
                continue
            }
            var bad: RowReject?
            for (index, field) in rawFields.enumerated() {
                if let problem = Self.byteProblem(in: base, from: field.rawStart, to: field.rawEnd) {
                    bad = RowReject(file: file, line: recordLine + problem.lineOffset, column: index + 1,
                                    field: fieldName(index + 1), reason: problem.reason)
                    break
                }
            }
            if let bad { onReject(bad); continue }
            for index in spans.indices { spans[index].present = false }
            for (index, field) in rawFields.enumerated() where headerMap[index] >= 0 {
                var span = field
                span.present = true
                spans[headerMap[index]] = span
            }
            scratch.withUnsafeBufferPointer { s in
                onRow(Row(line: recordLine, lineStart: recordStart, base: base, scratch: s, spans: spans,
                          headerPositions: headerPositions))
            }
        }
    }

    private func fieldName(_ column: Int) -> String? {
        column >= 1 && column <= headerNames.count ? headerNames[column - 1] : nil
    }

    /// Reads one CSV record into `rawFields` (RFC 4180: quoted fields, doubled quotes, CRLF or LF).
    private func readCSVRecord() -> RecordStatus {
        rawFields.removeAll(keepingCapacity: true)
        scratch.removeAll(keepingCapacity: true)
        let b = base
        let n = b.count
        var i = position
        defer { position = i }
        guard i < n else { return .end }
        if b[i] == Self.lf { i += 1; line += 1; return .blank }
        if b[i] == Self.cr {
            i += (i + 1 < n && b[i + 1] == Self.lf) ? 2 : 1
            line += 1
            return .blank
        }
        let recordStart = i
        let maximumFields = limits[.fieldCount]
        let maximumBytes = limits[.lineBytes]
        while true {
            let column = rawFields.count + 1
            if i < n, b[i] == Self.quote {
                let openLine = line
                let rawStart = i
                i += 1
                var segmentStart = i
                var usesScratch = false
                var scratchStart = 0
                var closed = false
                while i < n {
                    let c = b[i]
                    if c == Self.quote {
                        if i + 1 < n, b[i + 1] == Self.quote {
                            // Past the record bound: stop copying (the check after the closing
                            // quote refuses the record), so `""` pairs cannot grow the scratch.
                            if i - recordStart > maximumBytes { i += 2; continue }
                            if !usesScratch { usesScratch = true; scratchStart = scratch.count }
                            scratch.append(contentsOf: b[segmentStart...i])
                            i += 2
                            segmentStart = i
                            continue
                        }
                        closed = true
                        break
                    }
                    if c == Self.lf { line += 1 }
                    i += 1
                }
                guard closed else {
                    return .error(column: column, reason: "the quoted field opened at line \(openLine) is not closed before the end of the file (the last line is cut; was the file truncated?)")
                }
                if i + 1 - recordStart > maximumBytes { i += 1; return overLimit(&i, recordStart: recordStart) }
                if usesScratch {
                    scratch.append(contentsOf: b[segmentStart..<i])
                    rawFields.append(Span(start: scratchStart, end: scratch.count, inScratch: true, rawStart: rawStart + 1, rawEnd: i, present: true))
                } else {
                    rawFields.append(Span(start: rawStart + 1, end: i, inScratch: false, rawStart: rawStart + 1, rawEnd: i, present: true))
                }
                i += 1
                if rawFields.count > maximumFields || i - recordStart > maximumBytes { return overLimit(&i, recordStart: recordStart) }
                guard i < n else { return .ok }
                let c = b[i]
                if c == Self.comma { i += 1; continue }
                if c == Self.lf { i += 1; line += 1; return .ok }
                if c == Self.cr { i += (i + 1 < n && b[i + 1] == Self.lf) ? 2 : 1; line += 1; return .ok }
                skipToNextLine(&i)
                return .error(column: column, reason: "unexpected text after the closing quote (a quote inside a quoted field must be doubled: \"\")")
            } else {
                let start = i
                while i < n {
                    let c = b[i]
                    if c == Self.comma || c == Self.lf || c == Self.cr { break }
                    i += 1
                }
                rawFields.append(Span(start: start, end: i, inScratch: false, rawStart: start, rawEnd: i, present: true))
                if rawFields.count > maximumFields || i - recordStart > maximumBytes { return overLimit(&i, recordStart: recordStart) }
                guard i < n else { return .ok }
                let c = b[i]
                if c == Self.comma { i += 1; continue }
                if c == Self.lf { i += 1; line += 1; return .ok }
                i += (i + 1 < n && b[i + 1] == Self.lf) ? 2 : 1
                line += 1
                return .ok
            }
        }
    }

    /// The status of a record above ``ReaderLimit/fieldCount`` or ``ReaderLimit/lineBytes``: the
    /// rest of the record's line is skipped and the row rejected with the bound in the reason.
    private func overLimit(_ i: inout Int, recordStart: Int) -> RecordStatus {
        let (limit, value) = rawFields.count > limits[.fieldCount]
            ? (ReaderLimit.fieldCount, rawFields.count) : (ReaderLimit.lineBytes, i - recordStart)
        let column = rawFields.count
        if i < base.count, base[i] != Self.lf { skipToNextLine(&i) } else if i < base.count { i += 1; line += 1 }
        return .error(column: column, reason: "\(limit.noun) \(value) is above the limit of \(limits[limit]) (\(limit.environmentVariable)); the rest of the record is skipped")
    }

    private func skipToNextLine(_ i: inout Int) {
        while i < base.count {
            let c = base[i]
            i += 1
            if c == Self.lf { line += 1; return }
        }
    }

    // MARK: Byte checks

    /// The first NUL byte or invalid UTF-8 sequence in `bytes[from..<to]`, with the number of
    /// line feeds before it (for multi-line quoted fields) and a reason naming the byte offset.
    /// The check itself is HeatTabular's ``UTF8Check``, shared with HeatML's reader.
    static func byteProblem(in bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> (lineOffset: Int, reason: String)? {
        UTF8Check.firstProblem(in: bytes, from: from, to: to).map { ($0.lineOffset, $0.reason) }
    }

    // MARK: JSON Lines

    private func scanJSONLines(onRow: (Row) -> Void, onReject: (RowReject) -> Void) {
        let b = base
        let n = b.count
        while position < n {
            let lineStart = position
            var end = lineStart
            while end < n, b[end] != Self.lf { end += 1 }
            let next = end < n ? end + 1 : end
            var contentEnd = end
            if contentEnd > lineStart, b[contentEnd - 1] == Self.cr { contentEnd -= 1 }
            let recordLine = line
            position = next
            line += 1
            var first = lineStart
            while first < contentEnd, b[first] == 0x20 || b[first] == 0x09 { first += 1 }
            if first == contentEnd { continue }
            if contentEnd - lineStart > limits[.lineBytes] {
                let limit = ReaderLimit.lineBytes
                onReject(RowReject(file: file, line: recordLine, column: nil, field: nil,
                                   reason: "\(limit.noun) \(contentEnd - lineStart) is above the limit of \(limits[limit]) (\(limit.environmentVariable))"))
                continue
            }
            if let problem = Self.byteProblem(in: b, from: lineStart, to: contentEnd) {
                let offset = problemOffset(problem.reason)
                onReject(RowReject(file: file, line: recordLine, column: offset.map { $0 - lineStart + 1 }, field: nil, reason: problem.reason))
                continue
            }
            scratch.removeAll(keepingCapacity: true)
            for index in spans.indices { spans[index].present = false }
            if let failure = parseObject(from: first, to: contentEnd) {
                onReject(RowReject(file: file, line: recordLine, column: failure.offset - lineStart + 1,
                                   field: failure.key, reason: failure.reason))
                continue
            }
            scratch.withUnsafeBufferPointer { s in
                onRow(Row(line: recordLine, lineStart: lineStart, base: b, scratch: s, spans: spans, headerPositions: []))
            }
        }
    }

    private func problemOffset(_ reason: String) -> Int? {
        guard let range = reason.range(of: "byte offset ") else { return nil }
        return Int(reason[range.upperBound...].prefix { $0.isNumber })
    }

    private struct JSONFailure {
        var offset: Int
        var key: String?
        var reason: String
    }

    /// Parses one flat JSON object (string, number, boolean or null values) into `spans`.
    private func parseObject(from start: Int, to end: Int) -> JSONFailure? {
        let b = base
        var i = start
        func skipSpace() { while i < end, b[i] == 0x20 || b[i] == 0x09 || b[i] == Self.cr { i += 1 } }
        func fail(_ reason: String, key: String? = nil) -> JSONFailure { JSONFailure(offset: min(i, max(end - 1, start)), key: key, reason: reason) }
        guard b[i] == UInt8(ascii: "{") else { return fail("expected a JSON object starting with '{'") }
        i += 1
        skipSpace()
        if i < end, b[i] == UInt8(ascii: "}") {
            i += 1
            skipSpace()
            return i == end ? nil : fail("unexpected text after the object")
        }
        while true {
            skipSpace()
            guard i < end, b[i] == Self.quote else { return fail("expected a quoted key") }
            let keyStart = i + 1
            let scratchMark = scratch.count
            guard let keySpan = parseString(&i, end: end) else { return fail("unterminated or invalid string") }
            let keyBytes: [UInt8] = keySpan.inScratch ? Array(scratch[keySpan.start..<keySpan.end]) : Array(b[keySpan.start..<keySpan.end])
            scratch.removeSubrange(scratchMark...)
            _ = keyStart
            let keyName = String(decoding: keyBytes, as: UTF8.self)
            skipSpace()
            guard i < end, b[i] == UInt8(ascii: ":") else { return fail("expected ':' after key \"\(keyName)\"", key: keyName) }
            i += 1
            skipSpace()
            guard i < end else { return fail("missing value for key \"\(keyName)\"", key: keyName) }
            let valueStart = i
            var span: Span
            switch b[i] {
            case Self.quote:
                guard let s = parseString(&i, end: end) else { return fail("unterminated or invalid string for key \"\(keyName)\"", key: keyName) }
                span = s
            case UInt8(ascii: "n"):
                guard matchLiteral("null", &i, end: end) else { return fail("invalid value for key \"\(keyName)\"", key: keyName) }
                span = Span(start: valueStart, end: valueStart, inScratch: false, rawStart: valueStart, rawEnd: i, present: true)
            case UInt8(ascii: "t"), UInt8(ascii: "f"):
                guard matchLiteral("true", &i, end: end) || matchLiteral("false", &i, end: end) else {
                    return fail("invalid value for key \"\(keyName)\"", key: keyName)
                }
                span = Span(start: valueStart, end: i, inScratch: false, rawStart: valueStart, rawEnd: i, present: true)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                while i < end, Self.isNumberByte(b[i]) { i += 1 }
                span = Span(start: valueStart, end: i, inScratch: false, rawStart: valueStart, rawEnd: i, present: true)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard schema.firstIndex(of: keyBytes) == nil else {
                    return fail("key \"\(keyName)\" holds a nested object or array; only flat values are allowed", key: keyName)
                }
                // A key outside the format is ignored whatever its value, as an unknown CSV column is.
                guard skipNestedValue(&i, end: end) else {
                    return fail("the nested value of key \"\(keyName)\" is not valid JSON", key: keyName)
                }
                span = Span()
            default:
                return fail("invalid value for key \"\(keyName)\"", key: keyName)
            }
            if let index = schema.firstIndex(of: keyBytes) {
                spans[index] = span
            } else if seenUnknownKeys.insert(keyBytes).inserted {
                ignoredFields.append(keyName)
            }
            skipSpace()
            guard i < end else { return fail("the object is not closed with '}'") }
            if b[i] == Self.comma { i += 1; continue }
            if b[i] == UInt8(ascii: "}") {
                i += 1
                skipSpace()
                return i == end ? nil : fail("unexpected text after the object")
            }
            return fail("expected ',' or '}' after the value of key \"\(keyName)\"", key: keyName)
        }
    }

    /// Skips a nested object or array starting at `i` (its strings parsed, so brackets inside
    /// them do not count); `false` when it is not closed before `end` or holds a bad string.
    private func skipNestedValue(_ i: inout Int, end: Int) -> Bool {
        let mark = scratch.count
        defer { scratch.removeSubrange(mark...) }
        var depth = 0
        while i < end {
            let c = base[i]
            if c == Self.quote {
                guard parseString(&i, end: end) != nil else { return false }
                continue
            }
            if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                depth += 1
            } else if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0 {
                    i += 1
                    return true
                }
            }
            i += 1
        }
        return false
    }

    private static func isNumberByte(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-") || c == UInt8(ascii: "+")
            || c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
    }

    private func matchLiteral(_ literal: StaticString, _ i: inout Int, end: Int) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard i + count <= end else { return false }
        let pointer = literal.utf8Start
        for k in 0..<count where base[i + k] != pointer[k] { return false }
        i += count
        return true
    }

    /// Parses a JSON string starting at the quote at `i`; escapes are decoded into the scratch buffer.
    private func parseString(_ i: inout Int, end: Int) -> Span? {
        let b = base
        let rawStart = i + 1
        i += 1
        var segmentStart = i
        var usesScratch = false
        var scratchStart = 0
        while i < end {
            let c = b[i]
            if c == Self.quote {
                let span: Span
                if usesScratch {
                    scratch.append(contentsOf: b[segmentStart..<i])
                    span = Span(start: scratchStart, end: scratch.count, inScratch: true, rawStart: rawStart, rawEnd: i, present: true)
                } else {
                    span = Span(start: rawStart, end: i, inScratch: false, rawStart: rawStart, rawEnd: i, present: true)
                }
                i += 1
                return span
            }
            if c < 0x20 { return nil }
            if c == UInt8(ascii: "\\") {
                if !usesScratch { usesScratch = true; scratchStart = scratch.count }
                scratch.append(contentsOf: b[segmentStart..<i])
                guard i + 1 < end else { return nil }
                let e = b[i + 1]
                i += 2
                switch e {
                case UInt8(ascii: "\""): scratch.append(Self.quote)
                case UInt8(ascii: "\\"): scratch.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "/"): scratch.append(UInt8(ascii: "/"))
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "u"):
                    guard var scalar = hex4(at: i, end: end) else { return nil }
                    i += 4
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard i + 6 <= end, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u"),
                              let low = hex4(at: i + 2, end: end), (0xDC00...0xDFFF).contains(low) else { return nil }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    }
                    guard scalar != 0, let unicode = Unicode.Scalar(scalar) else { return nil }
                    scratch.append(contentsOf: Array(String(Character(unicode)).utf8))
                default: return nil
                }
                segmentStart = i
                continue
            }
            i += 1
        }
        return nil
    }

    private func hex4(at i: Int, end: Int) -> UInt32? {
        guard i + 4 <= end else { return nil }
        var value: UInt32 = 0
        for k in 0..<4 {
            let c = base[i + k]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: return nil
            }
            value = value << 4 | digit
        }
        return value
    }
}
