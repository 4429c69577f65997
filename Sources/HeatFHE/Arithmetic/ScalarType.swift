/// The machine word a ``Modulus`` and every residue of a polynomial is stored in.
///
/// Two conformances exist: `UInt32` for moduli below 2^30 (half the memory and faster
/// multiplication, used by the N=4096 preset) and `UInt64` for moduli below 2^62. The two
/// spare bits let the NTT keep values lazily in `[0, 4q)` without overflow (see ``NTTPlan``).
///
/// ```swift
/// let q = try Modulus<UInt32>(134176769)   // a 27-bit prime, q = 1 mod 8192
/// ```
public protocol ScalarType: FixedWidthInteger, UnsignedInteger, Sendable, Hashable, Codable
where Magnitude == Self {
    /// The largest number of bits a modulus of this scalar may have (30 or 62).
    static var maxModulusBits: Int { get }
}

extension UInt32: ScalarType {
    /// Moduli stored in `UInt32` are below 2^30.
    public static var maxModulusBits: Int { 30 }
}

extension UInt64: ScalarType {
    /// Moduli stored in `UInt64` are below 2^62.
    public static var maxModulusBits: Int { 62 }
}
