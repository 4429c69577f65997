/// The broad class of a failure, which decides the process exit code of `heatctl`.
///
/// Every library error type in CustomerHeat conforms to ``ClassifiedError`` and names one of
/// these categories; the command-line tool maps them to the exit codes of DESIGN.md section 8
/// (the BSD `sysexits.h` values).
public enum ErrorCategory: Sendable, Equatable, CaseIterable {
    /// The command was used wrongly (exit 64).
    case usage
    /// An integrity check found a violation: `audit verify` failed, or `audit sign` refused to
    /// sign a store that does not verify (exit 1).
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
public protocol ClassifiedError: Error, CustomStringConvertible {
    /// The category that decides the exit code.
    var category: ErrorCategory { get }
    /// A short, actionable suggestion, or `nil` when the message says it all.
    var hint: String? { get }
}

extension ClassifiedError {
    /// No hint by default.
    public var hint: String? { nil }
}
