import ArgumentParser
import Foundation
import HeatFHE
import HeatFHETools

/// `heatctl fhe eval add|sub|mul|rotate|swap-rows|sum-slots|mod-switch A [B] --keys DIR [--steps K] [--no-relinearize] --out C`.
struct FHEEvalCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Run one homomorphic operation on ciphertext files.",
        discussion: """
            Operations: add, sub and mul take two ciphertexts; rotate (each row of slots left by \
            --steps K, right when negative), swap-rows, sum-slots (the total in every slot) and \
            mod-switch (drop --steps K moduli, default 1) take one. mul relinearizes with \
            bfv-relinearization-key.heat from --keys unless --no-relinearize (the result then has \
            three polynomials); rotate, swap-rows and sum-slots read bfv-galois-keys.heat from --keys. \
            A missing key exits with 64; mismatched or corrupted files with 65.

            Example:
              heatctl fhe keygen --preset n8192-logq217-logt41 --out keys
              heatctl fhe eval mul a.ct b.ct --keys keys --out product.ct
              heatctl fhe eval rotate a.ct --keys keys --steps 3 --out rotated.ct
              heatctl fhe eval sum-slots a.ct --keys keys --out total.ct
              heatctl fhe eval mod-switch total.ct --out small.ct
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The operation: \(FHEToolbox.Operation.allCases.map(\.rawValue).joined(separator: ", ")).")
    var operation: String

    @Argument(help: "The ciphertext file(s): A, and B for add, sub and mul.")
    var inputs: [String]

    @Option(name: .long, help: "The folder with the evaluation keys (from `heatctl fhe keygen`).", completion: .directory)
    var keys: String?

    @Option(name: .long, help: "rotate: the step (negative rotates right); mod-switch: how many moduli to drop.")
    var steps: Int?

    @Flag(name: .customLong("no-relinearize"), help: "mul: keep the three-polynomial product.")
    var noRelinearize = false

    @Option(name: .long, help: "The result ciphertext file.", completion: .file())
    var out: String

    @Flag(name: .long, help: "Print one JSON document describing the result.")
    var json = false

    @Flag(
        name: .customLong("allow-insecure-for-testing"),
        help: ArgumentHelp("Accept files whose parameters are below 128-bit security (tests only).", visibility: .hidden))
    var allowInsecureForTesting = false

    func validate() throws {
        guard let chosen = FHEToolbox.Operation(rawValue: operation) else {
            throw ValidationError(
                "unknown operation \"\(operation)\"; use one of \(FHEToolbox.Operation.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard inputs.count == chosen.inputCount else {
            throw ValidationError("\(operation) takes \(chosen.inputCount) ciphertext file(s), got \(inputs.count)")
        }
        if chosen == .rotate, steps == nil { throw ValidationError("rotate needs --steps K") }
    }

    func execute() async throws {
        let chosen = FHEToolbox.Operation(rawValue: operation) ?? .add
        let result = try FHEToolbox.evaluate(
            chosen, inputs: inputs.map { URL(filePath: $0) }, keysDirectory: keys.map { URL(filePath: $0) },
            steps: steps, relinearize: !noRelinearize, output: URL(filePath: out),
            policy: allowInsecureForTesting ? .allowInsecureForTesting : .production)
        if json {
            try Console.output(FHEJSON.encode(result))
        } else {
            Console.info(
                "\(result.operation): wrote \(result.output) (\(result.polynomialCount) polynomials, level \(result.level), \(result.parameters))")
        }
    }
}
