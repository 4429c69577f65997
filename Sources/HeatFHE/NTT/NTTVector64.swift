/// Eight-lane (`SIMD8<UInt64>`, one AVX-512 register) Harvey butterflies for the 64-bit
/// transform's wide stages, used by ``NTTPlan`` when ``NTTKernel/selected`` is ``NTTKernel/vector``.
///
/// x86 has no vector instruction for the high half of a 64 x 64-bit product, so
/// ``multiplyHigh(_:_:)`` builds it from four 32 x 32 -> 64-bit products (`vpmuludq`); the low
/// halves are `vpmullq` (AVX-512DQ). Per eight butterflies that is six vector multiplications
/// against 24 scalar ones (`mulx` / `imul`), which wins in a `-target-cpu native` build on an
/// AVX-512 machine and loses in the portable x86-64 build (SSE2, two lanes, no 64-bit vector
/// multiplication), which is why only a build compiled with `-DHEATFHE_VECTOR_NTT` (next to
/// `-target-cpu native`) selects it (``NTTKernel/selected``, a compile-time choice).
///
/// Every lane computes exactly what the scalar loop of ``NTTPlan`` computes (same lazy ranges,
/// same conditional subtractions written as `min(x, x - c)`), so both kernels give identical
/// words; the tests compare them on every degree and on lazy inputs. Only stages whose stride is
/// at least 8 run here: the small-stride last stages stay in the scalar loops, because
/// shuffling lanes or masked tails measured slower than scalar code.
@usableFromInline
enum NTTVector64 {
    /// Eight 64-bit lanes.
    @usableFromInline typealias Lanes = SIMD8<UInt64>

    /// The lane width: stages with a stride below this stay scalar.
    @inlinable static var width: Int { 8 }

    /// The high 64 bits of each 128-bit lane product `a * b`, from 32-bit halves.
    @inlinable @inline(__always)
    static func multiplyHigh(_ a: Lanes, _ b: Lanes) -> Lanes {
        let mask = Lanes(repeating: 0xffff_ffff)
        let aLow = a & mask
        let aHigh = a &>> 32
        let bLow = b & mask
        let bHigh = b &>> 32
        let lowLow = aLow &* bLow
        let highLow = aHigh &* bLow
        let lowHigh = aLow &* bHigh
        let highHigh = aHigh &* bHigh
        // The middle column: at most 3 (2^32 - 1) + 2^32, no overflow; its carry goes up.
        let middle = (lowLow &>> 32) &+ (highLow & mask) &+ (lowHigh & mask)
        return highHigh &+ (highLow &>> 32) &+ (lowHigh &>> 32) &+ (middle &>> 32)
    }

    /// `x * w mod q` lazily in `[0, 2q)` per lane with Shoup's companion (``Modulus/multiplyShoupLazy(_:by:shoup:)``).
    @inlinable @inline(__always)
    static func multiplyShoupLazy(_ x: Lanes, by w: Lanes, shoup: Lanes, modulus q: Lanes) -> Lanes {
        x &* w &- multiplyHigh(x, shoup) &* q
    }

    /// The forward (Cooley-Tukey) stages with strides `N/2` down to 8, in place.
    ///
    /// - Parameters:
    ///   - base: `N` words in `[0, 4q)`; on return the stages are applied, values still in `[0, 4q)`.
    ///   - degree: `N`, at least 16.
    ///   - powers: the plan's `psi^bitReverse(k)` table.
    ///   - shoups: their Shoup companions.
    ///   - modulus: `q`, below `2^62`.
    /// - Returns: the number of groups of the next (scalar) stage, whose stride is 4.
    @inlinable
    static func forwardWideStages(
        _ base: UnsafeMutablePointer<UInt64>, degree n: Int, powers: UnsafePointer<UInt64>,
        shoups: UnsafePointer<UInt64>, modulus: UInt64
    ) -> Int {
        let q = Lanes(repeating: modulus)
        let twoQ = Lanes(repeating: modulus &<< 1)
        var gap = n >> 1
        var groups = 1
        while gap >= width {
            for group in 0..<groups {
                let w = Lanes(repeating: powers[groups + group])
                let wShoup = Lanes(repeating: shoups[groups + group])
                let x = UnsafeMutableRawPointer(base + 2 * group * gap)
                let y = x + 8 * gap
                var offset = 0
                let end = 8 * gap
                while offset < end {
                    let loaded = x.loadUnaligned(fromByteOffset: offset, as: Lanes.self)
                    let v = y.loadUnaligned(fromByteOffset: offset, as: Lanes.self)
                    let u = pointwiseMin(loaded, loaded &- twoQ)
                    let t = multiplyShoupLazy(v, by: w, shoup: wShoup, modulus: q)
                    x.storeBytes(of: u &+ t, toByteOffset: offset, as: Lanes.self)
                    y.storeBytes(of: u &+ twoQ &- t, toByteOffset: offset, as: Lanes.self)
                    offset &+= 64
                }
            }
            groups <<= 1
            gap >>= 1
        }
        return groups
    }

