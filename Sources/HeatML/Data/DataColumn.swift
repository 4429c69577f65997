import Foundation
import HeatTabular

/// One typed column of a ``DataTable``, stored compactly.
///
/// Numeric columns hold only their numbers (`.nan` where missing), 8 bytes a cell; categorical,
/// identifier, boolean and date columns are dictionary-encoded (one `String` per distinct value
/// and a 4-byte code per cell), and boolean and date columns also hold their numbers (booleans as
/// 0 / 1, dates as days since 1970-01-01). ``raw`` rebuilds the cell texts on demand: the original
/// text for dictionary-encoded columns, the shortest exact rendering of the number for numeric ones
/// (`12.50` comes back as `12.5`, `1e3` as `1000`).
///
/// ```swift
/// let tenure = try table.column(named: "tenure")
/// let present = tenure.numbers.filter { !$0.isNaN }
/// ```
public struct DataColumn: Sendable, Equatable {
    /// The header name.
    public let name: String
    /// The column's type.
    public let type: ColumnType
    /// The numeric value per row (`.nan` where missing); empty for categorical and identifier columns.
    public let numbers: [Double]
    /// The distinct texts of a dictionary-encoded column (empty for numeric columns).
    public let dictionary: [String]
    /// Per row, the index into ``dictionary`` (-1 where missing); empty for numeric columns.
    public let codes: [Int32]

    /// Creates a column, converting the raw cells to the given type.
    ///
    /// Cells are trimmed of spaces and tabs; an empty cell or a missing token (`NA`, `N/A`, `NaN`,
    /// `null`, ...) is missing.
    ///
    /// - Parameters:
    ///   - name: the header name.
    ///   - type: the type to convert to.
    ///   - raw: the cell texts, `nil` for missing.
    ///   - lines: the 1-based source line of each row, for error messages.
    ///   - source: the file name for error messages.
    /// - Throws: ``HeatMLError/badCell(source:line:column:value:expected:)`` for the first cell
    ///   that cannot be read as `type`.
    public init(name: String, type: ColumnType, raw: [String?], lines: [Int]? = nil, source: String = "table") throws(HeatMLError) {
        var index: [String: Int32] = [:]
        var dictionary: [String] = []
        var codes: [Int32] = []
        codes.reserveCapacity(raw.count)
        for cell in raw {
            guard let cell else { codes.append(-1); continue }
            let text = cell.trimmingCharacters(in: .whitespaces)
            if text.isEmpty || CellParser.isMissingToken(text) { codes.append(-1); continue }
            if let code = index[text] { codes.append(code); continue }
            let code = Int32(dictionary.count)
            index[text] = code
            dictionary.append(text)
            codes.append(code)
        }
        try self.init(name: name, type: type, dictionary: dictionary, codes: codes, lines: lines, source: source)
    }

    /// Creates a column of a type from dictionary-encoded cells, converting the values.
    init(name: String, type: ColumnType, dictionary: [String], codes: [Int32], lines: [Int]?, source: String) throws(HeatMLError) {
        self.name = name
        self.type = type
        switch type {
        case .categorical, .identifier:
            self.dictionary = dictionary
            self.codes = codes
            self.numbers = []
        case .numeric, .boolean, .date:
            var converted = [Double](repeating: .nan, count: dictionary.count)
            var bad: Int32?
            for (code, text) in dictionary.enumerated() {
                let value: Double? = switch type {
                case .numeric: CellParser.number(text)
                case .boolean: CellParser.boolean(text, allowDigits: true).map { $0 ? 1 : 0 }
                default: CellParser.date(text).map(Double.init)
                }
                if let value { converted[code] = value } else if bad == nil { bad = Int32(code) }
            }
            if let bad, let row = codes.firstIndex(of: bad) {
                throw .badCell(source: source, line: lines?[row] ?? row + 2, column: name, value: dictionary[Int(bad)], expected: type)
            }
            self.numbers = codes.map { $0 < 0 ? .nan : converted[Int($0)] }
            if type == .numeric {
                self.dictionary = []
                self.codes = []
            } else {
                self.dictionary = dictionary
                self.codes = codes
            }
        }
    }

