import HeatEnvelope

/// Non-generic 64-bit entry points for group aggregates (issue 14), for callers in other modules
/// (see ``Bfv64`` for why these exist: generic HeatFHE code called from another module runs
/// unspecialized and several times slower).
///
/// ```swift
/// let keys = try Bfv64.galoisKeysForSums(secretKey: secretKey)
/// let mask = try Bfv64.prepareMask(keep, context: context)
/// var masked = try Bfv64.multiply(heat, by: mask)
/// let total = try Bfv64.sumOfSlots(masked, using: keys)     // every slot: the masked sum
/// ```
extension Bfv64 {
    /// The rotation steps a sum of all slots needs: `1, 2, 4, ..., N/4` (plus the row swap).
    ///
    /// - Parameter degree: the ring degree `N`.
    /// - Returns: the left rotation steps.
    public static func sumSteps(degree: Int) -> [Int] {
        var steps: [Int] = []
        var step = 1
        while step <= degree / 4 {
            steps.append(step)
            step <<= 1
        }
        return steps
    }

    /// Galois keys for ``sumOfSlots(_:using:)`` only: the positive power-of-two steps and the row
    /// swap (`log2(N)` keys, half the default set).
    ///
    /// - Parameter secretKey: the secret key.
    /// - Returns: the keys.
    /// - Throws: ``FHEError/invalidParameters(_:)`` when the parameters have no special prime.
    public static func galoisKeysForSums(secretKey: SecretKey<UInt64>) throws(FHEError) -> BfvGaloisKeys<UInt64> {
        try BfvGaloisKeys(secretKey: secretKey, steps: sumSteps(degree: secretKey.context.degree), rowSwap: true)
    }

    /// Decodes an `fheGaloisKeys` envelope (``BfvGaloisKeys/init(envelope:context:source:)``).
    ///
    /// - Parameters:
    ///   - envelope: the envelope.
    ///   - context: the parameters.
    ///   - source: a name for messages.
    /// - Returns: the keys.
    /// - Throws: ``FHEError``.
    public static func galoisKeys(
        envelope: Envelope, context: BfvContext<UInt64>, source: String
    ) throws(FHEError) -> BfvGaloisKeys<UInt64> {
        try BfvGaloisKeys(envelope: envelope, context: context, source: source)
    }

    /// A batch-encoded 0/1 mask prepared for products with ciphertexts at the top level.
    ///
    /// - Parameters:
    ///   - keep: per slot whether to keep it (at most `N` entries; missing slots are 0).
    ///   - context: the parameters.
    /// - Returns: the prepared mask.
    /// - Throws: ``FHEError`` when `keep` has more than `N` entries.
    public static func prepareMask(_ keep: [Bool], context: BfvContext<UInt64>) throws(FHEError) -> BfvPreparedPlaintext<UInt64> {
        let plaintext = try BfvEncoder(context: context).encode(unsigned: keep.map { $0 ? 1 : 0 }, encoding: .batch)
        return try BfvPreparedPlaintext(plaintext)
    }

    /// `ciphertext * mask` for a prepared plaintext (``BfvEvaluator/multiply(_:_:)-(Ciphertext<T>,BfvPreparedPlaintext<T>)``).
    /// The result keeps the ciphertext's signedness label; the noise grows by about `sqrt(N) * t / 2`.
    ///
    /// - Parameters:
    ///   - ciphertext: a batch-encoded ciphertext at the mask's level.
    ///   - mask: the prepared mask.
    /// - Returns: the product.
    /// - Throws: ``FHEError`` for other parameters or levels.
    public static func multiply(_ ciphertext: Ciphertext<UInt64>, by mask: BfvPreparedPlaintext<UInt64>) throws(FHEError) -> Ciphertext<UInt64> {
        // A 0/1 mask reads the same signed or unsigned: take the mask's label for the product, then
        // give the result the ciphertext's own label back.
        var input = ciphertext
        input.signedness = mask.signedness
        var product = try BfvEvaluator(context: ciphertext.context).multiply(input, mask)
        product.signedness = ciphertext.signedness
        product.valueCount = ciphertext.valueCount
        return product
    }

    /// The sum of all `N` slots in every slot (``BfvEvaluator/sumOfSlots(_:using:)``), with the
    /// value count kept at `N` so that every slot decodes (each holds the same total).
    ///
    /// - Parameters:
    ///   - ciphertext: a batch-encoded two-polynomial ciphertext.
    ///   - keys: Galois keys from ``galoisKeysForSums(secretKey:)`` or the default set.
    /// - Returns: the replicated total.
    /// - Throws: ``FHEError/missingEvaluationKey(_:)`` when a key is missing.
    public static func sumOfSlots(_ ciphertext: Ciphertext<UInt64>, using keys: BfvGaloisKeys<UInt64>) throws(FHEError) -> Ciphertext<UInt64> {
        var sum = try BfvEvaluator(context: ciphertext.context).sumOfSlots(ciphertext, using: keys)
        sum.valueCount = ciphertext.context.degree
        sum.signedness = ciphertext.signedness
        return sum
    }

    /// The ciphertext switched down the modulus chain to `level` moduli
    /// (``BfvEvaluator/switchingModulus(_:toLevel:)``): smaller to store and send, at the cost of
    /// noise budget; sound while the remaining budget stays positive (the caller measures it).
    ///
    /// - Parameters:
    ///   - ciphertext: a ciphertext.
    ///   - level: the target level (at least 1, at most the ciphertext's).
    /// - Returns: the switched ciphertext (decrypts to the same plaintext).
    /// - Throws: ``FHEError/parameterMismatch(_:)`` for a level out of range.
    public static func switchModulus(_ ciphertext: Ciphertext<UInt64>, toLevel level: Int) throws(FHEError) -> Ciphertext<UInt64> {
        try BfvEvaluator(context: ciphertext.context).switchingModulus(ciphertext, toLevel: level)
    }
}
