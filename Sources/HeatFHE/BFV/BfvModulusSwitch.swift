/// Modulus switching: moving a ciphertext down the modulus chain one prime at a time.
///
/// Switching from `Q = q_0 ... q_(l-1)` to `Q' = Q / q_(l-1)` replaces each polynomial `c` by
/// `round(c / q_(l-1))` = `(c - [c]_(q_(l-1))) * q_(l-1)^-1` modulo each remaining prime, with the
/// centred residue `[c]_(q_(l-1))` (so the division rounds to nearest). Decryption at `Q'` still
/// gives `m`: the scaled message `Delta * m` becomes `Delta' * m` up to a small error and the
/// noise shrinks by `q_(l-1)` while a rounding noise of about `t * (1 + N) / 2` is added. The
/// result is smaller (one residue polynomial less per ciphertext polynomial), which is what the
/// evaluator sends back to the key holder. Each switch costs noise budget in absolute terms once
/// the noise is below the rounding term; ``BfvDecryptor/invariantNoiseBudget(_:)`` shows what is left.
/// SEAL: `mod_switch_to_next`; Apple: `modSwitchDown`.
///
/// ```swift
/// let smaller = try evaluator.switchingModulusDown(sum)   // level L - 1
/// let smallest = try evaluator.switchingModulus(sum, toLevel: 1)
/// ```
extension BfvEvaluator {
    /// Drops the last prime of the ciphertext's level, with rounding.
    ///
    /// - Parameter ciphertext: a ciphertext at level 2 or more.
    /// - Returns: the same message at one level lower.
    /// - Throws: ``FHEError/parameterMismatch(_:)`` at level 1 or for other parameters.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func switchingModulusDown(_ ciphertext: Ciphertext<T>) throws(FHEError) -> Ciphertext<T> {
        FHESpecialization.note(T.self, "BfvEvaluator.switchingModulusDown")
        try context.requireSame(ciphertext.context, "the ciphertext")
        guard ciphertext.level > 1 else {
            throw .parameterMismatch("the ciphertext is at the lowest level (one modulus); it cannot switch down")
        }
        let target = try context.level(ciphertext.level - 1)
        var out = ciphertext
        out.polynomials = ciphertext.polynomials.map { BfvKeySwitchingKey<T>.dividingByLastModulus($0, to: target.ring) }
        return out
    }

    /// Switches down until the ciphertext has `level` moduli.
    ///
    /// - Parameters:
    ///   - ciphertext: a ciphertext.
    ///   - level: the target level, from 1 to the ciphertext's level.
    /// - Returns: the same message at `level`.
    /// - Throws: ``FHEError/parameterMismatch(_:)`` for a level above the ciphertext's or below 1.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func switchingModulus(_ ciphertext: Ciphertext<T>, toLevel level: Int) throws(FHEError) -> Ciphertext<T> {
        FHESpecialization.note(T.self, "BfvEvaluator.switchingModulus")
        guard (1...ciphertext.level).contains(level) else {
            throw .parameterMismatch("cannot switch a level-\(ciphertext.level) ciphertext to level \(level)")
        }
        var out = ciphertext
        while out.level > level { out = try switchingModulusDown(out) }
        return out
    }
}
