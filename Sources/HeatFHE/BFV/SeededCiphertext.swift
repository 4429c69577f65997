/// A fresh secret-key ciphertext in seeded (half-size) form: `c0` and the 32-byte seed from which
/// `c1 = a` is expanded (``PolySeed``).
///
/// Only a secret-key encryption has a uniform `c1`, so only ``BfvEncryptor/encryptSeeded(_:using:)``
/// makes one. It is a storage and transport form: ``expanded()`` gives the ordinary
/// ``Ciphertext`` that every operation takes. Its `fheSeededCiphertext` file is about half the
/// size of the `fheCiphertext` file (`Docs/FHE-Format.md`).
///
/// ```swift
/// let seeded = try BfvEncryptor(secretKey: secretKey).encryptSeeded(plaintext)
/// try BfvFile.write(seeded.envelope(), to: URL(filePath: "values.ct"))   // half the size
/// let ciphertext = try seeded.expanded()
/// ```
public struct SeededCiphertext<T: ScalarType>: Sendable {
    /// The parameters.
    public let context: BfvContext<T>
    /// `c0` in coefficient form at the ciphertext level.
    public let c0: PolyRq<T, Coeff>
    /// The seed of `c1`.
    public let seed: PolySeed
    /// How the encrypted values were encoded.
    public let encoding: BfvEncoding
    /// Whether the encrypted values are signed.
    public let signedness: BfvSignedness
    /// How many values are encrypted.
    public let valueCount: Int

    /// Creates a seeded ciphertext.
    ///
    /// - Parameters:
    ///   - context: the parameters.
    ///   - c0: `c0` at the ciphertext level.
    ///   - seed: the seed of `c1`.
    ///   - encoding: the encoding of the values.
    ///   - signedness: signed or unsigned values.
    ///   - valueCount: how many values.
    /// - Throws: ``FHEError/malformedData(source:reason:)`` if `c0` is in another ring or the count is wrong.
    public init(
        context: BfvContext<T>, c0: PolyRq<T, Coeff>, seed: PolySeed, encoding: BfvEncoding,
        signedness: BfvSignedness, valueCount: Int
    ) throws(FHEError) {
        guard c0.context.isSameRing(as: context.ciphertextContext) else {
            throw .malformedData(source: "seeded ciphertext", reason: "c0 is not at the ciphertext level")
        }
        guard (0...context.degree).contains(valueCount) else {
            throw .malformedData(source: "seeded ciphertext", reason: "valueCount \(valueCount) exceeds N=\(context.degree)")
        }
        self.context = context
        self.c0 = c0
        self.seed = seed
        self.encoding = encoding
        self.signedness = signedness
        self.valueCount = valueCount
    }

    /// The ordinary two-polynomial ciphertext, `c1` expanded from the seed.
    ///
    /// - Returns: the ciphertext.
    /// - Throws: never in practice (the invariants were checked by the initialiser).
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func expanded() throws(FHEError) -> Ciphertext<T> {
        FHESpecialization.note(T.self, "SeededCiphertext.expanded")
        let c1: PolyRq<T, Coeff> = seed.uniformPolynomial(in: context.ciphertextContext)
        return try Ciphertext(
            context: context, polynomials: [c0, c1], encoding: encoding, signedness: signedness, valueCount: valueCount)
    }
}
