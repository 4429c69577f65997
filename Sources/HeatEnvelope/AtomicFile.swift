#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Writes files atomically: the data goes to a temporary file in the destination's folder,
/// is flushed to disk, and is then renamed over the destination.
///
/// A reader therefore sees either the old file or the complete new one, never half of it.
///
/// ```swift
/// try AtomicFile.write(Data("hello".utf8), to: URL(filePath: "out/greeting.txt"))
/// ```
public enum AtomicFile {
    /// Writes `data` to `url` atomically.
    ///
    /// - Parameters:
    ///   - data: the complete new contents.
    ///   - url: the destination file. Its folder must exist.
    ///   - permissions: the POSIX mode of the new file (default 0644; secrets use 0600).
    /// - Throws: ``AtomicFileError`` if the temporary file cannot be created, written or renamed.
    public static func write(_ data: Data, to url: URL, permissions: UInt16 = 0o644) throws(AtomicFileError) {
        let path = url.path
        let directory = url.deletingLastPathComponent().path
        // mkstemp replaces the trailing six "X" characters with a unique suffix.
        let suffix = String(repeating: "X", count: 6)
        var template = Array("\(directory.isEmpty ? "." : directory)/.\(url.lastPathComponent).tmp-\(suffix)".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw AtomicFileError(path: path, reason: String(cString: strerror(errno))) }
        let temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var succeeded = false
        defer {
            if !succeeded { unlink(temporaryPath) }
        }
        guard fchmod(fd, mode_t(permissions)) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw AtomicFileError(path: path, reason: reason)
        }
        let writeError: String? = data.withUnsafeBytes { raw -> String? in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                offset += written
            }
            return nil
        }
        if let writeError {
            close(fd)
            throw AtomicFileError(path: path, reason: writeError)
        }
        guard fsync(fd) == 0, close(fd) == 0 else {
            throw AtomicFileError(path: path, reason: String(cString: strerror(errno)))
        }
        guard rename(temporaryPath, path) == 0 else {
            throw AtomicFileError(path: path, reason: String(cString: strerror(errno)))
        }
        succeeded = true
    }

    /// Writes UTF-8 text atomically; see ``write(_:to:permissions:)``.
    public static func write(_ text: String, to url: URL, permissions: UInt16 = 0o644) throws(AtomicFileError) {
        try write(Data(text.utf8), to: url, permissions: permissions)
    }
}

/// A failed atomic write: the destination is unchanged.
public struct AtomicFileError: ClassifiedError, Equatable {
    /// The destination path.
    public let path: String
    /// The operating system's reason.
    public let reason: String

    /// Describes a failed write of `path`.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var category: ErrorCategory { .ioError }
    public var description: String { "\(path): cannot write the file (\(reason))" }
    public var hint: String? { "check that the folder exists and is writable" }
}
