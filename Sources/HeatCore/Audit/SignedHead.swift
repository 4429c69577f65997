import Foundation
import HeatEnvelope

/// The key holder's Ed25519 signature over the store's chain heads (`heatctl audit sign`).
///
/// The signed message is the canonical encoding of `Docs/Storage.md` ("Signed heads"): the
/// ASCII text `customerheat.head/1`, then, each as a ``CanonicalValue``, `signedAt` (text),
/// `schemaVersion` (integer), `keyFingerprint` (text), the number of chains (integer) and,
/// per chain, its table name (text), row count (integer) and head hash (blob, 32 bytes).
/// The head is stored in the store's `signed_heads` table and written to a head file kept
/// outside it (an envelope of kind `.signedHead` with this type's JSON as payload).
///
/// ```swift
/// let head = try HeadSigner.sign(store: store, with: signingKey)
/// try head.write(to: URL(filePath: "head.heat"))
/// let expected = try SignedHead.read(from: URL(filePath: "head.heat"))
/// ```
public struct SignedHead: Sendable, Hashable, Codable {
    /// The format identifier, `customerheat.head/1`.
    public var schema: String
    /// When the heads were signed (UTC).
    public var signedAt: UTCTimestamp
    /// The store's schema version at signing time.
    public var schemaVersion: Int
    /// The signing key's fingerprint (SHA-256 of the public key, hex).
    public var keyFingerprint: String
    /// The heads of the chains covered (every chained table except `signed_heads`).
    public var chains: [ChainHead]
    /// The Ed25519 signature over ``signedMessage`` (hex).
    public var signature: String

    /// The format identifier this build writes.
    public static let currentSchema = "customerheat.head/1"

    /// Creates a signed head from its parts.
    ///
    /// - Parameters:
    ///   - signedAt: the signing time.
    ///   - schemaVersion: the store's schema version.
    ///   - keyFingerprint: the signing key's fingerprint hex.
    ///   - chains: the chain heads.
    ///   - signature: the signature hex (empty before signing).
    public init(signedAt: UTCTimestamp, schemaVersion: Int, keyFingerprint: String, chains: [ChainHead], signature: String) {
        self.schema = Self.currentSchema
        self.signedAt = signedAt
        self.schemaVersion = schemaVersion
        self.keyFingerprint = keyFingerprint
        self.chains = chains
        self.signature = signature
    }

    /// The canonical bytes the signature covers.
    public var signedMessage: [UInt8] {
        var bytes = Array(schema.utf8)
        CanonicalValue.text(signedAt.iso8601).append(to: &bytes)
        CanonicalValue.integer(Int64(schemaVersion)).append(to: &bytes)
        CanonicalValue.text(keyFingerprint).append(to: &bytes)
        CanonicalValue.integer(Int64(chains.count)).append(to: &bytes)
        for chain in chains {
            CanonicalValue.text(chain.table).append(to: &bytes)
            CanonicalValue.integer(chain.rows).append(to: &bytes)
            CanonicalValue.blob(Hex.decode(chain.hash) ?? []).append(to: &bytes)
        }
        return bytes
    }

    /// Whether the signature verifies under `key`.
    ///
    /// - Parameter key: the verification key.
    /// - Returns: `true` when ``signature`` is a valid signature of ``signedMessage`` by `key`.
    public func isValid(under key: StoreVerificationKey) -> Bool {
        guard let raw = Hex.decode(signature) else { return false }
        return key.isValidSignature(raw, for: signedMessage)
    }

    /// The head's JSON (sorted keys), as stored in the store and in the head file's payload.
    ///
    /// - Throws: `EncodingError` (not expected for well-formed values).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Decodes a head from its JSON.
    ///
    /// - Parameters:
    ///   - data: the JSON bytes.
    ///   - source: a name for error messages.
    /// - Returns: the head.
    /// - Throws: ``AuditError/badHead(source:reason:)``.
    public static func decode(_ data: Data, source: String) throws(AuditError) -> SignedHead {
        let head: SignedHead
        do {
            head = try JSONDecoder().decode(SignedHead.self, from: data)
        } catch {
            throw .badHead(source: source, reason: "not a signed head (\(error))")
        }
        guard head.schema == currentSchema else {
            throw .badHead(source: source, reason: "unsupported head format \(head.schema)")
        }
        return head
    }

    /// Writes the head file atomically (an envelope of kind `.signedHead`).
    ///
    /// - Parameter url: the destination.
    /// - Throws: ``AuditError/headFile(_:)`` if it cannot be written.
    public func write(to url: URL) throws(AuditError) {
        do {
            try Envelope(kind: .signedHead, payload: try jsonData()).write(to: url)
        } catch let error as EnvelopeError {
            throw .headFile(error)
        } catch {
            throw .badHead(source: url.path, reason: "cannot encode (\(error))")
        }
    }

    /// Reads a head file written by ``write(to:)``.
    ///
    /// - Parameter url: the head file.
    /// - Returns: the head.
    /// - Throws: ``AuditError/headFile(_:)`` for a missing, corrupt or wrong-kind file, or
    ///   ``AuditError/badHead(source:reason:)`` for a bad payload.
    public static func read(from url: URL) throws(AuditError) -> SignedHead {
        let envelope: Envelope
        do {
            envelope = try Envelope.read(from: url, expecting: .signedHead)
        } catch {
            throw .headFile(error)
        }
        return try decode(envelope.payload, source: url.path)
    }
}
