/// The key-switching key from the big LWE key (`k * N` bits) to the small one (`n` bits), modulo
/// `2^w` with `w` = ``TfheParameters/keySwitchModulusLog2`` (64 or 32): entry `(i, j)` is an LWE
/// encryption under `s` of `S_i * 2^(w - j * beta)`, `j = 1...l_ks`, with TUniform noise of bound
/// ``TfheParameters/lweNoiseLog2`` `- (64 - w)` (the published bound, stated on `2^64`, at the
/// same noise rate).
///
/// **Key switching** (``keySwitch(_:)``) rounds each input mask value to its top `beta * l_ks`
/// bits, writes it in balanced base `2^beta` and subtracts `sum_j d_(i,j) * KSK_(i,j)` from
/// `(0, ..., 0, b)`. With `w = 32` (TFHE-rs's `KS32`) the input words are first rounded from
/// `2^64` to `2^32` (`round(x / 2^32)`, an error of at most half a unit of `2^32` per word, in
/// ``TfheNoiseModel/keySwitchVariance``), the key entries are 32-bit words and the arithmetic
/// wraps at `2^32`: the key switch streams half the bytes (36 MB instead of 73 MB for the default
/// set), which is what bounds its speed. The result is returned on the `2^64` torus (each word
/// times `2^32`), so its phase is read as before.
///
/// **Seed compression**: the masks are uniform words expanded from a 32-byte ``PolySeed``
/// (stream 1; with `w = 32` each 64-bit stream word gives two mask words, low half first), so a
/// file holds the seed and the `k * N * l_ks` bodies (40 KiB for the default set instead of
/// 36 MB).
///
/// ```swift
/// let keySwitchingKey = TfheKeySwitchingKey(secretKey: clientKey, using: &random)
/// let small = keySwitchingKey.keySwitch(clientKey.encrypt(7))   // dimension n, Enc(7)
/// ```
public struct TfheKeySwitchingKey: Sendable {
    /// The context.
    public let context: TfheContext
    /// The mask seed.
    public let seed: PolySeed
    /// The bodies, `[i][j]` flattened, each below `2^w`.
    let bodies: [UInt64]
    /// Every entry of a 64-bit key switch, `[i][j][n + 1]` flattened (empty when `w = 32`).
    @usableFromInline let entries: [UInt64]
    /// Every entry of a 32-bit key switch, `[i][j][n + 1]` flattened (empty when `w = 64`).
    @usableFromInline let narrowEntries: [UInt32]

    /// The number of key words in memory (either width).
    public var entryCount: Int { entries.count + narrowEntries.count }
    /// The size of the expanded entries in memory, bytes.
    public var expandedByteCount: Int { 8 * entries.count + 4 * narrowEntries.count }

    /// Generates the key.
    ///
    /// - Parameters:
    ///   - secretKey: the client key.
    ///   - random: the CSPRNG.
    public init(secretKey: TfheSecretKey, using random: inout SecureRandom) {
        let context = secretKey.context
        let parameters = context.parameters
        let seed = PolySeed(using: &random)
        let count = parameters.bigLweDimension * parameters.ksLevels
        let noiseBound = parameters.lweNoiseLog2 - (64 - parameters.keySwitchModulusLog2)
        var noise = TfheContext.torusNoise(bound: noiseBound, count: count, using: &random)
        defer { noise.wipe() }
        var bigKey = secretKey.withBigKey { Array($0) }
        defer { bigKey.wipe() }
        var bodies = [UInt64](repeating: 0, count: count)
        if parameters.keySwitchModulusLog2 == 32 {
            var entries = Self.expandNarrowMasks(context: context, seed: seed)
            secretKey.withSmallKey { small in
                Self.encryptBodies(
                    &entries, bodies: &bodies, parameters: parameters, small: small, bigKey: bigKey, noise: noise)
            }
            self.narrowEntries = entries
            self.entries = []
        } else {
            var entries = Self.expandMasks(context: context, seed: seed)
            secretKey.withSmallKey { small in
                Self.encryptBodies(
                    &entries, bodies: &bodies, parameters: parameters, small: small, bigKey: bigKey, noise: noise)
            }
            self.entries = entries
            self.narrowEntries = []
        }
        self.context = context
        self.seed = seed
        self.bodies = bodies
    }

