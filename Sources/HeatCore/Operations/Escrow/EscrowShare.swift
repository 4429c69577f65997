import Crypto
import Foundation
import HeatEnvelope

/// One custodian's share of an escrowed secret key file: the escrow's manifest in clear and
/// the Shamir share (``ShamirSecretSharing/Share``) sealed with HPKE for the custodian.
///
/// Stored as an envelope of kind ``EnvelopeKind/escrowShare`` (mode 0600) whose JSON payload
/// is this structure (`Docs/Operations.md`, "Escrow share format"). The share is sealed with
/// HPKE base mode, suite X25519 / HKDF-SHA256 / ChaCha20-Poly1305 (RFC 9180), `info`
/// `customerheat.escrow/1`, and the manifest's canonical bytes (``associatedData``) as
/// associated data: changing any manifest field, the encapsulated key or one sealed byte makes
/// the share fail to open. Because anyone can seal to a public key, the manifest also lists a
/// digest of every share's value (``shareDigests``) and of the secret (``secretDigest``);
/// recovery requires all shares to agree on them, so a share re-sealed with other contents is
/// named as tampered, and a recovered secret is checked before it is written.
///
/// ```swift
/// let share = try KeyEscrow.loadShare(from: URL(filePath: "escrow/share-1-alice.heat"))
/// print(share.index, share.threshold, share.custodian)
/// ```
public struct EscrowShare: Sendable, Hashable, Codable {
    /// The format identifier, `customerheat.escrow-share/1`.
    public var schema: String
    /// The escrow's random 16-byte identifier (hex), the same in all its shares.
    public var escrowID: String
    /// When the secret was split.
    public var createdAt: UTCTimestamp
    /// The envelope kind of the escrowed file (for example `fheSecretKey`).
    public var secretKind: String
    /// The escrowed file's name, which recovery writes.
    public var secretFileName: String
    /// The escrowed file's length in bytes.
    public var secretLength: Int
    /// SHA-256 (hex) of `customerheat.escrow-secret/1`, the escrow id bytes and the file bytes.
    public var secretDigest: String
    /// How many shares recover the secret.
    public var threshold: Int
    /// How many shares were made.
    public var shares: Int
    /// This share's number, `1...shares` (its Shamir evaluation point).
    public var index: Int
    /// SHA-256 (hex) of every share's value, in share order (``KeyEscrow/shareDigest(escrowID:index:value:)``).
    public var shareDigests: [String]
    /// The custodian the share is sealed for.
    public var custodian: String
    /// SHA-256 (hex) of the custodian's X25519 public key.
    public var custodianFingerprint: String
    /// The HPKE suite, `X25519-HKDF-SHA256-ChaCha20Poly1305`.
    public var suite: String
    /// The HPKE encapsulated key (hex).
    public var encapsulatedKey: String
    /// The sealed share: ChaCha20-Poly1305 ciphertext and tag of the point byte followed by the values (base64).
    public var sealedShare: String

    enum CodingKeys: String, CodingKey {
        case schema, escrowID = "escrowId", createdAt, secretKind, secretFileName, secretLength, secretDigest, threshold,
             shares, index, shareDigests, custodian, custodianFingerprint, suite, encapsulatedKey, sealedShare
    }

    /// The format identifier.
    public static let currentSchema = "customerheat.escrow-share/1"
    /// The only HPKE suite written and accepted.
    public static let suiteName = "X25519-HKDF-SHA256-ChaCha20Poly1305"

    /// The bytes HPKE authenticates with the share: every manifest field (all but
    /// ``encapsulatedKey`` and ``sealedShare``) as ``CanonicalValue``s in declaration order,
    /// ``shareDigests`` joined with commas.
    public var associatedData: [UInt8] {
        var bytes = [UInt8]()
        let values: [CanonicalValue] = [
            .text(schema), .text(escrowID), .text(createdAt.iso8601), .text(secretKind), .text(secretFileName),
            .integer(Int64(secretLength)), .text(secretDigest), .integer(Int64(threshold)), .integer(Int64(shares)),
            .integer(Int64(index)), .text(shareDigests.joined(separator: ",")), .text(custodian),
            .text(custodianFingerprint), .text(suite),
        ]
        for value in values { value.append(to: &bytes) }
        return bytes
    }
}
