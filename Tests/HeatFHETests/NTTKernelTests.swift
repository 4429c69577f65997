import Foundation
import Testing
@testable import HeatFHE

/// The optimized NTT kernels against references: the textbook evaluation (O(N^2)) and the plain
/// stage-by-stage Harvey loops the kernels replaced.
@Suite struct NTTKernelTests {
    /// Output j = a(psi^(2 bitReverse(j) + 1)) mod q, by Horner's rule.
    func directEvaluation<T: ScalarType>(_ a: [T], plan: NTTPlan<T>) -> [T] {
        let n = plan.degree
        let logN = n.trailingZeroBitCount
        let m = plan.modulus
        return (0..<n).map { j in
            let point = m.power(plan.root, UInt64(2 * NTTPlan<T>.bitReverse(j, bits: logN) + 1))
            var value: T = 0
            for coefficient in a.reversed() { value = m.add(m.multiply(value, point), m.reduce(coefficient)) }
            return value
        }
    }

    /// The stage loops as first written (before fusing and pointer kernels).
    func referenceForward<T: ScalarType>(_ a: inout [T], plan: NTTPlan<T>) {
        let m = plan.modulus
        let q = m.value
        let twoQ = q &<< 1
        var gap = plan.degree
        var groups = 1
        while groups < plan.degree {
            gap >>= 1
            for group in 0..<groups {
                let w = plan.rootPowers[groups + group]
                let wShoup = plan.rootPowersShoup[groups + group]
                for j in (2 * group * gap)..<(2 * group * gap + gap) {
                    var x = a[j]
                    if x >= twoQ { x &-= twoQ }
                    let t = m.multiplyShoupLazy(a[j + gap], by: w, shoup: wShoup)
                    a[j] = x &+ t
                    a[j + gap] = x &+ twoQ &- t
                }
            }
            groups <<= 1
        }
        a = a.map { $0 % q }
    }

    func referenceInverse<T: ScalarType>(_ a: inout [T], plan: NTTPlan<T>) {
        let m = plan.modulus
        let twoQ = m.value &<< 1
        var gap = 1
        var groups = plan.degree >> 1
        while groups >= 1 {
            for group in 0..<groups {
                let w = plan.inverseRootPowers[groups + group]
                let wShoup = plan.inverseRootPowersShoup[groups + group]
                for j in (2 * group * gap)..<(2 * group * gap + gap) {
                    let x = a[j]
                    let y = a[j + gap]
                    var sum = x &+ y
                    if sum >= twoQ { sum &-= twoQ }
                    a[j] = sum
                    a[j + gap] = m.multiplyShoupLazy(x &+ twoQ &- y, by: w, shoup: wShoup)
                }
            }
            gap <<= 1
            groups >>= 1
        }
        a = a.map { m.multiply($0, plan.inverseDegree) }
    }

