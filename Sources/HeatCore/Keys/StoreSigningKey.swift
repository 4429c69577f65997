import Crypto
import Foundation
import GRDB
import HeatEnvelope

/// The key holder's Ed25519 key for signing store chain heads.
///
/// Stored in an envelope of kind `.signingKey` (mode 0600) whose JSON payload is
/// `{"algorithm":"ed25519","generation":<n>,"privateKey":"<64 hex digits>"}` (issue 27, s37):
/// `generation` is the key's place in the store's chain of signing keys (1 for `keys generate`,
/// the transition's generation for `keys rotate`). Files written before s37 have no `generation`
/// and are checked by their fingerprint alone. A key read from a file remembers it (``file``);
/// every command that signs the store refuses a file whose generation is not the store's current
/// one (``KeyError/signingKeyGeneration(path:fileGeneration:storeGeneration:)``, exit 64).
///
/// ```swift
/// let key = StoreSigningKey()
/// let signature = try key.signature(for: Array("head".utf8))
/// key.verificationKey.isValidSignature(signature, for: Array("head".utf8))   // true
/// ```
public struct StoreSigningKey: Sendable {
    let privateKey: Curve25519.Signing.PrivateKey

    /// The signing-key file a key was read from (issue 27, s37), for the generation check and its
    /// message.
    public struct File: Sendable, Hashable {
        /// The file's path.
        public var path: String
        /// The generation the file names, or `nil` for a file written before s37.
        public var generation: Int64?
    }

    /// The file this key was read from (``KeyFolder/signingKey()``) or just written
    /// (``SigningKeyRotation/generateKey(at:generation:)``); `nil` for a key made in memory.
    public internal(set) var file: File?

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

    /// The envelope payload, naming `generation` (always written since s37).
    ///
    /// - Parameter generation: the key's generation in the store's chain of signing keys.
    func payload(generation: Int64) -> Data {
        Data(#"{"algorithm":"ed25519","generation":\#(generation),"privateKey":"\#(Hex.encode(privateKey.rawRepresentation))"}"#.utf8)
    }

    /// Refuses a key read from a signing-key file whose `generation` is not the store's current
    /// signing generation: the retired key's file after a rotation, a new key's file on a store
    /// restored from before the rotation, or a mislabelled file (issue 27, s37). A key made in
    /// memory, or read from a file written before s37 (no `generation`), passes: its fingerprint
    /// is checked as before (`KeyRegistry.bind`).
    ///
    /// ```swift
    /// let key = try KeyFolder(path: "keys/keyholder", role: .keyholder).signingKey()
    /// try key.requireGeneration(2)   // throws for the generation-1 file once the key was rotated
    /// ```
    ///
    /// - Parameter storeGeneration: the store's current signing generation
    ///   (``currentGeneration(in:)``).
    /// - Throws: ``KeyError/signingKeyGeneration(path:fileGeneration:storeGeneration:)`` (exit 64).
    public func requireGeneration(_ storeGeneration: Int64) throws(KeyError) {
        guard let file, let generation = file.generation, generation != storeGeneration else { return }
        throw .signingKeyGeneration(path: file.path, fileGeneration: generation, storeGeneration: storeGeneration)
    }

    /// The store's current signing generation: the generation of the last transition on its one
    /// chain of signing keys (``KeyTransition/linearChain(in:)``), 1 before any rotation.
    ///
    /// - Parameter db: a connection.
    /// - Returns: the generation.
    /// - Throws: a database error.
    public static func currentGeneration(in db: Database) throws -> Int64 {
        try KeyTransition.linearChain(in: db).chain.last?.transition.generation ?? 1
    }

    /// The generation the next `keys rotate` records (``SigningKeyRotation/rotate(store:from:to:anchor:reason:)``):
    /// one more than the key transitions stored (rejected ones included, so numbers are never reused).
    ///
    /// - Parameter db: a connection.
    /// - Returns: the generation.
    /// - Throws: a database error.
    public static func nextGeneration(in db: Database) throws -> Int64 {
        Int64(try KeyTransition.all(in: db).count + 2)
    }
}
