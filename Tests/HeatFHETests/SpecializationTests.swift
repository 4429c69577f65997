import Foundation
import Testing
@testable import HeatFHE

/// Whether this test binary was optimized: a debug build (`-Onone`) specializes nothing, so the
/// specialization checks only mean something in a release build (the README's test command).
let isOptimizedBuild: Bool = {
    #if DEBUG
    return false
    #else
    return true
    #endif
}()

/// Every public BFV operation called from generic code that the compiler cannot specialize: a
/// protocol requirement reached through `BfvParameters.withContext` from another module, the way
/// `heatctl bench fhe` (HeatFHETools) and an SDK user's generic code reach HeatFHE. Each call
/// must still run HeatFHE's kernels specialized for the scalar (issue 16, session 36: without the
/// pre-specializations `bench fhe` of the portable build ran 50-90x slower than the arithmetic).
struct EveryPublicOperation: BfvContextOperation {
    /// Runs the operations, checks their results and returns the kernels that ran unspecialized.
    func run<T: ScalarType>(_ context: BfvContext<T>) throws(FHEError) -> [String] {
        let (_, kernels) = try FHESpecialization.unspecializedKernels { () throws(FHEError) in
            try exercise(context)
        }
        return kernels
    }

    func exercise<T: ScalarType>(_ context: BfvContext<T>) throws(FHEError) {
        let n = context.degree
        let t = context.parameters.plaintextModulus
        var random = SecureRandom()
        let secretKey = SecretKey(context: context, using: &random)
        let publicKey = PublicKey(secretKey: secretKey, using: &random)
        let encoder = BfvEncoder(context: context)
        let encryptor = BfvEncryptor(publicKey: publicKey)
        let secretEncryptor = BfvEncryptor(secretKey: secretKey)
        let decryptor = BfvDecryptor(secretKey: secretKey)
        let evaluator = BfvEvaluator(context: context)
        let values = (0..<n).map { UInt64($0) % t }
        let plaintext = try encoder.encode(unsigned: values, encoding: .batch)
        let signed = try encoder.encode(signed: (0..<n).map { Int64($0 % 3) - 1 }, encoding: .batch)
            .relabeled(as: .unsigned)
        let a = try encryptor.encrypt(plaintext, using: &random)
        let b = try secretEncryptor.encryptSeeded(plaintext, using: &random).expanded()
        let relinearizationKey = try BfvRelinearizationKey(secretKey: secretKey, using: &random)
        let galoisKeys = try BfvGaloisKeys(secretKey: secretKey, steps: [1], using: &random)

        let sum = try evaluator.add(a, b)
        let difference = try evaluator.subtract(evaluator.negate(a), b)
        let plainSum = try evaluator.subtract(evaluator.add(a, plaintext), signed)
        let plainProduct = try evaluator.multiply(a, plaintext)
        let prepared = try evaluator.multiply(a, BfvPreparedPlaintext(plaintext))
        let product = try evaluator.multiply(a, b)
        let relinearized = try evaluator.relinearized(product, using: relinearizationKey)
        let both = try evaluator.multiply(a, b, relinearizingWith: relinearizationKey)
        let rotated = try evaluator.rotatingSlots(a, by: 1, using: galoisKeys)
        let swapped = try evaluator.swappingRows(a, using: galoisKeys)
        let inner = try evaluator.innerProduct(a, plaintext, using: galoisKeys)
        let lower = try evaluator.switchingModulusDown(a)
        let reloaded = try Ciphertext(envelope: lower.envelope(), context: context, source: "test")
        _ = try PublicKey(envelope: publicKey.envelope(), context: context, source: "test")
        _ = try BfvRelinearizationKey(envelope: relinearizationKey.envelope(), context: context, source: "test")
        _ = try BfvGaloisKeys(envelope: galoisKeys.envelope(), context: context, source: "test")
        _ = try decryptor.invariantNoiseBudget(relinearized)
        // Context construction and every file round trip from this generic code too (review s37
        // HIGH 1: HeatCore builds `BfvContext<UInt64>(parameters:)` itself, and that ran
        // unspecialized while the probe only ever saw contexts built inside HeatFHE).
        let rebuilt = try BfvContext<T>(parameters: context.parameters)
        _ = try RnsContext<T>(degree: n, moduli: context.ciphertextContext.moduliValues)
        _ = try NTTPlan<T>(degree: n, modulus: context.ciphertextContext.moduliValues[0])
        _ = try PublicKey(envelope: publicKey.envelope(seeded: false), context: rebuilt, source: "test")
        _ = try Plaintext(envelope: plaintext.envelope(), context: rebuilt, source: "test")
        let seeded = try secretEncryptor.encryptSeeded(plaintext, using: &random)
        _ = try SeededCiphertext(envelope: seeded.envelope(), context: rebuilt, source: "test")
        _ = try Ciphertext(envelope: a.envelope(), context: rebuilt, source: "test")
        _ = try SecretKey(envelope: secretKey.envelope(), context: rebuilt, source: "test")
        _ = try BfvRelinearizationKey(envelope: relinearizationKey.envelope(seeded: false), context: rebuilt, source: "test")
        _ = try BfvGaloisKeys(envelope: galoisKeys.envelope(seeded: false), context: rebuilt, source: "test")

        func decrypted(_ ciphertext: Ciphertext<T>) throws(FHEError) -> [UInt64] {
            var plaintext = try decryptor.decrypt(ciphertext)
            plaintext.valueCount = n
            return try encoder.decodeUnsigned(plaintext)
        }
        let squares = values.map { $0 * $0 % t }
        let row = n / 2
        let checks: [(String, [UInt64], [UInt64])] = [
            ("add", try decrypted(sum), values.map { 2 * $0 % t }),
            ("negate, subtract", try decrypted(difference), values.map { (2 * t - 2 * $0) % t }),
            ("plaintext add", try decrypted(plainSum), (0..<n).map { (2 * values[$0] + t + 1 - UInt64($0 % 3)) % t }),
            ("plaintext multiply", try decrypted(plainProduct), squares),
            ("prepared multiply", try decrypted(prepared), squares),
            ("multiply", try decrypted(product), squares),
            ("relinearize", try decrypted(relinearized), squares),
            ("multiply and relinearize", try decrypted(both), squares),
            ("rotate", try decrypted(rotated), (0..<n).map { values[($0 / row) * row + ($0 % row + 1) % row] }),
            ("swap rows", try decrypted(swapped), Array(values[row...] + values[..<row])),
            ("inner product", try decrypted(inner), [UInt64](repeating: squares.reduce(0) { ($0 + $1) % t }, count: n)),
            ("modulus switch and envelope", try decrypted(reloaded), values),
        ]
        for (name, actual, expected) in checks where actual != expected {
            throw .invalidParameters("\(name) decrypted to the wrong values")
        }
        var residues = Sampler.uniform(modulus: context.ciphertextContext.moduli[0], count: n, using: &random)
        let copy = residues
        context.ciphertextContext.plans[0].forward(&residues)
        context.ciphertextContext.plans[0].inverse(&residues)
        guard residues == copy else { throw .invalidParameters("the NTT round trip failed") }
    }
}

