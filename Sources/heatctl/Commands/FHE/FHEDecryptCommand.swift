import ArgumentParser
import Foundation
import HeatFHE
import HeatFHETools

/// `heatctl fhe decrypt --secret-key F --input CT [--encoding batch|coefficient] [--noise-budget] [--json]`.
struct FHEDecryptCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "decrypt",
        abstract: "Decrypt a ciphertext and print its values.",
        discussion: """
            Prints one value per line (or, with --json, one document with the values). The \
            encoding recorded in the ciphertext is used unless --encoding overrides it. The \
            remaining noise budget depends on the secret key and is shown only with --noise-budget.

            Example:
              heatctl fhe decrypt --secret-key keys/bfv-secret-key.heat --input heat.ct --json
              heatctl fhe decrypt --secret-key keys/bfv-secret-key.heat --input heat.ct --noise-budget
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("secret-key"), help: "The secret key file.", completion: .file())
    var secretKey: String

    @Option(name: .long, help: "The ciphertext file.", completion: .file())
    var input: String

    @Option(name: .long, help: "Decode as batch or coefficient (default: as encrypted).")
    var encoding: BfvEncoding?

    @Flag(name: .customLong("noise-budget"), help: "Also measure and show the remaining noise budget (secret-dependent).")
    var noiseBudget = false

    @Flag(name: .long, help: "Print one JSON document.")
    var json = false

    @Flag(
        name: .customLong("allow-insecure-for-testing"),
        help: ArgumentHelp("Accept files whose parameters are below 128-bit security (tests only).", visibility: .hidden))
    var allowInsecureForTesting = false

    func execute() async throws {
        let result = try FHEToolbox.decrypt(
            secretKeyFile: URL(filePath: secretKey), ciphertextFile: URL(filePath: input),
            encoding: encoding, includeNoiseBudget: noiseBudget,
            policy: allowInsecureForTesting ? .allowInsecureForTesting : .production)
        if json {
            try Console.output(FHEJSON.encode(result))
        } else {
            for value in result.values { Console.output(String(value)) }
            if let budget = result.noiseBudget {
                Console.info("\(result.values.count) values (\(result.encoding)); noise budget \(budget) bits")
            } else {
                Console.info("\(result.values.count) values (\(result.encoding))")
            }
        }
    }
}
