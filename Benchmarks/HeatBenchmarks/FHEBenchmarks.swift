// HeatFHE benchmarks for package-benchmark, registered from HeatBenchmarks.swift.
//
//   HEAT_BENCHMARKS=1 swift package --scratch-path .build-bench benchmark --filter "FHE.*"
//
// The same operations as `heatctl bench fhe` (FHEBenchmark in HeatFHE), which needs no extra
// dependency and is the source of the numbers in Docs/Performance.md; this file adds malloc
// counts and resident memory from package-benchmark.
import Benchmark
import HeatFHE
import HeatFHETools

/// Registers the FHE benchmarks for the n4096 and n8192 presets.
func registerFHEBenchmarks() {
    guard let n4096 = try? BfvContext<UInt32>(parameters: BfvParameters(preset: "n4096-logq109-logt17")),
        let n8192 = try? BfvContext<UInt64>(parameters: BfvParameters(preset: "n8192-logq217-logt25"))
    else { return }
    registerFHEBenchmarks(n4096, label: "n4096")
    registerFHEBenchmarks(n8192, label: "n8192")
}

/// Registers one benchmark per BFV operation for one parameter set.
///
/// - Parameters:
///   - context: the parameters.
///   - label: the prefix of the benchmark names.
func registerFHEBenchmarks<T: ScalarType>(_ context: BfvContext<T>, label: String) {
    let n = context.degree
    let t = context.parameters.plaintextModulus
    let secretKey = SecretKey(context: context)
    let publicKey = PublicKey(secretKey: secretKey)
    let encoder = BfvEncoder(context: context)
    var random = SecureRandom()
    let values = (0..<n).map { _ in random.uniform(below: t) }
    guard let plaintext = try? encoder.encode(unsigned: values, encoding: .batch),
        let ciphertext = try? BfvEncryptor(publicKey: publicKey).encrypt(plaintext)
    else { return }
    let plan = context.ciphertextContext.plans[0]
    let residues = Sampler.uniform(modulus: plan.modulus, count: n, using: &random)

    Benchmark("FHE \(label) ntt.forward") { benchmark in
        var data = residues
        for _ in benchmark.scaledIterations { plan.forward(&data) }
        blackHole(data)
    }
    Benchmark("FHE \(label) ntt.inverse") { benchmark in
        var data = residues
        for _ in benchmark.scaledIterations { plan.inverse(&data) }
        blackHole(data)
    }
    Benchmark("FHE \(label) keygen.public") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(PublicKey(secretKey: secretKey)) }
    }
    Benchmark("FHE \(label) encode.batch") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try encoder.encode(unsigned: values, encoding: .batch)) }
    }
    Benchmark("FHE \(label) encrypt.publicKey") { benchmark in
        let encryptor = BfvEncryptor(publicKey: publicKey)
        for _ in benchmark.scaledIterations { blackHole(try encryptor.encrypt(plaintext)) }
    }
    Benchmark("FHE \(label) encrypt.secretKey") { benchmark in
        let encryptor = BfvEncryptor(secretKey: secretKey)
        for _ in benchmark.scaledIterations { blackHole(try encryptor.encrypt(plaintext)) }
    }
    Benchmark("FHE \(label) decrypt") { benchmark in
        let decryptor = BfvDecryptor(secretKey: secretKey)
        for _ in benchmark.scaledIterations { blackHole(try decryptor.decrypt(ciphertext)) }
    }
    Benchmark("FHE \(label) multiply.plain") { benchmark in
        let evaluator = BfvEvaluator(context: context)
        for _ in benchmark.scaledIterations { blackHole(try evaluator.multiply(ciphertext, plaintext)) }
    }

    // Operations with evaluation keys (issue 16), as in `heatctl bench fhe`.
    let sumSteps = (0..<(n / 2).trailingZeroBitCount).map { 1 << $0 }  // 1, 2, ..., N/4
    guard let relinearizationKey = try? BfvRelinearizationKey(secretKey: secretKey),
        let galoisKeys = try? BfvGaloisKeys(secretKey: secretKey, steps: sumSteps),
        let product = try? BfvEvaluator(context: context).multiply(ciphertext, ciphertext)
    else { return }
    Benchmark("FHE \(label) keygen.relinearization") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try BfvRelinearizationKey(secretKey: secretKey)) }
    }
    Benchmark("FHE \(label) keygen.galois") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try BfvGaloisKeys(secretKey: secretKey, steps: sumSteps)) }
    }
    Benchmark("FHE \(label) multiply") { benchmark in
        let evaluator = BfvEvaluator(context: context)
        for _ in benchmark.scaledIterations { blackHole(try evaluator.multiply(ciphertext, ciphertext)) }
    }
    Benchmark("FHE \(label) relinearize") { benchmark in
        let evaluator = BfvEvaluator(context: context)
        for _ in benchmark.scaledIterations { blackHole(try evaluator.relinearized(product, using: relinearizationKey)) }
    }
    Benchmark("FHE \(label) multiply.relinearize") { benchmark in
        let evaluator = BfvEvaluator(context: context)
        for _ in benchmark.scaledIterations {
            blackHole(try evaluator.multiply(ciphertext, ciphertext, relinearizingWith: relinearizationKey))
        }
    }
    Benchmark("FHE \(label) rotate") { benchmark in
        let evaluator = BfvEvaluator(context: context)
        for _ in benchmark.scaledIterations { blackHole(try evaluator.rotatingSlots(ciphertext, by: 1, using: galoisKeys)) }
    }
    Benchmark("FHE \(label) swap.rows") { benchmark in
        let evaluator = BfvEvaluator(context: context)
        for _ in benchmark.scaledIterations { blackHole(try evaluator.swappingRows(ciphertext, using: galoisKeys)) }
    }
    Benchmark("FHE \(label) sum.slots") { benchmark in
        let evaluator = BfvEvaluator(context: context)
        for _ in benchmark.scaledIterations { blackHole(try evaluator.sumOfSlots(ciphertext, using: galoisKeys)) }
    }
    Benchmark("FHE \(label) modswitch") { benchmark in
        let evaluator = BfvEvaluator(context: context)
        for _ in benchmark.scaledIterations { blackHole(try evaluator.switchingModulusDown(ciphertext)) }
    }
}
