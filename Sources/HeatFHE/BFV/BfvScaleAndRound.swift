/// BFV decryption's scale-and-round `m = round(t * x / Q) mod t` computed from the RNS residues of
/// `x`, exact for every input and without branches on the data.
///
/// Algorithm (Halevi, Polyakov and Shoup, "An improved RNS variant of the BFV homomorphic
/// encryption scheme", CT-RSA 2019, section 3.2, with a fixed-point fraction instead of floating
/// point): with `Q_i = Q / q_i` and `y_i = [x_i * Q_i^-1]_(q_i)`, the CRT gives
/// `x = sum_i y_i * Q_i - v * Q` for an integer `v`, so `t * x / Q = sum_i y_i * t / q_i - v * t`
/// and, modulo `t`, `m = round(sum_i y_i * t / q_i) mod t`. Each `t / q_i < 1` is precomputed as
/// the `64W`-bit fixed-point fraction `theta_i = floor(t * 2^(64W) / q_i)`; per coefficient the
/// kernel accumulates `sum_i y_i * theta_i` in `W + 1` words (`L * W` word multiplications), adds
/// one half and reduces the integer part modulo `t` with Barrett's method.
///
/// Exactness without a fallback: each term is less than `y_i * 2^(-64W) < 2^(62 - 64W)` below its
/// true value, so the computed sum `V'` satisfies `V - L * 2^(62 - 64W) < V' <= V`. The fraction
/// of the true `V` is `a / Q` for an integer `a`, and `Q` is odd, so `V` is at least `1 / (2Q)`
/// away from every half-integer. ``fractionWords`` is chosen so that `64W >= 64 + bits(L) + bits(Q)`,
/// which makes the error smaller than `1 / (2Q)`: `floor(V' + 1/2) = floor(V + 1/2)` for *every*
/// `x`, including boundary-crafted ones, with no exact recomputation and no branch (carries are
/// added as 0/1 values, the final subtraction uses a mask). Requires every `q_i < 2^62` and
/// `t < q_i`, which ``BfvParameters`` validation guarantees.
///
/// ```swift
/// let rounder = BfvScaleAndRound(ring: context.ciphertextContext, plaintextModulus: 65537)
/// let m = rounder.scaleAndRound(phase)   // N residues modulo t
/// ```
struct BfvScaleAndRound<T: ScalarType>: Sendable {
    /// The ring of `x`.
    let ring: RnsContext<T>
    /// The plaintext modulus `t`.
    let plaintextModulus: UInt64
    /// `Q_i^-1 mod q_i` and its Shoup companion, per modulus.
    @usableFromInline let puncturedInverse: [T]
    @usableFromInline let puncturedInverseShoup: [T]
    /// The number `W` of 64-bit fraction words.
    let fractionWords: Int
    /// `floor(t * 2^(64W) / q_i)` as `W` words, most significant first, modulus after modulus.
    @usableFromInline let theta: [UInt64]
    /// `floor((2^64 - 1) / t)`, the Barrett factor for the final reduction modulo `t`.
    let barrettT: UInt64
    /// `floor(Q / 2)`, for the reference computation.
    let halfQ: BigInt
    /// Whether the fast kernel applies: `t` below every modulus (true for every valid BFV parameter
    /// set), at most ``maximumWords`` fraction words and ``maximumModuli`` moduli (every modulus
    /// product up to the 881 bits allowed at N=32768).
    let isApplicable: Bool

    /// Precomputes the constants.
    ///
    /// - Parameters:
    ///   - ring: the ciphertext ring (moduli below 2^62).
    ///   - plaintextModulus: `t`, below every modulus.
    init(ring: RnsContext<T>, plaintextModulus t: UInt64) {
        FHESpecialization.note(T.self, "BfvScaleAndRound.init")
        self.ring = ring
        self.plaintextModulus = t
        self.puncturedInverse = ring.puncturedInverse
        self.puncturedInverseShoup = zip(ring.moduli, ring.puncturedInverse).map { $0.shoup($1) }
        let countBits = Int.bitWidth - ring.count.leadingZeroBitCount
        let words = (64 + countBits + ring.modulusProduct.bitWidth + 63) / 64
        self.fractionWords = words
        var theta: [UInt64] = []
        for q in ring.moduliValues.map(UInt64.init) {
            // Long division of t * 2^(64W) by q, one word at a time (t < q, so each quotient fits).
            var remainder = t % q
            for _ in 0..<words {
                let step = q.dividingFullWidth((high: remainder, low: 0))
                theta.append(step.quotient)
                remainder = step.remainder
            }
        }
        self.theta = theta
        self.barrettT = UInt64.max / t
        self.halfQ = ring.modulusProduct / BigInt(2)
        self.isApplicable =
            ring.moduliValues.allSatisfy { UInt64($0) > t } && words <= Self.maximumWords && ring.count <= Self.maximumModuli
    }

