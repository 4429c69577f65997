import ArgumentParser
import HeatEnvelope
import Logging

/// Options every command accepts.
struct GlobalOptions: ParsableArguments {
    @Flag(name: .long, help: "Print only results and errors (no progress bars or log lines).")
    var quiet = false

    @Flag(name: .long, help: "Show the libraries' log messages on stderr (level debug).")
    var verbose = false

    @Option(name: .customLong("log-level"), help: "The libraries' log level on stderr (trace, debug, info, notice, warning, error, critical; default warning, debug with --verbose).")
    var logLevel: Logger.Level?

    /// The level of the stderr logger: `--log-level`, else debug with `--verbose`, else warning
    /// (error with `--quiet`).
    var effectiveLogLevel: Logger.Level {
        logLevel ?? (verbose ? .debug : (quiet ? .error : .warning))
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// The shape of every heatctl command: implement `execute()`; `run()` maps library errors to a
/// one-sentence message plus hint on stderr and the exit codes of DESIGN.md section 8.
///
/// `--quiet` is handled here, in one place: a command that declares
/// `@OptionGroup var global: GlobalOptions` gets it bound (``Console/isQuiet``, task-local)
/// around `execute()`; commands never set console state themselves.
///
/// ```swift
/// struct ReportCommand: HeatCommand {
///     static let configuration = CommandConfiguration(commandName: "report", abstract: "…")
///     @OptionGroup var global: GlobalOptions
///     func execute() async throws { Console.output("done") }
/// }
/// ```
protocol HeatCommand: AsyncParsableCommand {
    /// The command's work.
    func execute() async throws

    /// The command's global options, when it declares them (default: the command's
    /// `@OptionGroup` of ``GlobalOptions``, found by reflection).
    var globalOptions: GlobalOptions? { get }
}

extension HeatCommand {
    /// The command's `@OptionGroup var …: GlobalOptions`, if it declares one.
    var globalOptions: GlobalOptions? {
        Mirror(reflecting: self).children.lazy.compactMap { ($0.value as? OptionGroup<GlobalOptions>)?.wrappedValue }.first
    }

    func run() async throws {
        let options = globalOptions
        let logger = Console.makeLogger(level: options?.effectiveLogLevel ?? .warning)
        try await Console.$isQuiet.withValue(options?.quiet ?? false) {
            try await Console.$logger.withValue(logger) {
                do {
                    try await execute()
                } catch {
                    // The catch-all: every error, classified or not, leaves with a DESIGN.md exit code
                    // (never 1, which is reserved for integrity violations).
                    throw ErrorReport.report(error)
                }
            }
        }
    }
}
