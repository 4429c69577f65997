import Foundation

/// A staging folder for the key files of a rotation (issue 27, review s40 keys27e,
/// Docs/Operations.md section 7 (f)): `heatctl keys rotate` (the signing key and `--fhe`) writes
/// the new keys into `NEWDIR.partial-<random>`, next to `NEWDIR` (the same parent, so the same
/// file system), and moves them into `NEWDIR` only after the store transaction committed. A
/// rotation the store refuses (or any error after some files were written) removes the staging
/// folder, so no key the store never recorded is left in `NEWDIR`, and a retry with the same
/// `--out` works. `rename(2)` keeps each file's mode (secret keys stay 0600).
///
/// ```swift
/// let staged = try StagedKeyFolder(target: "keys-gen2")
/// do {
///     let (key, files) = try SigningKeyRotation.generateKey(at: staged.path, generation: 2)
///     _ = try SigningKeyRotation.rotate(store: store, from: old, to: key, anchor: .previous(head), reason: "rotation")
/// } catch {
///     staged.discard()
///     throw error
/// }
/// try staged.commit()   // keys-gen2/keyholder/signing.key, keys-gen2/auditor/verification.key
/// ```
public struct StagedKeyFolder: Sendable {
    /// The folder the keys belong in (`--out`).
    public let target: URL
    /// The staging folder: `<target>.partial-<16 hex digits>`, in the target's parent folder.
    public let staging: URL

    /// Creates the staging folder next to `target` (and the parent folders when missing).
    ///
    /// - Parameter path: the final folder (`--out`).
    /// - Throws: ``KeyError/unwritable(path:reason:)`` when the folder cannot be created.
    public init(target path: String) throws(KeyError) {
        let target = URL(filePath: path).standardizedFileURL
        var random = SystemRandomNumberGenerator()
        let suffix = String(format: "%016llx", random.next() as UInt64)
        let staging = target.deletingLastPathComponent().appending(path: "\(target.lastPathComponent).partial-\(suffix)")
        do {
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .unwritable(path: staging.path, reason: error.localizedDescription)
        }
        self.target = target
        self.staging = staging
    }

    /// The staging folder's path (write the keys here).
    public var path: String { staging.path }

    /// Where a file written under the staging folder ends up after ``commit()``.
    ///
    /// - Parameter staged: a path under ``path``.
    /// - Returns: the same path under the target.
    public func finalPath(of staged: String) -> String {
        let prefix = staging.path
        guard staged.hasPrefix(prefix) else { return staged }
        return target.path + staged.dropFirst(prefix.count)
    }

    /// Refuses, before the store changes, when the files could not be moved into the target
    /// after the commit: one of them already exists (a key file is never replaced), or the target
    /// or a folder on the way to a file is not a writable folder (a regular file, a symbolic link
    /// to nothing; review s42 ops27g H1: such an `--out` failed only after the store had recorded
    /// the new key).
    ///
    /// - Parameter relativePaths: the files, relative to the target (`keyholder/signing.key`).
    /// - Throws: ``KeyError/alreadyExists(path:)``, ``KeyError/unwritable(path:reason:)``.
    public func requireAbsent(_ relativePaths: [String]) throws(KeyError) {
        let manager = FileManager.default
        func requireFolderOrNothing(_ url: URL) throws(KeyError) {
            var isFolder: ObjCBool = false
            let exists = manager.fileExists(atPath: url.path, isDirectory: &isFolder)
            if !exists {
                if (try? manager.destinationOfSymbolicLink(atPath: url.path)) != nil {
                    throw .unwritable(path: url.path, reason: "a symbolic link to nothing; give --out a new folder")
                }
                return
            }
            guard isFolder.boolValue else { throw .unwritable(path: url.path, reason: "not a folder; give --out a new folder") }
            guard manager.isWritableFile(atPath: url.path) else { throw .unwritable(path: url.path, reason: "the folder is not writable") }
        }
        try requireFolderOrNothing(target)
        for relative in relativePaths {
            let url = target.appending(path: relative)
            var folder = url.deletingLastPathComponent()
            while folder.path.count > target.path.count {
                try requireFolderOrNothing(folder)
                folder = folder.deletingLastPathComponent()
            }
            if manager.fileExists(atPath: url.path) || (try? manager.destinationOfSymbolicLink(atPath: url.path)) != nil {
                throw .alreadyExists(path: url.path)
            }
        }
    }

    /// Moves the staged files into the target, never replacing a file: the whole staging folder
    /// is renamed to the target when the target does not exist, else each file is renamed into
    /// its place; then the staging folder is removed. Call only after the store committed.
    ///
    /// On failure the staging folder is **kept** (the store already records the new key) and
    /// the error names it.
    ///
    /// - Throws: ``KeyError/alreadyExists(path:)`` or ``KeyError/unwritable(path:reason:)``.
    public func commit() throws(KeyError) {
        let manager = FileManager.default
        if !manager.fileExists(atPath: target.path) {
            do {
                try manager.moveItem(at: staging, to: target)
                return
            } catch {
                throw .unwritable(path: target.path, reason: "\(error.localizedDescription); the store already records the new keys, which are in \(staging.path): do not delete that folder, rename it to \(target.path)")
            }
        }
        let files = (manager.enumerator(at: staging, includingPropertiesForKeys: [.isRegularFileKey])?.allObjects as? [URL] ?? [])
            .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
            .map { finalPath(of: $0.standardizedFileURL.path) }
            .sorted()
        for final in files where manager.fileExists(atPath: final) {
            throw .alreadyExists(path: final)
        }
        for final in files {
            let source = staging.path + final.dropFirst(target.path.count)
            let destination = URL(filePath: final)
            do {
                try manager.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
                try manager.moveItem(atPath: source, toPath: final)
            } catch {
                throw .unwritable(path: final, reason: "\(error.localizedDescription); the store already records the new keys, and those not yet moved are in \(staging.path): do not delete that folder, move its files into \(target.path)")
            }
        }
        try? manager.removeItem(at: staging)
    }

    /// Removes the staging folder and everything in it (a refused or failed rotation).
    public func discard() {
        try? FileManager.default.removeItem(at: staging)
    }
}
