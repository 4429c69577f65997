import HeatEnvelope

extension PseudonymisationKey {
    /// The key's fingerprint: SHA-256 of `customerheat.pseudonymisation-key/1:` and the key bytes
    /// (one-way: it identifies the key without revealing it).
    public var fingerprint: Fingerprint {
        Fingerprint(hashing: Array("customerheat.pseudonymisation-key/1:".utf8) + bytes)
    }
}
