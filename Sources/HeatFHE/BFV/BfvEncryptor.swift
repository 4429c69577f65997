/// Encrypts plaintexts with a public key or a secret key.
///
/// - Public key `(p0, p1)`: draw `u` ternary and `e1, e2` from the error distribution;
///   `c0 = p0*u + e1 + Delta*m`, `c1 = p1*u + e2` (Fan and Vercauteren 2012, section 4).
/// - Secret key `s`: draw `a` uniform and `e`; `c0 = -(a*s) + e + Delta*m`, `c1 = a`.
///
/// All randomness comes from one buffered ``SecureRandom`` per encryptor call.
///
/// ```swift
/// let encryptor = BfvEncryptor(publicKey: publicKey)
/// let ciphertext = try encryptor.encrypt(plaintext)
/// ```
public struct BfvEncryptor<T: ScalarType>: Sendable {
    enum Key: Sendable {
        case publicKey(PublicKey<T>)
        case secretKey(SecretKey<T>)
    }

    let key: Key
    /// The parameters.
    public let context: BfvContext<T>

    /// An encryptor for anyone holding the public key.
    ///
    /// - Parameter publicKey: the public key.
    public init(publicKey: PublicKey<T>) {
        self.key = .publicKey(publicKey)
        self.context = publicKey.context
    }

    /// An encryptor for the secret-key holder (slightly less noise than public-key encryption).
    ///
    /// - Parameter secretKey: the secret key.
    public init(secretKey: SecretKey<T>) {
        self.key = .secretKey(secretKey)
        self.context = secretKey.context
    }

    /// Encrypts a plaintext with fresh system randomness.
    ///
    /// - Parameter plaintext: a plaintext made for the same parameters.
    /// - Returns: a fresh two-polynomial ciphertext.
    /// - Throws: ``FHEError/parameterMismatch(_:)`` for a plaintext of other parameters.
    public func encrypt(_ plaintext: Plaintext<T>) throws(FHEError) -> Ciphertext<T> {
        var random = SecureRandom()
        return try encrypt(plaintext, using: &random)
    }

    /// Encrypts a plaintext with the given generator.
    ///
    /// - Parameters:
    ///   - plaintext: a plaintext made for the same parameters.
    ///   - random: the CSPRNG.
    /// - Returns: a fresh two-polynomial ciphertext.
    /// - Throws: ``FHEError/parameterMismatch(_:)`` for a plaintext of other parameters.
    public func encrypt(_ plaintext: Plaintext<T>, using random: inout SecureRandom) throws(FHEError) -> Ciphertext<T> {
        try context.requireSame(plaintext.context, "the plaintext")
        let ring = context.ciphertextContext
        let n = ring.degree
        let message = plaintext.scaledToCiphertext()
        let c0: PolyRq<T, Coeff>
        let c1: PolyRq<T, Coeff>
        switch key {
        case .publicKey(let publicKey):
            let u = PolyRq<T, Coeff>(context: ring, signedCoefficients: Sampler.ternary(count: n, using: &random))
                .forwardNTT()
            let e1 = PolyRq<T, Coeff>(context: ring, signedCoefficients: Sampler.centeredBinomial(count: n, using: &random))
            let e2 = PolyRq<T, Coeff>(context: ring, signedCoefficients: Sampler.centeredBinomial(count: n, using: &random))
            c0 = (publicKey.p0.dropping(to: ring) * u).inverseNTT() + e1 + message
            c1 = (publicKey.p1.dropping(to: ring) * u).inverseNTT() + e2
        case .secretKey(let secretKey):
            var a = PolyRq<T, Coeff>(zeroIn: ring)
            for (i, modulus) in ring.moduli.enumerated() {
                a.data.replaceSubrange(
                    (i * n)..<((i + 1) * n), with: Sampler.uniform(modulus: modulus, count: n, using: &random))
            }
            let e = PolyRq<T, Coeff>(context: ring, signedCoefficients: Sampler.centeredBinomial(count: n, using: &random))
            let aS = (a.forwardNTT() * secretKey.evaluationAtCiphertextLevel()).inverseNTT()
            c0 = e + message - aS
            c1 = a
        }
        return try Ciphertext(
            context: context, polynomials: [c0, c1], encoding: plaintext.encoding, signedness: plaintext.signedness,
            valueCount: plaintext.valueCount)
    }
}
