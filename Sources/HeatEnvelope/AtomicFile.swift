#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Writes files atomically: the data goes to a temporary file in the destination's folder,
/// is flushed to disk, and is then renamed over the destination (``write(_:to:permissions:)``)
/// or linked to it without ever replacing an existing file (``create(_:at:permissions:)``).
/// The destination's folder is flushed too, so the new name survives a power loss.
///
/// A reader therefore sees either the old file or the complete new one, never half of it.
///
/// ```swift
/// try AtomicFile.write(Data("hello".utf8), to: URL(filePath: "out/greeting.txt"))
/// try AtomicFile.create(Data("secret".utf8), at: URL(filePath: "keys/a.key"), permissions: 0o600)
/// ```
public enum AtomicFile {
    /// Writes `data` to `url` atomically, replacing any existing file.
    ///
    /// - Parameters:
    ///   - data: the complete new contents.
    ///   - url: the destination file. Its folder must exist.
    ///   - permissions: the POSIX mode of the new file (default 0644; secrets use 0600).
    /// - Throws: ``AtomicFileError`` if the temporary file cannot be created, written or renamed.
    public static func write(_ data: Data, to url: URL, permissions: UInt16 = 0o644) throws(AtomicFileError) {
        let path = url.path
        let temporaryPath = try writeTemporary(data, for: url, permissions: permissions)
        guard rename(temporaryPath, path) == 0 else {
            let reason = lastError()
            unlink(temporaryPath)
            throw AtomicFileError(path: path, reason: reason)
        }
        try syncFolder(of: url)
    }

    /// Creates `url` with `data`, failing if a file (or anything else) already has that name.
    ///
    /// The complete contents are written and flushed to a temporary file first, then hard-linked
    /// to the destination: `link(2)` never replaces an existing name, so of two processes
    /// creating the same file at once exactly one succeeds and the other's data is discarded.
    /// On file systems without hard links it falls back to `open(O_CREAT | O_EXCL)`.
    ///
    /// - Parameters:
    ///   - data: the complete contents.
    ///   - url: the destination file. Its folder must exist.
    ///   - permissions: the POSIX mode of the new file (default 0644; secrets use 0600).
    /// - Throws: ``AtomicFileError`` with ``AtomicFileError/fileExists`` set when the name is
    ///   taken, or another ``AtomicFileError`` when writing fails; nothing is left behind.
    public static func create(_ data: Data, at url: URL, permissions: UInt16 = 0o644) throws(AtomicFileError) {
        let path = url.path
        let temporaryPath = try writeTemporary(data, for: url, permissions: permissions)
        defer { unlink(temporaryPath) }
        if link(temporaryPath, path) != 0 {
            let code = errno
            if code == EEXIST { throw AtomicFileError(path: path, reason: "the file already exists", fileExists: true) }
            guard code == EPERM || code == ENOTSUP || code == EOPNOTSUPP || code == EXDEV else {
                throw AtomicFileError(path: path, reason: String(cString: strerror(code)))
            }
            try createExclusively(data, at: path, permissions: permissions)
        }
        try syncFolder(of: url)
    }

    /// Writes UTF-8 text atomically; see ``write(_:to:permissions:)``.
    public static func write(_ text: String, to url: URL, permissions: UInt16 = 0o644) throws(AtomicFileError) {
        try write(Data(text.utf8), to: url, permissions: permissions)
    }

