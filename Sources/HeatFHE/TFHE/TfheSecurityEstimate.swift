import Foundation

/// A published LWE point with a stated security level: the dimension, the modulus and the noise
/// standard deviation a lattice-estimator run (by Zama) found to cost at least ``bits`` bits.
///
/// ```swift
/// let point = TfheSecurityReference.tfheRs887
/// print(point.noiseRateLog2)   // about -19.8: sigma / q of TUniform(45) on 2^64
/// ```
public struct TfheSecurityReference: Sendable, Hashable {
    /// Where the point is published (library, version, parameter name).
    public let source: String
    /// The LWE dimension (`n`, or `kN` for a GLWE key read as a vector).
    public let dimension: Int
    /// `log2 q` of the modulus the point is stated on.
    public let modulusLog2: Double
    /// `log2 sigma` of the noise on that modulus.
    public let standardDeviationLog2: Double
    /// The published security in bits.
    public let bits: Int

    /// `log2(sigma / q)`: the noise rate, what the attacks' cost depends on to first order.
    public var noiseRateLog2: Double { standardDeviationLog2 - modulusLog2 }

    /// TFHE-rs 0.10-0.11 `PARAM_MESSAGE_2_CARRY_2_KS_PBS_TUNIFORM_2M64`
    /// (`tfhe/src/shortint/parameters/classic/tuniform/p_fail_2_minus_64/ks_pbs.rs`,
    /// "security = 132 bits"), small key: `n = 887`, TUniform(45) on `2^64`.
    public static let tfheRs887 = TfheSecurityReference(
        source: "TFHE-rs 0.10-0.11 PARAM_MESSAGE_2_CARRY_2_KS_PBS_TUNIFORM_2M64 small key (n=887, TUniform(45), 132 bits)",
        dimension: 887, modulusLog2: 64, standardDeviationLog2: TfheSecurityEstimate.tUniformStandardDeviationLog2(bound: 45),
        bits: 132)
    /// The same TFHE-rs set, GLWE key `k = 1, N = 2048`, TUniform(15) on `2^64`, 132 bits.
    public static let tfheRsGlwe2048 = TfheSecurityReference(
        source: "TFHE-rs 0.10-0.11 PARAM_MESSAGE_2_CARRY_2_KS_PBS_TUNIFORM_2M64 GLWE key (k=1, N=2048, TUniform(15), 132 bits)",
        dimension: 2048, modulusLog2: 64, standardDeviationLog2: TfheSecurityEstimate.tUniformStandardDeviationLog2(bound: 15),
        bits: 132)
    /// TFHE-rs 0.10-0.11 `PARAM_MESSAGE_2_CARRY_0_KS_PBS_TUNIFORM_2M64` (same file, "security = 132
    /// bits"), GLWE key `k = 2, N = 1024`, TUniform(15) on `2^64`.
    public static let tfheRsGlwe2x1024 = TfheSecurityReference(
        source: "TFHE-rs 0.10-0.11 PARAM_MESSAGE_2_CARRY_0_KS_PBS_TUNIFORM_2M64 GLWE key (k=2, N=1024, TUniform(15), 132 bits)",
        dimension: 2048, modulusLog2: 64, standardDeviationLog2: TfheSecurityEstimate.tUniformStandardDeviationLog2(bound: 15),
        bits: 132)
    /// Concrete's 128-bit curve at `n = 822`: the Gaussian `sigma = 2^45.55` on `2^64` that
    /// concrete-python 2.11's optimizer gives the small key of a 4-bit lookup at its default
    /// `p_error` (measured on this machine, Docs/Performance.md "Issue 22 (session 37)").
    public static let concreteCurve822 = TfheSecurityReference(
        source: "concrete-python 2.11 optimizer, 128-bit curve (LWE n=822, Gaussian sigma 2^45.55)", dimension: 822,
        modulusLog2: 64, standardDeviationLog2: 45.55, bits: 128)
    /// Concrete's 128-bit curve at `n = 944`: the Gaussian `sigma = 2^42.418` on `2^64` that
    /// concrete-python 2.11's optimizer gives the small key of a 6-bit lookup at `p_error = 2^-40`
    /// (measured on this machine, Docs/Performance.md "Issue 22 (session 39)").
    public static let concreteCurve944 = TfheSecurityReference(
        source: "concrete-python 2.11 optimizer, 128-bit curve (LWE n=944, Gaussian sigma 2^42.418)", dimension: 944,
        modulusLog2: 64, standardDeviationLog2: 42.418, bits: 128)
    /// Concrete's 128-bit curve at `n = 1054`: `sigma = 2^39.592` on `2^64`, the small key of its
    /// 8-bit lookup at `p_error = 2^-40`.
    public static let concreteCurve1054 = TfheSecurityReference(
        source: "concrete-python 2.11 optimizer, 128-bit curve (LWE n=1054, Gaussian sigma 2^39.592)", dimension: 1054,
        modulusLog2: 64, standardDeviationLog2: 39.592, bits: 128)
    /// Concrete's 128-bit curve for the GLWE key `k = 1, N = 8192`: `sigma = 2^2.0` on `2^64` (the
    /// curve's floor, which the optimizer gives the 6-bit lookup's GLWE key at `p_error = 2^-40`).
    public static let concreteCurveGlwe8192 = TfheSecurityReference(
        source: "concrete-python 2.11 optimizer, 128-bit curve (GLWE k=1, N=8192, Gaussian sigma 2^2.0)", dimension: 8192,
        modulusLog2: 64, standardDeviationLog2: 2.0, bits: 128)
    /// Concrete's 128-bit curve for the GLWE key `k = 1, N = 32768`: `sigma = 2^2.0` on `2^64`
    /// (the 8-bit lookup's GLWE key at `p_error = 2^-40`).
    public static let concreteCurveGlwe32768 = TfheSecurityReference(
        source: "concrete-python 2.11 optimizer, 128-bit curve (GLWE k=1, N=32768, Gaussian sigma 2^2.0)", dimension: 32768,
        modulusLog2: 64, standardDeviationLog2: 2.0, bits: 128)
}

