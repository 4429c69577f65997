/// A plaintext pre-transformed for multiplication: `m` with centred coefficients, lifted to one
/// level of the ciphertext moduli and put in evaluation (NTT) form once, so that multiplying many
/// ciphertexts by it (masks, weights) costs one pointwise product per ciphertext polynomial and
/// no transform of the plaintext. Apple's library expresses the same with `Plaintext<Bfv, Eval>`.
///
/// ```swift
/// let mask = try BfvPreparedPlaintext(encoder.encode(unsigned: weights, encoding: .batch))
/// for ciphertext in ciphertexts { _ = try evaluator.multiply(ciphertext, mask) }
/// ```
public struct BfvPreparedPlaintext<T: ScalarType>: Sendable {
    /// The parameters.
    public let context: BfvContext<T>
    /// The level (number of ciphertext moduli) the plaintext was prepared for.
    public let level: Int
    /// `m` lifted to the level's ring, evaluation form.
    let polynomial: PolyRq<T, Eval>
    /// The plaintext's encoding.
    public let encoding: BfvEncoding
    /// The plaintext's signedness.
    public let signedness: BfvSignedness
    /// The number of encoded values.
    public let valueCount: Int

    /// Prepares a plaintext for multiplying ciphertexts at a level.
    ///
    /// - Parameters:
    ///   - plaintext: the plaintext.
    ///   - level: the ciphertexts' level (default: the top level of fresh ciphertexts).
    /// - Throws: ``FHEError/parameterMismatch(_:)`` for a level that does not exist.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public init(_ plaintext: Plaintext<T>, level: Int? = nil) throws(FHEError) {
        FHESpecialization.note(T.self, "BfvPreparedPlaintext.init")
        let context = plaintext.context
        let chosen = try context.level(level ?? context.topLevel)
        self.context = context
        self.level = chosen.count
        self.polynomial = plaintext.lifted(to: chosen.ring)
        self.encoding = plaintext.encoding
        self.signedness = plaintext.signedness
        self.valueCount = plaintext.valueCount
    }
}

extension BfvEvaluator {
    /// The encryption of the ciphertext's message times a prepared plaintext (slot-wise for the
    /// batch encoding, negacyclic modulo `t` for the coefficient encoding), at any level.
    ///
    /// - Parameters:
    ///   - ciphertext: a ciphertext.
    ///   - plaintext: a plaintext prepared for the ciphertext's level, same encoding.
    /// - Returns: a ciphertext of `m * p mod t`.
    /// - Throws: ``FHEError/parameterMismatch(_:)`` for other parameters, encodings or levels.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func multiply(_ ciphertext: Ciphertext<T>, _ plaintext: BfvPreparedPlaintext<T>) throws(FHEError)
        -> Ciphertext<T>
    {
        FHESpecialization.note(T.self, "BfvEvaluator.multiply(prepared)")
        try context.requireSame(ciphertext.context, "the ciphertext")
        try context.requireSame(plaintext.context, "the plaintext")
        guard ciphertext.encoding == plaintext.encoding else {
            throw .parameterMismatch(
                "cannot combine a \(ciphertext.encoding.name) ciphertext with a \(plaintext.encoding.name) plaintext")
        }
        try BfvEvaluator<T>.requireSameSignedness(ciphertext.signedness, plaintext.signedness)
        guard ciphertext.level == plaintext.level else {
            throw .parameterMismatch(
                "the plaintext was prepared for level \(plaintext.level), the ciphertext is at level \(ciphertext.level)")
        }
        var out = ciphertext
        for index in out.polynomials.indices { out.polynomials[index].multiplyNegacyclic(by: plaintext.polynomial) }
        let n = context.degree
        out.valueCount =
            plaintext.encoding == .batch
            ? max(ciphertext.valueCount, plaintext.valueCount)
            : (ciphertext.valueCount == 0 || plaintext.valueCount == 0
                ? 0 : min(n, ciphertext.valueCount + plaintext.valueCount - 1))
        return out
    }
}
