import Foundation
import HeatFHE

/// A statistical test that decryption time does not depend on the message or on the ciphertext's
/// position relative to the rounding boundaries (the "dudect" method of Reparaz, Balasch and
/// Verbauwhede, 2017): run by `heatctl bench fhe --timing`, never as a unit test.
///
/// Four classes of ciphertexts under one key are decrypted in a random interleaved order, each call
/// timed alone with the thread's CPU clock (robust when other processes share the cores):
///
/// - `zero`: fresh public-key encryptions of the zero message;
/// - `random`: fresh encryptions of uniformly random messages;
/// - `maximum`: fresh encryptions of the message `t - 1` in every coefficient;
/// - `boundary`: crafted ciphertexts `(x - a*s, a)` whose phase `x` sits one unit either side of a
///   rounding boundary `(k + 1/2) * Q / t` in every coefficient (where a decryption with an exact
///   fallback took its slow path).
///
/// Each class keeps its fastest 90% of samples (cropping the interrupts of a shared machine), and
/// Welch's t statistic compares every pair of classes. `|t|` below 4.5 (dudect's threshold) means
/// no timing difference was detected at this sample size.
///
/// ```swift
/// let report = try FHEDecryptionTiming.run(preset: "n4096", samplesPerClass: 300)
/// let leak = report.maximumAbsoluteT >= FHEDecryptionTiming.threshold
/// ```
public enum FHEDecryptionTiming {
    /// dudect's threshold on `|t|`.
    public static let threshold = 4.5

    /// Runs the test on a preset.
    ///
    /// - Parameters:
    ///   - name: a preset name or unambiguous prefix (``FHEBenchmark/preset(named:)``).
    ///   - samplesPerClass: the decryptions timed per class (at least 10).
    /// - Returns: the report.
    /// - Throws: ``FHEError/unknownPreset(_:available:)``, or ``FHEError/invalidParameters(_:)`` if a
    ///   decryption is wrong (the benchmark checks its inputs).
    public static func run(preset name: String, samplesPerClass: Int = 300) throws(FHEError) -> FHEDecryptionTimingReport {
        let parameters = try FHEBenchmark.preset(named: name)
        return try parameters.withContext(Run(samplesPerClass: samplesPerClass))
    }

    private struct Run: BfvContextOperation {
        let samplesPerClass: Int
        func run<T: ScalarType>(_ context: BfvContext<T>) throws(FHEError) -> FHEDecryptionTimingReport {
            try FHEDecryptionTiming.run(context, samplesPerClass: samplesPerClass)
        }
    }