/// The documented security estimate of a TFHE parameter set: each secret key's LWE instance (the
/// small key under the key-switching key, the GLWE key under the bootstrapping key and fresh
/// big-key ciphertexts) beside the published 128-bit point it is compared with.
///
/// The claim for a part holds when its dimension is at least the point's and its noise rate
/// `sigma / q` at least the point's (more noise at the same or a larger dimension is harder for
/// every known attack). A modulus smaller than the point's (the 32-bit key switch) at the same
/// rate costs a fraction of a bit in the primal estimate (`Scripts/tfhe-security-estimate.py`:
/// 0.3 bits at `n = 887`); the shipped KS32 parts carry 0.6 to 1 bit more noise than their
/// points, worth +3.3 to +6.6 bits in the same estimate. The figures are in ``documentedBits`` and Docs/TFHE.md.
///
/// ```swift
/// let estimate = TfheSecurityEstimate(parameters: .default4Bit)
/// for part in estimate.parts { print(part.name, part.dimension, part.dominatesReference) }
/// print(estimate.documentedBits ?? 0)   // 132
/// ```
public struct TfheSecurityEstimate: Sendable {
    /// One LWE instance of a set.
    public struct Part: Sendable, Hashable {
        /// "small key" or "GLWE key".
        public let name: String
        /// The dimension (`n` or `kN`).
        public let dimension: Int
        /// `log2 q` (32 or 64 for the small key, about 62 for the GLWE prime).
        public let modulusLog2: Double
        /// `b` of the TUniform noise on that modulus.
        public let noiseBoundLog2: Int
        /// The published point it is compared with (nil for insecure test sets).
        public let reference: TfheSecurityReference?

