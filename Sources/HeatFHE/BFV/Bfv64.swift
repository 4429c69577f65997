import HeatEnvelope

/// Non-generic entry points for 64-bit BFV, for callers in other modules.
///
/// Generic code called from another module runs unspecialized (through witness tables and
/// generic metadata) unless the build uses cross-module optimization, which the default build
/// does not: measured on the encrypted pipeline, an n8192 public-key encryption called from
/// `HeatCore` took about ten times as long as the same call inside `HeatFHE`. Each function here
/// fixes `T = UInt64`, so the optimizer specializes the generic implementation inside this module
/// and the caller gets the fast code. Semantics are exactly those of the generic API.
///
/// ```swift
/// var random = SecureRandom()
/// let ciphertext = try Bfv64.encrypt(signed: values, encryptor: encryptor, using: &random)
/// try Bfv64.multiplyAdd(&sum, ciphertext, by: -64)
/// ```
public enum Bfv64 {
    /// Batch-encodes signed values and encrypts them (``BfvEncoder/encode(signed:encoding:)``, then
    /// ``BfvEncryptor/encrypt(_:using:)``).
    ///
    /// - Parameters:
    ///   - values: at most `N` values in `[-(t-1)/2, (t-1)/2]`.
    ///   - encryptor: a 64-bit encryptor.
    ///   - random: the CSPRNG.
    /// - Returns: a fresh ciphertext.
    /// - Throws: ``FHEError`` for values out of range or too many values.
    public static func encrypt(
        signed values: [Int64], encryptor: BfvEncryptor<UInt64>, using random: inout SecureRandom
    ) throws(FHEError) -> Ciphertext<UInt64> {
        let plaintext = try BfvEncoder(context: encryptor.context).encode(signed: values, encoding: .batch)
        return try encryptor.encrypt(plaintext, using: &random)
    }

    /// Decodes a ciphertext envelope (``Ciphertext/init(envelope:context:source:)``).
    ///
    /// - Parameters:
    ///   - envelope: an `fheCiphertext` envelope.
    ///   - context: the parameters.
    ///   - source: a name for messages.
    /// - Returns: the ciphertext.
    /// - Throws: ``FHEError``.
    public static func ciphertext(
        envelope: Envelope, context: BfvContext<UInt64>, source: String
    ) throws(FHEError) -> Ciphertext<UInt64> {
        try Ciphertext(envelope: envelope, context: context, source: source)
    }

    /// The ciphertext as an envelope (``Ciphertext/envelope()``).
    ///
    /// - Parameter ciphertext: a ciphertext.
    /// - Returns: the envelope.
    public static func envelope(of ciphertext: Ciphertext<UInt64>) -> Envelope { ciphertext.envelope() }

    /// Adds `ciphertext` into `accumulator` in place (the ciphertext addition of ``BfvEvaluator``).
    ///
    /// - Parameters:
    ///   - accumulator: the running sum (same parameters and polynomial count).
    ///   - ciphertext: the ciphertext to add.
    public static func add(_ accumulator: inout Ciphertext<UInt64>, _ ciphertext: Ciphertext<UInt64>) {
        for index in 0..<min(accumulator.polynomials.count, ciphertext.polynomials.count) {
            accumulator.polynomials[index] += ciphertext.polynomials[index]
        }
    }

    /// `accumulator += factor * ciphertext` for a public integer constant: every residue of every
    /// polynomial is multiplied by `factor mod q_i` (negative factors as `q_i - |factor| mod q_i`).
    /// The result decrypts to `m_acc + factor * m mod t`; the noise grows by `|factor|` times the
    /// ciphertext's noise.
    ///
    /// - Parameters:
    ///   - accumulator: the running sum (same parameters and polynomial count).
    ///   - ciphertext: the ciphertext.
    ///   - factor: the constant.
    public static func multiplyAdd(_ accumulator: inout Ciphertext<UInt64>, _ ciphertext: Ciphertext<UInt64>, by factor: Int64) {
        guard factor != 0 else { return }
        let ring = ciphertext.context.ciphertextContext
        let n = ring.degree
        for index in 0..<min(accumulator.polynomials.count, ciphertext.polynomials.count) {
            let source = ciphertext.polynomials[index].data
            accumulator.polynomials[index].data.withUnsafeMutableBufferPointer { target in
                source.withUnsafeBufferPointer { input in
                    for (i, modulus) in ring.moduli.enumerated() {
                        let magnitude = UInt64(factor.magnitude) % modulus.value
                        let w = factor >= 0 || magnitude == 0 ? magnitude : modulus.value - magnitude
                        let wShoup = modulus.shoup(w)
                        for j in (i * n)..<((i + 1) * n) {
                            target[j] = modulus.add(target[j], modulus.multiplyShoup(input[j], by: w, shoup: wShoup))
                        }
                    }
                }
            }
        }
    }

    /// Multiplies by a batch-encoded 0/1 mask, decrypts and decodes the slots
    /// (``BfvEvaluator/multiply(_:_:)``, ``BfvDecryptor/decrypt(_:)``, ``BfvEncoder/decodeSigned(_:encoding:)``).
    ///
    /// - Parameters:
    ///   - ciphertext: a batch-encoded ciphertext.
    ///   - mask: per slot whether to keep it (`N` entries), or `nil` to decrypt as is.
    ///   - decryptor: the key holder's decryptor.
    ///   - signed: decode centred or in `[0, t)`.
    /// - Returns: `N` slot values.
    /// - Throws: ``FHEError``.
    public static func decryptSlots(
        _ ciphertext: Ciphertext<UInt64>, mask: [Bool]?, decryptor: BfvDecryptor<UInt64>, signed: Bool
    ) throws(FHEError) -> [Int64] {
        let context = ciphertext.context
        let encoder = BfvEncoder(context: context)
        var input = ciphertext
        if let mask {
            // The 0/1 mask carries the ciphertext's signedness label (its values read the same either way).
            let plain = try encoder.encode(unsigned: mask.map { $0 ? 1 : 0 }, encoding: .batch)
                .relabeled(as: ciphertext.signedness)
            input = try BfvEvaluator(context: context).multiply(ciphertext, plain)
        }
        // `signed` chooses the reading explicitly, whatever the ciphertext's label.
        let plaintext = try decryptor.decrypt(input).relabeled(as: signed ? .signed : .unsigned)
        if signed { return try encoder.decodeSigned(plaintext, encoding: .batch) }
        return try encoder.decodeUnsigned(plaintext, encoding: .batch).map { Int64(clamping: $0) }
    }

    /// The invariant noise budget in bits (``BfvDecryptor/invariantNoiseBudget(_:)``), after multiplying by a
    /// batch-encoded 0/1 mask when one is given.
    ///
    /// - Parameters:
    ///   - ciphertext: a ciphertext.
    ///   - mask: per slot whether to keep it, or `nil`.
    ///   - decryptor: the key holder's decryptor.
    /// - Returns: the budget in bits.
    /// - Throws: ``FHEError``.
    public static func noiseBudget(
        _ ciphertext: Ciphertext<UInt64>, mask: [Bool]?, decryptor: BfvDecryptor<UInt64>
    ) throws(FHEError) -> Int {
        var input = ciphertext
        if let mask {
            let context = ciphertext.context
            let plain = try BfvEncoder(context: context).encode(unsigned: mask.map { $0 ? 1 : 0 }, encoding: .batch)
                .relabeled(as: ciphertext.signedness)
            input = try BfvEvaluator(context: context).multiply(ciphertext, plain)
        }
        return try decryptor.invariantNoiseBudget(input)
    }
}
