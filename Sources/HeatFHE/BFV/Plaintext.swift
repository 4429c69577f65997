/// A BFV plaintext: a polynomial of `Z_t[X]/(X^N + 1)` with coefficients in `[0, t)`, plus the
/// encoding metadata that tells the decoder how to read it.
///
/// Invariants, enforced by the initialiser and kept by read-only properties: exactly `N`
/// coefficients, each below `t`, and at most `N` values.
///
/// ```swift
/// let plaintext = try encoder.encode(signed: [-1, 2, -3], encoding: .coefficient)
/// let values = encoder.decodeSigned(plaintext)   // [-1, 2, -3]
/// ```
public struct Plaintext<T: ScalarType>: Sendable {
    /// The parameters.
    public let context: BfvContext<T>
    /// The `N` coefficients, each in `[0, t)` (read-only outside HeatFHE: the initialiser checks them).
    public internal(set) var coefficients: [T]
    /// How the values were encoded.
    public internal(set) var encoding: BfvEncoding
    /// Whether the values are signed (a label that operations refuse to mix; see ``BfvSignedness``).
    public internal(set) var signedness: BfvSignedness
    /// How many values were encoded (the decoder returns this many).
    public internal(set) var valueCount: Int

    /// Creates a plaintext from coefficients.
    ///
    /// - Parameters:
    ///   - context: the parameters.
    ///   - coefficients: `N` coefficients in `[0, t)`.
    ///   - encoding: the encoding.
    ///   - signedness: signed or unsigned values.
    ///   - valueCount: the number of values (at most `N`).
    /// - Throws: ``FHEError/malformedData(source:reason:)`` if a coefficient is out of range or the
    ///   count is wrong.
    public init(
        context: BfvContext<T>, coefficients: [T], encoding: BfvEncoding, signedness: BfvSignedness,
        valueCount: Int
    ) throws(FHEError) {
        guard coefficients.count == context.degree, (0...context.degree).contains(valueCount) else {
            throw .malformedData(
                source: "plaintext", reason: "\(coefficients.count) coefficients and \(valueCount) values for N=\(context.degree)")
        }
        let t = context.plaintextModulus.value
        if let bad = coefficients.firstIndex(where: { $0 >= t }) {
            throw .malformedData(source: "plaintext", reason: "coefficient \(bad) is not below t=\(t)")
        }
        self.context = context
        self.coefficients = coefficients
        self.encoding = encoding
        self.signedness = signedness
        self.valueCount = valueCount
    }

    /// `round(Q * m / t)` at the ciphertext level (the message as it sits in a ciphertext's `c0`),
    /// as SEAL encodes it.
    ///
    /// With `Delta = floor(Q / t)` and `r = Q mod t`, `Q*m/t = Delta*m + r*m/t`, so
    /// `round(Q*m/t) = Delta*m + floor((r*m + (t-1)/2) / t)` (no ties: `t` is odd). Compared with
    /// `Delta*m` alone, this removes the encoding error `r*m/t` (up to `t`) from the noise, which
    /// buys back up to `log2(t)` bits of fresh noise budget.
    func scaledToCiphertext() -> PolyRq<T, Coeff> {
        var out = PolyRq<T, Coeff>(zeroIn: context.ciphertextContext)
        addScaled(to: &out, subtracting: false)
        return out
    }