    func check<T: ScalarType>(degree: Int, q: T, direct: Bool) throws {
        let plan = try NTTPlan<T>(degree: degree, modulus: q)
        var random = SystemRandomNumberGenerator()
        for _ in 0..<3 {
            // Forward accepts lazy inputs in [0, 4q).
            let lazy = (0..<degree).map { _ in T.random(in: 0..<(4 * q), using: &random) }
            var fast = lazy
            plan.forward(&fast)
            var reference = lazy
            referenceForward(&reference, plan: plan)
            #expect(fast == reference)
            if direct { #expect(fast == directEvaluation(lazy, plan: plan)) }
            // Inverse accepts lazy inputs in [0, 2q) and undoes the forward transform.
            let lazyEvaluations = fast.map { $0 + (Bool.random(using: &random) ? q : 0) }
            var back = lazyEvaluations
            plan.inverse(&back)
            var referenceBack = lazyEvaluations
            referenceInverse(&referenceBack, plan: plan)
            #expect(back == referenceBack)
            #expect(back == lazy.map { $0 % q })
        }
    }

    @Test(arguments: [2, 4, 8, 16, 64, 256])
    func smallSizesMatchDirectEvaluation(degree: Int) throws {
        try check(degree: degree, q: UInt64(40_961), direct: true)
        try check(degree: degree, q: UInt32(7681), direct: true)
    }

    @Test(arguments: [4096, 8192, 16384])
    func presetSizesMatchTheReferenceLoops(degree: Int) throws {
        let q64 = try PrimeGenerator.nttPrimes(bitWidth: 62, count: 1, degree: degree)[0]
        try check(degree: degree, q: q64, direct: false)
        let q32 = try PrimeGenerator.nttPrimes(bitWidth: 30, count: 1, degree: degree)[0]
        try check(degree: degree, q: UInt32(q32), direct: false)
    }
}

/// The eight-lane 64-bit kernel (`NTTVector64`, ``NTTKernel/vector``) against the scalar loops and
/// the stage-by-stage reference, whichever kernel this process selected (issue 16 item 1).
@Suite struct NTTVectorKernelTests {
    @Test(arguments: [2, 8, 16, 32, 64, 128, 1024, 2048, 4096, 8192, 16384])
    func vectorKernelMatchesScalarAndReference(degree: Int) throws {
        let reference = NTTKernelTests()
        var random = SystemRandomNumberGenerator()
        // The TFHE prime (62 bits), a BFV-size prime (54 bits) and a small one.
        let primes = [
            try PrimeGenerator.nttPrimes(bitWidth: 62, count: 1, degree: degree)[0],
            try PrimeGenerator.nttPrimes(bitWidth: 54, count: 1, degree: degree)[0],
            try PrimeGenerator.nttPrimes(bitWidth: 20, count: 1, degree: degree)[0],
        ]
        for q in primes {
            let plan = try NTTPlan<UInt64>(degree: degree, modulus: q)
            for round in 0..<2 {
                // Lazy inputs in [0, 4q); the second round uses the extremes 0 and 4q - 1.
                let lazy = (0..<degree).map { index in
                    round == 0 ? UInt64.random(in: 0..<(4 * q), using: &random) : (index & 1 == 0 ? 4 * q - 1 : 0)
                }
                var scalar = lazy
                plan.forward(&scalar, kernel: .scalar)
                var vector = lazy
                plan.forward(&vector, kernel: .vector)
                var expected = lazy
                reference.referenceForward(&expected, plan: plan)
                #expect(vector == scalar, "forward, N=\(degree), q=\(q)")
                #expect(vector == expected, "forward vs reference, N=\(degree), q=\(q)")
                let lazyEvaluations = vector.map { $0 + (round == 1 || Bool.random(using: &random) ? q : 0) }
                // The inverse's extreme lazy inputs: alternating 2q - 1 and 0, and all 2q - 1.
                for extreme in [(0..<degree).map { $0 & 1 == 0 ? 2 * q - 1 : 0 }, [UInt64](repeating: 2 * q - 1, count: degree)] {
                    var scalarExtreme = extreme
                    plan.inverse(&scalarExtreme, kernel: .scalar)
                    var vectorExtreme = extreme
                    plan.inverse(&vectorExtreme, kernel: .vector)
                    var referenceExtreme = extreme
                    reference.referenceInverse(&referenceExtreme, plan: plan)
                    #expect(vectorExtreme == scalarExtreme, "inverse of extremes, N=\(degree), q=\(q)")
                    #expect(vectorExtreme == referenceExtreme, "inverse of extremes vs reference, N=\(degree), q=\(q)")
                }
                var scalarBack = lazyEvaluations
                plan.inverse(&scalarBack, kernel: .scalar)
                var vectorBack = lazyEvaluations
                plan.inverse(&vectorBack, kernel: .vector)
                var expectedBack = lazyEvaluations
                reference.referenceInverse(&expectedBack, plan: plan)
                #expect(vectorBack == scalarBack, "inverse, N=\(degree), q=\(q)")
                #expect(vectorBack == expectedBack, "inverse vs reference, N=\(degree), q=\(q)")
                #expect(vectorBack == lazy.map { $0 % q })
            }
        }
    }

    /// The kernel is fixed when the package is compiled (no per-process calibration): `scalar`
    /// unless the build defines `HEATFHE_VECTOR_NTT`, where `HEATFHE_NTT_KERNEL=scalar` is the
    /// only run-time switch.
    @Test func kernelIsChosenAtCompileTime() {
        #if HEATFHE_VECTOR_NTT
        #expect(NTTKernel.isVectorBuild)
        let variable = ProcessInfo.processInfo.environment["HEATFHE_NTT_KERNEL"]
        #expect(NTTKernel.selected == (variable == "scalar" ? .scalar : .vector))
        #else
        #expect(!NTTKernel.isVectorBuild)
        #expect(NTTKernel.selected == .scalar)
        #endif
        #expect(NTTKernel.kernel(forEnvironmentValue: nil) == .vector)
        #expect(NTTKernel.kernel(forEnvironmentValue: "scalar") == .scalar)
        #expect(NTTKernel.kernel(forEnvironmentValue: "vector") == .vector)
        #expect(NTTKernel.kernel(forEnvironmentValue: "SCALAR") == .vector)
    }

