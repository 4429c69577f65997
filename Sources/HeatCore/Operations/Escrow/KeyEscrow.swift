import Crypto
import Foundation
import HeatEnvelope

/// Escrow of a secret key file as k-of-n threshold shares, each sealed for one custodian.
///
/// ``split(secretFile:custodians:threshold:into:)`` reads the file (an envelope of a secret kind,
/// typically the key holder's `bfv-secret-key.heat`), splits its exact bytes with
/// ``ShamirSecretSharing`` and writes one ``EscrowShare`` per custodian. ``recover(shares:custodianKeys:)``
/// opens at least `threshold` shares with their custodians' keys, checks every share against
/// the manifest, interpolates, and checks the result against the recorded digest, returning
/// the byte-identical file. `Docs/Operations.md` has the recovery drill.
///
/// ```swift
/// let custodians = try ["alice", "bob", "carol"].map { try EscrowCustodianKey(name: $0) }
/// let files = try KeyEscrow.split(secretFile: secretURL, custodians: custodians.map(\.publicKey),
///                                 threshold: 2, into: escrowFolder)
/// let shares = try files.prefix(2).map { (path: $0, share: try KeyEscrow.loadShare(from: URL(filePath: $0))) }
/// let recovered = try KeyEscrow.recover(shares: shares, custodianKeys: custodians)
/// ```
public enum KeyEscrow {
    /// HPKE `info`: binds the sealing to this use.
    static let info = Data("customerheat.escrow/1".utf8)
    static let suite = HPKE.Ciphersuite.Curve25519_SHA256_ChachaPoly

    /// A recovered secret: the file's bytes and name.
    public struct Recovered: Sendable {
        /// The escrow's identifier.
        public let escrowID: String
        /// The escrowed file's name.
        public let fileName: String
        /// The escrowed file's exact bytes.
        public let bytes: [UInt8]
        /// The share numbers used.
        public let sharesUsed: [Int]
    }

    /// The digest recorded for one share value.
    ///
    /// - Parameters:
    ///   - escrowID: the escrow identifier (hex).
    ///   - index: the share number.
    ///   - value: the share's point byte followed by its values.
    /// - Returns: SHA-256 (hex) of `customerheat.escrow-share-value/1`, the escrow id, the index (UInt8) and the value.
    public static func shareDigest(escrowID: String, index: Int, value: [UInt8]) -> String {
        var hasher = SHA256()
        hasher.update(data: Array("customerheat.escrow-share-value/1".utf8))
        hasher.update(data: Array(escrowID.utf8))
        hasher.update(data: [UInt8(truncatingIfNeeded: index)])
        hasher.update(data: value)
        return Hex.encode(hasher.finalize())
    }

    /// The digest recorded for the escrowed secret.
    static func secretDigest(escrowID: String, secret: [UInt8]) -> String {
        var hasher = SHA256()
        hasher.update(data: Array("customerheat.escrow-secret/1".utf8))
        hasher.update(data: Array(escrowID.utf8))
        hasher.update(data: secret)
        return Hex.encode(hasher.finalize())
    }

