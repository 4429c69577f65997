/// The broad class of a failure, which decides the process exit code of `heatctl`.
///
/// Every library error type in CustomerHeat conforms to ``ClassifiedError`` and names one of
/// these categories; the command-line tool maps them to the exit codes of DESIGN.md section 8
/// (the BSD `sysexits.h` values).
public enum ErrorCategory: Sendable, Equatable, CaseIterable {
    /// The command was used wrongly (exit 64).
    case usage
    /// An integrity check found a violation (exit 1): `audit verify` failed, `audit sign` refused
    /// to sign a store that does not verify, or a command refused a store row that does not
    /// verify (a forged directory version, a key transition off the store's chain of signing
    /// keys, ...). The rule: a store row that does not verify exits 1, a file whose signature
    /// does not verify exits 65 (``dataError``); Docs/Architecture.md, "Differences".
    case integrityViolation
    /// Input data was malformed: bad rows, a corrupt, truncated or wrong-kind file (exit 65).
    case dataError
    /// A required input file does not exist (exit 66).
    case noInput
    /// No FHE parameter preset fits the request (exit 69).
    case unavailable
    /// Reading or writing a file failed (exit 74).
    case ioError
    /// The database is locked by another process; try again (exit 75).
    case temporaryFailure
    /// The privacy policy refused the request (exit 77).
    case permissionDenied
    /// A configuration file (heat config, policy, rules, database schema) is invalid (exit 78).
    case configuration
    /// A failure no library classified (a bug, or an error from a lower layer that escaped its
    /// module's vocabulary). `heatctl`'s catch-all maps every such error here (exit 70,
    /// `EX_SOFTWARE`), so that exit 1 stays reserved for integrity violations.
    case internalFailure

    /// The process exit code for this category.
    public var exitCode: Int32 {
        switch self {
        case .usage: 64
        case .integrityViolation: 1
        case .dataError: 65
        case .noInput: 66
        case .unavailable: 69
        case .ioError: 74
        case .temporaryFailure: 75
        case .permissionDenied: 77
        case .configuration: 78
        case .internalFailure: 70
        }
    }

    /// The HTTP status the API server answers with for this category.
    ///
    /// Client mistakes are 4xx (400 usage, 404 missing input, 403 policy refused, 422 bad data or
    /// a request no parameter preset can hold); failures on the server's side are 5xx (500 for
    /// I/O, configuration, integrity and internal failures, 503 for a locked database, which the
    /// client may retry).
    ///
    /// ```swift
    /// ErrorCategory.permissionDenied.httpStatus   // 403
    /// ```
    public var httpStatus: Int {
        switch self {
        case .usage: 400
        case .integrityViolation: 500
        case .dataError: 422
        case .noInput: 404
        case .unavailable: 422
        case .ioError: 500
        case .temporaryFailure: 503
        case .permissionDenied: 403
        case .configuration: 500
        case .internalFailure: 500
        }
    }

    /// A sentence that is safe to send to a network client: it names the kind of failure and
    /// never contains a path, an identifier or a value.
    ///
    /// ```swift
    /// ErrorCategory.noInput.safeDescription   // "a required input does not exist"
    /// ```
    public var safeDescription: String {
        switch self {
        case .usage: "the request is not valid"
        case .integrityViolation: "an integrity check failed"
        case .dataError: "the input data is malformed"
        case .noInput: "a required input does not exist"
        case .unavailable: "no parameter preset can hold the request"
        case .ioError: "reading or writing a file failed"
        case .temporaryFailure: "the store is busy; try again"
        case .permissionDenied: "the privacy policy refused the request"
        case .configuration: "the server's configuration is invalid"
        case .internalFailure: "an internal error occurred"
        }
    }
}

/// An error that knows its ``ErrorCategory`` and can suggest a fix.
///
/// Conform each module's error enum so the command-line tool prints one sentence and a hint
/// and exits with the right code:
///
/// ```swift
/// enum ParseError: ClassifiedError {
///     case badRow(line: Int)
///     var category: ErrorCategory { .dataError }
///     var hint: String? { "fix the row and run the command again" }
///     var description: String { "bad row at line \(line)" }
/// }
/// ```
///
/// `description` (and `hint`) are for the person at the terminal and may name files, lines and
/// values. ``safeDescription`` is what a network client may see: never a path or a value.
///
/// The same failure has the same case name in every module: `missingFile(path:)` (exit 66),
/// `unreadableFile(path:reason:)` (exit 74), `unwritable(path:reason:)` (exit 74), a wrong
/// envelope kind as ``EnvelopeError/wrongKind(source:expected:found:)`` wrapped by the module
/// (`.envelope(_:)`), and a lower layer's error wrapped as a case (`.tabular(_:)`, `.fhe(_:)`,
/// `.envelope(_:)`) rather than flattened into a string.
public protocol ClassifiedError: Error, CustomStringConvertible {
    /// The category that decides the exit code.
    var category: ErrorCategory { get }
    /// A short, actionable suggestion, or `nil` when the message says it all.
    var hint: String? { get }
    /// A description safe for a network client: no paths, identifiers or values (default: the
    /// category's ``ErrorCategory/safeDescription``).
    var safeDescription: String { get }
}

extension ClassifiedError {
    /// No hint by default.
    public var hint: String? { nil }

    /// The category's generic sentence by default, which contains no path or value.
    public var safeDescription: String { category.safeDescription }
}
