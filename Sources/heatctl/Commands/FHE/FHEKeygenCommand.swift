import ArgumentParser
import Foundation
import HeatFHE

/// `heatctl fhe keygen --preset NAME --out DIR`.
struct FHEKeygenCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Generate a BFV key pair for a preset.",
        discussion: """
            Writes bfv-parameters.heat, bfv-secret-key.heat (mode 0600) and bfv-public-key.heat \
            into the folder, creating it if needed. An unknown preset exits with 64 and lists the presets.

            Example:
              heatctl fhe keygen --preset n4096-logq109-logt17 --out keys
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "The parameter preset (see `heatctl fhe params`).")
    var preset: String

    @Option(name: .long, help: "The folder to write the keys into.")
    var out: String

    func execute() async throws {
        Console.quiet = global.quiet
        let files = try FHEToolbox.generateKeys(preset: preset, directory: URL(filePath: out))
        Console.info("generated keys for \(preset)")
        Console.output(files.parameters.path)
        Console.output(files.secretKey.path)
        Console.output(files.publicKey.path)
    }
}
