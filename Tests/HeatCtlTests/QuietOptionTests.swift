import ArgumentParser
import Testing
@testable import heatctl

/// A command that only declares the global options and reports, through its exit code, whether
/// `--quiet` was in effect inside `execute()`.
private struct QuietProbeCommand: HeatCommand {
    static let configuration = CommandConfiguration(commandName: "probe")

    @OptionGroup var global: GlobalOptions

    func execute() async throws {
        throw ExitCode(Console.isQuiet ? 3 : 4)
    }
}

@Suite struct QuietOptionTests {
    private func code(_ arguments: [String]) async throws -> Int32? {
        do {
            try await QuietProbeCommand.parse(arguments).run()
        } catch let exit as ExitCode {
            return exit.rawValue
        }
        return nil
    }

    @Test func quietIsAppliedByHeatCommandWithoutTheCommandsHelp() async throws {
        #expect(try await code(["--quiet"]) == 3)
        #expect(try await code([]) == 4)
        #expect(Console.isQuiet == false, "nothing global was changed")
    }
}