    /// Flushes the folder holding `url` to disk (so a rename or link into it is durable).
    ///
    /// - Parameter url: a file in the folder.
    /// - Throws: ``AtomicFileError`` if the folder cannot be opened or flushed.
    public static func syncFolder(of url: URL) throws(AtomicFileError) {
        let directory = url.deletingLastPathComponent().path
        let folder = directory.isEmpty ? "." : directory
        let fd = open(folder, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { throw AtomicFileError(path: folder, reason: lastError()) }
        defer { close(fd) }
        // Some file systems refuse fsync on a directory (EINVAL); the data itself is already synced.
        if fsync(fd) != 0, errno != EINVAL {
            throw AtomicFileError(path: folder, reason: lastError())
        }
    }

    /// Writes `data` to a fresh temporary file next to `url` (mode `permissions`), flushed and
    /// closed; returns its path. The temporary file is removed on failure.
    private static func writeTemporary(_ data: Data, for url: URL, permissions: UInt16) throws(AtomicFileError) -> String {
        let path = url.path
        let directory = url.deletingLastPathComponent().path
        // mkstemp replaces the trailing six "X" characters with a unique suffix.
        let suffix = String(repeating: "X", count: 6)
        var template = Array("\(directory.isEmpty ? "." : directory)/.\(url.lastPathComponent).tmp-\(suffix)".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            return mkstemp(base)
        }
        guard fd >= 0 else { throw AtomicFileError(path: path, reason: lastError()) }
        let temporaryPath = template.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.map { String(cString: $0) } ?? ""
        }
        var succeeded = false
        defer {
            if !succeeded { unlink(temporaryPath) }
        }
        guard fchmod(fd, mode_t(permissions)) == 0 else {
            let reason = lastError()
            close(fd)
            throw AtomicFileError(path: path, reason: reason)
        }
        if let writeError = writeAll(data, to: fd) {
            close(fd)
            throw AtomicFileError(path: path, reason: writeError)
        }
        guard fullSync(fd) == 0 else {
            let reason = lastError()
            close(fd)
            throw AtomicFileError(path: path, reason: reason)
        }
        guard close(fd) == 0 else { throw AtomicFileError(path: path, reason: lastError()) }
        succeeded = true
        return temporaryPath
    }

    /// The fallback of ``create(_:at:permissions:)``: `open(O_CREAT | O_EXCL)` and write in place.
    private static func createExclusively(_ data: Data, at path: String, permissions: UInt16) throws(AtomicFileError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode_t(permissions))
        guard fd >= 0 else {
            let code = errno
            throw AtomicFileError(path: path, reason: String(cString: strerror(code)), fileExists: code == EEXIST)
        }
        var ok = fchmod(fd, mode_t(permissions)) == 0 && writeAll(data, to: fd) == nil && fullSync(fd) == 0
        let reason = ok ? "" : lastError()
        ok = close(fd) == 0 && ok
        if !ok {
            unlink(path)
            throw AtomicFileError(path: path, reason: reason.isEmpty ? lastError() : reason)
        }
    }

    /// Writes every byte of `data` to `fd`, retrying on EINTR; returns the reason on failure.
    private static func writeAll(_ data: Data, to fd: Int32) -> String? {
        data.withUnsafeBytes { raw -> String? in
            guard let base = raw.baseAddress else { return nil }
            var offset = 0
            while offset < raw.count {
                let written = systemWrite(fd, base + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return lastError()
                }
                offset += written
            }
            return nil
        }
    }

    /// Flushes `fd` to stable storage: `F_FULLFSYNC` on Apple platforms (where `fsync` only
    /// reaches the drive's cache), `fsync` elsewhere.
    private static func fullSync(_ fd: Int32) -> Int32 {
        #if canImport(Darwin) && !canImport(Glibc)
        if fcntl(fd, F_FULLFSYNC) == 0 { return 0 }
        #endif
        return fsync(fd)
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}

#if canImport(Glibc)
/// `write(2)`, spelled through the platform module so `Data.write` cannot shadow it.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { Glibc.write(fd, buffer, count) }
#elseif canImport(Darwin)
/// `write(2)`, spelled through the platform module so `Data.write` cannot shadow it.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { Darwin.write(fd, buffer, count) }
#endif

/// A failed atomic write: the destination is unchanged.
public struct AtomicFileError: ClassifiedError, Equatable {
    /// The destination path.
    public let path: String
    /// The operating system's reason.
    public let reason: String
    /// Whether ``AtomicFile/create(_:at:permissions:)`` failed because the name was taken.
    public let fileExists: Bool

    /// Describes a failed write of `path`.
    ///
    /// - Parameters:
    ///   - path: the destination.
    ///   - reason: the operating system's reason.
    ///   - fileExists: whether the destination already existed (no-replace creation).
    public init(path: String, reason: String, fileExists: Bool = false) {
        self.path = path
        self.reason = reason
        self.fileExists = fileExists
    }

    public var category: ErrorCategory { fileExists ? .usage : .ioError }
    public var description: String { "\(path): cannot write the file (\(reason))" }
    public var hint: String? {
        fileExists ? "choose another name; existing files are never replaced" : "check that the folder exists and is writable"
    }
}
