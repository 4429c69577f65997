import ArgumentParser

/// `heatctl keys ...`: role key management.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Generate the role key folders; escrow secret keys; rotate or revoke the signing and collector keys.",
        discussion: """
            Example:
              heatctl keys generate --out keys --store heat.db
              heatctl keys escrow split --key keys/keyholder/bfv-secret-key.heat --threshold 2 --custodian a.pub --custodian b.pub --out escrow
              heatctl keys revoke --collector 1a2b3c4d --store heat.db --keys keys/keyholder --previous-head head.heat --head-out head.heat
            """,
        subcommands: [KeysGenerateCommand.self, KeysEscrowCommand.self, KeysRotateCommand.self, KeysRevokeCommand.self])
}
