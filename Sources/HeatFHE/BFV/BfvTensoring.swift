/// The RNS machinery of ciphertext-ciphertext multiplication at one level: the auxiliary basis
/// `P`, the extensions `Q -> P` and `P -> Q`, and the scaling `round(t * d / Q)` from `Q u P` to `P`.
///
/// This is the HPS variant (Halevi, Polyakov and Shoup, "An improved RNS variant of the BFV
/// homomorphic encryption scheme", CT-RSA 2019, section 4), chosen over BEHZ (Bajard, Eynard,
/// Hasan and Zucca, SAC 2016) because every step is exact or exactly rounded: BEHZ's fast base
/// conversion leaves multiples of `Q` that need a Montgomery-style correction with an extra
/// modulus `m_sk` and the `gamma` trick, while HPS's extensions are exact for the centred lift and
/// its only approximation is a fixed-point fraction whose error is below `2^-60` per
/// coefficient. That made HPS easier to get exactly right and to test against a ``BigInt``
/// reference.
///
/// 1. Extend each input polynomial from `Q` to `Q u P` (``RnsBasisExtension``, exact centred lift).
/// 2. Tensor in evaluation form over `Q u P`: `d_k = sum_(i+j=k) a_i * b_j`, exact integers
///    because `P > N * Q`.
/// 3. Scale to `P`: `round(t * d / Q) mod p_k = sum_i d_i * [floor(t*P*w_i/q_i)]_(p_k)
///    + round(sum_i d_i * frac(t*P*w_i/q_i)) + d_(p_k) * [t * (P/p_k) * w_k]_(p_k)` with
///    `w_i = ((Q*P)/q_i)^-1 mod q_i`, `w_k = ((Q*P)/p_k)^-1 mod p_k` (the fractions as 128-bit
///    fixed point; a wrong rounding, probability below `2^-60`, would add 1 to the noise).
/// 4. Extend the result from `P` back to `Q` (exact centred lift, since `P > t * N * Q`).
///
/// `P` is a product of NTT-friendly primes of the scalar's largest size (62 or 30 bits), distinct
/// from the key moduli, with `log2 P >= log2 Q + log2 t + log2 N + 4`.
final class BfvTensoring<T: ScalarType>: Sendable {
    /// The level's ring `Q`.
    let ring: RnsContext<T>
    /// The auxiliary basis `P`.
    let auxiliary: RnsContext<T>
    /// `Q u P` (the moduli of `Q` first).
    let extended: RnsContext<T>
    let toAuxiliary: RnsBasisExtension<T>
    let toLevel: RnsBasisExtension<T>
    /// `[floor(t*P*w_i/q_i)]_(p_k)`, `[k * L + i]`.
    let integerParts: [T]
    /// Shoup's constants of ``integerParts`` (same layout).
    let integerPartsShoup: [T]
    /// `floor(frac(t*P*w_i/q_i) * 2^128)` as two words, per `q_i`.
    let fractionHigh: [UInt64]
    let fractionLow: [UInt64]
    /// `[t * (P/p_k) * w_k]_(p_k)`.
    let auxiliaryFactor: [T]
    /// Shoup's constants of ``auxiliaryFactor``.
    let auxiliaryFactorShoup: [T]

