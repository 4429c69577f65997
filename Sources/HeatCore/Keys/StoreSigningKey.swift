import Crypto
import Foundation
import HeatEnvelope

/// The key holder's Ed25519 key for signing store chain heads.
///
/// Stored in an envelope of kind `.signingKey` (mode 0600) whose JSON payload is
/// `{"algorithm":"ed25519","privateKey":"<64 hex digits>"}`.
///
/// ```swift
/// let key = StoreSigningKey()
/// let signature = try key.signature(for: Array("head".utf8))
/// key.verificationKey.isValidSignature(signature, for: Array("head".utf8))   // true
/// ```
public struct StoreSigningKey: Sendable {
    let privateKey: Curve25519.Signing.PrivateKey

    /// A fresh key from the system CSPRNG.
    public init() { privateKey = Curve25519.Signing.PrivateKey() }

    /// A key from its 32 raw bytes.
    ///
    /// - Parameter rawRepresentation: the Ed25519 seed.
    /// - Throws: `CryptoKitError` if the bytes are not a valid key.
    public init(rawRepresentation: [UInt8]) throws {
        privateKey = try Curve25519.Signing.PrivateKey(rawRepresentation: rawRepresentation)
    }

    /// The matching public key.
    public var verificationKey: StoreVerificationKey { StoreVerificationKey(publicKey: privateKey.publicKey) }

    /// The fingerprint: SHA-256 of the public key (the same as the verification key's).
    public var fingerprint: Fingerprint { verificationKey.fingerprint }

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
        Data(#"{"algorithm":"ed25519","privateKey":"\#(Hex.encode(privateKey.rawRepresentation))"}"#.utf8)
    }
}
