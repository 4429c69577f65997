/// Homomorphic operations on ciphertexts that need no evaluation key: add, subtract, negate,
/// plaintext add and plaintext multiply.
///
/// Each result decrypts to the operation applied to the plaintexts modulo `t` (coefficient-wise
/// for the coefficient encoding, slot-wise for the batch encoding; plaintext multiplication is
/// the negacyclic product of the plaintext polynomials, which for batching is the slot-wise
/// product). Noise: addition adds noises; plaintext multiplication multiplies the noise by at
/// most `N * t / 2`.
///
/// ```swift
/// let evaluator = BfvEvaluator(context: context)
/// let doubled = try evaluator.add(ciphertext, ciphertext)
/// let scaled = try evaluator.multiply(ciphertext, plaintext)
/// ```
public struct BfvEvaluator<T: ScalarType>: Sendable {
    /// The parameters.
    public let context: BfvContext<T>

    /// Creates an evaluator.
    ///
    /// - Parameter context: the parameters.
    public init(context: BfvContext<T>) { self.context = context }

    private func check(_ lhs: Ciphertext<T>, _ rhs: Ciphertext<T>) throws(FHEError) {
        try checkBinary(lhs, rhs)
    }

    /// Signed and unsigned values are never combined silently: the result's label would be a guess.
    static func requireSameSignedness(_ lhs: BfvSignedness, _ rhs: BfvSignedness) throws(FHEError) {
        guard lhs == rhs else {
            throw .parameterMismatch(
                "cannot combine \(lhs.name) and \(rhs.name) values; relabel one explicitly with relabeled(as:)")
        }
    }

    private func combine(
        _ lhs: Ciphertext<T>, _ rhs: Ciphertext<T>, _ operation: (PolyRq<T, Coeff>, PolyRq<T, Coeff>) -> PolyRq<T, Coeff>,
        missing: (PolyRq<T, Coeff>) -> PolyRq<T, Coeff>
    ) throws(FHEError) -> Ciphertext<T> {
        try check(lhs, rhs)
        let count = max(lhs.polynomials.count, rhs.polynomials.count)
        let polynomials = (0..<count).map { index in
            switch (index < lhs.polynomials.count, index < rhs.polynomials.count) {
            case (true, true): operation(lhs.polynomials[index], rhs.polynomials[index])
            case (true, false): lhs.polynomials[index]
            default: missing(rhs.polynomials[index])
            }
        }
        return try Ciphertext(
            context: context, polynomials: polynomials, encoding: lhs.encoding, signedness: lhs.signedness,
            valueCount: max(lhs.valueCount, rhs.valueCount))
    }

