import Foundation

/// The one writer of every CSV file CustomerHeat produces: RFC 4180 quoting and spreadsheet
/// formula neutralisation.
///
/// A cell that starts with `=`, `+`, `-` or `@` and is not a number would run as a formula when
/// the file is opened in a spreadsheet (CSV injection); the writer prefixes it with `'`, which a
/// spreadsheet shows as text. Numbers (`-3.5`, `+1`, `-inf`) are left alone. A field is quoted
/// when it holds a comma, a quote, CR or LF (quotes doubled), and, with
/// ``QuotingRule/alsoSurroundingSpaces``, when it starts or ends with a space.
///
/// ```swift
/// var writer = CSVWriter()
/// writer.writeRow(["client_id", "note"])
/// writer.writeRow(["C-1", "=HYPERLINK(\"http://x\")"])
/// writer.text   // "client_id,note\nC-1,\"'=HYPERLINK(\"\"http://x\"\")\"\n"
/// ```
public struct CSVWriter: Sendable {
    /// The line end written after each row.
    public enum LineEnding: String, Sendable {
        /// `\n` (the project's input files and tool outputs).
        case lf = "\n"
        /// `\r\n` (RFC 4180; the report exporter).
        case crlf = "\r\n"
    }

    /// When a field is quoted.
    public enum QuotingRule: Sendable {
        /// Only when the field holds a comma, a quote, CR or LF.
        case whenNeeded
        /// Also when the field starts or ends with a space (so readers that trim keep it).
        case alsoSurroundingSpaces
    }

    /// The line end written after each row.
    public let lineEnding: LineEnding
    /// When a field is quoted.
    public let quoting: QuotingRule
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]

    /// An empty writer.
    ///
    /// - Parameters:
    ///   - lineEnding: the line end (default `\n`).
    ///   - quoting: when to quote (default: only when needed).
    ///   - reservingCapacity: bytes to reserve up front.
    public init(lineEnding: LineEnding = .lf, quoting: QuotingRule = .whenNeeded, reservingCapacity: Int = 0) {
        self.lineEnding = lineEnding
        self.quoting = quoting
        bytes = []
        bytes.reserveCapacity(reservingCapacity)
    }

    /// Appends one row: each field neutralised and quoted as needed, then the line end.
    ///
    /// - Parameter fields: the row's cells, as text (`""` for an empty cell).
    public mutating func writeRow<S: Sequence>(_ fields: S) where S.Element: StringProtocol {
        var first = true
        for field in fields {
            if !first { bytes.append(0x2C) }
            first = false
            Self.appendField(String(field), to: &bytes, quoting: quoting)
        }
        bytes.append(contentsOf: lineEnding.rawValue.utf8)
    }

    /// The CSV text written so far.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The CSV bytes written so far.
    public var data: Data { Data(bytes) }

    /// Whether a spreadsheet would run the cell as a formula: it starts with `=`, `+`, `-` or `@`
    /// and is not a number.
    ///
    /// - Parameter field: the cell's text.
    /// - Returns: `true` when the writer prefixes it with `'`.
    public static func isFormula<S: StringProtocol>(_ field: S) -> Bool {
        guard let first = field.utf8.first, first == 0x3D || first == 0x2B || first == 0x2D || first == 0x40 else { return false }
        return Double(String(field)) == nil
    }

    /// The cell with a formula neutralised (a `'` in front), unchanged otherwise; not quoted.
    ///
    /// - Parameter field: the cell's text.
    /// - Returns: the text to write before quoting.
    public static func neutralized(_ field: String) -> String {
        isFormula(field) ? "'" + field : field
    }

    /// One field as it appears in the file: neutralised, then quoted as needed.
    ///
    /// - Parameters:
    ///   - field: the cell's text.
    ///   - quoting: when to quote (default: only when needed).
    /// - Returns: the field's CSV text.
    public static func field(_ field: String, quoting: QuotingRule = .whenNeeded) -> String {
        var out: [UInt8] = []
        appendField(field, to: &out, quoting: quoting)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends one field (neutralised and quoted as needed) to a byte buffer, without a separator.
    ///
    /// - Parameters:
    ///   - field: the cell's text.
    ///   - out: the buffer.
    ///   - quoting: when to quote (default: only when needed).
    public static func appendField(_ field: String, to out: inout [UInt8], quoting: QuotingRule = .whenNeeded) {
        let formula = isFormula(field)
        let utf8 = field.utf8
        var needsQuotes = utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D })
        if quoting == .alsoSurroundingSpaces, !needsQuotes, utf8.first == 0x20 || utf8.last == 0x20 { needsQuotes = true }
        if needsQuotes { out.append(0x22) }
        if formula { out.append(0x27) }
        if needsQuotes {
            for byte in utf8 {
                if byte == 0x22 { out.append(0x22) }
                out.append(byte)
            }
            out.append(0x22)
        } else {
            out.append(contentsOf: utf8)
        }
    }

    /// Whether a row's raw CSV bytes may hold a formula cell: some field (after an optional
    /// opening quote) starts with `=`, `+`, `-` or `@`. A cheap test that lets callers copy
    /// rows byte for byte when it is `false`; when `true`, parse the row and write it again.
    ///
    /// - Parameter row: one record's bytes, without its line end.
    /// - Returns: `false` when no field can be a formula.
    public static func mayHoldFormula<C: Collection<UInt8>>(_ row: C) -> Bool {
        var atFieldStart = true
        var previousWasQuoteAtStart = false
        for byte in row {
            if atFieldStart || previousWasQuoteAtStart {
                if byte == 0x3D || byte == 0x2B || byte == 0x2D || byte == 0x40 { return true }
            }
            previousWasQuoteAtStart = atFieldStart && byte == 0x22
            atFieldStart = byte == 0x2C
        }
        return false
    }
}
