import ArgumentParser

/// `heatctl bench`: performance measurements of the libraries on this machine.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the speed of the libraries on this machine.",
        discussion: """
            Each subcommand times one area single-threaded and prints a table, or with --json one \
            JSON document. Build in release for meaningful numbers (Docs/Performance.md lists the \
            exact commands and the numbers recorded).

            Example:
              heatctl bench fhe
              heatctl bench fhe --preset n8192 --json
              heatctl bench ml --data Examples/data/telco_churn.csv --target churn
              heatctl bench pipeline --clients 10000
            """,
        subcommands: [
            BenchFHECommand.self,
            BenchMLCommand.self,
            BenchPipelineCommand.self,
        ]
    )
}
