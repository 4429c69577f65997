/// Ciphertext-ciphertext multiplication and relinearization.
///
/// Ciphertexts stay in coefficient form between operations: additions are form-agnostic,
/// rotations are a signed permutation in coefficient form, and both expensive steps of the
/// common path need coefficient form anyway (the HPS basis extension of multiplication and the
/// per-prime digit decomposition of key switching work on coefficients), so keeping ciphertexts
/// in evaluation form would only add transforms. Plaintexts that multiply many ciphertexts are
/// pre-transformed once (``BfvPreparedPlaintext``).
///
/// ```swift
/// let product = try evaluator.multiply(a, b)                                      // three polynomials
/// let relinearized = try evaluator.relinearized(product, using: relinearizationKey)  // two again
/// let same = try evaluator.multiply(a, b, relinearizingWith: relinearizationKey)
/// ```
extension BfvEvaluator {
    /// The encryption of the product (slot-wise for batch-encoded operands, the negacyclic
    /// product modulo `t` for coefficient-encoded ones), with `n1 + n2 - 1` polynomials (three for
    /// two fresh ciphertexts); decrypt it as is or ``relinearized(_:using:)`` first.
    ///
    /// RNS tensoring by the HPS method (see `BfvTensoring`): both operands are extended exactly to
    /// an auxiliary basis `P > t * N * Q`, tensored there and scaled by `t / Q` with rounding.
    /// Noise grows by roughly `t * N` times the operands' noises.
    ///
    /// - Parameters:
    ///   - lhs: a ciphertext of at most three polynomials.
    ///   - rhs: a ciphertext of the same parameters, encoding and level, at most three polynomials.
    /// - Returns: the product ciphertext.
    /// - Throws: ``FHEError/parameterMismatch(_:)`` for different parameters, encodings or levels.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func multiply(_ lhs: Ciphertext<T>, _ rhs: Ciphertext<T>) throws(FHEError) -> Ciphertext<T> {
        FHESpecialization.note(T.self, "BfvEvaluator.multiply")
        try checkBinary(lhs, rhs)
        guard lhs.polynomials.count <= 3, rhs.polynomials.count <= 3 else {
            throw .parameterMismatch("multiply takes ciphertexts of at most three polynomials; relinearize first")
        }
        let tensoring = try context.derived.tensoring(lhs.level, of: context)
        let n = context.degree
        return try Ciphertext(
            context: context, polynomials: tensoring.multiply(lhs.polynomials, rhs.polynomials), encoding: lhs.encoding,
            signedness: lhs.signedness,
            valueCount: lhs.encoding == .batch
                ? max(lhs.valueCount, rhs.valueCount)
                : (lhs.valueCount == 0 || rhs.valueCount == 0 ? 0 : min(n, lhs.valueCount + rhs.valueCount - 1)))
    }

    /// The product, relinearized to two polynomials.
    ///
    /// - Parameters:
    ///   - lhs: a ciphertext.
    ///   - rhs: a ciphertext of the same parameters, encoding and level.
    ///   - key: the relinearization key.
    /// - Returns: a two-polynomial encryption of the product.
    /// - Throws: as ``multiply(_:_:)`` and ``relinearized(_:using:)``.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func multiply(
        _ lhs: Ciphertext<T>, _ rhs: Ciphertext<T>, relinearizingWith key: BfvRelinearizationKey<T>
    ) throws(FHEError) -> Ciphertext<T> {
        FHESpecialization.note(T.self, "BfvEvaluator.multiply(relinearizingWith:)")
        return try relinearized(multiply(lhs, rhs), using: key)
    }

    /// Turns a three-polynomial ciphertext `(d0, d1, d2)` (decrypting with `1, s, s^2`) into
    /// `(d0 + k0, d1 + k1)` where `(k0, k1)` is `d2` switched from `s^2` to `s`
    /// (``BfvKeySwitchingKey``). Two-polynomial ciphertexts are returned unchanged.
    /// SEAL: `relinearize`; Apple: `relinearize`.
    ///
    /// - Parameters:
    ///   - ciphertext: a ciphertext of two or three polynomials.
    ///   - key: the relinearization key of the same parameters.
    /// - Returns: a two-polynomial ciphertext of the same message.
    /// - Throws: ``FHEError/parameterMismatch(_:)`` for other parameters or more than three polynomials.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func relinearized(_ ciphertext: Ciphertext<T>, using key: BfvRelinearizationKey<T>) throws(FHEError)
        -> Ciphertext<T>
    {
        FHESpecialization.note(T.self, "BfvEvaluator.relinearized")
        try context.requireSame(ciphertext.context, "the ciphertext")
        try context.requireSame(key.context, "the relinearization key")
        switch ciphertext.polynomials.count {
        case 2: return ciphertext
        case 3: break
        default:
            throw .parameterMismatch(
                "relinearization takes three polynomials, the ciphertext has \(ciphertext.polynomials.count)")
        }
        let level = try context.level(ciphertext.level)
        var (k0, k1) = try key.key.switchKey(ciphertext.polynomials[2], in: level)
        // Added into the fresh key-switch outputs (no copy of the ciphertext's polynomials).
        k0 += ciphertext.polynomials[0]
        k1 += ciphertext.polynomials[1]
        var out = ciphertext
        out.polynomials = [k0, k1]
        return out
    }

    /// Checks two ciphertexts for a binary operation: parameters, encoding and level.
    func checkBinary(_ lhs: Ciphertext<T>, _ rhs: Ciphertext<T>) throws(FHEError) {
        try context.requireSame(lhs.context, "the first ciphertext")
        try context.requireSame(rhs.context, "the second ciphertext")
        guard lhs.encoding == rhs.encoding else {
            throw .parameterMismatch("cannot combine a \(lhs.encoding.name) and a \(rhs.encoding.name) ciphertext")
        }
        guard lhs.level == rhs.level else {
            throw .parameterMismatch(
                "cannot combine ciphertexts at levels \(lhs.level) and \(rhs.level); switch the higher one down first")
        }
        try Self.requireSameSignedness(lhs.signedness, rhs.signedness)
    }
}
