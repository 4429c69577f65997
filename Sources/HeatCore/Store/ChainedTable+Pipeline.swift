extension ChainedTable {
    /// The encrypted pipeline's ciphertexts (migration `v4-ciphertexts`): per ingestion run, ISO
    /// week and slot batch, one BFV ciphertext (a serialized `fheCiphertext` envelope) of the
    /// change of each client's weekly score, with the packing, the packing's configuration hash
    /// and the FHE parameters' fingerprint.
    public static let ciphertexts = ChainedTable(
        name: "ciphertexts",
        columns: ["ingestion_run", "week", "batch", "packing", "packing_hash", "parameters_fingerprint", "ciphertext"])
    /// The collector's running bucket totals per ISO week and slot batch, sealed with AES-GCM
    /// under a key only the collector can derive (migration `v4-ciphertexts`, see ``CollectorState``).
    public static let collectorState = ChainedTable(
        name: "collector_state", columns: ["ingestion_run", "week", "batch", "sealed"])
}
