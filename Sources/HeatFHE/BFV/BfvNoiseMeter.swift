/// The invariant noise budget of a decryption phase `x = [c0 + c1*s + ...]_Q`, in word arithmetic
/// (issue 27, session 38): the same number as ``BfvDecryptor/invariantNoiseBudget(_:)``, computed
/// from the phase that decryption has already formed, so the key holder's decrypt-and-measure is
/// one pass (``BfvDecryptor/decryptMeasuringNoise(_:)``) instead of a second phase computation
/// and `N` big-integer compositions.
///
/// Per coefficient, with `Q_i = Q / q_i`: `u_i = [x_i * t * Q_i^-1]_(q_i)` (one word
/// multiplication per modulus), `s = sum_i u_i * Q_i` in `L + 1` words (each term is below `Q`, so
/// `s < L * Q`), then `s mod Q` by at most `L - 1` subtractions of `Q`: this is `[t * x]_Q`,
/// because `u_i * Q_i = x_i * t (mod q_i)` and `0 (mod q_j)` for `j != i` (CRT). Centred,
/// `|v| = min(s, Q - s)` (`Q - s` when `s > floor(Q/2)`, as SEAL's `invariant_noise_budget` does),
/// and the budget is `max(0, bits(Q) - bits(max_j |v_j|) - 1)`.
///
/// Like the reference it branches on the data (the subtractions, the comparisons): it is a
/// measurement for the key holder, never part of what a ciphertext's holder can time. Its
/// working words (`[t * x]_Q`, a function of the secret key) are wiped before it returns, and a
/// meter is built once per level and cached in the context (``BfvContext/noiseMeter(level:)``,
/// session 39).
struct BfvNoiseMeter<T: ScalarType>: Sendable {
    /// The ring of the phase.
    let ring: RnsContext<T>
    /// `[t * (Q/q_i)^-1]_(q_i)` per modulus.
    let factors: [T]
    /// `Q / q_i` per modulus, as ``wordCount`` little-endian 64-bit words.
    let punctured: [[UInt64]]
    /// `Q` as ``wordCount`` little-endian words.
    let modulus: [UInt64]
    /// `floor(Q / 2)` as ``wordCount`` little-endian words.
    let halfModulus: [UInt64]
    /// The number of words of every value: those of `Q` plus one (the sum before reduction is
    /// below `L * Q`, `L` at most a few dozen).
    let wordCount: Int
    /// `bits(Q)`.
    let modulusBits: Int

    /// Precomputes the constants.
    ///
    /// - Parameters:
    ///   - ring: the ring of the phase (the ciphertext's level).
    ///   - plaintextModulus: `t`.
    init(ring: RnsContext<T>, plaintextModulus: UInt64) {
        self.ring = ring
        let q = ring.modulusProduct
        modulusBits = q.bitWidth
        let wordCount = (modulusBits + 63) / 64 + 1
        self.wordCount = wordCount
        modulus = Self.words(of: q, count: wordCount)
        halfModulus = Self.words(of: q / BigInt(2), count: wordCount)
        punctured = ring.punctured.map { Self.words(of: $0, count: wordCount) }
        factors = ring.moduli.enumerated().map { index, modulus in
            modulus.multiply(T(plaintextModulus % UInt64(modulus.value)), ring.puncturedInverse[index])
        }
    }

    /// The little-endian 64-bit words of a non-negative integer below `2^(64 * count)`.
    static func words(of value: BigInt, count: Int) -> [UInt64] {
        var result = [UInt64](repeating: 0, count: count)
        let hex = Array(value.hexDescription.utf8)
        var end = hex.count
        var index = 0
        while end > 0, index < count {
            let start = max(0, end - 16)
            // BigInt's hexDescription is lower-case hex digits only; a chunk that does not parse
            // would give a wrong Q and a wrong budget, so it stops here (review s38 erase27c LOW 1).
            guard let word = UInt64(String(decoding: hex[start..<end], as: UTF8.self), radix: 16) else {
                preconditionFailure("BfvNoiseMeter.words: \(value.hexDescription) is not hexadecimal")
            }
            result[index] = word
            end = start
            index += 1
        }
        return result
    }