    init(context: BfvContext<T>, level: BfvLevel<T>) throws(FHEError) {
        let ring = level.ring
        let n = context.degree
        let t = context.parameters.plaintextModulus
        let bitsNeeded =
            ring.modulusProduct.bitWidth + context.parameters.logT + n.trailingZeroBitCount + 4
        let primeBits = T.maxModulusBits
        let count = (bitsNeeded + primeBits - 2) / (primeBits - 1)
        let primes = try PrimeGenerator.nttPrimes(
            bitWidth: primeBits, count: count, degree: n, excluding: Set(context.parameters.keyModuli))
        var plans: [NTTPlan<T>] = []
        // The auxiliary plans run the level's kernel (``NTTPlan/kernel``).
        let kernel = ring.plans[0].kernel
        for p in primes { plans.append(try NTTPlan<T>(degree: n, modulus: T(p), kernel: kernel)) }
        let auxiliary = try RnsContext<T>(degree: n, plans: plans)
        let extended = try RnsContext<T>(degree: n, plans: ring.plans + plans)
        self.ring = ring
        self.auxiliary = auxiliary
        self.extended = extended
        self.toAuxiliary = RnsBasisExtension(from: ring, to: auxiliary.moduli)
        self.toLevel = RnsBasisExtension(from: auxiliary, to: ring.moduli)
        let bigT = BigInt(t)
        let bigP = auxiliary.modulusProduct
        var integerParts: [T] = []
        var high: [UInt64] = []
        var low: [UInt64] = []
        var integers: [BigInt] = []
        for (i, q) in ring.moduliValues.enumerated() {
            let bigQ = BigInt(scalar: q)
            let numerator = bigT * bigP * BigInt(scalar: extended.puncturedInverse[i])
            integers.append(numerator.floorDivided(by: bigQ))
            let remainder = numerator.modulo(bigQ).uint64Value ?? 0
            let first = UInt64(q).dividingFullWidth((high: remainder, low: 0))
            let second = UInt64(q).dividingFullWidth((high: first.remainder, low: 0))
            high.append(first.quotient)
            low.append(second.quotient)
        }
        for p in primes {
            for integer in integers { integerParts.append(T(integer.residue(modulo: p))) }
        }
        self.integerParts = integerParts
        self.integerPartsShoup = integerParts.indices.map { auxiliary.moduli[$0 / ring.count].shoup(integerParts[$0]) }
        self.fractionHigh = high
        self.fractionLow = low
        let auxiliaryFactor = primes.enumerated().map { k, p in
            let factor = bigT * (bigP / BigInt(p)) * BigInt(scalar: extended.puncturedInverse[ring.count + k])
            return T(factor.residue(modulo: p))
        }
        self.auxiliaryFactor = auxiliaryFactor
        self.auxiliaryFactorShoup = zip(auxiliary.moduli, auxiliaryFactor).map { $0.shoup($1) }
        // Montgomery's constants only where the vector lanes use them (review s39 LOW 4).
        if ring.usesVectorLanes {
            let values = extended.moduliValues.map { UInt64($0) }
            let factors = values.map { (UInt64.max % $0 + 1) % $0 }
            self.montgomeryFactor = factors.map { T(truncatingIfNeeded: $0) }
            self.montgomeryFactorShoup = zip(extended.moduli, factors).map { $0.shoup(T(truncatingIfNeeded: $1)) }
            // Newton's iteration doubles the correct low bits of q^-1 mod 2^64 (3 bits to start, as
            // q * q = 1 mod 8 for odd q): 3, 6, 12, 24, 48, 96.
            self.montgomeryInverse = values.map { q in
                var inverse = q
                for _ in 0..<5 { inverse = inverse &* (2 &- q &* inverse) }
                return inverse
            }
        } else {
            self.montgomeryFactor = []
            self.montgomeryFactorShoup = []
            self.montgomeryInverse = []
        }
        self.narrowFractions =
            T.self == UInt32.self
            ? RnsLanes32.FractionLimbs(high: high, low: low, moduli: ring.moduliValues.map { UInt64($0) }) : nil
        self.tables = Tables(
            auxiliaryModuli: WordTable(auxiliary.moduli), fractionHigh: WordTable(high), fractionLow: WordTable(low),
            integerParts: WordTable(integerParts), integerPartsShoup: WordTable(integerPartsShoup),
            auxiliaryFactor: WordTable(auxiliaryFactor), auxiliaryFactorShoup: WordTable(auxiliaryFactorShoup))
    }

    /// The temporaries of ``multiply(_:_:)`` (lifted operands, tensor products, scaled
    /// residues), lent to one multiplication at a time.
    let scratch = ScratchPool<T>()

