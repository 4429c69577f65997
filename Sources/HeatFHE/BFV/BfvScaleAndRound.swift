/// BFV decryption's scale-and-round `m = round(t * x / Q) mod t` computed from the RNS residues of
/// `x`, without big integers in the common case and exact in every case.
///
/// Algorithm (Halevi, Polyakov and Shoup, "An improved RNS variant of the BFV homomorphic
/// encryption scheme", CT-RSA 2019, section 3.2, with a fixed-point fraction instead of floating
/// point): with `Q_i = Q / q_i` and `y_i = [x_i * Q_i^-1]_(q_i)`, the CRT gives
/// `x = sum_i y_i * Q_i - v * Q` for an integer `v`, so `t * x / Q = sum_i y_i * t / q_i - v * t`
/// and, modulo `t`, `m = round(sum_i y_i * t / q_i) mod t`. Each `t / q_i < 1` is precomputed as
/// the 128-bit fixed-point fraction `theta_i = floor(t * 2^128 / q_i)`; per coefficient the kernel
/// accumulates `sum_i y_i * theta_i` in 192 bits (`2L` word multiplications), adds one half and
/// takes the integer part modulo `t`.
///
/// Exactness: each term is at most `y_i * 2^-128 < 2^-66` below its true value, so the computed
/// sum `V'` satisfies `V - L * 2^-66 < V' <= V`. Rounding can only differ when the fraction of
/// `V' + 1/2` lies within that error of 1; the kernel detects that (the fraction's top word at
/// least `2^64 - 1 - L`) and recomputes such a coefficient exactly with ``BigInt`` (CRT
/// composition). For random inputs this happens with probability about `L * 2^-64`; for valid
/// ciphertexts (fraction near 0 because the noise is small) essentially never. Requires every
/// `q_i < 2^62` and `t < q_i`, which ``BfvParameters`` validation guarantees.
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
    /// `floor(t * 2^128 / q_i)`, high and low word, per modulus.
    @usableFromInline let thetaHigh: [UInt64]
    @usableFromInline let thetaLow: [UInt64]
    /// The fraction's top word from which a coefficient is recomputed exactly.
    @usableFromInline let fallbackThreshold: UInt64
    /// `floor(Q / 2)`, for the exact fallback.
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
        var high: [UInt64] = []
        var low: [UInt64] = []
        for q in ring.moduliValues.map(UInt64.init) {
            // Long division of t * 2^128 by q, one word at a time (t < q, so each quotient fits).
            let first = q.dividingFullWidth((high: t % q, low: 0))
            let second = q.dividingFullWidth((high: first.remainder, low: 0))
            high.append(first.quotient)
            low.append(second.quotient)
        }
        self.thetaHigh = high
        self.thetaLow = low
        self.fallbackThreshold = UInt64.max - UInt64(ring.count) - 1
        self.halfQ = ring.modulusProduct / BigInt(2)
    }

    /// `round(t * x / Q) mod t` for every coefficient of `x`.
    ///
    /// - Parameter x: a polynomial of ``ring`` in coefficient form (residues in `[0, q_i)`).
    /// - Returns: `N` values in `[0, t)`.
    func scaleAndRound(_ x: PolyRq<T, Coeff>) -> [T] {
        let n = ring.degree
        let count = ring.count
        let t = plaintextModulus
        var out = [T](repeating: 0, count: n)
        var fallback: [Int] = []
        x.data.withUnsafeBufferPointer { data in
            out.withUnsafeMutableBufferPointer { result in
                for j in 0..<n {
                    var word0: UInt64 = 0  // 2^-128
                    var word1: UInt64 = 0  // 2^-64
                    var word2: UInt64 = 0  // 2^0
                    for i in 0..<count {
                        let residue = data[i * n + j]
                        let y = UInt64(
                            ring.moduli[i].multiplyShoup(residue, by: puncturedInverse[i], shoup: puncturedInverseShoup[i]))
                        let lowProduct = y.multipliedFullWidth(by: thetaLow[i])
                        let highProduct = y.multipliedFullWidth(by: thetaHigh[i])
                        // (word2, word1, word0) += y * thetaLow + y * thetaHigh * 2^64.
                        let (sum0, carry0) = word0.addingReportingOverflow(lowProduct.low)
                        let (partial1, carry1) = word1.addingReportingOverflow(lowProduct.high)
                        let (partial2, carry2) = partial1.addingReportingOverflow(highProduct.low)
                        let (sum1, carry3) = partial2.addingReportingOverflow(carry0 ? 1 : 0)
                        word0 = sum0
                        word1 = sum1
                        // The integer part stays below L * t < 2^64: no carry out of word2.
                        word2 &+= highProduct.high &+ (carry1 ? 1 : 0) &+ (carry2 ? 1 : 0) &+ (carry3 ? 1 : 0)
                    }
                    // Add one half, then the integer part is round(V').
                    let (rounded1, carry) = word1.addingReportingOverflow(1 << 63)
                    if rounded1 >= fallbackThreshold { fallback.append(j) }
                    result[j] = T(truncatingIfNeeded: (word2 &+ (carry ? 1 : 0)) % t)
                }
            }
        }
        for j in fallback { out[j] = exact(x, coefficient: j) }
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
