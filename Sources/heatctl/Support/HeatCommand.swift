import ArgumentParser
import HeatEnvelope

/// Options every command accepts.
struct GlobalOptions: ParsableArguments {
    @Flag(name: .long, help: "Print only results and errors.")
    var quiet = false
}

/// The shape of every heatctl command: implement `execute()`; `run()` maps library errors to a
/// one-sentence message plus hint on stderr and the exit codes of DESIGN.md section 8.
protocol HeatCommand: AsyncParsableCommand {
    /// The command's work.
    func execute() async throws
}

extension HeatCommand {
    func run() async throws {
        do {
            try await execute()
        } catch let error as ClassifiedError {
            Console.error(error.description, hint: error.hint)
            throw ExitCode(error.category.exitCode)
        }
    }
}