    /// The encryption of the sum.
    ///
    /// - Parameters:
    ///   - lhs: a ciphertext.
    ///   - rhs: a ciphertext of the same parameters and encoding.
    /// - Returns: a ciphertext of `lhs + rhs mod t`.
    /// - Throws: ``FHEError/parameterMismatch(_:)``.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func add(_ lhs: Ciphertext<T>, _ rhs: Ciphertext<T>) throws(FHEError) -> Ciphertext<T> {
        FHESpecialization.note(T.self, "BfvEvaluator.add")
        return try combine(lhs, rhs, +, missing: { $0 })
    }

    /// The encryption of the difference.
    ///
    /// - Parameters:
    ///   - lhs: a ciphertext.
    ///   - rhs: a ciphertext of the same parameters and encoding.
    /// - Returns: a ciphertext of `lhs - rhs mod t`.
    /// - Throws: ``FHEError/parameterMismatch(_:)``.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func subtract(_ lhs: Ciphertext<T>, _ rhs: Ciphertext<T>) throws(FHEError) -> Ciphertext<T> {
        FHESpecialization.note(T.self, "BfvEvaluator.subtract")
        return try combine(lhs, rhs, -, missing: { -$0 })
    }

    /// The encryption of the negation.
    ///
    /// - Parameter ciphertext: a ciphertext.
    /// - Returns: a ciphertext of `-m mod t`.
    /// - Throws: ``FHEError/parameterMismatch(_:)``.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func negate(_ ciphertext: Ciphertext<T>) throws(FHEError) -> Ciphertext<T> {
        FHESpecialization.note(T.self, "BfvEvaluator.negate")
        try context.requireSame(ciphertext.context, "the ciphertext")
        var out = ciphertext
        out.polynomials = ciphertext.polynomials.map { -$0 }
        return out
    }

    /// The encryption of the ciphertext's message plus a plaintext.
    ///
    /// - Parameters:
    ///   - ciphertext: a ciphertext.
    ///   - plaintext: a plaintext of the same parameters and encoding.
    /// - Returns: a ciphertext of `m + p mod t`.
    /// - Throws: ``FHEError/parameterMismatch(_:)``.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func add(_ ciphertext: Ciphertext<T>, _ plaintext: Plaintext<T>) throws(FHEError) -> Ciphertext<T> {
        FHESpecialization.note(T.self, "BfvEvaluator.add(plaintext)")
        try checkPlain(ciphertext, plaintext)
        var out = ciphertext
        plaintext.addScaled(to: &out.polynomials[0], subtracting: false)
        out.valueCount = max(ciphertext.valueCount, plaintext.valueCount)
        return out
    }

    /// The encryption of the ciphertext's message minus a plaintext.
    ///
    /// - Parameters:
    ///   - ciphertext: a ciphertext.
    ///   - plaintext: a plaintext of the same parameters and encoding.
    /// - Returns: a ciphertext of `m - p mod t`.
    /// - Throws: ``FHEError/parameterMismatch(_:)``.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func subtract(_ ciphertext: Ciphertext<T>, _ plaintext: Plaintext<T>) throws(FHEError) -> Ciphertext<T> {
        FHESpecialization.note(T.self, "BfvEvaluator.subtract(plaintext)")
        try checkPlain(ciphertext, plaintext)
        var out = ciphertext
        plaintext.addScaled(to: &out.polynomials[0], subtracting: true)
        out.valueCount = max(ciphertext.valueCount, plaintext.valueCount)
        return out
    }

    /// The encryption of the ciphertext's message times a plaintext (negacyclic product modulo `t`;
    /// slot-wise for batch-encoded operands).
    ///
    /// - Parameters:
    ///   - ciphertext: a ciphertext.
    ///   - plaintext: a plaintext of the same parameters and encoding.
    /// - Returns: a ciphertext of `m * p mod t`.
    /// - Throws: ``FHEError/parameterMismatch(_:)``.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func multiply(_ ciphertext: Ciphertext<T>, _ plaintext: Plaintext<T>) throws(FHEError) -> Ciphertext<T> {
        FHESpecialization.note(T.self, "BfvEvaluator.multiply(plaintext)")
        try checkPlain(ciphertext, plaintext)
        let factor = plaintext.liftedToCiphertext()
        var out = ciphertext
        for index in out.polynomials.indices { out.polynomials[index].multiplyNegacyclic(by: factor) }
        // Slot-wise for batching; for coefficients the product's degree grows (and may wrap).
        let n = context.degree
        out.valueCount =
            plaintext.encoding == .batch
            ? max(ciphertext.valueCount, plaintext.valueCount)
            : (ciphertext.valueCount == 0 || plaintext.valueCount == 0
                ? 0 : min(n, ciphertext.valueCount + plaintext.valueCount - 1))
        return out
    }

    private func checkPlain(_ ciphertext: Ciphertext<T>, _ plaintext: Plaintext<T>) throws(FHEError) {
        try context.requireSame(ciphertext.context, "the ciphertext")
        try context.requireSame(plaintext.context, "the plaintext")
        guard ciphertext.encoding == plaintext.encoding else {
            throw .parameterMismatch(
                "cannot combine a \(ciphertext.encoding.name) ciphertext with a \(plaintext.encoding.name) plaintext")
        }
        guard ciphertext.level == context.topLevel else {
            throw .parameterMismatch(
                "plaintext operations take top-level ciphertexts; this one is at level \(ciphertext.level) (multiply by a BfvPreparedPlaintext of that level instead)")
        }
        try Self.requireSameSignedness(ciphertext.signedness, plaintext.signedness)
    }
}
