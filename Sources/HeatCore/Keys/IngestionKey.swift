import Crypto
import Foundation
import HeatEnvelope

/// The collector's own Ed25519 ingestion key: it signs every ingestion run over the row ranges
/// and hashes the run appended (``IngestionSignature``), so rows forged by someone with write
/// access to the store lack a valid collector signature even before the next signed head.
///
/// Kept in `keys/collector/ingestion.key` (an envelope of kind `.ingestionKey`, mode 0600) whose
/// JSON payload is `{"algorithm":"ed25519","generation":<n>,"privateKey":"<64 hex digits>"}`
/// (`generation` since issue 27; a file without it is generation 1). Its public half is
/// registered in the store together with the key holder's ``IngestionKeyEndorsement``.
///
/// ```swift
/// let key = try KeyFolder(path: "keys/collector", role: .collector).ingestionKey()
/// key.publicKey.count   // 32
/// ```
public struct IngestionKey: Sendable {
    let privateKey: Curve25519.Signing.PrivateKey
    /// The key's generation (issue 27): 1 for the store's first collector key, one more for each
    /// rotation (``CollectorKeyRotation``). Written into the key file; the signed record of it is
    /// the store's ``CollectorKeyRetirement``.
    public internal(set) var generation: Int64 = 1

    /// A fresh key from the system CSPRNG.
    public init() { privateKey = Curve25519.Signing.PrivateKey() }

    /// A key from its 32 raw bytes.
    ///
    /// - Parameter rawRepresentation: the Ed25519 seed.
    /// - Throws: `CryptoKitError` if the bytes are not a valid key.
    public init(rawRepresentation: [UInt8]) throws {
        privateKey = try Curve25519.Signing.PrivateKey(rawRepresentation: rawRepresentation)
    }

    /// The 32-byte Ed25519 public key.
    public var publicKey: [UInt8] { Array(privateKey.publicKey.rawRepresentation) }

    /// The public key as a verification key.
    public var verificationKey: StoreVerificationKey { StoreVerificationKey(publicKey: privateKey.publicKey) }

    /// SHA-256 of the public key.
    public var fingerprint: Fingerprint { Fingerprint(hashing: publicKey) }

    /// Signs `message` with Ed25519.
    ///
    /// - Parameter message: the bytes to sign.
    /// - Returns: the 64-byte signature.
    /// - Throws: `CryptoKitError` if signing fails.
    public func signature(for message: [UInt8]) throws -> [UInt8] {
        Array(try privateKey.signature(for: message))
    }

    /// The envelope payload.
    var payload: Data {
        Data(#"{"algorithm":"ed25519","generation":\#(generation),"privateKey":"\#(Hex.encode(privateKey.rawRepresentation))"}"#.utf8)
    }
}

/// The key holder's signature over the collector's ingestion public key.
///
/// `audit verify` trusts a collector key only through this endorsement, checked under the pinned
/// auditor key: a key appended to the store by anyone else is not endorsed and its signatures
/// count for nothing. The signed message (`Docs/Storage.md`, "Collector keys") is the ASCII text
/// `customerheat.collector-key/1` followed by, as ``CanonicalValue``s, the public key (blob),
/// the endorsing key's fingerprint (text) and the endorsement time (text).
///
/// Written by `keys generate` next to the ingestion key as `keys/collector/ingestion.endorsement`
/// (kind `.ingestionKeyEndorsement`, JSON payload) and recorded in the store's `collector_keys`.
///
/// ```swift
/// let endorsement = try IngestionKeyEndorsement(endorsing: collectorKey, with: signingKey)
/// endorsement.isValid(under: signingKey.verificationKey)   // true
/// ```
public struct IngestionKeyEndorsement: Sendable, Hashable, Codable {
    /// The format identifier, `customerheat.collector-key/1`.
    public var schema: String
    /// The collector's public key (hex).
    public var publicKey: String
    /// The fingerprint (hex) of the key holder's signing key that endorsed it.
    public var endorsedBy: String
    /// When it was endorsed.
    public var endorsedAt: UTCTimestamp
    /// The Ed25519 signature (hex) over ``signedMessage``.
    public var signature: String
    /// The endorsed key's generation (issue 27; absent in files written before it, meaning 1).
    /// Informational: not covered by the signature; the signed record is the store's
    /// ``CollectorKeyRetirement`` that names the predecessor.
    public var generation: Int64?