    /// The inverse (Gentleman-Sande) stages with strides 8 up to `N/4`, in place (values in `[0, 2q)`).
    ///
    /// - Parameters:
    ///   - base: `N` words in `[0, 2q)` after the scalar stages of strides 1, 2 and 4.
    ///   - degree: `N`, at least 16.
    ///   - powers: the plan's `psi^-bitReverse(k)` table.
    ///   - shoups: their Shoup companions.
    ///   - modulus: `q`, below `2^62`.
    @inlinable
    static func inverseWideStages(
        _ base: UnsafeMutablePointer<UInt64>, degree n: Int, powers: UnsafePointer<UInt64>,
        shoups: UnsafePointer<UInt64>, modulus: UInt64
    ) {
        let q = Lanes(repeating: modulus)
        let twoQ = Lanes(repeating: modulus &<< 1)
        var gap = width
        var groups = n / (2 * width)
        while groups > 1 {
            for group in 0..<groups {
                let w = Lanes(repeating: powers[groups + group])
                let wShoup = Lanes(repeating: shoups[groups + group])
                let x = UnsafeMutableRawPointer(base + 2 * group * gap)
                let y = x + 8 * gap
                var offset = 0
                let end = 8 * gap
                while offset < end {
                    let u = x.loadUnaligned(fromByteOffset: offset, as: Lanes.self)
                    let v = y.loadUnaligned(fromByteOffset: offset, as: Lanes.self)
                    let sum = u &+ v
                    x.storeBytes(of: pointwiseMin(sum, sum &- twoQ), toByteOffset: offset, as: Lanes.self)
                    let product = multiplyShoupLazy(u &+ twoQ &- v, by: w, shoup: wShoup, modulus: q)
                    y.storeBytes(of: product, toByteOffset: offset, as: Lanes.self)
                    offset &+= 64
                }
            }
            gap <<= 1
            groups >>= 1
        }
    }

    /// The inverse's last stage (stride `N/2`) fused with the scaling by `N^-1`, outputs in `[0, q)`.
    ///
    /// - Parameters:
    ///   - base: `N` words in `[0, 2q)`.
    ///   - degree: `N`, at least 16.
    ///   - inverseDegree: `N^-1 mod q` and its Shoup companion.
    ///   - twiddle: `psi^-bitReverse(1) * N^-1 mod q` and its Shoup companion.
    ///   - modulus: `q`.
    @inlinable
    static func inverseLastStage(
        _ base: UnsafeMutablePointer<UInt64>, degree n: Int, inverseDegree: (UInt64, UInt64),
        twiddle: (UInt64, UInt64), modulus: UInt64
    ) {
        let q = Lanes(repeating: modulus)
        let twoQ = Lanes(repeating: modulus &<< 1)
        let scale = Lanes(repeating: inverseDegree.0)
        let scaleShoup = Lanes(repeating: inverseDegree.1)
        let w = Lanes(repeating: twiddle.0)
        let wShoup = Lanes(repeating: twiddle.1)
        let x = UnsafeMutableRawPointer(base)
        let y = x + 4 * n
        var offset = 0
        let end = 4 * n
        while offset < end {
            let u = x.loadUnaligned(fromByteOffset: offset, as: Lanes.self)
            let v = y.loadUnaligned(fromByteOffset: offset, as: Lanes.self)
            let sum = multiplyShoupLazy(u &+ v, by: scale, shoup: scaleShoup, modulus: q)
            let difference = multiplyShoupLazy(u &+ twoQ &- v, by: w, shoup: wShoup, modulus: q)
            x.storeBytes(of: pointwiseMin(sum, sum &- q), toByteOffset: offset, as: Lanes.self)
            y.storeBytes(of: pointwiseMin(difference, difference &- q), toByteOffset: offset, as: Lanes.self)
            offset &+= 64
        }
    }

    /// `target[k] = (target[k] + x[k] * w[k]) mod q` for `k < count` (a multiple of 8), with the
    /// Shoup companions of `w`: the pointwise multiply-accumulate of TFHE's external product.
    ///
    /// - Parameters:
    ///   - x: any words.
    ///   - w: residues below `q`.
    ///   - shoup: their Shoup companions.
    ///   - target: residues below `q`, updated.
    ///   - count: a multiple of 8.
    ///   - modulus: `q`, below `2^62`.
    @inlinable
    static func multiplyShoupAccumulate(
        _ x: UnsafePointer<UInt64>, by w: UnsafePointer<UInt64>, shoup: UnsafePointer<UInt64>,
        into target: UnsafeMutablePointer<UInt64>, count: Int, modulus: UInt64
    ) {
        let q = Lanes(repeating: modulus)
        let xs = UnsafeRawPointer(x)
        let ws = UnsafeRawPointer(w)
        let shoups = UnsafeRawPointer(shoup)
        let targets = UnsafeMutableRawPointer(target)
        var offset = 0
        let end = 8 * count
        while offset < end {
            let product = multiplyShoupLazy(
                xs.loadUnaligned(fromByteOffset: offset, as: Lanes.self),
                by: ws.loadUnaligned(fromByteOffset: offset, as: Lanes.self),
                shoup: shoups.loadUnaligned(fromByteOffset: offset, as: Lanes.self), modulus: q)
            let reduced = pointwiseMin(product, product &- q)
            let sum = targets.loadUnaligned(fromByteOffset: offset, as: Lanes.self) &+ reduced
            targets.storeBytes(of: pointwiseMin(sum, sum &- q), toByteOffset: offset, as: Lanes.self)
            offset &+= 64
        }
    }
}