    /// Whole transforms through the default entry points (the selected kernel) and both explicit
    /// kernels give the same words at the BFV n8192 size and TFHE's, on one plan, forward and back.
    @Test func defaultEntryPointsAgreeWithBothKernels() throws {
        var random = SystemRandomNumberGenerator()
        for (degree, bits) in [(8192, 54), (2048, 62)] {
            let q = try PrimeGenerator.nttPrimes(bitWidth: bits, count: 1, degree: degree)[0]
            let plan = try NTTPlan<UInt64>(degree: degree, modulus: q)
            let input = (0..<degree).map { _ in UInt64.random(in: 0..<q, using: &random) }
            var byDefault = input
            plan.forward(&byDefault)
            for kernel in NTTKernel.allCases {
                var explicit = input
                plan.forward(&explicit, kernel: kernel)
                #expect(explicit == byDefault, "forward, \(kernel), N=\(degree)")
                plan.inverse(&explicit, kernel: kernel)
                #expect(explicit == input, "round trip, \(kernel), N=\(degree)")
            }
        }
    }

    @Test func multiplyShoupAccumulateMatchesScalar() throws {
        let q = try PrimeGenerator.nttPrimes(bitWidth: 62, count: 1, degree: 4096)[0]
        let modulus = try Modulus<UInt64>(q)
        var random = SystemRandomNumberGenerator()
        let count = 2048
        // Any words (the digits of the external product are signed, stored mod q, but the kernel
        // takes any 64-bit x): the extremes 0 and 2^64 - 1 first, then random full words.
        let x = (0..<count).map { index in
            index == 0 ? 0 : index == 1 ? UInt64.max : index < 8 ? q - 1 : UInt64.random(in: 0...UInt64.max, using: &random)
        }
        let w = (0..<count).map { index in index == 0 ? q - 1 : UInt64.random(in: 0..<q, using: &random) }
        let shoups = w.map { modulus.shoup($0) }
        let start = (0..<count).map { index in index == 0 ? q - 1 : UInt64.random(in: 0..<q, using: &random) }
        var target = start
        target.withUnsafeMutableBufferPointer { target in
            NTTVector64.multiplyShoupAccumulate(x, by: w, shoup: shoups, into: target.baseAddress!, count: count, modulus: q)
        }
        #expect(target == (0..<count).map { modulus.add(start[$0], modulus.multiply(modulus.reduce(x[$0]), w[$0])) })
    }
}

/// The 32-bit plaintext NTT used by batching with 64-bit residues gives the 64-bit plan's results.
@Suite struct NarrowPlaintextPlanTests {
    @Test func narrowPlanMatchesTheWidePlan() throws {
        let context = try BfvContext<UInt64>(parameters: BfvParameters(preset: "n8192-logq217-logt25"))
        let wide = try #require(context.plaintextPlan)
        let narrow = try #require(context.plaintextPlanNarrow)
        #expect(UInt64(narrow.root) == wide.root)
        var random = SystemRandomNumberGenerator()
        let t = context.parameters.plaintextModulus
        let values = (0..<context.degree).map { _ in UInt64.random(in: 0..<t, using: &random) }
        var wideForward = values
        wide.forward(&wideForward)
        var narrowForward = values.map { UInt32($0) }
        narrow.forward(&narrowForward)
        #expect(narrowForward.map(UInt64.init) == wideForward)
        var wideInverse = values
        wide.inverse(&wideInverse)
        var narrowInverse = values.map { UInt32($0) }
        narrow.inverse(&narrowInverse)
        #expect(narrowInverse.map(UInt64.init) == wideInverse)
        // And batch encoding round-trips through it.
        let encoder = BfvEncoder(context: context)
        let plaintext = try encoder.encode(unsigned: values, encoding: .batch)
        #expect(try encoder.decodeUnsigned(plaintext) == values)
        // The 32-bit preset has no narrow plan (its plan is already 32-bit).
        let small = try BfvContext<UInt32>(parameters: BfvParameters(preset: "n4096-logq109-logt17"))
        #expect(small.plaintextPlanNarrow == nil)
    }
}
