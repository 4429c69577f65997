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
///   The fastest choice for the portable x86-64 build (no AVX), and the default.
/// - ``vector``: every stage on `SIMD8<UInt64>` lanes (strides 4, 2 and 1 on sixteen words
///   regrouped in registers; degrees of at least 16)
///   (see `NTTVector64`), which LLVM turns into AVX-512 code (`vpmuludq`, `vpmullq`, `vpermt2q`,
///   `vpminuq` in the wide loops, on `zmm` registers) when the target CPU has AVX-512 (`-Xswiftc -target-cpu -Xswiftc native`
///   on such a machine), and into slower SSE2 code in the portable build.
///
/// The choice is made **at compile time** by one fixed rule (Swift has no compile-time test of
/// the target's vector features, and timing both kernels in every process cost each process
/// about 0.3 ms): ``selected`` is ``vector`` only in a build compiled with the condition
/// `HEATFHE_VECTOR_NTT`, which the fast build passes together with the native target:
///
/// ```
/// swift build -c release -Xswiftc -cross-module-optimization \
///     -Xswiftc -target-cpu -Xswiftc native -Xswiftc -DHEATFHE_VECTOR_NTT
/// ```
///
/// Every other build (the default portable one) uses ``scalar`` as a compile-time constant and
/// nothing is decided at run time. Only in a `HEATFHE_VECTOR_NTT` build, the environment variable
/// `HEATFHE_NTT_KERNEL=scalar` (read once per process) switches back to the scalar loops, for A/B
/// measurements with one binary. 32-bit moduli always use the generic loops (LLVM vectorizes them
/// itself).
///
/// Both kernels are compiled into every build (the vector source is portable Swift; only its
/// speed depends on the target CPU), so the default build's tests run the BFV operations on
/// both: a test builds its plans with the other kernel (``NTTPlan/kernel``). Every plan the
/// library builds uses ``selected``.
///
/// ```swift
/// print(NTTKernel.selected)   // "scalar" in the default build
/// var a = [UInt64](repeating: 1, count: 2048)
/// let prime = try PrimeGenerator.nttPrimes(bitWidth: 62, count: 1, degree: 2048)[0]
/// try NTTPlan<UInt64>(degree: 2048, modulus: prime).forward(&a, kernel: .vector)  // either kernel, same words
/// ```
public enum NTTKernel: String, Sendable, CaseIterable {
    /// One butterfly at a time.
    case scalar
    /// Eight butterflies per step on `SIMD8<UInt64>` (every stage, for degrees of at least 16).
    case vector

    /// Whether this build was compiled with `-DHEATFHE_VECTOR_NTT` (the vector kernel is the default).
    @inlinable public static var isVectorBuild: Bool {
        #if HEATFHE_VECTOR_NTT
        return true
        #else
        return false
        #endif
    }

    /// The kernel this process uses for 64-bit moduli: a compile-time constant ``scalar`` in a
    /// build compiled without `HEATFHE_VECTOR_NTT` (the default); in a `HEATFHE_VECTOR_NTT` build
    /// ``vector``, unless the environment sets `HEATFHE_NTT_KERNEL=scalar` (read once, on first use).
    @inlinable public static var selected: NTTKernel { isVectorBuild ? vectorBuildSelection : .scalar }

    /// The choice of a `HEATFHE_VECTOR_NTT` build (``kernel(forEnvironmentValue:)`` of the
    /// environment, read once). Compiled in every build; the default build never reads it.
    @usableFromInline static let vectorBuildSelection: NTTKernel =
        kernel(forEnvironmentValue: getenv("HEATFHE_NTT_KERNEL").map { String(cString: $0) })

    /// The rule of a `HEATFHE_VECTOR_NTT` build: ``scalar`` when `value` is `"scalar"`, otherwise
    /// ``vector`` (unset or any other value).
    ///
    /// - Parameter value: the value of `HEATFHE_NTT_KERNEL`, or `nil` when unset.
    /// - Returns: the kernel a vector build uses.
    public static func kernel(forEnvironmentValue value: String?) -> NTTKernel {
        value == NTTKernel.scalar.rawValue ? .scalar : .vector
    }
}
