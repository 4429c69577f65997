import Foundation
import HeatEnvelope
import HeatFHE

/// Micro-benchmarks of the BFV operations, single-threaded, for one parameter preset.
///
/// Each operation runs on fixed inputs (keys, a full batch plaintext, fresh ciphertexts) until it
/// has been timed ``Options/minimumIterations`` times and ``Options/minimumSeconds`` have passed
/// (or ``Options/maximumIterations`` is reached). Every call is timed alone with the monotonic
/// clock, and the report gives the median, the 10th and 90th percentiles and the minimum in
/// microseconds, plus the median thread CPU time (robust when other processes share the cores). The operations are those of the peer scripts for Microsoft SEAL and OpenFHE
/// (`shared/anchors/`), so that numbers can be compared side by side: one NTT forward and inverse
/// on one modulus, secret and public key generation, batch encode and decode of `N` values,
/// public- and secret-key encryption, decryption, ciphertext addition, plaintext addition and
/// multiplication, and serialization of a ciphertext to its envelope bytes (and to its payload
/// alone, without the envelope's SHA-256, like SEAL's `to_string`) and back; then, with at
/// least 3 timed calls each (fewer if ``Options/minimumIterations`` is smaller) and as many as
/// ``Options/minimumSeconds`` allows, relinearization and Galois key generation (the Galois keys of the
/// slot sum: every power of two below `N/2` and the row swap), ciphertext multiplication with and
/// without relinearization, relinearization alone, one rotation by 1, the row swap, the sum of all
/// slots and one modulus switch. Sizes include the evaluation keys (seeded, as written by
/// `heatctl fhe keygen`, and full). Before timing,
/// the run checks that the decrypted results are right, so a broken build cannot report numbers.
///
/// ```swift
/// let report = try FHEBenchmark.run(preset: "n4096-logq109-logt17")
/// for timing in report.operations { _ = (timing.name, timing.medianMicroseconds) }
/// ```
public enum FHEBenchmark {
    /// How long and how often each operation is timed.
    public struct Options: Sendable, Hashable, Codable {
        /// The least number of timed calls per operation.
        public var minimumIterations: Int
        /// The most timed calls per operation.
        public var maximumIterations: Int
        /// The least total time per operation, in seconds.
        public var minimumSeconds: Double

        /// Creates options.
        ///
        /// - Parameters:
        ///   - minimumIterations: the least number of timed calls (at least 1).
        ///   - maximumIterations: the most timed calls (at least `minimumIterations`).
        ///   - minimumSeconds: the least total time per operation.
        public init(minimumIterations: Int = 10, maximumIterations: Int = 10_000, minimumSeconds: Double = 0.5) {
            self.minimumIterations = max(1, minimumIterations)
            self.maximumIterations = max(self.minimumIterations, maximumIterations)
            self.minimumSeconds = max(0, minimumSeconds)
        }
    }

    /// The presets measured by default (the two smaller ones, as the peer scripts do).
    public static let defaultPresetNames = ["n4096-logq109-logt17", "n8192-logq217-logt25"]

    /// Resolves a preset name or a prefix of whole name parts (`n4096` for `n4096-logq109-logt17`);
    /// a prefix shared by several presets names the first, cheapest one (`n8192` is
    /// `n8192-logq217-logt25`, `n16384` is `n16384-logq434-logt30`).
    ///
    /// - Parameter name: a full preset name or a prefix.
    /// - Returns: the preset's parameters.
    /// - Throws: ``FHEError/unknownPreset(_:available:)`` when no preset matches.
    public static func preset(named name: String) throws(FHEError) -> BfvParameters {
        if let exact = BfvParameters.presets.first(where: { $0.name == name }) { return exact }
        let matches = BfvParameters.presets.filter { $0.name.hasPrefix(name + "-") }
        guard let match = matches.first else {
            throw .unknownPreset(name, available: BfvParameters.presetNames)
        }
        return match
    }

