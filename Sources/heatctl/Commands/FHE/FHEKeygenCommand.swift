import ArgumentParser
import Foundation
import HeatFHE
import HeatFHETools

/// `heatctl fhe keygen --preset NAME --out DIR`.
struct FHEKeygenCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Generate a BFV key pair and evaluation keys for a preset.",
        discussion: """
            Writes bfv-parameters.heat, bfv-secret-key.heat (mode 0600) and bfv-public-key.heat \
            into the folder, creating it if needed, and the evaluation keys used by `heatctl fhe eval`: \
            bfv-relinearization-key.heat and bfv-galois-keys.heat (rotations by +-1, +-2, ..., +-N/4 \
            and the row swap, or the steps given with --galois-steps). Galois keys are large \
            (2 L (L+1) N words per step); skip them with --no-evaluation-keys. An unknown preset \
            exits with 64 and lists the presets.

            Example:
              heatctl fhe keygen --preset n4096-logq109-logt17 --out keys
              heatctl fhe keygen --preset n8192-logq217-logt41 --galois-steps 1,2,4,-1 --out keys
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "The parameter preset (see `heatctl fhe params`).")
    var preset: String

    @Option(name: .long, help: "The folder to write the keys into.", completion: .directory)
    var out: String

    @Flag(name: .customLong("no-evaluation-keys"), help: "Write only the parameters, secret and public key.")
    var noEvaluationKeys = false

    @Option(
        name: .customLong("galois-steps"),
        help: "Comma-separated rotation steps for the Galois keys (default: powers of two both ways).")
    var galoisSteps: String?

    func validate() throws {
        if let galoisSteps, galoisSteps.split(separator: ",").contains(where: { Int($0.trimmingCharacters(in: .whitespaces)) == nil }) {
            throw ValidationError("--galois-steps must be comma-separated integers, got \"\(galoisSteps)\"")
        }
    }

    func execute() async throws {
        let steps = galoisSteps.map { $0.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
        let files = try FHEToolbox.generateKeys(
            preset: preset, directory: URL(filePath: out),
            evaluationKeys: noEvaluationKeys ? nil : FHEToolbox.EvaluationKeyOptions(steps: steps))
        Console.info("generated keys for \(preset)")
        Console.output(files.parameters.path)
        Console.output(files.secretKey.path)
        Console.output(files.publicKey.path)
        if let url = files.relinearizationKey { Console.output(url.path) }
        if let url = files.galoisKeys { Console.output(url.path) }
    }
}
