// heat-fhe-bench: the lattice layer's benchmarks without the rest of the package.
//
// Built only with HEAT_FHE_ONLY=1 (Package.swift), so that a native-CPU build of the kernels
// (`-Xswiftc -cross-module-optimization -Xswiftc -target-cpu -Xswiftc native`) takes minutes instead of
// the hour a native build of all of heatctl takes on two cores. It calls the same HeatFHETools entry
// points as `heatctl bench fhe --json` and `heatctl fhe pbs-bench --json` and prints the same JSON, so
// Scripts/bench-fhe-vs-seal.sh and Scripts/compare_fhe_seal.py read either. No logic lives only here.
//
//   heat-fhe-bench bfv [--preset NAME]... [--min-seconds S] [--min-iterations N]
//   heat-fhe-bench pbs [--preset NAME] [--bootstraps N]
import Foundation
import HeatFHE
import HeatFHETools

/// A usage error: printed with the usage line, exit 64 (DESIGN.md).
struct UsageError: Error, CustomStringConvertible {
    let description: String
}

let usage = """
    usage: heat-fhe-bench bfv [--preset NAME]... [--min-seconds S] [--min-iterations N]
           heat-fhe-bench pbs [--preset NAME] [--bootstraps N]
    """

func encode<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// The options after the subcommand, as name -> values (every option takes one value).
func options(_ arguments: ArraySlice<String>, allowed: Set<String>) throws -> [String: [String]] {
    var result: [String: [String]] = [:]
    var index = arguments.startIndex
    while index < arguments.endIndex {
        let name = arguments[index]
        guard allowed.contains(name) else { throw UsageError(description: "unknown option '\(name)'") }
        let valueIndex = arguments.index(after: index)
        guard valueIndex < arguments.endIndex else { throw UsageError(description: "option '\(name)' needs a value") }
        result[name, default: []].append(arguments[valueIndex])
        index = arguments.index(after: valueIndex)
    }
    return result
}

func number<T: LosslessStringConvertible>(_ values: [String]?, _ name: String, default fallback: T) throws -> T {
    guard let text = values?.last else { return fallback }
    guard let value = T(text) else { throw UsageError(description: "option '\(name)': '\(text)' is not a number") }
    return value
}

func run(_ arguments: [String]) throws -> String {
    guard let command = arguments.first else { throw UsageError(description: "missing subcommand") }
    let rest = arguments.dropFirst()
    switch command {
    case "bfv":
        let parsed = try options(rest, allowed: ["--preset", "--min-seconds", "--min-iterations"])
        let names = (parsed["--preset"] ?? FHEBenchmark.defaultPresetNames)
            .flatMap { $0 == "all" ? BfvParameters.presetNames : [$0] }
        let benchmarkOptions = FHEBenchmark.Options(
            minimumIterations: try number(parsed["--min-iterations"], "--min-iterations", default: 10),
            minimumSeconds: try number(parsed["--min-seconds"], "--min-seconds", default: 0.5))
        var reports: [FHEBenchmarkReport] = []
        for name in names {
            reports.append(try FHEBenchmark.run(preset: name, options: benchmarkOptions))
        }
        return try encode(["presets": reports])
    case "pbs":
        let parsed = try options(rest, allowed: ["--preset", "--bootstraps"])
        let bootstraps: Int = try number(parsed["--bootstraps"], "--bootstraps", default: 10)
        guard (1...10_000).contains(bootstraps) else { throw UsageError(description: "--bootstraps must be in 1...10000") }
        let report = try TfheBenchmark.run(
            preset: parsed["--preset"]?.last ?? TfheParameters.default4Bit.name, bootstraps: bootstraps)
        return try encode(report)
    default:
        throw UsageError(description: "unknown subcommand '\(command)'")
    }
}

do {
    print(try run(Array(CommandLine.arguments.dropFirst())))
} catch let error as UsageError {
    FileHandle.standardError.write(Data("heat-fhe-bench: \(error)\n\(usage)\n".utf8))
    exit(64)
} catch {
    FileHandle.standardError.write(Data("heat-fhe-bench: \(error)\n".utf8))
    exit(1)
}
