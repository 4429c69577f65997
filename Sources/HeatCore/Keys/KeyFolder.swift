#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HeatEnvelope

/// A role's key folder (DESIGN.md section 1), checked before use.
///
/// Opening a folder inspects every entry in it, recursively, and refuses the folder when:
/// an entry is a symbolic link or anything other than a regular file or folder; a file is not a
/// CustomerHeat envelope of a registered kind (unknown files, hidden ones included); a file
/// holds a kind its role must not hold (``KeyRole/allowedKinds``: a collector folder with a
/// signing key, or the key holder's folder passed to `heatctl ingest`); or a secret file
/// (``EnvelopeKind/isSecret``) is readable by group or others or is not owned by the caller.
/// Nothing is read from a refused folder.
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
    /// The file name of the collector's Ed25519 ingestion key.
    public static let ingestionKeyFile = "ingestion.key"
    /// The file name of the key holder's endorsement of the collector's ingestion key.
    public static let ingestionEndorsementFile = "ingestion.endorsement"

    /// The folder path.
    public let path: String
    /// The role the folder is used for.
    public let role: KeyRole
    /// The envelope files found directly in the folder, by file name (files in sub-folders are
    /// inspected but never used).
    public let files: [String: EnvelopeKind]

    /// Opens and checks a role folder.
    ///
    /// - Parameters:
    ///   - path: the folder (for example `keys/collector`).
    ///   - role: the role the command plays.
    /// - Throws: ``KeyError/missingFolder(path:)``, ``KeyError/notAFolder(path:)``,
    ///   ``KeyError/forbiddenFile(path:kind:role:)``, ``KeyError/unsafeEntry(path:reason:)`` or
    ///   ``KeyError/insecureSecret(path:reason:)`` naming the first offending entry.
    public init(path: String, role: KeyRole) throws(KeyError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .missingFolder(path: path)
        }
        guard isDirectory.boolValue else { throw .notAFolder(path: path) }
        var files: [String: EnvelopeKind] = [:]
        try Self.inspect(folder: path, role: role, depth: 0) { name, kind in files[name] = kind }
        self.path = path
        self.role = role
        self.files = files
    }

    /// Inspects every entry under `folder`; `found` receives the top-level envelope files.
    private static func inspect(
        folder: String, role: KeyRole, depth: Int, found: (String, EnvelopeKind) -> Void
    ) throws(KeyError) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        } catch {
            throw .unsafeEntry(path: folder, reason: "the folder cannot be listed (\(error.localizedDescription))")
        }
        guard depth < 8 else { throw .unsafeEntry(path: folder, reason: "folders are nested too deeply") }
        let owner = Int(geteuid())
        for name in names {
            let entry = (folder as NSString).appendingPathComponent(name)
            let attributes: [FileAttributeKey: Any]
            do {
                attributes = try FileManager.default.attributesOfItem(atPath: entry)   // lstat: links are not followed
            } catch {
                throw .unsafeEntry(path: entry, reason: "cannot be inspected (\(error.localizedDescription))")
            }
            let type = attributes[.type] as? FileAttributeType
            if type == .typeSymbolicLink {
                throw .unsafeEntry(path: entry, reason: "a symbolic link; key folders hold regular files only")
            }
            if type == .typeDirectory {
                try inspect(folder: entry, role: role, depth: depth + 1) { _, _ in }
                continue
            }
            guard type == .typeRegular else {
                throw .unsafeEntry(path: entry, reason: "not a regular file")
            }
            guard let kind = envelopeKind(atPath: entry) else {
                throw .unsafeEntry(path: entry, reason: "not a CustomerHeat key file (unknown files are refused, hidden ones included)")
            }
            guard role.allowedKinds.contains(kind) else { throw .forbiddenFile(path: entry, kind: kind, role: role) }
            if kind.isSecret {
                let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0o777
                if mode & 0o077 != 0 {
                    throw .insecureSecret(path: entry, reason: "mode \(String(mode, radix: 8)) lets others read it; secret files must be mode 600")
                }
                let fileOwner = (attributes[.ownerAccountID] as? NSNumber)?.intValue ?? -1
                if fileOwner != owner {
                    throw .insecureSecret(path: entry, reason: "owned by user \(fileOwner), not by the user running heatctl (\(owner))")
                }
            }
            if depth == 0 { found(name, kind) }
        }
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

    /// The key holder's signing key, with the file it was read from and the generation that file
    /// names (``StoreSigningKey/file``; a file written before s37 has none).
    ///
    /// - Throws: ``KeyError/missingKey(folder:role:kind:)`` or a corrupt-file error;
    ///   ``KeyError/badPayload(path:reason:)`` naming the field `generation` when it is not a whole
    ///   number of at least 1.
    public func signingKey() throws(KeyError) -> StoreSigningKey {
        let (filePath, payload) = try payload(of: .signingKey)
        guard let raw = Self.hexField("privateKey", in: payload), raw.count == 32,
              var key = try? StoreSigningKey(rawRepresentation: raw) else {
            throw .badPayload(path: filePath, reason: "expected {\"algorithm\": \"ed25519\", \"privateKey\": 64 hex digits}")
        }
        key.file = StoreSigningKey.File(path: filePath, generation: try Self.generationField(in: payload, path: filePath))
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

    /// The collector's Ed25519 ingestion key.
    ///
    /// - Throws: ``KeyError/missingKey(folder:role:kind:)`` or a corrupt-file error.
    public func ingestionKey() throws(KeyError) -> IngestionKey {
        let (filePath, payload) = try payload(of: .ingestionKey)
        guard let raw = Self.hexField("privateKey", in: payload), raw.count == 32,
              var key = try? IngestionKey(rawRepresentation: raw) else {
            throw .badPayload(path: filePath, reason: "expected {\"algorithm\": \"ed25519\", \"privateKey\": 64 hex digits}")
        }
        // Issue 27: the key generation id (absent in files written before it: generation 1).
        if let generation = try Self.generationField(in: payload, path: filePath) { key.generation = generation }
        return key
    }

    /// The key holder's endorsement of the collector's ingestion key.
    ///
    /// - Throws: ``KeyError/missingKey(folder:role:kind:)`` or a corrupt-file error.
    public func ingestionEndorsement() throws(KeyError) -> IngestionKeyEndorsement {
        let (filePath, payload) = try payload(of: .ingestionKeyEndorsement)
        guard let endorsement = try? JSONDecoder().decode(IngestionKeyEndorsement.self, from: payload),
              endorsement.schema == IngestionKeyEndorsement.currentSchema else {
            throw .badPayload(path: filePath, reason: "expected a \(IngestionKeyEndorsement.currentSchema) endorsement")
        }
        return endorsement
    }

    /// The collector's ingestion key with its endorsement.
    ///
    /// - Throws: ``KeyError/missingKey(folder:role:kind:)`` or a corrupt-file error.
    public func collectorSigner() throws(KeyError) -> CollectorSigner {
        CollectorSigner(key: try ingestionKey(), endorsement: try ingestionEndorsement())
    }

    /// Writes the four role folders under `out` with fresh keys.
    ///
    /// `collector/` receives the pseudonymisation key and the Ed25519 ingestion key (mode 0600)
    /// and the key holder's endorsement of the ingestion key; `keyholder/` the signing key (0600);
    /// `auditor/` the verification key (0644); `evaluator/` stays empty until the FHE keys exist.
    /// Folders are created with mode 0700. Files are created with no-replace semantics
    /// (``Envelope/create(at:)``): the signing key is created first and acts as the claim, so of
    /// two concurrent generations into one folder exactly one succeeds and the other writes nothing.
    ///
    /// - Parameter out: the parent folder (created if absent).
    /// - Returns: the generated keys and the files written.
    /// - Throws: ``KeyError/alreadyExists(path:)`` if a key file is already there, or
    ///   ``KeyError/unwritable(path:reason:)``.
    public static func generate(at out: String) throws(KeyError) -> GeneratedKeys {
        let base = URL(filePath: out)
        let targets: [(KeyRole, String)] = [
            (.keyholder, signingKeyFile), (.collector, pseudonymisationKeyFile), (.collector, ingestionKeyFile),
            (.collector, ingestionEndorsementFile), (.auditor, verificationKeyFile),
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
                // A concurrent generation may have created it between the check and mkdir.
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                    throw .unwritable(path: folder, reason: error.localizedDescription)
                }
            }
        }
        let pseudonymisationKey = PseudonymisationKey.random()
        let signingKey = StoreSigningKey()
        let ingestionKey = IngestionKey()
        let keyPayload: Data
        let endorsement: IngestionKeyEndorsement
        do {
            keyPayload = try JSONEncoder().encode(pseudonymisationKey)
            endorsement = try IngestionKeyEndorsement(endorsing: ingestionKey, with: signingKey)
        } catch {
            throw .unwritable(path: out, reason: "cannot encode the keys (\(error))")
        }
        let envelopes: [(KeyRole, String, Envelope)] = [
            (.keyholder, signingKeyFile, Envelope(kind: .signingKey, payload: signingKey.payload(generation: 1))),
            (.collector, pseudonymisationKeyFile, Envelope(kind: .pseudonymisationKey, payload: keyPayload)),
            (.collector, ingestionKeyFile, Envelope(kind: .ingestionKey, payload: ingestionKey.payload)),
            (.collector, ingestionEndorsementFile, Envelope(kind: .ingestionKeyEndorsement, payload: endorsement.payload)),
            (.auditor, verificationKeyFile, Envelope(kind: .verificationKey, payload: signingKey.verificationKey.payload)),
        ]
        var written: [String] = []
        for (role, file, envelope) in envelopes {
            let url = base.appending(path: role.folderName).appending(path: file)
            do {
                try envelope.create(at: url)
            } catch {
                if case .alreadyExists(let path) = error { throw .alreadyExists(path: path) }
                throw .envelope(error)
            }
            written.append(url.path)
        }
        return GeneratedKeys(
            pseudonymisationKey: pseudonymisationKey, signingKey: signingKey, ingestionKey: ingestionKey,
            endorsement: endorsement, files: written)
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

    /// The optional `generation` field of a key file's JSON payload (issue 27).
    private static func generationField(in payload: Data, path: String) throws(KeyError) -> Int64? {
        guard let object = try? JSONSerialization.jsonObject(with: payload) as? [String: Any],
              let generation = object["generation"] else { return nil }
        guard let number = generation as? Int, number >= 1 else {
            throw .badPayload(path: path, reason: "field \"generation\" must be a whole number of at least 1")
        }
        return Int64(number)
    }

    private static func hexField(_ field: String, in payload: Data) -> [UInt8]? {
        guard let object = try? JSONSerialization.jsonObject(with: payload) as? [String: Any],
              (object["algorithm"] as? String) == "ed25519",
              let text = object[field] as? String else { return nil }
        return Hex.decode(text)
    }
}
