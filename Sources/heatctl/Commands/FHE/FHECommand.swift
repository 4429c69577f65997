import ArgumentParser

/// `heatctl fhe`: the low-level BFV toolbox (like `openssl` subcommands).
struct FHECommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fhe",
        abstract: "Low-level BFV homomorphic encryption toolbox.",
        discussion: """
            Generate keys for a parameter preset, encrypt a JSON array or a CSV column of integers, \
            decrypt, inspect any HeatFHE file and export keys or ciphertexts as JSON for independent \
            checking (Docs/FHE-Format.md).

            Example:
              heatctl fhe keygen --preset n4096-logq109-logt17 --out keys
              heatctl fhe encrypt --public-key keys/bfv-public-key.heat --input heat.csv --column heat --out heat.ct
              heatctl fhe decrypt --secret-key keys/bfv-secret-key.heat --input heat.ct
              heatctl fhe eval sum-slots heat.ct --keys keys --out total.ct
            """,
        subcommands: [
            FHEParamsCommand.self,
            FHEKeygenCommand.self,
            FHEEncryptCommand.self,
            FHEDecryptCommand.self,
            FHEInspectCommand.self,
            FHEExportJSONCommand.self,
            FHEEvalCommand.self,
            FHEPBSBenchCommand.self,
        ]
    )
}
