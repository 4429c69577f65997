/// One input row that a reader rejected, with its position and the reason.
///
/// Lines are 1-based physical lines of the file (the CSV header is line 1); columns are 1-based
/// field positions. `field` names the column (CSV) or key (JSON Lines) when one is at fault.
///
/// ```swift
/// let reject = RowReject(file: "in.csv", line: 7, column: 3, field: "channel",
///                        reason: "unknown channel \"fax\" (valid: call, email, meeting, message)")
/// reject.description   // "in.csv:7: column 3 (channel): unknown channel \"fax\" (valid: ...)"
/// ```
public struct RowReject: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file name as given to the reader.
    public var file: String
    /// The 1-based line where the rejected record starts.
    public var line: Int
    /// The 1-based column (field position) at fault, or `nil` when the whole row is at fault.
    public var column: Int?
    /// The column or key name at fault, when known.
    public var field: String?
    /// Why the row was rejected.
    public var reason: String

    /// Creates a reject entry.
    ///
    /// - Parameters:
    ///   - file: the file name.
    ///   - line: the 1-based line of the record.
    ///   - column: the 1-based column, or `nil`.
    ///   - field: the column name, or `nil`.
    ///   - reason: the cause, as a sentence fragment.
    public init(file: String, line: Int, column: Int?, field: String?, reason: String) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.reason = reason
    }

    /// `file:line: column N (name): reason`.
    public var description: String {
        var text = "\(file):\(line): "
        if let column {
            text += "column \(column)"
            if let field { text += " (\(field))" }
            text += ": "
        } else if let field {
            text += "\(field): "
        }
        return text + reason
    }
}
