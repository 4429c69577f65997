/// Eight-lane (`SIMD8<UInt64>`) loops of ``RnsBasisExtension``, for 64-bit words when the
/// source ring runs the vector kernel (``NTTKernel/vector``, a `-DHEATFHE_VECTOR_NTT` build).
///
/// They use the NTT's lane arithmetic (``NTTVector64/multiplyShoupLazy(_:by:shoup:modulus:)``,
/// the high product from four `vpmuludq`) and compute exactly the words of the scalar loops:
/// every value is reduced with ``NTTVector64/subtractIfAtLeast(_:_:)`` (`x - c` exactly when
/// `x >= c`, for `x < 2c` and `c < 2^63`) or ``NTTVector64/addIfNegative(_:_:)`` (`r + c` for a
/// negative `r` in `(-c, c)`): the scalar mask, lane by lane, the same result as `min(x, x - c)`
/// (until session 43 written with the standard library's `pointwiseMin`, which the native build
/// compiled out of line here: a call per reduction).
enum RnsVector64 {
    /// Eight 64-bit lanes.
    typealias Lanes = SIMD8<UInt64>

    /// The number of coefficients per step; the degree must be a multiple.
    static var width: Int { 8 }

    /// The words of a 64-bit row seen as `UInt64` (the caller has checked `T == UInt64`).
    @inline(__always)
    static func words<T>(_ pointer: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<UInt64> {
        UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: UInt64.self)
    }