    /// Creates a numeric column from numbers (`.nan` for missing).
    ///
    /// - Parameters:
    ///   - name: the header name.
    ///   - numbers: the values.
    public init(name: String, numbers: [Double]) {
        self.name = name
        self.type = .numeric
        self.numbers = numbers
        self.dictionary = []
        self.codes = []
    }

    /// Creates a column from already converted parts (no checks; used when selecting rows).
    init(name: String, type: ColumnType, numbers: [Double], dictionary: [String], codes: [Int32]) {
        self.name = name
        self.type = type
        self.numbers = numbers
        self.dictionary = dictionary
        self.codes = codes
    }

    /// The number of rows.
    public var count: Int { codes.isEmpty ? numbers.count : codes.count }

    /// Whether the column is dictionary-encoded (every type but numeric).
    var isEncoded: Bool { type != .numeric }

    /// The cell text of one row, `nil` where missing.
    ///
    /// - Parameter row: the row index.
    /// - Returns: the text (for a numeric column, the number's shortest exact rendering).
    public func text(at row: Int) -> String? {
        if isEncoded {
            let code = codes[row]
            return code < 0 ? nil : dictionary[Int(code)]
        }
        return Self.render(numbers[row])
    }

    /// The cell texts per row, `nil` where missing (built on demand; see the type's discussion).
    public var raw: [String?] { (0..<count).map(text(at:)) }

    /// The number of missing cells.
    public var missingCount: Int {
        isEncoded ? codes.reduce(0) { $0 + ($1 < 0 ? 1 : 0) } : numbers.reduce(0) { $0 + ($1.isNaN ? 1 : 0) }
    }

    /// The distinct non-missing raw values, sorted.
    public var distinctValues: [String] {
        if isEncoded {
            var used = [Bool](repeating: false, count: dictionary.count)
            for code in codes where code >= 0 { used[Int(code)] = true }
            return dictionary.indices.filter { used[$0] }.map { dictionary[$0] }.sorted()
        }
        return Array(Set(numbers.filter { !$0.isNaN })).sorted().compactMap(Self.render)
    }

    /// The column restricted to some rows, in the given order.
    func selecting(_ indices: [Int]) -> DataColumn {
        DataColumn(name: name, type: type, numbers: numbers.isEmpty ? [] : indices.map { numbers[$0] },
                   dictionary: dictionary, codes: codes.isEmpty ? [] : indices.map { codes[$0] })
    }

    /// The text of a number: integers without a decimal point, others in Swift's shortest exact form.
    static func render(_ value: Double) -> String? {
        if value.isNaN { return nil }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}

/// Parsing of single cells, shared by type inference and conversion.
enum CellParser {
    /// Whether a trimmed text is one of the standard missing tokens.
    static func isMissingToken(_ text: String) -> Bool {
        var copy = text
        return copy.withUTF8 { MissingTokens.standard.contains($0) }
    }

    /// A finite decimal number (no hexadecimal, no `inf`), or `nil`.
    static func number(_ text: String) -> Double? {
        var copy = text
        let value = copy.withUTF8 { DecimalParser.parse($0, missing: MissingTokens([])) }
        if case let .number(number) = value { return number }
        return nil
    }

    /// `true` / `false` (any case), and `1` / `0` when `allowDigits`.
    static func boolean(_ text: String, allowDigits: Bool) -> Bool? {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "true": true
        case "false": false
        case "1" where allowDigits: true
        case "0" where allowDigits: false
        default: nil
        }
    }

    /// Days since 1970-01-01 of an ISO `YYYY-MM-DD` date, or `nil`.
    static func date(_ text: String) -> Int? {
        let bytes = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func digits(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                let b = bytes[i]
                guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(b - UInt8(ascii: "0"))
            }
            return value
        }
        guard let y = digits(0..<4), let m = digits(5..<7), let d = digits(8..<10), (1...12).contains(m) else { return nil }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard d >= 1, d <= monthDays[m - 1] else { return nil }
        // Days from civil (Howard Hinnant's algorithm).
        let yy = m <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Whether the text is all ASCII digits with a leading zero and more than one digit (`00042`).
    static func isZeroPaddedInteger(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count > 1 && bytes[0] == UInt8(ascii: "0")
            && bytes.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}
