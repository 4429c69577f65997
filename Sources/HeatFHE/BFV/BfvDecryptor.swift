/// Decrypts ciphertexts and measures their remaining noise budget.
///
/// Decryption computes `x = [c0 + c1*s + ... + ck*s^k]_Q` in RNS form and then, per coefficient,
/// `m = round(t * x / Q) mod t` with the Halevi-Polyakov-Shoup scale-and-round on the residues
/// (`BfvScaleAndRound`: word arithmetic only, exact, with a big-integer fallback for coefficients
/// within about `L * 2^-64` of a rounding boundary). The noise budget still composes each coefficient with
/// ``BigInt``.
///
/// ```swift
/// let decryptor = BfvDecryptor(secretKey: secretKey)
/// let plaintext = try decryptor.decrypt(ciphertext)
/// let budget = try decryptor.noiseBudget(ciphertext)   // bits left before decryption fails
/// ```
public struct BfvDecryptor<T: ScalarType>: Sendable {
    /// The secret key.
    public let secretKey: SecretKey<T>

    /// Creates a decryptor.
    ///
    /// - Parameter secretKey: the secret key.
    public init(secretKey: SecretKey<T>) { self.secretKey = secretKey }

    /// `[c0 + c1*s + ... + ck*s^k]_Q` as integers in `[0, Q)`.
    func phase(_ ciphertext: Ciphertext<T>) throws(FHEError) -> [BigInt] {
        try phasePolynomial(ciphertext).composedCoefficients()
    }

    /// `[c0 + c1*s + ... + ck*s^k]_Q` in coefficient form (RNS residues).
    func phasePolynomial(_ ciphertext: Ciphertext<T>) throws(FHEError) -> PolyRq<T, Coeff> {
        let context = secretKey.context
        try context.requireSame(ciphertext.context, "the ciphertext")
        let s = secretKey.polynomial.dropping(to: ciphertext.polynomials[0].context)
        var sPower = s
        var sum = ciphertext.polynomials[0]
        for (index, polynomial) in ciphertext.polynomials.enumerated().dropFirst() {
            if index > 1 { sPower *= s }
            sum += (polynomial.forwardNTT() * sPower).inverseNTT()
        }
        return sum
    }

    /// Decrypts a ciphertext.
    ///
    /// - Parameter ciphertext: a ciphertext of the same parameters.
    /// - Returns: the plaintext, with the ciphertext's encoding metadata.
    /// - Throws: ``FHEError/parameterMismatch(_:)`` for a ciphertext of other parameters.
    public func decrypt(_ ciphertext: Ciphertext<T>) throws(FHEError) -> Plaintext<T> {
        let context = secretKey.context
        let rounder = try context.level(ciphertext.level).scaleAndRound
        guard rounder.isApplicable else { return try decryptReference(ciphertext) }
        let coefficients = rounder.scaleAndRound(try phasePolynomial(ciphertext))
        return try Plaintext(
            context: context, coefficients: coefficients, encoding: ciphertext.encoding,
            signedness: ciphertext.signedness, valueCount: ciphertext.valueCount)
    }

    /// Decrypts with ``BigInt`` per coefficient (CRT composition, then `round(t * x / Q) mod t`):
    /// the slow, obviously exact reference that tests compare the fast path with.
    func decryptReference(_ ciphertext: Ciphertext<T>) throws(FHEError) -> Plaintext<T> {
        let context = secretKey.context
        let q = ciphertext.polynomials[0].context.modulusProduct
        let halfQ = q / BigInt(2)
        let t = BigInt(context.parameters.plaintextModulus)
        let tValue = context.parameters.plaintextModulus
        let coefficients = try phase(ciphertext).map { x -> T in
            let rounded = (t * x + halfQ).floorDivided(by: q)
            return T(rounded.residue(modulo: tValue))
        }
        return try Plaintext(
            context: context, coefficients: coefficients, encoding: ciphertext.encoding,
            signedness: ciphertext.signedness, valueCount: ciphertext.valueCount)
    }

    /// The invariant noise budget in bits: how much noise the ciphertext can still absorb.
    ///
    /// With `v = [t * x]_Q` centred (the scaled noise: `t*x = Q*m + v`), decryption is correct
    /// while `|v| < Q/2`; the budget is `max(0, floor(log2(Q/2)) - ceil(log2(max |v|)))`, computed
    /// conservatively from bit lengths. Zero means decryption may already be wrong.
    ///
    /// - Parameter ciphertext: a ciphertext of the same parameters.
    /// - Returns: the budget in bits.
    /// - Throws: ``FHEError/parameterMismatch(_:)`` for a ciphertext of other parameters.
    public func noiseBudget(_ ciphertext: Ciphertext<T>) throws(FHEError) -> Int {
        let context = secretKey.context
        let q = ciphertext.polynomials[0].context.modulusProduct
        let halfQ = q / BigInt(2)
        let t = BigInt(context.parameters.plaintextModulus)
        var largest = BigInt(0)
        for x in try phase(ciphertext) {
            var v = (t * x).modulo(q)
            if v > halfQ { v = q - v }
            if v > largest { largest = v }
        }
        return max(0, q.bitWidth - 2 - largest.bitWidth)
    }
}
