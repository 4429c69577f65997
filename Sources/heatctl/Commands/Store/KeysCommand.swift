import ArgumentParser

/// `heatctl keys ...`: role key management.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Generate the role key folders; escrow secret keys; rotate the signing key.",
        discussion: """
            Example:
              heatctl keys generate --out keys --store heat.db
              heatctl keys escrow split --key keys/keyholder/bfv-secret-key.heat --threshold 2 --custodian a.pub --custodian b.pub --out escrow
            """,
        subcommands: [KeysGenerateCommand.self, KeysEscrowCommand.self, KeysRotateCommand.self])
}
