import HeatEnvelope
import Foundation

/// Reads a CSV file into typed columns in one streaming pass over the (memory-mapped) bytes.
///
/// Every column starts numeric: each cell is parsed from its bytes by ``DecimalParser`` (no
/// `String` per cell). Empty cells and ``MissingTokens`` are missing; `inf` and overflowing
/// values (`1e400`) are read as missing and counted. The first cell that is not a number turns
/// the column into a text column, dictionary-encoded (one `String` per distinct value); the rows
/// read before are re-read for that column only. Columns named in ``Options/textColumns`` are text
/// from the start. The header is the first non-blank record; names are trimmed.
///
/// ```swift
/// let table = try ColumnarReader.read(url: URL(filePath: "data.csv"))
/// for column in table.columns { print(column.name, column.isNumeric) }
/// ```
public enum ColumnarReader {
    /// Reading options.
    public struct Options: Sendable, Equatable {
        /// The tokens read as missing (default ``MissingTokens/standard``).
        public var missingTokens: MissingTokens
        /// Columns read as text whatever they hold (for example columns typed by the user).
        public var textColumns: Set<String>

        /// Creates options.
        ///
        /// - Parameters:
        ///   - missingTokens: the missing tokens.
        ///   - textColumns: columns read as text.
        public init(missingTokens: MissingTokens = .standard, textColumns: Set<String> = []) {
            self.missingTokens = missingTokens
            self.textColumns = textColumns
        }
    }

    /// The values of one column.
    public enum Values: Sendable, Equatable {
        /// Numbers (`.nan` where missing).
        case numbers([Double])
        /// Dictionary-encoded text: `codes[row]` indexes `dictionary`, -1 where missing.
        case text(dictionary: [String], codes: [Int32])
    }

    /// One column as read, with what the reader noticed about it.
    public struct Column: Sendable, Equatable {
        /// The trimmed header name.
        public var name: String
        /// The values.
        public var values: Values
        /// Cells that were empty or a missing token.
        public var missingCells: Int
        /// Cells that were a missing token other than empty (`NA`, `NaN`, ...).
        public var missingTokenCells: Int
        /// Cells holding an infinite or overflowing number, read as missing (numeric columns).
        public var infiniteCells: Int
        /// Numeric column: every present cell was digits only (no sign, point or exponent).
        public var digitsOnly: Bool
        /// Numeric column: some present cell had a leading zero (`007`).
        public var anyZeroPadded: Bool
        /// Text column: present cells that are numbers.
        public var numericCells: Int
        /// Text column: the line and value of the first cell that is not a number (for messages).
        public var firstText: (line: Int, value: String)?

        /// Whether the column is numeric.
        public var isNumeric: Bool { if case .numbers = values { true } else { false } }

        /// Compares everything but ``firstText``'s tuple identity.
        public static func == (a: Column, b: Column) -> Bool {
            a.name == b.name && a.values == b.values && a.missingCells == b.missingCells && a.infiniteCells == b.infiniteCells
                && a.firstText?.line == b.firstText?.line && a.firstText?.value == b.firstText?.value
        }
    }

    /// A whole table as read.
    public struct Table: Sendable, Equatable {
        /// The file name used in messages.
        public var file: String
        /// The columns, in header order.
        public var columns: [Column]
        /// The 1-based line where each data row starts.
        public var lines: [Int]
        /// The byte range of the header record (without its line end).
        public var headerRange: Range<Int> = 0..<0
        /// The byte range of each data record (without its line end), to write rows back verbatim.
        public var recordRanges: [Range<Int>] = []
        /// The number of data rows.
        public var rowCount: Int { lines.count }
    }

