/// A word-size modulus `q` with the precomputation for fast reduction.
///
/// Two classic techniques are precomputed once per modulus:
/// - **Barrett reduction** (Barrett 1986, in the two-word form of SEAL's `barrett_reduce_128`):
///   `ratio = floor(2^(2w) / q)` as two words lets ``reduceProduct(_:)`` reduce any double-word
///   value `x < 2^(2w)` to `[0, q)` with three multiplications and one conditional subtraction,
///   and the one-word ratio `floor(2^w / q)` reduces any single word.
/// - **Shoup multiplication** (Shoup, NTL; Harvey 2014): for a constant `w < q`,
///   `w' = floor(w * 2^w / q)` turns `x * w mod q` into two multiplications
///   (``multiplyShoupLazy(_:by:shoup:)``).
///
/// `q` must be odd, at least 2 and below `2^T.maxModulusBits` (2^30 for `UInt32`, 2^62 for `UInt64`).
///
/// ```swift
/// let q = try Modulus<UInt64>(0x3fff_ffff_000c_0001)
/// let product = q.multiply(q.value - 1, q.value - 1)   // 1
/// ```
public struct Modulus<T: ScalarType>: Sendable, Hashable {
    /// The modulus `q`.
    public let value: T
    /// The number of bits of `q`.
    public let bitWidth: Int
    /// `floor(2^(2w) / q)`, low word (`w` = `T.bitWidth`).
    @usableFromInline let barrettLow: T
    /// `floor(2^(2w) / q)`, high word.
    @usableFromInline let barrettHigh: T
    /// `floor(2^w / q)`, for reducing a single word.
    @usableFromInline let barrettWord: T

    /// Creates a modulus and its Barrett precomputation.
    ///
    /// - Parameter value: `q`, odd, in `3 ..< 2^T.maxModulusBits`.
    /// - Throws: ``FHEError/invalidModulus(_:reason:)`` otherwise.
    public init(_ value: T) throws(FHEError) {
        guard value >= 3, value & 1 == 1 else {
            throw .invalidModulus(UInt64(value), reason: "a modulus must be odd and at least 3")
        }
        guard value.leadingZeroBitCount >= T.bitWidth - T.maxModulusBits else {
            throw .invalidModulus(
                UInt64(value), reason: "a \(T.bitWidth)-bit scalar holds moduli below 2^\(T.maxModulusBits)")
        }
        self.value = value
        self.bitWidth = T.bitWidth - value.leadingZeroBitCount
        // floor(2^(2w) / q): since q > 2^w is false, divide in two steps with dividingFullWidth.
        // 2^(2w) = (2^w - 1) * 2^w + 2^w, so compute floor((2^(2w) - 1) / q), exact because q is odd.
        let high = T.max / value  // floor((2^w - 1) / q)
        let highRemainder = T.max - high * value
        let low = value.dividingFullWidth((high: highRemainder, low: T.max)).quotient
        self.barrettHigh = high
        self.barrettLow = low
        self.barrettWord = T.max / value
    }

    /// Reduces a double-word value `x = high * 2^w + low` (any value below 2^(2w)) to `[0, q)`.
    ///
    /// Barrett reduction with the two-word ratio; the estimated quotient is at most two below the
    /// true one, so two conditional subtractions finish (the remainder before them is below
    /// `3q < 2^w`, which the spare top bits of every modulus guarantee).
    ///
    /// - Parameter x: the double-word input.
    /// - Returns: `x mod q`.
    @inlinable
    public func reduceProduct(_ x: (high: T, low: T)) -> T {
        let carry0 = x.low.multipliedFullWidth(by: barrettLow).high
        let product1 = x.low.multipliedFullWidth(by: barrettHigh)
        let (sum1, overflow1) = product1.low.addingReportingOverflow(carry0)
        let tmp3 = product1.high &+ (overflow1 ? 1 : 0)
        let product2 = x.high.multipliedFullWidth(by: barrettLow)
        let (_, overflow2) = sum1.addingReportingOverflow(product2.low)
        let carry = product2.high &+ (overflow2 ? 1 : 0)
        let quotient = x.high &* barrettHigh &+ tmp3 &+ carry
        let remainder = x.low &- quotient &* value
        return subtractIfAtLeastModulus(subtractIfAtLeastModulus(remainder))
    }

    /// `x - q` when `x >= q`, else `x`, for `x < 2q`, with a mask instead of a branch or a
    /// select the compiler might turn into one (constant time in `x`: secrets pass through here).
    ///
    /// Since every modulus leaves the top two bits of the word free, `x - q` wraps to a value with
    /// the top bit set exactly when `x < q`; that bit, spread into a mask, adds `q` back.
    ///
    /// - Parameter x: a value in `[0, 2q)`.
    /// - Returns: `x mod q`.
    @inlinable
    public func subtractIfAtLeastModulus(_ x: T) -> T {
        let difference = x &- value
        return difference &+ (value & (0 &- (difference &>> (T.bitWidth &- 1))))
    }

    /// Reduces one word (any value) to `[0, q)` with the one-word Barrett ratio.
    ///
    /// - Parameter x: the input.
    /// - Returns: `x mod q`.
    @inlinable
    public func reduce(_ x: T) -> T {
        let quotient = x.multipliedFullWidth(by: barrettWord).high
        let remainder = x &- quotient &* value
        return subtractIfAtLeastModulus(remainder)
    }

    /// `a * b mod q` for any words `a`, `b` (Barrett on the full product).
    ///
    /// - Parameters:
    ///   - a: the first factor.
    ///   - b: the second factor.
    /// - Returns: the product in `[0, q)`.
    @inlinable
    public func multiply(_ a: T, _ b: T) -> T {
        let product = a.multipliedFullWidth(by: b)
        return reduceProduct((high: product.high, low: product.low))
    }