        /// `log2 sigma` of TUniform(``noiseBoundLog2``).
        public var standardDeviationLog2: Double {
            TfheSecurityEstimate.tUniformStandardDeviationLog2(bound: noiseBoundLog2)
        }
        /// `log2(sigma / q)`.
        public var noiseRateLog2: Double { standardDeviationLog2 - modulusLog2 }
        /// Whether the dimension and the noise rate are at least the reference's.
        public var dominatesReference: Bool {
            guard let reference else { return false }
            return dimension >= reference.dimension && noiseRateLog2 >= reference.noiseRateLog2 - 1e-9
        }
    }

    /// The set.
    public let parameters: TfheParameters
    /// The small-key part, then the GLWE-key part.
    public let parts: [Part]

    /// Builds the estimate of a set.
    ///
    /// - Parameter parameters: the set.
    public init(parameters: TfheParameters) {
        self.parameters = parameters
        let secure = parameters.security == .standard128
        let (small, glwe) = secure ? Self.references[parameters.name] ?? (nil, nil) : (nil, nil)
        let shift = 64 - parameters.keySwitchModulusLog2
        parts = [
            Part(
                name: "small key", dimension: parameters.lweDimension, modulusLog2: Double(parameters.keySwitchModulusLog2),
                noiseBoundLog2: parameters.lweNoiseLog2 - shift, reference: small),
            Part(
                name: "GLWE key", dimension: parameters.bigLweDimension, modulusLog2: log2(Double(Self.glweModulus)),
                noiseBoundLog2: max(0, parameters.glweNoiseLog2 - (64 - Self.glweModulus.bitWidthUsed)),
                reference: glwe),
        ]
    }

    /// The security in bits documented for the set (Docs/TFHE.md, "Security estimate"): the lower
    /// of its parts' reference figures, less the primal estimate's loss for a smaller modulus; nil
    /// for a test set or a set whose parts do not dominate their references.
    public var documentedBits: Int? {
        guard parameters.security == .standard128, parts.allSatisfy(\.dominatesReference) else { return nil }
        return Self.documentedBits[parameters.name]
    }

    /// The published points each 128-bit preset is compared with (small key, GLWE key).
    static let references: [String: (TfheSecurityReference, TfheSecurityReference)] = [
        "tfhe-4bit-2m64-ks32": (.tfheRs887, .tfheRsGlwe2048),
        "tfhe-4bit-2m64": (.tfheRs887, .tfheRsGlwe2048),
        "tfhe-4bit-2m17-ks32": (.concreteCurve822, .tfheRsGlwe2x1024),
        "tfhe-6bit-2m40-ks32": (.concreteCurve944, .concreteCurveGlwe8192),
        "tfhe-8bit-2m40-ks32": (.concreteCurve1054, .concreteCurveGlwe32768),
    ]

    /// The documented figures (Docs/TFHE.md, from `Scripts/tfhe-security-estimate.py`): the lower of
    /// the two parts' reference figures, lowered by the primal-uSVP difference between a part and
    /// its reference when that difference is negative (it is positive for every part today: each
    /// has at least one bit more noise than its reference, which outweighs the 32-bit modulus).
    static let documentedBits: [String: Int] = [
        "tfhe-4bit-2m64-ks32": 132, "tfhe-4bit-2m64": 132, "tfhe-4bit-2m17-ks32": 128,
        "tfhe-6bit-2m40-ks32": 128, "tfhe-8bit-2m40-ks32": 128,
    ]

    /// The GLWE prime (62 bits, the same for every set, ``TfheContext/primeModulus``).
    static let glweModulus: UInt64 = 4_611_686_018_427_322_369

    /// `log2` of the standard deviation of TUniform(`b`) (values in `[-2^b, 2^b]`, each end with
    /// half the weight of the others): `sqrt((2^(2b+1) + 1) / 6)`, as ``TfheNoiseModel``.
    ///
    /// - Parameter bound: `b`.
    /// - Returns: `log2 sigma`.
    public static func tUniformStandardDeviationLog2(bound: Int) -> Double {
        0.5 * log2((pow(2, Double(2 * bound + 1)) + 1) / 6)
    }
}

extension UInt64 {
    /// The number of bits up to the highest set bit.
    fileprivate var bitWidthUsed: Int { 64 - leadingZeroBitCount }
}
