/// Encodes integers into plaintexts and decodes them back, with the batch (SIMD) or the
/// coefficient encoding (``BfvEncoding``), for signed or unsigned values.
///
/// Unsigned values must lie in `[0, t)`; signed values in `[-(t-1)/2, (t-1)/2]` and are stored
/// modulo `t`. Up to `N` values fit one plaintext; missing values are zero.
///
/// ```swift
/// let encoder = BfvEncoder(context: context)
/// let plaintext = try encoder.encode(unsigned: [3, 1, 4, 1, 5], encoding: .batch)
/// encoder.decodeUnsigned(plaintext)   // [3, 1, 4, 1, 5]
/// ```
public struct BfvEncoder<T: ScalarType>: Sendable {
    /// The parameters.
    public let context: BfvContext<T>

    /// Creates an encoder.
    ///
    /// - Parameter context: the parameters.
    public init(context: BfvContext<T>) { self.context = context }

    /// The number of values one plaintext holds (`N` for either encoding).
    public var capacity: Int { context.degree }

    /// Encodes unsigned integers.
    ///
    /// - Parameters:
    ///   - values: at most `N` values in `[0, t)`.
    ///   - encoding: batch or coefficient.
    /// - Returns: the plaintext.
    /// - Throws: ``FHEError/tooManyValues(count:capacity:)``, ``FHEError/valueOutOfRange(index:value:range:)``
    ///   naming the first bad index, or ``FHEError/batchingUnsupported(plaintextModulus:degree:)``.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func encode(unsigned values: [UInt64], encoding: BfvEncoding) throws(FHEError) -> Plaintext<T> {
        FHESpecialization.note(T.self, "BfvEncoder.encode(unsigned:)")
        let t = UInt64(context.plaintextModulus.value)
        if let bad = values.firstIndex(where: { $0 >= t }) {
            throw .valueOutOfRange(index: bad, value: String(values[bad]), range: "[0, \(t - 1)]")
        }
        return try encode(residues: values.map { T($0) }, encoding: encoding, signedness: .unsigned)
    }

    /// Encodes signed integers (stored modulo `t`, decoded to the centred range).
    ///
    /// - Parameters:
    ///   - values: at most `N` values in `[-(t-1)/2, (t-1)/2]`.
    ///   - encoding: batch or coefficient.
    /// - Returns: the plaintext.
    /// - Throws: as ``encode(unsigned:encoding:)``.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func encode(signed values: [Int64], encoding: BfvEncoding) throws(FHEError) -> Plaintext<T> {
        FHESpecialization.note(T.self, "BfvEncoder.encode(signed:)")
        let modulus = context.plaintextModulus
        let half = Int64((UInt64(modulus.value) - 1) / 2)
        if let bad = values.firstIndex(where: { $0 < -half || $0 > half }) {
            throw .valueOutOfRange(index: bad, value: String(values[bad]), range: "[\(-half), \(half)]")
        }
        return try encode(residues: values.map { modulus.reduce(signed: $0) }, encoding: encoding, signedness: .signed)
    }

    func encode(residues: [T], encoding: BfvEncoding, signedness: BfvSignedness) throws(FHEError) -> Plaintext<T> {
        let n = context.degree
        guard residues.count <= n else { throw .tooManyValues(count: residues.count, capacity: n) }
        var coefficients = [T](repeating: 0, count: n)
        switch encoding {
        case .coefficient:
            coefficients.replaceSubrange(0..<residues.count, with: residues)
        case .batch:
            guard let plan = context.plaintextPlan else {
                throw .batchingUnsupported(plaintextModulus: context.parameters.plaintextModulus, degree: n)
            }
            if let narrow = context.plaintextPlanNarrow {
                var words = [UInt32](repeating: 0, count: n)
                for (slot, value) in residues.enumerated() {
                    words[context.slotToPosition[slot]] = UInt32(truncatingIfNeeded: value)
                }
                narrow.inverse(&words)
                coefficients = words.map { T($0) }
            } else {
                for (slot, value) in residues.enumerated() { coefficients[context.slotToPosition[slot]] = value }
                plan.inverse(&coefficients)
            }
        }
        return try Plaintext(
            context: context, coefficients: coefficients, encoding: encoding, signedness: signedness,
            valueCount: residues.count)
    }

    /// The plaintext's values as residues in `[0, t)`, in its encoding, all `N` of them.
    ///
    /// - Parameters:
    ///   - plaintext: the plaintext.
    ///   - encoding: the encoding to read with (default: the plaintext's own).
    /// - Returns: `N` residues.
    /// - Throws: ``FHEError/batchingUnsupported(plaintextModulus:degree:)`` for `.batch` without batching.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func decodeResidues(_ plaintext: Plaintext<T>, encoding: BfvEncoding? = nil) throws(FHEError) -> [T] {
        FHESpecialization.note(T.self, "BfvEncoder.decodeResidues")
        switch encoding ?? plaintext.encoding {
        case .coefficient:
            return plaintext.coefficients
        case .batch:
            guard let plan = context.plaintextPlan else {
                throw .batchingUnsupported(plaintextModulus: context.parameters.plaintextModulus, degree: context.degree)
            }
            if let narrow = context.plaintextPlanNarrow {
                var words = plaintext.coefficients.map { UInt32(truncatingIfNeeded: $0) }
                narrow.forward(&words)
                return context.slotToPosition.map { T(words[$0]) }
            }
            var evaluations = plaintext.coefficients
            plan.forward(&evaluations)
            return context.slotToPosition.map { evaluations[$0] }
        }
    }

    /// Decodes the plaintext's values as unsigned integers in `[0, t)`.
    ///
    /// - Parameters:
    ///   - plaintext: the plaintext.
    ///   - encoding: the encoding to read with (default: the plaintext's own).
    /// - Returns: the first ``Plaintext/valueCount`` values.
    /// - Throws: ``FHEError/parameterMismatch(_:)`` for a signed plaintext, or as ``decodeResidues(_:encoding:)``.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func decodeUnsigned(_ plaintext: Plaintext<T>, encoding: BfvEncoding? = nil) throws(FHEError) -> [UInt64] {
        FHESpecialization.note(T.self, "BfvEncoder.decodeUnsigned")
        guard plaintext.signedness == .unsigned else {
            throw .parameterMismatch("the plaintext holds signed values; decode them with decodeSigned or relabel it explicitly")
        }
        return try decodeResidues(plaintext, encoding: encoding).prefix(plaintext.valueCount).map { UInt64($0) }
    }

    /// Decodes the plaintext's values as signed integers in `[-(t-1)/2, (t-1)/2]`.
    ///
    /// - Parameters:
    ///   - plaintext: the plaintext.
    ///   - encoding: the encoding to read with (default: the plaintext's own).
    /// - Returns: the first ``Plaintext/valueCount`` values.
    /// - Throws: ``FHEError/parameterMismatch(_:)`` for an unsigned plaintext, or as ``decodeResidues(_:encoding:)``.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func decodeSigned(_ plaintext: Plaintext<T>, encoding: BfvEncoding? = nil) throws(FHEError) -> [Int64] {
        FHESpecialization.note(T.self, "BfvEncoder.decodeSigned")
        guard plaintext.signedness == .signed else {
            throw .parameterMismatch("the plaintext holds unsigned values; decode them with decodeUnsigned or relabel it explicitly")
        }
        let modulus = context.plaintextModulus
        return try decodeResidues(plaintext, encoding: encoding).prefix(plaintext.valueCount).map { modulus.centered($0) }
    }
}
