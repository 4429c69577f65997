import Crypto
import Foundation
import HeatEnvelope

/// The Ed25519 public key that verifies signed chain heads (the auditor's key).
///
/// Stored in an envelope of kind `.verificationKey` whose JSON payload is
/// `{"algorithm":"ed25519","publicKey":"<64 hex digits>"}`, and recorded in the store's
/// `key_fingerprints` table.
///
/// ```swift
/// let key = try StoreVerificationKey(rawRepresentation: publicBytes)
/// key.isValidSignature(signature, for: message)
/// ```
public struct StoreVerificationKey: Sendable, Equatable {
    let publicKey: Curve25519.Signing.PublicKey

    init(publicKey: Curve25519.Signing.PublicKey) { self.publicKey = publicKey }

    /// A key from its 32 raw bytes.
    ///
    /// - Parameter rawRepresentation: the Ed25519 public key.
    /// - Throws: `CryptoKitError` if the bytes are not a valid key.
    public init(rawRepresentation: [UInt8]) throws {
        publicKey = try Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation)
    }

    /// The 32 raw public-key bytes.
    public var rawRepresentation: [UInt8] { Array(publicKey.rawRepresentation) }

    /// SHA-256 of the raw public key.
    public var fingerprint: Fingerprint { Fingerprint(hashing: rawRepresentation) }

    /// Whether `signature` is a valid Ed25519 signature of `message` by this key.
    ///
    /// - Parameters:
    ///   - signature: the 64-byte signature.
    ///   - message: the signed bytes.
    /// - Returns: `true` when the signature verifies.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        publicKey.isValidSignature(signature, for: message)
    }

    /// The envelope payload.
    var payload: Data {
        Data(#"{"algorithm":"ed25519","publicKey":"\#(Hex.encode(rawRepresentation))"}"#.utf8)
    }

    public static func == (lhs: StoreVerificationKey, rhs: StoreVerificationKey) -> Bool {
        lhs.rawRepresentation == rhs.rawRepresentation
    }
}
