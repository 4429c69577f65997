import ArgumentParser

/// `heatctl policy ...`: inspect a release policy.
struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Inspect a release policy.",
        discussion: """
            Example:
              heatctl policy check --policy Examples/policy.json --role manager
            """,
        subcommands: [PolicyCheckCommand.self])
}
