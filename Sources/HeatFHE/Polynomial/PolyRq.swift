/// A polynomial of `R_Q = Z_Q[X]/(X^N + 1)` stored as residues modulo each `q_i`, in form `F`.
///
/// Storage is modulus-major: `data[i * N + j]` is coefficient (or evaluation) `j` modulo `q_i`,
/// always fully reduced to `[0, q_i)`. The form is a phantom type: pointwise multiplication exists
/// only for ``Eval``, and ``forwardNTT()`` / ``inverseNTT()`` move between the forms.
///
/// ```swift
/// let ring = try RnsContext<UInt64>(degree: 8, moduli: [17, 97])
/// let a = PolyRq<UInt64, Coeff>(context: ring, signedCoefficients: [1, -1, 0, 0, 0, 0, 0, 2])
/// let doubled = a + a
/// let square = (a.forwardNTT() * a.forwardNTT()).inverseNTT()
/// ```
public struct PolyRq<T: ScalarType, F: PolyFormat>: Sendable {
    /// The ring.
    public let context: RnsContext<T>
    /// The residues, modulus-major (`data[i * N + j]`), each in `[0, q_i)`.
    public var data: [T]

    /// The zero polynomial.
    ///
    /// - Parameter context: the ring.
    public init(zeroIn context: RnsContext<T>) {
        self.context = context
        self.data = [T](repeating: 0, count: context.degree * context.count)
    }

    /// A polynomial from its residues.
    ///
    /// - Parameters:
    ///   - context: the ring.
    ///   - data: `L * N` residues, modulus-major, each below its modulus.
    public init(context: RnsContext<T>, data: [T]) {
        precondition(data.count == context.degree * context.count, "L * N residues are needed")
        self.context = context
        self.data = data
    }

    /// The polynomial with small signed integer coefficients (for example a secret or an error),
    /// reduced modulo every `q_i`.
    ///
    /// - Parameters:
    ///   - context: the ring.
    ///   - signedCoefficients: `N` coefficients.
    public init<I: FixedWidthInteger & SignedInteger>(context: RnsContext<T>, signedCoefficients: [I]) {
        FHESpecialization.note(T.self, "PolyRq.init(signedCoefficients:)")
        precondition(signedCoefficients.count == context.degree, "N coefficients are needed")
        self.context = context
        let n = context.degree
        let moduli = context.moduli
        // Every word is written below (raw pointers: no bounds or uniqueness check per word).
        self.data = signedCoefficients.withUnsafeBufferPointer { source in
            [T](unsafeUninitializedCapacity: n * moduli.count) { out, initialized in
                let target = out.baseAddress.unsafelyUnwrapped
                let values = source.baseAddress.unsafelyUnwrapped
                for (i, modulus) in moduli.enumerated() {
                    let row = target + i * n
                    if I.bitWidth <= 16, UInt64(modulus.value) > 1 << 16 {
                        // |value| <= 2^15 < q: the sign mask alone (vectorizable).
                        for j in 0..<n { row[j] = modulus.reduce(small: Int64(values[j])) }
                    } else {
                        for j in 0..<n { row[j] = modulus.reduce(signed: Int64(values[j])) }
                    }
                }
                initialized = n * moduli.count
            }
        }
    }

    /// The ring degree `N`.
    public var degree: Int { context.degree }

    /// The residues modulo `q_i`.
    ///
    /// - Parameter index: the modulus index.
    /// - Returns: `N` residues.
    public func residues(modulus index: Int) -> ArraySlice<T> {
        data[(index * degree)..<((index + 1) * degree)]
    }

    /// `data[j] = operation(q_i, data[j], other.data[j])` through raw pointers (one uniqueness
    /// check per call, no bounds check per element; the closure is inlined by specialization).
    @inlinable
    mutating func apply(_ other: PolyRq<T, F>, _ operation: (Modulus<T>, T, T) -> T) {
        FHESpecialization.note(T.self, "PolyRq.apply")
        precondition(context.isSameRing(as: other.context), "polynomials from different rings")
        let n = context.degree
        let moduli = context.moduli
        other.data.withUnsafeBufferPointer { source in
            data.withUnsafeMutableBufferPointer { target in
                for (i, modulus) in moduli.enumerated() {
                    for j in (i * n)..<((i + 1) * n) { target[j] = operation(modulus, target[j], source[j]) }
                }
            }
        }
    }

    /// Adds `other` in place.
    @_specialize(where T == UInt32, F == Coeff)
    @_specialize(where T == UInt32, F == Eval)
    @_specialize(where T == UInt64, F == Coeff)
    @_specialize(where T == UInt64, F == Eval)
    public static func += (lhs: inout PolyRq<T, F>, rhs: PolyRq<T, F>) { lhs.apply(rhs) { $0.add($1, $2) } }
    /// Subtracts `other` in place.
    @_specialize(where T == UInt32, F == Coeff)
    @_specialize(where T == UInt32, F == Eval)
    @_specialize(where T == UInt64, F == Coeff)
    @_specialize(where T == UInt64, F == Eval)
    public static func -= (lhs: inout PolyRq<T, F>, rhs: PolyRq<T, F>) { lhs.apply(rhs) { $0.subtract($1, $2) } }

