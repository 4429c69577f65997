import HeatEnvelope

/// A failure of the shared tabular reader, naming the file, line, column and cause.
///
/// Conforms to `ClassifiedError`: malformed data exits 65, a missing file 66, an unreadable one 74.
///
/// ```swift
/// do { _ = try ColumnarReader.read(url: url) }
/// catch { print(error.description) }   // "data.csv:7: expected 4 fields as in the header, found 5"
/// ```
public enum TabularError: ClassifiedError, Equatable {
    /// The file does not exist.
    case missingFile(path: String)
    /// The file exists but cannot be read.
    case unreadableFile(path: String, reason: String)
    /// The file has no header line.
    case noHeader(file: String)
    /// The header names a column twice.
    case duplicateColumn(file: String, column: String)
    /// A record has a different number of fields than the header.
    case wrongFieldCount(file: String, line: Int, expected: Int, found: Int)
    /// A quoted field is not closed before the end of the file.
    case unterminatedQuote(file: String, line: Int, column: Int)
    /// Text follows the closing quote of a field.
    case textAfterQuote(file: String, line: Int, column: Int)
    /// A field holds a NUL byte or invalid UTF-8.
    case notText(file: String, line: Int, column: Int, reason: String)
    /// A file, record or field count is above its ``ReaderLimits`` bound.
    case limitExceeded(ReaderLimitExceeded)

    /// The exit-code category.
    public var category: ErrorCategory {
        switch self {
        case .missingFile: .noInput
        case .unreadableFile: .ioError
        default: .dataError
        }
    }

    /// What was wrong, and where.
    public var description: String {
        switch self {
        case let .missingFile(path): "\(path): no such file"
        case let .unreadableFile(path, reason): "\(path): cannot read the file (\(reason))"
        case let .noHeader(file): "\(file): the file has no header line"
        case let .duplicateColumn(file, column): "\(file): column '\(column)' appears twice in the header"
        case let .wrongFieldCount(file, line, expected, found): "\(file):\(line): expected \(expected) fields as in the header, found \(found)"
        case let .unterminatedQuote(file, line, column): "\(file):\(line): column \(column): a quoted field is never closed"
        case let .textAfterQuote(file, line, column): "\(file):\(line): column \(column): unexpected text after the closing quote"
        case let .notText(file, line, column, reason): "\(file):\(line): column \(column): \(reason)"
        case let .limitExceeded(error): error.description
        }
    }

    /// A suggestion for fixing the file.
    public var hint: String? {
        switch self {
        case .missingFile: "check the path"
        case .wrongFieldCount, .unterminatedQuote, .textAfterQuote: "quote fields that contain commas, quotes or line breaks (a quote inside a quoted field is doubled: \"\")"
        case .notText: "save the file as UTF-8 text"
        case .noHeader: "the first line must name the columns"
        case let .limitExceeded(error): error.hint
        default: nil
        }
    }
}

extension TabularError {
    /// The old name of ``unreadableFile(path:reason:)``.
    @available(*, deprecated, renamed: "unreadableFile(path:reason:)")
    public static func unreadable(path: String, reason: String) -> TabularError { .unreadableFile(path: path, reason: reason) }
}
