/// A TFHE client key: the small LWE key `s` (`n` bits, input of the blind rotation) and the GLWE
/// key `S` (`k` binary polynomials of degree `N`; read as a vector of `k * N` bits it is the "big"
/// LWE key under which bootstrapped ciphertexts come out).
///
/// **Ownership**, as for the BFV ``SecretKey``: a `final class` with private storage it
/// allocates itself (not an `Array`, so copy-on-write cannot leave a second buffer behind), wiped
/// with `explicit_bzero` in `deinit`. Nothing returns a copy: the key is lent to a closure
/// (``withSmallKey(_:)``, ``withBigKey(_:)``) as a temporary buffer wiped when the closure returns.
///
/// ```swift
/// let context = try TfheContext(parameters: .insecureTest4Bit)
/// let key = TfheSecretKey(context: context)
/// let ct = key.encrypt(5)
/// key.decrypt(ct)   // 5
/// ```
public final class TfheSecretKey: @unchecked Sendable {
    /// The context.
    public let context: TfheContext
    /// `s` (`n` words) followed by `S` (`k * N` words), each 0 or 1; wiped in `deinit`.
    private let storage: UnsafeMutableBufferPointer<UInt64>

    /// Generates a key from the system CSPRNG.
    ///
    /// - Parameter context: the parameters.
    public convenience init(context: TfheContext) {
        var random = SecureRandom()
        self.init(context: context, using: &random)
    }

    /// Generates a key from the given generator (uniform binary keys, as in TFHE-rs).
    ///
    /// - Parameters:
    ///   - context: the parameters.
    ///   - random: the CSPRNG.
    public init(context: TfheContext, using random: inout SecureRandom) {
        let parameters = context.parameters
        var bits = TfheContext.binaryKey(count: parameters.lweDimension + parameters.bigLweDimension, using: &random)
        defer { bits.wipe() }
        self.context = context
        storage = .allocate(capacity: bits.count)
        _ = storage.initialize(from: bits)
    }

    /// A key from its bits (loading): checks every bit and wipes `bits` in every case.
    ///
    /// - Throws: ``FHEError/malformedData(source:reason:)`` when a word is not 0 or 1 or the
    ///   count is wrong.
    init(context: TfheContext, wiping bits: inout [UInt64], source: String) throws(FHEError) {
        defer { bits.wipe() }
        let expected = context.parameters.lweDimension + context.parameters.bigLweDimension
        guard bits.count == expected else {
            throw .malformedData(source: source, reason: "a TFHE secret key has \(expected) bits, got \(bits.count)")
        }
        var bad: UInt64 = 0
        for bit in bits { bad |= bit >> 1 }
        guard bad == 0 else { throw .malformedData(source: source, reason: "the TFHE secret key is not binary") }
        self.context = context
        storage = .allocate(capacity: bits.count)
        _ = storage.initialize(from: bits)
    }

    deinit {
        secureZero(UnsafeMutableRawBufferPointer(storage))
        storage.deallocate()
    }

    /// Lends the small key `s` (`n` bits) to `body`; the buffer is wiped when `body` returns.
    ///
    /// - Parameter body: the computation; do not let the buffer escape.
    /// - Returns: what `body` returns.
    public func withSmallKey<Result>(_ body: (UnsafeBufferPointer<UInt64>) throws -> Result) rethrows -> Result {
        try lend(range: 0..<context.parameters.lweDimension, body)
    }

    /// Lends the big key (`S` flattened, `k * N` bits, polynomial-major) to `body`; wiped afterwards.
    ///
    /// - Parameter body: the computation; do not let the buffer escape.
    /// - Returns: what `body` returns.
    public func withBigKey<Result>(_ body: (UnsafeBufferPointer<UInt64>) throws -> Result) rethrows -> Result {
        let n = context.parameters.lweDimension
        return try lend(range: n..<(n + context.parameters.bigLweDimension), body)
    }