    /// The sum of two polynomials of the same ring.
    public static func + (lhs: PolyRq<T, F>, rhs: PolyRq<T, F>) -> PolyRq<T, F> {
        var out = lhs
        out += rhs
        return out
    }

    /// The difference of two polynomials of the same ring.
    public static func - (lhs: PolyRq<T, F>, rhs: PolyRq<T, F>) -> PolyRq<T, F> {
        var out = lhs
        out -= rhs
        return out
    }

    /// The negation.
    @_specialize(where T == UInt32, F == Coeff)
    @_specialize(where T == UInt32, F == Eval)
    @_specialize(where T == UInt64, F == Coeff)
    @_specialize(where T == UInt64, F == Eval)
    public static prefix func - (operand: PolyRq<T, F>) -> PolyRq<T, F> {
        FHESpecialization.note(T.self, "PolyRq.negate")
        var out = operand
        let n = operand.degree
        for (i, modulus) in operand.context.moduli.enumerated() {
            for j in (i * n)..<((i + 1) * n) { out.data[j] = modulus.negate(out.data[j]) }
        }
        return out
    }

    /// The polynomial multiplied by one scalar per modulus (for example an RNS constant).
    ///
    /// - Parameter scalars: one factor per modulus, each below its modulus.
    /// - Returns: the scaled polynomial (valid in either form).
    @_specialize(where T == UInt32, F == Coeff)
    @_specialize(where T == UInt32, F == Eval)
    @_specialize(where T == UInt64, F == Coeff)
    @_specialize(where T == UInt64, F == Eval)
    public func multiplied(byResidues scalars: [T]) -> PolyRq<T, F> {
        FHESpecialization.note(T.self, "PolyRq.multiplied")
        precondition(scalars.count == context.count, "one scalar per modulus")
        var out = self
        let n = degree
        for (i, modulus) in context.moduli.enumerated() {
            let w = scalars[i]
            let wShoup = modulus.shoup(w)
            for j in (i * n)..<((i + 1) * n) { out.data[j] = modulus.multiplyShoup(out.data[j], by: w, shoup: wShoup) }
        }
        return out
    }

    /// The polynomial multiplied by an integer scalar (reduced modulo each `q_i`).
    ///
    /// - Parameter scalar: the factor.
    /// - Returns: the scaled polynomial.
    public func multiplied(by scalar: BigInt) -> PolyRq<T, F> {
        multiplied(byResidues: context.moduliValues.map { T(scalar.residue(modulo: UInt64($0))) })
    }

    /// Keeps only the first `count` moduli (the residues of the same polynomial in a ring with
    /// fewer moduli, for example a key-level polynomial at the ciphertext level).
    ///
    /// - Parameter target: a ring whose moduli are a prefix of this one's.
    /// - Returns: the polynomial in `target`.
    public func dropping(to target: RnsContext<T>) -> PolyRq<T, F> {
        precondition(
            target.degree == degree && Array(context.moduliValues.prefix(target.count)) == target.moduliValues,
            "the target moduli must be a prefix")
        return PolyRq(context: target, data: Array(data.prefix(target.count * degree)))
    }
}

extension PolyRq where F == Coeff {
    /// The forward NTT of every residue polynomial.
    ///
    /// - Returns: the evaluation form.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func forwardNTT() -> PolyRq<T, Eval> {
        FHESpecialization.note(T.self, "PolyRq.forwardNTT")
        var out = data
        let n = degree
        out.withUnsafeMutableBufferPointer { buffer in
            for (i, plan) in context.plans.enumerated() {
                plan.forward(UnsafeMutableBufferPointer(rebasing: buffer[(i * n)..<((i + 1) * n)]))
            }
        }
        return PolyRq<T, Eval>(context: context, data: out)
    }

    /// Multiplies in place by a polynomial given in evaluation form (the negacyclic product), one
    /// residue row at a time: forward NTT, pointwise product and inverse NTT in the row's own
    /// storage (no temporaries; the row stays in cache between the three steps). Equal word for
    /// word to `(forwardNTT() * factor).inverseNTT()`.
    ///
    /// - Parameter factor: a polynomial of the same ring in evaluation form.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public mutating func multiplyNegacyclic(by factor: PolyRq<T, Eval>) {
        FHESpecialization.note(T.self, "PolyRq.multiplyNegacyclic")
        precondition(context.isSameRing(as: factor.context), "polynomials from different rings")
        let n = degree
        let plans = context.plans
        factor.data.withUnsafeBufferPointer { b in
            data.withUnsafeMutableBufferPointer { buffer in
                for (i, plan) in plans.enumerated() {
                    let row = UnsafeMutableBufferPointer(rebasing: buffer[(i * n)..<((i + 1) * n)])
                    plan.forward(row)
                    let modulus = plan.modulus
                    let w = b.baseAddress.unsafelyUnwrapped + i * n
                    for j in 0..<n { row[j] = modulus.multiply(row[j], w[j]) }
                    plan.inverse(row)
                }
            }
        }
    }

    /// The integer coefficients in `[0, Q)` (CRT composition of each coefficient's residues).
    ///
    /// - Returns: `N` integers.
    public func composedCoefficients() -> [BigInt] {
        let n = degree
        return (0..<n).map { j in context.compose((0..<context.count).map { data[$0 * n + j] }) }
    }
}

