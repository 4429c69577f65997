/// A 32-byte seed from which a uniform polynomial is expanded: the machinery of seeded
/// (half-size) objects.
///
/// A fresh secret-key ciphertext `(c0, c1 = a)` and a public key `(p0, p1 = a)` each contain one
/// uniform polynomial `a` that nobody needs to store: it is expanded from a seed by its own
/// ChaCha20 stream (``SecureRandom/init(seed:stream:)``, key = the seed), separate from the error
/// stream, so a file can hold the 32-byte seed instead of `a` and be about half the size.
///
/// Expansion (normative, `Docs/FHE-Format.md`): for the ring's modulus `i` (RNS order), the
/// ChaCha20 keystream with key = the seed and nonce `(i, r, 0)` for the `r`-th 16 KiB chunk
/// (block counters 0-255 within each chunk) is read as little-endian 64-bit words and
/// rejection-sampled exactly as ``Sampler/uniform(modulus:count:using:)`` (the low `bitWidth(q_i)`
/// bits; for moduli of at most 32 bits also the high half of each word). Because each modulus has
/// its own stream, the expansion in a ring whose moduli are a prefix of another's is the prefix
/// of that expansion (a key-level `a` dropped to the ciphertext level equals the ciphertext-level
/// expansion).
///
/// Evaluation keys (relinearization and Galois keys) can adopt it the same way: store one seed
/// per key-switching component and expand its `a` with ``uniformPolynomial(in:)``.
///
/// ```swift
/// var random = SecureRandom()
/// let seed = PolySeed(using: &random)
/// let a: PolyRq<UInt32, Eval> = seed.uniformPolynomial(in: context.keyContext)   // uniform per modulus
/// ```
public struct PolySeed: Sendable, Hashable {
    /// The number of seed bytes.
    public static let byteCount = 32

    /// The 32 seed bytes.
    public let bytes: [UInt8]

    /// A fresh seed drawn from a generator.
    ///
    /// - Parameter random: the CSPRNG.
    public init(using random: inout SecureRandom) {
        var bytes = [UInt8](repeating: 0, count: Self.byteCount)
        for index in 0..<Self.byteCount { bytes[index] = random.nextByte() }
        self.bytes = bytes
    }

    /// A seed from its bytes.
    ///
    /// - Parameter bytes: exactly 32 bytes.
    /// - Throws: ``FHEError/malformedData(source:reason:)`` for another length.
    public init(bytes: [UInt8]) throws(FHEError) {
        guard bytes.count == Self.byteCount else {
            throw .malformedData(source: "seed", reason: "a seed has \(Self.byteCount) bytes, got \(bytes.count)")
        }
        self.bytes = bytes
    }

    /// The uniform polynomial expanded from the seed, in the form the caller names (the uniform
    /// distribution is the same in either form, so no transform is spent on it: public keys read
    /// it as evaluation form, ciphertexts as coefficient form).
    ///
    /// - Parameter ring: the ring.
    /// - Returns: the polynomial; the same seed and ring always give the same residues.
    public func uniformPolynomial<T: ScalarType, F: PolyFormat>(in ring: RnsContext<T>) -> PolyRq<T, F> {
        FHESpecialization.note(T.self, "PolySeed.uniformPolynomial")
        var data: [T] = []
        data.reserveCapacity(ring.degree * ring.count)
        for (index, modulus) in ring.moduli.enumerated() {
            var stream = SecureRandom(seed: self, stream: UInt32(index))
            data += Sampler.uniform(modulus: modulus, count: ring.degree, using: &stream)
        }
        return PolyRq(context: ring, data: data)
    }
}
