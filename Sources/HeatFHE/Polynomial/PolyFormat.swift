/// The form of a polynomial, carried as a phantom type so that form errors are compile errors.
///
/// ``Coeff``: coefficients in ascending powers of `X`. ``Eval``: the NTT form (values at the
/// odd powers of a primitive `2N`-th root, bit-reversed), where multiplication is pointwise.
///
/// ```swift
/// let a: PolyRq<UInt64, Coeff> = ...
/// let b = a.forwardNTT()        // PolyRq<UInt64, Eval>
/// let c = (b * b).inverseNTT()  // the negacyclic square, back in Coeff form
/// ```
public protocol PolyFormat: Sendable {
    /// A short name used in descriptions (`"coeff"` or `"eval"`).
    static var name: String { get }
}

/// The coefficient form of a polynomial (ascending powers of `X`).
public enum Coeff: PolyFormat {
    /// `"coeff"`.
    public static var name: String { "coeff" }
}

/// The evaluation (NTT) form of a polynomial, where products are pointwise.
public enum Eval: PolyFormat {
    /// `"eval"`.
    public static var name: String { "eval" }
}
