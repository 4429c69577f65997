import HeatEnvelope

/// BFV encryption parameters: ring degree, plaintext modulus, ciphertext moduli and the special
/// key-switching prime, with their security level.
///
/// The *key level* is every ciphertext modulus followed by the special prime; keys live there and
/// the security check counts all of it: `log2 Q_key <= ` the HomomorphicEncryption.org standard's
/// bound for 128-bit classical security with a ternary secret
/// (N=1024: 27, 2048: 54, 4096: 109, 8192: 218, 16384: 438, 32768: 881 bits; see
/// ``maximumLogQ(degree:)``). Fresh ciphertexts live at the *ciphertext level* (the special prime
/// dropped); it is reserved for the key switching of a later release.
///
/// Parameters are checked by ``validate()`` (called whenever a ``BfvContext`` is made): `N` a power
/// of two, every modulus an NTT-friendly prime (`q = 1 mod 2N`) that fits the scalar, all distinct,
/// `t` odd, `3 <= t < q_i` and coprime to them. Parameters below 128-bit security are refused unless their
/// ``security`` is ``SecurityLevel/insecureForTesting``.
///
/// ```swift
/// let parameters = try BfvParameters(preset: "n4096-logq109-logt17")
/// let context = try BfvContext<UInt32>(parameters: parameters)
/// let testing = BfvParameters(degree: 16, plaintextModulus: 97, ciphertextModuli: [7681, 10753],
///                             specialModulus: 12289, scalarWidth: .bits32, security: .insecureForTesting)
/// ```
public struct BfvParameters: Sendable, Hashable {
    /// The ring degree `N`.
    public var degree: Int
    /// The plaintext modulus `t`.
    public var plaintextModulus: UInt64
    /// The moduli of fresh ciphertexts, in RNS order.
    public var ciphertextModuli: [UInt64]
    /// The special key-switching prime (last modulus of the key level), if any.
    public var specialModulus: UInt64?
    /// The machine word of residues.
    public var scalarWidth: ScalarWidth
    /// The security claim the parameters are checked against.
    public var security: SecurityLevel

    /// The word residues are stored in.
    public enum ScalarWidth: UInt8, Sendable, Hashable, CaseIterable {
        /// `UInt32` residues; every modulus below 2^30.
        case bits32 = 32
        /// `UInt64` residues; every modulus below 2^62.
        case bits64 = 64
    }

    /// The security claim of a parameter set.
    public enum SecurityLevel: UInt8, Sendable, Hashable {
        /// 128-bit classical security per the HomomorphicEncryption.org standard (ternary secret).
        case standard128 = 0
        /// No security claim: small rings for fast tests. Never use for real data.
        case insecureForTesting = 1
    }

    /// Creates parameters (not yet validated; see ``validate()``).
    ///
    /// - Parameters:
    ///   - degree: the ring degree `N`.
    ///   - plaintextModulus: `t`.
    ///   - ciphertextModuli: the ciphertext-level primes.
    ///   - specialModulus: the key-switching prime, or `nil`.
    ///   - scalarWidth: the residue word.
    ///   - security: ``SecurityLevel/standard128`` (default) or ``SecurityLevel/insecureForTesting``.
    public init(
        degree: Int, plaintextModulus: UInt64, ciphertextModuli: [UInt64], specialModulus: UInt64?,
        scalarWidth: ScalarWidth, security: SecurityLevel = .standard128
    ) {
        self.degree = degree
        self.plaintextModulus = plaintextModulus
        self.ciphertextModuli = ciphertextModuli
        self.specialModulus = specialModulus
        self.scalarWidth = scalarWidth
        self.security = security
    }

    /// Every modulus of the key level: the ciphertext moduli, then the special prime.
    public var keyModuli: [UInt64] { ciphertextModuli + (specialModulus.map { [$0] } ?? []) }

    /// The number of bits of `Q_key`, the product of every key-level modulus (`log2 Q_key` rounded up).
    public var keyLogQ: Int {
        keyModuli.reduce(BigInt(1)) { $0 * BigInt($1) }.bitWidth
    }

    /// The number of bits of `log2 t` rounded up.
    public var logT: Int { 64 - plaintextModulus.leadingZeroBitCount }

    /// The canonical name `n<N>-logq<bits>-logt<bits>`.
    public var name: String { "n\(degree)-logq\(keyLogQ)-logt\(logT)" }

    /// Whether `t` is a prime with `t = 1 mod 2N`, so the batch (SIMD) encoder can be used.
    public var supportsBatching: Bool {
        plaintextModulus > 2 && (plaintextModulus - 1) % UInt64(2 * degree) == 0
            && BigInt(plaintextModulus).isProbablePrime()
    }

    /// The largest `log2 Q` giving 128-bit classical security for a ternary secret
    /// (HomomorphicEncryption.org security standard, 2018, table 1), or `nil` below N=1024.
    ///
    /// - Parameter degree: the ring degree.
    /// - Returns: the bound in bits.
    public static func maximumLogQ(degree: Int) -> Int? {
        switch degree {
        case 1024: 27
        case 2048: 54
        case 4096: 109
        case 8192: 218
        case 16384: 438
        case 32768: 881
        default: nil
        }
    }

