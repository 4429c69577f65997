import ArgumentParser
import HeatCore

@main
struct HeatCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "heatctl",
        abstract: "Privacy-preserving relationship heat analytics.",
        discussion: """
            Scores client relationship "heat" from interaction metadata (never content), in plaintext \
            or on data encrypted with BFV homomorphic encryption.

            Example:
              heatctl demo
            """,
        version: HeatCore.version,
        subcommands: [
            // Registered commands, one line each (keep sorted by area).
            DemoCommand.self,
            GenerateCommand.self,
            HeatScoreCommand.self,
            InitCommand.self,  // store
            KeysCommand.self,  // store
            AuditCommand.self,  // store
            ClientsCommand.self,  // store
            IngestCommand.self,  // store
        ]
    )
}
