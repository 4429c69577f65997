/// The registry of file kinds stored in a CustomerHeat envelope.
///
/// The raw value is written as the envelope's big-endian `UInt16` kind field, so values are
/// permanent: add new kinds at the end and never renumber. `Docs/Formats.md` mirrors this table.
///
/// ```swift
/// let envelope = try Envelope.read(from: url, expecting: .model)
/// ```
public enum EnvelopeKind: UInt16, Sendable, CaseIterable, Codable, CustomStringConvertible {
    /// BFV encryption parameters (binary payload).
    case fheParameters = 1
    /// A BFV secret key (binary payload, secret: written with mode 0600).
    case fheSecretKey = 2
    /// A BFV public key (binary payload).
    case fhePublicKey = 3
    /// A BFV relinearization key (binary payload).
    case fheRelinearizationKey = 4
    /// A set of BFV Galois (rotation) keys (binary payload).
    case fheGaloisKeys = 5
    /// A BFV ciphertext (binary payload).
    case fheCiphertext = 6
    /// A fitted HeatML model or transformer (JSON payload).
    case model = 7
    /// The collector's HMAC pseudonymisation key (JSON payload, secret).
    case pseudonymisationKey = 8
    /// The key holder's Ed25519 signing key (JSON payload, secret).
    case signingKey = 9
    /// The auditor's Ed25519 verification (public) key (JSON payload).
    case verificationKey = 10
    /// A BFV plaintext (binary payload).
    case fhePlaintext = 11
    /// A signed store chain head (JSON payload).
    case signedHead = 12
    /// The collector's Ed25519 ingestion key, which signs each ingestion run (JSON payload, secret).
    case ingestionKey = 20
    /// The key holder's endorsement of the collector's ingestion public key (JSON payload).
    case ingestionKeyEndorsement = 21
    /// The encrypted pipeline evaluator's output: per-client heat and trend ciphertexts by slot
    /// batch, with the run's metadata (binary payload; `heatctl evaluate --out run.heat`).
    case encryptedHeatRun = 40
    /// A seeded BFV ciphertext: `c0` and the 32-byte seed of `c1` (binary payload, about half size).
    case fheSeededCiphertext = 30
    /// A seeded BFV public key: `p0` and the 32-byte seed of `p1` (binary payload, about half size).
    case fheSeededPublicKey = 31
    /// A seeded BFV relinearization key: each component's `b_j` and the 32-byte seed of its `a_j`
    /// (binary payload, about half size).
    case fheSeededRelinearizationKey = 32
    /// A seeded set of BFV Galois keys: each component's `b_j` and the 32-byte seed of its `a_j`
    /// (binary payload, about half size).
    case fheSeededGaloisKeys = 33
    /// A TFHE client key: small LWE key and GLWE key bits (binary payload, secret).
    case tfheSecretKey = 70
    /// A seed-compressed TFHE server key: bootstrapping and key-switching keys (binary payload).
    case tfheServerKey = 71
    /// A TFHE LWE ciphertext modulo 2^64 (binary payload).
    case tfheCiphertext = 72
    /// The encrypted pipeline's group aggregates: per released group, its client count and the
    /// heat and trend sums as ciphertexts (binary payload; `heatctl evaluate --aggregates-out`).
    case encryptedAggregates = 41
    /// An integer (quantized) HeatML model for encrypted scoring: the preprocessing and the
    /// integer weights or trees (JSON payload; `heatctl ml quantize`).
    case quantizedModel = 80
    /// A calibrated risk model: a model pipeline plus its probability calibrator (JSON payload, issue 19).
    case riskModel = 85
    /// A fraud model: behaviour profile scaler, isolation forest and hybrid classifier (JSON payload, issue 19).
    case fraudModel = 86
    /// The evaluator's encrypted churn-model scores: per slot batch one ciphertext of integer
    /// logistic scores, with the integer model in the header (binary payload; `heatctl evaluate
    /// --model`, issue 15).
    case encryptedScores = 55
    /// The API server's token key: the HS256 secret that signs and checks its JWTs, with the
    /// pinned issuer and audience (JSON payload, secret; `heatctl token keygen`, issue 21).
    case serverTokenKey = 50
    /// An escrow custodian's X25519 private key, which opens the key shares sealed for that
    /// custodian (JSON payload, secret; issue 27, `heatctl keys escrow custodian`).
    case escrowCustodianKey = 60
    /// An escrow custodian's X25519 public key, to which key shares are sealed (JSON payload; issue 27).
    case escrowCustodianPublicKey = 61
    /// One Shamir share of an escrowed secret key file, sealed with HPKE for one custodian
    /// (JSON payload; issue 27, `heatctl keys escrow split`).
    case escrowShare = 62
    /// The collector's encrypted split bits for a boosted-tree model: per slot batch one
    /// ciphertext per distinct split (bit = the client goes left), with the split plan's hash in
    /// the header (binary payload; issue 15 item 3).
    case encryptedTreeInputs = 56
    /// The evaluator's encrypted boosted-tree scores: per slot batch one ciphertext of integer
    /// tree scores, with the integer trees in the header (binary payload; `heatctl evaluate
    /// --model`, issue 15 item 3).
    case encryptedTreeScores = 57
    /// The FHE key generation of a role folder's BFV keys: generation number and key id (the
    /// SHA-256 of the public key's envelope payload), written by `heatctl keys rotate --fhe`
    /// (JSON payload; issue 27 item 1).
    case fheKeyGeneration = 110

