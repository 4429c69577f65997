import CGMP

/// An arbitrary-precision signed integer backed by GMP.
///
/// `BigInt` is a `final class` that owns one heap-allocated `mpz_t`: it is initialised in
/// `init` and cleared and freed in `deinit`. Every operator returns a *new* object, so an
/// expression such as `a * a` never passes the same `mpz_t` as both input and output in a way
/// that could alias a result, and an instance is never mutated after its initializer returns
/// (which is why it is `@unchecked Sendable`).
///
/// HeatFHE uses it where speed does not matter and exactness does: CRT composition, prime
/// generation, parameter validation and reference arithmetic in tests.
///
/// Division semantics:
/// - `/` truncates toward zero (C and Swift `Int` semantics): `-7 / 2 == -3`.
/// - `%` is the remainder of `/`, with the sign of the dividend: `-7 % 2 == -1`.
/// - ``floorDivided(by:)`` rounds toward negative infinity and ``modulo(_:)`` returns the
///   matching non-negative remainder in `[0, |m|)`: `(-7).modulo(2) == 1`.
///
/// ```swift
/// let p = BigInt(2).power(127) - 1
/// assert(p.isProbablePrime())
/// assert((BigInt(3) * BigInt(5)).description == "15")
/// ```
public final class BigInt: @unchecked Sendable {
    @usableFromInline let value: UnsafeMutablePointer<__mpz_struct>

    /// Creates zero.
    public init() {
        value = UnsafeMutablePointer<__mpz_struct>.allocate(capacity: 1)
        cgmp_init(value)
    }

    /// Creates a fresh object and lets `body` set its value (the only place an object is mutated).
    @usableFromInline init(_ body: (UnsafeMutablePointer<__mpz_struct>) -> Void) {
        value = UnsafeMutablePointer<__mpz_struct>.allocate(capacity: 1)
        cgmp_init(value)
        body(value)
    }

    deinit {
        cgmp_clear(value)
        value.deallocate()
    }

    /// Creates an integer equal to a signed machine integer.
    ///
    /// - Parameter int: the value.
    public convenience init(_ int: Int) {
        self.init { cgmp_set_si($0, int) }
    }

    /// Creates an integer equal to an unsigned 64-bit integer.
    ///
    /// - Parameter uint: the value.
    public convenience init(_ uint: UInt64) {
        self.init { cgmp_set_ui($0, UInt(uint)) }
    }

    /// Creates an integer equal to any unsigned fixed-width integer of at most 64 bits.
    ///
    /// - Parameter scalar: the value, for example a `UInt32` residue.
    public convenience init<T: FixedWidthInteger & UnsignedInteger>(scalar: T) {
        self.init(UInt64(scalar))
    }

