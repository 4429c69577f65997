/// HeatFHE: pure-Swift lattice cryptography (BFV) for CustomerHeat.
///
/// The module's namespace, holding its format constants; the API proper is ``BfvParameters``,
/// ``BfvContext``, the keys, ``BfvEncoder``, ``BfvEncryptor``, ``BfvDecryptor``, ``BfvEvaluator``
/// and ``FHEToolbox``.
///
/// ```swift
/// print(HeatFHE.scheme)   // "BFV"
/// ```
public enum HeatFHE {
    /// The homomorphic encryption scheme implemented (the `scheme` field of the JSON export).
    public static let scheme = "BFV"
}
