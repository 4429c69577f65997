/// The named BFV parameter presets, each at 128-bit security (HomomorphicEncryption.org standard,
/// ternary secret) with `log2 Q` counting every key-level modulus, the special prime included.
///
/// The primes were generated once with ``PrimeGenerator/nttPrimes(bitWidth:count:degree:excluding:)``
/// (largest first) and are hard-coded so files stay stable; a test re-checks primality and
/// `q = 1 mod 2N`.
///
/// | name | N | ciphertext moduli | special prime | t |
/// | --- | --- | --- | --- | --- |
/// | `n4096-logq109-logt17` | 4096 | 3 x 27 bits (`UInt32`) | 28 bits | 65537 |
/// | `n8192-logq217-logt25` | 8192 | 3 x 54 bits | 55 bits | 33538049 |
/// | `n8192-logq217-logt41` | 8192 | 3 x 54 bits | 55 bits | 2199023190017 |
/// | `n16384-logq434-logt30` | 16384 | 6 x 62 bits | 62 bits | 1073643521 |
/// | `n16384-logq248-logt41` | 16384 | 3 x 62 bits | 62 bits | 2199023190017 |
/// | `n16384-logq434-logt60` | 16384 | 6 x 62 bits | 62 bits | 1152921504606748673 |
///
/// Every `t` is a prime `= 1 mod 2N`, so all presets support batching. The two `logt41` / `logt60`
/// presets hold large sums (``sumBound``): `n8192-logq217-logt41` sums up to `2^41 - 1` unsigned
/// (`2^40` signed), enough for 2^23-sized heats over 2^18 = 262,144 clients; `n16384-logq434-logt60`
/// sums up to about `2^60`. ``preset(forSumBound:signed:)`` picks the cheapest preset for a bound.
///
/// ```swift
/// for preset in BfvParameters.presets { print(preset.name) }
/// let parameters = try BfvParameters(preset: "n8192-logq217-logt25")
/// ```
extension BfvParameters {
    /// The presets, cheapest first (smallest ring, then smallest `t`).
    public static let presets: [BfvParameters] = [
        BfvParameters(
            degree: 4096, plaintextModulus: 65537,
            ciphertextModuli: [134_176_769, 134_111_233, 134_012_929], specialModulus: 268_369_921,
            scalarWidth: .bits32),
        BfvParameters(
            degree: 8192, plaintextModulus: 33_538_049,
            ciphertextModuli: [18_014_398_508_400_641, 18_014_398_508_138_497, 18_014_398_507_892_737],
            specialModulus: 36_028_797_018_652_673, scalarWidth: .bits64),
        BfvParameters(
            degree: 8192, plaintextModulus: 2_199_023_190_017,
            ciphertextModuli: [18_014_398_508_400_641, 18_014_398_508_138_497, 18_014_398_507_892_737],
            specialModulus: 36_028_797_018_652_673, scalarWidth: .bits64),
        BfvParameters(
            degree: 16384, plaintextModulus: 1_073_643_521,
            ciphertextModuli: [
                4_611_686_018_427_322_369, 4_611_686_018_427_289_601, 4_611_686_018_425_815_041,
                4_611_686_018_424_733_697, 4_611_686_018_423_881_729, 4_611_686_018_423_390_209,
            ],
            specialModulus: 4_611_686_018_423_062_529, scalarWidth: .bits64),
        // The aggregates' preset (issue 14): t = 2^41 as above (also 1 mod 2 * 16384) on three of
        // the 62-bit primes below, so the worst-case noise of masked sums and rotate-and-add stays
        // more than 40 bits under the flood (`BfvNoiseBound`), at half the key-switch cost of six primes.
        BfvParameters(
            degree: 16384, plaintextModulus: 2_199_023_190_017,
            ciphertextModuli: [4_611_686_018_427_322_369, 4_611_686_018_427_289_601, 4_611_686_018_425_815_041],
            specialModulus: 4_611_686_018_423_062_529, scalarWidth: .bits64),
        BfvParameters(
            degree: 16384, plaintextModulus: 1_152_921_504_606_748_673,
            ciphertextModuli: [
                4_611_686_018_427_322_369, 4_611_686_018_427_289_601, 4_611_686_018_425_815_041,
                4_611_686_018_424_733_697, 4_611_686_018_423_881_729, 4_611_686_018_423_390_209,
            ],
            specialModulus: 4_611_686_018_423_062_529, scalarWidth: .bits64),
    ]

    /// The names of the presets, smallest ring first.
    public static var presetNames: [String] { presets.map(\.name) }

    /// The preset with the given name.
    ///
    /// - Parameter name: a name of ``presetNames`` such as `n4096-logq109-logt17`.
    /// - Throws: ``FHEError/unknownPreset(_:available:)`` listing the presets.
    public init(preset name: String) throws(FHEError) {
        guard let preset = Self.presets.first(where: { $0.name == name }) else {
            throw .unknownPreset(name, available: Self.presetNames)
        }
        self = preset
    }

    /// The name of the preset these parameters equal, if any.
    public var presetName: String? { Self.presets.contains(self) ? name : nil }
}
