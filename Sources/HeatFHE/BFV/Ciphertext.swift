/// A BFV ciphertext `(c0, c1, ..., ck)` at the ciphertext level, in coefficient form, decrypting as
/// `m = round(t * [c0 + c1*s + ... + ck*s^k]_Q / Q) mod t` per coefficient.
///
/// Fresh ciphertexts have two polynomials; a later release's multiplication will produce three
/// and relinearize them back, which is why ``polynomials`` is an array. The encoding metadata is
/// carried along so the decryptor's output can be decoded without extra flags (the count of
/// values is metadata, not secret).
///
/// Invariants, enforced by the initialiser and kept by read-only properties: at least two
/// polynomials, all in the ciphertext-level ring (so every residue is below its modulus), and at
/// most `N` values.
///
/// ```swift
/// let ciphertext = try encryptor.encrypt(plaintext)
/// let sum = try evaluator.add(ciphertext, ciphertext)
/// ```
public struct Ciphertext<T: ScalarType>: Sendable {
    /// The parameters.
    public let context: BfvContext<T>
    /// `c0, c1, ...` in coefficient form, all at the ciphertext's ``level`` (fresh: every ciphertext
    /// modulus); read-only outside HeatFHE: the initialiser checks them.
    public internal(set) var polynomials: [PolyRq<T, Coeff>]
    /// How the encrypted values were encoded.
    public internal(set) var encoding: BfvEncoding
    /// Whether the encrypted values are signed (a label that operations refuse to mix).
    public internal(set) var signedness: BfvSignedness
    /// How many values are encrypted.
    public internal(set) var valueCount: Int

    /// Creates a ciphertext from its polynomials.
    ///
    /// - Parameters:
    ///   - context: the parameters.
    ///   - polynomials: at least two polynomials at the ciphertext level.
    ///   - encoding: the encoding of the values.
    ///   - signedness: signed or unsigned values.
    ///   - valueCount: how many values.
    /// - Throws: ``FHEError/malformedData(source:reason:)`` if a polynomial is in another ring.
    public init(
        context: BfvContext<T>, polynomials: [PolyRq<T, Coeff>], encoding: BfvEncoding, signedness: BfvSignedness,
        valueCount: Int
    ) throws(FHEError) {
        guard polynomials.count >= 2, context.levelCount(of: polynomials[0].context) != nil,
            polynomials.allSatisfy({ $0.context.isSameRing(as: polynomials[0].context) })
        else {
            throw .malformedData(
                source: "ciphertext",
                reason: "a ciphertext needs at least two polynomials at one level of the ciphertext moduli")
        }
        guard (0...context.degree).contains(valueCount) else {
            throw .malformedData(source: "ciphertext", reason: "valueCount \(valueCount) exceeds N=\(context.degree)")
        }
        self.context = context
        self.polynomials = polynomials
        self.encoding = encoding
        self.signedness = signedness
        self.valueCount = valueCount
    }
}
