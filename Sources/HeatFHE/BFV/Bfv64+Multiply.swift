/// Non-generic 64-bit entry points for ciphertext-ciphertext products, relinearization and
/// plaintext addition, for callers in other modules (the boosted-tree circuit in `HeatCore`).
///
/// As for every ``Bfv64`` function, fixing `T = UInt64` here lets the optimizer specialize the
/// generic implementation (tensoring, basis extensions, NTTs, key switching) inside this module.
/// Called generically from `HeatCore` instead, a product ran through witness tables and runtime
/// generic metadata: a `perf` profile of the tree circuit (Docs/Performance.md) spent more than
/// half its samples in value-witness calls, metadata caches and protocol-dispatched integer
/// operations. Semantics are exactly those of the generic API.
///
/// ```swift
/// let pair = try Bfv64.multiply(a, b, relinearizingWith: key)   // two polynomials
/// var sum = try Bfv64.multiply(pair, c)                         // three polynomials
/// sum = try Bfv64.relinearized(sum, using: key)
/// ```
extension Bfv64 {
    /// The encryption of the product, with `n1 + n2 - 1` polynomials
    /// (``BfvEvaluator/multiply(_:_:)``).
    ///
    /// - Parameters:
    ///   - lhs: a ciphertext of at most three polynomials.
    ///   - rhs: a ciphertext of the same parameters, encoding and level.
    /// - Returns: the product ciphertext.
    /// - Throws: ``FHEError/parameterMismatch(_:)`` for different parameters, encodings or levels.
    public static func multiply(_ lhs: Ciphertext<UInt64>, _ rhs: Ciphertext<UInt64>) throws(FHEError) -> Ciphertext<UInt64> {
        try BfvEvaluator(context: lhs.context).multiply(lhs, rhs)
    }

    /// The product, relinearized to two polynomials (``BfvEvaluator/multiply(_:_:relinearizingWith:)``).
    ///
    /// - Parameters:
    ///   - lhs: a ciphertext.
    ///   - rhs: a ciphertext of the same parameters, encoding and level.
    ///   - key: the relinearization key.
    /// - Returns: a two-polynomial encryption of the product.
    /// - Throws: as ``BfvEvaluator/multiply(_:_:relinearizingWith:)``.
    public static func multiply(
        _ lhs: Ciphertext<UInt64>, _ rhs: Ciphertext<UInt64>, relinearizingWith key: BfvRelinearizationKey<UInt64>
    ) throws(FHEError) -> Ciphertext<UInt64> {
        try BfvEvaluator(context: lhs.context).multiply(lhs, rhs, relinearizingWith: key)
    }

    /// A three-polynomial ciphertext relinearized to two (``BfvEvaluator/relinearized(_:using:)``).
    ///
    /// - Parameters:
    ///   - ciphertext: a ciphertext of two or three polynomials.
    ///   - key: the relinearization key of the same parameters.
    /// - Returns: a two-polynomial ciphertext of the same message.
    /// - Throws: as ``BfvEvaluator/relinearized(_:using:)``.
    public static func relinearized(
        _ ciphertext: Ciphertext<UInt64>, using key: BfvRelinearizationKey<UInt64>
    ) throws(FHEError) -> Ciphertext<UInt64> {
        try BfvEvaluator(context: ciphertext.context).relinearized(ciphertext, using: key)
    }

    /// Batch-encodes signed values (``BfvEncoder/encode(signed:encoding:)``).
    ///
    /// - Parameters:
    ///   - values: at most `N` values in `[-(t-1)/2, (t-1)/2]`.
    ///   - context: the parameters.
    /// - Returns: the plaintext.
    /// - Throws: ``FHEError`` for values out of range or too many values.
    public static func encode(signed values: [Int64], context: BfvContext<UInt64>) throws(FHEError) -> Plaintext<UInt64> {
        try BfvEncoder(context: context).encode(signed: values, encoding: .batch)
    }

    /// The sum of a ciphertext and a plaintext (`BfvEvaluator.add(_:_:)` with a plaintext).
    ///
    /// - Parameters:
    ///   - ciphertext: a ciphertext.
    ///   - plaintext: a plaintext of the same parameters and encoding.
    /// - Returns: the sum.
    /// - Throws: ``FHEError/parameterMismatch(_:)``.
    public static func add(_ ciphertext: Ciphertext<UInt64>, plaintext: Plaintext<UInt64>) throws(FHEError) -> Ciphertext<UInt64> {
        try BfvEvaluator(context: ciphertext.context).add(ciphertext, plaintext)
    }
}
