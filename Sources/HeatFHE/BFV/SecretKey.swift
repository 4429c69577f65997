/// A BFV secret key: a ternary polynomial `s` (coefficients uniform in `{-1, 0, 1}`, see
/// ``Sampler``), held in evaluation form at the key level.
///
/// **Ownership.** A `final class` with private storage: exactly one copy of `s` exists, in memory
/// the key allocates itself (not an `Array`, so copy-on-write can never leave a second buffer
/// behind), and `deinit` overwrites it with `explicit_bzero` before releasing it. No API returns a
/// copy: products with `s` *borrow* it through ``withSecretPolynomial(at:_:)`` (evaluation form) or
/// ``withSecretCoefficients(_:)`` (coefficient form). The polynomial passed to the closure is a
/// temporary that is wiped when the closure returns; do not let it escape (do not store it or
/// return it), and wipe your own temporaries that hold `s` or a product with it.
///
/// **Loading** (``init(envelope:context:source:)``) checks that the polynomial is ternary and the
/// same integer modulo every prime, and wipes the decoded buffers.
///
/// Adopting the borrowing API (for example, evaluation-key generation that needs `s` and `s^2`):
///
/// ```swift
/// let secretKey = SecretKey(context: context)
/// let decryptor = BfvDecryptor(secretKey: secretKey)
/// // key switching material at the key level: b = -(a*s) + e + P*s^2
/// var product = secretKey.withSecretPolynomial { s in
///     var square = s * s            // a temporary holding s^2: wipe it
///     defer { square.wipe() }
///     return a * s                  // a product with s: the caller wipes it when done
/// }
/// defer { product.wipe() }
/// ```
public final class SecretKey<T: ScalarType>: @unchecked Sendable {
    /// The parameters.
    public let context: BfvContext<T>
    /// `s` in evaluation form at the key level (`L_key * N` residues, modulus-major). Written once
    /// in `init`, wiped in `deinit`, read only through the `with...` methods.
    private let storage: UnsafeMutableBufferPointer<T>

