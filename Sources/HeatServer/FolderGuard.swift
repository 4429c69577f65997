import Foundation
import HeatEnvelope

/// Refuses a folder that holds secret material, before the server reads anything from it.
///
/// Every regular file under the folder (recursively, following links to the file they point at,
/// whatever its name or extension) is classified by its content: a CustomerHeat envelope whose
/// kind is secret (``EnvelopeKind/isSecret``: FHE and TFHE secret keys, the store signing key,
/// the pseudonymisation and ingestion keys, a token key where it does not belong), or a JSON
/// export of a secret (`heatctl fhe export-json --include-secret`, a key payload with a
/// `privateKey` or `secret` field), is refused with ``ServerError/secretMaterial(path:kind:option:)``
/// (exit 64).
///
/// ```swift
/// try FolderGuard.check(folder: "releases", option: "--releases", allowedSecrets: [])
/// try FolderGuard.check(folder: "token-keys", option: "--token-keys", allowedSecrets: [.serverTokenKey])
/// ```
public enum FolderGuard {
    /// The largest number of entries inspected; a larger folder is refused (a server folder is small).
    public static let maximumEntries = 10_000

    /// Checks a folder.
    ///
    /// - Parameters:
    ///   - folder: the folder.
    ///   - option: the option that named it, for the message.
    ///   - allowedSecrets: secret kinds that belong in this folder (the token key in `--token-keys`).
    /// - Throws: ``ServerError/missingFolder(path:option:)`` or ``ServerError/secretMaterial(path:kind:option:)``.
    public static func check(folder: String, option: String, allowedSecrets: Set<EnvelopeKind>) throws(ServerError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .missingFolder(path: folder, option: option)
        }
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else { throw .missingFolder(path: folder, option: option) }
        var count = 0
        while let relative = enumerator.nextObject() as? String {
            count += 1
            guard count <= maximumEntries else {
                throw .secretMaterial(path: folder, kind: "more than \(maximumEntries) entries, not inspected", option: option)
            }
            let path = (folder as NSString).appendingPathComponent(relative)
            let resolved = (path as NSString).resolvingSymlinksInPath
            var targetIsDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: resolved, isDirectory: &targetIsDirectory) else { continue }
            if targetIsDirectory.boolValue { continue }
            if let kind = secretKind(atPath: resolved, allowed: allowedSecrets) {
                throw .secretMaterial(path: path, kind: kind, option: option)
            }
        }
    }

    /// The kind of secret material a file holds, or `nil`.
    static func secretKind(atPath path: String, allowed: Set<EnvelopeKind>) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 12)) ?? Data()
        let bytes = Array(head)
        if bytes.count >= 12, Array(bytes[0..<8]) == Array("HEATFILE".utf8) {
            let raw = UInt16(bytes[10]) << 8 | UInt16(bytes[11])
            guard let kind = EnvelopeKind(rawValue: raw) else { return "an envelope of unknown kind \(raw)" }
            return kind.isSecret && !allowed.contains(kind) ? "envelope kind \(raw), \(kind.name)" : nil
        }
        // JSON exports of secrets: small enough to read whole (releases are a few MB at most).
        guard bytes.first.map({ $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") }) == true else { return nil }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let size = attributes[.size] as? Int, size <= 64 << 20 else { return nil }
        try? handle.seek(toOffset: 0)
        guard let data = try? handle.readToEnd(),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        for field in ["privateKey", "secretKey", "secret", "signingKey"] where object[field] != nil {
            return "a JSON object with a \"\(field)\" field"
        }
        if let kind = object["kind"] as? String, kind.lowercased().contains("secret") {
            return "a JSON export of kind \"\(kind)\""
        }
        return nil
    }
}