    /// The invariant noise budget in bits of the phase `x`.
    ///
    /// - Parameter x: the phase in coefficient form (residues in `[0, q_i)`), of ``ring``.
    /// - Returns: `max(0, bits(Q) - bits(max |[t * x_j]_Q|) - 1)`, centred.
    func budget(ofPhase x: PolyRq<T, Coeff>) -> Int {
        let n = ring.degree
        let moduli = ring.moduli
        let count = wordCount
        var sum = [UInt64](repeating: 0, count: count)
        var largest = [UInt64](repeating: 0, count: count)
        var scratch = [UInt64](repeating: 0, count: count)
        // `[t x]_Q` depends on the secret key: every working buffer is wiped before returning
        // (review s38 erase27c LOW 2), as the phase itself is by the caller.
        defer {
            sum.wipe()
            largest.wipe()
            scratch.wipe()
        }
        x.data.withUnsafeBufferPointer { residues in
            for j in 0..<n {
                for k in 0..<count { sum[k] = 0 }
                for (i, modulus) in moduli.enumerated() {
                    let u = UInt64(modulus.multiply(residues[i * n + j], factors[i]))
                    Self.addProduct(u, punctured[i], into: &sum)
                }
                // `sum mod Q`, then centred: `Q - sum` above `floor(Q/2)` (one word subtraction,
                // operands swapped; its result goes to `scratch`, then the buffers swap).
                while Self.compare(sum, modulus) >= 0 {
                    Self.difference(sum, modulus, into: &scratch)
                    swap(&sum, &scratch)
                }
                if Self.compare(sum, halfModulus) > 0 {
                    Self.difference(modulus, sum, into: &scratch)
                    swap(&sum, &scratch)
                }
                if Self.compare(sum, largest) > 0 { for k in 0..<count { largest[k] = sum[k] } }
            }
        }
        return max(0, modulusBits - Self.bitWidth(largest) - 1)
    }

    /// `sum += u * value` (little-endian words; the result fits in `sum`'s words).
    static func addProduct(_ u: UInt64, _ value: [UInt64], into sum: inout [UInt64]) {
        var carry: UInt64 = 0
        for k in 0..<sum.count {
            let (high, low) = u.multipliedFullWidth(by: value[k])
            let (partial, overflow1) = low.addingReportingOverflow(carry)
            let (total, overflow2) = sum[k].addingReportingOverflow(partial)
            sum[k] = total
            carry = high &+ (overflow1 ? 1 : 0) &+ (overflow2 ? 1 : 0)
        }
    }

    /// `result = minuend - subtrahend` for `minuend >= subtrahend` (little-endian words of one
    /// count): the reduction (`sum - Q`) and the centring (`Q - sum`) alike (review s38 erase27c
    /// D2: the former `negate` was this subtraction with its operands swapped).
    static func difference(_ minuend: [UInt64], _ subtrahend: [UInt64], into result: inout [UInt64]) {
        var borrow = false
        for k in 0..<result.count {
            let (partial, borrow1) = minuend[k].subtractingReportingOverflow(subtrahend[k])
            let (total, borrow2) = partial.subtractingReportingOverflow(borrow ? 1 : 0)
            result[k] = total
            borrow = borrow1 || borrow2
        }
    }

    /// -1, 0 or 1 as `a` is below, equal to or above `b` (little-endian words of one count).
    static func compare(_ a: [UInt64], _ b: [UInt64]) -> Int {
        for k in stride(from: a.count - 1, through: 0, by: -1) where a[k] != b[k] {
            return a[k] < b[k] ? -1 : 1
        }
        return 0
    }

    /// The number of significant bits (0 for zero).
    static func bitWidth(_ value: [UInt64]) -> Int {
        for k in stride(from: value.count - 1, through: 0, by: -1) where value[k] != 0 {
            return 64 * k + 64 - value[k].leadingZeroBitCount
        }
        return 0
    }
}

