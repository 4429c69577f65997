/// The key-switching key from the big LWE key (`k * N` bits) to the small one (`n` bits), modulo
/// `2^64`: entry `(i, j)` is an LWE encryption under `s` of `S_i * 2^(64 - j * beta)`,
/// `j = 1...l_ks`, with TUniform(``TfheParameters/lweNoiseLog2``) noise.
///
/// **Key switching** rounds each input mask value to its top `beta * l_ks` bits, writes it in
/// balanced base `2^beta` and subtracts `sum_j d_(i,j) * KSK_(i,j)` from `(0, ..., 0, b)`.
///
/// **Seed compression**: the masks are uniform words expanded from a 32-byte ``PolySeed``
/// (stream 1), so a file holds the seed and the `k * N * l_ks` bodies (80 KiB for the default set
/// instead of 73 MB).
public struct TfheKeySwitchingKey: Sendable {
    /// The context.
    public let context: TfheContext
    /// The mask seed.
    public let seed: PolySeed
    /// The bodies, `[i][j]` flattened.
    let bodies: [UInt64]
    /// Every entry, `[i][j][n + 1]` flattened.
    @usableFromInline let entries: [UInt64]

    /// Generates the key.
    ///
    /// - Parameters:
    ///   - secretKey: the client key.
    ///   - random: the CSPRNG.
    public init(secretKey: TfheSecretKey, using random: inout SecureRandom) {
        let context = secretKey.context
        let parameters = context.parameters
        let seed = PolySeed(using: &random)
        let width = parameters.lweDimension + 1
        var entries = Self.expandMasks(context: context, seed: seed)
        var bodies = [UInt64](repeating: 0, count: parameters.bigLweDimension * parameters.ksLevels)
        var noise = TfheContext.torusNoise(bound: parameters.lweNoiseLog2, count: bodies.count, using: &random)
        defer { noise.wipe() }
        var bigKey = secretKey.withBigKey { Array($0) }
        defer { bigKey.wipe() }
        secretKey.withSmallKey { small in
            entries.withUnsafeMutableBufferPointer { entries in
                for i in 0..<parameters.bigLweDimension {
                    for j in 0..<parameters.ksLevels {
                        let entry = (i * parameters.ksLevels + j) * width
                        var sum: UInt64 = 0
                        for t in 0..<parameters.lweDimension { sum &+= entries[entry + t] &* small[t] }
                        let shift = UInt64(64 - (j + 1) * parameters.ksBaseLog)
                        let body = sum &+ noise[i * parameters.ksLevels + j] &+ (bigKey[i] << shift)
                        entries[entry + parameters.lweDimension] = body
                        bodies[i * parameters.ksLevels + j] = body
                    }
                }
            }
        }
        self.context = context
        self.seed = seed
        self.bodies = bodies
        self.entries = entries
    }

    /// Rebuilds a key from its seed and bodies (loading).
    init(context: TfheContext, seed: PolySeed, bodies: [UInt64]) {
        let parameters = context.parameters
        var entries = Self.expandMasks(context: context, seed: seed)
        let width = parameters.lweDimension + 1
        for index in bodies.indices { entries[index * width + parameters.lweDimension] = bodies[index] }
        self.context = context
        self.seed = seed
        self.bodies = bodies
        self.entries = entries
    }

    /// The entries with their masks expanded from the seed and zero bodies.
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

    /// Switches a big-key ciphertext to the small key (noise grows by the key-switching variance
    /// of ``TfheNoiseModel``).
    ///
    /// - Parameter input: a ciphertext of dimension `k * N`.
    /// - Returns: a ciphertext of dimension `n` with the same phase up to the added noise.
    public func keySwitch(_ input: LweCiphertext) -> LweCiphertext {
        let parameters = context.parameters
        precondition(input.dimension == parameters.bigLweDimension, "key switching takes a big-key ciphertext")
        let width = parameters.lweDimension + 1
        let levels = parameters.ksLevels
        let baseLog = UInt64(parameters.ksBaseLog)
        let totalBits = baseLog * UInt64(levels)
        let mask: UInt64 = (1 << baseLog) - 1
        let half: UInt64 = 1 << (baseLog - 1)
        var out = [UInt64](repeating: 0, count: width)
        out[parameters.lweDimension] = input.body
        entries.withUnsafeBufferPointer { entries in
            out.withUnsafeMutableBufferPointer { out in
                for i in 0..<parameters.bigLweDimension {
                    let a = input.data[i]
                    // Round to the top totalBits bits.
                    var y = (a >> (63 - totalBits)) &+ 1
                    y >>= 1
                    var level = levels
                    while level >= 1 {
                        let digit = y & mask
                        y >>= baseLog
                        let carry = (digit &+ half) >> baseLog
                        y &+= carry
                        let signedDigit = digit &- (carry << baseLog)
                        if signedDigit != 0 {
                            let entry = entries.baseAddress! + (i * levels + level - 1) * width
                            for t in 0..<width { out[t] &-= signedDigit &* entry[t] }
                        }
                        level -= 1
                    }
                }
            }
        }
        return LweCiphertext(data: out)
    }
}
