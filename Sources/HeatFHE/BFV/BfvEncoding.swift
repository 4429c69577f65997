/// How integers are placed in a plaintext polynomial.
///
/// - ``coefficient``: value `i` is the coefficient of `X^i` (up to `N` values, any `t`).
/// - ``batch``: value `i` is slot `i` of the SIMD encoding (up to `N` values, `t` a prime
///   `= 1 mod 2N`): the plaintext polynomial `m` is the one with `m(psi^(e_i)) = value_i mod t`
///   where `psi` is the smallest primitive `2N`-th root of unity modulo `t` and
///   `e_i = 3^i mod 2N` for `i < N/2`, `e_i = -3^(i - N/2) mod 2N` for `i >= N/2`
///   (``BfvContext/slotExponent(_:)``). Products of plaintexts are slot-wise products.
///
/// ```swift
/// let plaintext = try encoder.encode(unsigned: [1, 2, 3], encoding: .batch)
/// ```
public enum BfvEncoding: UInt8, Sendable, Hashable, CaseIterable, Codable {
    /// Values are coefficients, ascending powers of `X`.
    case coefficient = 0
    /// Values are SIMD slots.
    case batch = 1

    /// The name used on the command line and in JSON (`"coefficient"` or `"batch"`).
    public var name: String { self == .batch ? "batch" : "coefficient" }

    /// Parses ``name``.
    ///
    /// - Parameter name: `"coefficient"` or `"batch"`.
    public init?(name: String) {
        switch name {
        case "coefficient": self = .coefficient
        case "batch": self = .batch
        default: return nil
        }
    }
}

/// Whether decoded values are read as unsigned (`[0, t)`) or centred signed (`(-t/2, t/2]`) integers.
///
/// A label carried by every ``Plaintext`` and ``Ciphertext`` that cannot be mixed silently: the
/// evaluator refuses to combine operands with different labels, and the encoder refuses to
/// decode with the other reading (``BfvEncoder/decodeSigned(_:encoding:)`` of an unsigned
/// plaintext throws). Change a label only explicitly, with ``Plaintext/relabeled(as:)`` or
/// ``Ciphertext/relabeled(as:)``.
///
/// ```swift
/// let unsigned = try encoder.encode(unsigned: [5], encoding: .coefficient)
/// let signed = try encoder.encode(signed: [-2], encoding: .coefficient)
/// _ = try? evaluator.add(ciphertext(unsigned), signed)     // throws parameterMismatch
/// let relabeled = unsigned.relabeled(as: .signed)           // explicit
/// ```
public enum BfvSignedness: UInt8, Sendable, Hashable, Codable {
    /// Values in `[0, t)`.
    case unsigned = 0
    /// Values in `[-(t-1)/2, (t-1)/2]`.
    case signed = 1

    /// `"signed"` or `"unsigned"`.
    public var name: String { self == .signed ? "signed" : "unsigned" }
}

extension Plaintext {
    /// The same plaintext read with the other signedness label (the coefficients are unchanged:
    /// values in `[(t+1)/2, t)` read as unsigned are the negative values of the signed reading).
    ///
    /// - Parameter signedness: the new label.
    /// - Returns: the relabeled plaintext.
    public func relabeled(as signedness: BfvSignedness) -> Plaintext<T> {
        var out = self
        out.signedness = signedness
        return out
    }
}

extension Ciphertext {
    /// The same ciphertext read with the other signedness label (see ``Plaintext/relabeled(as:)``).
    ///
    /// - Parameter signedness: the new label.
    /// - Returns: the relabeled ciphertext.
    public func relabeled(as signedness: BfvSignedness) -> Ciphertext<T> {
        var out = self
        out.signedness = signedness
        return out
    }
}