    /// Benchmarks one preset.
    ///
    /// - Parameters:
    ///   - name: a preset name or unambiguous prefix (see ``preset(named:)``).
    ///   - options: iteration and time limits.
    /// - Returns: the timings and sizes.
    /// - Throws: ``FHEError/unknownPreset(_:available:)`` for an unknown name, or
    ///   ``FHEError/invalidParameters(_:)`` if a self-check of the results fails.
    public static func run(preset name: String, options: Options = Options()) throws(FHEError) -> FHEBenchmarkReport {
        let parameters = try preset(named: name)
        return try parameters.withContext(Run(options: options))
    }

    private struct Run: BfvContextOperation {
        let options: Options
        func run<T: ScalarType>(_ context: BfvContext<T>) throws(FHEError) -> FHEBenchmarkReport {
            try FHEBenchmark.run(context, options: options)
        }
    }

    /// Benchmarks the given parameters.
    ///
    /// - Parameters:
    ///   - context: the parameters (batching must be supported).
    ///   - options: iteration and time limits.
    /// - Returns: the timings and sizes.
    /// - Throws: ``FHEError/batchingUnsupported(plaintextModulus:degree:)`` without batching, or
    ///   ``FHEError/invalidParameters(_:)`` if a self-check of the results fails.
    public static func run<T: ScalarType>(_ context: BfvContext<T>, options: Options = Options()) throws(FHEError)
        -> FHEBenchmarkReport
    {
        // Generic over the scalar and reached through `BfvParameters.withContext`, this code runs
        // unspecialized; every HeatFHE call it makes must still reach specialized kernels, which
        // the report states (``FHEBenchmarkReport/unspecializedKernels``).
        var (report, kernels) = try FHESpecialization.unspecializedKernels { () throws(FHEError) in
            try measure(context, options: options)
        }
        report.unspecializedKernels = kernels
        return report
    }

