import Foundation
import HeatEnvelope

/// A TFHE parameter set: the LWE and GLWE dimensions, the noise distributions, and the gadget
/// decompositions of the bootstrapping and key-switching keys.
///
/// Ciphertext moduli (see `Docs/TFHE.md`): LWE ciphertexts live modulo `2^64` (native wrapping
/// arithmetic, as in TFHE-rs); GLWE and GGSW ciphertexts, used only inside the blind rotation,
/// live modulo the NTT prime ``TfheContext/primeModulus`` (a 62-bit prime `= 1 mod 8192`) so the
/// polynomial products run through HeatFHE's exact ``NTTPlan`` instead of a floating-point FFT.
///
/// Noise is "TUniform" (uniform integers in `[-2^b, 2^b]`, the two ends with half weight), the
/// bounded distribution of the TFHE-rs 2024 parameter sets; `b` is stated on the `2^64` torus and
/// scaled by `q / 2^64` for the prime modulus, which keeps the noise rate `alpha` (and so the
/// lattice-estimator security) of the published set.
///
/// Messages have ``messageBits`` bits plus one padding bit: a message `m` in `[0, 2^messageBits)`
/// is encoded as `m * 2^(63 - messageBits)`.
///
/// The key switch works modulo `2^`\ ``keySwitchModulusLog2`` (64, or 32 as in TFHE-rs's `KS32`
/// sets: the input is rounded to `2^32` first and the key-switching key holds 32-bit words, half
/// the memory traffic of the bootstrap's key switch).
///
/// ```swift
/// let parameters = try TfheParameters(preset: "tfhe-4bit-2m64-ks32")
/// print(parameters.lweDimension, parameters.polynomialSize, parameters.keySwitchModulusLog2)   // 887 2048 32
/// ```
public struct TfheParameters: Sendable, Hashable, Codable {
    /// The security claim of a set.
    public enum SecurityLevel: String, Sendable, Hashable, Codable {
        /// At least 128 bits (the set follows a published, lattice-estimated set).
        case standard128
        /// Small, fast and insecure: tests only.
        case insecureForTesting
    }

    /// The preset name.
    public let name: String
    /// `n`, the dimension of the small LWE key the blind rotation iterates over.
    public let lweDimension: Int
    /// `k`, the number of mask polynomials of a GLWE ciphertext.
    public let glweDimension: Int
    /// `N`, the GLWE ring degree (a power of two, 256...32768; the GLWE prime is `= 1 mod 65536`).
    public let polynomialSize: Int
    /// `b` of the small-key (key-switching) TUniform noise, on the `2^64` torus.
    public let lweNoiseLog2: Int
    /// `b` of the GLWE (bootstrapping key, fresh big-key) TUniform noise, on the `2^64` torus.
    public let glweNoiseLog2: Int
    /// `log2 B` of the bootstrapping-key gadget.
    public let pbsBaseLog: Int
    /// `l`, the number of bootstrapping-key gadget levels.
    public let pbsLevels: Int
    /// `log2 B` of the key-switching gadget.
    public let ksBaseLog: Int
    /// The number of key-switching gadget levels.
    public let ksLevels: Int
    /// `log2` of the key-switching modulus: 64 (key entries are 64-bit words) or 32 (the input is
    /// rounded from `2^64` to `2^32` and the entries are 32-bit words, TFHE-rs's `KS32`). The
    /// key-switching noise ``lweNoiseLog2`` stays stated on `2^64`; on `2^32` its bound is
    /// `lweNoiseLog2 - 32` (the same noise rate).
    public let keySwitchModulusLog2: Int
    /// The message bits (the padding bit comes on top).
    public let messageBits: Int
    /// The security claim.
    public let security: SecurityLevel
    /// The published set this one follows, with its security and `p_fail` as published.
    public let reference: String

    /// Creates and validates a parameter set.
    ///
    /// - Throws: ``FHEError/invalidTfheParameter(parameter:reason:)`` naming the parameter out of range.
    public init(
        name: String, lweDimension: Int, glweDimension: Int, polynomialSize: Int, lweNoiseLog2: Int,
        glweNoiseLog2: Int, pbsBaseLog: Int, pbsLevels: Int, ksBaseLog: Int, ksLevels: Int,
        keySwitchModulusLog2: Int = 64, messageBits: Int, security: SecurityLevel, reference: String
    ) throws(FHEError) {
        self.init(
            unchecked: name, lweDimension: lweDimension, glweDimension: glweDimension, polynomialSize: polynomialSize,
            lweNoiseLog2: lweNoiseLog2, glweNoiseLog2: glweNoiseLog2, pbsBaseLog: pbsBaseLog, pbsLevels: pbsLevels,
            ksBaseLog: ksBaseLog, ksLevels: ksLevels, keySwitchModulusLog2: keySwitchModulusLog2,
            messageBits: messageBits, security: security, reference: reference)
        try validate()
    }

