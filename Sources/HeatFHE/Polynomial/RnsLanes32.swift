/// Row-by-row loops of the 32-bit RNS kernels (``RnsBasisExtension`` and `BfvTensoring` on
/// `UInt32` residues, moduli below 2^30), written so that LLVM vectorizes them in every build.
///
/// The scalar loops of those kernels walk one coefficient at a time across the residue rows
/// (`x[i * N + j]` for `i` in `0..<L` inside a loop over `j`): an inner loop with a run-time trip
/// count and a stride of `N`, which LLVM does not vectorize. Here every loop runs along one
/// contiguous row (`j` innermost) and keeps its partial results in a row or a small tile, and
/// every product is plain 64-bit lane arithmetic on zero-extended 32-bit words (`vpmuludq`), so
/// the portable build runs them on SSE registers and the native build on AVX-512 ones
/// (`objdump -d` of the native runner: `vpmuludq`, `vpminud`, `vcvtdq2pd` on `zmm` registers).
///
/// Every function computes exactly the words of the scalar loop it replaces: the results are fully
/// reduced residues (unique in `[0, p)`), lazy intermediate values in `[0, 2p)` are reduced with
/// `min(x, x - c)` (the wrapped difference is larger than `x` exactly when `x < c`, for any
/// `c < 2^32` and `x < min(2c, 2^32)`; the lazy sums use `c = 2p` with `4p < 2^32`), and the one
/// floating-point sum adds its terms in the scalar loop's order.
enum RnsLanes32 {
    /// The number of coefficients of one tile of the tiled loops (their partial sums stay in L1).
    static var tile: Int { 256 }

    /// The words of a 32-bit row seen as `UInt32` (the caller has checked `T == UInt32`).
    @inline(__always)
    static func words<T>(_ pointer: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<UInt32> {
        UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: UInt32.self)
    }