    /// Checks the parameters.
    ///
    /// - Throws: ``FHEError/invalidParameters(_:)`` / ``FHEError/invalidModulus(_:reason:)`` naming the
    ///   bad parameter, or ``FHEError/insecureParameters(degree:logQ:maximumLogQ:)`` when below 128-bit
    ///   security without ``SecurityLevel/insecureForTesting``.
    public func validate() throws(FHEError) {
        guard degree >= 2, degree <= 32768, degree.nonzeroBitCount == 1 else {
            throw .invalidParameters("degree N=\(degree) must be a power of two in 2...32768")
        }
        guard !ciphertextModuli.isEmpty else { throw .invalidParameters("ciphertextModuli is empty") }
        let maxBits = scalarWidth == .bits32 ? UInt32.maxModulusBits : UInt64.maxModulusBits
        let all = keyModuli
        guard Set(all).count == all.count else { throw .invalidParameters("the moduli \(all) are not distinct") }
        for q in all {
            // A zero or one modulus (a crafted header) is refused before `q - 1` is computed.
            guard q >= 2 else { throw .invalidModulus(q, reason: "a modulus must be a prime of at least 2") }
            guard q < (UInt64(1) << UInt64(maxBits)) else {
                throw .invalidModulus(q, reason: "\(scalarWidth.rawValue)-bit residues need moduli below 2^\(maxBits)")
            }
            guard (q - 1) % UInt64(2 * degree) == 0 else {
                throw .invalidModulus(q, reason: "it is not 1 modulo 2N = \(2 * degree)")
            }
            guard BigInt(q).isProbablePrime() else { throw .invalidModulus(q, reason: "it is not prime") }
            guard plaintextModulus < q else {
                throw .invalidParameters("plaintextModulus t=\(plaintextModulus) must be below every modulus (\(q))")
            }
            guard BigInt(plaintextModulus).gcd(BigInt(q)) == BigInt(1) else {
                throw .invalidParameters("plaintextModulus t=\(plaintextModulus) shares a factor with \(q)")
            }
        }
        guard plaintextModulus >= 3, plaintextModulus & 1 == 1 else {
            throw .invalidParameters("plaintextModulus t=\(plaintextModulus) must be odd and at least 3")
        }
        if security == .standard128 {
            let maximum = Self.maximumLogQ(degree: degree)
            guard let maximum, keyLogQ <= maximum else {
                throw .insecureParameters(degree: degree, logQ: keyLogQ, maximumLogQ: maximum)
            }
        }
    }

    // MARK: - Canonical bytes

    /// The canonical byte encoding (big-endian): format 1, scalar bits, security, `N` (UInt32),
    /// `t` (UInt64), the count and values of the ciphertext moduli (UInt8, UInt64 each), then a
    /// flag and the special prime. Its SHA-256 is the ``fingerprint``.
    public var canonicalBytes: [UInt8] {
        var writer = ByteWriter()
        writer.append(UInt8(1))
        writer.append(scalarWidth.rawValue)
        writer.append(security.rawValue)
        writer.append(UInt32(degree))
        writer.append(plaintextModulus)
        writer.append(UInt8(ciphertextModuli.count))
        for q in ciphertextModuli { writer.append(q) }
        writer.append(UInt8(specialModulus == nil ? 0 : 1))
        if let specialModulus { writer.append(specialModulus) }
        return writer.bytes
    }

    /// The parameter fingerprint: SHA-256 of ``canonicalBytes``.
    public var fingerprint: Fingerprint { Fingerprint(hashing: canonicalBytes) }

    /// Decodes and validates canonical bytes.
    ///
    /// - Parameters:
    ///   - reader: positioned at the parameters.
    ///   - source: a name for error messages.
    /// - Throws: ``FHEError/malformedData(source:reason:)`` or a validation error.
    init(reading reader: inout ByteReader, source: String) throws(FHEError) {
        let version: UInt8 = try reader.read("parameters.version")
        guard version == 1 else { throw .malformedData(source: source, reason: "parameters format \(version) is not 1") }
        let widthRaw: UInt8 = try reader.read("parameters.scalarWidth")
        let securityRaw: UInt8 = try reader.read("parameters.security")
        guard let width = ScalarWidth(rawValue: widthRaw) else {
            throw .malformedData(source: source, reason: "parameters.scalarWidth \(widthRaw) is not 32 or 64")
        }
        guard let security = SecurityLevel(rawValue: securityRaw) else {
            throw .malformedData(source: source, reason: "parameters.security \(securityRaw) is not 0 or 1")
        }
        let degree: UInt32 = try reader.read("parameters.degree")
        let t: UInt64 = try reader.read("parameters.plaintextModulus")
        let count: UInt8 = try reader.read("parameters.ciphertextModuli.count")
        // Resource bounds before anything is sized by these numbers (Docs/Reliability.md).
        do {
            try ReaderLimits.current.check(.ringDegree, Int(degree), source: source, field: "parameters.degree")
            try ReaderLimits.current.check(.modulusCount, Int(count), source: source, field: "parameters.ciphertextModuli.count")
        } catch {
            throw .malformedData(source: source, reason: error.reason)
        }
        var moduli: [UInt64] = []
        for index in 0..<Int(count) { moduli.append(try reader.read("parameters.ciphertextModuli[\(index)]")) }
        let hasSpecial: UInt8 = try reader.read("parameters.hasSpecialModulus")
        guard hasSpecial <= 1 else {
            throw .malformedData(source: source, reason: "parameters.hasSpecialModulus \(hasSpecial) is not 0 or 1")
        }
        let special: UInt64? = hasSpecial == 1 ? try reader.read("parameters.specialModulus") : nil
        self.init(
            degree: Int(degree), plaintextModulus: t, ciphertextModuli: moduli, specialModulus: special,
            scalarWidth: width, security: security)
        do {
            try validate()
        } catch {
            throw .malformedData(source: source, reason: "invalid parameters: \(error.description)")
        }
    }
}
