import ArgumentParser

/// `heatctl keys ...`: role key management.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Generate the role key folders.",
        discussion: """
            Example:
              heatctl keys generate --out keys --store heat.db
            """,
        subcommands: [KeysGenerateCommand.self])
}