    /// The tensor product of two ciphertexts' polynomials at this level, scaled by `t / Q` and
    /// rounded (steps 1-4): `a.count + b.count - 1` coefficient-form polynomials of ``ring``.
    ///
    /// Every temporary lives in one buffer borrowed from ``scratch`` and is transformed in place;
    /// only the results are allocated. The words are those of the step-by-step definition: the
    /// first term of each tensor output is the product itself, later terms are added modulo the
    /// row's prime, exactly as a sum started from zero.
    ///
    /// - Parameters:
    ///   - a: the first operand's polynomials (coefficient form, at this level).
    ///   - b: the second operand's polynomials.
    /// - Returns: the product's polynomials.
    func multiply(_ a: [PolyRq<T, Coeff>], _ b: [PolyRq<T, Coeff>]) -> [PolyRq<T, Coeff>] {
        FHESpecialization.note(T.self, "BfvTensoring.multiply")
        let n = ring.degree
        let width = extended.count * n
        let operands = a + b
        let productCount = a.count + b.count - 1
        let extensionScratch = Swift.max(toAuxiliary.scratchCount, toLevel.scratchCount)
        let scratchCount = (operands.count + productCount) * width + auxiliary.count * n + extensionScratch
        return scratch.withBuffer(count: scratchCount) { buffer in
            let base = buffer.baseAddress.unsafelyUnwrapped
            let extensionWords = base + (operands.count + productCount) * width + auxiliary.count * n
            for (index, polynomial) in operands.enumerated() {
                lift(polynomial, into: base + index * width, scratch: extensionWords)
            }
            let products = base + operands.count * width
            let moduli = extended.moduli
            let vector = ring.usesVectorLanes
            if vector {
                // Montgomery's multiplication in the vector build (two high products per word
                // instead of Barrett's four): the first operand's rows times R = 2^64 mod q first
                // (Shoup, fully reduced), so that x R * y * R^-1 = x * y mod q, fully reduced: the
                // same words as the scalar Barrett product. Precondition of the Montgomery
                // products: both factors in [0, q), which holds because the forward NTT of
                // `lift` ends fully reduced (`forwardLastStage`) and the Shoup product below
                // is fully reduced; an NTT with lazy [0, 2q) or [0, 4q) output would break it
                // (review s39 LOW 4; `RnsVector64.montgomeryMultiply` asserts it in debug builds).
                for i in 0..<a.count {
                    for (row, modulus) in moduli.enumerated() {
                        let words = RnsVector64.words(base + i * width + row * n)
                        RnsVector64.multiplyShoup(
                            UnsafePointer(words), into: words, count: n, by: UInt64(montgomeryFactor[row]),
                            shoup: UInt64(montgomeryFactorShoup[row]), modulus: UInt64(modulus.value))
                    }
                }
            }
            for k in 0..<productCount {
                let target = products + k * width
                var first = true
                for i in 0..<a.count where k - i >= 0 && k - i < b.count {
                    let x = base + i * width
                    let y = base + (a.count + k - i) * width
                    for (row, modulus) in moduli.enumerated() {
                        let range = (row * n)..<((row + 1) * n)
                        if T.self == UInt32.self {
                            // 32-bit residues: one-word Barrett on the 64-bit product, vectorized
                            // (``NarrowProduct``; the same words as `Modulus.multiply` and `add`).
                            let value = UInt32(truncatingIfNeeded: modulus.value)
                            let xs = RnsLanes32.readOnlyWords(UnsafePointer(x + row * n))
                            let ys = RnsLanes32.readOnlyWords(UnsafePointer(y + row * n))
                            let out = RnsLanes32.words(target + row * n)
                            if first {
                                NarrowProduct.multiply(xs, ys, into: out, count: n, modulus: value)
                            } else {
                                NarrowProduct.multiplyAdding(xs, ys, into: out, count: n, modulus: value)
                            }
                        } else if vector {
                            RnsVector64.montgomeryMultiply(
                                RnsVector64.words(x + row * n), RnsVector64.words(y + row * n),
                                into: RnsVector64.words(target + row * n), adding: !first, count: n,
                                qInverse: montgomeryInverse[row], modulus: UInt64(modulus.value))
                        } else if first {
                            for c in range { target[c] = modulus.multiply(x[c], y[c]) }
                        } else {
                            for c in range { target[c] = modulus.add(target[c], modulus.multiply(x[c], y[c])) }
                        }
                    }
                    first = false
                }
            }
            let scaled = products + productCount * width
            return (0..<productCount).map { k in
                scaleDown(products + k * width, scaled: scaled, scratch: extensionWords)
            }
        }
    }

