import HeatEnvelope

/// A streaming RFC 4180 tokenizer over bytes in memory: one record at a time, fields as byte
/// ranges (no `String` per field), 1-based line numbers, a UTF-8 byte-order mark, LF or CRLF line
/// ends, blank lines skipped, quoted fields with `""` escapes and embedded commas or line breaks.
///
/// Values with escapes are unescaped into a scratch buffer owned by the reader; a field's bytes
/// stay valid until the next call of ``next()``.
///
/// ```swift
/// let reader = CSVRecordReader(bytes: buffer, file: "data.csv")
/// while let line = try reader.next() {
///     for k in 0..<reader.fieldCount { _ = reader.field(k) }
/// }
/// ```
public final class CSVRecordReader {
    /// One field of the current record.
    @usableFromInline struct Span {
        @usableFromInline var start: Int
        @usableFromInline var end: Int
        @usableFromInline var inScratch: Bool
    }

    /// The file name used in errors.
    public let file: String
    @usableFromInline let base: UnsafeBufferPointer<UInt8>
    @exclusivity(unchecked) @usableFromInline var spans: [Span] = []
    private var scratch: UnsafeMutableBufferPointer<UInt8>
    private var scratchCount = 0
    /// The byte offset of the next record.
    @exclusivity(unchecked) public private(set) var position: Int
    /// The 1-based line of the next record.
    public private(set) var line = 1
    /// The byte offset where the current record starts.
    @exclusivity(unchecked) public private(set) var recordStart = 0
    /// The byte offset where the current record ends, before its line end.
    @exclusivity(unchecked) public private(set) var recordEnd = 0
    /// The bounds checked per record: ``ReaderLimit/lineBytes`` and ``ReaderLimit/fieldCount``
    /// (``ReaderLimits/current`` unless set).
    public var limits = ReaderLimits.current

    /// Creates a reader positioned at the first record (after a byte-order mark).
    ///
    /// - Parameters:
    ///   - bytes: the whole file.
    ///   - file: the name used in errors.
    public init(bytes: UnsafeBufferPointer<UInt8>, file: String) {
        self.base = bytes
        self.file = file
        self.scratch = .allocate(capacity: 256)
        self.position = (bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF) ? 3 : 0
    }

    deinit { scratch.deallocate() }

    /// Moves to a record start found earlier (``recordStart``) and its line.
    ///
    /// - Parameters:
    ///   - offset: the byte offset of a record's start.
    ///   - line: that record's 1-based line.
    public func seek(to offset: Int, line: Int) {
        position = offset
        self.line = line
    }

    /// The number of fields of the current record.
    public var fieldCount: Int { spans.count }

    /// The bytes of field `index` of the current record (unquoted and unescaped, not trimmed).
    @inlinable
    public func field(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let span = spans[index]
        if span.inScratch { return scratchField(span) }
        return UnsafeBufferPointer(rebasing: base[span.start..<span.end])
    }