    /// The measurements of ``run(_:options:)``.
    private static func measure<T: ScalarType>(_ context: BfvContext<T>, options: Options) throws(FHEError)
        -> FHEBenchmarkReport
    {
        let parameters = context.parameters
        let n = context.degree
        let t = UInt64(parameters.plaintextModulus)
        var random = SecureRandom()
        var timer = Timer(options: options)

        // NTT on the first ciphertext modulus, in place on random residues.
        let plan = context.ciphertextContext.plans[0]
        var residues = Sampler.uniform(modulus: plan.modulus, count: n, using: &random)
        residues.withUnsafeMutableBufferPointer { buffer in
            timer.measure("ntt.forward") { plan.forward(buffer) }
            timer.measure("ntt.inverse") { plan.inverse(buffer) }
        }

        // Keys.
        var sink = 0
        timer.measure("keygen.secret") { sink &+= SecretKey(context: context, using: &random).context.degree }
        let secretKey = SecretKey(context: context, using: &random)
        timer.measure("keygen.public") { sink &+= PublicKey(secretKey: secretKey, using: &random).context.degree }
        let publicKey = PublicKey(secretKey: secretKey, using: &random)

        // Encoding: N values uniform in [0, t).
        let encoder = BfvEncoder(context: context)
        let values1 = (0..<n).map { _ in random.uniform(below: t) }
        let values2 = (0..<n).map { _ in random.uniform(below: t) }
        let plaintext1 = try encoder.encode(unsigned: values1, encoding: .batch)
        let plaintext2 = try encoder.encode(unsigned: values2, encoding: .batch)
        try timer.measure("encode.batch") { () throws(FHEError) in
            sink &+= try encoder.encode(unsigned: values1, encoding: .batch).valueCount
        }
        try timer.measure("decode.batch") { () throws(FHEError) in
            sink &+= try encoder.decodeUnsigned(plaintext1).count
        }

        // Encryption and decryption.
        let publicEncryptor = BfvEncryptor(publicKey: publicKey)
        let secretEncryptor = BfvEncryptor(secretKey: secretKey)
        let decryptor = BfvDecryptor(secretKey: secretKey)
        try timer.measure("encrypt.publicKey") { () throws(FHEError) in
            sink &+= try publicEncryptor.encrypt(plaintext1, using: &random).valueCount
        }
        try timer.measure("encrypt.secretKey") { () throws(FHEError) in
            sink &+= try secretEncryptor.encrypt(plaintext1, using: &random).valueCount
        }
        let ciphertext1 = try publicEncryptor.encrypt(plaintext1, using: &random)
        let ciphertext2 = try publicEncryptor.encrypt(plaintext2, using: &random)
        try timer.measure("decrypt") { () throws(FHEError) in
            sink &+= try decryptor.decrypt(ciphertext1).valueCount
        }

        // Evaluation.
        let evaluator = BfvEvaluator(context: context)
        try timer.measure("add") { () throws(FHEError) in
            sink &+= try evaluator.add(ciphertext1, ciphertext2).valueCount
        }
        try timer.measure("add.plain") { () throws(FHEError) in
            sink &+= try evaluator.add(ciphertext1, plaintext2).valueCount
        }
        try timer.measure("multiply.plain") { () throws(FHEError) in
            sink &+= try evaluator.multiply(ciphertext1, plaintext2).valueCount
        }

        // Serialization of a ciphertext to envelope bytes and back.
        let bytes = ciphertext1.envelope().serialized()
        try timer.measure("serialize.ciphertext") { () throws(FHEError) in
            sink &+= ciphertext1.envelope().serialized().count
        }
        // The payload alone: what SEAL's `Ciphertext.save` / `to_string` writes (a header and the
        // words, no checksum). `serialize.ciphertext` adds the envelope's SHA-256 over all of it.
        // The sink takes a written byte, not only the count, so the stores cannot be dropped as dead
        // (review s38 LOW 1: `.count` is known without them).
        timer.measure("serialize.ciphertext.payload") {
            let payload = ciphertext1.envelope().payload
            sink &+= payload.count &+ Int(payload[payload.index(before: payload.endIndex)])
        }
        // The envelope's integrity check alone: SHA-256 over as many bytes as the checksum covers
        // (header and payload), so that `serialize.ciphertext` splits into payload + checksum + copy
        // (Docs/Architecture.md, "Serialization benchmarks against SEAL").
        let checked = bytes.prefix(bytes.count - Envelope.checksumSize)
        timer.measure("serialize.ciphertext.checksum") { sink &+= Int(Fingerprint(hashing: checked).bytes[0]) }
        try timer.measure("deserialize.ciphertext") { () throws(FHEError) in
            let envelope: Envelope
            do throws(EnvelopeError) {
                envelope = try Envelope(decoding: bytes, expecting: .fheCiphertext, source: "benchmark")
            } catch {
                throw .envelope(error)
            }
            sink &+= try Ciphertext(envelope: envelope, context: context, source: "benchmark").valueCount
        }

        // Operations with evaluation keys (milliseconds to a second each): multiply + relinearize,
        // one rotation, the sum of all slots, one modulus switch. At least three calls (fewer when
        // the caller asks for fewer), then as many as `minimumSeconds` allows: until session 40
        // they were timed exactly three times, and a median of three calls moved by 20-40% from
        // run to run on a shared machine while the peers' medians came from hundreds of calls.
        var slowTimer = Timer(
            options: Options(
                minimumIterations: min(options.minimumIterations, 3), maximumIterations: options.maximumIterations,
                minimumSeconds: options.minimumSeconds))
        var sumSteps: [Int] = []
        var step = 1
        while step < n / 2 {
            sumSteps.append(step)
            step <<= 1
        }
        try slowTimer.measure("keygen.relinearization") { () throws(FHEError) in
            sink &+= try BfvRelinearizationKey(secretKey: secretKey, using: &random).context.degree
        }
        try slowTimer.measure("keygen.galois") { () throws(FHEError) in
            sink &+= try BfvGaloisKeys(secretKey: secretKey, steps: sumSteps, using: &random).elements.count
        }
        let relinearizationKey = try BfvRelinearizationKey(secretKey: secretKey, using: &random)
        let galoisKeys = try BfvGaloisKeys(secretKey: secretKey, steps: sumSteps, using: &random)
        try slowTimer.measure("multiply.relinearize") { () throws(FHEError) in
            sink &+= try evaluator.multiply(ciphertext1, ciphertext2, relinearizingWith: relinearizationKey).valueCount
        }
        let unrelinearized = try evaluator.multiply(ciphertext1, ciphertext2)
        try slowTimer.measure("multiply") { () throws(FHEError) in
            sink &+= try evaluator.multiply(ciphertext1, ciphertext2).valueCount
        }
        try slowTimer.measure("relinearize") { () throws(FHEError) in
            sink &+= try evaluator.relinearized(unrelinearized, using: relinearizationKey).valueCount
        }
        try slowTimer.measure("rotate") { () throws(FHEError) in
            sink &+= try evaluator.rotatingSlots(ciphertext1, by: 1, using: galoisKeys).valueCount
        }
        try slowTimer.measure("swap.rows") { () throws(FHEError) in
            sink &+= try evaluator.swappingRows(ciphertext1, using: galoisKeys).valueCount
        }
        try slowTimer.measure("sum.slots") { () throws(FHEError) in
            sink &+= try evaluator.sumOfSlots(ciphertext1, using: galoisKeys).valueCount
        }
        if context.topLevel > 1 {
            try slowTimer.measure("modswitch") { () throws(FHEError) in
                sink &+= try evaluator.switchingModulusDown(ciphertext1).valueCount
            }
        }
        timer.timings += slowTimer.timings
        let ciphertextProduct = try encoder.decodeUnsigned(
            decryptor.decrypt(evaluator.multiply(ciphertext1, ciphertext2, relinearizingWith: relinearizationKey)))
        let total = try encoder.decodeUnsigned(decryptor.decrypt(evaluator.sumOfSlots(ciphertext1, using: galoisKeys)))
        var expectedTotal: UInt64 = 0
        for value in values1 { expectedTotal = (expectedTotal + value) % t }
        guard total == [expectedTotal] else {
            throw .invalidParameters("benchmark self-check of the slot sum failed for \(parameters.name)")
        }

        // Self-check: the measured operations compute the right thing.
        let sum = try encoder.decodeUnsigned(decryptor.decrypt(evaluator.add(ciphertext1, ciphertext2)))
        let product = try encoder.decodeUnsigned(decryptor.decrypt(evaluator.multiply(ciphertext1, plaintext2)))
        let secretRoundTrip = try encoder.decodeUnsigned(
            decryptor.decrypt(secretEncryptor.encrypt(plaintext1, using: &random)))
        for index in 0..<n {
            let expectedSum = (values1[index] + values2[index]) % t
            let expectedProduct = values1[index].multipliedFullWidth(by: values2[index])
            let productResidue = t.dividingFullWidth((high: expectedProduct.high, low: expectedProduct.low)).remainder
            let expectedCiphertextProduct = values1[index].multipliedFullWidth(by: values2[index])
            let ciphertextProductResidue =
                t.dividingFullWidth((high: expectedCiphertextProduct.high, low: expectedCiphertextProduct.low)).remainder
            guard sum[index] == expectedSum, product[index] == productResidue, secretRoundTrip[index] == values1[index],
                ciphertextProduct[index] == ciphertextProductResidue
            else {
                throw .invalidParameters("benchmark self-check failed at slot \(index) for \(parameters.name)")
            }
        }

        var secretKeyEnvelope = secretKey.envelope()
        defer { secretKeyEnvelope.payload.withUnsafeMutableBytes { secureZero($0) } }
        let sizes = [
            "ciphertext": bytes.count,
            "ciphertext.seeded": try secretEncryptor.encryptSeeded(plaintext1, using: &random).envelope().serialized().count,
            "ciphertext.product": unrelinearized.envelope().serialized().count,
            "publicKey": publicKey.envelope().serialized().count,
            "secretKey": secretKeyEnvelope.serialized().count,
            "plaintext": plaintext1.envelope().serialized().count,
            "relinearizationKey": relinearizationKey.envelope().serialized().count,
            "relinearizationKey.full": relinearizationKey.envelope(seeded: false).serialized().count,
            "galoisKeys": galoisKeys.envelope().serialized().count,
            "galoisKeys.full": galoisKeys.envelope(seeded: false).serialized().count,
        ]
        return FHEBenchmarkReport(
            preset: parameters.name, degree: n, plaintextModulus: t,
            ciphertextModulusBits: parameters.ciphertextModuli.map { 64 - $0.leadingZeroBitCount },
            specialModulusBits: parameters.specialModulus.map { 64 - $0.leadingZeroBitCount },
            scalarBits: T.bitWidth, operations: timer.timings, sizes: sizes, checksum: sink,
            nttKernel: T.bitWidth == 64 ? NTTKernel.selected.rawValue : NTTKernel.scalar.rawValue)
    }

