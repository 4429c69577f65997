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
        let keyRows = context.keyContext.count
        let moduli = ring.moduli
        let plans = ring.plans
        // Allocation-free kernel: the sums and the digit live in one buffer borrowed from the
        // level's pool (``ScratchPool``); the digit is transformed in place and each digit row
        // multiplies the key's row at the same prime (rows q_0 ... q_(l-1), then the special
        // prime, the key's last row). Scalar path: the products are accumulated lazily as double
        // words (SEAL's approach): each product is below q^2 < 2^(2w - 4), so the sums take
        // ``lazyDigits`` of them before they are folded back below q (never, at the presets' at
        // most six primes), and each output residue is Barrett-reduced once at the end. Digit 0
        // writes the sums (no zeroing pass).
        let count = (l + 1) * n
        // The vector build (64-bit words, ``RnsContext/usesVectorLanes``): Montgomery products
        // on eight lanes instead of the scalar double-word sums. Each transformed digit row is
        // first multiplied by `R = 2^64 mod q_i` (Shoup, fully reduced), so that the Montgomery
        // product `(d R) k R^-1` is `d k mod q_i`, fully reduced, and the digits' products are
        // added modulo `q_i` as they come: the same residues as the Barrett reduction of the
        // double-word sums, with no final reduction pass. Both factors are below `q_i` (the NTT
        // ends fully reduced, and so are the key's rows).
        let vector = ring.usesVectorLanes
        let montgomery: [(factor: UInt64, shoup: UInt64, inverse: UInt64)] =
            vector ? moduli.map { Self.montgomeryConstants(UInt64($0.value)) } : []
        let result = level.keySwitchScratch.withBuffer(count: 5 * count) { buffer in
            let low0 = buffer.baseAddress.unsafelyUnwrapped
            let high0 = low0 + count
            let low1 = high0 + count
            let high1 = low1 + count
            let digit = high1 + count
            c.data.withUnsafeBufferPointer { source in
                for j in 0..<l {
                    let residues = source.baseAddress.unsafelyUnwrapped + j * n
                    for i in 0...l {
                        let modulus = moduli[i]
                        let row = digit + i * n
                        if moduli[j].value >> 2 < modulus.value {
                            // Residues below q_j < 4 q_i are valid NTT input as they are (the
                            // forward NTT takes [0, 4q) and ends fully reduced: the same words as
                            // reducing first); this covers i == j and every preset.
                            row.update(from: residues, count: n)
                        } else {
                            for k in 0..<n { row[k] = modulus.reduce(residues[k]) }
                        }
                        plans[i].forward(UnsafeMutableBufferPointer(start: row, count: n))
                        let keyRow = i < l ? i : keyRows - 1
                        if vector {
                            components[j].b.data.withUnsafeBufferPointer { b in
                                components[j].a.data.withUnsafeBufferPointer { a in
                                    Self.accumulateDigitOnLanes(
                                        j, RnsVector64.words(row), RnsVector64.readOnlyWords(b.baseAddress! + keyRow * n),
                                        RnsVector64.readOnlyWords(a.baseAddress! + keyRow * n),
                                        into: RnsVector64.words(low0 + i * n), and: RnsVector64.words(low1 + i * n),
                                        count: n, constants: montgomery[i], modulus: UInt64(modulus.value))
                                }
                            }
                            continue
                        }
                        components[j].b.data.withUnsafeBufferPointer { b in
                            components[j].a.data.withUnsafeBufferPointer { a in
                                Self.accumulateDigit(
                                    j, row, b.baseAddress! + keyRow * n, a.baseAddress! + keyRow * n,
                                    into: (low0 + i * n, high0 + i * n), and: (low1 + i * n, high1 + i * n),
                                    count: n, modulus: modulus)
                            }
                        }
                    }
                }
            }
            // The sums reduced in place into their low words and transformed back in place.
            for i in 0...l {
                let modulus = moduli[i]
                // The vector path's sums are already reduced.
                if !vector {
                    for k in (i * n)..<((i + 1) * n) {
                        low0[k] = modulus.reduceProduct((high: high0[k], low: low0[k]))
                        low1[k] = modulus.reduceProduct((high: high1[k], low: low1[k]))
                    }
                }
                plans[i].inverse(UnsafeMutableBufferPointer(start: low0 + i * n, count: n))
                plans[i].inverse(UnsafeMutableBufferPointer(start: low1 + i * n, count: n))
            }
            return (
                Self.dividingByLastModulus(UnsafePointer(low0), moduli: moduli, to: level.ring),
                Self.dividingByLastModulus(UnsafePointer(low1), moduli: moduli, to: level.ring))
        }
        return result
    }

    /// The vector build's digit step of ``switchKey(_:in:)`` for one prime: the transformed digit
    /// row `d` (below `q`) is multiplied in place by `R = 2^64 mod q` (Shoup, fully reduced), then
    /// `first[k] += d[k] * b[k]` and `second[k] += d[k] * a[k]` modulo `q` by Montgomery products
    /// (``RnsVector64/montgomeryMultiply(_:_:into:adding:count:qInverse:modulus:)``: `(d R) b R^-1 = d b`),
    /// fully reduced; digit 0 writes the sums instead (their previous contents are ignored). The
    /// same residues as ``accumulateDigit(_:_:_:_:into:and:count:modulus:)`` followed by the
    /// Barrett reduction of the double-word sums, with no fold and no final pass.
    ///
    /// - Parameters:
    ///   - j: the digit's index.
    ///   - d: `count` words below `q` (a multiple of 8), overwritten with `d R mod q`.
    ///   - b: the key row multiplied into `first`, words below `q`.
    ///   - a: the key row multiplied into `second`, words below `q`.
    ///   - first: the first sums, fully reduced.
    ///   - second: the second sums, fully reduced.
    ///   - count: the number of words.
    ///   - constants: ``montgomeryConstants(_:)`` of `q`.
    ///   - modulus: `q`, odd, below `2^62`.
    static func accumulateDigitOnLanes(
        _ j: Int, _ d: UnsafeMutablePointer<UInt64>, _ b: UnsafePointer<UInt64>, _ a: UnsafePointer<UInt64>,
        into first: UnsafeMutablePointer<UInt64>, and second: UnsafeMutablePointer<UInt64>, count: Int,
        constants: (factor: UInt64, shoup: UInt64, inverse: UInt64), modulus q: UInt64
    ) {
        RnsVector64.multiplyShoup(UnsafePointer(d), into: d, count: count, by: constants.factor, shoup: constants.shoup, modulus: q)
        RnsVector64.montgomeryMultiply(
            UnsafePointer(d), b, into: first, adding: j > 0, count: count, qInverse: constants.inverse, modulus: q)
        RnsVector64.montgomeryMultiply(
            UnsafePointer(d), a, into: second, adding: j > 0, count: count, qInverse: constants.inverse, modulus: q)
    }

    /// `R = 2^64 mod q` with its Shoup companion, and `q^-1 mod 2^64`: the Montgomery constants of
    /// the vector path of ``switchKey(_:in:)`` for an odd 64-bit modulus `q < 2^62`.
    static func montgomeryConstants(_ q: UInt64) -> (factor: UInt64, shoup: UInt64, inverse: UInt64) {
        let factor = (UInt64.max % q + 1) % q
        let shoup = q.dividingFullWidth((high: factor, low: 0)).quotient
        // Newton's iteration doubles the correct low bits of q^-1 mod 2^64 (3 to start): 3, 6, ..., 96.
        var inverse = q
        for _ in 0..<5 { inverse = inverse &* (2 &- q &* inverse) }
        return (factor, shoup, inverse)
    }

    /// How many digit products the double-word sums of ``switchKey(_:in:)`` take between two
    /// folds: every product is below `q^2 < 2^(2w - 4)` (each modulus leaves the top two bits of
    /// the word free), so a folded sum (below `q`) plus 15 products stays below `2^(2w)`.
    static var lazyDigits: Int { 15 }

    /// Adds digit `j`'s products `d[k] * b[k]` and `d[k] * a[k]` into the double-word sums, first
    /// folding both sums back below `q` when `j` is a nonzero multiple of ``lazyDigits`` (so no
    /// number of digits can overflow them). Digit 0 writes the sums instead (their previous
    /// contents are ignored, so a borrowed scratch buffer needs no zeroing).
    @inline(__always)
    static func accumulateDigit(
        _ j: Int, _ d: UnsafePointer<T>, _ b: UnsafePointer<T>, _ a: UnsafePointer<T>,
        into first: (low: UnsafeMutablePointer<T>, high: UnsafeMutablePointer<T>),
        and second: (low: UnsafeMutablePointer<T>, high: UnsafeMutablePointer<T>), count: Int, modulus: Modulus<T>
    ) {
        if j == 0 {
            for k in 0..<count {
                let x = d[k]
                let product0 = x.multipliedFullWidth(by: b[k])
                first.low[k] = product0.low
                first.high[k] = product0.high
                let product1 = x.multipliedFullWidth(by: a[k])
                second.low[k] = product1.low
                second.high[k] = product1.high
            }
            return
        }
        if j % lazyDigits == 0 {
            for k in 0..<count {
                first.low[k] = modulus.reduceProduct((high: first.high[k], low: first.low[k]))
                first.high[k] = 0
                second.low[k] = modulus.reduceProduct((high: second.high[k], low: second.low[k]))
                second.high[k] = 0
            }
        }
        multiplyAccumulate(d, b, a, into: first, and: second, count: count)
    }

    /// `(high, low) += d[k] * b[k]` and `+= d[k] * a[k]` as double words, for `k < count`.
    @inline(__always)
    static func multiplyAccumulate(
        _ d: UnsafePointer<T>, _ b: UnsafePointer<T>, _ a: UnsafePointer<T>,
        into first: (low: UnsafeMutablePointer<T>, high: UnsafeMutablePointer<T>),
        and second: (low: UnsafeMutablePointer<T>, high: UnsafeMutablePointer<T>), count: Int
    ) {
        for k in 0..<count {
            let x = d[k]
            let product0 = x.multipliedFullWidth(by: b[k])
            let (sumLow0, carry0) = first.low[k].addingReportingOverflow(product0.low)
            first.low[k] = sumLow0
            first.high[k] = first.high[k] &+ product0.high &+ (carry0 ? 1 : 0)
            let product1 = x.multipliedFullWidth(by: a[k])
            let (sumLow1, carry1) = second.low[k].addingReportingOverflow(product1.low)
            second.low[k] = sumLow1
            second.high[k] = second.high[k] &+ product1.high &+ (carry1 ? 1 : 0)
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