    @usableFromInline func scratchField(_ span: Span) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: UnsafeBufferPointer(scratch)[span.start..<span.end])
    }

    private func appendScratch(_ from: Int, _ to: Int) {
        let count = to - from
        if scratchCount + count > scratch.count {
            let bigger = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(scratch.count * 2, scratchCount + count))
            _ = bigger.initialize(from: scratch[0..<scratchCount])
            scratch.deallocate()
            scratch = bigger
        }
        for k in 0..<count { scratch[scratchCount + k] = base[from + k] }
        scratchCount += count
    }

    /// Reads the next non-blank record.
    ///
    /// - Returns: the record's 1-based line, or `nil` at the end of the bytes.
    /// - Throws: ``TabularError/unterminatedQuote(file:line:column:)``,
    ///   ``TabularError/textAfterQuote(file:line:column:)``, or
    ///   ``TabularError/limitExceeded(_:)`` for a record longer than ``ReaderLimit/lineBytes`` or
    ///   with more fields than ``ReaderLimit/fieldCount``.
    public func next() throws(TabularError) -> Int? {
        let b = base
        let n = b.count
        let maximumFields = limits[.fieldCount]
        let maximumBytes = limits[.lineBytes]
        var i = position
        defer { position = i }
        // The hot state lives in locals while the record is scanned (the spans array is moved
        // out and back, the line count copied): a class's stored properties cost a dynamic
        // exclusivity check per access (about 5% of a load in the profile before this change;
        // the gain was not measured after it, see Docs/Performance.md).
        var spans: [Span] = []
        swap(&spans, &self.spans)
        var line = self.line
        defer {
            swap(&spans, &self.spans)
            self.line = line
        }
        // Skip blank lines.
        while i < n {
            if b[i] == 0x0A { i += 1; line += 1; continue }
            if b[i] == 0x0D {
                i += (i + 1 < n && b[i + 1] == 0x0A) ? 2 : 1
                line += 1
                continue
            }
            break
        }
        guard i < n else { return nil }
        spans.removeAll(keepingCapacity: true)
        scratchCount = 0
        recordStart = i
        let recordStart = i
        let recordLine = line
        while true {
            if i < n, b[i] == 0x22 {
                let openLine = line
                i += 1
                var segmentStart = i
                var usesScratch = false
                var scratchStart = 0
                var closed = false
                while i < n {
                    let c = b[i]
                    if c == 0x22 {
                        if i + 1 < n, b[i + 1] == 0x22 {
                            // The record bound is checked on every copy, so `""` pairs cannot grow the scratch past it.
                            try Self.checkBounds(file: file, recordLine: recordLine, fields: spans.count, bytes: i + 2 - recordStart, maximumFields: maximumFields, maximumBytes: maximumBytes)
                            if !usesScratch { usesScratch = true; scratchStart = scratchCount }
                            appendScratch(segmentStart, i + 1)
                            i += 2
                            segmentStart = i
                            continue
                        }
                        closed = true
                        break
                    }
                    if c == 0x0A { line += 1; try Self.checkBounds(file: file, recordLine: recordLine, fields: spans.count, bytes: i - recordStart, maximumFields: maximumFields, maximumBytes: maximumBytes) }
                    i += 1
                }
                guard closed else { throw .unterminatedQuote(file: file, line: openLine, column: spans.count + 1) }
                try Self.checkBounds(file: file, recordLine: recordLine, fields: spans.count, bytes: i + 1 - recordStart, maximumFields: maximumFields, maximumBytes: maximumBytes)
                if usesScratch {
                    appendScratch(segmentStart, i)
                    spans.append(Span(start: scratchStart, end: scratchCount, inScratch: true))
                } else {
                    spans.append(Span(start: segmentStart, end: i, inScratch: false))
                }
                i += 1
                try Self.checkBounds(file: file, recordLine: recordLine, fields: spans.count, bytes: i - recordStart, maximumFields: maximumFields, maximumBytes: maximumBytes)
                guard i < n else { break }
                let c = b[i]
                if c == 0x2C { i += 1; continue }
                if c == 0x0A { i += 1; line += 1; break }
                if c == 0x0D { i += (i + 1 < n && b[i + 1] == 0x0A) ? 2 : 1; line += 1; break }
                throw .textAfterQuote(file: file, line: line, column: spans.count)
            } else {
                let start = i
                while i < n {
                    let c = b[i]
                    if c == 0x2C || c == 0x0A || c == 0x0D { break }
                    i += 1
                }
                spans.append(Span(start: start, end: i, inScratch: false))
                try Self.checkBounds(file: file, recordLine: recordLine, fields: spans.count, bytes: i - recordStart, maximumFields: maximumFields, maximumBytes: maximumBytes)
                guard i < n else { break }
                let c = b[i]
                if c == 0x2C { i += 1; continue }
                if c == 0x0A { i += 1; line += 1; break }
                i += (i + 1 < n && b[i + 1] == 0x0A) ? 2 : 1
                line += 1
                break
            }
        }
        var end = i
        if end > recordStart, b[end - 1] == 0x0A { end -= 1 }
        if end > recordStart, b[end - 1] == 0x0D { end -= 1 }
        recordEnd = end
        return recordLine
    }

    /// Throws when the current record has more fields or bytes than the bounds allow (checked at
    /// every field end, before the next field is stored).
    @inline(__always)
    private static func checkBounds(file: String, recordLine: Int, fields: Int, bytes: Int, maximumFields: Int, maximumBytes: Int) throws(TabularError) {
        if fields > maximumFields {
            throw .limitExceeded(ReaderLimitExceeded(
                limit: .fieldCount, value: fields, maximum: maximumFields, source: file, field: "line \(recordLine)"))
        }
        if bytes > maximumBytes {
            throw .limitExceeded(ReaderLimitExceeded(
                limit: .lineBytes, value: bytes, maximum: maximumBytes, source: file, field: "line \(recordLine)"))
        }
    }
}
