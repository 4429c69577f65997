/// A precomputed negacyclic number-theoretic transform for one `(N, q)`.
///
/// The transform evaluates `a(X) in Z_q[X]/(X^N + 1)` at the `N` odd powers of a primitive
/// `2N`-th root of unity `psi`: output index `j` holds `a(psi^(2 * bitReverse(j) + 1))`
/// (bit-reversed order, as in Longa and Naehrig 2016 and SEAL). Multiplying two transforms
/// pointwise and transforming back gives the negacyclic product, in `O(N log N)`.
///
/// Kernels: Cooley-Tukey forward and Gentleman-Sande inverse butterflies in Harvey's lazy form
/// (D. Harvey, "Faster arithmetic for number-theoretic transforms", 2014) with Shoup twiddles.
/// - Forward: inputs in `[0, 4q)` (normally `[0, q)`); between stages values stay in `[0, 4q)`;
///   the output is fully reduced to `[0, q)`.
/// - Inverse: inputs in `[0, 2q)`; between stages values stay in `[0, 2q)`; a final pass scales by
///   `N^-1` with a Shoup multiplication and reduces the output to `[0, q)`.
/// Both bounds need `4q < 2^w`, which ``ScalarType/maxModulusBits`` guarantees.
///
/// `psi` is the smallest primitive `2N`-th root (``PrimeGenerator/minimalPrimitiveRoot(order:modulo:)``).
///
/// ```swift
/// let plan = try NTTPlan<UInt64>(degree: 8, modulus: 17)
/// var a: [UInt64] = [1, 2, 3, 4, 5, 6, 7, 8]
/// plan.forward(&a)
/// plan.inverse(&a)   // back to [1, 2, ..., 8]
/// ```
public struct NTTPlan<T: ScalarType>: Sendable {
    /// The ring degree `N` (a power of two, at least 2).
    public let degree: Int
    /// The modulus `q` (a prime with `q = 1 mod 2N`).
    public let modulus: Modulus<T>
    /// The primitive `2N`-th root of unity used.
    public let root: T
    /// The butterfly kernel of the entry points without a `kernel:` argument, for 64-bit moduli:
    /// ``NTTKernel/selected`` (fixed when the package is compiled) for every plan the library
    /// builds; only a test builds a plan with the other one (`init(degree:modulus:kernel:)`), to run
    /// the BFV operations on both kernels in one build. Ignored for `UInt32`.
    public let kernel: NTTKernel
    /// `psi^bitReverse(k)` for `k` in `0..<N`, with their Shoup companions.
    @usableFromInline let rootPowers: [T]
    @usableFromInline let rootPowersShoup: [T]
    /// `psi^-(bitReverse(k))` for `k` in `0..<N` (index `k` used by the inverse), with companions.
    @usableFromInline let inverseRootPowers: [T]
    @usableFromInline let inverseRootPowersShoup: [T]
    /// `N^-1 mod q` and its companion.
    @usableFromInline let inverseDegree: T
    @usableFromInline let inverseDegreeShoup: T
    /// The last inverse stage's twiddle times `N^-1` (`psi^-bitReverse(1) / N mod q`), with companion.
    @usableFromInline let lastInverseTwiddle: T
    @usableFromInline let lastInverseTwiddleShoup: T