    /// Generates a fresh secret key from the system CSPRNG.
    ///
    /// - Parameter context: the parameters.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public convenience init(context: BfvContext<T>) {
        var random = SecureRandom()
        self.init(context: context, using: &random)
    }

    /// Generates a secret key from the given generator.
    ///
    /// - Parameters:
    ///   - context: the parameters.
    ///   - random: the CSPRNG.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public init(context: BfvContext<T>, using random: inout SecureRandom) {
        FHESpecialization.note(T.self, "SecretKey.init")
        var coefficients = Sampler.ternary(count: context.degree, using: &random)
        defer { coefficients.wipe() }
        var coefficientForm = PolyRq<T, Coeff>(context: context.keyContext, signedCoefficients: coefficients)
        defer { coefficientForm.wipe() }
        self.context = context
        self.storage = SecretKey<T>.store(coefficientForm)
    }

    /// A secret key from its key-level coefficient form (used when loading a file): checks that
    /// it is ternary and consistent across the primes, and wipes `coefficientForm` in every case.
    ///
    /// - Parameters:
    ///   - context: the parameters.
    ///   - coefficientForm: `s` in coefficient form at the key level; zeroed on return.
    ///   - source: a name for messages.
    /// - Throws: ``FHEError/malformedData(source:reason:)`` when `s` is not a valid secret key.
    init(context: BfvContext<T>, wiping coefficientForm: inout PolyRq<T, Coeff>, source: String) throws(FHEError) {
        defer { coefficientForm.wipe() }
        try SecretKey<T>.validate(coefficientForm, context: context, source: source)
        self.context = context
        self.storage = SecretKey<T>.store(coefficientForm)
    }

    deinit {
        secureZero(UnsafeMutableRawBufferPointer(storage))
        storage.deallocate()
    }

    /// Transforms `s` to evaluation form into freshly allocated storage, wiping the temporary.
    private static func store(_ coefficientForm: PolyRq<T, Coeff>) -> UnsafeMutableBufferPointer<T> {
        var evaluation = coefficientForm.forwardNTT()
        defer { evaluation.wipe() }
        let storage = UnsafeMutableBufferPointer<T>.allocate(capacity: evaluation.data.count)
        _ = storage.initialize(from: evaluation.data)
        return storage
    }

    /// Checks a key-level coefficient-form `s`: every coefficient in `{-1, 0, 1}` and the same
    /// value modulo every prime; for parameters of at least N=1024 also a plausible weight (at
    /// least N/3 non-zero coefficients; a fresh key has about 2N/3). The scan accumulates masks and
    /// does not branch on the coefficients; the message names no coefficient.
    static func validate(_ s: PolyRq<T, Coeff>, context: BfvContext<T>, source: String) throws(FHEError) {
        let ring = context.keyContext
        let n = ring.degree
        var bad: T = 0
        var weight = 0
        let q0 = ring.moduli[0].value
        for j in 0..<n {
            let r0 = s.data[j]
            let isOne: T = 0 &- T(truncatingIfNeeded: UInt8(r0 == 1 ? 1 : 0))
            let isMinusOne: T = 0 &- T(truncatingIfNeeded: UInt8(r0 == q0 &- 1 ? 1 : 0))
            let isZero: T = 0 &- T(truncatingIfNeeded: UInt8(r0 == 0 ? 1 : 0))
            bad |= ~(isOne | isMinusOne | isZero)
            weight &+= Int(truncatingIfNeeded: (isOne | isMinusOne) & 1)
            for (i, modulus) in ring.moduli.enumerated().dropFirst() {
                let expected = (1 & isOne) | ((modulus.value &- 1) & isMinusOne)
                bad |= s.data[i * n + j] ^ expected
            }
        }
        guard bad == 0 else {
            throw .malformedData(
                source: source,
                reason: "secretKey.s is not a ternary polynomial with the same coefficients modulo every prime")
        }
        guard n < 1024 || 3 * weight >= n else {
            throw .malformedData(
                source: source, reason: "secretKey.s has too few non-zero coefficients to be a generated secret key")
        }
    }

    /// Lends `s` in evaluation form to `body`, at the key level or at a ring whose moduli are a
    /// prefix of the key level's (for example ``BfvContext/ciphertextContext``).
    ///
    /// The polynomial is a temporary copy that is wiped when `body` returns: use it for products,
    /// never store or return it, and wipe your own temporaries that hold `s`.
    ///
    /// - Parameters:
    ///   - ring: the ring (default: the key level).
    ///   - body: the computation that needs `s`.
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws.
    public func withSecretPolynomial<Result, Failure: Error>(
        at ring: RnsContext<T>? = nil, _ body: (PolyRq<T, Eval>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let target = ring ?? context.keyContext
        let keyRing = context.keyContext
        precondition(
            target.degree == keyRing.degree && target.count <= keyRing.count
                && Array(keyRing.moduliValues.prefix(target.count)) == target.moduliValues,
            "the ring's moduli must be a prefix of the key level's")
        var polynomial = PolyRq<T, Eval>(
            context: target, data: Array(UnsafeBufferPointer(rebasing: storage[0..<(target.count * target.degree)])))
        defer { polynomial.wipe() }
        return try body(polynomial)
    }

    /// Lends `s` in coefficient form at the key level (residues of `-1, 0, 1` modulo each prime) to
    /// `body`, for serialization, export and automorphisms. Wiped when `body` returns.
    ///
    /// - Parameter body: the computation that needs the coefficients.
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws.
    public func withSecretCoefficients<Result, Failure: Error>(
        _ body: (PolyRq<T, Coeff>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        var coefficientForm = withSecretPolynomial { s in s.inverseNTT() }
        defer { coefficientForm.wipe() }
        return try body(coefficientForm)
    }

    /// `a * s` in coefficient form at `a`'s ring (a prefix of the key level); the evaluation-form
    /// temporary is wiped. The result holds a product with the secret: the caller wipes it.
    ///
    /// - Parameter a: a polynomial in evaluation form.
    /// - Returns: `a * s`, coefficient form.
    func product(with a: PolyRq<T, Eval>) -> PolyRq<T, Coeff> {
        withSecretPolynomial(at: a.context) { s in
            var product = a
            product *= s
            defer { product.wipe() }
            return product.inverseNTT()
        }
    }

    /// Removed: it returned a copy of the secret that nobody wiped.
    @available(*, unavailable, message: "borrow s with withSecretCoefficients { s in ... } instead")
    public func coefficientForm() -> PolyRq<T, Coeff> { PolyRq(zeroIn: context.keyContext) }

    /// Removed: it returned a copy of the secret that nobody wiped.
    @available(*, unavailable, message: "borrow s with withSecretPolynomial { s in ... } instead")
    var polynomial: PolyRq<T, Eval> { PolyRq(zeroIn: context.keyContext) }
}
