import Foundation
import HeatFHE

/// Times TFHE key generation and the programmable bootstrap on one parameter set, single-threaded,
/// and reports the key sizes and the noise model's failure probability (`heatctl fhe pbs-bench`).
///
/// Every timed result is checked by decryption first; a wrong result throws.
///
/// ```swift
/// let report = try TfheBenchmark.run(preset: "tfhe-4bit-2m64", bootstraps: 10)
/// print(report.pbsMedianMilliseconds)
/// ```
public enum TfheBenchmark {
    /// Runs the benchmark.
    ///
    /// - Parameters:
    ///   - preset: a TFHE preset name.
    ///   - bootstraps: how many PBS to time (at least 1).
    ///   - policy: whether insecure test sets may be benchmarked.
    /// - Returns: the report.
    /// - Throws: ``FHEError`` for an unknown preset or a wrong result.
    public static func run(
        preset: String, bootstraps: Int = 10, policy: BfvSecurityPolicy = .production
    ) throws(FHEError) -> TfheBenchmarkReport {
        let parameters = try TfheParameters(preset: preset)
        try parameters.check(policy: policy)
        let context = try TfheContext(parameters: parameters)
        var random = SecureRandom()
        let clock = ContinuousClock()
        let cpuStart = FHEBenchmark.Timer.threadCPUMicroseconds()
        let start = clock.now
        let secretKey = TfheSecretKey(context: context, using: &random)
        let bootstrappingKey = TfheBootstrappingKey(secretKey: secretKey, using: &random)
        let cpuAfterBsk = FHEBenchmark.Timer.threadCPUMicroseconds()
        let keySwitchingKey = TfheKeySwitchingKey(secretKey: secretKey, using: &random)
        let cpuAfterKeys = FHEBenchmark.Timer.threadCPUMicroseconds()
        let keygenWall = FHEBenchmark.Timer.microseconds(start.duration(to: clock.now))
        let serverKey = TfheServerKey(bootstrappingKey: bootstrappingKey, keySwitchingKey: keySwitchingKey)
        let evaluator = TfheEvaluator(serverKey: serverKey)
        let table = TfheLookupTable(context: context) { ($0 * 7 + 3) % parameters.messageModulus }
        var timer = FHEBenchmark.Timer(
            options: FHEBenchmark.Options(minimumIterations: max(1, bootstraps), maximumIterations: max(1, bootstraps), minimumSeconds: 0))
        var message = 0
        var failures = 0
        timer.measure("pbs") {
            let input = secretKey.encrypt(message, using: &random)
            let output = evaluator.bootstrap(input, table: table)
            if secretKey.decrypt(output) != (message * 7 + 3) % parameters.messageModulus { failures += 1 }
            message = (message + 5) % parameters.messageModulus
        }
        let sample = secretKey.encrypt(1, using: &random)
        timer.measure("keySwitch") { _ = serverKey.keySwitchingKey.keySwitch(sample) }
        guard failures == 0 else {
            throw .invalidParameters("TFHE benchmark: \(failures) bootstraps decrypted to a wrong value")
        }
        let model = TfheNoiseModel(parameters: parameters)
        let timings = timer.timings
        return TfheBenchmarkReport(
            preset: parameters.name, reference: parameters.reference, lweDimension: parameters.lweDimension,
            glweDimension: parameters.glweDimension, polynomialSize: parameters.polynomialSize,
            messageBits: parameters.messageBits, primeModulus: context.primeModulus.value,
            keygenCPUSeconds: (cpuAfterKeys - cpuStart) / 1e6, bootstrappingKeygenCPUSeconds: (cpuAfterBsk - cpuStart) / 1e6,
            keygenWallSeconds: keygenWall / 1e6,
            serverKeyCompressedBytes: TfheFile.envelope(serverKey: serverKey).payload.count,
            serverKeyExpandedBytes: serverKey.expandedByteCount,
            pbsMedianMilliseconds: timings[0].cpuMedianMicroseconds / 1000,
            pbsWallMedianMilliseconds: timings[0].medianMicroseconds / 1000,
            keySwitchMedianMilliseconds: timings[1].cpuMedianMicroseconds / 1000,
            bootstraps: timings[0].iterations, log2FailureProbability: model.log2FailureProbability,
            nttKernel: NTTKernel.selected.rawValue)
    }
}

/// The results of ``TfheBenchmark/run(preset:bootstraps:policy:)``; times are thread CPU times
/// unless named "wall".
public struct TfheBenchmarkReport: Sendable, Hashable, Codable {
    /// The preset.
    public let preset: String
    /// The published set it follows.
    public let reference: String
    /// `n`.
    public let lweDimension: Int
    /// `k`.
    public let glweDimension: Int
    /// `N`.
    public let polynomialSize: Int
    /// The message bits (plus a padding bit).
    public let messageBits: Int
    /// The GLWE prime `q`.
    public let primeModulus: UInt64
    /// Client key + bootstrapping key + key-switching key generation, CPU seconds.
    public let keygenCPUSeconds: Double
    /// Of which client key + bootstrapping key.
    public let bootstrappingKeygenCPUSeconds: Double
    /// Key generation, wall seconds.
    public let keygenWallSeconds: Double
    /// The seed-compressed server-key payload, bytes.
    public let serverKeyCompressedBytes: Int
    /// The expanded server key in memory (rows, Shoup companions, key-switching entries), bytes.
    public let serverKeyExpandedBytes: Int
    /// The median PBS (key switch included), CPU milliseconds.
    public let pbsMedianMilliseconds: Double
    /// The median PBS, wall milliseconds.
    public let pbsWallMedianMilliseconds: Double
    /// The median key switch alone, CPU milliseconds.
    public let keySwitchMedianMilliseconds: Double
    /// How many PBS were timed.
    public let bootstraps: Int
    /// The noise model's `log2 p_fail` per lookup.
    public let log2FailureProbability: Double
    /// The 64-bit NTT kernel of this build (``NTTKernel/selected``: `scalar` or `vector`).
    public let nttKernel: String
}
