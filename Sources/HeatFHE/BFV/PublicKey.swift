/// A BFV public key `(p0, p1) = (-(a*s + e), a)` at the key level, so that `p0 + p1*s = -e` is small.
///
/// `a` is uniform modulo every key-level prime, expanded from a 32-byte ``seed`` (``PolySeed``) by
/// its own ChaCha20 stream, and `e` is drawn from the centred binomial error distribution
/// (``Sampler``) of the caller's generator. A seeded key's file stores the seed instead of `p1`
/// (about half the size). Encryption works at the key level and divides by the special prime
/// (``BfvEncryptor``).
///
/// ```swift
/// let publicKey = PublicKey(secretKey: secretKey)
/// let encryptor = BfvEncryptor(publicKey: publicKey)
/// ```
public struct PublicKey<T: ScalarType>: Sendable {
    /// The parameters.
    public let context: BfvContext<T>
    /// `p0 = -(a*s + e)`, evaluation form, key level.
    let p0: PolyRq<T, Eval>
    /// `p1 = a`, evaluation form, key level.
    let p1: PolyRq<T, Eval>
    /// The seed `p1` was expanded from, or `nil` for a key loaded from an unseeded file.
    public let seed: PolySeed?

    /// Derives a fresh public key from a secret key (system CSPRNG).
    ///
    /// - Parameter secretKey: the secret key.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public init(secretKey: SecretKey<T>) {
        var random = SecureRandom()
        self.init(secretKey: secretKey, using: &random)
    }

    /// Derives a public key from a secret key with the given generator.
    ///
    /// - Parameters:
    ///   - secretKey: the secret key.
    ///   - random: the CSPRNG (the error and the seed of `a`).
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public init(secretKey: SecretKey<T>, using random: inout SecureRandom) {
        FHESpecialization.note(T.self, "PublicKey.init")
        let ring = secretKey.context.keyContext
        let seed = PolySeed(using: &random)
        let a: PolyRq<T, Eval> = seed.uniformPolynomial(in: ring)
        var errors = Sampler.centeredBinomial(count: ring.degree, using: &random)
        defer { errors.wipe() }
        var e = PolyRq<T, Coeff>(context: ring, signedCoefficients: errors)
        defer { e.wipe() }
        var aS = secretKey.product(with: a)
        defer { aS.wipe() }
        aS += e
        self.context = secretKey.context
        self.p1 = a
        self.p0 = (-aS).forwardNTT()
        self.seed = seed
    }

    /// A public key from its coefficient-form polynomials (used when loading an unseeded file).
    init(context: BfvContext<T>, p0: PolyRq<T, Coeff>, p1: PolyRq<T, Coeff>) {
        self.context = context
        self.p0 = p0.forwardNTT()
        self.p1 = p1.forwardNTT()
        self.seed = nil
    }

    /// A public key from `p0` and the seed of `p1` (used when loading a seeded file).
    init(context: BfvContext<T>, p0: PolyRq<T, Coeff>, seed: PolySeed) {
        self.context = context
        self.p0 = p0.forwardNTT()
        self.p1 = seed.uniformPolynomial(in: context.keyContext)
        self.seed = seed
    }

    /// `(p0, p1)` in coefficient form at the key level.
    public func coefficientForm() -> [PolyRq<T, Coeff>] { [p0.inverseNTT(), p1.inverseNTT()] }

    /// Checks the key against its parameters: both polynomials in the key-level ring and neither
    /// zero modulo any prime (a zero `p0` or `p1` would encrypt in the clear).
    ///
    /// - Parameter source: a name for messages.
    /// - Throws: ``FHEError/malformedData(source:reason:)``.
    func validate(source: String) throws(FHEError) {
        let ring = context.keyContext
        let n = ring.degree
        for (name, polynomial) in [("p0", p0), ("p1", p1)] {
            guard polynomial.context.isSameRing(as: ring) else {
                throw .malformedData(source: source, reason: "publicKey.\(name) is not at the key level")
            }
            for i in 0..<ring.count where polynomial.data[(i * n)..<((i + 1) * n)].allSatisfy({ $0 == 0 }) {
                throw .malformedData(
                    source: source, reason: "publicKey.\(name) is zero modulo \(ring.moduli[i].value): not a valid public key")
            }
        }
    }
}
