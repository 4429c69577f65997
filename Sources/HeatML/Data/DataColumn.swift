/// One typed column of a ``DataTable``.
///
/// Every column keeps its raw cell text (`nil` for a missing, empty cell), so a table can be
/// written back unchanged; numeric, boolean and date columns also hold their values as numbers
/// (`.nan` where missing; booleans as 0 / 1; dates as days since 1970-01-01).
///
/// ```swift
/// let tenure = try table.column(named: "tenure")
/// let mean = tenure.numbers.filter { !$0.isNaN }.reduce(0, +) / Double(table.rowCount)
/// ```
public struct DataColumn: Sendable, Equatable {
    /// The header name.
    public let name: String
    /// The column's type.
    public let type: ColumnType
    /// The raw cell text per row, `nil` where the cell is empty.
    public let raw: [String?]
    /// The numeric value per row (`.nan` where missing); empty for categorical and identifier columns.
    public let numbers: [Double]

    /// Creates a column, converting the raw cells to the given type.
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
        self.name = name
        self.type = type
        self.raw = raw
        switch type {
        case .categorical, .identifier:
            numbers = []
        case .numeric, .boolean, .date:
            var values = [Double](repeating: .nan, count: raw.count)
            for (row, cell) in raw.enumerated() {
                guard let cell else { continue }
                let parsed: Double? = switch type {
                case .numeric: CellParser.number(cell)
                case .boolean: CellParser.boolean(cell, allowDigits: true).map { $0 ? 1 : 0 }
                default: CellParser.date(cell).map(Double.init)
                }
                guard let parsed else {
                    throw .badCell(source: source, line: lines?[row] ?? row + 2, column: name, value: cell, expected: type)
                }
                values[row] = parsed
            }
            numbers = values
        }
    }

    /// Creates a column from already converted values (no checks; used when selecting rows).
    init(name: String, type: ColumnType, raw: [String?], numbers: [Double]) {
        self.name = name
        self.type = type
        self.raw = raw
        self.numbers = numbers
    }

    /// The number of missing cells.
    public var missingCount: Int { raw.reduce(0) { $0 + ($1 == nil ? 1 : 0) } }

    /// The distinct non-missing raw values, sorted.
    public var distinctValues: [String] { Array(Set(raw.compactMap { $0 })).sorted() }
}

/// Parsing of single cells, shared by type inference and conversion.
enum CellParser {
    /// A finite decimal number, or `nil`.
    static func number(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let first = trimmed.utf8.first,
              first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: ".")
                || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")),
              let value = Double(trimmed), value.isFinite
        else { return nil }
        return value
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
