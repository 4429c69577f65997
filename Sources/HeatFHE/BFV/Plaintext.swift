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
        let ring = context.ciphertextContext
        let t = context.parameters.plaintextModulus
        let r = ring.modulusProduct.residue(modulo: t)
        let half = (t - 1) / 2
        // The rounding correction per coefficient (below t, so below every modulus). For t < 2^32,
        // m*r + (t-1)/2 < 2^64 and the quotient is Barrett's estimate plus a masked correction.
        let corrections: [T]
        if t < (1 << 32) {
            let ratio = UInt64.max / t
            corrections = coefficients.map { m -> T in
                let dividend = UInt64(m) &* r &+ half
                let estimate = dividend.multipliedFullWidth(by: ratio).high
                let remainder = dividend &- estimate &* t
                let correction = UInt64(remainder >= t ? 1 : 0)
                return T(truncatingIfNeeded: estimate &+ correction)
            }
        } else {
            corrections = coefficients.map { m -> T in
                let product = UInt64(m).multipliedFullWidth(by: r)
                let (low, carry) = product.low.addingReportingOverflow(half)
                return T(truncatingIfNeeded: t.dividingFullWidth((high: product.high &+ (carry ? 1 : 0), low: low)).quotient)
            }
        }
        var out = scaledToCiphertextFloor()
        let n = ring.degree
        for (i, modulus) in ring.moduli.enumerated() {
            for j in 0..<n { out.data[i * n + j] = modulus.add(out.data[i * n + j], corrections[j]) }
        }
        return out
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
        let t = context.plaintextModulus
        let centered = coefficients.map { t.centered($0) }
        return PolyRq<T, Coeff>(context: context.ciphertextContext, signedCoefficients: centered).forwardNTT()
    }
}