    /// The words of a read-only 64-bit row seen as `UInt64`.
    @inline(__always)
    static func readOnlyWords<T>(_ pointer: UnsafePointer<T>) -> UnsafePointer<UInt64> {
        UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt64.self)
    }

    @inline(__always)
    static func load(_ pointer: UnsafePointer<UInt64>) -> Lanes {
        UnsafeRawPointer(pointer).loadUnaligned(as: Lanes.self)
    }

    @inline(__always)
    static func store(_ value: Lanes, to pointer: UnsafeMutablePointer<UInt64>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Lanes.self)
    }

    /// `y[j] = x[j] * w mod q`, fully reduced, for `count` words (a multiple of 8).
    static func multiplyShoup(
        _ x: UnsafePointer<UInt64>, into y: UnsafeMutablePointer<UInt64>, count: Int, by w: UInt64, shoup: UInt64,
        modulus: UInt64
    ) {
        let q = Lanes(repeating: modulus)
        let factor = Lanes(repeating: w)
        let factorShoup = Lanes(repeating: shoup)
        var j = 0
        while j < count {
            let lazy = NTTVector64.multiplyShoupLazy(load(x + j), by: factor, shoup: factorShoup, modulus: q)
            store(NTTVector64.subtractIfAtLeast(lazy, q), to: y + j)
            j &+= width
        }
    }

    /// `row[j] = sum_i ys[i N + j] * factors[i] - v[j] * product mod p`, fully reduced: the
    /// third pass of ``RnsBasisExtension/extend(_:into:scratch:)`` for one target prime.
    ///
    /// The sum stays in `[0, 2p)` (lazy Shoup products in `[0, 2p)`, one conditional subtraction
    /// of `2p` per term; `4p < 2^64`), then one of `p`; `v < 2^64` is any word for Shoup.
    static func combine(
        _ ys: UnsafePointer<UInt64>, count: Int, degree n: Int, v: UnsafePointer<UInt64>,
        factors: UnsafePointer<UInt64>, factorsShoup: UnsafePointer<UInt64>, product: UInt64, productShoup: UInt64,
        modulus: UInt64, into row: UnsafeMutablePointer<UInt64>
    ) {
        let p = Lanes(repeating: modulus)
        let twoP = Lanes(repeating: modulus &<< 1)
        let correctionFactor = Lanes(repeating: product)
        let correctionShoup = Lanes(repeating: productShoup)
        var j = 0
        while j < n {
            var sum = Lanes(repeating: 0)
            for i in 0..<count {
                let term = NTTVector64.multiplyShoupLazy(
                    load(ys + (i &* n &+ j)), by: Lanes(repeating: factors[i]), shoup: Lanes(repeating: factorsShoup[i]),
                    modulus: p)
                let total = sum &+ term
                sum = NTTVector64.subtractIfAtLeast(total, twoP)
            }
            sum = NTTVector64.subtractIfAtLeast(sum, p)
            let lazy = NTTVector64.multiplyShoupLazy(load(v + j), by: correctionFactor, shoup: correctionShoup, modulus: p)
            let correction = NTTVector64.subtractIfAtLeast(lazy, p)
            let difference = sum &- correction
            store(NTTVector64.addIfNegative(difference, p), to: row + j)
            j &+= width
        }
    }

    /// `row[j] = row[j] + extra[j] * extraFactor + sum_i x[i N + j] * factors[i] mod p`, fully
    /// reduced, for `row[j]` in `[0, p)`: the second pass of `BfvTensoring.scaleDown` for one
    /// auxiliary prime (the lazy sum as in ``combine(_:count:degree:v:factors:factorsShoup:product:productShoup:modulus:into:)``).
    static func accumulate(
        _ x: UnsafePointer<UInt64>, count: Int, degree n: Int, extra: UnsafePointer<UInt64>,
        factors: UnsafePointer<UInt64>, factorsShoup: UnsafePointer<UInt64>, extraFactor: UInt64, extraShoup: UInt64,
        modulus: UInt64, into row: UnsafeMutablePointer<UInt64>
    ) {
        let p = Lanes(repeating: modulus)
        let twoP = Lanes(repeating: modulus &<< 1)
        let extraW = Lanes(repeating: extraFactor)
        let extraS = Lanes(repeating: extraShoup)
        var j = 0
        while j < n {
            var sum = NTTVector64.multiplyShoupLazy(load(extra + j), by: extraW, shoup: extraS, modulus: p)
            for i in 0..<count {
                let term = NTTVector64.multiplyShoupLazy(
                    load(x + (i &* n &+ j)), by: Lanes(repeating: factors[i]), shoup: Lanes(repeating: factorsShoup[i]),
                    modulus: p)
                let total = sum &+ term
                sum = NTTVector64.subtractIfAtLeast(total, twoP)
            }
            sum = NTTVector64.subtractIfAtLeast(sum, p)
            let total = load(UnsafePointer(row + j)) &+ sum
            store(NTTVector64.subtractIfAtLeast(total, p), to: row + j)
            j &+= width
        }
    }

    /// `v[j] = round(sum_i ys[i N + j] * inverses[i])` in double precision, or `UInt64.max`
    /// where the sum lies within `margin` of a half-integer: the second pass of
    /// ``RnsBasisExtension/extend(_:into:scratch:)``, the same operations in the same order as
    /// its scalar loop, in AVX-512 double lanes.
    ///
    /// The conversions are bit tricks, because the generic SIMD conversions of the standard
    /// library were not inlined (profile: `Double.significandWidth` and
    /// `SIMD8.init(_:rounding:)` calls): a word `y < 2^64` is `hi * 2^32 + lo`, and
    /// `(2^84 + hi * 2^32) - 2^84` plus `(2^52 + lo) - 2^52` (exponent bits or-ed into the halves)
    /// is `double(y)` with one rounding, as the hardware conversion; `round(s)` of a sum
    /// `0 <= s < 2^51` is `(s + 2^52) - 2^52`, and the low bits of `s + 2^52` are that integer.
    ///
    /// - Returns: the number of coefficients marked `UInt64.max`.
    static func roundedQuotients(
        _ ys: UnsafePointer<UInt64>, count: Int, degree n: Int, inverses: UnsafePointer<Double>, margin: Double,
        into v: UnsafeMutablePointer<UInt64>
    ) -> Int {
        let limit = SIMD8<Double>(repeating: 0.5 - margin)
        let negativeLimit = SIMD8<Double>(repeating: -(0.5 - margin))
        let lowMask = Lanes(repeating: 0xffff_ffff)
        let lowExponent = Lanes(repeating: 0x4330_0000_0000_0000)  // 2^52
        let highExponent = Lanes(repeating: 0x4530_0000_0000_0000)  // 2^84
        let twoTo52 = SIMD8<Double>(repeating: 0x1p52)
        let highOffset = SIMD8<Double>(repeating: 0x1p84 + 0x1p52)
        var marked = 0
        var j = 0
        while j < n {
            var sum = SIMD8<Double>(repeating: 0)
            for i in 0..<count {
                let y = load(ys + (i &* n &+ j))
                let low = unsafeBitCast((y & lowMask) | lowExponent, to: SIMD8<Double>.self)
                let high = unsafeBitCast((y &>> 32) | highExponent, to: SIMD8<Double>.self)
                let value = (high - highOffset) + low
                sum += value * SIMD8<Double>(repeating: inverses[i])
            }
            let biased = sum + twoTo52
            let rounded = biased - twoTo52
            let distance = sum - rounded
            let near = (distance .> limit) .| (distance .< negativeLimit)
            var quotient = unsafeBitCast(biased, to: Lanes.self) &- lowExponent
            if any(near) {
                quotient.replace(with: .max, where: near)
                for lane in 0..<width where near[lane] { marked &+= 1 }
            }
            store(quotient, to: v + j)
            j &+= width
        }
        return marked
    }

    /// `out[c] = x[c] * y[c] * 2^-64 mod q` (or that plus `out[c]`, mod q, when `adding`), fully
    /// reduced, for `x[c], y[c] < q < 2^62` and `count` words: Montgomery's reduction (Montgomery
    /// 1985) of the 128-bit product `T`: with `m = (T mod 2^64) q^-1 mod 2^64`, `T - m q` has a zero
    /// low word, so `high(T) - high(m q)` is `T 2^-64 mod q` in `(-q, q)`, and
    /// ``NTTVector64/addIfNegative(_:_:)`` brings it to `[0, q)` (adds `q` exactly when `r` is negative).
    static func montgomeryMultiply(
        _ x: UnsafePointer<UInt64>, _ y: UnsafePointer<UInt64>, into out: UnsafeMutablePointer<UInt64>, adding: Bool,
        count: Int, qInverse: UInt64, modulus: UInt64
    ) {
        // The [0, q) precondition (review s39 LOW 4), checked in debug builds.
        assert((0..<count).allSatisfy { x[$0] < modulus && y[$0] < modulus }, "Montgomery factors must be below q")
        let q = Lanes(repeating: modulus)
        let inverse = Lanes(repeating: qInverse)
        var c = 0
        while c < count {
            let a = load(x + c)
            let b = load(y + c)
            let m = (a &* b) &* inverse
            let r = NTTVector64.multiplyHigh(a, b) &- NTTVector64.multiplyHigh(m, q)
            var product = NTTVector64.addIfNegative(r, q)
            if adding {
                let sum = load(UnsafePointer(out + c)) &+ product
                product = NTTVector64.subtractIfAtLeast(sum, q)
            }
            store(product, to: out + c)
            c &+= width
        }
    }
    /// `out[j] = (x[j] - [r[j]]_centred) * p^-1 mod q`, fully reduced, for `count` words (a
    /// multiple of 8): one row of ``BfvKeySwitchingKey/dividingByLastModulus(_:moduli:to:)``
    /// (`round(x / p)` by the prime `p` divided out, key switching's special prime or the prime a
    /// modulus switch drops), with the same words as its scalar loop.
    ///
    /// `r[j] < p` is the residue modulo `p`; its centred value (`r - p` when `r > (p - 1) / 2`)
    /// is reduced modulo `q` by a lazy Shoup product with 1 (any word, result in `[0, 2q)`), one
    /// conditional subtraction, and the subtraction of `p mod q` where `r` is above half; `x[j]` is in `[0, q)`.
    ///
    /// - Parameters:
    ///   - x: the row's residues modulo `q`, in `[0, q)`.
    ///   - r: the residues modulo `p`.
    ///   - out: the result row (may be `x`).
    ///   - half: `(p - 1) / 2`.
    ///   - lastReduced: `p mod q`.
    ///   - inverse: `p^-1 mod q`, with its Shoup companion `inverseShoup`.
    ///   - oneShoup: `floor(2^64 / q)`, the Shoup companion of 1.
    ///   - modulus: `q`, below `2^62`.
    static func divideByLast(
        _ x: UnsafePointer<UInt64>, _ r: UnsafePointer<UInt64>, into out: UnsafeMutablePointer<UInt64>, count: Int,
        half: UInt64, lastReduced: UInt64, inverse: UInt64, inverseShoup: UInt64, oneShoup: UInt64, modulus: UInt64
    ) {
        let q = Lanes(repeating: modulus)
        let halfP = Lanes(repeating: half)
        let last = Lanes(repeating: lastReduced)
        let zero = Lanes(repeating: 0)
        let one = Lanes(repeating: 1)
        let oneS = Lanes(repeating: oneShoup)
        let w = Lanes(repeating: inverse)
        let wShoup = Lanes(repeating: inverseShoup)
        var j = 0
        while j < count {
            let residue = load(r + j)
            let lazy = NTTVector64.multiplyShoupLazy(residue, by: one, shoup: oneS, modulus: q)
            let reduced = NTTVector64.subtractIfAtLeast(lazy, q)
            // The centred residue: minus p (mod q) where r > half (then half - r wraps, its
            // top bit set: spread into a mask, as `Modulus.subtractIfAtLeastModulus`).
            let above = zero &- ((halfP &- residue) &>> 63)
            let shifted = reduced &- (last & above)
            let centred = NTTVector64.addIfNegative(shifted, q)
            let difference = load(x + j) &- centred
            let fullDifference = NTTVector64.addIfNegative(difference, q)
            let product = NTTVector64.multiplyShoupLazy(fullDifference, by: w, shoup: wShoup, modulus: q)
            store(NTTVector64.subtractIfAtLeast(product, q), to: out + j)
            j &+= width
        }
    }
}
