/// A key-switching key from a secret `s'` to the secret key `s`: one pair per ciphertext prime
/// (one RNS digit per prime, as in SEAL), at the key level with the special prime `p` last.
///
/// Component `j` is `(b_j, a_j)` with `a_j` uniform, `e_j` from the error distribution and
/// `b_j = -(a_j * s + e_j) + p * s' * [j-th CRT indicator]`: modulo `q_j` the message is `p * s'`,
/// modulo every other prime (the special prime included) it is `0`. Switching a polynomial `c`
/// (``switchKey(_:in:)``) splits it into its residues `c_j = [c]_(q_j)` (the digits), computes
/// `(u0, u1) = sum_j c_j * (b_j, a_j)` over `q_0 ... q_(l-1), p`, so that
/// `u0 + u1 * s = p * c * s' + sum_j c_j * e_j`, and divides by `p` with rounding (dropping the
/// special prime): the result `(c0', c1')` has `c0' + c1' * s = c * s' + small` modulo `Q`.
/// The digit noise `sum_j c_j * e_j < l * N * q * 21` shrinks by the factor `p`.
///
/// Used by the relinearization key (`s' = s^2`) and the Galois keys (`s' = s(X^g)`).
/// Components are kept in evaluation form at the key level.
///
/// **Seeds.** Each `a_j` is expanded from its own 32-byte ``PolySeed`` (its own ChaCha20
/// streams, separate from the generator that draws the errors), read directly as evaluation
/// form, so a seeded file (`fheSeededRelinearizationKey`, `fheSeededGaloisKeys`) stores `b_j`
/// and the seed instead of `a_j`: about half the size.
public struct BfvKeySwitchingKey<T: ScalarType>: Sendable {
    /// The parameters.
    public let context: BfvContext<T>
    /// `(b_j, a_j)` for every ciphertext prime `q_j`, evaluation form, key level.
    let components: [(b: PolyRq<T, Eval>, a: PolyRq<T, Eval>)]
    /// The seed of each `a_j`, or `nil` for a key loaded from an unseeded file.
    public let seeds: [PolySeed]?

    /// Generates the key that switches from `target` (evaluation form, key level) to `s`.
    ///
    /// Pre-specialized for both scalars (`@_specialize`): the key generators call it from inside
    /// the generic closure that lends the secret (``SecretKey/withSecretPolynomial(at:_:)``),
    /// which the optimizer does not specialize, and the unspecialized generic body spent most of
    /// its time in Swift's metadata lookups (n4096 Galois keys: 1 s of CPU instead of tens of ms).
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    init(context: BfvContext<T>, secret s: PolyRq<T, Eval>, target: PolyRq<T, Eval>, using random: inout SecureRandom)
        throws(FHEError)
    {
        FHESpecialization.note(T.self, "BfvKeySwitchingKey.init")
        guard let special = context.parameters.specialModulus else {
            throw .invalidParameters("key switching needs a special prime; \(context.parameters.name) has none")
        }
        let ring = context.keyContext
        let n = ring.degree
        var components: [(b: PolyRq<T, Eval>, a: PolyRq<T, Eval>)] = []
        var seeds: [PolySeed] = []
        for j in 0..<context.ciphertextContext.count {
            // The uniform part from its own seed (own streams); the error from `random`.
            let seed = PolySeed(using: &random)
            let a: PolyRq<T, Eval> = seed.uniformPolynomial(in: ring)
            seeds.append(seed)
            var errorCoefficients = Sampler.centeredBinomial(count: n, using: &random)
            defer { errorCoefficients.wipe() }
            var e = PolyRq<T, Coeff>(context: ring, signedCoefficients: errorCoefficients).forwardNTT()
            defer { e.wipe() }
            var masked = a * s   // a product with the secret: wiped once b is formed
            defer { masked.wipe() }
            masked += e
            var b = -masked
            let modulus = ring.moduli[j]
            let factor = modulus.reduce(T(truncatingIfNeeded: special % UInt64(modulus.value)))
            let factorShoup = modulus.shoup(factor)
            for k in (j * n)..<((j + 1) * n) {
                b.data[k] = modulus.add(b.data[k], modulus.multiplyShoup(target.data[k], by: factor, shoup: factorShoup))
            }
            components.append((b, a))
        }
        self.context = context
        self.components = components
        self.seeds = seeds
    }

