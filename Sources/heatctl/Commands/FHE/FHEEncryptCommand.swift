import ArgumentParser
import Foundation
import HeatFHE
import HeatFHETools

/// `heatctl fhe encrypt --public-key F [--encoding batch|coefficient] --input VALUES.json|.csv [--column NAME] --out CT`.
struct FHEEncryptCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "encrypt",
        abstract: "Encrypt a JSON array or a CSV column of integers into one ciphertext.",
        discussion: """
            The input is a .json file holding an array of integers, or a CSV file with a header \
            (choose the column with --column when there are several). Values are encoded as signed \
            integers when any is negative. At most N values fit one ciphertext. Encryption takes \
            the public key only: the encrypting side never needs the secret key.

            Example:
              heatctl fhe encrypt --public-key keys/bfv-public-key.heat --input scores.csv --column heat --out heat.ct
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("public-key"), help: "Encrypt with this public key file.", completion: .file())
    var publicKey: String

    @Option(name: .long, help: "batch (SIMD slots, default) or coefficient.")
    var encoding: BfvEncoding = .batch

    @Option(name: .long, help: "The values: a .json array or a .csv file.", completion: .file())
    var input: String

    @Option(name: .long, help: "The CSV column holding the values.")
    var column: String?

    @Option(name: .long, help: "The ciphertext file to write.", completion: .file())
    var out: String

    @Flag(
        name: .customLong("allow-insecure-for-testing"),
        help: ArgumentHelp("Accept files whose parameters are below 128-bit security (tests only).", visibility: .hidden))
    var allowInsecureForTesting = false

    func execute() async throws {
        let (count, parameters) = try FHEToolbox.encrypt(
            inputFile: URL(filePath: input), column: column, keyFile: URL(filePath: publicKey),
            encoding: encoding, output: URL(filePath: out),
            policy: allowInsecureForTesting ? .allowInsecureForTesting : .production)
        Console.info("encrypted \(count) values (\(encoding.name), \(parameters)) into \(out)")
    }
}
