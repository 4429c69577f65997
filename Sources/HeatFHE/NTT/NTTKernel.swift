#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which butterfly kernel ``NTTPlan`` runs for 64-bit moduli (the BFV n8192 preset and TFHE's
/// 62-bit prime). Both compute identical words; they differ only in speed, which depends on how
/// the package was compiled:
///
/// - ``scalar``: one butterfly at a time with 64 x 64 -> 128-bit multiplications (`mul` / `mulx`).
///   The fastest choice for the portable x86-64 build (no AVX).
/// - ``vector``: the wide stages (stride 8 and more) on `SIMD8<UInt64>` lanes
///   (see `NTTVector64`), which LLVM turns into AVX-512 code (`vpmuludq`, `vpmullq`, `vpminuq`
///   on `zmm` registers) in a build with `-Xswiftc -target-cpu -Xswiftc native` on an AVX-512
///   machine, 1.2-1.6x faster there, and into slower SSE2 code in the portable build.
///
/// Swift has no compile-time test of the target's vector features, so ``selected`` times both
/// kernels once per process on an N=2048 transform (about 0.3 ms) and keeps the faster; the
/// environment variable `HEATFHE_NTT_KERNEL=scalar` or `=vector` overrides the measurement.
/// 32-bit moduli always use the generic loops (LLVM vectorizes them itself).
///
/// ```swift
/// print(NTTKernel.selected)   // "vector" in a -target-cpu native build on AVX-512
/// var a = [UInt64](repeating: 1, count: 2048)
/// let prime = try PrimeGenerator.nttPrimes(bitWidth: 62, count: 1, degree: 2048)[0]
/// try NTTPlan<UInt64>(degree: 2048, modulus: prime).forward(&a, kernel: .scalar)
/// ```
public enum NTTKernel: String, Sendable, CaseIterable {
    /// One butterfly at a time.
    case scalar
    /// Eight butterflies per step on `SIMD8<UInt64>` for the stages of stride 8 and more.
    case vector

    /// The kernel this process uses for 64-bit moduli (decided once, on first use).
    public static let selected: NTTKernel = {
        if let name = getenv("HEATFHE_NTT_KERNEL"), let forced = NTTKernel(rawValue: String(cString: name)) {
            return forced
        }
        return calibrate()
    }()

    /// Times both kernels on the same N=2048 transform, alternating, and returns ``vector`` when
    /// its best time is below 90% of the scalar kernel's best (so noise keeps the scalar default).
    ///
    /// - Returns: the faster kernel on this build and machine.
    public static func calibrate() -> NTTKernel {
        // The largest 62-bit prime = 1 mod 4096 (TFHE's size).
        guard let prime = try? PrimeGenerator.nttPrimes(bitWidth: 62, count: 1, degree: 2048).first,
            let plan = try? NTTPlan<UInt64>(degree: 2048, modulus: prime)
        else { return .scalar }
        var data = [UInt64](repeating: 0, count: plan.degree)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for index in data.indices {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            data[index] = (state >> 2) % plan.modulus.value
        }
        var best: [NTTKernel: UInt64] = [.scalar: .max, .vector: .max]
        let clock = ContinuousClock()
        for _ in 0..<5 {
            for kernel in NTTKernel.allCases {
                let start = clock.now
                for _ in 0..<4 { plan.forward(&data, kernel: kernel) }
                let elapsed = start.duration(to: clock.now).components
                let nanoseconds = UInt64(max(0, elapsed.seconds)) * 1_000_000_000 + UInt64(max(0, elapsed.attoseconds / 1_000_000_000))
                best[kernel] = Swift.min(best[kernel] ?? .max, nanoseconds)
            }
        }
        let scalarTime = best[.scalar] ?? .max
        let vectorTime = best[.vector] ?? .max
        return vectorTime < scalarTime / 10 * 9 ? .vector : .scalar
    }
}
