import HeatEnvelope

/// The roles of DESIGN.md section 1 that hold keys, each with its own key folder.
///
/// A command takes only the folder of the role it plays and refuses a folder holding a file
/// its role must not hold (see ``allowedKinds``).
///
/// ```swift
/// KeyRole.collector.allowedKinds.contains(.signingKey)   // false
/// ```
public enum KeyRole: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
    /// The bank's ingestion gateway: pseudonymisation key, Ed25519 ingestion key and its
    /// endorsement (and, later, the public FHE key).
    case collector
    /// The untrusted compute server: public and evaluation FHE keys only.
    case evaluator
    /// The privacy office's vault: the secret FHE key and the store signing key.
    case keyholder
    /// The auditor: the key holder's public verification key.
    case auditor

    /// The kinds of envelope files a folder of this role may hold.
    public var allowedKinds: Set<EnvelopeKind> {
        switch self {
        case .collector:
            [.pseudonymisationKey, .ingestionKey, .ingestionKeyEndorsement, .fhePublicKey, .fheSeededPublicKey, .fheParameters,
             .fheKeyGeneration]
        case .evaluator:
            [.fhePublicKey, .fheSeededPublicKey, .fheRelinearizationKey, .fheGaloisKeys, .fheParameters,
             .fheSeededRelinearizationKey, .fheSeededGaloisKeys, .fheKeyGeneration]
        case .keyholder: [.fheSecretKey, .signingKey, .verificationKey, .fheParameters, .fheKeyGeneration]
        case .auditor: [.verificationKey, .fheParameters]
        }
    }

    /// The folder name under the `--out` folder of `heatctl keys generate`.
    public var folderName: String { rawValue }

    public var description: String { rawValue }
}
