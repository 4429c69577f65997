import Crypto
import Foundation
import HeatEnvelope

/// An escrow custodian's X25519 key pair: key shares are sealed (HPKE) to the public half,
/// and only the private half opens them.
///
/// Written by `heatctl keys escrow custodian --name NAME --out DIR` as `DIR/custodian.key`
/// (kind ``EnvelopeKind/escrowCustodianKey``, mode 0600, JSON
/// `{"algorithm":"x25519","custodian":NAME,"privateKey":hex}`) and `DIR/custodian.pub` (kind
/// ``EnvelopeKind/escrowCustodianPublicKey``, JSON `{"algorithm":"x25519","custodian":NAME,"publicKey":hex}`).
/// Each custodian generates their own pair and hands only `custodian.pub` to the key holder.
///
/// ```swift
/// let alice = try EscrowCustodianKey(name: "alice")
/// alice.publicKey.fingerprint.hex.count   // 64
/// ```
public struct EscrowCustodianKey: Sendable {
    /// The custodian's name, recorded in each share sealed for them.
    public let name: String
    let privateKey: Curve25519.KeyAgreement.PrivateKey

    /// The private key's file name inside a custodian folder.
    public static let privateKeyFile = "custodian.key"
    /// The public key's file name inside a custodian folder.
    public static let publicKeyFile = "custodian.pub"

    /// A fresh key pair from the system CSPRNG.
    ///
    /// - Parameter name: 1 to 64 letters, digits, `.`, `_` or `-`.
    /// - Throws: ``EscrowError/invalidCustodianName(name:)``.
    public init(name: String) throws(EscrowError) {
        try Self.checkName(name)
        self.name = name
        privateKey = Curve25519.KeyAgreement.PrivateKey()
    }

    init(name: String, privateKey: Curve25519.KeyAgreement.PrivateKey) {
        self.name = name
        self.privateKey = privateKey
    }

    /// The public half.
    public var publicKey: EscrowCustodianPublicKey {
        EscrowCustodianPublicKey(name: name, publicKey: privateKey.publicKey)
    }

    /// Writes `custodian.key` (mode 0600) and `custodian.pub` into `folder`, creating the folder;
    /// existing files are never replaced.
    ///
    /// - Parameter folder: the custodian's folder.
    /// - Returns: the two paths written.
    /// - Throws: ``EscrowError/alreadyExists(path:)`` or ``EscrowError/unwritable(path:reason:)``.
    @discardableResult
    public func write(to folder: URL) throws(EscrowError) -> [String] {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw .unwritable(path: folder.path, reason: error.localizedDescription)
        }
        let privateURL = folder.appending(path: Self.privateKeyFile)
        let publicURL = folder.appending(path: Self.publicKeyFile)
        let payload = Self.json(["algorithm": "x25519", "custodian": name, "privateKey": Hex.encode(privateKey.rawRepresentation)])
        try KeyEscrow.create(Envelope(kind: .escrowCustodianKey, payload: payload), at: privateURL)
        try KeyEscrow.create(Envelope(kind: .escrowCustodianPublicKey, payload: publicKey.payload), at: publicURL)
        return [privateURL.path, publicURL.path]
    }

    /// Loads a custodian private key file.
    ///
    /// - Parameter url: a `custodian.key` file.
    /// - Returns: the key.
    /// - Throws: ``EscrowError/envelope(_:)`` or ``EscrowError/badFile(path:field:reason:)``.
    public static func load(from url: URL) throws(EscrowError) -> EscrowCustodianKey {
        let fields = try KeyEscrow.readJSON(url, kind: .escrowCustodianKey)
        let name = try KeyEscrow.field("custodian", in: fields, path: url.path)
        try checkName(name, path: url.path)
        let hex = try KeyEscrow.field("privateKey", in: fields, path: url.path)
        guard let raw = Hex.decode(hex), raw.count == 32,
              let key = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: raw) else {
            throw .badFile(path: url.path, field: "privateKey", reason: "expected 64 hex digits of an X25519 private key")
        }
        return EscrowCustodianKey(name: name, privateKey: key)
    }

    static func checkName(_ name: String, path: String? = nil) throws(EscrowError) {
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
        guard !name.isEmpty, name.utf8.count <= 64, allowed else {
            if let path { throw .badFile(path: path, field: "custodian", reason: "not a valid custodian name") }
            throw .invalidCustodianName(name: name)
        }
    }

    static func json(_ fields: [String: String]) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(fields)) ?? Data()
    }
}

/// The public half of an ``EscrowCustodianKey``: what the key holder needs to seal a share.
///
/// ```swift
/// let custodian = try EscrowCustodianPublicKey.load(from: URL(filePath: "alice/custodian.pub"))
/// print(custodian.name, custodian.fingerprint)
/// ```
public struct EscrowCustodianPublicKey: Sendable {
    /// The custodian's name.
    public let name: String
    let publicKey: Curve25519.KeyAgreement.PublicKey

    /// SHA-256 of the 32-byte X25519 public key.
    public var fingerprint: Fingerprint { Fingerprint(hashing: publicKey.rawRepresentation) }

    var payload: Data {
        EscrowCustodianKey.json(["algorithm": "x25519", "custodian": name, "publicKey": Hex.encode(publicKey.rawRepresentation)])
    }

    /// Loads a custodian public key file.
    ///
    /// - Parameter url: a `custodian.pub` file.
    /// - Returns: the key.
    /// - Throws: ``EscrowError/envelope(_:)`` or ``EscrowError/badFile(path:field:reason:)``.
    public static func load(from url: URL) throws(EscrowError) -> EscrowCustodianPublicKey {
        let fields = try KeyEscrow.readJSON(url, kind: .escrowCustodianPublicKey)
        let name = try KeyEscrow.field("custodian", in: fields, path: url.path)
        try EscrowCustodianKey.checkName(name, path: url.path)
        let hex = try KeyEscrow.field("publicKey", in: fields, path: url.path)
        guard let raw = Hex.decode(hex), raw.count == 32,
              let key = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: raw) else {
            throw .badFile(path: url.path, field: "publicKey", reason: "expected 64 hex digits of an X25519 public key")
        }
        return EscrowCustodianPublicKey(name: name, publicKey: key)
    }
}