    /// `a + b mod q` for `a, b` in `[0, q)`.
    ///
    /// - Parameters:
    ///   - a: a residue.
    ///   - b: a residue.
    /// - Returns: the sum in `[0, q)`.
    @inlinable
    public func add(_ a: T, _ b: T) -> T {
        subtractIfAtLeastModulus(a &+ b)
    }

    /// `a - b mod q` for `a, b` in `[0, q)`.
    ///
    /// - Parameters:
    ///   - a: a residue.
    ///   - b: a residue.
    /// - Returns: the difference in `[0, q)`.
    @inlinable
    public func subtract(_ a: T, _ b: T) -> T {
        let difference = a &- b
        return difference &+ (value & (0 &- (difference &>> (T.bitWidth &- 1))))
    }

    /// `-a mod q` for `a` in `[0, q)`.
    ///
    /// - Parameter a: a residue.
    /// - Returns: the negation in `[0, q)`.
    @inlinable
    public func negate(_ a: T) -> T {
        // Mask-based: all ones when a != 0 (the top bit of a | -a), zero when a == 0.
        let nonzero = 0 &- ((a | (0 &- a)) &>> (T.bitWidth &- 1))
        return (value &- a) & nonzero
    }

    /// The Shoup companion `floor(w * 2^w / q)` of a constant `w` in `[0, q)`.
    ///
    /// - Parameter w: the constant multiplier, below `q`.
    /// - Returns: the precomputed companion for ``multiplyShoup(_:by:shoup:)``.
    @inlinable
    public func shoup(_ w: T) -> T {
        value.dividingFullWidth((high: w, low: 0)).quotient
    }

    /// `x * w mod q` in the lazy range `[0, 2q)` using Shoup's precomputed `w'`.
    ///
    /// Valid for any word `x` and `w < q`: the estimated quotient `floor(x * w' / 2^w)` is at most
    /// one below the true one (Harvey 2014, lemma 2).
    ///
    /// - Parameters:
    ///   - x: any word.
    ///   - w: the constant, in `[0, q)`.
    ///   - shoup: ``shoup(_:)`` of `w`.
    /// - Returns: a value congruent to `x * w` in `[0, 2q)`.
    @inlinable
    public func multiplyShoupLazy(_ x: T, by w: T, shoup: T) -> T {
        let quotient = x.multipliedFullWidth(by: shoup).high
        return x &* w &- quotient &* value
    }

    /// `x * w mod q` in `[0, q)` using Shoup's precomputed `w'`.
    ///
    /// - Parameters:
    ///   - x: any word.
    ///   - w: the constant, in `[0, q)`.
    ///   - shoup: ``shoup(_:)`` of `w`.
    /// - Returns: the product in `[0, q)`.
    @inlinable
    public func multiplyShoup(_ x: T, by w: T, shoup: T) -> T {
        subtractIfAtLeastModulus(multiplyShoupLazy(x, by: w, shoup: shoup))
    }

    /// `base^exponent mod q` by square-and-multiply.
    ///
    /// - Parameters:
    ///   - base: any word.
    ///   - exponent: the exponent.
    /// - Returns: the power in `[0, q)` (`1` for exponent 0).
    public func power(_ base: T, _ exponent: UInt64) -> T {
        var result: T = 1
        var square = reduce(base)
        var remaining = exponent
        while remaining > 0 {
            if remaining & 1 == 1 { result = multiply(result, square) }
            square = multiply(square, square)
            remaining >>= 1
        }
        return result
    }

    /// The inverse of `a` modulo the (prime) modulus, by Fermat's little theorem.
    ///
    /// - Parameter a: a non-zero residue modulo a prime `q`.
    /// - Returns: `a^(q-2) mod q`, or `nil` when `a = 0 mod q`.
    public func inverse(_ a: T) -> T? {
        let reduced = reduce(a)
        guard reduced != 0 else { return nil }
        return power(reduced, UInt64(value) - 2)
    }

    /// Maps a signed value into `[0, q)`.
    ///
    /// - Parameter x: any signed 64-bit value.
    /// - Returns: `x mod q`.
    @inlinable
    public func reduce(signed x: Int64) -> T {
        let q = UInt64(value)
        let small = x.magnitude
        if small < q {
            // The common case (secrets, errors, centred plaintexts): no division, and a mask
            // rather than a branch on the sign (the sign of a secret coefficient is secret).
            let negative = 0 &- (UInt64(bitPattern: x) &>> 63)
            let lifted = (small & ~negative) | ((q &- small) & negative)
            return T(truncatingIfNeeded: lifted)
        }
        let magnitude = small % q
        let residue = x < 0 && magnitude != 0 ? q - magnitude : magnitude
        return T(residue)
    }

    /// Maps a small signed value, `|x| < q`, into `[0, q)` with a sign mask only (no branch, no
    /// division; vectorizable): ``reduce(signed:)`` for secrets and errors when every modulus
    /// exceeds their bound.
    ///
    /// - Parameter x: a signed value with `|x| < q`.
    /// - Returns: `x mod q`.
    @inlinable
    public func reduce(small x: Int64) -> T {
        T(truncatingIfNeeded: x &+ (Int64(truncatingIfNeeded: UInt64(value)) & (x &>> 63)))
    }

    /// The centred representative of a residue: in `(-q/2, q/2]`.
    ///
    /// - Parameter a: a residue in `[0, q)`.
    /// - Returns: `a` or `a - q`.
    @inlinable
    public func centered(_ a: T) -> Int64 {
        a > value >> 1 ? -Int64(value &- a) : Int64(a)
    }
}
