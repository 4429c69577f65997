/// A BFV public key `(p0, p1) = (-(a*s + e), a)` at the key level, so that `p0 + p1*s = -e` is small.
///
/// `a` is uniform modulo every key-level prime and `e` is drawn from the centred binomial error
/// distribution (``Sampler``). Encryption uses its residues at the ciphertext level.
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

    /// Derives a fresh public key from a secret key (system CSPRNG).
    ///
    /// - Parameter secretKey: the secret key.
    public init(secretKey: SecretKey<T>) {
        var random = SecureRandom()
        self.init(secretKey: secretKey, using: &random)
    }

    /// Derives a public key from a secret key with the given generator.
    ///
    /// - Parameters:
    ///   - secretKey: the secret key.
    ///   - random: the CSPRNG.
    public init(secretKey: SecretKey<T>, using random: inout SecureRandom) {
        let ring = secretKey.context.keyContext
        var a = PolyRq<T, Eval>(zeroIn: ring)
        for (i, modulus) in ring.moduli.enumerated() {
            let residues = Sampler.uniform(modulus: modulus, count: ring.degree, using: &random)
            a.data.replaceSubrange((i * ring.degree)..<((i + 1) * ring.degree), with: residues)
        }
        let e = PolyRq<T, Coeff>(
            context: ring, signedCoefficients: Sampler.centeredBinomial(count: ring.degree, using: &random))
        self.context = secretKey.context
        self.p1 = a
        self.p0 = -((a * secretKey.polynomial).inverseNTT() + e).forwardNTT()
    }

    /// A public key from its coefficient-form polynomials (used when loading a file).
    init(context: BfvContext<T>, p0: PolyRq<T, Coeff>, p1: PolyRq<T, Coeff>) {
        self.context = context
        self.p0 = p0.forwardNTT()
        self.p1 = p1.forwardNTT()
    }

    /// `(p0, p1)` in coefficient form at the key level.
    public func coefficientForm() -> [PolyRq<T, Coeff>] { [p0.inverseNTT(), p1.inverseNTT()] }
}
