/// A BFV secret key: a ternary polynomial `s` (coefficients uniform in `{-1, 0, 1}`, see
/// ``Sampler``), held in evaluation form at the key level.
///
/// A `final class` so that exactly one copy of the secret exists: `deinit` overwrites it with
/// `explicit_bzero` before the memory is released. Do not copy ``polynomial`` out of it.
///
/// ```swift
/// let secretKey = SecretKey(context: context)
/// let decryptor = BfvDecryptor(secretKey: secretKey)
/// ```
public final class SecretKey<T: ScalarType>: @unchecked Sendable {
    /// The parameters.
    public let context: BfvContext<T>
    /// `s` in evaluation form at the key level. Never mutated after init except by `deinit`.
    private(set) var polynomial: PolyRq<T, Eval>

    /// Generates a fresh secret key from the system CSPRNG.
    ///
    /// - Parameter context: the parameters.
    public convenience init(context: BfvContext<T>) {
        var random = SecureRandom()
        self.init(context: context, using: &random)
    }

    /// Generates a secret key from the given generator.
    ///
    /// - Parameters:
    ///   - context: the parameters.
    ///   - random: the CSPRNG.
    public init(context: BfvContext<T>, using random: inout SecureRandom) {
        self.context = context
        var coefficients = Sampler.ternary(count: context.degree, using: &random)
        let coefficientForm = PolyRq<T, Coeff>(context: context.keyContext, signedCoefficients: coefficients)
        coefficients.withUnsafeMutableBytes { secureZero($0) }
        self.polynomial = coefficientForm.forwardNTT()
        var scratch = coefficientForm.data
        scratch.withUnsafeMutableBytes { secureZero($0) }
    }

    /// A secret key from its key-level polynomial (used when loading a file).
    ///
    /// - Parameters:
    ///   - context: the parameters.
    ///   - coefficientForm: `s` in coefficient form at the key level.
    init(context: BfvContext<T>, coefficientForm: PolyRq<T, Coeff>) {
        self.context = context
        self.polynomial = coefficientForm.forwardNTT()
    }

    deinit {
        polynomial.data.withUnsafeMutableBytes { secureZero($0) }
    }

    /// `s` in coefficient form at the key level (for serialization and export).
    public func coefficientForm() -> PolyRq<T, Coeff> { polynomial.inverseNTT() }

    /// `s` in evaluation form at the ciphertext level.
    func evaluationAtCiphertextLevel() -> PolyRq<T, Eval> { polynomial.dropping(to: context.ciphertextContext) }
}
