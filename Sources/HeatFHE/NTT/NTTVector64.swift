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
/// same conditional subtractions: `pointwiseMin(x, x &- c)` in the wide loops, where LLVM inlines
/// it, and ``subtractIfAtLeast(_:_:)`` elsewhere), so both kernels give identical
/// words; the tests compare them on every degree and on lazy inputs. Stages whose stride is at
/// least 8 run along the rows; the three stages of stride 4, 2 and 1 run on blocks of sixteen
/// words regrouped in registers (two-source permutes, `vpermt2q`), from session 43 on
/// (``forwardSmallStages(_:degree:powers:shoups:modulus:)``; before, they stayed in the scalar
/// loops, because masked tail loops had measured 2-4x slower). Degrees below 16 stay scalar.
@usableFromInline
enum NTTVector64 {
    /// Eight 64-bit lanes.
    @usableFromInline typealias Lanes = SIMD8<UInt64>

    /// The lane width: stages with a stride below this run in ``forwardSmallStages(_:degree:powers:shoups:modulus:)``
    /// and ``inverseSmallStages(_:degree:powers:shoups:modulus:)``.
    @inlinable static var width: Int { 8 }

    /// `x - c` where `x >= c`, else `x`, for `x < 2c` and `c < 2^63`: the lanes of
    /// `pointwiseMin(x, x &- c)` (the difference wraps to `2^63` or more exactly when `x < c`), from a
    /// subtraction, a shift and a mask that stay inline. The standard library's generic
    /// `pointwiseMin` was compiled out of line in most kernels of the native build (`objdump -d`
    /// of session 43: 32 calls, each splitting the `zmm` register into four `xmm` arguments and
    /// merging the result back).
    @inlinable @inline(__always)
    static func subtractIfAtLeast(_ x: Lanes, _ c: Lanes) -> Lanes {
        addIfNegative(x &- c, c)
    }

    /// `r + c` where `r`, read as a signed word, is negative, else `r`, for `r` in `(-c, c)` and
    /// `c < 2^63`: the lanes of `pointwiseMin(r, r &+ c)`, inline (see ``subtractIfAtLeast(_:_:)``).
    @inlinable @inline(__always)
    static func addIfNegative(_ r: Lanes, _ c: Lanes) -> Lanes {
        r &+ (c & (Lanes(repeating: 0) &- (r &>> 63)))
    }

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
    /// - Returns: the number of groups of the next stage, whose stride is 4 (``forwardSmallStages(_:degree:powers:shoups:modulus:)``).
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
                    // `pointwiseMin` stays here: LLVM inlines it in the wide loops (one `vpminuq`).
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