    /// Runs the test on the given parameters.
    ///
    /// - Parameters:
    ///   - context: the parameters.
    ///   - samplesPerClass: the decryptions timed per class (at least 10).
    /// - Returns: the report.
    /// - Throws: ``FHEError/invalidParameters(_:)`` if a decryption is wrong.
    public static func run<T: ScalarType>(
        _ context: BfvContext<T>, samplesPerClass: Int = 300
    ) throws(FHEError) -> FHEDecryptionTimingReport {
        let samples = max(10, samplesPerClass)
        var random = SecureRandom()
        let secretKey = SecretKey(context: context, using: &random)
        let encryptor = BfvEncryptor(publicKey: PublicKey(secretKey: secretKey, using: &random))
        let decryptor = BfvDecryptor(secretKey: secretKey)
        let encoder = BfvEncoder(context: context)
        let n = context.degree
        let t = context.parameters.plaintextModulus
        let pool = 8  // distinct ciphertexts per class, cycled
        var classes: [(name: String, ciphertexts: [Ciphertext<T>])] = []
        var messages: [(String, [[UInt64]])] = [
            ("zero", [[UInt64]](repeating: [UInt64](repeating: 0, count: n), count: pool)),
            ("random", []),
            ("maximum", [[UInt64]](repeating: [UInt64](repeating: t - 1, count: n), count: pool)),
        ]
        for _ in 0..<pool { messages[1].1.append((0..<n).map { _ in random.uniform(below: t) }) }
        for (name, values) in messages {
            var ciphertexts: [Ciphertext<T>] = []
            for message in values {
                ciphertexts.append(
                    try encryptor.encrypt(try encoder.encode(unsigned: message, encoding: .coefficient), using: &random))
            }
            classes.append((name, ciphertexts))
        }
        classes.append(("boundary", try BfvTimingFixtures.boundaryCiphertexts(context, secretKey, count: pool, using: &random)))
        // Self-check: the fresh classes decrypt to their messages.
        for (index, expected) in [(0, UInt64(0)), (2, t - 1)] {
            let values = try encoder.decodeUnsigned(try decryptor.decrypt(classes[index].ciphertexts[0]))
            guard values.allSatisfy({ $0 == expected }) else {
                throw .invalidParameters("timing benchmark self-check failed: class \(classes[index].name) decrypts wrongly")
            }
        }
        // Warm up, then time in a random interleaved order.
        for entry in classes { _ = try decryptor.decrypt(entry.ciphertexts[0]) }
        var order: [Int] = []
        for index in classes.indices { order += [Int](repeating: index, count: samples) }
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            order.swapAt(i, Int(random.uniform(below: UInt64(i + 1))))
        }
        var timings = [[Double]](repeating: [], count: classes.count)
        var cursor = [Int](repeating: 0, count: classes.count)
        var sink: UInt64 = 0
        for index in order {
            let ciphertext = classes[index].ciphertexts[cursor[index] % pool]
            cursor[index] += 1
            let before = threadCPUNanoseconds()
            let plaintext = try decryptor.decrypt(ciphertext)
            let after = threadCPUNanoseconds()
            sink &+= UInt64(plaintext.coefficients[0])
            timings[index].append(Double(after - before))
        }
        let stats = zip(classes, timings).map { FHEDecryptionTimingReport.ClassStatistics(name: $0.0.name, nanoseconds: $0.1) }
        var comparisons: [FHEDecryptionTimingReport.Comparison] = []
        for i in stats.indices {
            for j in stats.indices where j > i {
                comparisons.append(.init(first: stats[i].name, second: stats[j].name, t: welchT(stats[i], stats[j])))
            }
        }
        return FHEDecryptionTimingReport(
            preset: context.parameters.name, samplesPerClass: samples, classes: stats, comparisons: comparisons,
            threshold: threshold, checksum: sink)
    }

    static func threadCPUNanoseconds() -> UInt64 {
        var spec = timespec()
        guard clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec) == 0 else { return 0 }
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    static func welchT(_ a: FHEDecryptionTimingReport.ClassStatistics, _ b: FHEDecryptionTimingReport.ClassStatistics) -> Double {
        let denominator = (a.variance / Double(a.kept) + b.variance / Double(b.kept)).squareRoot()
        return denominator > 0 ? (a.mean - b.mean) / denominator : 0
    }
}

/// The result of ``FHEDecryptionTiming``.
public struct FHEDecryptionTimingReport: Sendable, Hashable, Codable {
    /// Timing statistics of one class, over its fastest 90% of samples.
    public struct ClassStatistics: Sendable, Hashable, Codable {
        /// The class name (`zero`, `random`, `maximum`, `boundary`).
        public var name: String
        /// The samples kept after cropping.
        public var kept: Int
        /// Mean thread CPU time in nanoseconds.
        public var mean: Double
        /// Variance in square nanoseconds.
        public var variance: Double
        /// Median in nanoseconds.
        public var median: Double

        /// Summarises samples (the fastest 90% are kept).
        ///
        /// - Parameters:
        ///   - name: the class name.
        ///   - nanoseconds: the samples.
        public init(name: String, nanoseconds: [Double]) {
            let sorted = nanoseconds.sorted()
            let kept = Array(sorted.prefix(max(2, sorted.count * 9 / 10)))
            let mean = kept.reduce(0, +) / Double(kept.count)
            self.name = name
            self.kept = kept.count
            self.mean = mean
            self.variance = kept.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(1, kept.count - 1))
            self.median = kept[kept.count / 2]
        }
    }

    /// Welch's t statistic between two classes.
    public struct Comparison: Sendable, Hashable, Codable {
        /// The first class.
        public var first: String
        /// The second class.
        public var second: String
        /// Welch's t (positive when the first class is slower).
        public var t: Double
    }

    /// The preset's name.
    public var preset: String
    /// Decryptions timed per class.
    public var samplesPerClass: Int
    /// Per-class statistics.
    public var classes: [ClassStatistics]
    /// Every pair of classes.
    public var comparisons: [Comparison]
    /// The `|t|` threshold (4.5).
    public var threshold: Double
    /// A value derived from the decryptions, so the optimizer cannot skip them.
    public var checksum: UInt64

    /// The largest `|t|` over all pairs.
    public var maximumAbsoluteT: Double { comparisons.map { abs($0.t) }.max() ?? 0 }
    /// Whether no pair reached the threshold.
    public var passed: Bool { maximumAbsoluteT < threshold }
}
