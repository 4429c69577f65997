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

    /// Precomputes the constants.
    ///
    /// - Parameters:
    ///   - ring: the ciphertext ring (moduli below 2^62).
    ///   - plaintextModulus: `t`, below every modulus.
    init(ring: RnsContext<T>, plaintextModulus t: UInt64) {
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
    }

    /// `round(t * x / Q) mod t` for every coefficient of `x`.
    ///
    /// - Parameter x: a polynomial of ``ring`` in coefficient form (residues in `[0, q_i)`).
    /// - Returns: `N` values in `[0, t)`.
    func scaleAndRound(_ x: PolyRq<T, Coeff>) -> [T] {
        FHESpecialization.note(T.self, "BfvScaleAndRound.scaleAndRound")
        let n = ring.degree
        let count = ring.count
        let words = fractionWords
        let t = plaintextModulus
        let barrett = barrettT
        var out = [T](repeating: 0, count: n)
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 2 * words + 1) { scratch in
            // scratch[0...words]: the accumulator (integer word, then fraction words, most
            // significant first); scratch[words + 1 ..< 2W + 1]: the high words of one product.
            let accumulator = scratch.baseAddress.unsafelyUnwrapped
            let highs = accumulator + (words + 1)
            x.data.withUnsafeBufferPointer { data in
                theta.withUnsafeBufferPointer { theta in
                    out.withUnsafeMutableBufferPointer { result in
                        for j in 0..<n {
                            for k in 0...words { accumulator[k] = 0 }
                            for i in 0..<count {
                                let y = UInt64(
                                    ring.moduli[i].multiplyShoup(
                                        data[i * n + j], by: puncturedInverse[i], shoup: puncturedInverseShoup[i]))
                                // y * theta_i: word k of theta (weight 2^(-64(k+1))) gives a low
                                // word at accumulator position k + 1 and a high word at k.
                                var carry: UInt64 = 0
                                for k in stride(from: words - 1, through: 0, by: -1) {
                                    let product = y.multipliedFullWidth(by: theta[i * words + k])
                                    highs[k] = product.high
                                    let (sum1, overflow1) = accumulator[k + 1].addingReportingOverflow(product.low)
                                    let (sum2, overflow2) = sum1.addingReportingOverflow(carry)
                                    // The high word of the previous (less significant) product lands here too.
                                    let previousHigh = k + 1 < words ? highs[k + 1] : 0
                                    let (sum3, overflow3) = sum2.addingReportingOverflow(previousHigh)
                                    accumulator[k + 1] = sum3
                                    carry = UInt64(overflow1 ? 1 : 0) &+ UInt64(overflow2 ? 1 : 0) &+ UInt64(overflow3 ? 1 : 0)
                                }
                                // The integer word (no overflow: the integer part stays below L * t < 2^64).
                                accumulator[0] = accumulator[0] &+ carry &+ highs[0]
                            }
                            // Add one half; the integer part is then round(V).
                            let (_, half) = accumulator[1].addingReportingOverflow(1 << 63)
                            let integer = accumulator[0] &+ UInt64(half ? 1 : 0)
                            // Barrett modulo t: for the small integer part (< L*t + 1, far below 2^64) the estimate
                            // is at most one below floor(integer / t), so one masked subtraction finishes.
                            let estimate = integer.multipliedFullWidth(by: barrett).high
                            let remainder = integer &- estimate &* t
                            let difference = remainder &- t
                            let reduced = difference &+ (t & (0 &- (difference >> 63)))
                            result[j] = T(truncatingIfNeeded: reduced)
                        }
                    }
                }
            }
            secureZero(UnsafeMutableRawBufferPointer(scratch))
        }
        return out
    }

    /// Whether the fast kernel applies: `t` below every modulus (true for every valid BFV parameter set).
    var isApplicable: Bool { ring.moduliValues.allSatisfy { UInt64($0) > plaintextModulus } }

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
