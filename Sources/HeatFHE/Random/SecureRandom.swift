import Crypto
import Foundation

/// A buffered cryptographically secure random generator for secrets, errors and masks.
///
/// The generator draws a fresh 256-bit key from `SystemRandomNumberGenerator` (the operating
/// system's CSPRNG, `getrandom` on Linux) when it is created, then expands it with the ChaCha20
/// stream cipher (RFC 8439, as used inside swift-crypto's `ChaChaPoly`): each refill encrypts
/// 16 KiB of zeros under the key with a fresh 96-bit nonce (a counter), and the ciphertext is the
/// keystream. Encryption therefore costs one system call per generator, not one per coefficient.
///
/// It is a `struct` used through `inout`; it is `Sendable` because it owns its state. Never copy
/// one and use both copies: they would produce the same stream.
///
/// ```swift
/// var random = SecureRandom()
/// let word = random.next()            // a uniformly random UInt64
/// let q7 = random.uniform(below: 7)   // uniform in 0..<7, rejection-sampled
/// ```
public struct SecureRandom: RandomNumberGenerator, Sendable {
    private let key: SymmetricKey
    private var nonceCounter: UInt64 = 0
    private var buffer: [UInt8] = []
    private var position = 0

    /// The number of keystream bytes produced per refill.
    public static let blockSize = 16 * 1024

    /// Creates a generator keyed from the system CSPRNG.
    public init() {
        var system = SystemRandomNumberGenerator()
        var keyBytes = [UInt8](repeating: 0, count: 32)
        for index in stride(from: 0, to: 32, by: 8) {
            var word = system.next()
            for byte in 0..<8 {
                keyBytes[index + byte] = UInt8(truncatingIfNeeded: word)
                word >>= 8
            }
        }
        self.key = SymmetricKey(data: keyBytes)
        keyBytes.withUnsafeMutableBytes { secureZero($0) }
    }

    private mutating func refill() {
        var nonceBytes = [UInt8](repeating: 0, count: 12)
        var counter = nonceCounter
        for index in 0..<8 {
            nonceBytes[index] = UInt8(truncatingIfNeeded: counter)
            counter >>= 8
        }
        nonceCounter &+= 1
        let zeros = [UInt8](repeating: 0, count: Self.blockSize)
        // A 12-byte nonce and an in-memory buffer never make ChaChaPoly fail.
        if let nonce = try? ChaChaPoly.Nonce(data: nonceBytes),
            let sealed = try? ChaChaPoly.seal(zeros, using: key, nonce: nonce)
        {
            buffer = Array(sealed.ciphertext)
        } else {
            // Unreachable in practice; fall back to the system generator rather than stall.
            var system = SystemRandomNumberGenerator()
            buffer = (0..<Self.blockSize).map { _ in UInt8(truncatingIfNeeded: system.next()) }
        }
        position = 0
    }

    /// The next uniformly random byte.
    public mutating func nextByte() -> UInt8 {
        if position >= buffer.count { refill() }
        let byte = buffer[position]
        position += 1
        return byte
    }

    /// The next uniformly random 64-bit word.
    public mutating func next() -> UInt64 {
        if position + 8 > buffer.count { refill() }
        var word: UInt64 = 0
        for index in 0..<8 { word |= UInt64(buffer[position + index]) << UInt64(8 * index) }
        position += 8
        return word
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