    /// Writes the body of every entry: `<a, s> + e + S_i 2^(w - j beta)`, wrapping at `2^w`.
    private static func encryptBodies<Word: FixedWidthInteger & UnsignedInteger>(
        _ entries: inout [Word], bodies: inout [UInt64], parameters: TfheParameters, small: UnsafeBufferPointer<UInt64>,
        bigKey: [UInt64], noise: [UInt64]
    ) {
        let width = parameters.lweDimension + 1
        let wordBits = Word.bitWidth
        entries.withUnsafeMutableBufferPointer { entries in
            for i in 0..<parameters.bigLweDimension {
                for j in 0..<parameters.ksLevels {
                    let entry = (i * parameters.ksLevels + j) * width
                    var sum: Word = 0
                    for t in 0..<parameters.lweDimension { sum &+= entries[entry + t] &* Word(truncatingIfNeeded: small[t]) }
                    let shift = Word(wordBits - (j + 1) * parameters.ksBaseLog)
                    let body = sum &+ Word(truncatingIfNeeded: noise[i * parameters.ksLevels + j])
                        &+ (Word(truncatingIfNeeded: bigKey[i]) << shift)
                    entries[entry + parameters.lweDimension] = body
                    bodies[i * parameters.ksLevels + j] = UInt64(body)
                }
            }
        }
    }

    /// Rebuilds a key from its seed and bodies (loading).
    ///
    /// - Parameters:
    ///   - context: the context.
    ///   - seed: the mask seed.
    ///   - bodies: `k N l_ks` bodies, each below `2^w` (checked by the caller).
    init(context: TfheContext, seed: PolySeed, bodies: [UInt64]) {
        let parameters = context.parameters
        let width = parameters.lweDimension + 1
        if parameters.keySwitchModulusLog2 == 32 {
            var entries = Self.expandNarrowMasks(context: context, seed: seed)
            for index in bodies.indices {
                entries[index * width + parameters.lweDimension] = UInt32(truncatingIfNeeded: bodies[index])
            }
            self.narrowEntries = entries
            self.entries = []
        } else {
            var entries = Self.expandMasks(context: context, seed: seed)
            for index in bodies.indices { entries[index * width + parameters.lweDimension] = bodies[index] }
            self.entries = entries
            self.narrowEntries = []
        }
        self.context = context
        self.seed = seed
        self.bodies = bodies
    }

    /// The 64-bit entries with their masks expanded from the seed and zero bodies.
    static func expandMasks(context: TfheContext, seed: PolySeed) -> [UInt64] {
        let parameters = context.parameters
        let width = parameters.lweDimension + 1
        let count = parameters.bigLweDimension * parameters.ksLevels
        var stream = SecureRandom(seed: seed, stream: 1)
        var entries = [UInt64](repeating: 0, count: count * width)
        for entry in 0..<count {
            for t in 0..<parameters.lweDimension { entries[entry * width + t] = stream.next() }
        }
        return entries
    }

    /// The 32-bit entries with their masks expanded from the seed (two mask words per 64-bit
    /// stream word, low half first, continuing across entries) and zero bodies.
    static func expandNarrowMasks(context: TfheContext, seed: PolySeed) -> [UInt32] {
        let parameters = context.parameters
        let width = parameters.lweDimension + 1
        let count = parameters.bigLweDimension * parameters.ksLevels
        var stream = SecureRandom(seed: seed, stream: 1)
        var entries = [UInt32](repeating: 0, count: count * width)
        var pending: UInt64 = 0
        var hasPending = false
        for entry in 0..<count {
            for t in 0..<parameters.lweDimension {
                if hasPending {
                    entries[entry * width + t] = UInt32(truncatingIfNeeded: pending >> 32)
                } else {
                    pending = stream.next()
                    entries[entry * width + t] = UInt32(truncatingIfNeeded: pending)
                }
                hasPending.toggle()
            }
        }
        return entries
    }