    private func lend<Result>(
        range: Range<Int>, _ body: (UnsafeBufferPointer<UInt64>) throws -> Result
    ) rethrows -> Result {
        let copy = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: range.count)
        _ = copy.initialize(from: storage[range])
        defer {
            secureZero(UnsafeMutableRawBufferPointer(copy))
            copy.deallocate()
        }
        return try body(UnsafeBufferPointer(copy))
    }

    /// The GLWE key polynomials in NTT form modulo `q` (for key generation); the caller wipes them.
    func glweKeyNTT() -> [[UInt64]] {
        let parameters = context.parameters
        return withBigKey { big in
            (0..<parameters.glweDimension).map { p in
                var poly = Array(big[(p * parameters.polynomialSize)..<((p + 1) * parameters.polynomialSize)])
                context.plan.forward(&poly)
                return poly
            }
        }
    }

    /// Encrypts a message under the big key (fresh TUniform GLWE-level noise).
    ///
    /// - Parameters:
    ///   - message: a value in `[0, 2^messageBits)` (reduced modulo `2^(messageBits+1)` otherwise).
    ///   - random: the CSPRNG.
    /// - Returns: the LWE ciphertext of dimension `k * N`.
    public func encrypt(_ message: Int, using random: inout SecureRandom) -> LweCiphertext {
        let parameters = context.parameters
        let plaintext = UInt64(truncatingIfNeeded: message) &* parameters.delta
        return encryptRaw(plaintext, bound: parameters.glweNoiseLog2, big: true, using: &random)
    }

    /// Encrypts a message under the big key with a fresh system-keyed generator.
    ///
    /// - Parameter message: a value in `[0, 2^messageBits)`.
    /// - Returns: the ciphertext.
    public func encrypt(_ message: Int) -> LweCiphertext {
        var random = SecureRandom()
        return encrypt(message, using: &random)
    }

    /// Encrypts a raw torus value under the big or small key with TUniform(`bound`) noise.
    func encryptRaw(_ plaintext: UInt64, bound: Int, big: Bool, using random: inout SecureRandom) -> LweCiphertext {
        let dimension = big ? context.parameters.bigLweDimension : context.parameters.lweDimension
        var data = [UInt64](repeating: 0, count: dimension + 1)
        for index in 0..<dimension { data[index] = random.next() }
        var noise = TfheContext.torusNoise(bound: bound, count: 1, using: &random)
        defer { noise.wipe() }
        let body: (UnsafeBufferPointer<UInt64>) -> UInt64 = { key in
            var sum: UInt64 = 0
            for index in 0..<dimension { sum &+= data[index] &* key[index] }
            return sum
        }
        let product = big ? withBigKey(body) : withSmallKey(body)
        data[dimension] = product &+ noise[0] &+ plaintext
        return LweCiphertext(data: data)
    }

    /// The phase `b - <a, s>` of a ciphertext under the big key (its dimension `k * N`) or the
    /// small key (dimension `n`): `Delta * m + e` on the `2^64` torus.
    ///
    /// - Parameter ciphertext: the ciphertext.
    /// - Returns: the phase.
    public func phase(_ ciphertext: LweCiphertext) -> UInt64 {
        let dimension = ciphertext.dimension
        let body: (UnsafeBufferPointer<UInt64>) -> UInt64 = { key in
            var sum: UInt64 = 0
            for index in 0..<dimension { sum &+= ciphertext.data[index] &* key[index] }
            return ciphertext.data[dimension] &- sum
        }
        return dimension == context.parameters.lweDimension ? withSmallKey(body) : withBigKey(body)
    }

    /// Decrypts: the phase rounded to the nearest multiple of `Delta`, modulo `2^(messageBits+1)`
    /// (so a value with the padding bit set reads as `m + 2^messageBits`).
    ///
    /// - Parameter ciphertext: a ciphertext under the big or the small key.
    /// - Returns: the message.
    public func decrypt(_ ciphertext: LweCiphertext) -> Int {
        let parameters = context.parameters
        let phase = phase(ciphertext)
        let shift = UInt64(63 - parameters.messageBits)
        let rounded = (phase &+ (parameters.delta >> 1)) >> shift
        return Int(rounded) & ((2 << parameters.messageBits) - 1)
    }
}
