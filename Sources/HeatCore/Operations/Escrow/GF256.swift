/// Arithmetic in the finite field GF(2^8) used by ``ShamirSecretSharing``.
///
/// Elements are bytes; addition and subtraction are XOR; multiplication is modulo the AES
/// polynomial x^8 + x^4 + x^3 + x + 1 (0x11B), computed through exponent and logarithm tables
/// for the generator 3 (a primitive element of this field). The tables are built once, from
/// the definition, at first use.
///
/// ```swift
/// GF256.multiply(0x57, 0x83)   // 0xC1 (FIPS-197, section 4.2)
/// ```
enum GF256 {
    /// `exp[i] = 3^i`, for `i` in `0..<510` (doubled so a sum of two logarithms needs no reduction).
    static let exp: [UInt8] = tables.exp
    /// `log[a]` for `a` in `1...255` (`log[0]` is unused).
    static let log: [UInt8] = tables.log

    private static var tables: (exp: [UInt8], log: [UInt8]) {
        var exp = [UInt8](repeating: 0, count: 510)
        var log = [UInt8](repeating: 0, count: 256)
        var x: UInt16 = 1
        for i in 0..<255 {
            exp[i] = UInt8(x)
            log[Int(x)] = UInt8(i)
            // x * 3 = x * 2 xor x, with x * 2 reduced modulo 0x11B.
            var doubled = x << 1
            if doubled & 0x100 != 0 { doubled ^= 0x11B }
            x = doubled ^ x
        }
        for i in 255..<510 { exp[i] = exp[i - 255] }
        return (exp, log)
    }

    /// The product `a * b` in GF(2^8).
    @inline(__always)
    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        if a == 0 || b == 0 { return 0 }
        return exp[Int(log[Int(a)]) + Int(log[Int(b)])]
    }

    /// The multiplicative inverse of a non-zero `a` (`nil` for zero, which has none).
    static func inverse(_ a: UInt8) -> UInt8? {
        a == 0 ? nil : exp[255 - Int(log[Int(a)])]
    }

    /// The schoolbook (carry-less, bit by bit) product, independent of the tables: the reference
    /// the tests compare ``multiply(_:_:)`` with.
    static func referenceMultiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        var a = UInt16(a)
        var b = b
        var product: UInt16 = 0
        while b != 0 {
            if b & 1 != 0 { product ^= a }
            a <<= 1
            if a & 0x100 != 0 { a ^= 0x11B }
            b >>= 1
        }
        return UInt8(product)
    }
}
