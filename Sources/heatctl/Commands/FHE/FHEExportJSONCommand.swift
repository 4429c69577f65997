import ArgumentParser
import Foundation
import HeatFHE

/// `heatctl fhe export-json FILE`.
struct FHEExportJSONCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-json",
        abstract: "Print a secret key, public key or ciphertext as JSON for independent checking.",
        discussion: """
            The format (scheme, kind, n, plaintextModulus, encoding, moduli, polynomials in \
            coefficient form as decimal residues) is specified in Docs/FHE-Format.md with a worked \
            example. Exporting a secret key prints the secret: handle the output accordingly.

            Example:
              heatctl fhe export-json heat.ct > heat.ct.json
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The file to export.")
    var file: String

    func execute() async throws {
        let text = try FHEToolbox.exportJSON(URL(filePath: file))
        Console.output(String(text.dropLast()))
    }
}
