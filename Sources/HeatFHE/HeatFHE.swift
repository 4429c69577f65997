// HeatFHE: pure-Swift lattice cryptography (BFV) for CustomerHeat.
//
// The API proper is ``BfvParameters``, ``BfvContext``, the keys, ``BfvEncoder``, ``BfvEncryptor``,
// ``BfvDecryptor``, ``BfvEvaluator`` and ``FHEToolbox``; see HeatFHE.docc for an overview.
// (No `HeatFHE` namespace type: it would shadow the module name in qualified references.)