    /// Checks every field's range.
    ///
    /// - Throws: ``FHEError/invalidTfheParameter(parameter:reason:)`` naming the parameter out of range.
    public func validate() throws(FHEError) {
        func invalid(_ parameter: String, _ reason: String) -> FHEError {
            .invalidTfheParameter(parameter: parameter, reason: "\(reason) (set \(name))")
        }
        guard (16...2048).contains(lweDimension) else {
            throw invalid("lweDimension", "\(lweDimension) must be in 16...2048")
        }
        guard (1...4).contains(glweDimension) else { throw invalid("glweDimension", "\(glweDimension) must be in 1...4") }
        guard (256...32768).contains(polynomialSize), polynomialSize.nonzeroBitCount == 1 else {
            throw invalid("polynomialSize", "\(polynomialSize) must be a power of two in 256...32768")
        }
        guard (1...10).contains(messageBits), polynomialSize >= 4 << messageBits else {
            throw invalid("messageBits", "\(messageBits) must be in 1...10 with N >= 2^(messageBits+2)")
        }
        guard (0...60).contains(lweNoiseLog2) else { throw invalid("lweNoiseLog2", "\(lweNoiseLog2) must be in 0...60 bits") }
        guard (0...60).contains(glweNoiseLog2) else {
            throw invalid("glweNoiseLog2", "\(glweNoiseLog2) must be in 0...60 bits")
        }
        guard pbsBaseLog >= 1 else { throw invalid("pbsBaseLog", "\(pbsBaseLog) must be at least 1") }
        guard pbsLevels >= 1, pbsBaseLog * pbsLevels <= 60 else {
            throw invalid("pbsLevels", "\(pbsLevels) levels of base 2^\(pbsBaseLog): base log * levels must be in 1...60")
        }
        guard keySwitchModulusLog2 == 64 || keySwitchModulusLog2 == 32 else {
            throw invalid("keySwitchModulusLog2", "\(keySwitchModulusLog2) must be 64 or 32")
        }
        guard ksBaseLog >= 1 else { throw invalid("ksBaseLog", "\(ksBaseLog) must be at least 1") }
        guard ksLevels >= 1, ksBaseLog * ksLevels < keySwitchModulusLog2 else {
            throw invalid(
                "ksLevels",
                "\(ksLevels) levels of base 2^\(ksBaseLog): base log * levels must be in 1...\(keySwitchModulusLog2 - 1)")
        }
        guard lweNoiseLog2 >= 64 - keySwitchModulusLog2 else {
            throw invalid(
                "lweNoiseLog2",
                "\(lweNoiseLog2) must be at least \(64 - keySwitchModulusLog2) with a \(keySwitchModulusLog2)-bit key switch (the noise bound on 2^\(keySwitchModulusLog2) is lweNoiseLog2 - \(64 - keySwitchModulusLog2))")
        }
    }

    private enum CodingKeys: String, CodingKey {
        case name, lweDimension, glweDimension, polynomialSize, lweNoiseLog2, glweNoiseLog2, pbsBaseLog, pbsLevels
        case ksBaseLog, ksLevels, keySwitchModulusLog2, messageBits, security, reference
    }