    /// Reads a CSV file.
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - options: the reading options.
    /// - Returns: the typed columns.
    /// - Throws: ``TabularError`` with the file, line, column and cause.
    public static func read(url: URL, options: Options = Options()) throws(TabularError) -> Table {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw .missingFile(path: path) }
        guard !isDirectory.boolValue else { throw .unreadableFile(path: path, reason: "it is a directory") }
        do {
            try ReaderLimits.current.checkFileSize(of: url, .tabularFileBytes)
        } catch {
            throw .limitExceeded(error)
        }
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch { throw .unreadableFile(path: path, reason: (error as NSError).localizedDescription) }
        return try read(data: data, file: path, options: options)
    }

    /// Reads CSV bytes in memory.
    ///
    /// - Parameters:
    ///   - data: the bytes.
    ///   - file: the name used in messages.
    ///   - options: the reading options.
    /// - Returns: the typed columns.
    /// - Throws: ``TabularError`` with the file, line, column and cause.
    public static func read(data: Data, file: String, options: Options = Options()) throws(TabularError) -> Table {
        let result: Result<Table, TabularError> = data.withUnsafeBytes { raw in
            do throws(TabularError) {
                return .success(try read(bytes: raw.bindMemory(to: UInt8.self), file: file, options: options))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// The bytes read between two page drops of a ``MappedFile`` (8 MiB): reading a mapped file
    /// keeps at most about this much of it resident.
    public static let releaseStride = 8 << 20

    /// Reads a mapped CSV file, dropping the pages already read from memory as it goes (see
    /// ``MappedFile``) and every page at the end: afterwards the file takes no resident memory
    /// until its bytes are touched again.
    ///
    /// - Parameters:
    ///   - mapped: the mapped file.
    ///   - file: the name used in messages.
    ///   - options: the reading options.
    /// - Returns: the typed columns.
    /// - Throws: ``TabularError`` with the file, line, column and cause.
    public static func read(mapped: MappedFile, file: String, options: Options = Options()) throws(TabularError) -> Table {
        defer { mapped.dropPages(before: Int.max) }
        let result: Result<Table, TabularError> = mapped.data.withUnsafeBytes { raw in
            do throws(TabularError) {
                return .success(try read(bytes: raw.bindMemory(to: UInt8.self), file: file, options: options, release: mapped.dropPages(before:)))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private struct State {
        var numbers: [Double] = []
        var codes: [Int32] = []
        var interner = ByteInterner()
        var isText = false
        var switchRow = 0
        var missing = 0
        var tokens = 0
        var infinite = 0
        var digitsOnly = true
        var zeroPadded = false
        var numericCells = 0
        var firstText: (line: Int, value: String)?
    }

    /// Reads CSV bytes.
    ///
    /// `release(offset)`, when given, is called every `releaseStride` bytes with the start of the
    /// current record: the bytes before it are not read again unless a column turns text.
    static func read(bytes: UnsafeBufferPointer<UInt8>, file: String, options: Options, release: ((Int) -> Void)? = nil,
                     releaseStride: Int = ColumnarReader.releaseStride) throws(TabularError) -> Table {
        let reader = CSVRecordReader(bytes: bytes, file: file)
        guard let headerLine = try reader.next() else { throw .noHeader(file: file) }
        let headerRange = reader.recordStart..<reader.recordEnd
        var names: [String] = []
        for k in 0..<reader.fieldCount {
            let field = reader.field(k)
            if let problem = UTF8Check.firstProblem(in: field, from: 0, to: field.count) {
                throw .notText(file: file, line: headerLine + problem.lineOffset, column: k + 1, reason: problem.reason)
            }
            names.append(String(decoding: field, as: UTF8.self).trimmingCharacters(in: .whitespaces))
        }
        var seen = Set<String>()
        for name in names where !seen.insert(name).inserted { throw .duplicateColumn(file: file, column: name) }
        let width = names.count
        var states = (0..<width).map { k in
            var state = State()
            state.isText = options.textColumns.contains(names[k])
            return state
        }
        let estimate = max(16, bytes.count / max(1, reader.position))
        for k in 0..<width { if states[k].isText { states[k].codes.reserveCapacity(estimate) } else { states[k].numbers.reserveCapacity(estimate) } }
        var lines: [Int] = []
        var starts: [Int] = []
        var ranges: [Range<Int>] = []
        var nextRelease = releaseStride
        let missingTokens = options.missingTokens
        var row = 0
        while let line = try reader.next() {
            guard reader.fieldCount == width else { throw .wrongFieldCount(file: file, line: line, expected: width, found: reader.fieldCount) }
            lines.append(line)
            starts.append(reader.recordStart)
            ranges.append(reader.recordStart..<reader.recordEnd)
            if let release, reader.recordStart >= nextRelease {
                release(reader.recordStart)
                nextRelease = reader.recordStart + releaseStride
            }
            for k in 0..<width {
                let field = reader.field(k)
                if !states[k].isText {
                    let (value, shape) = DecimalParser.parseWithShape(field, missing: missingTokens)
                    switch value {
                    case let .number(number):
                        states[k].numbers.append(number)
                        if !shape.digitsOnly { states[k].digitsOnly = false }
                        if shape.zeroPadded { states[k].zeroPadded = true }
                        continue
                    case .missing:
                        states[k].numbers.append(.nan)
                        states[k].missing += 1
                        if !isBlank(field) { states[k].tokens += 1 }
                        continue
                    case .infinite:
                        states[k].numbers.append(.nan)
                        states[k].infinite += 1
                        continue
                    case .text:
                        // The column turns text: earlier rows are re-read at the end.
                        states[k].isText = true
                        states[k].switchRow = row
                        states[k].codes = [Int32](repeating: -1, count: row)
                        states[k].codes.reserveCapacity(estimate)
                        states[k].numbers = []
                        states[k].infinite = 0
                        states[k].missing = 0
                        states[k].tokens = 0
                    }
                }
                try appendText(field, to: &states[k], line: line, column: k, file: file, missingTokens: missingTokens)
            }
            row += 1
        }
        // Re-read the rows before a column turned text.
        let backfill = (0..<width).filter { states[$0].isText && states[$0].switchRow > 0 }
        if let last = backfill.map({ states[$0].switchRow }).max() {
            reader.seek(to: starts[0], line: lines[0])
            for r in 0..<last {
                guard let line = try reader.next() else { break }
                for k in backfill where r < states[k].switchRow {
                    let field = reader.field(k)
                    let trimmed = trim(field)
                    if trimmed.isEmpty || missingTokens.contains(trimmed) {
                        states[k].missing += 1
                        if !trimmed.isEmpty { states[k].tokens += 1 }
                        continue
                    }
                    states[k].numericCells += 1
                    states[k].codes[r] = states[k].interner.intern(trimmed)
                    _ = line
                }
            }
        }
        var columns: [Column] = []
        for k in 0..<width {
            let state = states[k]
            let values: Values = state.isText ? .text(dictionary: state.interner.strings(), codes: state.codes) : .numbers(state.numbers)
            columns.append(Column(
                name: names[k], values: values, missingCells: state.missing, missingTokenCells: state.tokens, infiniteCells: state.infinite,
                digitsOnly: !state.isText && state.digitsOnly, anyZeroPadded: !state.isText && state.zeroPadded,
                numericCells: state.numericCells, firstText: state.firstText))
        }
        return Table(file: file, columns: columns, lines: lines, headerRange: headerRange, recordRanges: ranges)
    }

    @inline(__always)
    private static func appendText(_ field: UnsafeBufferPointer<UInt8>, to state: inout State, line: Int, column: Int, file: String, missingTokens: MissingTokens) throws(TabularError) {
        let trimmed = trim(field)
        if trimmed.isEmpty || missingTokens.contains(trimmed) {
            state.codes.append(-1)
            state.missing += 1
            if !trimmed.isEmpty { state.tokens += 1 }
            return
        }
        if let problem = UTF8Check.firstProblem(in: trimmed, from: 0, to: trimmed.count) {
            throw .notText(file: file, line: line + problem.lineOffset, column: column + 1, reason: problem.reason)
        }
        let before = state.interner.count
        let code = state.interner.intern(trimmed)
        if Int(code) == before {
            // A new distinct value: note whether it is a number (for messages and inference).
            if case .number = DecimalParser.parse(trimmed, missing: missingTokens) {} else if state.firstText == nil {
                state.firstText = (line, String(decoding: trimmed, as: UTF8.self))
            }
        }
        state.codes.append(code)
    }

    @inline(__always)
    static func trim(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var lower = 0, upper = bytes.count
        while lower < upper, bytes[lower] == 0x20 || bytes[lower] == 0x09 { lower += 1 }
        while upper > lower, bytes[upper - 1] == 0x20 || bytes[upper - 1] == 0x09 { upper -= 1 }
        return UnsafeBufferPointer(rebasing: bytes[lower..<upper])
    }

    private static func isBlank(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool { trim(bytes).isEmpty }
}