    /// The format identifier this build writes.
    public static let currentSchema = "customerheat.collector-key/1"

    /// Endorses `key` with the key holder's signing key.
    ///
    /// - Parameters:
    ///   - key: the collector's ingestion key.
    ///   - signer: the key holder's signing key.
    ///   - endorsedAt: the time; now by default.
    /// - Throws: `CryptoKitError` if signing fails.
    public init(endorsing key: IngestionKey, with signer: StoreSigningKey, endorsedAt: UTCTimestamp? = nil) throws {
        schema = Self.currentSchema
        publicKey = Hex.encode(key.publicKey)
        endorsedBy = signer.fingerprint.hex
        self.endorsedAt = endorsedAt ?? .now()
        generation = 1
        signature = ""
        signature = Hex.encode(try signer.signature(for: signedMessage))
    }

    /// Creates an endorsement from its stored parts.
    ///
    /// - Parameters:
    ///   - publicKey: the collector public key hex.
    ///   - endorsedBy: the endorsing key's fingerprint hex.
    ///   - endorsedAt: the endorsement time.
    ///   - signature: the signature hex.
    public init(publicKey: String, endorsedBy: String, endorsedAt: UTCTimestamp, signature: String) {
        schema = Self.currentSchema
        self.publicKey = publicKey
        self.endorsedBy = endorsedBy
        self.endorsedAt = endorsedAt
        self.signature = signature
    }

    /// The bytes the endorsement signature covers.
    public var signedMessage: [UInt8] {
        var bytes = Array(Self.currentSchema.utf8)
        CanonicalValue.blob(Hex.decode(publicKey) ?? []).append(to: &bytes)
        CanonicalValue.text(endorsedBy).append(to: &bytes)
        CanonicalValue.text(endorsedAt.iso8601).append(to: &bytes)
        return bytes
    }

    /// The fingerprint (hex SHA-256) of the endorsed public key.
    public var keyFingerprint: String { Fingerprint(hashing: Hex.decode(publicKey) ?? []).hex }

    /// Whether the endorsement is well formed and signed by `key`.
    ///
    /// - Parameter key: the key holder's verification key (the pinned auditor key).
    /// - Returns: `true` when `key` made the signature and the endorsed key parses.
    public func isValid(under key: StoreVerificationKey) -> Bool {
        guard schema == Self.currentSchema, endorsedBy == key.fingerprint.hex,
              let raw = Hex.decode(publicKey), raw.count == 32, (try? StoreVerificationKey(rawRepresentation: raw)) != nil,
              let signature = Hex.decode(signature) else { return false }
        return key.isValidSignature(signature, for: signedMessage)
    }

    /// The endorsed collector key, if its bytes parse.
    public var collectorKey: StoreVerificationKey? {
        Hex.decode(publicKey).flatMap { try? StoreVerificationKey(rawRepresentation: $0) }
    }

    /// The envelope payload (sorted-key JSON).
    var payload: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data()
    }
}

/// The collector's ingestion key with the key holder's endorsement of it: what a collector
/// needs to sign its ingestion runs (``StoreIngestor``).
///
/// ```swift
/// let signer = try KeyFolder(path: "keys/collector", role: .collector).collectorSigner()
/// let ingestor = StoreIngestor(key: pseudonymisationKey, signer: signer)
/// ```
public struct CollectorSigner: Sendable {
    /// The Ed25519 ingestion key.
    public let key: IngestionKey
    /// The key holder's endorsement of its public key.
    public let endorsement: IngestionKeyEndorsement

    /// Pairs a key with its endorsement.
    ///
    /// - Parameters:
    ///   - key: the ingestion key.
    ///   - endorsement: the endorsement of `key`.
    public init(key: IngestionKey, endorsement: IngestionKeyEndorsement) {
        self.key = key
        self.endorsement = endorsement
    }
}
