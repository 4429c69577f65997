import ArgumentParser
import HeatEnvelope

/// Options every command accepts.
struct GlobalOptions: ParsableArguments {
    @Flag(name: .long, help: "Print only results and errors (no progress bars or log lines).")
    var quiet = false
}

/// The shape of every heatctl command: implement `execute()`; `run()` maps library errors to a
/// one-sentence message plus hint on stderr and the exit codes of DESIGN.md section 8.
///
/// A command that declares `@OptionGroup var global: GlobalOptions` and returns it from
/// ``globalOptions`` gets `--quiet` applied before `execute()` runs.
///
/// ```swift
/// struct ReportCommand: HeatCommand {
///     static let configuration = CommandConfiguration(commandName: "report", abstract: "…")
///     @OptionGroup var global: GlobalOptions
///     var globalOptions: GlobalOptions? { global }
///     func execute() async throws { Console.output("done") }
/// }
/// ```
protocol HeatCommand: AsyncParsableCommand {
    /// The command's work.
    func execute() async throws

    /// The command's global options, when it declares them (default `nil`).
    var globalOptions: GlobalOptions? { get }
}

extension HeatCommand {
    /// No global options by default.
    var globalOptions: GlobalOptions? { nil }

    func run() async throws {
        if let globalOptions { Console.quiet = globalOptions.quiet }
        do {
            try await execute()
        } catch let error as ClassifiedError {
            Console.error(error.description, hint: error.hint)
            throw ExitCode(error.category.exitCode)
        }
    }
}
