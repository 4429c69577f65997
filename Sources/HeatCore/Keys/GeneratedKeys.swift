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
    /// The key files written.
    public let files: [String]
}