    /// `round(t * x / Q) mod t` for every coefficient of `x`.
    ///
    /// Per coefficient, the `L * W` products `y_i * theta_(i,k)` are summed **by column**: the
    /// high word of a product lands in position `k`, its low word in position `k + 1`, and each
    /// position keeps a two-word sum (at most `2L` terms below `2^64` each, so no overflow for
    /// any `L` below `2^63`); one carry pass from the least significant position then gives
    /// exactly the words the sequential sum would give. With `W` a constant (``fractionWords``
    /// of every preset is 2 to 8, dispatched by value), the loops unroll and the sums stay in
    /// registers (issue 16, session 37: n8192 decryption's scale-and-round was 35% of `decrypt`,
    /// with the accumulator in memory and a carry chain per product).
    ///
    /// - Parameter x: a polynomial of ``ring`` in coefficient form (residues in `[0, q_i)`).
    /// - Returns: `N` values in `[0, t)`.
    func scaleAndRound(_ x: PolyRq<T, Coeff>) -> [T] {
        FHESpecialization.note(T.self, "BfvScaleAndRound.scaleAndRound")
        let n = ring.degree
        let count = ring.count
        let words = fractionWords
        precondition(
            count <= Self.maximumModuli && words <= Self.maximumWords,
            "at most \(Self.maximumModuli) moduli and \(Self.maximumWords) fraction words")
        var out = [T](repeating: 0, count: n)
        x.data.withUnsafeBufferPointer { data in
            theta.withUnsafeBufferPointer { theta in
                ring.moduli.withUnsafeBufferPointer { moduli in
                    puncturedInverse.withUnsafeBufferPointer { inverse in
                        puncturedInverseShoup.withUnsafeBufferPointer { inverseShoup in
                            out.withUnsafeMutableBufferPointer { result in
                                let kernel = Kernel(
                                    data: data.baseAddress.unsafelyUnwrapped, degree: n, count: count,
                                    moduli: moduli.baseAddress.unsafelyUnwrapped,
                                    inverse: inverse.baseAddress.unsafelyUnwrapped,
                                    inverseShoup: inverseShoup.baseAddress.unsafelyUnwrapped,
                                    theta: theta.baseAddress.unsafelyUnwrapped, t: plaintextModulus, barrett: barrettT)
                                // One copy of the loop per word count, so `words` is a constant in each.
                                switch words {
                                case 2: for j in 0..<n { result[j] = kernel.round(j, words: 2) }
                                case 3: for j in 0..<n { result[j] = kernel.round(j, words: 3) }
                                case 4: for j in 0..<n { result[j] = kernel.round(j, words: 4) }
                                case 5: for j in 0..<n { result[j] = kernel.round(j, words: 5) }
                                case 6: for j in 0..<n { result[j] = kernel.round(j, words: 6) }
                                case 7: for j in 0..<n { result[j] = kernel.round(j, words: 7) }
                                case 8: for j in 0..<n { result[j] = kernel.round(j, words: 8) }
                                default: for j in 0..<n { result[j] = kernel.round(j, words: words) }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// The largest fraction word count of the kernel (`W` of the 434-bit `n16384` preset is 8;
    /// `W = 15` would take a `Q` of about 890 bits, beyond every valid parameter set).
    static var maximumWords: Int { 15 }
    /// The most moduli the kernel accepts (the column sums would stay exact far beyond this).
    static var maximumModuli: Int { 64 }

    /// The per-coefficient kernel of ``scaleAndRound(_:)`` over raw pointers.
    struct Kernel {
        let data: UnsafePointer<T>
        let degree: Int
        let count: Int
        let moduli: UnsafePointer<Modulus<T>>
        let inverse: UnsafePointer<T>
        let inverseShoup: UnsafePointer<T>
        let theta: UnsafePointer<UInt64>
        let t: UInt64
        let barrett: UInt64

        /// `round(t * x_j / Q) mod t` for coefficient `j`, with `words` fraction words (at most
        /// ``BfvScaleAndRound/maximumWords``).
        @inline(__always)
        func round(_ j: Int, words: Int) -> T {
            // Position p (0 = the integer word, then fraction words, most significant first) as a
            // two-word column sum (low[p], high[p]).
            var low = InlineArray<16, UInt64>(repeating: 0)
            var high = InlineArray<16, UInt64>(repeating: 0)
            for i in 0..<count {
                let y = UInt64(
                    moduli[i].multiplyShoup(data[i * degree + j], by: inverse[i], shoup: inverseShoup[i]))
                let row = theta + i * words
                for k in 0..<words {
                    // theta word k has weight 2^(-64(k+1)): its high word lands at k, its low at k + 1.
                    let product = y.multipliedFullWidth(by: row[k])
                    let (upper, upperCarry) = low[k].addingReportingOverflow(product.high)
                    low[k] = upper
                    high[k] &+= upperCarry ? 1 : 0
                    let (lower, lowerCarry) = low[k + 1].addingReportingOverflow(product.low)
                    low[k + 1] = lower
                    high[k + 1] &+= lowerCarry ? 1 : 0
                }
            }
            // Carries from the least significant position up to the integer word.
            var carry: UInt64 = 0
            for p in stride(from: words, through: 1, by: -1) {
                let (sum, overflow) = low[p].addingReportingOverflow(carry)
                low[p] = sum
                carry = high[p] &+ (overflow ? 1 : 0)
            }
            // Add one half; the integer part (below L * t + 1, far below 2^64) is then round(V).
            let (_, half) = low[1].addingReportingOverflow(1 << 63)
            let integer = low[0] &+ carry &+ (half ? 1 : 0)
            // Barrett modulo t: the estimate is at most one below floor(integer / t), so one
            // masked subtraction finishes.
            let estimate = integer.multipliedFullWidth(by: barrett).high
            let remainder = integer &- estimate &* t
            let difference = remainder &- t
            let reduced = difference &+ (t & (0 &- (difference >> 63)))
            return T(truncatingIfNeeded: reduced)
        }
    }

    /// The exact value for one coefficient, by CRT composition (the reference computation).
    ///
    /// - Parameters:
    ///   - x: the polynomial.
    ///   - j: the coefficient index.
    /// - Returns: `round(t * x_j / Q) mod t`.
    func exact(_ x: PolyRq<T, Coeff>, coefficient j: Int) -> T {
        let n = ring.degree
        let value = ring.compose((0..<ring.count).map { x.data[$0 * n + j] })
        let rounded = (BigInt(plaintextModulus) * value + halfQ).floorDivided(by: ring.modulusProduct)
        return T(rounded.residue(modulo: plaintextModulus))
    }
}