    /// Parses an integer in the given base.
    ///
    /// Accepts an optional leading `-`, then digits of `radix` (case-insensitive for hex).
    /// Unlike GMP's own parser it rejects whitespace, prefixes such as `0x`, and empty text.
    ///
    /// ```swift
    /// BigInt("-123")?.description            // "-123"
    /// BigInt("ff", radix: 16)?.description   // "255"
    /// ```
    ///
    /// - Parameters:
    ///   - text: the digits.
    ///   - radix: the base, 2 to 36 (default 10).
    /// - Returns: `nil` if `text` is not a valid integer in `radix`.
    public convenience init?(_ text: String, radix: Int = 10) {
        guard (2...36).contains(radix) else { return nil }
        var digits = Substring(text)
        if digits.first == "-" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ Self.digitValue($0).map { $0 < radix } ?? false })
        else { return nil }
        var status: Int32 = -1
        self.init { pointer in status = text.withCString { cgmp_set_str(pointer, $0, Int32(radix)) } }
        guard status == 0 else { return nil }
    }

    /// The value of one ASCII digit (`0-9`, `a-z`, `A-Z`), or `nil`.
    static func digitValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): Int(byte - UInt8(ascii: "A")) + 10
        default: nil
        }
    }

    // MARK: - Conversion

    /// The decimal representation, with a leading `-` when negative.
    public var description: String { toString(radix: 10) }

    /// The representation in `radix` (2...36; lower-case letters), with a leading `-` when negative.
    ///
    /// - Parameter radix: the base (default 10).
    /// - Returns: the digits.
    public func toString(radix: Int = 10) -> String {
        precondition((2...36).contains(radix), "radix must be in 2...36")
        guard let chars = cgmp_get_str(Int32(radix), value) else { return "" }
        defer { cgmp_free_str(chars) }
        return String(cString: chars)
    }

    /// The lower-case hexadecimal representation (no `0x` prefix), `-` first when negative.
    public var hexDescription: String { toString(radix: 16) }

    /// The value as `UInt64`, or `nil` if it is negative or does not fit.
    public var uint64Value: UInt64? {
        guard cgmp_sgn(value) >= 0, cgmp_fits_ulong(value) != 0 else { return nil }
        return UInt64(cgmp_get_ui(value))
    }

    /// The value as `Int`, or `nil` if it does not fit.
    public var intValue: Int? {
        guard cgmp_fits_slong(value) != 0 else { return nil }
        return cgmp_get_si(value)
    }

    /// The number of bits of `|self|` (0 for zero): `2^(bitWidth-1) <= |self| < 2^bitWidth`.
    public var bitWidth: Int {
        cgmp_sgn(value) == 0 ? 0 : Int(cgmp_sizeinbase(value, 2))
    }

    /// The sign: -1, 0 or 1.
    public var signum: Int { Int(cgmp_sgn(value)) }

    /// Whether the value is zero.
    public var isZero: Bool { cgmp_sgn(value) == 0 }

    /// The value modulo `m` as a `UInt64` in `[0, m)`.
    ///
    /// - Parameter m: a positive modulus that fits in 64 bits.
    /// - Returns: the non-negative residue.
    public func residue(modulo m: UInt64) -> UInt64 {
        precondition(m > 0, "modulus must be positive")
        return UInt64(cgmp_fdiv_ui(value, UInt(m)))
    }

    // MARK: - Arithmetic

    /// The sum of two integers.
    public static func + (lhs: BigInt, rhs: BigInt) -> BigInt { BigInt { cgmp_add($0, lhs.value, rhs.value) } }
    /// The difference of two integers.
    public static func - (lhs: BigInt, rhs: BigInt) -> BigInt { BigInt { cgmp_sub($0, lhs.value, rhs.value) } }
    /// The product of two integers.
    public static func * (lhs: BigInt, rhs: BigInt) -> BigInt { BigInt { cgmp_mul($0, lhs.value, rhs.value) } }
    /// The negation of an integer.
    public static prefix func - (operand: BigInt) -> BigInt { BigInt { cgmp_neg($0, operand.value) } }

    /// The quotient truncated toward zero (`-7 / 2 == -3`). The divisor must not be zero.
    public static func / (lhs: BigInt, rhs: BigInt) -> BigInt {
        precondition(!rhs.isZero, "division by zero")
        return BigInt { cgmp_tdiv_q($0, lhs.value, rhs.value) }
    }

    /// The remainder of truncating division, with the dividend's sign (`-7 % 2 == -1`).
    public static func % (lhs: BigInt, rhs: BigInt) -> BigInt {
        precondition(!rhs.isZero, "division by zero")
        return BigInt { cgmp_tdiv_r($0, lhs.value, rhs.value) }
    }

    /// The quotient rounded toward negative infinity (`(-7).floorDivided(by: 2) == -4`).
    ///
    /// - Parameter divisor: a non-zero divisor.
    /// - Returns: `floor(self / divisor)`.
    public func floorDivided(by divisor: BigInt) -> BigInt {
        precondition(!divisor.isZero, "division by zero")
        return BigInt { cgmp_fdiv_q($0, value, divisor.value) }
    }

    /// The non-negative remainder in `[0, |m|)` (`(-7).modulo(2) == 1`).
    ///
    /// - Parameter m: a non-zero modulus.
    /// - Returns: the least non-negative residue of `self` modulo `m`.
    public func modulo(_ m: BigInt) -> BigInt {
        precondition(!m.isZero, "division by zero")
        return BigInt { cgmp_mod($0, value, m.value) }
    }

    /// The absolute value.
    public var magnitude: BigInt { BigInt { cgmp_abs($0, value) } }

    /// `self` raised to a non-negative machine-integer power.
    ///
    /// - Parameter exponent: the exponent (`0` gives 1).
    /// - Returns: `self^exponent`.
    public func power(_ exponent: Int) -> BigInt {
        precondition(exponent >= 0, "exponent must be non-negative")
        return BigInt { cgmp_pow_ui($0, value, UInt(exponent)) }
    }

    /// `self * 2^bits`.
    ///
    /// - Parameter bits: the shift, non-negative.
    /// - Returns: the shifted value.
    public func shiftedLeft(by bits: Int) -> BigInt {
        precondition(bits >= 0, "shift must be non-negative")
        return BigInt { cgmp_mul_2exp($0, value, UInt(bits)) }
    }

    /// Modular exponentiation `self^exponent mod modulus`, in `[0, modulus)`.
    ///
    /// ```swift
    /// BigInt(4).power(13, modulo: BigInt(497))   // 445
    /// ```
    ///
    /// - Parameters:
    ///   - exponent: a non-negative exponent.
    ///   - modulus: a positive modulus.
    /// - Returns: the residue.
    public func power(_ exponent: BigInt, modulo modulus: BigInt) -> BigInt {
        precondition(exponent.signum >= 0, "exponent must be non-negative")
        precondition(modulus.signum > 0, "modulus must be positive")
        return BigInt { cgmp_powm($0, value, exponent.value, modulus.value) }
    }

    /// The inverse of `self` modulo `modulus`, in `[0, modulus)`.
    ///
    /// ```swift
    /// BigInt(3).inverse(modulo: BigInt(11))   // 4, since 3 * 4 = 12 = 1 mod 11
    /// ```
    ///
    /// - Parameter modulus: a modulus greater than 1.
    /// - Returns: the inverse, or `nil` when `gcd(self, modulus) != 1`.
    public func inverse(modulo modulus: BigInt) -> BigInt? {
        precondition(modulus > BigInt(1), "modulus must be greater than 1")
        var exists: Int32 = 0
        let result = BigInt { exists = cgmp_invert($0, value, modulus.value) }
        return exists != 0 ? result : nil
    }

    /// The greatest common divisor (non-negative).
    ///
    /// - Parameter other: the other integer.
    /// - Returns: `gcd(self, other)`.
    public func gcd(_ other: BigInt) -> BigInt { BigInt { cgmp_gcd($0, value, other.value) } }

    /// Whether `self` is probably prime (GMP's Baillie-PSW plus `rounds` Miller-Rabin rounds).
    ///
    /// A composite passes with probability below `4^-rounds`; no composite is known to pass
    /// Baillie-PSW.
    ///
    /// - Parameter rounds: extra Miller-Rabin rounds (default 40).
    /// - Returns: `true` if prime or probably prime.
    public func isProbablePrime(rounds: Int = 40) -> Bool {
        cgmp_probab_prime_p(value, Int32(rounds)) > 0
    }

    /// Whether bit `index` of the two's-complement representation is set.
    ///
    /// - Parameter index: the bit position, 0 for the least significant bit.
    /// - Returns: the bit.
    public func testBit(_ index: Int) -> Bool { cgmp_tstbit(value, UInt(index)) != 0 }
}

extension BigInt: Comparable, Hashable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    /// Creates an integer from an integer literal.
    public convenience init(integerLiteral literal: Int) { self.init(literal) }

    /// Whether two integers are equal.
    public static func == (lhs: BigInt, rhs: BigInt) -> Bool { cgmp_cmp(lhs.value, rhs.value) == 0 }
    /// Whether `lhs` is less than `rhs`.
    public static func < (lhs: BigInt, rhs: BigInt) -> Bool { cgmp_cmp(lhs.value, rhs.value) < 0 }

    /// Hashes the value (equal integers hash equally).
    public func hash(into hasher: inout Hasher) { hasher.combine(toString(radix: 16)) }
}
