/// HeatFHE: pure-Swift lattice cryptography (BFV) for CustomerHeat.
///
/// A namespace for module-level constants; the API is ``BfvParameters``, ``BfvContext``, the keys,
/// ``BfvEncoder``, ``BfvEncryptor``, ``BfvDecryptor``, ``BfvEvaluator`` and ``FHEToolbox``.
public enum HeatFHE {}
