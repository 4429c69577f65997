import ArgumentParser
import Foundation
import HeatFHE

/// `heatctl fhe decrypt --secret-key F --input CT [--encoding batch|coefficient] [--json]`.
struct FHEDecryptCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "decrypt",
        abstract: "Decrypt a ciphertext and print its values.",
        discussion: """
            Prints one value per line (or, with --json, one document with the values and the \
            remaining noise budget). The encoding recorded in the ciphertext is used unless \
            --encoding overrides it.

            Example:
              heatctl fhe decrypt --secret-key keys/bfv-secret-key.heat --input heat.ct --json
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("secret-key"), help: "The secret key file.")
    var secretKey: String

    @Option(name: .long, help: "The ciphertext file.")
    var input: String

    @Option(name: .long, help: "Decode as batch or coefficient (default: as encrypted).")
    var encoding: String?

    @Flag(name: .long, help: "Print one JSON document.")
    var json = false

    func validate() throws {
        if let encoding, BfvEncoding(name: encoding) == nil {
            throw ValidationError("--encoding must be batch or coefficient, got \"\(encoding)\"")
        }
    }

    func execute() async throws {
        Console.quiet = global.quiet
        let result = try FHEToolbox.decrypt(
            secretKeyFile: URL(filePath: secretKey), ciphertextFile: URL(filePath: input),
            encoding: encoding.flatMap(BfvEncoding.init(name:)))
        if json {
            try Console.output(FHEJSON.encode(result))
        } else {
            for value in result.values { Console.output(String(value)) }
            Console.info("\(result.values.count) values (\(result.encoding)); noise budget \(result.noiseBudget) bits")
        }
    }
}