    /// Lifts a level polynomial to `Q u P` in evaluation form (step 1 and the NTT), into `out`
    /// (`(L + K) N` words: the `L` residue rows copied, the `K` extended rows, all transformed),
    /// with the extension's scratch at `scratch`.
    func lift(_ polynomial: PolyRq<T, Coeff>, into out: UnsafeMutablePointer<T>, scratch: UnsafeMutablePointer<T>) {
        FHESpecialization.note(T.self, "BfvTensoring.lift")
        let n = ring.degree
        let levelWords = ring.count * n
        polynomial.data.withUnsafeBufferPointer { source in
            out.update(from: source.baseAddress.unsafelyUnwrapped, count: levelWords)
            toAuxiliary.extend(
                UnsafeBufferPointer(start: out, count: levelWords),
                into: UnsafeMutableBufferPointer(start: out + levelWords, count: auxiliary.count * n), scratch: scratch)
        }
        for (row, plan) in extended.plans.enumerated() {
            plan.forward(UnsafeMutableBufferPointer(start: out + row * n, count: n))
        }
    }

    /// `round(t * d / Q)` back at the level (steps 3 and 4) for a tensor polynomial over `Q u P`
    /// in evaluation form at `product` (inverse-transformed in place), with `K N` words of
    /// scratch at `scaled` and the extension's at `scratch`.
    ///
    /// Two passes: per coefficient, the rounded fixed-point sum `round(sum_i d_i frac_i)` reduced
    /// modulo each `p_k` (64-bit words: scalar, 256-bit accumulation; 32-bit words: column sums
    /// over the fractions' 32-bit limbs, row by row, ``RnsLanes32/roundedFractions(_:count:degree:limbs:moduli:into:)``,
    /// when ``RnsLanes32/FractionLimbs/fits``, else the scalar loop); then per `p_k`, the products
    /// by the constants added lazily in `[0, 2 p_k)` (eight coefficients per register in a 64-bit
    /// vector build, ``RnsVector64/accumulate(_:count:degree:extra:factors:factorsShoup:extraFactor:extraShoup:modulus:into:)``;
    /// row by row for 32-bit words, ``RnsLanes32/accumulate(_:count:degree:extra:factors:factorsShoup:extraFactor:extraShoup:modulus:into:)``).
    /// The words are the fully reduced residues, as before.
    func scaleDown(
        _ product: UnsafeMutablePointer<T>, scaled: UnsafeMutablePointer<T>, scratch: UnsafeMutablePointer<T>
    ) -> PolyRq<T, Coeff> {
        FHESpecialization.note(T.self, "BfvTensoring.scaleDown")
        let n = ring.degree
        for (row, plan) in extended.plans.enumerated() {
            plan.inverse(UnsafeMutableBufferPointer(start: product + row * n, count: n))
        }
        let x = UnsafePointer(product)
        let count = ring.count
        let auxiliaryCount = auxiliary.count
        let vector = ring.usesVectorLanes
        withExtendedLifetime(tables) {
            let moduli = tables.auxiliaryModuli.pointer
            let fractionHigh = tables.fractionHigh.pointer
            let fractionLow = tables.fractionLow.pointer
            // 32-bit residues: each p_k also as a 64-bit modulus, so the 128-bit integer is reduced by
            // Barrett (`reduceProduct`, any 128-bit input) instead of a 128-by-64-bit division
            // (`__umodti3`, 3.8% of n4096 `multiply`); the same residue.
            let wideModuli: [Modulus<UInt64>?] =
                T.bitWidth == 64 ? [] : (0..<auxiliaryCount).map { try? Modulus<UInt64>(UInt64(moduli[$0].value)) }
            // 1. The rounded integer of the fractions, reduced modulo each p_k.
            if let narrow = narrowFractions, narrow.fits {
                // 32-bit residues: column sums over the fractions' 32-bit limbs, row by row
                // (``RnsLanes32/roundedFractions(_:count:degree:limbs:moduli:into:)``), the same integer.
                withExtendedLifetime(narrow) {
                    RnsLanes32.roundedFractions(
                        RnsLanes32.readOnlyWords(x), count: count, degree: n, limbs: narrow.limbs.pointer,
                        moduli: (0..<auxiliaryCount).map { UInt32(truncatingIfNeeded: moduli[$0].value) },
                        into: RnsLanes32.words(scaled))
                }
            } else {
            for j in 0..<n {
                var word0: UInt64 = 0
                var word1: UInt64 = 0
                var word2: UInt64 = 0
                var word3: UInt64 = 0
                for i in 0..<count {
                    let value = UInt64(x[i &* n &+ j])
                    let lowProduct = value.multipliedFullWidth(by: fractionLow[i])
                    let highProduct = value.multipliedFullWidth(by: fractionHigh[i])
                    let (sum0, carry0) = word0.addingReportingOverflow(lowProduct.low)
                    let (partial1, carry1) = word1.addingReportingOverflow(lowProduct.high)
                    let (partial2, carry2) = partial1.addingReportingOverflow(highProduct.low)
                    let (sum1, carry3) = partial2.addingReportingOverflow(carry0 ? 1 : 0)
                    word0 = sum0
                    word1 = sum1
                    let (sum2, carry4) = word2.addingReportingOverflow(
                        highProduct.high &+ (carry1 ? 1 : 0) &+ (carry2 ? 1 : 0) &+ (carry3 ? 1 : 0))
                    word2 = sum2
                    word3 &+= carry4 ? 1 : 0
                }
                let (_, carry) = word1.addingReportingOverflow(1 << 63)
                let (integerLow, carry5) = word2.addingReportingOverflow(carry ? 1 : 0)
                let integerHigh = word3 &+ (carry5 ? 1 : 0)
                for k in 0..<auxiliaryCount {
                    let p = moduli[k]
                    let pValue = UInt64(p.value)
                    // [integer]_p: Barrett reduction of the 128-bit value (any 128-bit input, p < 2^62),
                    // for 32-bit residues through p as a 64-bit modulus (`WideResidue`).
                    scaled[k &* n &+ j] =
                        T.bitWidth == 64
                        ? p.reduceProduct(
                            (high: T(truncatingIfNeeded: integerHigh), low: T(truncatingIfNeeded: integerLow)))
                        : T(truncatingIfNeeded: WideResidue.residue(
                            high: integerHigh, low: integerLow, modulus: wideModuli[k], value: pValue))
                }
            }
            }
            // 2. Per p_k: + sum_i d_i [floor(t P w_i / q_i)]_(p_k) + d_(p_k) [t (P/p_k) w_k]_(p_k).
            let integerParts = tables.integerParts.pointer
            let integerPartsShoup = tables.integerPartsShoup.pointer
            let factor = tables.auxiliaryFactor.pointer
            let factorShoup = tables.auxiliaryFactorShoup.pointer
            for k in 0..<auxiliaryCount {
                let p = moduli[k]
                let row = scaled + k * n
                let extra = x + (count + k) * n
                let factors = integerParts + k * count
                let factorsShoup = integerPartsShoup + k * count
                if vector {
                    RnsVector64.accumulate(
                        RnsVector64.readOnlyWords(x), count: count, degree: n, extra: RnsVector64.readOnlyWords(extra),
                        factors: RnsVector64.readOnlyWords(factors), factorsShoup: RnsVector64.readOnlyWords(factorsShoup),
                        extraFactor: UInt64(factor[k]), extraShoup: UInt64(factorShoup[k]), modulus: UInt64(p.value),
                        into: RnsVector64.words(row))
                } else if T.self == UInt32.self {
                    RnsLanes32.accumulate(
                        RnsLanes32.readOnlyWords(x), count: count, degree: n, extra: RnsLanes32.readOnlyWords(extra),
                        factors: RnsLanes32.readOnlyWords(factors), factorsShoup: RnsLanes32.readOnlyWords(factorsShoup),
                        extraFactor: UInt32(truncatingIfNeeded: factor[k]),
                        extraShoup: UInt32(truncatingIfNeeded: factorShoup[k]),
                        modulus: UInt32(truncatingIfNeeded: p.value), into: RnsLanes32.words(row))
                } else {
                    let twoP = p.value &<< 1
                    let extraFactor = factor[k]
                    let extraShoup = factorShoup[k]
                    for j in 0..<n {
                        var sum = p.multiplyShoupLazy(extra[j], by: extraFactor, shoup: extraShoup)
                        for i in 0..<count {
                            let term = p.multiplyShoupLazy(x[i &* n &+ j], by: factors[i], shoup: factorsShoup[i])
                            sum = RnsBasisExtension<T>.subtractIfAtLeast(sum &+ term, twoP)
                        }
                        row[j] = p.add(row[j], p.subtractIfAtLeastModulus(sum))
                    }
                }
            }
        }
        // The extension writes every word of the result.
        let data = [T](unsafeUninitializedCapacity: count * n) { out, initialized in
            toLevel.extend(UnsafeBufferPointer(start: scaled, count: auxiliaryCount * n), into: out, scratch: scratch)
            initialized = count * n
        }
        return PolyRq<T, Coeff>(context: ring, data: data)
    }