    /// Splits `secret` into shares sealed for `custodians` (share `i` for `custodians[i-1]`).
    ///
    /// - Parameters:
    ///   - secret: the exact bytes to escrow.
    ///   - kind: the envelope kind of the escrowed file (recorded).
    ///   - fileName: the escrowed file's name (recorded; recovery writes it).
    ///   - custodians: one public key per share, each custodian once.
    ///   - threshold: how many shares recover the secret.
    ///   - createdAt: the time recorded (default: now).
    /// - Returns: the shares, in share order.
    /// - Throws: ``EscrowError``.
    public static func makeShares(
        secret: [UInt8], kind: EnvelopeKind, fileName: String, custodians: [EscrowCustodianPublicKey], threshold: Int,
        createdAt: UTCTimestamp? = nil
    ) throws(EscrowError) -> [EscrowShare] {
        let createdAt = createdAt ?? .now()
        try checkFileName(fileName, path: fileName)
        var seen = Set<Fingerprint>()
        for custodian in custodians where !seen.insert(custodian.fingerprint).inserted {
            throw .duplicateCustodian(path: custodian.name)
        }
        var parts = try ShamirSecretSharing.split(secret, threshold: threshold, shares: custodians.count)
        let escrowID = Hex.encode(SymmetricKey(size: .init(bitCount: 128)).withUnsafeBytes { Array($0) })
        var values = parts.map { [$0.x] + $0.y }
        defer {
            for index in values.indices { ShamirSecretSharing.wipe(&values[index]) }
            parts.removeAll()
        }
        let digests = values.enumerated().map { shareDigest(escrowID: escrowID, index: $0.offset + 1, value: $0.element) }
        var shares = [EscrowShare]()
        for (offset, custodian) in custodians.enumerated() {
            var share = EscrowShare(
                schema: EscrowShare.currentSchema, escrowID: escrowID, createdAt: createdAt, secretKind: kind.name,
                secretFileName: fileName, secretLength: secret.count,
                secretDigest: secretDigest(escrowID: escrowID, secret: secret), threshold: threshold,
                shares: custodians.count, index: offset + 1, shareDigests: digests, custodian: custodian.name,
                custodianFingerprint: custodian.fingerprint.hex, suite: EscrowShare.suiteName, encapsulatedKey: "",
                sealedShare: "")
            do {
                var sender = try HPKE.Sender(recipientKey: custodian.publicKey, ciphersuite: suite, info: info)
                let sealed = try sender.seal(values[offset], authenticating: share.associatedData)
                share.encapsulatedKey = Hex.encode(sender.encapsulatedKey)
                share.sealedShare = sealed.base64EncodedString()
            } catch {
                throw .crypto(reason: String(describing: error))
            }
            shares.append(share)
        }
        return shares
    }