    /// Adds (or subtracts) `round(Q * m / t)` (``scaledToCiphertext()``) to a ciphertext-level
    /// polynomial in place, in one pass over its residues: the kernel of plaintext addition and
    /// of encryption (issue 16, session 37: no zeroed temporary, no per-element bounds checks;
    /// `add.plain` was three passes and two allocations).
    ///
    /// - Parameters:
    ///   - target: a polynomial of the ciphertext ring, in coefficient form.
    ///   - subtracting: subtract instead of add.
    func addScaled(to target: inout PolyRq<T, Coeff>, subtracting: Bool) {
        FHESpecialization.note(T.self, "Plaintext.addScaled")
        let ring = context.ciphertextContext
        precondition(target.context.isSameRing(as: ring), "a ciphertext-level polynomial is needed")
        let n = ring.degree
        let t = context.parameters.plaintextModulus
        let r = context.modulusResidueOfT
        let half = (t - 1) / 2
        let moduli = ring.moduli
        let deltas = context.deltaResidues
        withUnsafeTemporaryAllocation(of: T.self, capacity: n) { corrections in
            // The rounding correction floor((m*r + (t-1)/2) / t) per coefficient (below t, so below
            // every modulus). For t < 2^32, m*r + (t-1)/2 < 2^64 and the quotient is Barrett's
            // estimate plus a masked correction.
            coefficients.withUnsafeBufferPointer { m in
                if t < (1 << 32) {
                    let ratio = UInt64.max / t
                    for j in 0..<n {
                        let dividend = UInt64(m[j]) &* r &+ half
                        let estimate = dividend.multipliedFullWidth(by: ratio).high
                        let remainder = dividend &- estimate &* t
                        let correction = UInt64(remainder >= t ? 1 : 0)
                        corrections[j] = T(truncatingIfNeeded: estimate &+ correction)
                    }
                } else {
                    for j in 0..<n {
                        let product = UInt64(m[j]).multipliedFullWidth(by: r)
                        let (low, carry) = product.low.addingReportingOverflow(half)
                        corrections[j] = T(
                            truncatingIfNeeded: t.dividingFullWidth((high: product.high &+ (carry ? 1 : 0), low: low)).quotient)
                    }
                }
                target.data.withUnsafeMutableBufferPointer { out in
                    for (i, modulus) in moduli.enumerated() {
                        let delta = deltas[i]
                        let deltaShoup = modulus.shoup(delta)
                        let row = out.baseAddress.unsafelyUnwrapped + i * n
                        if subtracting {
                            for j in 0..<n {
                                let scaled = modulus.add(modulus.multiplyShoup(m[j], by: delta, shoup: deltaShoup), corrections[j])
                                row[j] = modulus.subtract(row[j], scaled)
                            }
                        } else {
                            for j in 0..<n {
                                let scaled = modulus.add(modulus.multiplyShoup(m[j], by: delta, shoup: deltaShoup), corrections[j])
                                row[j] = modulus.add(row[j], scaled)
                            }
                        }
                    }
                }
            }
        }
    }

    /// `floor(Q / t) * m` at the ciphertext level: the encoding before SEAL's rounding, kept to
    /// measure the noise it costs (tests and `Docs/Performance.md`).
    func scaledToCiphertextFloor() -> PolyRq<T, Coeff> {
        let ring = context.ciphertextContext
        var out = PolyRq<T, Coeff>(zeroIn: ring)
        let n = ring.degree
        for (i, modulus) in ring.moduli.enumerated() {
            let delta = context.deltaResidues[i]
            let deltaShoup = modulus.shoup(delta)
            for j in 0..<n {
                out.data[i * n + j] = modulus.multiplyShoup(coefficients[j], by: delta, shoup: deltaShoup)
            }
        }
        return out
    }

    /// `m` with centred coefficients, lifted to the ciphertext level in evaluation form (the
    /// multiplicand of a plaintext multiplication; centring halves the noise growth).
    func liftedToCiphertext() -> PolyRq<T, Eval> {
        lifted(to: context.ciphertextContext)
    }

    /// `m` with centred coefficients (`m` or `m - t`) in `ring`, in evaluation form: each residue
    /// row is written directly and transformed in place (no signed intermediate array, no copy
    /// before the transform).
    ///
    /// - Parameter ring: a ring whose moduli all exceed `t`.
    /// - Returns: the lifted plaintext, ready for pointwise products.
    func lifted(to ring: RnsContext<T>) -> PolyRq<T, Eval> {
        FHESpecialization.note(T.self, "Plaintext.lifted")
        let n = ring.degree
        let t = context.plaintextModulus.value
        let half = t >> 1
        var data = [T](repeating: 0, count: ring.count * n)
        coefficients.withUnsafeBufferPointer { m in
            data.withUnsafeMutableBufferPointer { out in
                for (i, plan) in ring.plans.enumerated() {
                    let q = plan.modulus.value
                    let row = UnsafeMutableBufferPointer(rebasing: out[(i * n)..<((i + 1) * n)])
                    // m - t + q_i for m above t/2 (so the centred value m - t), else m; t < q_i.
                    for j in 0..<n {
                        let value = m[j]
                        row[j] = value > half ? value &+ (q &- t) : value
                    }
                    plan.forward(row)
                }
            }
        }
        return PolyRq<T, Eval>(context: ring, data: data)
    }
}