    /// The words of a read-only 32-bit row seen as `UInt32`.
    @inline(__always)
    static func readOnlyWords<T>(_ pointer: UnsafePointer<T>) -> UnsafePointer<UInt32> {
        UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt32.self)
    }

    /// `x * w mod q` in `[0, 2q)` by Shoup's method (``Modulus/multiplyShoupLazy(_:by:shoup:)``
    /// for `UInt32`), the high product from one 64-bit lane product.
    @inline(__always)
    static func multiplyShoupLazy(_ x: UInt32, by w: UInt32, shoup: UInt32, modulus q: UInt32) -> UInt32 {
        let quotient = UInt32(truncatingIfNeeded: (UInt64(x) &* UInt64(shoup)) &>> 32)
        return x &* w &- quotient &* q
    }

    /// `x - c` when `x >= c`, else `x`, for `c < 2^32` and `x < min(2c, 2^32)`.
    @inline(__always)
    static func reduceOnce(_ x: UInt32, _ c: UInt32) -> UInt32 {
        Swift.min(x, x &- c)
    }

    /// `y[j] = x[j] * w mod q`, fully reduced, for `count` words (may be in place).
    ///
    /// - Parameters:
    ///   - x: any words.
    ///   - y: the results.
    ///   - count: the number of words.
    ///   - w: the constant, below `q`.
    ///   - shoup: its Shoup companion `floor(w 2^32 / q)`.
    ///   - modulus: `q`, below `2^30`.
    static func multiplyShoup(
        _ x: UnsafePointer<UInt32>, into y: UnsafeMutablePointer<UInt32>, count: Int, by w: UInt32, shoup: UInt32,
        modulus: UInt32
    ) {
        for j in 0..<count {
            y[j] = reduceOnce(multiplyShoupLazy(x[j], by: w, shoup: shoup, modulus: modulus), modulus)
        }
    }

    /// `v[j] = round(sum_i ys[i N + j] * inverses[i])` in double precision, or `UInt32.max` where
    /// the sum lies within `margin` of a half-integer: the second pass of
    /// ``RnsBasisExtension/extend(_:into:scratch:)`` on 32-bit words, the same operations in the
    /// same order as its scalar loop (the sum of each coefficient starts with the first term and
    /// adds the others in the order of `i`), accumulated one row at a time in a tile of doubles.
    ///
    /// `round(s)` of a sum `0 <= s < 2^51` is `(s + 2^52) - 2^52`, and the low bits of `s + 2^52`
    /// are that integer; every `y < 2^31` converts exactly as a signed 32-bit word.
    ///
    /// - Returns: the number of coefficients marked `UInt32.max`.
    static func roundedQuotients(
        _ ys: UnsafePointer<UInt32>, count: Int, degree n: Int, inverses: UnsafePointer<Double>, margin: Double,
        into v: UnsafeMutablePointer<UInt32>
    ) -> Int {
        let limit = 0.5 - margin
        var marked = 0
        withUnsafeTemporaryAllocation(of: Double.self, capacity: tile) { buffer in
            let sums = buffer.baseAddress.unsafelyUnwrapped
            var start = 0
            while start < n {
                let width = Swift.min(tile, n &- start)
                let first = ys + start
                let inverse0 = inverses[0]
                for j in 0..<width { sums[j] = Double(Int32(bitPattern: first[j])) * inverse0 }
                for i in 1..<Swift.max(count, 1) {
                    let row = ys + (i &* n &+ start)
                    let inverse = inverses[i]
                    for j in 0..<width { sums[j] += Double(Int32(bitPattern: row[j])) * inverse }
                }
                let out = v + start
                for j in 0..<width {
                    let sum = sums[j]
                    let biased = sum + 0x1p52
                    let distance = sum - (biased - 0x1p52)
                    let near = distance.magnitude > limit
                    marked &+= near ? 1 : 0
                    let quotient = UInt32(truncatingIfNeeded: biased.bitPattern &- 0x4330_0000_0000_0000)
                    out[j] = near ? UInt32.max : quotient
                }
                start &+= width
            }
        }
        return marked
    }

    /// `row[j] = sum_i ys[i N + j] * factors[i] - v[j] * product mod p`, fully reduced: the third
    /// pass of ``RnsBasisExtension/extend(_:into:scratch:)`` for one target prime, one source row
    /// at a time (the lazy sum kept in `row`, in `[0, 2p)`).
    static func combine(
        _ ys: UnsafePointer<UInt32>, count: Int, degree n: Int, v: UnsafePointer<UInt32>,
        factors: UnsafePointer<UInt32>, factorsShoup: UnsafePointer<UInt32>, product: UInt32, productShoup: UInt32,
        modulus p: UInt32, into row: UnsafeMutablePointer<UInt32>
    ) {
        let twoP = p &<< 1
        let factor0 = factors[0]
        let shoup0 = factorsShoup[0]
        for j in 0..<n { row[j] = multiplyShoupLazy(ys[j], by: factor0, shoup: shoup0, modulus: p) }
        for i in 1..<Swift.max(count, 1) {
            let y = ys + i &* n
            let factor = factors[i]
            let shoup = factorsShoup[i]
            for j in 0..<n { row[j] = reduceOnce(row[j] &+ multiplyShoupLazy(y[j], by: factor, shoup: shoup, modulus: p), twoP) }
        }
        for j in 0..<n {
            let sum = reduceOnce(row[j], p)
            let correction = reduceOnce(multiplyShoupLazy(v[j], by: product, shoup: productShoup, modulus: p), p)
            let difference = sum &- correction
            row[j] = Swift.min(difference, difference &+ p)
        }
    }

    /// `row[j] = row[j] + extra[j] * extraFactor + sum_i x[i N + j] * factors[i] mod p`, fully
    /// reduced, for `row[j]` in `[0, p)`: the second pass of `BfvTensoring.scaleDown` for one
    /// auxiliary prime, one source row at a time (`row` holds the lazy sum in `[0, 2p)` meanwhile).
    static func accumulate(
        _ x: UnsafePointer<UInt32>, count: Int, degree n: Int, extra: UnsafePointer<UInt32>,
        factors: UnsafePointer<UInt32>, factorsShoup: UnsafePointer<UInt32>, extraFactor: UInt32, extraShoup: UInt32,
        modulus p: UInt32, into row: UnsafeMutablePointer<UInt32>
    ) {
        let twoP = p &<< 1
        for j in 0..<n {
            row[j] = reduceOnce(row[j] &+ multiplyShoupLazy(extra[j], by: extraFactor, shoup: extraShoup, modulus: p), twoP)
        }
        for i in 0..<count {
            let y = x + i &* n
            let factor = factors[i]
            let shoup = factorsShoup[i]
            for j in 0..<n { row[j] = reduceOnce(row[j] &+ multiplyShoupLazy(y[j], by: factor, shoup: shoup, modulus: p), twoP) }
        }
        for j in 0..<n { row[j] = reduceOnce(row[j], p) }
    }

    /// The fixed-point fractions of `BfvTensoring.scaleDown`'s first pass as four 32-bit limbs per
    /// source prime, and the bound under which ``roundedFractions(_:count:degree:limbs:moduli:into:)``
    /// applies.
    struct FractionLimbs: Sendable {
        /// `limbs[4 i + l]`: bits `32 l ..< 32 (l + 1)` of `floor(frac_i 2^128)`.
        let limbs: WordTable<UInt64>
        /// Whether every column sum fits a 64-bit lane: `L (q_max - 1) < 2^32 - 1`.
        let fits: Bool

        /// Splits the fractions `high * 2^64 + low` of the `L` source primes.
        init(high: [UInt64], low: [UInt64], moduli: [UInt64]) {
            var limbs: [UInt64] = []
            for (h, l) in zip(high, low) {
                limbs += [l & 0xffff_ffff, l >> 32, h & 0xffff_ffff, h >> 32]
            }
            self.limbs = WordTable(limbs)
            let largest = moduli.max() ?? 0
            self.fits = largest > 0 && UInt64(moduli.count) * (largest - 1) < UInt64(UInt32.max)
        }
    }

    /// The first pass of `BfvTensoring.scaleDown` on 32-bit words: per coefficient the integer
    /// `floor((sum_i x_i floor(frac_i 2^128) + 2^127) / 2^128)` (the rounded fixed-point sum), reduced
    /// modulo each auxiliary prime into `out[k N + j]`.
    ///
    /// The 128-bit products of the scalar loop become four column sums per coefficient,
    /// `c_l = sum_i x_i f_(i,l)` over the 32-bit limbs `f_(i,l)` of the fractions (each product
    /// below `2^62`, each column below `2^64` under ``FractionLimbs/fits``), accumulated one row at
    /// a time in a tile; the carries then run from the lowest column up, `w = (c_l + w) >> 32`, and
    /// the integer is `(c_3 + w + 2^31) >> 32`: the same integer as the 256-bit sum, exactly.
    /// It is below `L q_max + 1 <= 2^32`, and its residues come from one-word Barrett reduction
    /// (``NarrowProduct``'s estimate).
    ///
    /// - Parameters:
    ///   - x: the `L` rows of residues below `q_i` (`x[i N + j]`).
    ///   - count: `L`.
    ///   - n: `N`, a multiple of ``tile`` or below it.
    ///   - limbs: the fractions' limbs, with ``FractionLimbs/fits`` true.
    ///   - moduli: the auxiliary primes, below `2^30`.
    ///   - out: `K N` words.
    static func roundedFractions(
        _ x: UnsafePointer<UInt32>, count: Int, degree n: Int, limbs: UnsafePointer<UInt64>, moduli: [UInt32],
        into out: UnsafeMutablePointer<UInt32>
    ) {
        let reducers = moduli.map(NarrowReducer.init)
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 5 &* tile) { buffer in
            let c0 = buffer.baseAddress.unsafelyUnwrapped
            let c1 = c0 + tile
            let c2 = c1 + tile
            let c3 = c2 + tile
            let integers = c3 + tile
            var start = 0
            while start < n {
                let width = Swift.min(tile, n &- start)
                for i in 0..<count {
                    let row = x + (i &* n &+ start)
                    let f0 = limbs[4 &* i]
                    let f1 = limbs[4 &* i &+ 1]
                    let f2 = limbs[4 &* i &+ 2]
                    let f3 = limbs[4 &* i &+ 3]
                    if i == 0 {
                        for j in 0..<width {
                            let value = UInt64(row[j])
                            c0[j] = value &* f0
                            c1[j] = value &* f1
                            c2[j] = value &* f2
                            c3[j] = value &* f3
                        }
                    } else {
                        for j in 0..<width {
                            let value = UInt64(row[j])
                            c0[j] &+= value &* f0
                            c1[j] &+= value &* f1
                            c2[j] &+= value &* f2
                            c3[j] &+= value &* f3
                        }
                    }
                }
                for j in 0..<width {
                    var carry = c0[j] &>> 32
                    carry = (c1[j] &+ carry) &>> 32
                    carry = (c2[j] &+ carry) &>> 32
                    integers[j] = (c3[j] &+ carry &+ (1 &<< 31)) &>> 32
                }
                for (k, reducer) in reducers.enumerated() {
                    let target = out + (k &* n &+ start)
                    for j in 0..<width { target[j] = reducer.reduce(integers[j]) }
                }
                start &+= width
            }
        }
    }

    /// One-word Barrett reduction modulo a prime below `2^30` of any value below `2^(2b)` (`b` the
    /// prime's bit width; HAC 14.42 with base 2): `((x >> (b - 1)) * mu) >> (b + 1)` with
    /// `mu = floor(2^(2b) / q)` is at most two below `floor(x / q)`, and every intermediate fits in
    /// 64 bits. ``NarrowProduct`` and the 32-bit `scaleDown` use it.
    struct NarrowReducer {
        let modulus: UInt64
        let mu: UInt64
        let down: UInt64
        let up: UInt64

        init(_ modulus: UInt32) {
            let q = UInt64(modulus)
            let bits = UInt64(64 - q.leadingZeroBitCount)
            self.modulus = q
            self.mu = (UInt64(1) &<< (2 &* bits)) / q
            self.down = bits &- 1
            self.up = bits &+ 1
        }

        /// `x mod q` for `x < 2^(2b)`.
        @inline(__always)
        func reduce(_ x: UInt64) -> UInt32 {
            let estimate = ((x &>> down) &* mu) &>> up
            let r = x &- estimate &* modulus
            let once = Swift.min(r, r &- modulus)
            return UInt32(truncatingIfNeeded: Swift.min(once, once &- modulus))
        }
    }
}

extension NarrowProduct {
    /// `out[j] = out[j] + a[j] * b[j] mod q` for residues `out[j], a[j], b[j] < q`: the
    /// accumulating tensor product (the same words as ``Modulus/add(_:_:)`` of
    /// ``Modulus/multiply(_:_:)``).
    ///
    /// - Parameters:
    ///   - a: `count` residues below `q`.
    ///   - b: `count` residues below `q`.
    ///   - out: `count` residues below `q`, updated.
    ///   - count: the number of words.
    ///   - modulus: `q`, odd, below `2^30`.
    static func multiplyAdding(
        _ a: UnsafePointer<UInt32>, _ b: UnsafePointer<UInt32>, into out: UnsafeMutablePointer<UInt32>, count: Int,
        modulus: UInt32
    ) {
        assert(modulus < 1 << 30 && modulus & 1 == 1, "NarrowProduct needs an odd modulus below 2^30")
        let reducer = RnsLanes32.NarrowReducer(modulus)
        for j in 0..<count {
            let sum = out[j] &+ reducer.reduce(UInt64(a[j]) &* UInt64(b[j]))
            out[j] = Swift.min(sum, sum &- modulus)
        }
    }
}
