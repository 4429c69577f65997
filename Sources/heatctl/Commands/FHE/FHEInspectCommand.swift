import ArgumentParser
import Foundation
import HeatFHE
import HeatFHETools

/// `heatctl fhe inspect FILE [--secret-key F]`.
struct FHEInspectCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a HeatFHE file (parameters, key, ciphertext or plaintext).",
        discussion: """
            Verifies the file (checksum, kind, parameters) and prints its kind, parameters and \
            fingerprint; for a ciphertext also its encoding and value count, and with --secret-key \
            its remaining noise budget.

            Example:
              heatctl fhe inspect heat.ct --secret-key keys/bfv-secret-key.heat
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The file to inspect.", completion: .file())
    var file: String

    @Option(name: .customLong("secret-key"), help: "A secret key, to measure a ciphertext's noise budget.", completion: .file())
    var secretKey: String?

    @Flag(name: .long, help: "Print one JSON document.")
    var json = false

    @Flag(
        name: .customLong("allow-insecure-for-testing"),
        help: ArgumentHelp("Accept files whose parameters are below 128-bit security (tests only).", visibility: .hidden))
    var allowInsecureForTesting = false

    func execute() async throws {
        let report = try FHEToolbox.inspect(
            URL(filePath: file), secretKeyFile: secretKey.map { URL(filePath: $0) },
            policy: allowInsecureForTesting ? .allowInsecureForTesting : .production)
        if json {
            try Console.output(FHEJSON.encode(report))
            return
        }
        Console.output("file: \(report.path) (\(report.bytes) bytes)")
        Console.output("kind: \(report.kind)")
        Console.output("parameters: \(report.parameters)\(report.isPreset ? " (preset)" : "") [\(report.security)]")
        Console.output("fingerprint: \(report.fingerprint)")
        Console.output("N = \(report.degree), t = \(report.plaintextModulus)")
        Console.output("moduli: \(report.moduli.map(String.init).joined(separator: ", "))")
        if let encoding = report.encoding {
            Console.output("encoding: \(encoding), \(report.signed == true ? "signed" : "unsigned"), \(report.valueCount ?? 0) values")
        }
        if let count = report.polynomialCount { Console.output("polynomials: \(count)") }
        if let level = report.level { Console.output("level: \(level) of \(report.moduli.count) moduli") }
        if let elements = report.galoisElements {
            Console.output("Galois elements: \(elements.map(String.init).joined(separator: ", "))")
        }
        if let budget = report.noiseBudget { Console.output("noise budget: \(budget) bits") }
    }
}
