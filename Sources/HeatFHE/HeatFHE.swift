// HeatFHE: pure-Swift lattice cryptography (BFV) for CustomerHeat.
//
// The API proper is ``BfvParameters``, ``BfvContext``, the keys, ``BfvEncoder``, ``BfvEncryptor``,
// ``BfvDecryptor`` and ``BfvEvaluator`` (the file-level `FHEToolbox` lives in HeatFHETools); see HeatFHE.docc for an overview.
// (No `HeatFHE` namespace type: it would shadow the module name in qualified references.)
