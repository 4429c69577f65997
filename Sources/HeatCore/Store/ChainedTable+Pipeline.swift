extension ChainedTable {
    /// The encrypted pipeline's ciphertexts (migration `v4-ciphertexts`): per ingestion run, ISO
    /// week and slot batch, one BFV ciphertext (a serialized `fheCiphertext` envelope) of the
    /// change of each client's weekly score, with the packing, the packing's configuration hash
    /// and the FHE parameters' fingerprint. Written only by collector ingestion runs.
    public static let ciphertexts = ChainedTable(
        name: "ciphertexts",
        columns: [
            ("ingestion_run", "INTEGER NOT NULL"), ("week", "TEXT NOT NULL"), ("batch", "INTEGER NOT NULL"),
            ("packing", "TEXT NOT NULL"), ("packing_hash", "TEXT NOT NULL"), ("parameters_fingerprint", "TEXT NOT NULL"),
            ("ciphertext", "BLOB NOT NULL"),
        ],
        introducedIn: 4, collectorSigned: true)
    /// The collector's running bucket totals per ISO week and slot batch, sealed with AES-GCM
    /// under a key only the collector can derive (migration `v4-ciphertexts`, see ``CollectorState``).
    public static let collectorState = ChainedTable(
        name: "collector_state",
        columns: [
            ("ingestion_run", "INTEGER NOT NULL"), ("week", "TEXT NOT NULL"), ("batch", "INTEGER NOT NULL"),
            ("sealed", "BLOB NOT NULL"),
        ],
        introducedIn: 4, collectorSigned: true)
}