    /// `R = 2^64 mod q` per row of `Q u P` (64-bit words; empty for 32-bit ones): the Montgomery
    /// factor of the vector build's tensor products.
    let montgomeryFactor: [T]
    /// Shoup's constants of ``montgomeryFactor``.
    let montgomeryFactorShoup: [T]
    /// `q^-1 mod 2^64` per row of `Q u P` (64-bit words; empty for 32-bit ones).
    let montgomeryInverse: [UInt64]

    /// The constants of ``scaleDown(_:scaled:scratch:)`` as ``WordTable``s.
    struct Tables: Sendable {
        let auxiliaryModuli: WordTable<Modulus<T>>
        let fractionHigh: WordTable<UInt64>
        let fractionLow: WordTable<UInt64>
        let integerParts: WordTable<T>
        let integerPartsShoup: WordTable<T>
        let auxiliaryFactor: WordTable<T>
        let auxiliaryFactorShoup: WordTable<T>
    }

    /// The constants above in raw memory.
    let tables: Tables
    /// The fractions as 32-bit limbs for the row-by-row first pass of ``scaleDown(_:scaled:scratch:)``
    /// on 32-bit residues (`nil` for 64-bit ones; used when ``RnsLanes32/FractionLimbs/fits``).
    let narrowFractions: RnsLanes32.FractionLimbs?
}

/// The residue of a 128-bit value modulo a prime below 2^62 given as a 64-bit ``Modulus``: Barrett
/// reduction (``Modulus/reduceProduct(_:)``, valid for any 128-bit input), or the hardware
/// 128-by-64-bit division when no 64-bit modulus could be made. Used by the 32-bit tensoring's
/// `scaleDown`, where the division was `__umodti3` (3.8% of n4096 `multiply`).
enum WideResidue {
    /// `(high * 2^64 + low) mod p`.
    ///
    /// - Parameters:
    ///   - high: the high word.
    ///   - low: the low word.
    ///   - modulus: `p` as a 64-bit modulus, or `nil` for the division.
    ///   - value: `p`.
    /// - Returns: the residue in `[0, p)`.
    @inline(__always)
    static func residue(high: UInt64, low: UInt64, modulus: Modulus<UInt64>?, value: UInt64) -> UInt64 {
        guard let modulus else { return value.dividingFullWidth((high: high % value, low: low)).remainder }
        return modulus.reduceProduct((high: high, low: low))
    }
}