    /// Times closures one call at a time.
    struct Timer {
        let options: Options
        var timings: [FHEOperationTiming] = []

        init(options: Options) { self.options = options }

        mutating func measure<E: Error>(_ name: String, _ body: () throws(E) -> Void) throws(E) {
            let clock = ContinuousClock()
            var samples: [Double] = []
            var cpuSamples: [Double] = []
            samples.reserveCapacity(options.minimumIterations)
            cpuSamples.reserveCapacity(options.minimumIterations)
            let start = clock.now
            try body()  // warm-up, untimed
            while samples.count < options.maximumIterations {
                let before = clock.now
                let cpuBefore = Self.threadCPUMicroseconds()
                try body()
                let cpuAfter = Self.threadCPUMicroseconds()
                let elapsed = before.duration(to: clock.now)
                samples.append(Self.microseconds(elapsed))
                cpuSamples.append(cpuAfter - cpuBefore)
                if samples.count >= options.minimumIterations,
                    Self.microseconds(start.duration(to: clock.now)) >= options.minimumSeconds * 1e6
                {
                    break
                }
            }
            timings.append(FHEOperationTiming(name: name, samples: samples, cpuSamples: cpuSamples))
        }

        /// The CPU time this thread has used, in microseconds (`CLOCK_THREAD_CPUTIME_ID`): unlike
        /// wall time it does not count time the thread waited for a core on a loaded machine.
        static func threadCPUMicroseconds() -> Double {
            var spec = timespec()
            guard clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec) == 0 else { return 0 }
            return Double(spec.tv_sec) * 1e6 + Double(spec.tv_nsec) * 1e-3
        }