/// Runs one internal kernel that has no pre-specialization from generic code the optimizer
/// cannot specialize: the probe must see it (the check can fail).
///
/// The scalar type is chosen at run time (an environment lookup the compiler cannot fold) and
/// opened into a generic function, so that even the native build's cross-module optimization,
/// which specializes ordinary generic callers across modules (the `.ci/run` native step), has no
/// concrete type to specialize the call with (issue 16, session 38).
enum UnspecializedControl {
    static func run(_ parameters: BfvParameters) throws(FHEError) -> [String] {
        let declared: any ScalarType.Type = parameters.scalarWidth == .bits64 ? UInt64.self : UInt32.self
        let hidden: any ScalarType.Type =
            ProcessInfo.processInfo.environment["HEAT_TEST_NEVER_SET_SCALAR"] == nil ? declared : UInt32.self
        return try extendOpened(hidden, parameters)
    }

    @inline(never)
    static func extendOpened<T: ScalarType>(_: T.Type, _ parameters: BfvParameters) throws(FHEError) -> [String] {
        let context = try BfvContext<T>(parameters: parameters)
        let tensoring = try context.derived.tensoring(context.topLevel, of: context)
        let ring = context.ciphertextContext
        let source = [T](repeating: 1, count: ring.count * ring.degree)
        var out = [T](repeating: 0, count: tensoring.auxiliary.count * ring.degree)
        return FHESpecialization.unspecializedKernels {
            source.withUnsafeBufferPointer { source in
                out.withUnsafeMutableBufferPointer { tensoring.toAuxiliary.extend(source, into: $0) }
            }
        }.kernels
    }
}

@Suite struct SpecializationTests {
    /// Every operation, from generic code in another module, on both scalars and on a preset:
    /// no HeatFHE kernel runs as unspecialized generic code.
    @Test(
        .enabled(if: isOptimizedBuild, "a debug build specializes nothing"),
        arguments: [TestParameters.small32, TestParameters.small64])
    func genericCallersReachSpecializedKernels(parameters: BfvParameters) throws {
        let kernels = try parameters.withContext(EveryPublicOperation())
        #expect(kernels == [], "ran unspecialized for \(parameters.scalarWidth): \(kernels)")
    }

    @Test(.enabled(if: isOptimizedBuild, "a debug build specializes nothing"))
    func genericCallersReachSpecializedKernelsOnAPreset() throws {
        let kernels = try BfvParameters(preset: "n4096-logq109-logt17").withContext(EveryPublicOperation())
        #expect(kernels == [])
    }

    /// The control: the same generic caller running a kernel without a pre-specialization is
    /// recorded, so the checks above can fail.
    @Test(.enabled(if: isOptimizedBuild, "a debug build specializes nothing"))
    func theProbeSeesUnspecializedCode() throws {
        let kernels = try UnspecializedControl.run(TestParameters.small64)
        #expect(kernels == ["RnsBasisExtension.extend"])
        #expect(FHESpecialization.unspecializedKernelsSoFar.contains("RnsBasisExtension.extend"))
    }

    /// A recorder sees only its own task's work.
    @Test func recordersAreScopedToTheirTask() {
        let (_, outer) = FHESpecialization.unspecializedKernels {
            let (_, inner) = FHESpecialization.unspecializedKernels { FHESpecialization.recordUnspecialized("inner") }
            #expect(inner == ["inner"])
        }
        #expect(outer == [])
    }
}
