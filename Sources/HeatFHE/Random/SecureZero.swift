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
package func secureZero(_ buffer: UnsafeMutableRawBufferPointer) {
    guard let base = buffer.baseAddress, buffer.count > 0 else { return }
    #if canImport(Glibc)
    explicit_bzero(base, buffer.count)
    #else
    _ = memset_s(base, buffer.count, 0, buffer.count)
    #endif
}

extension PolyRq {
    /// Overwrites the residues with zeros in place (for temporaries holding `s`, `u` or errors).
    ///
    /// Wipes the buffer this value references; when another value shares it (copy-on-write), the
    /// write makes a private copy first and wipes that, so call it only on values you own.
    mutating func wipe() { data.withUnsafeMutableBytes { secureZero($0) } }
}

extension Array where Element: FixedWidthInteger {
    /// Overwrites the elements with zeros in place (for temporaries holding secret coefficients).
    mutating func wipe() { withUnsafeMutableBytes { secureZero($0) } }
}
