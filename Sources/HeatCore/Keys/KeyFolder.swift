import Foundation
import HeatEnvelope

/// A role's key folder (DESIGN.md section 1), checked before use.
///
/// Opening a folder scans every envelope file in it and refuses the folder if one holds a
/// kind its role must not hold (``KeyRole/allowedKinds``): a collector folder with a signing
/// key, or the key holder's folder passed to `heatctl ingest`, fails before anything is read.
///
/// ```swift
/// let collector = try KeyFolder(path: "keys/collector", role: .collector)
/// let key = try collector.pseudonymisationKey()
/// ```
public struct KeyFolder: Sendable {
    /// The file name of the collector's pseudonymisation key.
    public static let pseudonymisationKeyFile = "pseudonymisation.key"
    /// The file name of the key holder's signing key.
    public static let signingKeyFile = "signing.key"
    /// The file name of the auditor's verification key.
    public static let verificationKeyFile = "verification.key"

    /// The folder path.
    public let path: String
    /// The role the folder is used for.
    public let role: KeyRole
    /// The envelope files found, by file name.
    public let files: [String: EnvelopeKind]

    /// Opens and checks a role folder.
    ///
    /// - Parameters:
    ///   - path: the folder (for example `keys/collector`).
    ///   - role: the role the command plays.
    /// - Throws: ``KeyError/missingFolder(path:)``, ``KeyError/notAFolder(path:)`` or
    ///   ``KeyError/forbiddenFile(path:kind:role:)`` naming the first offending file.
    public init(path: String, role: KeyRole) throws(KeyError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .missingFolder(path: path)
        }
        guard isDirectory.boolValue else { throw .notAFolder(path: path) }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        } catch {
            throw .missingFolder(path: path)
        }
        var files: [String: EnvelopeKind] = [:]
        for name in names where !name.hasPrefix(".") {
            let filePath = (path as NSString).appendingPathComponent(name)
            guard let kind = Self.envelopeKind(atPath: filePath) else { continue }
            guard role.allowedKinds.contains(kind) else { throw .forbiddenFile(path: filePath, kind: kind, role: role) }
            files[name] = kind
        }
        self.path = path
        self.role = role
        self.files = files
    }

    /// The collector's pseudonymisation key.
    ///
    /// - Throws: ``KeyError/missingKey(folder:role:kind:)`` or a corrupt-file error.
    public func pseudonymisationKey() throws(KeyError) -> PseudonymisationKey {
        let (filePath, payload) = try payload(of: .pseudonymisationKey)
        do {
            return try JSONDecoder().decode(PseudonymisationKey.self, from: payload)
        } catch {
            throw .badPayload(path: filePath, reason: "expected {\"key\": 64 hex digits}")
        }
    }

    /// The key holder's signing key.
    ///
    /// - Throws: ``KeyError/missingKey(folder:role:kind:)`` or a corrupt-file error.
    public func signingKey() throws(KeyError) -> StoreSigningKey {
        let (filePath, payload) = try payload(of: .signingKey)
        guard let raw = Self.hexField("privateKey", in: payload), raw.count == 32,
              let key = try? StoreSigningKey(rawRepresentation: raw) else {
            throw .badPayload(path: filePath, reason: "expected {\"algorithm\": \"ed25519\", \"privateKey\": 64 hex digits}")
        }
        return key
    }

    /// The auditor's verification key.
    ///
    /// - Throws: ``KeyError/missingKey(folder:role:kind:)`` or a corrupt-file error.
    public func verificationKey() throws(KeyError) -> StoreVerificationKey {
        let (filePath, payload) = try payload(of: .verificationKey)
        guard let raw = Self.hexField("publicKey", in: payload), raw.count == 32,
              let key = try? StoreVerificationKey(rawRepresentation: raw) else {
            throw .badPayload(path: filePath, reason: "expected {\"algorithm\": \"ed25519\", \"publicKey\": 64 hex digits}")
        }
        return key
    }

    /// Writes the four role folders under `out` with fresh keys.
    ///
    /// `collector/pseudonymisation.key` and `keyholder/signing.key` are written with mode 0600,
    /// `auditor/verification.key` with 0644; `evaluator/` stays empty until the FHE keys exist.
    /// Folders are created with mode 0700. Existing key files are never overwritten.
    ///
    /// - Parameter out: the parent folder (created if absent).
    /// - Returns: the generated keys and the files written.
    /// - Throws: ``KeyError/alreadyExists(path:)`` if a key file is already there, or
    ///   ``KeyError/unwritable(path:reason:)``.
    public static func generate(at out: String) throws(KeyError) -> GeneratedKeys {
        let base = URL(filePath: out)
        let targets: [(KeyRole, String)] = [
            (.collector, pseudonymisationKeyFile), (.keyholder, signingKeyFile), (.auditor, verificationKeyFile),
        ]
        for (role, file) in targets {
            let filePath = base.appending(path: role.folderName).appending(path: file).path
            if FileManager.default.fileExists(atPath: filePath) { throw .alreadyExists(path: filePath) }
        }
        for role in KeyRole.allCases {
            let folder = base.appending(path: role.folderName).path
            do {
                try FileManager.default.createDirectory(
                    atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw .unwritable(path: folder, reason: error.localizedDescription)
            }
        }
        let pseudonymisationKey = PseudonymisationKey.random()
        let signingKey = StoreSigningKey()
        let keyPayload: Data
        do {
            keyPayload = try JSONEncoder().encode(pseudonymisationKey)
        } catch {
            throw .unwritable(path: out, reason: "cannot encode the pseudonymisation key")
        }
        let envelopes: [(KeyRole, String, Envelope)] = [
            (.collector, pseudonymisationKeyFile, Envelope(kind: .pseudonymisationKey, payload: keyPayload)),
            (.keyholder, signingKeyFile, Envelope(kind: .signingKey, payload: signingKey.payload)),
            (.auditor, verificationKeyFile, Envelope(kind: .verificationKey, payload: signingKey.verificationKey.payload)),
        ]
        var written: [String] = []
        for (role, file, envelope) in envelopes {
            let url = base.appending(path: role.folderName).appending(path: file)
            do {
                try envelope.write(to: url)
            } catch {
                throw .envelope(error)
            }
            written.append(url.path)
        }
        return GeneratedKeys(
            pseudonymisationKey: pseudonymisationKey, signingKey: signingKey, files: written)
    }

    private func payload(of kind: EnvelopeKind) throws(KeyError) -> (String, Data) {
        guard let name = files.filter({ $0.value == kind }).keys.sorted().first else {
            throw .missingKey(folder: path, role: role, kind: kind)
        }
        let filePath = (path as NSString).appendingPathComponent(name)
        do {
            return (filePath, try Envelope.read(from: URL(filePath: filePath), expecting: kind).payload)
        } catch {
            throw .envelope(error)
        }
    }

    /// The kind of the envelope at `path`, or `nil` if it is not an envelope with a known kind.
    static func envelopeKind(atPath path: String) -> EnvelopeKind? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let header = try? handle.read(upToCount: 12), header.count == 12,
              Array(header.prefix(8)) == Envelope.magic else { return nil }
        let bytes = [UInt8](header)
        return EnvelopeKind(rawValue: UInt16(bytes[10]) << 8 | UInt16(bytes[11]))
    }

    private static func hexField(_ field: String, in payload: Data) -> [UInt8]? {
        guard let object = try? JSONSerialization.jsonObject(with: payload) as? [String: Any],
              (object["algorithm"] as? String) == "ed25519",
              let text = object[field] as? String else { return nil }
        return Hex.decode(text)
    }
}