    /// Splits a secret key file and writes one share file per custodian into `folder`
    /// (`share-<i>-<custodian>.heat`, mode 0600, never replacing a file).
    ///
    /// - Parameters:
    ///   - secretFile: an envelope file of a secret kind (``EnvelopeKind/isSecret``).
    ///   - custodians: one public key per share.
    ///   - threshold: how many shares recover the file.
    ///   - folder: the output folder (created if needed).
    /// - Returns: the paths written, in share order.
    /// - Throws: ``EscrowError``.
    public static func split(
        secretFile: URL, custodians: [EscrowCustodianPublicKey], threshold: Int, into folder: URL
    ) throws(EscrowError) -> [String] {
        guard threshold >= 2, threshold <= custodians.count, custodians.count <= ShamirSecretSharing.maximumShares else {
            throw .invalidThreshold(threshold: threshold, shares: custodians.count)
        }
        let envelope: Envelope
        do {
            envelope = try Envelope.read(from: secretFile)
        } catch {
            throw .envelope(error)
        }
        guard envelope.kind.isSecret else { throw .notASecretKey(path: secretFile.path, kind: envelope.kind) }
        var bytes = [UInt8](envelope.serialized())
        defer { ShamirSecretSharing.wipe(&bytes) }
        let shares = try makeShares(
            secret: bytes, kind: envelope.kind, fileName: secretFile.lastPathComponent, custodians: custodians,
            threshold: threshold)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw .unwritable(path: folder.path, reason: error.localizedDescription)
        }
        var paths = [String]()
        for share in shares {
            let url = folder.appending(path: "share-\(share.index)-\(share.custodian).heat")
            try writeShare(share, to: url)
            paths.append(url.path)
        }
        return paths
    }

    /// Writes a share file (never replacing one).
    ///
    /// - Parameters:
    ///   - share: the share.
    ///   - url: the destination.
    /// - Throws: ``EscrowError/alreadyExists(path:)`` or ``EscrowError/unwritable(path:reason:)``.
    public static func writeShare(_ share: EscrowShare, to url: URL) throws(EscrowError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let payload: Data
        do {
            payload = try encoder.encode(share)
        } catch {
            throw .unwritable(path: url.path, reason: "cannot encode the share")
        }
        try create(Envelope(kind: .escrowShare, payload: payload), at: url)
    }

    /// Reads a share file.
    ///
    /// - Parameter url: a share file written by ``split(secretFile:custodians:threshold:into:)``.
    /// - Returns: the share.
    /// - Throws: ``EscrowError/envelope(_:)`` for a missing, corrupt or wrong-kind file and
    ///   ``EscrowError/badFile(path:field:reason:)`` for a bad payload.
    public static func loadShare(from url: URL) throws(EscrowError) -> EscrowShare {
        let envelope: Envelope
        do {
            envelope = try Envelope.read(from: url, expecting: .escrowShare)
        } catch {
            throw .envelope(error)
        }
        let share: EscrowShare
        do {
            share = try JSONDecoder().decode(EscrowShare.self, from: envelope.payload)
        } catch let DecodingError.keyNotFound(key, _) {
            throw .badFile(path: url.path, field: key.stringValue, reason: "missing")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.dataCorrupted(context) {
            throw .badFile(path: url.path, field: context.codingPath.map(\.stringValue).joined(separator: "."), reason: context.debugDescription)
        } catch {
            throw .badFile(path: url.path, field: "(payload)", reason: "not the JSON of an escrow share")
        }
        guard share.schema == EscrowShare.currentSchema else {
            throw .badFile(path: url.path, field: "schema", reason: "expected \(EscrowShare.currentSchema)")
        }
        guard share.suite == EscrowShare.suiteName else {
            throw .badFile(path: url.path, field: "suite", reason: "expected \(EscrowShare.suiteName)")
        }
        guard share.threshold >= 2, share.threshold <= share.shares, share.shares <= ShamirSecretSharing.maximumShares else {
            throw .badFile(path: url.path, field: "threshold", reason: "must be between 2 and shares (\(share.shares)), at most 255")
        }
        guard share.index >= 1, share.index <= share.shares else {
            throw .badFile(path: url.path, field: "index", reason: "must be between 1 and \(share.shares)")
        }
        guard share.shareDigests.count == share.shares else {
            throw .badFile(path: url.path, field: "shareDigests", reason: "expected \(share.shares) digests")
        }
        guard share.secretLength >= 1, share.secretLength <= 1 << 30 else {
            throw .badFile(path: url.path, field: "secretLength", reason: "must be between 1 and 2^30")
        }
        try checkFileName(share.secretFileName, path: url.path)
        return share
    }

    /// Opens `shares` with the custodians' keys and recovers the escrowed file.
    ///
    /// Checks, in order: the shares agree on the escrow manifest; no share number repeats; each
    /// share has its custodian's key; each opens (HPKE authenticates the manifest and the sealed
    /// bytes); each opened value matches its recorded digest; there are at least `threshold`;
    /// the interpolated file matches the recorded secret digest.
    ///
    /// - Parameters:
    ///   - shares: share files (path for messages) and their contents.
    ///   - custodianKeys: the private keys of the custodians whose shares are given.
    /// - Returns: the recovered file.
    /// - Throws: ``EscrowError`` naming the first share at fault.
    public static func recover(
        shares: [(path: String, share: EscrowShare)], custodianKeys: [EscrowCustodianKey]
    ) throws(EscrowError) -> Recovered {
        guard let first = shares.first else { throw .belowThreshold(given: 0, needed: 2) }
        for (path, share) in shares.dropFirst() {
            let fields: [(String, Bool)] = [
                ("escrowId", share.escrowID == first.share.escrowID), ("threshold", share.threshold == first.share.threshold),
                ("shares", share.shares == first.share.shares), ("secretDigest", share.secretDigest == first.share.secretDigest),
                ("secretLength", share.secretLength == first.share.secretLength),
                ("secretFileName", share.secretFileName == first.share.secretFileName),
                ("shareDigests", share.shareDigests == first.share.shareDigests),
            ]
            if let field = fields.first(where: { !$0.1 }) {
                throw .mixedEscrows(path: path, otherPath: first.path, field: field.0)
            }
        }
        var byIndex = [Int: String]()
        for (path, share) in shares {
            if let other = byIndex[share.index] { throw .duplicateShare(path: path, otherPath: other, index: share.index) }
            byIndex[share.index] = path
        }
        let manifest = first.share
        var opened = [ShamirSecretSharing.Share]()
        defer { opened.removeAll() }
        for (path, share) in shares {
            guard let key = custodianKeys.first(where: { $0.publicKey.fingerprint.hex == share.custodianFingerprint }) else {
                throw .missingCustodianKey(path: path, custodian: share.custodian)
            }
            guard let encapsulated = Hex.decode(share.encapsulatedKey), let sealed = Data(base64Encoded: share.sealedShare) else {
                throw .tamperedShare(path: path, reason: "the encapsulated key or sealed share is not valid hex / base64")
            }
            var value: [UInt8]
            do {
                let recipient = try HPKE.Recipient(privateKey: key.privateKey, ciphersuite: suite, info: info, encapsulatedKey: Data(encapsulated))
                var mutableRecipient = recipient
                value = [UInt8](try mutableRecipient.open(sealed, authenticating: share.associatedData))
            } catch {
                throw .tamperedShare(path: path, reason: "it does not open under custodian \(share.custodian)'s key: the sealed bytes or the header were modified")
            }
            defer { ShamirSecretSharing.wipe(&value) }
            guard shareDigest(escrowID: share.escrowID, index: share.index, value: value) == manifest.shareDigests[share.index - 1] else {
                throw .tamperedShare(path: path, reason: "its value does not match digest \(share.index) of the escrow manifest")
            }
            guard value.count == manifest.secretLength + 1, value[0] == UInt8(share.index) else {
                throw .tamperedShare(path: path, reason: "its value has the wrong length or point")
            }
            opened.append(ShamirSecretSharing.Share(x: value[0], y: Array(value[1...])))
        }
        guard opened.count >= manifest.threshold else {
            throw .belowThreshold(given: opened.count, needed: manifest.threshold)
        }
        let used = Array(opened.prefix(manifest.threshold))
        let secret = try ShamirSecretSharing.combine(used)
        guard secretDigest(escrowID: manifest.escrowID, secret: secret) == manifest.secretDigest else {
            throw .recoveredDigestMismatch(escrowID: manifest.escrowID)
        }
        return Recovered(escrowID: manifest.escrowID, fileName: manifest.secretFileName, bytes: secret, sharesUsed: used.map { Int($0.x) })
    }

    /// Writes a recovered file into `folder` under its recorded name (mode 0600, never replacing a file).
    ///
    /// - Parameters:
    ///   - recovered: the result of ``recover(shares:custodianKeys:)``.
    ///   - folder: the output folder (created if needed).
    /// - Returns: the path written.
    /// - Throws: ``EscrowError/alreadyExists(path:)`` or ``EscrowError/unwritable(path:reason:)``.
    public static func write(_ recovered: Recovered, into folder: URL) throws(EscrowError) -> String {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw .unwritable(path: folder.path, reason: error.localizedDescription)
        }
        let url = folder.appending(path: recovered.fileName)
        do {
            try AtomicFile.create(Data(recovered.bytes), at: url, permissions: 0o600)
        } catch {
            if error.fileExists { throw .alreadyExists(path: url.path) }
            throw .unwritable(path: url.path, reason: error.reason)
        }
        return url.path
    }

    // MARK: - Helpers shared by the escrow files

    static func create(_ envelope: Envelope, at url: URL) throws(EscrowError) {
        do {
            try envelope.create(at: url)
        } catch {
            if case .alreadyExists = error { throw .alreadyExists(path: url.path) }
            throw .envelope(error)
        }
    }

    static func readJSON(_ url: URL, kind: EnvelopeKind) throws(EscrowError) -> [String: String] {
        let envelope: Envelope
        do {
            envelope = try Envelope.read(from: url, expecting: kind)
        } catch {
            throw .envelope(error)
        }
        guard let fields = try? JSONDecoder().decode([String: String].self, from: envelope.payload) else {
            throw .badFile(path: url.path, field: "(payload)", reason: "not a JSON object of strings")
        }
        guard fields["algorithm"] == "x25519" else {
            throw .badFile(path: url.path, field: "algorithm", reason: "expected \"x25519\"")
        }
        return fields
    }

    static func field(_ name: String, in fields: [String: String], path: String) throws(EscrowError) -> String {
        guard let value = fields[name] else { throw .badFile(path: path, field: name, reason: "missing") }
        return value
    }

    /// A recorded file name must be a plain name (no folder, no `..`), so recovery cannot write outside `--out`.
    static func checkFileName(_ name: String, path: String) throws(EscrowError) {
        guard !name.isEmpty, name.utf8.count <= 255, !name.contains("/"), !name.contains("\\"), name != ".", name != "..",
              !name.hasPrefix(".") else {
            throw .badFile(path: path, field: "secretFileName", reason: "must be a plain file name")
        }
    }
}