    /// A key from its coefficient-form components (used when loading an unseeded file).
    init(context: BfvContext<T>, coefficientForm: [(b: PolyRq<T, Coeff>, a: PolyRq<T, Coeff>)]) {
        self.context = context
        self.components = coefficientForm.map { ($0.b.forwardNTT(), $0.a.forwardNTT()) }
        self.seeds = nil
    }

    /// A key from each component's coefficient-form `b_j` and the seed of its `a_j` (used when
    /// loading a seeded file).
    init(context: BfvContext<T>, seeded: [(b: PolyRq<T, Coeff>, seed: PolySeed)]) {
        self.context = context
        self.components = seeded.map { ($0.b.forwardNTT(), $0.seed.uniformPolynomial(in: context.keyContext)) }
        self.seeds = seeded.map(\.seed)
    }

    /// The components' `b_j` in coefficient form at the key level (the seeded file's polynomials).
    func coefficientFormB() -> [PolyRq<T, Coeff>] { components.map { $0.b.inverseNTT() } }

    /// The components `[(b_j, a_j)]` in coefficient form at the key level.
    public func coefficientForm() -> [[PolyRq<T, Coeff>]] { components.map { [$0.b.inverseNTT(), $0.a.inverseNTT()] } }

    /// Switches `c` (coefficient form, at `level`) from `s'` to `s`: returns `(c0', c1')` with
    /// `c0' + c1' * s = c * s' + small` modulo the level's `Q`.
    ///
    /// - Parameters:
    ///   - c: the polynomial multiplying `s'` (for example `c2` of a product, or `c1(X^g)`).
    ///   - level: the ciphertext level of `c`.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    func switchKey(_ c: PolyRq<T, Coeff>, in level: BfvLevel<T>) throws(FHEError) -> (PolyRq<T, Coeff>, PolyRq<T, Coeff>) {
        FHESpecialization.note(T.self, "BfvKeySwitchingKey.switchKey")
        guard let ring = level.keySwitchRing else {
            throw .invalidParameters("key switching needs a special prime; \(context.parameters.name) has none")
        }
        let n = ring.degree
        let l = level.count
        let keyRowCount = context.keyContext.count
        let moduli = ring.moduli
        let plans = ring.plans
        // Allocation-free kernel: the digits and the sums live in one buffer borrowed from the
        // level's pool (``ScratchPool``). First every digit `c_j` is brought to every prime of the
        // key level and transformed (`l (l + 1)` forward NTTs, rows `q_0 ... q_(l-1)`, then the
        // special prime, which pairs with the key's last row); then each output residue is the
        // sum over the digits of `d_j * (b_j, a_j)`, accumulated in registers as double words
        // (SEAL's lazy approach: each product is below q^2 < 2^(2w - 4), so ``lazyDigits`` of them
        // fit before a fold, never needed at the presets' at most six primes) and Barrett-reduced
        // once, written straight to the output rows (no read-modify-write of partial sums in
        // memory: the previous digit-by-digit loop spent most of its time there).
        let rows = l + 1
        let count = rows * n
        let result = level.keySwitchScratch.withBuffer(count: (l + 2) * count) { buffer in
            let out0 = buffer.baseAddress.unsafelyUnwrapped
            let out1 = out0 + count
            let digits = out1 + count   // digit j's row i at (j * rows + i) * n
            c.data.withUnsafeBufferPointer { source in
                for j in 0..<l {
                    let residues = source.baseAddress.unsafelyUnwrapped + j * n
                    for i in 0...l {
                        let modulus = moduli[i]
                        let row = digits + (j * rows + i) * n
                        if moduli[j].value >> 2 < modulus.value {
                            // Residues below q_j < 4 q_i are valid NTT input as they are (the
                            // forward NTT takes [0, 4q) and ends fully reduced: the same words as
                            // reducing first); this covers i == j and every preset.
                            row.update(from: residues, count: n)
                        } else {
                            for k in 0..<n { row[k] = modulus.reduce(residues[k]) }
                        }
                        plans[i].forward(UnsafeMutableBufferPointer(start: row, count: n))
                    }
                }
            }
            withUnsafeTemporaryAllocation(of: UnsafePointer<T>.self, capacity: 2 * l) { keyRows in
                let bRows = keyRows.baseAddress.unsafelyUnwrapped
                let aRows = bRows + l
                for i in 0...l {
                    let keyRow = i < l ? i : keyRowCount - 1
                    for j in 0..<l {
                        bRows[j] = components[j].b.data.withUnsafeBufferPointer { $0.baseAddress.unsafelyUnwrapped } + keyRow * n
                        aRows[j] = components[j].a.data.withUnsafeBufferPointer { $0.baseAddress.unsafelyUnwrapped } + keyRow * n
                    }
                    Self.sumOfDigitProducts(
                        l, digits: UnsafePointer(digits + i * n), digitStride: rows * n, b: UnsafePointer(bRows),
                        a: UnsafePointer(aRows), into: out0 + i * n, and: out1 + i * n, count: n, modulus: moduli[i])
                    // The sums transformed back in place.
                    plans[i].inverse(UnsafeMutableBufferPointer(start: out0 + i * n, count: n))
                    plans[i].inverse(UnsafeMutableBufferPointer(start: out1 + i * n, count: n))
                }
            }
            return (
                Self.dividingByLastModulus(UnsafePointer(out0), moduli: moduli, to: level.ring),
                Self.dividingByLastModulus(UnsafePointer(out1), moduli: moduli, to: level.ring))
        }
        return withExtendedLifetime(components) { result }
    }

    /// How many digit products the double-word sums of ``switchKey(_:in:)`` take between two
    /// folds: every product is below `q^2 < 2^(2w - 4)` (each modulus leaves the top two bits of
    /// the word free), so a folded sum (below `q`) plus 15 products stays below `2^(2w)`.
    static var lazyDigits: Int { 15 }

    /// `first[k] = sum_j d_j[k] * b_j[k] mod q` and `second[k] = sum_j d_j[k] * a_j[k] mod q`,
    /// fully reduced, for `k < count` and the `digitCount` digits `d_j = digits + j * digitStride`:
    /// each sum is accumulated as a double word in registers, folded back below `q` (Barrett)
    /// before every ``lazyDigits``-th further product so no number of digits can overflow it, and
    /// Barrett-reduced once at the end. Every input word is below `q`.
    ///
    /// - Parameters:
    ///   - digitCount: the number of digits `l`.
    ///   - digits: digit 0's row; digit `j`'s row starts `j * digitStride` words later.
    ///   - b: `l` pointers to the key rows `b_j`.
    ///   - a: `l` pointers to the key rows `a_j`.
    ///   - first: the output row of the `b` sums.
    ///   - second: the output row of the `a` sums.
    @inline(__always)
    static func sumOfDigitProducts(
        _ digitCount: Int, digits: UnsafePointer<T>, digitStride: Int, b: UnsafePointer<UnsafePointer<T>>,
        a: UnsafePointer<UnsafePointer<T>>, into first: UnsafeMutablePointer<T>, and second: UnsafeMutablePointer<T>,
        count: Int, modulus: Modulus<T>
    ) {
        for k in 0..<count {
            var low0: T = 0
            var high0: T = 0
            var low1: T = 0
            var high1: T = 0
            var j = 0
            while j < digitCount {
                if j != 0 {
                    // A fold: the sums back below q (they hold at most `lazyDigits` products).
                    low0 = modulus.reduceProduct((high: high0, low: low0))
                    high0 = 0
                    low1 = modulus.reduceProduct((high: high1, low: low1))
                    high1 = 0
                }
                let end = Swift.min(j &+ lazyDigits, digitCount)
                while j < end {
                    let x = digits[j &* digitStride &+ k]
                    let product0 = x.multipliedFullWidth(by: b[j][k])
                    let (sum0, carry0) = low0.addingReportingOverflow(product0.low)
                    low0 = sum0
                    high0 = high0 &+ product0.high &+ (carry0 ? 1 : 0)
                    let product1 = x.multipliedFullWidth(by: a[j][k])
                    let (sum1, carry1) = low1.addingReportingOverflow(product1.low)
                    low1 = sum1
                    high1 = high1 &+ product1.high &+ (carry1 ? 1 : 0)
                    j &+= 1
                }
            }
            first[k] = modulus.reduceProduct((high: high0, low: low0))
            second[k] = modulus.reduceProduct((high: high1, low: low1))
        }
    }

    /// `round(x / q_last)` for `x` over `ring`'s moduli plus one more prime last (the special prime
    /// of key switching, or the dropped prime of a modulus switch): subtract the centred residue
    /// modulo the last prime, then multiply by its inverse modulo each remaining prime.
    ///
    /// - Parameters:
    ///   - x: a coefficient-form polynomial whose moduli are `ring`'s plus one.
    ///   - ring: the result's ring.
    /// - Returns: `round(x / q_last)` in `ring`.
    static func dividingByLastModulus(_ x: PolyRq<T, Coeff>, to ring: RnsContext<T>) -> PolyRq<T, Coeff> {
        x.data.withUnsafeBufferPointer { data in
            dividingByLastModulus(data.baseAddress.unsafelyUnwrapped, moduli: x.context.moduli, to: ring)
        }
    }

    /// ``dividingByLastModulus(_:to:)`` on raw coefficient-form residues: `x` holds
    /// `(ring.count + 1) N` words over `moduli` (``ring``'s moduli, then the prime divided by).
    ///
    /// - Parameters:
    ///   - x: the residues, modulus-major.
    ///   - moduli: their moduli (`ring.count + 1`).
    ///   - ring: the result's ring.
    /// - Returns: `round(x / q_last)` in `ring`.
    static func dividingByLastModulus(_ x: UnsafePointer<T>, moduli: [Modulus<T>], to ring: RnsContext<T>) -> PolyRq<T, Coeff> {
        FHESpecialization.note(T.self, "BfvKeySwitchingKey.dividingByLastModulus")
        let n = ring.degree
        let l = ring.count
        let last = moduli[l]
        let half = last.value >> 1
        // Every word is written below.
        let data = [T](unsafeUninitializedCapacity: l * n) { out, initialized in
            for (i, modulus) in ring.moduli.enumerated() {
                let lastReduced = modulus.reduce(last.value)
                let inverse = modulus.inverse(lastReduced) ?? 0
                let inverseShoup = modulus.shoup(inverse)
                if ring.usesVectorLanes {
                    // Eight lanes (the vector build), the same words.
                    RnsVector64.divideByLast(
                        RnsVector64.readOnlyWords(x + i * n), RnsVector64.readOnlyWords(x + l * n),
                        into: RnsVector64.words(out.baseAddress.unsafelyUnwrapped + i * n), count: n,
                        half: UInt64(half), lastReduced: UInt64(lastReduced), inverse: UInt64(inverse),
                        inverseShoup: UInt64(inverseShoup), oneShoup: UInt64(modulus.shoup(1)),
                        modulus: UInt64(modulus.value))
                    continue
                }
                for j in 0..<n {
                    let r = x[l * n + j]
                    // The centred residue r or r - q_last, reduced modulo q_i.
                    let rModQ = r > half ? modulus.subtract(modulus.reduce(r), lastReduced) : modulus.reduce(r)
                    let difference = modulus.subtract(x[i * n + j], rModQ)
                    out[i * n + j] = modulus.multiplyShoup(difference, by: inverse, shoup: inverseShoup)
                }
            }
            initialized = l * n
        }
        return PolyRq<T, Coeff>(context: ring, data: data)
    }
}
