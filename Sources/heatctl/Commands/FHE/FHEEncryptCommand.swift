import ArgumentParser
import Foundation
import HeatFHE

/// `heatctl fhe encrypt (--public-key F | --secret-key F) [--encoding batch|coefficient] --input VALUES.json|.csv [--column NAME] --out CT`.
struct FHEEncryptCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "encrypt",
        abstract: "Encrypt a JSON array or a CSV column of integers into one ciphertext.",
        discussion: """
            The input is a .json file holding an array of integers, or a CSV file with a header \
            (choose the column with --column when there are several). Values are encoded as signed \
            integers when any is negative. At most N values fit one ciphertext.

            Example:
              heatctl fhe encrypt --public-key keys/bfv-public-key.heat --input scores.csv --column heat --out heat.ct
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("public-key"), help: "Encrypt with this public key file.")
    var publicKey: String?

    @Option(name: .customLong("secret-key"), help: "Encrypt with this secret key file.")
    var secretKey: String?

    @Option(name: .long, help: "batch (SIMD slots, default) or coefficient.")
    var encoding: String = "batch"

    @Option(name: .long, help: "The values: a .json array or a .csv file.")
    var input: String

    @Option(name: .long, help: "The CSV column holding the values.")
    var column: String?

    @Option(name: .long, help: "The ciphertext file to write.")
    var out: String

    func validate() throws {
        guard (publicKey == nil) != (secretKey == nil) else {
            throw ValidationError("pass exactly one of --public-key and --secret-key")
        }
        guard BfvEncoding(name: encoding) != nil else {
            throw ValidationError("--encoding must be batch or coefficient, got \"\(encoding)\"")
        }
    }

    func execute() async throws {
        Console.quiet = global.quiet
        let keyPath = publicKey ?? secretKey ?? ""
        let (count, parameters) = try FHEToolbox.encrypt(
            inputFile: URL(filePath: input), column: column, keyFile: URL(filePath: keyPath),
            encoding: BfvEncoding(name: encoding) ?? .batch, output: URL(filePath: out))
        Console.info("encrypted \(count) values (\(encoding), \(parameters)) into \(out)")
    }
}
