/// Exact fast basis extension of the centred representative: from the residues of `x` modulo
/// `Q = q_0 * ... * q_(L-1)` to its residues modulo other primes `p_0, ..., p_(K-1)`, where `x`
/// is taken in `[-Q/2, Q/2)` (the centred lift; its sign matters once the target basis is larger).
///
/// Algorithm (Halevi, Polyakov and Shoup, CT-RSA 2019, section 2.2 and the "fast basis extension"
/// of Bajard et al. 2016, made exact as in HPS): with `Q_i = Q / q_i` and
/// `y_i = [x_i * Q_i^-1]_(q_i)`, the CRT gives `x = sum_i y_i * Q_i - v * Q` with
/// `v = round(sum_i y_i / q_i)` for the centred lift. `v` is computed in double precision,
/// `f = sum_i double(y_i) * double(1 / q_i)` (HPS section 2.2 does the same): each term is below 1
/// and carries at most four roundings (`y_i`, `q_i` itself, which is above `2^53` for the 62-bit
/// auxiliary primes and n8192's 54-55-bit primes, the division `1 / q_i` and the product), so the
/// terms err by less than `4L 2^-53` in all; the k-th addition (partial sums below k) errs by less
/// than `k 2^-53`, the `L - 1` additions by less than `L(L-1) 2^-53`; in all
/// `|f - sum_i y_i / q_i| < (L^2 + 3L) 2^-53 < (L^2 + 3L + 1) 2^-53`, and ``margin`` is twice the
/// latter (review s39 LOW 1). `round(f)` is `(f + 2^52) - 2^52` and the distance `f - round(f)` is
/// exact (`f < 2^51`). When that distance is within ``margin`` of one half (probability about
/// `2 * margin`, about `2^-44` at most for the presets, reached by n16384's largest auxiliary
/// basis; it means `x` is within a tiny distance of `+-Q/2`), the rounding could go
/// either way and the coefficient is recomputed exactly with ``BigInt``; otherwise `round(f)` is
/// the exact `v`. (Until session 39 `v` came from 128-bit fixed-point fractions accumulated in
/// 192 bits: the same `v`, but that scalar carry chain was most of the extension's time; the
/// double sum runs eight lanes per register.) Then, per target
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
    /// `1 / q_i` rounded to the nearest double.
    let inverses: [Double]
    /// The bound on the error of the double sum, doubled: `(L^2 + 3L + 1) 2^-52` (see the type's
    /// summary); a sum closer than this to a half-integer is recomputed exactly.
    let margin: Double
    /// `[Q_i]_(p_k)`, target-major: `puncturedInTarget[k * L + i]`.
    let puncturedInTarget: [T]
    /// Shoup's constants of ``puncturedInTarget`` (`floor(w * 2^bits / p)`, same layout).
    let puncturedInTargetShoup: [T]
    /// `[Q]_(p_k)`.
    let productInTarget: [T]
    /// Shoup's constants of ``productInTarget``.
    let productInTargetShoup: [T]
    let halfQ: BigInt
    /// The constants above in raw memory, for ``extend(_:into:scratch:)``.
    let tables: Tables

    /// The constants of ``extend(_:into:scratch:)`` as ``WordTable``s.
    struct Tables: Sendable {
        let sourceModuli: WordTable<Modulus<T>>
        let targetModuli: WordTable<Modulus<T>>
        let puncturedInverse: WordTable<T>
        let puncturedInverseShoup: WordTable<T>
        let inverses: WordTable<Double>
        let puncturedInTarget: WordTable<T>
        let puncturedInTargetShoup: WordTable<T>
        let productInTarget: WordTable<T>
        let productInTargetShoup: WordTable<T>
    }

    init(from source: RnsContext<T>, to target: [Modulus<T>]) {
        self.source = source
        self.target = target
        self.puncturedInverse = source.puncturedInverse
        self.puncturedInverseShoup = zip(source.moduli, source.puncturedInverse).map { $0.shoup($1) }
        self.inverses = source.moduliValues.map { 1 / Double($0) }
        let count = source.count
        self.margin = Double(count * count + 3 * count + 1) * 0x1p-52
        var punctured: [T] = []
        for p in target {
            for qHat in source.punctured { punctured.append(T(qHat.residue(modulo: UInt64(p.value)))) }
        }
        self.puncturedInTarget = punctured
        self.puncturedInTargetShoup = punctured.indices.map { target[$0 / source.count].shoup(punctured[$0]) }
        let product = target.map { T(source.modulusProduct.residue(modulo: UInt64($0.value))) }
        self.productInTarget = product
        self.productInTargetShoup = zip(target, product).map { $0.shoup($1) }
        self.halfQ = source.modulusProduct / BigInt(2)
        self.tables = Tables(
            sourceModuli: WordTable(source.moduli), targetModuli: WordTable(target),
            puncturedInverse: WordTable(puncturedInverse), puncturedInverseShoup: WordTable(puncturedInverseShoup),
            inverses: WordTable(inverses), puncturedInTarget: WordTable(punctured),
            puncturedInTargetShoup: WordTable(puncturedInTargetShoup), productInTarget: WordTable(product),
            productInTargetShoup: WordTable(productInTargetShoup))
    }

    /// The words of `extend`'s scratch: `(L + 1) N` (the `y_i` rows and the `v` row).
    var scratchCount: Int { (source.count + 1) * source.degree }

    /// Extends `N` coefficients.
    ///
    /// Three passes, each a loop over the coefficients with the constants hoisted into pointers
    /// (``WordTable``), so the compiler keeps them in registers and, for 64-bit words in a vector
    /// build (``NTTKernel/vector``, the kernel of the source's plans), the first and third passes
    /// run eight coefficients per AVX-512 register (``RnsVector64``), and for 32-bit words every
    /// pass runs row by row in loops LLVM vectorizes in every build (``RnsLanes32``); all three passes:
    /// 1. per source prime, `y_i = [x_i * Q_i^-1]_(q_i)` (Shoup, fully reduced);
    /// 2. per coefficient, `v` from the double sum (a coefficient too close to the rounding
    ///    boundary is marked with `v = T.max` and recomputed exactly at the end);
    /// 3. per target prime, `sum_i y_i * [Q_i]_(p_k)` accumulated lazily in `[0, 2 p_k)` (Shoup's
    ///    lazy products, one conditional subtraction of `2 p_k` per term, one of `p_k` at the
    ///    end), minus `v * [Q]_(p_k)`.
    /// The result is the fully reduced residue, so the words equal the step-by-step definition's.
    ///
    /// - Parameters:
    ///   - residues: `L * N` residues, source-major (`[i * N + j]`).
    ///   - out: `K * N` outputs, target-major (`[k * N + j]`).
    ///   - scratch: ``scratchCount`` words, overwritten.
    func extend(
        _ residues: UnsafeBufferPointer<T>, into out: UnsafeMutableBufferPointer<T>, scratch: UnsafeMutablePointer<T>
    ) {
        FHESpecialization.note(T.self, "RnsBasisExtension.extend")
        let n = source.degree
        let count = source.count
        let input = residues.baseAddress.unsafelyUnwrapped
        let output = out.baseAddress.unsafelyUnwrapped
        let ys = scratch
        let vs = scratch + count * n
        let vector = source.usesVectorLanes
        // 32-bit words: the row-by-row loops of ``RnsLanes32`` (vectorized in every build).
        let narrow = T.self == UInt32.self
        withExtendedLifetime(tables) {
            let sourceModuli = tables.sourceModuli.pointer
            let inverse = tables.puncturedInverse.pointer
            let inverseShoup = tables.puncturedInverseShoup.pointer
            // 1. y_i, row by row.
            for i in 0..<count {
                let q = sourceModuli[i]
                if vector {
                    RnsVector64.multiplyShoup(
                        RnsVector64.readOnlyWords(input + i * n), into: RnsVector64.words(ys + i * n), count: n,
                        by: UInt64(inverse[i]), shoup: UInt64(inverseShoup[i]), modulus: UInt64(q.value))
                } else if narrow {
                    RnsLanes32.multiplyShoup(
                        RnsLanes32.readOnlyWords(input + i * n), into: RnsLanes32.words(ys + i * n), count: n,
                        by: UInt32(truncatingIfNeeded: inverse[i]), shoup: UInt32(truncatingIfNeeded: inverseShoup[i]),
                        modulus: UInt32(truncatingIfNeeded: q.value))
                } else {
                    let x = input + i * n
                    let y = ys + i * n
                    let w = inverse[i]
                    let shoup = inverseShoup[i]
                    for j in 0..<n { y[j] = q.multiplyShoup(x[j], by: w, shoup: shoup) }
                }
            }
            // 2. v = round(sum_i y_i / q_i) in double precision, or T.max when too close to call.
            let inverses = tables.inverses.pointer
            let margin = self.margin
            var nearBoundary = 0
            if vector {
                nearBoundary = RnsVector64.roundedQuotients(
                    UnsafePointer(RnsVector64.words(ys)), count: count, degree: n, inverses: inverses, margin: margin,
                    into: RnsVector64.words(vs))
            } else if narrow {
                nearBoundary = RnsLanes32.roundedQuotients(
                    UnsafePointer(RnsLanes32.words(ys)), count: count, degree: n, inverses: inverses, margin: margin,
                    into: RnsLanes32.words(vs))
            } else {
                for j in 0..<n {
                    var sum = 0.0
                    for i in 0..<count { sum += Double(ys[i &* n &+ j]) * inverses[i] }
                    // round(sum) for 0 <= sum < 2^51, exactly; the distance is exact too.
                    let rounded = (sum + 0x1p52) - 0x1p52
                    let distance = sum - rounded
                    let near = distance > 0.5 - margin || distance < -(0.5 - margin)
                    nearBoundary &+= near ? 1 : 0
                    // 0 <= rounded <= L: the direct conversion, not the generic checked one
                    // (`FixedWidthInteger._convert(from:)`, 4.8% of n4096 `multiply`).
                    vs[j] = near ? T.max : T(truncatingIfNeeded: Int64(rounded))
                }
            }
            // 3. Per target prime: sum_i y_i [Q_i]_p - v [Q]_p.
            let targetModuli = tables.targetModuli.pointer
            let punctured = tables.puncturedInTarget.pointer
            let puncturedShoup = tables.puncturedInTargetShoup.pointer
            let product = tables.productInTarget.pointer
            let productShoup = tables.productInTargetShoup.pointer
            for k in 0..<target.count {
                let p = targetModuli[k]
                let row = output + k * n
                let factors = punctured + k * count
                let factorsShoup = puncturedShoup + k * count
                if vector {
                    RnsVector64.combine(
                        RnsVector64.words(ys), count: count, degree: n, v: RnsVector64.words(vs),
                        factors: RnsVector64.readOnlyWords(factors), factorsShoup: RnsVector64.readOnlyWords(factorsShoup),
                        product: UInt64(product[k]), productShoup: UInt64(productShoup[k]), modulus: UInt64(p.value),
                        into: RnsVector64.words(row))
                } else if narrow {
                    RnsLanes32.combine(
                        RnsLanes32.readOnlyWords(UnsafePointer(ys)), count: count, degree: n,
                        v: RnsLanes32.readOnlyWords(UnsafePointer(vs)), factors: RnsLanes32.readOnlyWords(factors),
                        factorsShoup: RnsLanes32.readOnlyWords(factorsShoup),
                        product: UInt32(truncatingIfNeeded: product[k]),
                        productShoup: UInt32(truncatingIfNeeded: productShoup[k]),
                        modulus: UInt32(truncatingIfNeeded: p.value), into: RnsLanes32.words(row))
                } else {
                    let twoP = p.value &<< 1
                    let correction = product[k]
                    let correctionShoup = productShoup[k]
                    for j in 0..<n {
                        var sum: T = 0
                        for i in 0..<count {
                            let term = p.multiplyShoupLazy(ys[i &* n &+ j], by: factors[i], shoup: factorsShoup[i])
                            sum = Self.subtractIfAtLeast(sum &+ term, twoP)
                        }
                        row[j] = p.subtract(
                            p.subtractIfAtLeastModulus(sum), p.multiplyShoup(vs[j], by: correction, shoup: correctionShoup))
                    }
                }
            }
            // 4. The coefficients next to the rounding boundary, exactly (a fraction of about `2 * margin`).
            if nearBoundary > 0 {
                for j in 0..<n where vs[j] == T.max { exact(residues, coefficient: j, into: out) }
            }
        }
    }

    /// ``extend(_:into:scratch:)`` with its own scratch (tests and one-off callers).
    ///
    /// - Parameters:
    ///   - residues: `L * N` residues, source-major.
    ///   - out: `K * N` outputs, target-major.
    func extend(_ residues: UnsafeBufferPointer<T>, into out: UnsafeMutableBufferPointer<T>) {
        let scratch = UnsafeMutablePointer<T>.allocate(capacity: scratchCount)
        defer { scratch.deallocate() }
        extend(residues, into: out, scratch: scratch)
    }

    /// `x - m` when `x >= m`, else `x`, for `x < 2m` with `m < 2^(w-1)`: a mask from the top bit of
    /// the wrapped difference (constant time, as ``Modulus/subtractIfAtLeastModulus(_:)``).
    @inline(__always)
    static func subtractIfAtLeast(_ x: T, _ m: T) -> T {
        let difference = x &- m
        return difference &+ (m & (0 &- (difference &>> (T.bitWidth &- 1))))
    }

    /// The exact extension of one coefficient (CRT composition with ``BigInt``).
    func exact(_ residues: UnsafeBufferPointer<T>, coefficient j: Int, into out: UnsafeMutableBufferPointer<T>) {
        let n = source.degree
        var x = source.compose((0..<source.count).map { residues[$0 * n + j] })
        if x > halfQ { x = x - source.modulusProduct }
        for (k, p) in target.enumerated() { out[k * n + j] = T(x.residue(modulo: UInt64(p.value))) }
    }
}
