#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shamir's k-of-n threshold secret sharing over GF(2^8), byte by byte.
///
/// For each byte `s` of the secret, ``split(_:threshold:shares:using:)`` draws a random
/// polynomial `f(x) = s + a1 x + ... + a(k-1) x^(k-1)` over GF(2^8) (coefficients from the
/// generator, which must be a CSPRNG: the default is the system's) and gives share `i` (for
/// `i = 1 ... n`) the value `f(i)`. Any `k` shares determine `f` and so `f(0) = s` by Lagrange
/// interpolation (``combine(_:)``); any `k - 1` shares are consistent with every possible
/// secret, each equally likely (A. Shamir, "How to share a secret", CACM 22(11), 1979), so
/// they reveal nothing about it. Shares carry no integrity protection of their own:
/// ``KeyEscrow`` adds digests and sealing.
///
/// ```swift
/// let shares = try ShamirSecretSharing.split(Array("key".utf8), threshold: 2, shares: 3)
/// try ShamirSecretSharing.combine([shares[0], shares[2]])   // Array("key".utf8)
/// ```
public enum ShamirSecretSharing {
    /// One share: the evaluation point `x` (1...255) and the polynomial's value at `x` for
    /// every byte of the secret.
    public struct Share: Sendable, Hashable {
        /// The evaluation point, never 0 (which is where the secret sits).
        public let x: UInt8
        /// `f(x)` for each secret byte; as long as the secret.
        public let y: [UInt8]

        /// A share from its point and values.
        ///
        /// - Parameters:
        ///   - x: the evaluation point (1...255).
        ///   - y: the values, one per secret byte.
        public init(x: UInt8, y: [UInt8]) {
            self.x = x
            self.y = y
        }
    }

    /// The largest number of shares (the non-zero elements of GF(2^8)).
    public static let maximumShares = 255

    /// Splits `secret` into `shares` shares, any `threshold` of which recover it.
    ///
    /// - Parameters:
    ///   - secret: the bytes to share (at least one).
    ///   - threshold: how many shares recover the secret, `2...shares`.
    ///   - shares: how many shares to make, `threshold...255`.
    ///   - generator: the source of the random coefficients; it must be cryptographically secure.
    /// - Returns: the shares, with points `1...shares` in order.
    /// - Throws: ``EscrowError/invalidThreshold(threshold:shares:)`` for impossible counts and
    ///   ``EscrowError/emptySecret`` for an empty secret.
    public static func split<G: RandomNumberGenerator>(
        _ secret: [UInt8], threshold: Int, shares: Int, using generator: inout G
    ) throws(EscrowError) -> [Share] {
        guard threshold >= 2, threshold <= shares, shares <= maximumShares else {
            throw .invalidThreshold(threshold: threshold, shares: shares)
        }
        guard !secret.isEmpty else { throw .emptySecret }
        let length = secret.count
        // coefficients[j] holds a(j+1) for every byte; a0 is the secret itself.
        var coefficients = (1..<threshold).map { _ in randomBytes(length, using: &generator) }
        defer { for index in coefficients.indices { wipe(&coefficients[index]) } }
        var result = [Share]()
        result.reserveCapacity(shares)
        for point in 1...shares {
            let x = UInt8(point)
            var y = [UInt8](repeating: 0, count: length)
            for byte in 0..<length {
                // Horner: ((a(k-1) x + a(k-2)) x + ...) x + a0.
                var accumulator: UInt8 = 0
                for j in stride(from: coefficients.count - 1, through: 0, by: -1) {
                    accumulator = GF256.multiply(accumulator, x) ^ coefficients[j][byte]
                }
                y[byte] = GF256.multiply(accumulator, x) ^ secret[byte]
            }
            result.append(Share(x: x, y: y))
        }
        return result
    }

    /// Splits `secret` with the system's CSPRNG (see ``split(_:threshold:shares:using:)``).
    ///
    /// - Parameters:
    ///   - secret: the bytes to share.
    ///   - threshold: how many shares recover the secret.
    ///   - shares: how many shares to make.
    /// - Returns: the shares.
    /// - Throws: as ``split(_:threshold:shares:using:)``.
    public static func split(_ secret: [UInt8], threshold: Int, shares: Int) throws(EscrowError) -> [Share] {
        var generator = SystemRandomNumberGenerator()
        return try split(secret, threshold: threshold, shares: shares, using: &generator)
    }

    /// Interpolates the polynomial through `shares` at 0.
    ///
    /// With fewer shares than the threshold the result is a value unrelated to the secret (every
    /// secret is equally consistent with them); callers check the count first (``KeyEscrow``
    /// does, against the threshold recorded in each share).
    ///
    /// - Parameter shares: at least one share; distinct non-zero points, values of one length.
    /// - Returns: `f(0)` for every byte.
    /// - Throws: ``EscrowError/inconsistentShares(reason:)`` for repeated or zero points, or
    ///   values of different lengths.
    public static func combine(_ shares: [Share]) throws(EscrowError) -> [UInt8] {
        guard let first = shares.first else { throw .inconsistentShares(reason: "no shares given") }
        let length = first.y.count
        guard shares.allSatisfy({ $0.y.count == length }) else {
            throw .inconsistentShares(reason: "the shares have different lengths")
        }
        guard shares.allSatisfy({ $0.x != 0 }), Set(shares.map(\.x)).count == shares.count else {
            throw .inconsistentShares(reason: "two shares have the same point, or a point is 0")
        }
        // Lagrange basis at 0: l_i = prod_{j != i} x_j / (x_j - x_i), subtraction being XOR.
        var basis = [UInt8]()
        for (i, share) in shares.enumerated() {
            var numerator: UInt8 = 1
            var denominator: UInt8 = 1
            for (j, other) in shares.enumerated() where j != i {
                numerator = GF256.multiply(numerator, other.x)
                denominator = GF256.multiply(denominator, other.x ^ share.x)
            }
            guard let inverse = GF256.inverse(denominator) else {
                throw .inconsistentShares(reason: "two shares have the same point")
            }
            basis.append(GF256.multiply(numerator, inverse))
        }
        var secret = [UInt8](repeating: 0, count: length)
        for (i, share) in shares.enumerated() {
            let weight = basis[i]
            for byte in 0..<length { secret[byte] ^= GF256.multiply(weight, share.y[byte]) }
        }
        return secret
    }

    /// `count` bytes from `generator`, eight at a time.
    static func randomBytes<G: RandomNumberGenerator>(_ count: Int, using generator: inout G) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var index = 0
        while index < count {
            var word = generator.next() as UInt64
            for _ in 0..<8 where index < count {
                bytes[index] = UInt8(truncatingIfNeeded: word)
                word >>= 8
                index += 1
            }
        }
        return bytes
    }

    /// Overwrites secret bytes with zeros in a way the optimizer keeps.
    static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress, buffer.count > 0 else { return }
            #if canImport(Glibc)
            explicit_bzero(base, buffer.count)
            #else
            _ = memset_s(base, buffer.count, 0, buffer.count)
            #endif
        }
    }
}