        static func microseconds(_ duration: Duration) -> Double {
            let components = duration.components
            return Double(components.seconds) * 1e6 + Double(components.attoseconds) * 1e-12
        }
    }
}

/// The timing of one benchmarked operation, in microseconds.
///
/// Percentiles use the nearest-rank method on the sorted samples.
///
/// ```swift
/// let timing = FHEOperationTiming(name: "add", samples: [3, 1, 2])
/// timing.medianMicroseconds   // 2
/// ```
public struct FHEOperationTiming: Sendable, Hashable, Codable {
    /// The operation's name, such as `encrypt.publicKey`.
    public let name: String
    /// How many calls were timed.
    public let iterations: Int
    /// The median time of one call.
    public let medianMicroseconds: Double
    /// The 10th percentile.
    public let p10Microseconds: Double
    /// The 90th percentile.
    public let p90Microseconds: Double
    /// The fastest call.
    public let minimumMicroseconds: Double
    /// The median CPU time of the calling thread per call (equal to the wall time on an idle
    /// machine; lower when the thread waited for a core). Zero when not measured.
    public let cpuMedianMicroseconds: Double

    /// Summarizes samples.
    ///
    /// - Parameters:
    ///   - name: the operation.
    ///   - samples: at least one wall time in microseconds (an empty list gives zeros).
    ///   - cpuSamples: the thread CPU times of the same calls (may be empty).
    public init(name: String, samples: [Double], cpuSamples: [Double] = []) {
        func rank(_ sorted: [Double], _ fraction: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let index = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
            return sorted[min(max(index, 0), sorted.count - 1)]
        }
        let sorted = samples.sorted()
        self.name = name
        self.iterations = sorted.count
        self.medianMicroseconds = rank(sorted, 0.5)
        self.p10Microseconds = rank(sorted, 0.1)
        self.p90Microseconds = rank(sorted, 0.9)
        self.minimumMicroseconds = sorted.first ?? 0
        self.cpuMedianMicroseconds = rank(cpuSamples.sorted(), 0.5)
    }
}

