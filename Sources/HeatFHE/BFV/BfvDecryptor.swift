/// Decrypts ciphertexts, and (only when asked) measures their invariant noise budget.
///
/// Decryption computes the phase `x = [c0 + c1*s + ... + ck*s^k]_Q` in RNS form, borrowing `s`
/// from the ``SecretKey`` (``SecretKey/withSecretPolynomial(at:_:)``), and then, per coefficient,
/// `m = round(t * x / Q) mod t` with the fixed-point scale-and-round of `BfvScaleAndRound`: word
/// arithmetic only, exact for every input (no big-integer fallback), with no branch on the
/// data; the phase and every product with `s` are wiped when done. The time taken does not depend
/// on the message or the noise (`heatctl bench fhe --timing`, `Docs/Performance.md`).
///
/// The noise budget depends on the secret, so it is a separate, explicit call of the key holder
/// (``invariantNoiseBudget(_:)``), never part of decryption's output.
///
/// ```swift
/// let decryptor = BfvDecryptor(secretKey: secretKey)
/// let plaintext = try decryptor.decrypt(ciphertext)
/// let budget = try decryptor.invariantNoiseBudget(ciphertext)   // bits left before decryption fails
/// ```
public struct BfvDecryptor<T: ScalarType>: Sendable {
    /// The secret key.
    public let secretKey: SecretKey<T>

    /// Creates a decryptor.
    ///
    /// - Parameter secretKey: the secret key.
    public init(secretKey: SecretKey<T>) { self.secretKey = secretKey }

    /// `[c0 + c1*s + ... + ck*s^k]_Q` as integers in `[0, Q)` (not wiped: tests and the noise budget).
    func phase(_ ciphertext: Ciphertext<T>) throws(FHEError) -> [BigInt] {
        var polynomial = try phasePolynomial(ciphertext)
        defer { polynomial.wipe() }
        return polynomial.composedCoefficients()
    }

    /// `[c0 + c1*s + ... + ck*s^k]_Q` in coefficient form (RNS residues). It holds the message and
    /// the noise: the caller wipes it.
    ///
    /// One prime at a time, each `c_k`'s residues are copied into one scratch row of `N` words,
    /// transformed, multiplied by `s^k`, transformed back and added to the sum in place (one
    /// allocation for the sum, one wiped scratch row; issue 16, session 37: the product and the
    /// term used to be two fresh polynomials per `c_k`, each allocated and wiped).
    func phasePolynomial(_ ciphertext: Ciphertext<T>) throws(FHEError) -> PolyRq<T, Coeff> {
        FHESpecialization.note(T.self, "BfvDecryptor.phasePolynomial")
        let context = secretKey.context
        try context.requireSame(ciphertext.context, "the ciphertext")
        let ring = ciphertext.polynomials[0].context
        let n = ring.degree
        return secretKey.withSecretPolynomial(at: ring) { (s: PolyRq<T, Eval>) -> PolyRq<T, Coeff> in
            var sPower = s
            // Only a power s^k (k > 1) is a private buffer: s itself is wiped by the key.
            defer { if ciphertext.polynomials.count > 2 { sPower.wipe() } }
            var sum = ciphertext.polynomials[0]
            sum.data.withUnsafeMutableBufferPointer { sumWords in
                withUnsafeTemporaryAllocation(of: T.self, capacity: n) { row in
                    let scratch = row.baseAddress.unsafelyUnwrapped
                    for (index, polynomial) in ciphertext.polynomials.enumerated().dropFirst() {
                        if index > 1 { sPower *= s }
                        polynomial.data.withUnsafeBufferPointer { c in
                            sPower.data.withUnsafeBufferPointer { power in
                                for (i, plan) in ring.plans.enumerated() {
                                    let modulus = plan.modulus
                                    let offset = i * n
                                    scratch.initialize(from: c.baseAddress.unsafelyUnwrapped + offset, count: n)
                                    plan.forward(row)
                                    for j in 0..<n { scratch[j] = modulus.multiply(scratch[j], power[offset + j]) }
                                    plan.inverse(row)
                                    let target = sumWords.baseAddress.unsafelyUnwrapped + offset
                                    for j in 0..<n { target[j] = modulus.add(target[j], scratch[j]) }
                                }
                            }
                        }
                    }
                    secureZero(UnsafeMutableRawBufferPointer(row))
                }
            }
            return sum
        }
    }

    /// Decrypts a ciphertext.
    ///
    /// - Parameter ciphertext: a ciphertext of the same parameters.
    /// - Returns: the plaintext, with the ciphertext's encoding metadata.
    /// - Throws: ``FHEError/parameterMismatch(_:)`` for a ciphertext of other parameters.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func decrypt(_ ciphertext: Ciphertext<T>) throws(FHEError) -> Plaintext<T> {
        FHESpecialization.note(T.self, "BfvDecryptor.decrypt")
        let context = secretKey.context
        let rounder = try context.level(ciphertext.level).scaleAndRound
        guard rounder.isApplicable else { return try decryptReference(ciphertext) }
        var phase = try phasePolynomial(ciphertext)
        defer { phase.wipe() }
        let coefficients = rounder.scaleAndRound(phase)
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

    /// The invariant noise budget in bits, as Microsoft SEAL defines it: how much noise the
    /// ciphertext can still absorb before decryption fails.
    ///
    /// With `v = [t * x]_Q` centred (`t*x = Q*m + v`; `v / Q` is SEAL's invariant noise scaled by
    /// `t`), decryption is correct while `|v| < Q/2`. The budget is
    /// `max(0, bits(Q) - bits(max |v|) - 1)` with `bits` the number of significant bits, exactly
    /// SEAL's `Decryptor::invariant_noise_budget`. Zero means decryption may already be wrong.
    ///
    /// This depends on the secret key and tells its holder how much noise a ciphertext carries;
    /// it is computed with big integers (not constant-time), so call it deliberately and do not
    /// publish it (`heatctl fhe decrypt` shows it only with `--noise-budget`).
    ///
    /// - Parameter ciphertext: a ciphertext of the same parameters.
    /// - Returns: the budget in bits.
    /// - Throws: ``FHEError/parameterMismatch(_:)`` for a ciphertext of other parameters.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func invariantNoiseBudget(_ ciphertext: Ciphertext<T>) throws(FHEError) -> Int {
        FHESpecialization.note(T.self, "BfvDecryptor.invariantNoiseBudget")
        let q = ciphertext.polynomials[0].context.modulusProduct
        let halfQ = q / BigInt(2)
        let t = BigInt(secretKey.context.parameters.plaintextModulus)
        var largest = BigInt(0)
        for x in try phase(ciphertext) {
            var v = (t * x).modulo(q)
            if v > halfQ { v = q - v }
            if v > largest { largest = v }
        }
        return max(0, q.bitWidth - largest.bitWidth - 1)
    }

    /// The invariant noise budget in bits (renamed ``invariantNoiseBudget(_:)``).
    ///
    /// - Parameter ciphertext: a ciphertext of the same parameters.
    /// - Returns: the budget in bits.
    /// - Throws: ``FHEError/parameterMismatch(_:)`` for a ciphertext of other parameters.
    @available(*, deprecated, renamed: "invariantNoiseBudget(_:)")
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func noiseBudget(_ ciphertext: Ciphertext<T>) throws(FHEError) -> Int {
        FHESpecialization.note(T.self, "BfvDecryptor.noiseBudget")
        return try invariantNoiseBudget(ciphertext)
    }
}
