#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The only place heatctl writes to the terminal. Results go to stdout; progress, logs and
/// errors go to stderr.
enum Console {
    nonisolated(unsafe) static var quiet = false

    /// Writes a result line to stdout.
    static func output(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Writes an informational line to stderr unless `--quiet`.
    static func info(_ text: String) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Writes an error sentence and an optional hint to stderr.
    static func error(_ text: String, hint: String? = nil) {
        var message = "error: \(text)\n"
        if let hint { message += "hint: \(hint)\n" }
        FileHandle.standardError.write(Data(message.utf8))
    }

    /// Whether stderr is a terminal (progress bars and colour are shown only then).
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Whether colour may be used: stderr is a terminal and `NO_COLOR` is unset.
    static var colorEnabled: Bool {
        stderrIsTerminal && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }
}
