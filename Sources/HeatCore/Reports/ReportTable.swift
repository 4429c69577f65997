import Foundation
import HeatTabular

/// One table of a report: the unit of the CSV and JSON exports and of the HTML tables.
///
/// Cells are typed so the JSON export keeps numbers as numbers and the CSV export writes them in
/// a locale-independent form (`.` as decimal separator, no grouping).
///
/// ```swift
/// let table = ReportTable(name: "personas", title: "Personas", columns: ["label", "clients"],
///                         rows: [[.text("Loyal"), .integer(42)]])
/// let csv = table.csv()   // "label,clients\r\nLoyal,42\r\n"
/// ```
public struct ReportTable: Sendable, Equatable {
    /// A typed cell.
    public enum Cell: Sendable, Equatable, Encodable, CustomStringConvertible {
        /// Text.
        case text(String)
        /// An integer.
        case integer(Int)
        /// A real number.
        case number(Double)
        /// A yes / no value.
        case boolean(Bool)
        /// No value.
        case empty

        /// The cell as CSV / HTML text: integers plainly, reals with up to 6 significant
        /// decimals and no exponent for ordinary magnitudes, booleans as `true` / `false`.
        public var description: String {
            switch self {
            case .text(let text): text
            case .integer(let value): String(value)
            case .number(let value): ReportNumberFormat.plain(value)
            case .boolean(let value): value ? "true" : "false"
            case .empty: ""
            }
        }

        /// Encodes the cell as a JSON string, number, boolean or `null` (empty cells and
        /// non-finite numbers).
        public func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .text(let text): try container.encode(text)
            case .integer(let value): try container.encode(value)
            case .number(let value): if value.isFinite { try container.encode(value) } else { try container.encodeNil() }
            case .boolean(let value): try container.encode(value)
            case .empty: try container.encodeNil()
            }
        }
    }

    /// The file-safe name (`population-levels`): the CSV is `<name>.csv`, the JSON key is the name.
    public var name: String
    /// The human title shown in the HTML report.
    public var title: String
    /// Column names (camelCase, as in the results document).
    public var columns: [String]
    /// Rows, each with one cell per column.
    public var rows: [[Cell]]

    /// Creates a table.
    ///
    /// - Parameters:
    ///   - name: the file-safe name.
    ///   - title: the human title.
    ///   - columns: the column names.
    ///   - rows: the rows; each must have `columns.count` cells.
    public init(name: String, title: String, columns: [String], rows: [[Cell]]) {
        self.name = name
        self.title = title
        self.columns = columns
        self.rows = rows
    }

    /// The table as RFC 4180 CSV: a header row, CRLF line ends, fields quoted when they contain
    /// a comma, a quote, a line break or leading / trailing spaces; quotes doubled. Text that a
    /// spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`) is prefixed with `'`.
    ///
    /// - Returns: the CSV text.
    public func csv() -> String {
        // The project's one CSV writer (HeatTabular), which also neutralises formulas.
        var writer = CSVWriter(lineEnding: .crlf, quoting: .alsoSurroundingSpaces)
        writer.writeRow(columns)
        for row in rows { writer.writeRow(row.map(\.description)) }
        return writer.text
    }

    /// The table as JSON objects, one per row, keyed by column.
    public var records: [[String: Cell]] {
        rows.map { row in
            var object: [String: Cell] = [:]
            for (column, cell) in zip(columns, row) { object[column] = cell }
            return object
        }
    }

    static func csvField(_ raw: String, isText: Bool) -> String {
        CSVWriter.field(raw, quoting: .alsoSurroundingSpaces)
    }
}

/// Locale-independent number formatting for reports.
public enum ReportNumberFormat {
    /// A real number with at most `decimals` decimals, trailing zeros removed, `.` as separator.
    ///
    /// ```swift
    /// ReportNumberFormat.plain(0.5)        // "0.5"
    /// ReportNumberFormat.plain(12.0)       // "12"
    /// ReportNumberFormat.plain(1 / 3.0, decimals: 3)   // "0.333"
    /// ```
    /// - Parameters:
    ///   - value: the number; NaN and infinities are written `NaN`, `inf`, `-inf`.
    ///   - decimals: the most decimals to keep (default 6).
    /// - Returns: the text.
    public static func plain(_ value: Double, decimals: Int = 6) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value < 0 ? "-inf" : "inf") }
        let scale = pow(10.0, Double(decimals))
        let rounded = (value * scale).rounded() / scale
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int64(rounded)) }
        var text = String(format: "%.\(decimals)f", rounded)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        if text == "-0" { text = "0" }
        return text
    }

    /// An integer with narrow no-break spaces (U+202F) grouping thousands for display
    /// (`12 345`), independent of locale; the space never breaks a number across lines.
    ///
    /// - Parameter value: the integer.
    /// - Returns: the grouped text.
    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append("\u{202F}") }
            out.append(character)
        }
        return value < 0 ? "-" + out : out
    }

    /// A share as a percentage with one decimal (`"37.5 %"`), or `"–"` when `total` is zero.
    ///
    /// - Parameters:
    ///   - part: the count.
    ///   - total: the whole.
    /// - Returns: the percentage text.
    public static func percent(_ part: Int, of total: Int) -> String {
        guard total > 0 else { return "–" }
        return plain(100 * Double(part) / Double(total), decimals: 1) + "\u{202F}%"
    }
}