/// The result of ``FHEBenchmark/run(preset:options:)`` for one preset.
///
/// ```swift
/// let report = try FHEBenchmark.run(preset: "n4096")
/// let decrypt = report.operations.first { $0.name == "decrypt" }
/// ```
public struct FHEBenchmarkReport: Sendable, Hashable, Codable {
    /// The preset's name.
    public let preset: String
    /// The ring degree `N`.
    public let degree: Int
    /// The plaintext modulus `t`.
    public let plaintextModulus: UInt64
    /// The bit width of each ciphertext modulus.
    public let ciphertextModulusBits: [Int]
    /// The bit width of the special prime, if any.
    public let specialModulusBits: Int?
    /// The residue word size (32 or 64).
    public let scalarBits: Int
    /// The timings, in the order measured.
    public let operations: [FHEOperationTiming]
    /// Serialized sizes in bytes (envelope included) of `ciphertext`, `ciphertext.seeded`,
    /// `ciphertext.product` (three polynomials), `publicKey` (seeded), `secretKey`, `plaintext`,
    /// `relinearizationKey` and `galoisKeys` (seeded) and their `.full` (unseeded) forms.
    public let sizes: [String: Int]
    /// A value accumulated from every result so the optimizer cannot drop the timed work.
    public let checksum: Int
    /// The NTT kernel the timings ran on (``NTTKernel/selected`` for 64-bit residues, `scalar`
    /// for 32-bit ones, whose generic loops LLVM vectorizes itself).
    public let nttKernel: String
    /// The HeatFHE kernels that ran as unspecialized generic code during the run
    /// (``FHESpecialization``): empty in a release build, where every call from this generic
    /// benchmark reaches the code specialized for its scalar. A non-empty list means the timings
    /// measure Swift's generic dispatch, not the arithmetic (a debug build lists every kernel).
    public internal(set) var unspecializedKernels: [String] = []
}

extension FHEBenchmarkReport {
    enum CodingKeys: String, CodingKey {
        case preset, degree, plaintextModulus, ciphertextModulusBits, specialModulusBits, scalarBits, operations
        case sizes, checksum, nttKernel, unspecializedKernels
    }

    /// Decodes a report; one written before session 36 has no `unspecializedKernels` and reads as
    /// an empty list (review s37 LOW 12).
    ///
    /// - Parameter decoder: the decoder.
    /// - Throws: `DecodingError` for a missing or mistyped field other than `unspecializedKernels`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        preset = try container.decode(String.self, forKey: .preset)
        degree = try container.decode(Int.self, forKey: .degree)
        plaintextModulus = try container.decode(UInt64.self, forKey: .plaintextModulus)
        ciphertextModulusBits = try container.decode([Int].self, forKey: .ciphertextModulusBits)
        specialModulusBits = try container.decodeIfPresent(Int.self, forKey: .specialModulusBits)
        scalarBits = try container.decode(Int.self, forKey: .scalarBits)
        operations = try container.decode([FHEOperationTiming].self, forKey: .operations)
        sizes = try container.decode([String: Int].self, forKey: .sizes)
        checksum = try container.decode(Int.self, forKey: .checksum)
        nttKernel = try container.decode(String.self, forKey: .nttKernel)
        unspecializedKernels = try container.decodeIfPresent([String].self, forKey: .unspecializedKernels) ?? []
    }
}
