import ArgumentParser
import Foundation
import HeatFHE
import HeatFHETools

/// `heatctl fhe pbs-bench [--preset NAME] [--bootstraps N] [--json]`: times TFHE keygen and PBS.
struct FHEPBSBenchCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "pbs-bench",
        abstract: "Time TFHE key generation and the programmable bootstrap (single thread).",
        discussion: """
            Generates a TFHE client key, bootstrapping key and key-switching key for the preset \
            (default tfhe-4bit-2m64-ks32: n=887, k=1, N=2048, 4-bit messages with a padding bit, \
            following TFHE-rs PARAM_MESSAGE_2_CARRY_2_KS_PBS_TUNIFORM_2M64 with the key switch \
            modulo 2^32 as TFHE-rs's KS32 sets; tfhe-4bit-2m64 is the same set with a 64-bit key \
            switch, for comparison; tfhe-4bit-2m17-ks32 is the shape concrete-python picks at its \
            default failure probability, n=822, k=2, N=1024, p_fail 2^-17.7 per lookup; \
            tfhe-6bit-2m40-ks32 and tfhe-8bit-2m40-ks32 carry 6- and 8-bit messages, N=8192 and \
            N=32768, p_fail 2^-48.6 and 2^-44.9 per lookup, the 8-bit server key 5.4 GB in memory), then \
            times --bootstraps programmable bootstraps through a table of the preset's width (key \
            switch included), each \
            checked by decryption. Times are the thread's CPU time (robust on a shared machine); \
            sizes are the seed-compressed server-key file payload and the expanded keys in memory. \
            Docs/TFHE.md explains the parameters and the noise model.

            Example:
              heatctl fhe pbs-bench
              heatctl fhe pbs-bench --bootstraps 20 --json
              heatctl fhe pbs-bench --preset tfhe-4bit-2m64 --bootstraps 5
              heatctl fhe pbs-bench --preset tfhe-4bit-2m17-ks32 --json
              heatctl fhe pbs-bench --preset tfhe-6bit-2m40-ks32 --bootstraps 3
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "The TFHE preset (tfhe-4bit-2m64-ks32, tfhe-4bit-2m64, tfhe-4bit-2m17-ks32, tfhe-6bit-2m40-ks32 or tfhe-8bit-2m40-ks32).")
    var preset: String = TfheParameters.default4Bit.name

    @Option(name: .long, help: "How many bootstraps to time.")
    var bootstraps: Int = 10

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    @Flag(
        name: .customLong("allow-insecure-for-testing"),
        help: ArgumentHelp("Accept the insecure test preset (tests only).", visibility: .hidden))
    var allowInsecureForTesting = false

    func execute() async throws {
        guard bootstraps >= 1, bootstraps <= 10_000 else {
            throw ValidationError("--bootstraps must be in 1...10000")
        }
        let report = try TfheBenchmark.run(
            preset: preset, bootstraps: bootstraps,
            policy: allowInsecureForTesting ? .allowInsecureForTesting : .production)
        if json {
            try Console.output(FHEJSON.encode(report))
            return
        }
        Console.output("\(report.preset): n=\(report.lweDimension), k=\(report.glweDimension), N=\(report.polynomialSize), \(report.messageBits)-bit messages + padding bit, q=\(report.primeModulus), NTT kernel \(report.nttKernel)")
        Console.output("  follows: \(report.reference)")
        Console.output(String(format: "  keygen: %.2f s CPU (bootstrapping key %.2f s), %.2f s wall", report.keygenCPUSeconds, report.bootstrappingKeygenCPUSeconds, report.keygenWallSeconds))
        Console.output(String(format: "  PBS (KS + blind rotation): %.1f ms CPU median of %d (%.1f ms wall); key switch %.1f ms", report.pbsMedianMilliseconds, report.bootstraps, report.pbsWallMedianMilliseconds, report.keySwitchMedianMilliseconds))
        Console.output(String(format: "  server key: %.1f MB seed-compressed, %.1f MB expanded in memory", Double(report.serverKeyCompressedBytes) / 1e6, Double(report.serverKeyExpandedBytes) / 1e6))
        Console.output(String(format: "  model p_fail per lookup: 2^%.1f", report.log2FailureProbability))
        if let parameters = try? TfheParameters(preset: report.preset),
            let bits = TfheSecurityEstimate(parameters: parameters).documentedBits
        {
            Console.output("  security estimate: \(bits) bits (Docs/TFHE.md, \"Security estimate\")")
        }
    }
}