    /// Switches a big-key ciphertext to the small key (noise grows by the key-switching variance
    /// of ``TfheNoiseModel``).
    ///
    /// - Parameter input: a ciphertext of dimension `k * N`.
    /// - Returns: a ciphertext of dimension `n` with the same phase up to the added noise, on the
    ///   `2^64` torus (with a 32-bit key switch, every word is a multiple of `2^32`).
    public func keySwitch(_ input: LweCiphertext) -> LweCiphertext {
        let parameters = context.parameters
        precondition(input.dimension == parameters.bigLweDimension, "key switching takes a big-key ciphertext")
        if parameters.keySwitchModulusLog2 == 32 {
            let rounded = Self.roundToKeySwitchModulus(input.data)
            let out = narrowEntries.withUnsafeBufferPointer { Self.keySwitch(rounded, entries: $0, parameters: parameters) }
            return LweCiphertext(data: out.map { UInt64($0) << 32 })
        }
        return LweCiphertext(
            data: entries.withUnsafeBufferPointer { Self.keySwitch(input.data, entries: $0, parameters: parameters) })
    }

    /// Rounds `2^64`-torus words to `2^32` (round half up, wrapping at `2^64`): the input of a
    /// 32-bit key switch. Each word's error is uniform in `[-2^31, 2^31)` units of `2^64`, which
    /// adds ``TfheNoiseModel/keySwitchInputRoundingVariance`` to the phase.
    ///
    /// - Parameter words: the ciphertext's words (mask then body).
    /// - Returns: `round(x / 2^32) mod 2^32` per word.
    static func roundToKeySwitchModulus(_ words: [UInt64]) -> [UInt32] {
        words.map { UInt32(truncatingIfNeeded: ($0 &+ (1 << 31)) >> 32) }
    }

    /// The key switch modulo `2^Word.bitWidth` (the one algorithm for both widths).
    ///
    /// - Parameters:
    ///   - input: `k N + 1` words (mask then body) modulo `2^w`.
    ///   - entries: the key, `[i][j][n + 1]`.
    ///   - parameters: the set.
    /// - Returns: `n + 1` words modulo `2^w`.
    static func keySwitch<Word: FixedWidthInteger & UnsignedInteger>(
        _ input: [Word], entries: UnsafeBufferPointer<Word>, parameters: TfheParameters
    ) -> [Word] {
        let width = parameters.lweDimension + 1
        let levels = parameters.ksLevels
        let baseLog = Word(parameters.ksBaseLog)
        let totalBits = baseLog * Word(levels)
        let mask: Word = (1 << baseLog) - 1
        let half: Word = 1 << (baseLog - 1)
        let topShift = Word(Word.bitWidth - 1) - totalBits
        var out = [Word](repeating: 0, count: width)
        out[parameters.lweDimension] = input[parameters.bigLweDimension]
        withUnsafeTemporaryAllocation(of: Word.self, capacity: levels) { digits in
            out.withUnsafeMutableBufferPointer { out in
                for i in 0..<parameters.bigLweDimension {
                    // Round to the top totalBits bits, then balanced base-2^beta digits, least
                    // significant (level l_ks) first with carry; the final carry wraps away.
                    var y = ((input[i] >> topShift) &+ 1) >> 1
                    var level = levels
                    while level >= 1 {
                        let digit = y & mask
                        y >>= baseLog
                        let carry = (digit &+ half) >> baseLog
                        y &+= carry
                        digits[level - 1] = digit &- (carry << baseLog)
                        level -= 1
                    }
                    // Entries (i, 0...l_ks-1) are contiguous: stream them in memory order.
                    for j in 0..<levels {
                        let signedDigit = digits[j]
                        if signedDigit == 0 { continue }
                        let entry = entries.baseAddress! + (i * levels + j) * width
                        for t in 0..<width { out[t] &-= signedDigit &* entry[t] }
                    }
                }
            }
        }
        return out
    }
}
