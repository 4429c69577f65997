import ArgumentParser
import Foundation
import HeatFHE
import HeatFHETools

/// `heatctl fhe export-json FILE [--include-secret]`.
struct FHEExportJSONCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-json",
        abstract: "Print a secret key, public key or ciphertext as JSON for independent checking.",
        discussion: """
            The format (scheme, kind, n, plaintextModulus, encoding, moduli, polynomials in \
            coefficient form as decimal residues) is specified in Docs/FHE-Format.md with a worked \
            example. Exporting a secret key prints the secret, so it is refused unless \
            --include-secret is given. Seeded files are exported expanded.

            Example:
              heatctl fhe export-json heat.ct > heat.ct.json
              heatctl fhe export-json keys/bfv-secret-key.heat --include-secret > secret.json
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The file to export.", completion: .file())
    var file: String

    @Flag(name: .customLong("include-secret"), help: "Allow exporting a secret key (the output is the secret).")
    var includeSecret = false

    @Flag(
        name: .customLong("allow-insecure-for-testing"),
        help: ArgumentHelp("Accept files whose parameters are below 128-bit security (tests only).", visibility: .hidden))
    var allowInsecureForTesting = false

    func execute() async throws {
        let text = try FHEToolbox.exportJSON(
            URL(filePath: file), includeSecret: includeSecret,
            policy: allowInsecureForTesting ? .allowInsecureForTesting : .production)
        Console.output(String(text.dropLast()))
    }
}
