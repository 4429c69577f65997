#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HeatML
import Logging

/// The only place heatctl writes to the terminal. Results go to stdout; progress, logs and
/// errors go to stderr.
///
/// ```swift
/// Console.output("report/index.html")          // a result, on stdout
/// Console.info("rendering 7 sections")          // a log line, on stderr, hidden by --quiet
/// Console.error("results.json: not found", hint: "run heatctl demo first")
/// ```
enum Console {
    /// Whether `--quiet` is in effect for the running command. A task-local value, not global
    /// state: ``HeatCommand`` binds it around `execute()` from the command's ``GlobalOptions``,
    /// and tests bind it with `Console.$isQuiet.withValue(true) { ... }`.
    @TaskLocal static var isQuiet = false

    /// The logger the running command passes to the libraries: stderr, at the level of
    /// `--log-level` / `--verbose` (bound by ``HeatCommand``; silent outside a command).
    @TaskLocal static var logger: Logger = .silent

    /// A logger that writes to stderr at `level`.
    ///
    /// - Parameter level: the lowest level shown.
    /// - Returns: the logger.
    static func makeLogger(level: Logger.Level) -> Logger {
        var logger = Logger(label: "heatctl", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = level
        return logger
    }

    /// The old, settable form of ``isQuiet``; setting it has no effect, because ``HeatCommand``
    /// already applied the command's `--quiet`.
    @available(*, deprecated, message: "HeatCommand applies --quiet; read Console.isQuiet")
    static var quiet: Bool {
        get { isQuiet }
        set { _ = newValue }
    }

    /// Writes a result line to stdout.
    static func output(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Writes an informational line to stderr unless `--quiet`.
    static func info(_ text: String) {
        guard !isQuiet else { return }
        writeError(text + "\n")
    }

    /// Writes a success line to stderr unless `--quiet` (green on a colour terminal).
    static func success(_ text: String) {
        guard !isQuiet else { return }
        writeError(TerminalStyle.green(text) + "\n")
    }

    /// Writes a warning line to stderr, even with `--quiet` ("warning:" in yellow on a colour terminal).
    static func warning(_ text: String) {
        writeError(TerminalStyle.yellow(TerminalStyle.bold("warning:")) + " \(text)\n")
    }

    /// Writes an error sentence and an optional hint to stderr ("error:" in bold red and
    /// "hint:" in yellow on a colour terminal; plain text otherwise).
    static func error(_ text: String, hint: String? = nil) {
        var message = TerminalStyle.red(TerminalStyle.bold("error:")) + " \(text)\n"
        if let hint { message += TerminalStyle.yellow("hint:") + " \(hint)\n" }
        writeError(message)
    }

    /// Writes raw text to stderr (used by ``ProgressBar`` to redraw its line).
    static func writeError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Whether stderr is a terminal (progress bars and colour are shown only then).
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Whether colour may be used: stderr is a terminal, `NO_COLOR` is unset or empty, and
    /// `TERM` is not `dumb`.
    static var colorEnabled: Bool {
        TerminalStyle.colorAllowed(isTerminal: stderrIsTerminal, environment: ProcessInfo.processInfo.environment)
    }

    /// Whether progress bars are drawn: stderr is a terminal and `--quiet` is off.
    static var progressEnabled: Bool { stderrIsTerminal && !isQuiet }

    /// The terminal's width in columns (stderr), or 80 when unknown.
    static var terminalColumns: Int {
        var size = winsize()
        if withUnsafeMutablePointer(to: &size, { ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), $0) }) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns > 0 { return columns }
        return 80
    }
}
