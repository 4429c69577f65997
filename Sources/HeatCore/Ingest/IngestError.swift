import HeatEnvelope
import HeatTabular

/// A file-level failure of a reader: the whole file is unusable (or, in strict mode, a row was bad).
///
/// Row-level problems in the default mode are not errors: they are ``RowReject`` entries of a
/// ``ReadReport``. Every case names the file and, where it applies, the line and column.
///
/// ```swift
/// do { _ = try InteractionReader().read(contentsOf: url) }
/// catch { print(error.description, error.hint ?? "") }   // "in.csv: the file is empty (0 bytes)"
/// ```
public enum IngestError: ClassifiedError, Equatable {
    /// The file does not exist.
    case missingFile(path: String)
    /// The file exists but cannot be read.
    case unreadableFile(path: String, reason: String)
    /// The file has zero bytes.
    case emptyFile(file: String)
    /// The file holds only a byte-order mark or white space: there is no header.
    case noHeader(file: String)
    /// The header is separated by semicolons rather than commas.
    case semicolonDelimiter(file: String)
    /// The header lacks required columns.
    case missingColumns(file: String, missing: [String], found: [String])
    /// The header names a column twice.
    case duplicateColumn(file: String, column: String)
    /// The header itself is malformed (bad encoding, NUL byte, unclosed quote).
    case badHeader(file: String, reason: String)
    /// Lenient mode: rows were rejected; the good ones were kept and used (the reject report
    /// lists the bad ones). Raised by callers after they finish, so the run exits 65.
    case rowsRejected(file: String, rejectedRows: Int, keptRows: Int)
    /// Strict mode: at least one row was rejected, so nothing is kept.
    case rejectedInStrictMode(file: String, rejectedRows: Int, first: RowReject)
    /// The shared CSV layer (``TabularError``) rejected the file; the wrapped error names the
    /// file, line and column.
    case tabular(TabularError)

    public var category: ErrorCategory {
        switch self {
        case .missingFile: .noInput
        case .unreadableFile: .ioError
        case .tabular(let error): error.category
        default: .dataError
        }
    }

    public var description: String {
        switch self {
        case .missingFile(let file): "\(file): no such file"
        case .unreadableFile(let file, let reason): "\(file): cannot read the file (\(reason))"
        case .emptyFile(let file): "\(file): the file is empty (0 bytes)"
        case .noHeader(let file): "\(file): the file has no header row (only white space)"
        case .semicolonDelimiter(let file):
            "\(file): line 1: the header is separated by semicolons (';'); CustomerHeat reads comma-separated files"
        case .missingColumns(let file, let missing, let found):
            "\(file): line 1: missing required column\(missing.count == 1 ? "" : "s") \(missing.map { "\"\($0)\"" }.joined(separator: ", ")) (found: \(found.joined(separator: ", ")))"
        case .duplicateColumn(let file, let column): "\(file): line 1: column \"\(column)\" appears twice in the header"
        case .badHeader(let file, let reason): "\(file): line 1: bad header: \(reason)"
        case .rowsRejected(let file, let count, let kept):
            "\(file): \(count) row\(count == 1 ? "" : "s") rejected (see the reject report above); \(kept) good row\(kept == 1 ? " was" : "s were") used"
        case .rejectedInStrictMode(let file, let count, let first):
            "\(file): \(count) row\(count == 1 ? "" : "s") rejected in strict mode, nothing kept; first: \(first)"
        case .tabular(let error): error.description
        }
    }

    public var hint: String? {
        switch self {
        case .missingFile: "check the path"
        case .unreadableFile: "check the file's permissions"
        case .emptyFile, .noHeader: "export the data again with a header row"
        case .semicolonDelimiter: "re-export with ',' as the delimiter (a spreadsheet's \"CSV UTF-8 (comma delimited)\")"
        case .missingColumns: "see Docs/InputFormats.md for the required columns"
        case .duplicateColumn: "remove the repeated column"
        case .badHeader: "save the file as UTF-8 CSV with a plain header row"
        case .rowsRejected: "fix the rows listed, or use --strict to refuse files with bad rows"
        case .rejectedInStrictMode: "fix the rows listed, or run without --strict to keep the good rows"
        case .tabular(let error): error.hint
        }
    }
}

extension IngestError {
    /// The old name of ``missingFile(path:)``.
    @available(*, deprecated, renamed: "missingFile(path:)")
    public static func noSuchFile(file: String) -> IngestError { .missingFile(path: file) }

    /// The old name of ``unreadableFile(path:reason:)``.
    @available(*, deprecated, renamed: "unreadableFile(path:reason:)")
    public static func unreadable(file: String, reason: String) -> IngestError { .unreadableFile(path: file, reason: reason) }
}
