import Foundation
import Testing
@testable import HeatFHE

/// The BFV operations on both NTT kernels in one build (issue 16, session 36): the eight-lane
/// kernel (`NTTVector64`) is compiled into every build, and a context built with
/// `nttKernel: .vector` runs every 64-bit NTT of its operations on it (multiplication bases,
/// key switching, decryption). Its results must equal the scalar kernel's word for word, so CI's
/// portable build tests the kernel a `-DHEATFHE_VECTOR_NTT` build selects.
@Suite struct BfvKernelEquivalenceTests {
    /// The words of every polynomial of a ciphertext.
    func words<T: ScalarType>(_ ciphertext: Ciphertext<T>) -> [[T]] { ciphertext.polynomials.map(\.data) }

    func checkBothKernels(_ parameters: BfvParameters) throws {
        let scalar = try BfvContext<UInt64>(parameters: parameters, nttKernel: .scalar)
        let vector = try BfvContext<UInt64>(parameters: parameters, nttKernel: .vector)
        #expect(scalar.keyContext.plans.allSatisfy { $0.kernel == .scalar })
        #expect(vector.keyContext.plans.allSatisfy { $0.kernel == .vector })
        #expect(try vector.derived.tensoring(vector.topLevel, of: vector).extended.plans.allSatisfy { $0.kernel == .vector })

        let harness = try EvaluationHarness<UInt64>(scalar)
        let relinearizationKey = try BfvRelinearizationKey(secretKey: harness.secretKey)
        let galoisKeys = try BfvGaloisKeys(secretKey: harness.secretKey, steps: [1])
        var generator = SeededGenerator(seed: UInt64(parameters.degree))
        let x = harness.random(harness.n, using: &generator)
        let y = harness.random(harness.n, using: &generator)
        let a = try harness.encrypt(x)
        let b = try harness.encrypt(y)
        let plaintext = try harness.encoder.encode(unsigned: y, encoding: .batch)

        // The same secret key in the vector context (its polynomial transformed by that kernel).
        var envelope = harness.secretKey.envelope()
        let vectorSecretKey = try SecretKey(wipingEnvelope: &envelope, context: vector, source: "test")
        let vectorDecryptor = BfvDecryptor(secretKey: vectorSecretKey)

        let operations: [(String, (BfvEvaluator<UInt64>) throws -> Ciphertext<UInt64>)] = [
            ("multiply", { try $0.multiply(a, b) }),
            ("relinearize", { try $0.relinearized($0.multiply(a, b), using: relinearizationKey) }),
            ("multiply.relinearize", { try $0.multiply(a, b, relinearizingWith: relinearizationKey) }),
            ("rotate", { try $0.rotatingSlots(a, by: 1, using: galoisKeys) }),
            ("swap.rows", { try $0.swappingRows(a, using: galoisKeys) }),
            ("sum.slots", { try $0.innerProduct(a, plaintext, using: galoisKeys) }),
            ("multiply.plain", { try $0.multiply(a, plaintext) }),
            ("modswitch", { try $0.switchingModulusDown($0.multiply(a, b, relinearizingWith: relinearizationKey)) }),
        ]
        for (name, operation) in operations {
            let onScalar = try operation(BfvEvaluator(context: scalar))
            let onVector = try operation(BfvEvaluator(context: vector))
            #expect(words(onVector) == words(onScalar), "\(name), \(parameters.name)")
            #expect(
                try vectorDecryptor.decrypt(onVector).coefficients == harness.decryptor.decrypt(onScalar).coefficients,
                "decryption of \(name), \(parameters.name)")
        }
        let product = try BfvEvaluator(context: vector).multiply(a, b, relinearizingWith: relinearizationKey)
        #expect(try harness.decryptAll(product) == zip(x, y).map { harness.productModT($0, $1) })
    }

    /// Key generation, public- and secret-key (seeded) encryption and encoding with the same
    /// deterministic randomness on both kernels: the same payload bytes (review s37 MEDIUM 3:
    /// only the evaluator's operations and decryption were compared).
    func checkKeysAndEncryption(_ parameters: BfvParameters) throws {
        let seed = try PolySeed(bytes: (0..<32).map { UInt8($0) })
        let names = ["secret key", "public key", "relinearization key", "public-key encryption", "seeded encryption"]
        var payloads: [[[UInt8]]] = []
        var encodings: [[UInt64]] = []
        for kernel in [NTTKernel.scalar, .vector] {
            let context = try BfvContext<UInt64>(parameters: parameters, nttKernel: kernel)
            var random = SecureRandom(seed: seed, stream: 7)
            let secretKey = SecretKey(context: context, using: &random)
            let publicKey = PublicKey(secretKey: secretKey, using: &random)
            let relinearizationKey = try BfvRelinearizationKey(secretKey: secretKey, using: &random)
            let encoder = BfvEncoder(context: context)
            let t = parameters.plaintextModulus
            let values = (0..<context.degree).map { UInt64($0 * 7 + 1) % t }
            let plaintext = try encoder.encode(unsigned: values, encoding: .batch)
            encodings.append(plaintext.coefficients)
            let fresh = try BfvEncryptor(publicKey: publicKey).encrypt(plaintext, using: &random)
            let seeded = try BfvEncryptor(secretKey: secretKey).encryptSeeded(plaintext, using: &random)
            #expect(try encoder.decodeUnsigned(BfvDecryptor(secretKey: secretKey).decrypt(fresh)) == values)
            payloads.append(
                [
                    secretKey.envelope(), publicKey.envelope(seeded: false), relinearizationKey.envelope(seeded: false),
                    fresh.envelope(), seeded.envelope(),
                ].map { Array($0.payload) })
        }
        #expect(encodings[0] == encodings[1], "encoding, \(parameters.name)")
        for (index, name) in names.enumerated() {
            #expect(payloads[0][index] == payloads[1][index], "\(name), \(parameters.name)")
        }
    }

    @Test func keysAndEncryptionOnBothKernels() throws {
        try checkKeysAndEncryption(TestParameters.small64)
        try checkKeysAndEncryption(BfvParameters(preset: "n8192-logq217-logt25"))
    }

    @Test func smallRingOnBothKernels() throws {
        try checkBothKernels(TestParameters.small64)
    }

    /// The n8192 preset (three 54-bit primes, four 62-bit auxiliary primes), where the vector
    /// kernel's wide stages do most of the work.
    @Test func n8192PresetOnBothKernels() throws {
        try checkBothKernels(BfvParameters(preset: "n8192-logq217-logt25"))
    }

    /// The library builds every context on the compile-time kernel.
    @Test func contextsUseTheSelectedKernel() throws {
        let context = try BfvContext<UInt64>(parameters: TestParameters.small64)
        #expect(context.keyContext.plans.allSatisfy { $0.kernel == NTTKernel.selected })
        #expect(try context.derived.tensoring(context.topLevel, of: context).auxiliary.plans.allSatisfy {
            $0.kernel == NTTKernel.selected
        })
        #expect(try NTTPlan<UInt64>(degree: 16, modulus: 97).kernel == NTTKernel.selected)
    }
}