    /// Builds the plan: finds the root and precomputes the twiddles.
    ///
    /// - Parameters:
    ///   - degree: `N`, a power of two from 2 to 65536.
    ///   - modulus: a prime `q = 1 mod 2N` below `2^T.maxModulusBits`.
    /// - Throws: ``FHEError`` if `N` is not a power of two or `q` does not support the transform.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public init(degree: Int, modulus q: T) throws(FHEError) {
        try self.init(degree: degree, modulus: q, kernel: NTTKernel.selected)
    }

    /// Builds the plan with an explicit default kernel (tests: the BFV operations on the kernel
    /// this build does not select; see ``kernel``).
    ///
    /// - Parameters:
    ///   - degree: `N`, a power of two from 2 to 65536.
    ///   - modulus: a prime `q = 1 mod 2N` below `2^T.maxModulusBits`.
    ///   - kernel: the kernel of ``forward(_:)-([T])`` and ``inverse(_:)-([T])`` for 64-bit moduli.
    /// - Throws: ``FHEError`` if `N` is not a power of two or `q` does not support the transform.
    init(degree: Int, modulus q: T, kernel: NTTKernel) throws(FHEError) {
        FHESpecialization.note(T.self, "NTTPlan.init")
        guard degree >= 2, degree <= 65536, degree.nonzeroBitCount == 1 else {
            throw .invalidParameters("the ring degree N=\(degree) must be a power of two in 2...65536")
        }
        let modulus = try Modulus<T>(q)
        let psi = T(try PrimeGenerator.minimalPrimitiveRoot(order: 2 * degree, modulo: UInt64(q)))
        guard let psiInverse = modulus.inverse(psi), let nInverse = modulus.inverse(T(degree % Int(q))) else {
            throw .invalidModulus(UInt64(q), reason: "it is not prime")
        }
        let logN = degree.trailingZeroBitCount
        var powers = [T](repeating: 0, count: degree)
        var inversePowers = [T](repeating: 0, count: degree)
        var power: T = 1
        var inversePower: T = 1
        for exponent in 0..<degree {
            let index = Self.bitReverse(exponent, bits: logN)
            powers[index] = power
            inversePowers[index] = inversePower
            power = modulus.multiply(power, psi)
            inversePower = modulus.multiply(inversePower, psiInverse)
        }
        self.degree = degree
        self.modulus = modulus
        self.root = psi
        self.kernel = kernel
        self.rootPowers = powers
        self.rootPowersShoup = powers.map { modulus.shoup($0) }
        self.inverseRootPowers = inversePowers
        self.inverseRootPowersShoup = inversePowers.map { modulus.shoup($0) }
        self.inverseDegree = nInverse
        self.inverseDegreeShoup = modulus.shoup(nInverse)
        let lastTwiddle = modulus.multiply(inversePowers[1], nInverse)
        self.lastInverseTwiddle = lastTwiddle
        self.lastInverseTwiddleShoup = modulus.shoup(lastTwiddle)
    }

    /// Reverses the low `bits` bits of `value`.
    ///
    /// - Parameters:
    ///   - value: an index below `2^bits`.
    ///   - bits: the number of bits.
    /// - Returns: the bit-reversed index.
    @inlinable
    public static func bitReverse(_ value: Int, bits: Int) -> Int {
        var input = value
        var reversed = 0
        for _ in 0..<bits {
            reversed = (reversed << 1) | (input & 1)
            input >>= 1
        }
        return reversed
    }

    /// The forward negacyclic NTT in place: coefficients in `[0, 4q)` to evaluations in `[0, q)`,
    /// in bit-reversed order.
    ///
    /// - Parameter values: exactly `N` values.
    @inlinable
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func forward(_ values: inout [T]) {
        precondition(values.count == degree, "the NTT needs exactly N values")
        values.withUnsafeMutableBufferPointer { forward($0) }
    }

    /// The forward transform with an explicit 64-bit kernel (``NTTKernel``; ignored for `UInt32`).
    ///
    /// - Parameters:
    ///   - values: exactly `N` values in `[0, 4q)`.
    ///   - kernel: the butterfly kernel.
    @inlinable
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func forward(_ values: inout [T], kernel: NTTKernel) {
        precondition(values.count == degree, "the NTT needs exactly N values")
        values.withUnsafeMutableBufferPointer { forward($0, kernel: kernel) }
    }

    /// The forward transform on a buffer of exactly `N` values (see ``forward(_:)-([T])``).
    ///
    /// Stages with a stride of at least 2 run the Harvey butterfly over contiguous runs through raw
    /// pointers; the last stage (stride 1, one butterfly per twiddle) is a separate loop fused with
    /// the final reduction from `[0, 4q)` to `[0, q)`, so the data is read once less. Conditional
    /// subtractions are written `min(x, x - c)` (the difference wraps above `x` when `x < c`), which
    /// compiles to `cmov` instead of mispredicted branches on random data (about 25% faster here).
    ///
    /// With 64-bit moduli and the plan's ``kernel`` = ``NTTKernel/vector``, every stage runs eight
    /// butterflies at a time (`NTTVector64`: strides of 8 and more along the rows, strides 4, 2
    /// and 1 on sixteen words regrouped in registers, for degrees of at least 16); the results
    /// are identical.
    ///
    /// - Parameter a: the buffer, transformed in place.
    @inlinable
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func forward(_ a: UnsafeMutableBufferPointer<T>) {
        forward(a, kernel: T.self == UInt64.self ? kernel : .scalar)
    }

    /// The forward transform on a buffer with an explicit 64-bit kernel (ignored for `UInt32`).
    ///
    /// - Parameters:
    ///   - a: exactly `N` values in `[0, 4q)`, transformed in place.
    ///   - kernel: the butterfly kernel.
    @inlinable
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func forward(_ a: UnsafeMutableBufferPointer<T>, kernel: NTTKernel) {
        FHESpecialization.note(T.self, "NTTPlan.forward")
        precondition(a.count == degree, "the NTT needs exactly N values")
        guard let base = a.baseAddress else { return }
        let modulus = self.modulus
        let q = modulus.value
        let twoQ = q &<< 1
        let n = degree
        rootPowers.withUnsafeBufferPointer { powers in
            rootPowersShoup.withUnsafeBufferPointer { shoups in
                var gap = n >> 1
                var groups = 1
                if T.self == UInt64.self, kernel == .vector, n >= 2 * NTTVector64.width {
                    groups = NTTVector64.forwardWideStages(
                        UnsafeMutableRawPointer(base).assumingMemoryBound(to: UInt64.self), degree: n,
                        powers: UnsafeRawPointer(powers.baseAddress!).assumingMemoryBound(to: UInt64.self),
                        shoups: UnsafeRawPointer(shoups.baseAddress!).assumingMemoryBound(to: UInt64.self),
                        modulus: UInt64(q))
                    gap = n / (2 * groups)
                    if n % 16 == 0 {
                        // Strides 4, 2 and 1 in registers, the last one reduced to [0, q).
                        NTTVector64.forwardSmallStages(
                            UnsafeMutableRawPointer(base).assumingMemoryBound(to: UInt64.self), degree: n,
                            powers: UnsafeRawPointer(powers.baseAddress!).assumingMemoryBound(to: UInt64.self),
                            shoups: UnsafeRawPointer(shoups.baseAddress!).assumingMemoryBound(to: UInt64.self),
                            modulus: UInt64(q))
                        return
                    }
                }
                while gap > 1 {
                    for group in 0..<groups {
                        let w = powers[groups + group]
                        let wShoup = shoups[groups + group]
                        let x = base + 2 * group * gap
                        let y = x + gap
                        for j in 0..<gap {
                            // Harvey CT butterfly: X, Y in [0, 4q) -> X + WY, X - WY in [0, 4q).
                            let loaded = x[j]
                            let v = y[j]
                            // Branch-free conditional subtraction: below 2q, u - 2q wraps above u.
                            let u = Swift.min(loaded, loaded &- twoQ)
                            let t = modulus.multiplyShoupLazy(v, by: w, shoup: wShoup)
                            x[j] = u &+ t
                            y[j] = u &+ twoQ &- t
                        }
                    }
                    groups <<= 1
                    gap >>= 1
                }
                Self.forwardLastStage(base, pairs: groups, powers: powers, shoups: shoups, modulus: modulus)
            }
        }
    }

    /// The stride-1 stage of the forward transform, with outputs reduced to `[0, q)`.
    @inlinable
    static func forwardLastStage(
        _ base: UnsafeMutablePointer<T>, pairs: Int, powers: UnsafeBufferPointer<T>, shoups: UnsafeBufferPointer<T>,
        modulus: Modulus<T>
    ) {
        let q = modulus.value
        let twoQ = q &<< 1
        for pair in 0..<pairs {
            let x = base + 2 * pair
            let loaded = x[0]
            let u = Swift.min(loaded, loaded &- twoQ)
            let t = modulus.multiplyShoupLazy(x[1], by: powers[pairs + pair], shoup: shoups[pairs + pair])
            // [0, 4q) -> [0, q) without branches (min of x and x - c, which wraps above x when x < c).
            let sum = u &+ t
            let sum2 = Swift.min(sum, sum &- twoQ)
            let difference = u &+ twoQ &- t
            let difference2 = Swift.min(difference, difference &- twoQ)
            x[0] = Swift.min(sum2, sum2 &- q)
            x[1] = Swift.min(difference2, difference2 &- q)
        }
    }

    /// The inverse negacyclic NTT in place: bit-reversed evaluations in `[0, 2q)` to coefficients
    /// in `[0, q)`, including the scaling by `N^-1`.
    ///
    /// - Parameter values: exactly `N` values.
    @inlinable
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func inverse(_ values: inout [T]) {
        precondition(values.count == degree, "the NTT needs exactly N values")
        values.withUnsafeMutableBufferPointer { inverse($0) }
    }

    /// The inverse transform with an explicit 64-bit kernel (``NTTKernel``; ignored for `UInt32`).
    ///
    /// - Parameters:
    ///   - values: exactly `N` values in `[0, 2q)`.
    ///   - kernel: the butterfly kernel.
    @inlinable
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func inverse(_ values: inout [T], kernel: NTTKernel) {
        precondition(values.count == degree, "the NTT needs exactly N values")
        values.withUnsafeMutableBufferPointer { inverse($0, kernel: kernel) }
    }

    /// The inverse transform on a buffer of exactly `N` values (see ``inverse(_:)-([T])``).
    ///
    /// The first stage (stride 1) is a separate loop; the last stage (one twiddle, stride `N/2`)
    /// is fused with the scaling by `N^-1`: its outputs are `(X + Y) * N^-1` and
    /// `(X - Y) * (W * N^-1)` with Shoup multiplications, fully reduced to `[0, q)`.
    ///
    /// With 64-bit moduli and the plan's ``kernel`` = ``NTTKernel/vector``, every stage (strides 1,
    /// 2 and 4 on sixteen words regrouped in registers, for degrees of at least 16) and the fused
    /// last stage run eight butterflies at a time (identical results).
    ///
    /// - Parameter a: the buffer, transformed in place.
    @inlinable
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func inverse(_ a: UnsafeMutableBufferPointer<T>) {
        inverse(a, kernel: T.self == UInt64.self ? kernel : .scalar)
    }

    /// The inverse transform on a buffer with an explicit 64-bit kernel (ignored for `UInt32`).
    ///
    /// - Parameters:
    ///   - a: exactly `N` values in `[0, 2q)`, transformed in place.
    ///   - kernel: the butterfly kernel.
    @inlinable
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func inverse(_ a: UnsafeMutableBufferPointer<T>, kernel: NTTKernel) {
        FHESpecialization.note(T.self, "NTTPlan.inverse")
        precondition(a.count == degree, "the NTT needs exactly N values")
        guard let base = a.baseAddress else { return }
        let modulus = self.modulus
        let q = modulus.value
        let twoQ = q &<< 1
        let n = degree
        inverseRootPowers.withUnsafeBufferPointer { powers in
            inverseRootPowersShoup.withUnsafeBufferPointer { shoups in
                var groups = n >> 1
                var gap = 1
                let wide = T.self == UInt64.self && kernel == .vector && n >= 2 * NTTVector64.width
                if wide, n % 16 == 0 {
                    // Strides 1, 2 and 4 in registers; the wide loop takes over at stride 8.
                    NTTVector64.inverseSmallStages(
                        UnsafeMutableRawPointer(base).assumingMemoryBound(to: UInt64.self), degree: n,
                        powers: UnsafeRawPointer(powers.baseAddress!).assumingMemoryBound(to: UInt64.self),
                        shoups: UnsafeRawPointer(shoups.baseAddress!).assumingMemoryBound(to: UInt64.self),
                        modulus: UInt64(q))
                    groups = n >> 4
                    gap = NTTVector64.width
                } else if groups > 1 {
                    Self.inverseFirstStage(base, pairs: groups, powers: powers, shoups: shoups, modulus: modulus)
                    groups >>= 1
                    gap = 2
                }
                while groups > 1 {
                    if wide, gap == NTTVector64.width {
                        NTTVector64.inverseWideStages(
                            UnsafeMutableRawPointer(base).assumingMemoryBound(to: UInt64.self), degree: n,
                            powers: UnsafeRawPointer(powers.baseAddress!).assumingMemoryBound(to: UInt64.self),
                            shoups: UnsafeRawPointer(shoups.baseAddress!).assumingMemoryBound(to: UInt64.self),
                            modulus: UInt64(q))
                        break
                    }
                    for group in 0..<groups {
                        let w = powers[groups + group]
                        let wShoup = shoups[groups + group]
                        let x = base + 2 * group * gap
                        let y = x + gap
                        for j in 0..<gap {
                            // Harvey GS butterfly: X, Y in [0, 2q) -> X + Y in [0, 2q), W(X - Y) in [0, 2q).
                            let u = x[j]
                            let v = y[j]
                            let sum = u &+ v
                            x[j] = sum >= twoQ ? sum &- twoQ : sum
                            y[j] = modulus.multiplyShoupLazy(u &+ twoQ &- v, by: w, shoup: wShoup)
                        }
                    }
                    gap <<= 1
                    groups >>= 1
                }
            }
        }
        // Last stage (groups = 1, gap = N/2) fused with the N^-1 scaling.
        if T.self == UInt64.self, kernel == .vector, n >= 2 * NTTVector64.width {
            NTTVector64.inverseLastStage(
                UnsafeMutableRawPointer(base).assumingMemoryBound(to: UInt64.self), degree: n,
                inverseDegree: (UInt64(inverseDegree), UInt64(inverseDegreeShoup)),
                twiddle: (UInt64(lastInverseTwiddle), UInt64(lastInverseTwiddleShoup)), modulus: UInt64(q))
            return
        }
        let half = n >> 1
        let y = base + half
        for j in 0..<half {
            let u = base[j]
            let v = y[j]
            base[j] = modulus.multiplyShoup(u &+ v, by: inverseDegree, shoup: inverseDegreeShoup)
            y[j] = modulus.multiplyShoup(u &+ twoQ &- v, by: lastInverseTwiddle, shoup: lastInverseTwiddleShoup)
        }
    }

    /// The stride-1 stage of the inverse transform (inputs and outputs in `[0, 2q)`).
    @inlinable
    static func inverseFirstStage(
        _ base: UnsafeMutablePointer<T>, pairs: Int, powers: UnsafeBufferPointer<T>, shoups: UnsafeBufferPointer<T>,
        modulus: Modulus<T>
    ) {
        let twoQ = modulus.value &<< 1
        for pair in 0..<pairs {
            let x = base + 2 * pair
            let u = x[0]
            let v = x[1]
            let sum = u &+ v
            x[0] = sum >= twoQ ? sum &- twoQ : sum
            x[1] = modulus.multiplyShoupLazy(u &+ twoQ &- v, by: powers[pairs + pair], shoup: shoups[pairs + pair])
        }
    }
}
