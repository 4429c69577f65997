import Foundation
import HeatEnvelope
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// A read-only memory mapping of a file whose pages already read can be dropped from the
/// resident set while the rest is still being read.
///
/// The pages of a read-only file mapping are backed by the file: ``dropPages(before:)`` tells
/// the kernel they are not needed (`madvise(MADV_DONTNEED)`), so they stop counting in the
/// process's resident memory, and a later access (a verbatim write-back of a record, a re-read)
/// reads them from the file again, with the same bytes. ``ColumnarReader`` drops the pages behind
/// its position every ``ColumnarReader/releaseStride`` bytes, so loading a CSV holds at most that
/// much of the file in memory besides the values it produces.
///
/// ```swift
/// let file = try MappedFile(url: URL(filePath: "big.csv"))
/// let table = try ColumnarReader.read(mapped: file, file: "big.csv")
/// ```
public final class MappedFile: @unchecked Sendable {
    /// The file's bytes (no copy; the mapping ends when the last copy of `data` is released).
    public let data: Data
    /// The start of the mapping (`nil` for an empty file, which is not mapped).
    private let base: UnsafeMutableRawPointer?
    /// The mapped length.
    private let length: Int

    /// Maps a file.
    ///
    /// - Parameter url: the file.
    /// - Throws: ``TabularError/missingFile(path:)``, ``TabularError/unreadableFile(path:reason:)``
    ///   (naming the system error) when it cannot be opened or mapped.
    public init(url: URL) throws(TabularError) {
        let path = url.path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT { throw .missingFile(path: path) }
            throw .unreadableFile(path: path, reason: String(cString: strerror(code)))
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .unreadableFile(path: path, reason: String(cString: strerror(errno))) }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw .unreadableFile(path: path, reason: "it is not a regular file") }
        length = Int(status.st_size)
        guard length > 0 else {
            base = nil
            data = Data()
            return
        }
        guard let mapped = mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, 0), mapped != MAP_FAILED else {
            throw .unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        base = mapped
        let size = length
        data = Data(bytesNoCopy: mapped, count: length, deallocator: .custom { pointer, _ in munmap(pointer, size) })
    }

    /// Drops the whole pages of bytes `0 ..< offset` from the resident set (they are read from
    /// the file again if touched).
    ///
    /// - Parameter offset: a byte offset (clamped to the file's length).
    public func dropPages(before offset: Int) {
        guard let base else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let end = min(offset, length) / page * page
        guard end > 0 else { return }
        _ = madvise(base, end, Int32(MADV_DONTNEED))
    }
}
