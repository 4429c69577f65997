/// Noise flooding and re-randomization before a ciphertext leaves the party that computed it
/// (circuit privacy, issue 14).
///
/// After masks, rotations and sums, a ciphertext's noise is a function of every slot it was
/// computed from, including slots the masks set to zero: a secret-key holder who decrypts it can
/// read the noise, not only the message. ``flood(_:publicKey:bits:using:)`` adds a fresh
/// public-key encryption of zero (so the second polynomial no longer depends on the inputs'
/// randomness) and a noise term drawn uniformly from `[-2^b, 2^b)` to the first polynomial, with
/// `b` just under the decryption bound. The computed noise `e` is then hidden: the flooded phase's
/// distribution moves by at most `|e| / 2^b` per coefficient in statistical distance (at most
/// `N * |e| / 2^b` per ciphertext), and the decryptor learns only the message. The function does
/// not know `|e|`: the caller keeps its circuit's noise far under `2^b` (the aggregates bound it
/// per run from their plan with ``BfvNoiseBound`` and refuse a margin under 40 bits). The cost is almost all of the noise budget, so flood last,
/// after every operation and before a modulus switch (which scales the flood down with the
/// modulus and keeps it hidden).
///
/// ```swift
/// var random = SecureRandom()
/// let released = try Bfv64.flood(total, publicKey: publicKey, using: &random)
/// let small = try Bfv64.switchModulus(released, toLevel: 2)
/// ```
extension Bfv64 {
    /// Bits of decryption margin a flooded ciphertext keeps: the flood is at most `Δ / 2^margin`,
    /// so `2^b` plus the computed noise and the rounding of a later modulus switch stay under `Δ/2`.
    public static let floodingMarginBits = 4

    /// The flooding width `b` for ciphertexts at `level` moduli: `floor(log2(Δ)) - margin`, with
    /// `Δ = floor(Q_level / t)`.
    ///
    /// - Parameters:
    ///   - context: the parameters.
    ///   - level: the number of ciphertext moduli (defaults to the top level).
    /// - Returns: `b`, at least 1.
    /// - Throws: ``FHEError/parameterMismatch(_:)`` for a level out of range.
    public static func floodingBits(context: BfvContext<UInt64>, level: Int? = nil) throws(FHEError) -> Int {
        let ring = try ring(of: context, level: level ?? context.topLevel)
        let delta = ring.modulusProduct / BigInt(context.parameters.plaintextModulus)
        return max(1, delta.bitWidth - 1 - floodingMarginBits)
    }

    /// `ciphertext + Enc_pk(0) + (E, 0)` with `E` uniform in `[-2^b, 2^b)` per coefficient: the same
    /// plaintext, with noise that no longer reveals how it was computed (see the type's overview).
    ///
    /// - Parameters:
    ///   - ciphertext: a two-polynomial ciphertext (relinearized), at any level.
    ///   - publicKey: the public key of the ciphertext's parameters.
    ///   - bits: the flooding width `b` (default ``floodingBits(context:level:)`` at the
    ///     ciphertext's level).
    ///   - random: the CSPRNG.
    /// - Returns: the flooded ciphertext.
    /// - Throws: ``FHEError/parameterMismatch(_:)`` for another context or a three-polynomial
    ///   ciphertext, ``FHEError/invalidParameters(_:)`` for `bits` outside `1 ... log2(Δ) - 2`.
    public static func flood(
        _ ciphertext: Ciphertext<UInt64>, publicKey: PublicKey<UInt64>, bits: Int? = nil, using random: inout SecureRandom
    ) throws(FHEError) -> Ciphertext<UInt64> {
        let context = ciphertext.context
        try context.requireSame(publicKey.context, "the public key")
        guard ciphertext.polynomials.count == 2 else {
            throw .parameterMismatch("flooding needs a relinearized (two-polynomial) ciphertext, not \(ciphertext.polynomials.count) polynomials")
        }
        let ring = ciphertext.polynomials[0].context
        let delta = ring.modulusProduct / BigInt(context.parameters.plaintextModulus)
        let width: Int
        if let bits { width = bits } else { width = try floodingBits(context: context, level: ring.count) }
        guard width >= 1, width <= delta.bitWidth - 3 else {
            throw .invalidParameters("a flooding width of \(width) bits does not fit under Δ/4 (\(delta.bitWidth - 3) bits at most at this level)")
        }
        var flooded = ciphertext
        var (zero0, zero1) = BfvEncryptor(publicKey: publicKey).encryptZero(publicKey, using: &random)
        defer {
            zero0.wipe()
            zero1.wipe()
        }
        if zero0.context.count != ring.count {
            // An encryption of zero modulo Q is one modulo every Q' dividing Q.
            var dropped0 = zero0.dropping(to: ring)
            var dropped1 = zero1.dropping(to: ring)
            defer {
                dropped0.wipe()
                dropped1.wipe()
            }
            flooded.polynomials[0] += dropped0
            flooded.polynomials[1] += dropped1
        } else {
            flooded.polynomials[0] += zero0
            flooded.polynomials[1] += zero1
        }
        var noise = uniformNoise(bits: width, ring: ring, using: &random)
        defer { noise.wipe() }
        flooded.polynomials[0] += noise
        return flooded
    }