    /// Decodes a set; JSON written before the 32-bit key switch has no `keySwitchModulusLog2` and
    /// reads as 64 (the only width then).
    ///
    /// - Parameter decoder: the decoder.
    /// - Throws: a `DecodingError` for a missing or mistyped field,
    ///   ``FHEError/invalidTfheParameter(parameter:reason:)`` for a field out of range.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            unchecked: try container.decode(String.self, forKey: .name),
            lweDimension: try container.decode(Int.self, forKey: .lweDimension),
            glweDimension: try container.decode(Int.self, forKey: .glweDimension),
            polynomialSize: try container.decode(Int.self, forKey: .polynomialSize),
            lweNoiseLog2: try container.decode(Int.self, forKey: .lweNoiseLog2),
            glweNoiseLog2: try container.decode(Int.self, forKey: .glweNoiseLog2),
            pbsBaseLog: try container.decode(Int.self, forKey: .pbsBaseLog),
            pbsLevels: try container.decode(Int.self, forKey: .pbsLevels),
            ksBaseLog: try container.decode(Int.self, forKey: .ksBaseLog),
            ksLevels: try container.decode(Int.self, forKey: .ksLevels),
            keySwitchModulusLog2: try container.decodeIfPresent(Int.self, forKey: .keySwitchModulusLog2) ?? 64,
            messageBits: try container.decode(Int.self, forKey: .messageBits),
            security: try container.decode(SecurityLevel.self, forKey: .security),
            reference: try container.decode(String.self, forKey: .reference))
        try validate()
    }

    /// The memberwise initializer without validation (presets, validated by a test).
    private init(
        unchecked name: String, lweDimension: Int, glweDimension: Int, polynomialSize: Int, lweNoiseLog2: Int,
        glweNoiseLog2: Int, pbsBaseLog: Int, pbsLevels: Int, ksBaseLog: Int, ksLevels: Int, keySwitchModulusLog2: Int,
        messageBits: Int, security: SecurityLevel, reference: String
    ) {
        self.name = name
        self.lweDimension = lweDimension
        self.glweDimension = glweDimension
        self.polynomialSize = polynomialSize
        self.lweNoiseLog2 = lweNoiseLog2
        self.glweNoiseLog2 = glweNoiseLog2
        self.pbsBaseLog = pbsBaseLog
        self.pbsLevels = pbsLevels
        self.ksBaseLog = ksBaseLog
        self.ksLevels = ksLevels
        self.keySwitchModulusLog2 = keySwitchModulusLog2
        self.messageBits = messageBits
        self.security = security
        self.reference = reference
    }

    /// The dimension `k * N` of the big LWE key (the GLWE key read as a vector).
    public var bigLweDimension: Int { glweDimension * polynomialSize }
    /// The number of messages, `p = 2^messageBits`.
    public var messageModulus: Int { 1 << messageBits }
    /// The scaling factor `Delta = 2^(63 - messageBits)` on the `2^64` torus.
    public var delta: UInt64 { 1 << UInt64(63 - messageBits) }

    /// Builds a named preset (see ``presetNames``).
    ///
    /// - Parameter preset: the name.
    /// - Throws: ``FHEError/unknownPreset(_:available:)``.
    public init(preset: String) throws(FHEError) {
        guard let found = Self.presets.first(where: { $0.name == preset }) else {
            throw .unknownPreset(preset, available: Self.presetNames)
        }
        self = found
    }

    /// The names of the presets, the default first.
    public static var presetNames: [String] { presets.map(\.name) }

    /// The default set: 4-bit messages with a padding bit at 128-bit security, with a 32-bit key
    /// switch (`tfhe-4bit-2m64-ks32`).
    ///
    /// It is ``default4BitKeySwitch64`` (the shape of TFHE-rs 0.10-0.11
    /// `PARAM_MESSAGE_2_CARRY_2_KS_PBS_TUNIFORM_2M64`: `n = 887, k = 1, N = 2048`, PBS gadget
    /// `2^22 x 1`, key-switching gadget `2^3 x 5`; our noise TUniform(46) / TUniform(17) is one / two
    /// bits wider than its TUniform(45) / TUniform(15)) with the key switch modulo `2^32`, keeping
    /// the noise rate as TFHE-rs 1.x's `KS32` sets do (`V1_5` `PARAM_MESSAGE_2_CARRY_2_KS32_PBS_TUNIFORM_2M128`:
    /// the same `n = 918` as the 64-bit `..._KS_PBS_TUNIFORM_2M128`, TUniform(13) on `2^32` for its
    /// TUniform(45) on `2^64`). The small-key noise is TUniform(14) on `2^32`. Security 132 bits
    /// by ``TfheSecurityEstimate``; p_fail 2^-72.3 per lookup in our model (no published figure
    /// exists for this KS32 variant).
    public static let default4Bit = TfheParameters(
        unchecked: "tfhe-4bit-2m64-ks32", lweDimension: 887, glweDimension: 1, polynomialSize: 2048, lweNoiseLog2: 46,
        glweNoiseLog2: 17, pbsBaseLog: 22, pbsLevels: 1, ksBaseLog: 3, ksLevels: 5, keySwitchModulusLog2: 32,
        messageBits: 4, security: .standard128,
        reference: "shape of TFHE-rs 0.10-0.11 PARAM_MESSAGE_2_CARRY_2_KS_PBS_TUNIFORM_2M64 with wider noise and a 32-bit key switch (TFHE-rs KS32 rule); 132 bits by dominance (Docs/TFHE.md); p_fail 2^-72.3 (our model, N=2048)")

    /// The default set of sessions 22-35 (`tfhe-4bit-2m64`): ``default4Bit`` with the key switch
    /// modulo `2^64` (64-bit key entries). Kept so that its key and ciphertext files still load,
    /// and for A/B measurements of the key switch.
    ///
    /// It has the shape of TFHE-rs 0.10-0.11 `PARAM_MESSAGE_2_CARRY_2_KS_PBS_TUNIFORM_2M64` (2
    /// message + 2 carry bits = 4 bits, "security = 132 bits, p-fail = 2^-64.138" for its
    /// TUniform(45) / TUniform(15)) with one / two bits more noise.
    public static let default4BitKeySwitch64 = TfheParameters(
        unchecked: "tfhe-4bit-2m64", lweDimension: 887, glweDimension: 1, polynomialSize: 2048, lweNoiseLog2: 46,
        glweNoiseLog2: 17, pbsBaseLog: 22, pbsLevels: 1, ksBaseLog: 3, ksLevels: 5, keySwitchModulusLog2: 64,
        messageBits: 4, security: .standard128,
        reference: "shape of TFHE-rs 0.10-0.11 PARAM_MESSAGE_2_CARRY_2_KS_PBS_TUNIFORM_2M64 (132 bits, p_fail 2^-64.1 for its narrower noise) with wider noise; 132 bits by dominance; p_fail 2^-72.3 (our model, N=2048)")

    /// 4-bit messages at Concrete's default failure probability (`tfhe-4bit-2m17-ks32`): the shape
    /// concrete-python 2.11's optimizer picks for a 4-bit table lookup at its default
    /// `global_p_error = 1e-5` (`n = 822, k = 2, N = 1024`, PBS gadget `2^23 x 1`), with TUniform
    /// noise at least as wide as its Gaussian (small key: TUniform(47) on `2^64` against its
    /// `sigma = 2^45.55`; GLWE: TUniform(17) against `2^14.05`) and the key switch modulo `2^32` with
    /// a `2^4 x 4` gadget (Concrete: 64-bit, `2^5 x 3`), which the wider small-key noise needs.
    ///
    /// Model p_fail per lookup 2^-17.7 (Concrete reports 2^-16.8 for its own set; our model
    /// reproduces that figure from its parameters). Security: every LWE/GLWE part has the
    /// dimension of a published 128-bit point and at least its noise rate (``TfheSecurityEstimate``).
    public static let fast4Bit = TfheParameters(
        unchecked: "tfhe-4bit-2m17-ks32", lweDimension: 822, glweDimension: 2, polynomialSize: 1024, lweNoiseLog2: 47,
        glweNoiseLog2: 17, pbsBaseLog: 23, pbsLevels: 1, ksBaseLog: 4, ksLevels: 4, keySwitchModulusLog2: 32,
        messageBits: 4, security: .standard128,
        reference: "concrete-python 2.11 default for a 4-bit lookup (n=822, k=2, N=1024, p_error 2^-16.8) with TUniform noise and a 32-bit key switch")

    /// A small, fast, insecure set for tests (`n = 64, N = 512`, almost no noise, 64-bit key switch).
    public static let insecureTest4Bit = TfheParameters(
        unchecked: "tfhe-4bit-insecure-test", lweDimension: 64, glweDimension: 1, polynomialSize: 512, lweNoiseLog2: 20,
        glweNoiseLog2: 20, pbsBaseLog: 15, pbsLevels: 2, ksBaseLog: 4, ksLevels: 6, keySwitchModulusLog2: 64,
        messageBits: 4, security: .insecureForTesting, reference: "none (insecure, tests only)")

    /// ``insecureTest4Bit`` with a 32-bit key switch (small-key noise TUniform(4) on `2^32`, gadget
    /// `2^4 x 6` on 24 of the 32 bits): the fast test set of the `KS32` path.
    public static let insecureTest4BitKeySwitch32 = TfheParameters(
        unchecked: "tfhe-4bit-insecure-test-ks32", lweDimension: 64, glweDimension: 1, polynomialSize: 512,
        lweNoiseLog2: 36, glweNoiseLog2: 20, pbsBaseLog: 15, pbsLevels: 2, ksBaseLog: 4, ksLevels: 6,
        keySwitchModulusLog2: 32, messageBits: 4, security: .insecureForTesting, reference: "none (insecure, tests only)")

    /// 6-bit messages with a padding bit at 128-bit security (`tfhe-6bit-2m40-ks32`, issue 22): the
    /// shape concrete-python 2.11's optimizer picks for a 6-bit table lookup at `p_error = 2^-40`
    /// (`n = 944, k = 1, N = 8192`, PBS gadget `2^22 x 1`; Concrete reports `p_error` 2^-40.15),
    /// with TUniform noise at least as wide as its Gaussian (small key: TUniform(44) on `2^64`,
    /// `sigma = 2^43.21`, against its `2^42.42`; GLWE: TUniform(3), `2^2.21` against `2^2.0`) and
    /// the key switch modulo `2^32` with a `2^3 x 6` gadget (Concrete: 64-bit, `2^4 x 4`, which
    /// with the wider small-key noise would give only 2^-27.4 in our model).
    ///
    /// Model p_fail per lookup 2^-48.6. Security: each part has the dimension of the optimizer's
    /// 128-bit point and at least its noise rate (``TfheSecurityEstimate``). Its bootstrap is about
    /// eight times a 4-bit set's (`N` four times as large); see Docs/TFHE.md "Parameter sets".
    public static let sixBit = TfheParameters(
        unchecked: "tfhe-6bit-2m40-ks32", lweDimension: 944, glweDimension: 1, polynomialSize: 8192, lweNoiseLog2: 44,
        glweNoiseLog2: 3, pbsBaseLog: 22, pbsLevels: 1, ksBaseLog: 3, ksLevels: 6, keySwitchModulusLog2: 32,
        messageBits: 6, security: .standard128,
        reference: "concrete-python 2.11 optimizer for a 6-bit lookup at p_error 2^-40 (n=944, k=1, N=8192, p_error 2^-40.15) with TUniform noise and a 32-bit 2^3x6 key switch; p_fail 2^-48.6 (our model)")

    /// 8-bit messages with a padding bit at 128-bit security (`tfhe-8bit-2m40-ks32`, issue 22): the
    /// shape concrete-python 2.11's optimizer picks for an 8-bit table lookup at `p_error = 2^-40`
    /// (`n = 1054, k = 1, N = 32768`, PBS gadget `2^15 x 2`; Concrete reports `p_error` 2^-40.2),
    /// with TUniform noise at least as wide as its Gaussian (small key: TUniform(41), `sigma =
    /// 2^40.21`, against its `2^39.59`; GLWE: TUniform(3) against `2^2.0`) and the key switch
    /// modulo `2^32` with a `2^3 x 7` gadget (Concrete: 64-bit, `2^4 x 5`: 2^-27.3 in our model
    /// with the wider noise).
    ///
    /// Model p_fail per lookup 2^-44.9. Large: the bootstrapping key is `n (k+1)^2 l N` = 277 M
    /// words (2.2 GB, twice that with the Shoup companions in memory, 5.4 GB with the key-switching
    /// key; 1.1 GB seed-compressed in a file), and one lookup takes seconds (4.3 s CPU portable). Use it only where an 8-bit table is worth that.
    public static let eightBit = TfheParameters(
        unchecked: "tfhe-8bit-2m40-ks32", lweDimension: 1054, glweDimension: 1, polynomialSize: 32768, lweNoiseLog2: 41,
        glweNoiseLog2: 3, pbsBaseLog: 15, pbsLevels: 2, ksBaseLog: 3, ksLevels: 7, keySwitchModulusLog2: 32,
        messageBits: 8, security: .standard128,
        reference: "concrete-python 2.11 optimizer for an 8-bit lookup at p_error 2^-40 (n=1054, k=1, N=32768, p_error 2^-40.2) with TUniform noise and a 32-bit 2^3x7 key switch; p_fail 2^-44.9 (our model)")

    /// A small, fast, insecure 6-bit set for tests (`n = 64, N = 4096`, 32-bit key switch).
    public static let insecureTest6Bit = TfheParameters(
        unchecked: "tfhe-6bit-insecure-test", lweDimension: 64, glweDimension: 1, polynomialSize: 4096,
        lweNoiseLog2: 36, glweNoiseLog2: 20, pbsBaseLog: 15, pbsLevels: 2, ksBaseLog: 4, ksLevels: 6,
        keySwitchModulusLog2: 32, messageBits: 6, security: .insecureForTesting, reference: "none (insecure, tests only)")

    /// A small, fast, insecure 8-bit set for tests (`n = 64, N = 8192`, 32-bit key switch).
    public static let insecureTest8Bit = TfheParameters(
        unchecked: "tfhe-8bit-insecure-test", lweDimension: 64, glweDimension: 1, polynomialSize: 8192,
        lweNoiseLog2: 36, glweNoiseLog2: 20, pbsBaseLog: 15, pbsLevels: 2, ksBaseLog: 4, ksLevels: 6,
        keySwitchModulusLog2: 32, messageBits: 8, security: .insecureForTesting, reference: "none (insecure, tests only)")

    /// Every preset, the default first.
    public static let presets: [TfheParameters] = [
        default4Bit, default4BitKeySwitch64, fast4Bit, insecureTest4Bit, insecureTest4BitKeySwitch32,
        sixBit, eightBit, insecureTest6Bit, insecureTest8Bit,
    ]

    /// The canonical bytes (what the fingerprint hashes): a version byte, the name, every field
    /// big-endian and the security byte. Version 1 (64-bit key switch, the format of sessions
    /// 22-35, whose fingerprints stay unchanged) has ten fields; version 2 (32-bit key switch)
    /// appends ``keySwitchModulusLog2`` as an eleventh.
    public var canonicalBytes: [UInt8] {
        var writer = ByteWriter()
        writer.append(UInt8(keySwitchModulusLog2 == 64 ? 1 : 2))
        let nameBytes = Array(name.utf8)
        writer.append(UInt16(nameBytes.count))
        writer.append(contentsOf: nameBytes)
        for value in canonicalFields {
            writer.append(UInt32(value))
        }
        writer.append(UInt8(security == .standard128 ? 1 : 0))
        return writer.bytes
    }

    /// The numeric fields in canonical order (ten in version 1, eleven in version 2).
    var canonicalFields: [Int] {
        let fields = [
            lweDimension, glweDimension, polynomialSize, lweNoiseLog2, glweNoiseLog2, pbsBaseLog, pbsLevels, ksBaseLog,
            ksLevels, messageBits,
        ]
        return keySwitchModulusLog2 == 64 ? fields : fields + [keySwitchModulusLog2]
    }

    /// The 32-byte parameter fingerprint (SHA-256 of ``canonicalBytes``).
    public var fingerprint: Fingerprint { Fingerprint(hashing: canonicalBytes) }

    /// Reads canonical bytes back, accepting only the presets (a file cannot invent parameters).
    ///
    /// - Parameters:
    ///   - reader: the reader, positioned at the parameters.
    ///   - policy: whether insecure test sets are accepted.
    /// - Throws: ``FHEError/malformedData(source:reason:)`` for an unknown set,
    ///   ``FHEError/insecureTfheParameters(set:)`` for an insecure one under the production policy.
    static func read(from reader: inout ByteReader, policy: BfvSecurityPolicy) throws(FHEError) -> TfheParameters {
        let version: UInt8 = try reader.read("tfhe.parameters.version")
        guard version == 1 || version == 2 else {
            throw .malformedData(
                source: reader.source, reason: "unknown TFHE parameter version \(version) (this build reads 1 and 2)")
        }
        let nameLength: UInt16 = try reader.read("tfhe.parameters.nameLength")
        guard nameLength <= 64 else {
            throw .malformedData(source: reader.source, reason: "TFHE parameter name too long (\(nameLength) bytes)")
        }
        let nameBytes = try reader.readBytes(Int(nameLength), field: "tfhe.parameters.name")
        var fields: [Int] = []
        for index in 0..<(version == 1 ? 10 : 11) {
            let value: UInt32 = try reader.read("tfhe.parameters.field\(index)")
            fields.append(Int(value))
        }
        let secure: UInt8 = try reader.read("tfhe.parameters.security")
        guard
            let preset = presets.first(where: {
                Array($0.name.utf8) == nameBytes && $0.canonicalFields == fields
                    && ($0.security == .standard128 ? 1 : 0) == secure
            })
        else {
            throw .malformedData(source: reader.source, reason: "the TFHE parameters are not one of the presets")
        }
        try preset.check(policy: policy)
        return preset
    }

    /// Refuses an insecure set under the production policy.
    ///
    /// - Parameter policy: the loader's policy.
    /// - Throws: ``FHEError/insecureTfheParameters(set:)``.
    public func check(policy: BfvSecurityPolicy) throws(FHEError) {
        guard policy == .production, security != .standard128 else { return }
        throw .insecureTfheParameters(set: name)
    }
}
