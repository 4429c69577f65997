import HeatEnvelope
import HeatTabular

/// Everything that can go wrong in HeatML, each case naming the file, line, column, value or
/// parameter at fault.
///
/// Conforms to `ClassifiedError`, so `heatctl` prints the description and hint and exits with
/// the category's exit code (65 for bad data, 64 for bad parameters, 66 for a missing file).
///
/// ```swift
/// do { _ = try DataTable(contentsOf: url) }
/// catch let error as HeatMLError { print(error.description, error.hint ?? "") }
/// ```
public enum HeatMLError: ClassifiedError, Equatable {
    /// The input file does not exist.
    case missingFile(path: String)
    /// The input file exists but could not be read.
    case unreadableFile(path: String, reason: String)
    /// The file is not valid UTF-8 text.
    case notUTF8(path: String)
    /// The table has a header but no data rows (or no header at all).
    case emptyTable(source: String)
    /// A header names the same column twice.
    case duplicateColumn(source: String, column: String)
    /// A row has a different number of fields than the header.
    case wrongFieldCount(source: String, line: Int, expected: Int, found: Int)
    /// A quoted field is not closed before the end of the file.
    case unterminatedQuote(source: String, line: Int)
    /// A cell cannot be read as the type of its column.
    case badCell(source: String, line: Int, column: String, value: String, expected: ColumnType)
    /// A column the operation needs is absent.
    case missingColumn(source: String, column: String)
    /// The target column has a missing value.
    case missingTarget(source: String, line: Int, column: String)
    /// The target column holds fewer or more than two classes.
    case targetNotBinary(column: String, classes: [String])
    /// The requested positive label does not occur in the target column.
    case unknownPositiveLabel(column: String, label: String, classes: [String])
    /// The target (or a fold's training part) holds a single class.
    case singleClass(context: String, label: String)
    /// A hyper-parameter or argument is out of range.
    case invalidParameter(name: String, value: String, reason: String)
    /// Matrix or vector shapes do not agree.
    case shapeMismatch(context: String, expected: String, found: String)
    /// A fold assignment is unusable (wrong length, non-integer, or a fold without test rows).
    case badFolds(source: String, reason: String)
    /// A saved model could not be decoded.
    case badModel(source: String, reason: String)
    /// An output file could not be written.
    case unwritable(path: String, reason: String)
    /// A record could not be read (text after a closing quote, a NUL byte, invalid UTF-8); the
    /// description names the file, line and column.
    case malformedRecord(description: String)
    /// An inferred categorical column has more distinct values than the limit.
    case tooManyCategories(source: String, column: String, distinct: Int, limit: Int, example: String?)
    /// No positive label was given and the two classes are not a yes / no pair, so either
    /// could be the positive one.
    case ambiguousPositiveLabel(column: String, classes: [String])
    /// The shared CSV reader rejected the bytes (text after a closing quote, a NUL byte, invalid
    /// UTF-8); the wrapped error names the file, line and column.
    case tabular(TabularError)

    /// The exit-code category of the failure.
    public var category: ErrorCategory {
        switch self {
        case .missingFile: .noInput
        case .unreadableFile, .unwritable: .ioError
        case .invalidParameter, .ambiguousPositiveLabel: .usage
        case let .tabular(error): error.category
        default: .dataError
        }
    }

    /// A one-sentence description naming what was wrong and where.
    public var description: String {
        switch self {
        case let .missingFile(path): "\(path): no such file"
        case let .unreadableFile(path, reason): "\(path): cannot read the file (\(reason))"
        case let .notUTF8(path): "\(path): the file is not UTF-8 text"
        case let .emptyTable(source): "\(source): the table has no data rows"
        case let .duplicateColumn(source, column): "\(source): column '\(column)' appears twice in the header"
        case let .wrongFieldCount(source, line, expected, found):
            "\(source):\(line): expected \(expected) fields as in the header, found \(found)"
        case let .unterminatedQuote(source, line): "\(source):\(line): a quoted field is never closed"
        case let .badCell(source, line, column, value, expected):
            "\(source):\(line): column '\(column)': value '\(value)' is not \(expected.article) \(expected.rawValue) value"
        case let .missingColumn(source, column): "\(source): no column named '\(column)'"
        case let .missingTarget(source, line, column): "\(source):\(line): target column '\(column)' is empty"
        case let .targetNotBinary(column, classes):
            "target column '\(column)' must hold exactly two classes, found \(classes.count): \(classes.prefix(10).joined(separator: ", "))"
        case let .unknownPositiveLabel(column, label, classes):
            "positive label '\(label)' does not occur in target column '\(column)' (classes: \(classes.joined(separator: ", ")))"
        case let .singleClass(context, label): "\(context): the target holds only the class '\(label)'"
        case let .invalidParameter(name, value, reason): "parameter \(name) = \(value): \(reason)"
        case let .shapeMismatch(context, expected, found): "\(context): expected \(expected), found \(found)"
        case let .badFolds(source, reason): "\(source): unusable folds (\(reason))"
        case let .badModel(source, reason): "\(source): not a usable HeatML model (\(reason))"
        case let .unwritable(path, reason): "\(path): cannot write the file (\(reason))"
        case let .malformedRecord(description): description
        case let .tabular(error): error.description
        case let .tooManyCategories(source, column, distinct, limit, example):
            "\(source): column '\(column)' has \(distinct) distinct values, more than the limit of \(limit) for a categorical feature"
                + (example.map { "; it mixes numbers and text, the first text value is on \($0)" } ?? "")
        case let .ambiguousPositiveLabel(column, classes):
            "target column '\(column)' holds '\(classes.joined(separator: "' and '"))': which one is the positive class cannot be guessed"
        }
    }

    /// A short suggestion for fixing the failure.
    public var hint: String? {
        switch self {
        case .missingFile: "check the path"
        case .badCell: "fix the cell, leave it empty for a missing value, or override the column type"
        case .missingColumn: "check the column name against the CSV header (names are case-sensitive)"
        case .targetNotBinary, .singleClass: "a binary classifier needs both classes in the target column"
        case .unknownPositiveLabel: "pass one of the listed classes with --positive"
        case let .ambiguousPositiveLabel(_, classes):
            "pass the class to predict with --positive, e.g. --positive '\(classes.last ?? "")' (one of: \(classes.joined(separator: ", ")))"
        case .wrongFieldCount, .unterminatedQuote: "quote fields that contain commas, quotes or line breaks"
        case .badFolds: "give one integer fold index per data row, in row order"
        case .emptyTable: "the CSV needs a header line and at least one data row"
        case let .tooManyCategories(_, column, _, _, _):
            "if it is an identifier pass --type \(column)=identifier (or --ignore \(column)); to group rare values into 'other' pass --max-categories N; to one-hot encode every value pass --type \(column)=categorical"
        case let .tabular(error): error.hint
        default: nil
        }
    }
}