    /// The ring of `level` ciphertext moduli.
    private static func ring(of context: BfvContext<UInt64>, level: Int) throws(FHEError) -> RnsContext<UInt64> {
        try context.level(level).ring
    }

    /// A polynomial with coefficients uniform in `[-2^bits, 2^bits)`, as RNS residues: each
    /// coefficient is `V - 2^bits` for `V` uniform below `2^(bits+1)`, built from 64-bit words
    /// `V = sum w_j 2^(64 j)` and reduced word by word.
    static func uniformNoise(bits: Int, ring: RnsContext<UInt64>, using random: inout SecureRandom) -> PolyRq<UInt64, Coeff> {
        let n = ring.degree
        let valueBits = bits + 1
        let words = (valueBits + 63) / 64
        let topBits = valueBits - 64 * (words - 1)
        let topMask: UInt64 = topBits == 64 ? .max : (UInt64(1) << UInt64(topBits)) - 1
        var noise = PolyRq<UInt64, Coeff>(zeroIn: ring)
        var draws = [UInt64](repeating: 0, count: n * words)
        defer { for index in draws.indices { draws[index] = 0 } }
        for index in draws.indices {
            draws[index] = random.next()
            if index % words == words - 1 { draws[index] &= topMask }
        }
        for (i, modulus) in ring.moduli.enumerated() {
            // 2^(64 j) mod q for each word, and the offset 2^bits mod q.
            let twoTo64 = modulus.add(modulus.reduce(UInt64.max), 1)
            var wordWeights = [UInt64](repeating: 1, count: words)
            for j in 1..<max(words, 1) { wordWeights[j] = modulus.multiply(wordWeights[j - 1], twoTo64) }
            let offset = modulus.multiply(
                modulus.reduce(UInt64(1) << UInt64(bits % 64)), powerOfTwo64(bits / 64, modulus: modulus, twoTo64: twoTo64))
            for j in 0..<n {
                var residue: UInt64 = 0
                for w in 0..<words {
                    residue = modulus.add(residue, modulus.multiply(modulus.reduce(draws[j * words + w]), wordWeights[w]))
                }
                noise.data[i * n + j] = modulus.subtract(residue, offset)
            }
        }
        return noise
    }

    /// `(2^64)^k mod q`.
    private static func powerOfTwo64(_ k: Int, modulus: Modulus<UInt64>, twoTo64: UInt64) -> UInt64 {
        var result: UInt64 = 1
        for _ in 0..<k { result = modulus.multiply(result, twoTo64) }
        return result
    }
}
