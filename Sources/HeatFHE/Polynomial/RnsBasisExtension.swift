/// Exact fast basis extension of the centred representative: from the residues of `x` modulo
/// `Q = q_0 * ... * q_(L-1)` to its residues modulo other primes `p_0, ..., p_(K-1)`, where `x`
/// is taken in `[-Q/2, Q/2)` (the centred lift; its sign matters once the target basis is larger).
///
/// Algorithm (Halevi, Polyakov and Shoup, CT-RSA 2019, section 2.2 and the "fast basis extension"
/// of Bajard et al. 2016, made exact as in HPS): with `Q_i = Q / q_i` and
/// `y_i = [x_i * Q_i^-1]_(q_i)`, the CRT gives `x = sum_i y_i * Q_i - v * Q` with
/// `v = round(sum_i y_i / q_i)` for the centred lift. `v` is computed with 128-bit fixed-point
/// fractions `floor(2^128 / q_i)` accumulated in 192 bits, so the computed sum is at most
/// `L * 2^-66` below the true one; when the fraction of the sum plus one half lies within that
/// error of 1 (probability about `L * 2^-64` for random inputs; it means `x` is within a tiny
/// distance of `+-Q/2`), the coefficient is recomputed exactly with ``BigInt``. Then, per target
/// prime, `x mod p_k = sum_i y_i * [Q_i]_(p_k) - v * [Q]_(p_k)`.
///
/// Inputs are residues in `[0, q_i)`; outputs are in `[0, p_k)`.
struct RnsBasisExtension<T: ScalarType>: Sendable {
    /// The source basis `Q`.
    let source: RnsContext<T>
    /// The target primes.
    let target: [Modulus<T>]
    let puncturedInverse: [T]
    let puncturedInverseShoup: [T]
    /// `floor(2^128 / q_i)` as high and low words.
    let inverseHigh: [UInt64]
    let inverseLow: [UInt64]
    /// `[Q_i]_(p_k)`, target-major: `puncturedInTarget[k * L + i]`.
    let puncturedInTarget: [T]
    /// Shoup's constants of ``puncturedInTarget`` (`floor(w * 2^bits / p)`, same layout).
    let puncturedInTargetShoup: [T]
    /// `[Q]_(p_k)`.
    let productInTarget: [T]
    /// Shoup's constants of ``productInTarget``.
    let productInTargetShoup: [T]
    let threshold: UInt64
    let halfQ: BigInt

    init(from source: RnsContext<T>, to target: [Modulus<T>]) {
        self.source = source
        self.target = target
        self.puncturedInverse = source.puncturedInverse
        self.puncturedInverseShoup = zip(source.moduli, source.puncturedInverse).map { $0.shoup($1) }
        var high: [UInt64] = []
        var low: [UInt64] = []
        for q in source.moduliValues.map(UInt64.init) {
            let first = q.dividingFullWidth((high: 1, low: 0))
            let second = q.dividingFullWidth((high: first.remainder, low: 0))
            high.append(first.quotient)
            low.append(second.quotient)
        }
        self.inverseHigh = high
        self.inverseLow = low
        var punctured: [T] = []
        for p in target {
            for qHat in source.punctured { punctured.append(T(qHat.residue(modulo: UInt64(p.value)))) }
        }
        self.puncturedInTarget = punctured
        self.puncturedInTargetShoup = punctured.indices.map { target[$0 / source.count].shoup(punctured[$0]) }
        let product = target.map { T(source.modulusProduct.residue(modulo: UInt64($0.value))) }
        self.productInTarget = product
        self.productInTargetShoup = zip(target, product).map { $0.shoup($1) }
        self.threshold = UInt64.max - UInt64(source.count) - 1
        self.halfQ = source.modulusProduct / BigInt(2)
    }

    /// Extends `N` coefficients.
    ///
    /// - Parameters:
    ///   - residues: `L * N` residues, source-major (`[i * N + j]`).
    ///   - out: `K * N` outputs, target-major (`[k * N + j]`).
    func extend(_ residues: UnsafeBufferPointer<T>, into out: UnsafeMutableBufferPointer<T>) {
        FHESpecialization.note(T.self, "RnsBasisExtension.extend")
        let n = source.degree
        let count = source.count
        var ys = [T](repeating: 0, count: count)
        for j in 0..<n {
            var word0: UInt64 = 0
            var word1: UInt64 = 0
            var word2: UInt64 = 0
            for i in 0..<count {
                let y = source.moduli[i].multiplyShoup(
                    residues[i * n + j], by: puncturedInverse[i], shoup: puncturedInverseShoup[i])
                ys[i] = y
                let wide = UInt64(y)
                let lowProduct = wide.multipliedFullWidth(by: inverseLow[i])
                let highProduct = wide.multipliedFullWidth(by: inverseHigh[i])
                let (sum0, carry0) = word0.addingReportingOverflow(lowProduct.low)
                let (partial1, carry1) = word1.addingReportingOverflow(lowProduct.high)
                let (partial2, carry2) = partial1.addingReportingOverflow(highProduct.low)
                let (sum1, carry3) = partial2.addingReportingOverflow(carry0 ? 1 : 0)
                word0 = sum0
                word1 = sum1
                word2 &+= highProduct.high &+ (carry1 ? 1 : 0) &+ (carry2 ? 1 : 0) &+ (carry3 ? 1 : 0)
            }
            let (rounded, carry) = word1.addingReportingOverflow(1 << 63)
            if rounded >= threshold {
                exact(residues, coefficient: j, into: out)
                continue
            }
            let v = word2 &+ (carry ? 1 : 0)
            for (k, p) in target.enumerated() {
                var sum: T = 0
                let base = k * count
                // Products by constants: Shoup's multiplication (one high product instead of a
                // Barrett reduction of a double word), fully reduced, so the words are unchanged.
                for i in 0..<count {
                    sum = p.add(
                        sum,
                        p.multiplyShoup(ys[i], by: puncturedInTarget[base + i], shoup: puncturedInTargetShoup[base + i]))
                }
                let correction = p.multiplyShoup(
                    T(truncatingIfNeeded: v), by: productInTarget[k], shoup: productInTargetShoup[k])
                out[k * n + j] = p.subtract(sum, correction)
            }
        }
    }

    /// The exact extension of one coefficient (CRT composition with ``BigInt``).
    func exact(_ residues: UnsafeBufferPointer<T>, coefficient j: Int, into out: UnsafeMutableBufferPointer<T>) {
        let n = source.degree
        var x = source.compose((0..<source.count).map { residues[$0 * n + j] })
        if x > halfQ { x = x - source.modulusProduct }
        for (k, p) in target.enumerated() { out[k * n + j] = T(x.residue(modulo: UInt64(p.value))) }
    }
}
