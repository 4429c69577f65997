/// A BFV plaintext: a polynomial of `Z_t[X]/(X^N + 1)` with coefficients in `[0, t)`, plus the
/// encoding metadata that tells the decoder how to read it.
///
/// ```swift
/// let plaintext = try encoder.encode(signed: [-1, 2, -3], encoding: .coefficient)
/// let values = encoder.decodeSigned(plaintext)   // [-1, 2, -3]
/// ```
public struct Plaintext<T: ScalarType>: Sendable {
    /// The parameters.
    public let context: BfvContext<T>
    /// The `N` coefficients, each in `[0, t)`.
    public var coefficients: [T]
    /// How the values were encoded.
    public var encoding: BfvEncoding
    /// Whether the values are signed.
    public var signedness: BfvSignedness
    /// How many values were encoded (the decoder returns this many).
    public var valueCount: Int

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

    /// `Delta * m` at the ciphertext level (the message as it sits in a ciphertext's `c0`).
    func scaledToCiphertext() -> PolyRq<T, Coeff> {
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
