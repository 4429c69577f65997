import ArgumentParser
import Foundation
import HeatFHE
import HeatFHETools

/// `heatctl fhe params [--json]`: lists the BFV presets.
struct FHEParamsCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "params",
        abstract: "List the BFV parameter presets (128-bit security).",
        discussion: """
            Each preset is named n<N>-logq<bits>-logt<bits>; log q counts every modulus of the key \
            level, the special key-switching prime included, and stays within the \
            HomomorphicEncryption.org bound for 128-bit security with a ternary secret.

            Example:
              heatctl fhe params
              heatctl fhe params --json
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "Print the presets as one JSON document.")
    var json = false

    func execute() async throws {
        let summaries = FHEToolbox.presetSummaries()
        if json {
            try Console.output(FHEJSON.encode(["presets": summaries]))
            return
        }
        for summary in summaries {
            let moduli = summary.ciphertextModuli.map(String.init).joined(separator: ", ")
            Console.output(summary.name)
            Console.output("  N = \(summary.degree), t = \(summary.plaintextModulus) (\(summary.batching ? "batching, \(summary.degree) slots" : "coefficients only"))")
            Console.output("  log2 Q = \(summary.logQ) bits of at most \(summary.maximumLogQ.map(String.init) ?? "?") for 128-bit security")
            Console.output("  ciphertext moduli: \(moduli)")
            Console.output("  special prime: \(summary.specialModulus.map(String.init) ?? "none"); \(summary.scalarBits)-bit residues")
        }
    }
}

/// JSON output helpers shared by the `fhe` commands.
enum FHEJSON {
    /// Encodes a value as pretty, key-sorted JSON.
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