    /// The stable lower-camel-case name used in messages and JSON.
    public var name: String {
        switch self {
        case .fheParameters: "fheParameters"
        case .fheSecretKey: "fheSecretKey"
        case .fhePublicKey: "fhePublicKey"
        case .fheRelinearizationKey: "fheRelinearizationKey"
        case .fheGaloisKeys: "fheGaloisKeys"
        case .fheCiphertext: "fheCiphertext"
        case .model: "model"
        case .pseudonymisationKey: "pseudonymisationKey"
        case .signingKey: "signingKey"
        case .verificationKey: "verificationKey"
        case .fhePlaintext: "fhePlaintext"
        case .signedHead: "signedHead"
        case .ingestionKey: "ingestionKey"
        case .ingestionKeyEndorsement: "ingestionKeyEndorsement"
        case .encryptedHeatRun: "encryptedHeatRun"
        case .fheSeededCiphertext: "fheSeededCiphertext"
        case .fheSeededPublicKey: "fheSeededPublicKey"
        case .fheSeededRelinearizationKey: "fheSeededRelinearizationKey"
        case .fheSeededGaloisKeys: "fheSeededGaloisKeys"
        case .tfheSecretKey: "tfheSecretKey"
        case .tfheServerKey: "tfheServerKey"
        case .tfheCiphertext: "tfheCiphertext"
        case .encryptedAggregates: "encryptedAggregates"
        case .quantizedModel: "quantizedModel"
        case .riskModel: "riskModel"
        case .fraudModel: "fraudModel"
        case .encryptedScores: "encryptedScores"
        case .serverTokenKey: "serverTokenKey"
        case .escrowCustodianKey: "escrowCustodianKey"
        case .escrowCustodianPublicKey: "escrowCustodianPublicKey"
        case .escrowShare: "escrowShare"
        case .encryptedTreeInputs: "encryptedTreeInputs"
        case .encryptedTreeScores: "encryptedTreeScores"
        case .fheKeyGeneration: "fheKeyGeneration"
        }
    }

    /// Whether files of this kind hold secret material and are written with mode 0600.
    public var isSecret: Bool {
        switch self {
        case .fheSecretKey, .pseudonymisationKey, .signingKey, .ingestionKey: true
        case .tfheSecretKey: true
        case .serverTokenKey: true
        case .escrowCustodianKey, .escrowShare: true
        default: false
        }
    }

    public var description: String { name }
}