extension BfvDecryptor {
    /// Decrypts a ciphertext and measures its invariant noise budget in one pass: the phase
    /// `[c0 + c1*s + ...]_Q` is computed once, rounded to the plaintext (as ``decrypt(_:)`` does)
    /// and measured in word arithmetic (the number ``invariantNoiseBudget(_:)`` gives, without its
    /// second phase computation and big integers).
    ///
    /// The budget depends on the secret key: it is for the key holder's own checks (refusing a
    /// ciphertext without budget before its slots are read), never to publish.
    ///
    /// ```swift
    /// let (plaintext, budget) = try decryptor.decryptMeasuringNoise(ciphertext)
    /// guard budget > 0 else { /* noise, not values: refuse */ }
    /// ```
    ///
    /// - Parameter ciphertext: a ciphertext of the same parameters.
    /// - Returns: the plaintext (with the ciphertext's encoding metadata) and the budget in bits.
    /// - Throws: ``FHEError/parameterMismatch(_:)`` for a ciphertext of other parameters.
    public func decryptMeasuringNoise(_ ciphertext: Ciphertext<T>) throws(FHEError) -> (plaintext: Plaintext<T>, noiseBudget: Int) {
        FHESpecialization.note(T.self, "BfvDecryptor.decryptMeasuringNoise")
        let context = secretKey.context
        let rounder = try context.level(ciphertext.level).scaleAndRound
        var phase = try phasePolynomial(ciphertext)
        defer { phase.wipe() }
        let budget = try context.noiseMeter(level: ciphertext.level).budget(ofPhase: phase)
        guard rounder.isApplicable else { return (try decryptReference(ciphertext), budget) }
        let plaintext = try Plaintext(
            context: context, coefficients: rounder.scaleAndRound(phase), encoding: ciphertext.encoding,
            signedness: ciphertext.signedness, valueCount: ciphertext.valueCount)
        return (plaintext, budget)
    }
}

extension Bfv64 {
    /// Decrypts and decodes a batch-encoded ciphertext's slots and measures its noise budget in
    /// one pass (``BfvDecryptor/decryptMeasuringNoise(_:)``): what the key holder needs to refuse
    /// a ciphertext without budget before its slots are used.
    ///
    /// - Parameters:
    ///   - ciphertext: a batch-encoded ciphertext.
    ///   - decryptor: the key holder's decryptor.
    ///   - signed: decode centred or in `[0, t)`.
    /// - Returns: `N` slot values and the budget in bits.
    /// - Throws: ``FHEError``.
    public static func decryptSlotsMeasuringNoise(
        _ ciphertext: Ciphertext<UInt64>, decryptor: BfvDecryptor<UInt64>, signed: Bool
    ) throws(FHEError) -> (slots: [Int64], noiseBudget: Int) {
        let encoder = BfvEncoder(context: ciphertext.context)
        let (decrypted, budget) = try decryptor.decryptMeasuringNoise(ciphertext)
        // `signed` chooses the reading explicitly, whatever the ciphertext's label.
        let plaintext = decrypted.relabeled(as: signed ? .signed : .unsigned)
        if signed { return (try encoder.decodeSigned(plaintext, encoding: .batch), budget) }
        return (try encoder.decodeUnsigned(plaintext, encoding: .batch).map { Int64(clamping: $0) }, budget)
    }
}

extension BfvContext {
    /// The noise meter of the level with `count` ciphertext moduli, built on first use and
    /// cached (review s38 erase27c LOW 3: its constants are `L + 2` big integers parsed to words).
    ///
    /// - Parameter count: the level (`1 ... L`).
    /// - Returns: the meter.
    /// - Throws: ``FHEError/parameterMismatch(_:)`` for a level that does not exist.
    func noiseMeter(level count: Int) throws(FHEError) -> BfvNoiseMeter<T> {
        try derived.noiseMeter(count, of: self)
    }
}
