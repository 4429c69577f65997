/// The keys written by ``KeyFolder/generate(at:)``.
///
/// ```swift
/// let generated = try KeyFolder.generate(at: "keys")
/// print(generated.signingKey.fingerprint.hex)
/// ```
public struct GeneratedKeys: Sendable {
    /// The collector's new pseudonymisation key.
    public let pseudonymisationKey: PseudonymisationKey
    /// The key holder's new signing key.
    public let signingKey: StoreSigningKey
    /// The collector's new Ed25519 ingestion key.
    public let ingestionKey: IngestionKey
    /// The key holder's endorsement of ``ingestionKey``.
    public let endorsement: IngestionKeyEndorsement
    /// The key files written.
    public let files: [String]
}
