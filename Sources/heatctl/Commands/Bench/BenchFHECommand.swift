import ArgumentParser
import Foundation
import HeatFHE
import HeatFHETools

/// `heatctl bench fhe [--preset NAME] [--json]`: times the BFV operations per preset.
struct BenchFHECommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "fhe",
        abstract: "Time the BFV operations (NTT, keygen, encode, encrypt, decrypt, evaluate, serialize).",
        discussion: """
            For each preset (by default n4096 and n8192) every operation is run on fixed inputs until \
            it has been timed at least --min-iterations times and for --min-seconds, one call at a \
            time, single-threaded; the table gives the median, 10th and 90th percentile in \
            microseconds, the median CPU time of the thread (robust when other processes share the \
            cores), then the serialized sizes. The operations with evaluation keys (relinearization \
            and Galois key generation, multiply with and without relinearization, relinearize, rotate \
            by 1, swap rows, sum of all slots, modulus switch) are timed at least 3 times each \
            (fewer with a smaller --min-iterations), then until --min-seconds; the sizes \
            include the seeded and full evaluation keys. Results \
            are checked by decryption before they are printed, and each preset states whether every \
            HeatFHE kernel ran specialized for its scalar (the benchmark is generic code in another \
            module, like an SDK user's; a debug build, or a public entry point without its \
            pre-specialization, lists the kernels that ran as unspecialized generic code, JSON \
            unspecializedKernels). A prefix shared by several presets \
            (n8192, n16384) names the cheapest one. Compare with Microsoft SEAL and OpenFHE with the scripts of \
            shared/anchors (same N, similar log Q, OMP_NUM_THREADS=1, same machine).

            Example:
              heatctl bench fhe
              heatctl bench fhe --preset n8192-logq217-logt25 --json
              heatctl bench fhe --preset n4096 --min-seconds 0.1
              heatctl bench fhe --preset all --json
              heatctl bench fhe --timing --preset n4096 --samples 300
              heatctl bench fhe --preset n4096 --pbs
              heatctl bench fhe --preset n4096 --min-iterations 1 --min-seconds 0

            With --pbs, the TFHE programmable bootstrap of the default set (tfhe-4bit-2m64-ks32) is \
            timed too (keygen, PBS, key switch, key sizes; heatctl fhe pbs-bench has the options).

            With --timing, the command instead tests that decryption time does not depend on the \
            message or on boundary-crafted ciphertexts: four classes (zero, random and maximal \
            messages, phases one unit either side of a rounding boundary) are decrypted in random \
            order, timed with the thread CPU clock, and compared pairwise with Welch's t test \
            (dudect); |t| < 4.5 means no dependence was detected.
            """
    )

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    @Option(name: .long, help: "A preset name or its prefix (n4096, n8192, n16384), or 'all' for every preset; repeatable. Default: n4096 and n8192.")
    var preset: [String] = []

    @Option(name: .long, help: "The least total time per operation, in seconds.")
    var minSeconds: Double = 0.5

    @Option(name: .long, help: "The least number of timed calls per operation.")
    var minIterations: Int = 10

    @Flag(name: .long, help: "Print the results as one JSON document.")
    var json = false

    @Flag(name: .long, help: "Run the decryption timing-independence test instead (Welch's t per class pair).")
    var timing = false

    @Option(name: .long, help: "With --timing: decryptions timed per class.")
    var samples: Int = 300

    @Flag(name: .long, help: "Also time the TFHE programmable bootstrap (tfhe-4bit-2m64-ks32, 5 bootstraps).")
    var pbs = false

    func execute() async throws {
        if timing {
            try runTiming()
            return
        }
        let names =
            preset.isEmpty ? FHEBenchmark.defaultPresetNames
            : preset.flatMap { $0 == "all" ? BfvParameters.presetNames : [$0] }
        let options = FHEBenchmark.Options(minimumIterations: minIterations, minimumSeconds: minSeconds)
        var reports: [FHEBenchmarkReport] = []
        for name in names {
            if !json { Console.info("benchmarking \(name)...") }
            reports.append(try FHEBenchmark.run(preset: name, options: options))
        }
        let pbsReport = pbs ? try TfheBenchmark.run(preset: TfheParameters.default4Bit.name, bootstraps: 5) : nil
        if json {
            if let pbsReport {
                try Console.output(FHEJSON.encode(PBSBenchJSON(presets: reports, pbs: pbsReport)))
            } else {
                try Console.output(FHEJSON.encode(["presets": reports]))
            }
            return
        }
        if let pbsReport {
            Console.output("\(pbsReport.preset) (TFHE, n=\(pbsReport.lweDimension), N=\(pbsReport.polynomialSize)): " + String(format: "PBS %.1f ms CPU, key switch %.1f ms, keygen %.2f s, server key %.1f MB compressed", pbsReport.pbsMedianMilliseconds, pbsReport.keySwitchMedianMilliseconds, pbsReport.keygenCPUSeconds, Double(pbsReport.serverKeyCompressedBytes) / 1e6))
        }
        for report in reports {
            let moduli = report.ciphertextModulusBits.map(String.init).joined(separator: "+")
            let special = report.specialModulusBits.map { " (+\($0)-bit special prime)" } ?? ""
            Console.output("\(report.preset): N=\(report.degree), t=\(report.plaintextModulus), log q = \(moduli) bits\(special), \(report.scalarBits)-bit residues, NTT kernel \(report.nttKernel)")
            if report.unspecializedKernels.isEmpty {
                Console.output("  every HeatFHE kernel ran specialized")
            } else {
                Console.warning(
                    "\(report.preset): \(report.unspecializedKernels.count) HeatFHE kernels ran as unspecialized generic code (these timings measure Swift's generic dispatch): \(report.unspecializedKernels.joined(separator: ", "))")
            }
            Console.output(Self.row("operation", "median us", "p10 us", "p90 us", "cpu med us", "runs"))
            for timing in report.operations {
                Console.output(
                    Self.row(
                        timing.name, Self.format(timing.medianMicroseconds), Self.format(timing.p10Microseconds),
                        Self.format(timing.p90Microseconds), Self.format(timing.cpuMedianMicroseconds),
                        String(timing.iterations)))
            }
            for (name, size) in report.sizes.sorted(by: { $0.key < $1.key }) {
                Console.output("  size.\(name): \(size) bytes")
            }
            Console.output("")
        }
    }

    func runTiming() throws {
        let names = preset.isEmpty ? [FHEBenchmark.defaultPresetNames[0]] : preset
        var reports: [FHEDecryptionTimingReport] = []
        for name in names {
            if !json { Console.info("timing decryption for \(name) (\(samples) samples per class)...") }
            reports.append(try FHEDecryptionTiming.run(preset: name, samplesPerClass: samples))
        }
        if json {
            try Console.output(FHEJSON.encode(["timing": reports]))
            return
        }
        for report in reports {
            Console.output("\(report.preset): decryption time per class (thread CPU, fastest 90% of \(report.samplesPerClass))")
            Console.output(Self.row("class", "median us", "mean us", "sd us", "kept"))
            for stats in report.classes {
                Console.output(
                    Self.row(
                        stats.name, Self.format(stats.median / 1000), Self.format(stats.mean / 1000),
                        Self.format(stats.variance.squareRoot() / 1000), String(stats.kept)))
            }
            for comparison in report.comparisons {
                Console.output("  t(\(comparison.first), \(comparison.second)) = \(String(format: "%.2f", comparison.t))")
            }
            let verdict = report.passed ? "no dependence detected" : "POSSIBLE TIMING DEPENDENCE"
            Console.output("  max |t| = \(String(format: "%.2f", report.maximumAbsoluteT)) (threshold \(report.threshold)): \(verdict)")
            Console.output("")
        }
    }

    static func row(_ name: String, _ columns: String...) -> String {
        let padded = name.padding(toLength: 24, withPad: " ", startingAt: 0)
        return "  " + padded + columns.map { String(repeating: " ", count: max(0, 12 - $0.count)) + $0 }.joined()
    }

    static func format(_ microseconds: Double) -> String {
        microseconds >= 100 ? String(format: "%.0f", microseconds) : String(format: "%.1f", microseconds)
    }
}

/// The JSON of `bench fhe --pbs --json`: the BFV presets and the TFHE bootstrap.
struct PBSBenchJSON: Encodable {
    /// The BFV reports.
    let presets: [FHEBenchmarkReport]
    /// The TFHE report.
    let pbs: TfheBenchmarkReport
}