extension PolyRq where F == Eval {
    /// The inverse NTT of every residue polynomial.
    ///
    /// - Returns: the coefficient form.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func inverseNTT() -> PolyRq<T, Coeff> {
        FHESpecialization.note(T.self, "PolyRq.inverseNTT")
        var out = data
        let n = degree
        out.withUnsafeMutableBufferPointer { buffer in
            for (i, plan) in context.plans.enumerated() {
                plan.inverse(UnsafeMutableBufferPointer(rebasing: buffer[(i * n)..<((i + 1) * n)]))
            }
        }
        return PolyRq<T, Coeff>(context: context, data: out)
    }

    /// Multiplies pointwise in place (the negacyclic product in evaluation form).
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public static func *= (lhs: inout PolyRq<T, Eval>, rhs: PolyRq<T, Eval>) {
        lhs.apply(rhs) { $0.multiply($1, $2) }
    }

    /// The pointwise product (the negacyclic product of the underlying polynomials), written
    /// straight into a new buffer (no copy of `lhs` first: multiplying a public key does not
    /// copy it).
    ///
    /// Precondition: both operands hold fully reduced residues in `[0, q)` (as every NTT output and
    /// stored key does); the 32-bit path (`NarrowProduct`) is exact only for such operands, not for
    /// lazily reduced values in `[0, 2q)` or `[0, 4q)`.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public static func * (lhs: PolyRq<T, Eval>, rhs: PolyRq<T, Eval>) -> PolyRq<T, Eval> {
        FHESpecialization.note(T.self, "PolyRq.multiply")
        precondition(lhs.context.isSameRing(as: rhs.context), "polynomials from different rings")
        let n = lhs.context.degree
        let moduli = lhs.context.moduli
        let data = lhs.data.withUnsafeBufferPointer { a in
            rhs.data.withUnsafeBufferPointer { b in
                [T](unsafeUninitializedCapacity: a.count) { out, initialized in
                    for (i, modulus) in moduli.enumerated() {
                        if T.self == UInt32.self {
                            // 32-bit residues: one-word Barrett on the 64-bit product, which
                            // LLVM vectorizes (the same words as `Modulus.multiply`).
                            let offset = i * n
                            NarrowProduct.multiply(
                                UnsafeRawPointer(a.baseAddress.unsafelyUnwrapped + offset).assumingMemoryBound(to: UInt32.self),
                                UnsafeRawPointer(b.baseAddress.unsafelyUnwrapped + offset).assumingMemoryBound(to: UInt32.self),
                                into: UnsafeMutableRawPointer(out.baseAddress.unsafelyUnwrapped + offset)
                                    .assumingMemoryBound(to: UInt32.self),
                                count: n, modulus: UInt32(modulus.value))
                            continue
                        }
                        for j in (i * n)..<((i + 1) * n) { out[j] = modulus.multiply(a[j], b[j]) }
                    }
                    initialized = a.count
                }
            }
        }
        return PolyRq<T, Eval>(context: lhs.context, data: data)
    }
}

/// The pointwise product of 32-bit residues (moduli below 2^30) by Barrett reduction of the
/// 64-bit product with a one-word ratio (HAC 14.42 with base 2): for a `b`-bit modulus `q` and
/// `mu = floor(2^(2b) / q)`, `x = a * b < q^2 < 2^(2b)` gives the estimate
/// `((x >> (b - 1)) * mu) >> (b + 1)`, at most two below `floor(x / q)`, so two conditional
/// subtractions (written `min(r, r - q)`: no branch) finish. Every intermediate fits in 64 bits
/// (`(x >> (b - 1)) * mu < 2^(2b + 2) <= 2^62`), so the loop is plain 64-bit lane arithmetic
/// that LLVM vectorizes (`vpmullq`, `vpminuq` in the native build); it computes exactly the
/// words of ``Modulus/multiply(_:_:)``.
enum NarrowProduct {
    /// `out[j] = a[j] * b[j] mod q` for residues `a[j], b[j] < q`.
    ///
    /// - Parameters:
    ///   - a: `count` residues below `q`.
    ///   - b: `count` residues below `q`.
    ///   - out: `count` words, written (may be `a` or `b`).
    ///   - count: the number of words.
    ///   - modulus: `q`, odd, below `2^30`.
    static func multiply(
        _ a: UnsafePointer<UInt32>, _ b: UnsafePointer<UInt32>, into out: UnsafeMutablePointer<UInt32>, count: Int,
        modulus: UInt32
    ) {
        assert(modulus < 1 << 30 && modulus & 1 == 1, "NarrowProduct needs an odd modulus below 2^30")
        let reducer = RnsLanes32.NarrowReducer(modulus)
        for j in 0..<count { out[j] = reducer.reduce(UInt64(a[j]) &* UInt64(b[j])) }
    }
}
