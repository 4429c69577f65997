import ArgumentParser
import Foundation
import HeatEnvelope

/// heatctl's one place that turns an error into a message on stderr and an exit code.
///
/// A ``ClassifiedError`` prints its sentence and hint and exits with its category's code.
/// swift-argument-parser's own errors (usage, `--help`, ``ExitCode``) keep their handling. Every
/// other error, which no library classified, is caught here too, so that no failure ever exits
/// with 1 (reserved for integrity violations): a Foundation file error maps to 66 or 74, a
/// decoding error to 65, anything else to 70 (``ErrorCategory/internalFailure``).
///
/// ```swift
/// ErrorReport.category(of: CocoaError(.fileNoSuchFile))   // .noInput (exit 66)
/// ```
enum ErrorReport {
    /// The category of an error that is not swift-argument-parser's.
    ///
    /// - Parameter error: any error.
    /// - Returns: the classified category, or the catch-all's mapping of an unclassified error.
    static func category(of error: any Error) -> ErrorCategory {
        if let error = error as? any ClassifiedError { return error.category }
        if let error = error as? CocoaError {
            switch error.code {
            case .fileNoSuchFile, .fileReadNoSuchFile: return .noInput
            case .fileReadCorruptFile, .fileReadInapplicableStringEncoding: return .dataError
            default: return error.isFileError ? .ioError : .internalFailure
            }
        }
        if error is POSIXError { return .ioError }
        if error is DecodingError { return .dataError }
        return .internalFailure
    }

    /// Whether swift-argument-parser owns the error (parse and validation errors, `--help`,
    /// `--version`, an explicit ``ExitCode``): those keep the library's message and code.
    static func isArgumentParserError(_ error: any Error) -> Bool {
        if error is ExitCode || error is CleanExit || error is ValidationError { return true }
        if error is any ClassifiedError { return false }
        // The parser's internal errors map to 0 (help) or 64; only foreign errors map to 1.
        return HeatCtl.exitCode(for: error) != .failure
    }

    /// Prints the error (unless swift-argument-parser owns it) and returns the error for
    /// `exit(withError:)`: an ``ExitCode`` with the category's code, or the parser's own error.
    ///
    /// - Parameter error: the error that ended the command.
    /// - Returns: the error to exit with.
    static func report(_ error: any Error) -> any Error {
        if isArgumentParserError(error) { return error }
        let category = category(of: error)
        if let classified = error as? any ClassifiedError {
            Console.error(classified.description, hint: classified.hint)
        } else {
            Console.error(unclassifiedMessage(error), hint: category == .internalFailure ? "this is a bug in heatctl; please report it with the command you ran" : nil)
        }
        return ExitCode(category.exitCode)
    }

    /// The sentence printed for an error no library classified.
    static func unclassifiedMessage(_ error: any Error) -> String {
        if let error = error as? CocoaError { return error.localizedDescription }
        if let error = error as? DecodingError { return "cannot decode the input (\(error))" }
        return "internal error: \(String(describing: error))"
    }
}
