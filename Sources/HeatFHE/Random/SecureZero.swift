#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Overwrites secret memory with zeros in a way the optimizer may not remove (`explicit_bzero`
/// on Linux, `memset_s` on Apple platforms).
///
/// - Parameter buffer: the bytes to wipe; an empty buffer is a no-op.
@usableFromInline
func secureZero(_ buffer: UnsafeMutableRawBufferPointer) {
    guard let base = buffer.baseAddress, buffer.count > 0 else { return }
    #if canImport(Glibc)
    explicit_bzero(base, buffer.count)
    #else
    _ = memset_s(base, buffer.count, 0, buffer.count)
    #endif
}
