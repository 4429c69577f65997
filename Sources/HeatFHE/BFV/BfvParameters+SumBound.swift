/// Plaintext-modulus bounds for sums, and the parameter chooser.
///
/// Homomorphic sums are exact modulo `t` only: a sum of unsigned values decrypts correctly while
/// it is at most `t - 1`, a signed sum while its absolute value is at most `(t - 1) / 2`
/// (``sumBound(signed:)``). The pipeline adds 2^23-sized heats over groups of 20,000+ clients
/// (about 2^38), which the 41-bit preset holds:
///
/// | preset | unsigned sums up to | signed sums up to |
/// | --- | --- | --- |
/// | `n4096-logq109-logt17` | 65,536 (2^16) | 32,768 |
/// | `n8192-logq217-logt25` | 33,538,048 (~2^25) | 16,769,024 |
/// | `n8192-logq217-logt41` | 2,199,023,190,016 (~2^41) | 1,099,511,595,008 (~2^40) |
/// | `n16384-logq434-logt30` | 1,073,643,520 (~2^30) | 536,821,760 |
/// | `n16384-logq248-logt41` | 2,199,023,190,016 (~2^41) | 1,099,511,595,008 (~2^40) |
/// | `n16384-logq434-logt60` | 1,152,921,504,606,748,672 (~2^60) | 576,460,752,303,374,336 (~2^59) |
///
/// ```swift
/// let parameters = try BfvParameters.preset(forSumBound: 1 << 38)   // n8192-logq217-logt41
/// ```
extension BfvParameters {
    /// The largest sum that decrypts exactly: `t - 1` for unsigned values, `(t - 1) / 2` for
    /// signed values (in absolute value).
    ///
    /// - Parameter signed: whether the summed values may be negative.
    /// - Returns: the bound.
    public func sumBound(signed: Bool = false) -> UInt64 {
        signed ? (plaintextModulus - 1) / 2 : plaintextModulus - 1
    }

    /// The cheapest preset (smallest ring, then smallest `t`) whose ``sumBound(signed:)`` is at
    /// least `bound`.
    ///
    /// - Parameters:
    ///   - bound: the largest sum (absolute value for signed sums) the results must hold.
    ///   - signed: whether the values may be negative.
    /// - Returns: the preset.
    /// - Throws: ``FHEError/noPresetFits(bound:largest:)`` (exit 69) when no preset holds it.
    public static func preset(forSumBound bound: UInt64, signed: Bool = false) throws(FHEError) -> BfvParameters {
        if let preset = presets.first(where: { $0.sumBound(signed: signed) >= bound }) { return preset }
        let largest = presets.map { $0.sumBound(signed: signed) }.max() ?? 0
        throw .noPresetFits(bound: String(bound), largest: String(largest))
    }
}