    /// The forward stages with strides 4, 2 and 1 on sixteen words at a time, in registers: the
    /// stages the wide loop cannot run (a stride below eight splits a register), which the scalar
    /// loop ran until session 43 (three of the thirteen stages at N=8192, with a full 64-bit
    /// product per butterfly: about a third of the transform's time).
    ///
    /// Each block of sixteen words is loaded as two registers and regrouped before each stage so
    /// that one register holds the butterflies' first inputs and the other their second inputs,
    /// with the twiddles of each lane's group (stride 4: two groups, four lanes each; stride 2:
    /// four groups of two; stride 1: eight groups, the table's consecutive words). The butterflies
    /// are those of the scalar loop (Harvey's, values in `[0, 4q)`), the last one reduced to
    /// `[0, q)` as the scalar `forwardLastStage`, so the words are the same.
    ///
    /// - Parameters:
    ///   - base: `N` words in `[0, 4q)` after the wide stages (strides `N/2` down to 8).
    ///   - degree: `N`, a multiple of 16.
    ///   - powers: the plan's `psi^bitReverse(k)` table.
    ///   - shoups: their Shoup companions.
    ///   - modulus: `q`, below `2^62`.
    @inlinable
    static func forwardSmallStages(
        _ base: UnsafeMutablePointer<UInt64>, degree n: Int, powers: UnsafePointer<UInt64>,
        shoups: UnsafePointer<UInt64>, modulus: UInt64
    ) {
        let q = Lanes(repeating: modulus)
        let twoQ = Lanes(repeating: modulus &<< 1)
        let groups4 = n >> 3
        let groups2 = n >> 2
        let groups1 = n >> 1
        var block = 0
        while block < n >> 4 {
            let pointer = UnsafeMutableRawPointer(base + 16 &* block)
            let a = pointer.loadUnaligned(as: Lanes.self)
            let b = pointer.loadUnaligned(fromByteOffset: 64, as: Lanes.self)
            // Stride 4: positions [0-3, 8-11] against [4-7, 12-15]; groups 2 block, 2 block + 1.
            var x = Lanes(a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3])
            var y = Lanes(a[4], a[5], a[6], a[7], b[4], b[5], b[6], b[7])
            let g4 = groups4 &+ 2 &* block
            var w = fourEach(powers, at: g4)
            var wShoup = fourEach(shoups, at: g4)
            (x, y) = forwardButterfly(x, y, w: w, wShoup: wShoup, q: q, twoQ: twoQ)
            // Stride 2: x holds [0,1,2,3,8,9,10,11], y [4,5,6,7,12,13,14,15]; first inputs
            // [0,1,4,5,8,9,12,13], second [2,3,6,7,10,11,14,15]; groups 4 block + 0...3.
            var x2 = Lanes(x[0], x[1], y[0], y[1], x[4], x[5], y[4], y[5])
            var y2 = Lanes(x[2], x[3], y[2], y[3], x[6], x[7], y[6], y[7])
            let g2 = groups2 &+ 4 &* block
            w = twoEach(powers, at: g2)
            wShoup = twoEach(shoups, at: g2)
            (x2, y2) = forwardButterfly(x2, y2, w: w, wShoup: wShoup, q: q, twoQ: twoQ)
            // Stride 1: even positions against odd ones; groups 8 block + 0...7 (consecutive).
            let x1 = Lanes(x2[0], y2[0], x2[2], y2[2], x2[4], y2[4], x2[6], y2[6])
            let y1 = Lanes(x2[1], y2[1], x2[3], y2[3], x2[5], y2[5], x2[7], y2[7])
            let g1 = groups1 &+ 8 &* block
            w = UnsafeRawPointer(powers + g1).loadUnaligned(as: Lanes.self)
            wShoup = UnsafeRawPointer(shoups + g1).loadUnaligned(as: Lanes.self)
            let u = subtractIfAtLeast(x1, twoQ)
            let t = multiplyShoupLazy(y1, by: w, shoup: wShoup, modulus: q)
            // [0, 4q) -> [0, q), as the scalar last stage.
            let sum = u &+ t
            let sum2 = subtractIfAtLeast(sum, twoQ)
            let even = subtractIfAtLeast(sum2, q)
            let difference = u &+ twoQ &- t
            let difference2 = subtractIfAtLeast(difference, twoQ)
            let odd = subtractIfAtLeast(difference2, q)
            pointer.storeBytes(
                of: Lanes(even[0], odd[0], even[1], odd[1], even[2], odd[2], even[3], odd[3]), as: Lanes.self)
            pointer.storeBytes(
                of: Lanes(even[4], odd[4], even[5], odd[5], even[6], odd[6], even[7], odd[7]), toByteOffset: 64,
                as: Lanes.self)
            block &+= 1
        }
    }

    /// `table[k]` and `table[k + 1]`, each in four lanes: the twiddles of two stride-4 groups.
    @inlinable @inline(__always)
    static func fourEach(_ table: UnsafePointer<UInt64>, at k: Int) -> Lanes {
        Lanes(table[k], table[k], table[k], table[k], table[k &+ 1], table[k &+ 1], table[k &+ 1], table[k &+ 1])
    }

    /// `table[k ... k + 3]`, each in two lanes: the twiddles of four stride-2 groups.
    @inlinable @inline(__always)
    static func twoEach(_ table: UnsafePointer<UInt64>, at k: Int) -> Lanes {
        Lanes(
            table[k], table[k], table[k &+ 1], table[k &+ 1], table[k &+ 2], table[k &+ 2], table[k &+ 3], table[k &+ 3])
    }

    /// Harvey's forward butterfly on eight lanes: `X, Y` in `[0, 4q)` to `X + WY, X - WY` in `[0, 4q)`.
    @inlinable @inline(__always)
    static func forwardButterfly(
        _ x: Lanes, _ y: Lanes, w: Lanes, wShoup: Lanes, q: Lanes, twoQ: Lanes
    ) -> (Lanes, Lanes) {
        let u = subtractIfAtLeast(x, twoQ)
        let t = multiplyShoupLazy(y, by: w, shoup: wShoup, modulus: q)
        return (u &+ t, u &+ twoQ &- t)
    }

    /// Harvey's inverse butterfly on eight lanes: `X, Y` in `[0, 2q)` to `X + Y`, `W (X - Y)` in `[0, 2q)`.
    @inlinable @inline(__always)
    static func inverseButterfly(
        _ x: Lanes, _ y: Lanes, w: Lanes, wShoup: Lanes, q: Lanes, twoQ: Lanes
    ) -> (Lanes, Lanes) {
        let sum = x &+ y
        return (subtractIfAtLeast(sum, twoQ), multiplyShoupLazy(x &+ twoQ &- y, by: w, shoup: wShoup, modulus: q))
    }

    /// The inverse stages with strides 1, 2 and 4 on sixteen words at a time, in registers (the
    /// mirror of ``forwardSmallStages(_:degree:powers:shoups:modulus:)``; until session 43 the
    /// scalar `inverseFirstStage` and loop): the same butterflies, so the same words, values in
    /// `[0, 2q)`.
    ///
    /// - Parameters:
    ///   - base: `N` words in `[0, 2q)`.
    ///   - degree: `N`, a multiple of 16.
    ///   - powers: the plan's `psi^-bitReverse(k)` table.
    ///   - shoups: their Shoup companions.
    ///   - modulus: `q`, below `2^62`.
    @inlinable
    static func inverseSmallStages(
        _ base: UnsafeMutablePointer<UInt64>, degree n: Int, powers: UnsafePointer<UInt64>,
        shoups: UnsafePointer<UInt64>, modulus: UInt64
    ) {
        let q = Lanes(repeating: modulus)
        let twoQ = Lanes(repeating: modulus &<< 1)
        let groups1 = n >> 1
        let groups2 = n >> 2
        let groups4 = n >> 3
        var block = 0
        while block < n >> 4 {
            let pointer = UnsafeMutableRawPointer(base + 16 &* block)
            let a = pointer.loadUnaligned(as: Lanes.self)
            let b = pointer.loadUnaligned(fromByteOffset: 64, as: Lanes.self)
            // Stride 1: even positions against odd ones; groups 8 block + 0...7.
            var x = Lanes(a[0], a[2], a[4], a[6], b[0], b[2], b[4], b[6])
            var y = Lanes(a[1], a[3], a[5], a[7], b[1], b[3], b[5], b[7])
            let g1 = groups1 &+ 8 &* block
            var w = UnsafeRawPointer(powers + g1).loadUnaligned(as: Lanes.self)
            var wShoup = UnsafeRawPointer(shoups + g1).loadUnaligned(as: Lanes.self)
            (x, y) = inverseButterfly(x, y, w: w, wShoup: wShoup, q: q, twoQ: twoQ)
            // Stride 2: x holds positions [0,2,4,...,14], y [1,3,...,15]; first inputs
            // [0,1,4,5,8,9,12,13], second [2,3,6,7,10,11,14,15]; groups 4 block + 0...3.
            var x2 = Lanes(x[0], y[0], x[2], y[2], x[4], y[4], x[6], y[6])
            var y2 = Lanes(x[1], y[1], x[3], y[3], x[5], y[5], x[7], y[7])
            let g2 = groups2 &+ 4 &* block
            w = twoEach(powers, at: g2)
            wShoup = twoEach(shoups, at: g2)
            (x2, y2) = inverseButterfly(x2, y2, w: w, wShoup: wShoup, q: q, twoQ: twoQ)
            // Stride 4: first inputs [0-3, 8-11], second [4-7, 12-15]; groups 2 block, 2 block + 1.
            var x4 = Lanes(x2[0], x2[1], y2[0], y2[1], x2[4], x2[5], y2[4], y2[5])
            var y4 = Lanes(x2[2], x2[3], y2[2], y2[3], x2[6], x2[7], y2[6], y2[7])
            let g4 = groups4 &+ 2 &* block
            w = fourEach(powers, at: g4)
            wShoup = fourEach(shoups, at: g4)
            (x4, y4) = inverseButterfly(x4, y4, w: w, wShoup: wShoup, q: q, twoQ: twoQ)
            pointer.storeBytes(of: Lanes(x4[0], x4[1], x4[2], x4[3], y4[0], y4[1], y4[2], y4[3]), as: Lanes.self)
            pointer.storeBytes(
                of: Lanes(x4[4], x4[5], x4[6], x4[7], y4[4], y4[5], y4[6], y4[7]), toByteOffset: 64, as: Lanes.self)
            block &+= 1
        }
    }

    /// The inverse (Gentleman-Sande) stages with strides 8 up to `N/4`, in place (values in `[0, 2q)`).
    ///
    /// - Parameters:
    ///   - base: `N` words in `[0, 2q)` after the stages of strides 1, 2 and 4 (``inverseSmallStages(_:degree:powers:shoups:modulus:)``).
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
                    // `pointwiseMin` stays here: LLVM inlines it in the wide loops (one `vpminuq`).
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
            x.storeBytes(of: subtractIfAtLeast(sum, q), toByteOffset: offset, as: Lanes.self)
            y.storeBytes(of: subtractIfAtLeast(difference, q), toByteOffset: offset, as: Lanes.self)
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
            let reduced = subtractIfAtLeast(product, q)
            let sum = targets.loadUnaligned(fromByteOffset: offset, as: Lanes.self) &+ reduced
            targets.storeBytes(of: subtractIfAtLeast(sum, q), toByteOffset: offset, as: Lanes.self)
            offset &+= 64
        }
    }
}
