/// A buffered cryptographically secure random generator for secrets, errors and masks.
///
/// The generator draws a fresh 256-bit key from `SystemRandomNumberGenerator` (the operating
/// system's CSPRNG, `getrandom` on Linux) when it is created, then expands it with the ChaCha20
/// block function (RFC 8439, ``ChaCha20``): the keystream is a sequence of 16 KiB chunks
/// (``blockSize``; 256 blocks, counters 0-255) under the key, chunk `r` with the nonce
/// `(stream, r low word, r high word)`. Encryption therefore costs one system call per
/// generator, not one per coefficient.
///
/// The chunks are computed lazily, ``ChaCha20/blocksPerBatch`` blocks at a time (16 blocks,
/// 1 KiB, one block per AVX-512 lane in the native build; 4 blocks in the portable build): a
/// generator computes only the keystream it hands out (rounded up to a batch), not a whole
/// 16 KiB chunk per refill. The keystream is the same bytes either way, and so is everything
/// read from it by whole words only (seed expansion, TFHE masks; a test checks it against the
/// one-block function across chunk boundaries). A ``next()`` that finds fewer than eight bytes
/// left in the batch skips them, which only happens after ``nextByte()``: since the batch size
/// depends on the build, a sequence that mixes ``nextByte()`` and ``next()`` (public-key
/// encryption's ternary `u`, then its binomial errors) reads different values from the same seed
/// in the native and in the portable build, and different ones from before the batching. Skipped
/// bytes are discarded, never reused.
///
/// It is **non-copyable** (`~Copyable`): a copy would replay the same stream, so an encryption with
/// a copy would reuse `u` and `e`; the compiler now rejects such a copy. The key and the keystream
/// buffer live in memory the generator owns and are wiped with `explicit_bzero` when it is
/// released (`deinit`). Pass it by `inout`.
///
/// ```swift
/// var random = SecureRandom()
/// let word = random.next()            // a uniformly random UInt64
/// let q7 = random.uniform(below: 7)   // uniform in 0..<7, rejection-sampled
/// ```
public struct SecureRandom: ~Copyable, @unchecked Sendable {
    /// The eight key words (owned, wiped in `deinit`).
    private let key: UnsafeMutablePointer<UInt32>
    /// The keystream buffer (owned, wiped in `deinit`).
    private let buffer: UnsafeMutableRawBufferPointer
    private var position: Int
    /// The index `r` of the current 16 KiB chunk (its nonce words).
    private var chunk: UInt64 = 0
    /// The block counter of the next batch within the chunk (0, 16, ..., 240; 256 starts a new chunk).
    private var nextBlock: UInt32 = 0
    /// The first nonce word: 0 for system-keyed generators, the stream index for seed expansion.
    private let stream: UInt32

    /// The number of keystream bytes under one nonce (a chunk of 256 ChaCha20 blocks).
    public static let blockSize = 16 * 1024

    /// The number of keystream bytes computed per refill (one batch of ChaCha20 blocks).
    static var batchSize: Int { 64 * ChaCha20.blocksPerBatch }

    /// Creates a generator keyed from the system CSPRNG.
    public init() {
        var system = SystemRandomNumberGenerator()
        self.init(stream: 0) { words in
            for index in 0..<4 {
                let word = system.next()
                words[2 * index] = UInt32(truncatingIfNeeded: word)
                words[2 * index + 1] = UInt32(truncatingIfNeeded: word >> 32)
            }
        }
    }

    /// A deterministic generator keyed by 32 bytes (seed expansion, reproducible tests).
    ///
    /// - Parameters:
    ///   - seed: the key, as 32 bytes (read as eight little-endian words).
    ///   - stream: the first nonce word, separating the streams of one seed.
    init(seed: PolySeed, stream: UInt32) {
        self.init(stream: stream) { words in
            for index in 0..<8 {
                var word: UInt32 = 0
                for byte in 0..<4 { word |= UInt32(seed.bytes[4 * index + byte]) << UInt32(8 * byte) }
                words[index] = word
            }
        }
    }

    private init(stream: UInt32, fillKey: (UnsafeMutablePointer<UInt32>) -> Void) {
        key = .allocate(capacity: 8)
        key.initialize(repeating: 0, count: 8)
        fillKey(key)
        buffer = .allocate(byteCount: Self.batchSize, alignment: 64)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        position = Self.batchSize  // empty: the first draw refills
        self.stream = stream
    }

    deinit {
        secureZero(UnsafeMutableRawBufferPointer(start: key, count: 32))
        secureZero(buffer)
        key.deallocate()
        buffer.deallocate()
    }

    /// Computes the next batch of the keystream (``ChaCha20/blocksPerBatch`` blocks of the current chunk).
    private mutating func refill() {
        if nextBlock == UInt32(Self.blockSize / 64) {
            chunk &+= 1
            nextBlock = 0
        }
        let nonce = (stream, UInt32(truncatingIfNeeded: chunk), UInt32(truncatingIfNeeded: chunk >> 32))
        ChaCha20.blocks(key: key, counter: nextBlock, nonce: nonce, into: buffer.baseAddress.unsafelyUnwrapped)
        nextBlock &+= UInt32(ChaCha20.blocksPerBatch)
        position = 0
    }

    /// The next uniformly random byte.
    public mutating func nextByte() -> UInt8 {
        if position >= Self.batchSize { refill() }
        let byte = buffer[position]
        position += 1
        return byte
    }

    /// The next uniformly random 64-bit word (eight keystream bytes, little-endian).
    public mutating func next() -> UInt64 {
        if position + 8 > Self.batchSize { refill() }
        let word = buffer.loadUnaligned(fromByteOffset: position, as: UInt64.self)
        position += 8
        return UInt64(littleEndian: word)
    }

    /// A uniform value in `0 ..< bound` by rejection sampling (no modulo bias).
    ///
    /// - Parameter bound: a positive bound.
    /// - Returns: the sample.
    public mutating func uniform(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "bound must be positive")
        let limit = UInt64.max - UInt64.max % bound  // accept words below a multiple of bound
        while true {
            let word = next()
            if word < limit { return word % bound }
        }
    }
}
