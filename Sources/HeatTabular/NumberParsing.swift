#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// What one cell holds, as seen by the numeric parser.
public enum CellValue: Sendable, Equatable {
    /// A finite decimal number.
    case number(Double)
    /// An empty cell or one of the missing tokens (`NA`, `N/A`, `NaN`, `null`, ...).
    case missing
    /// `inf`, `-Infinity` or a decimal too large for a `Double` (`1e400`).
    case infinite
    /// Anything else: text, hexadecimal (`0x1A`), thousands separators, ...
    case text
}

/// Byte-level parsing of decimal numbers, without creating a `String`.
///
/// Accepts `[+-]? (digits [. digits*] | . digits) ([eE] [+-]? digits)?` after trimming spaces and
/// tabs. Hexadecimal (`0x1A`), hexadecimal floats, `nan` spelled as a number and thousands
/// separators are refused (they are ``CellValue/text``). Values with at most 19 significant digits
/// and a decimal exponent within ±22 are computed exactly with one multiplication or division
/// (Clinger's fast path); other values go through the C library's `strtod`, so every result is
/// the correctly rounded `Double`.
///
/// ```swift
/// let value = "12.5".utf8.withContiguousStorageIfAvailable { DecimalParser.parse($0) }
/// // .number(12.5)
/// ```
public enum DecimalParser {
    /// Exact powers of ten representable in a `Double`.
    @usableFromInline static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// Flags describing the text of a parsed number (used by type inference).
    public struct Shape: Sendable, Equatable {
        /// Only ASCII digits (no sign, point or exponent).
        public var digitsOnly: Bool
        /// Digits only, more than one, the first a `0` (`007`): the look of a zero-padded identifier.
        public var zeroPadded: Bool
    }

    /// Parses trimmed bytes as a cell.
    ///
    /// - Parameters:
    ///   - bytes: the cell bytes (spaces and tabs around are ignored).
    ///   - missing: the tokens read as missing (default ``MissingTokens/standard``).
    /// - Returns: the cell's value.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, missing: MissingTokens = .standard) -> CellValue {
        parseWithShape(bytes, missing: missing).value
    }

    /// Parses trimmed bytes and reports the number's shape.
    ///
    /// - Parameters:
    ///   - bytes: the cell bytes.
    ///   - missing: the missing tokens.
    /// - Returns: the value and, for a number, its shape.
    public static func parseWithShape(_ bytes: UnsafeBufferPointer<UInt8>, missing: MissingTokens) -> (value: CellValue, shape: Shape) {
        var lower = 0
        var upper = bytes.count
        while lower < upper, bytes[lower] == 0x20 || bytes[lower] == 0x09 { lower += 1 }
        while upper > lower, bytes[upper - 1] == 0x20 || bytes[upper - 1] == 0x09 { upper -= 1 }
        let noShape = Shape(digitsOnly: false, zeroPadded: false)
        if lower == upper { return (.missing, noShape) }
        let trimmed = UnsafeBufferPointer(rebasing: bytes[lower..<upper])
        if let value = decimal(trimmed) { return value }
        if missing.contains(trimmed) { return (.missing, noShape) }
        if isInfinityToken(trimmed) { return (.infinite, noShape) }
        return (.text, noShape)
    }

    /// The decimal syntax and value, or `nil` when the bytes are not a decimal number.
    @inline(__always)
    static func decimal(_ b: UnsafeBufferPointer<UInt8>) -> (value: CellValue, shape: Shape)? {
        let n = b.count
        var i = 0
        var negative = false
        if b[0] == UInt8(ascii: "-") || b[0] == UInt8(ascii: "+") {
            negative = b[0] == UInt8(ascii: "-")
            i = 1
        }
        var mantissa: UInt64 = 0
        var significant = 0          // significant digits accumulated (leading zeros excluded)
        var dropped = 0              // integer digits beyond 19 significant ones
        var exponent = 0
        var digits = 0
        var sawPoint = false
        let first = i
        while i < n {
            let c = b[i]
            if c >= 0x30 && c <= 0x39 {
                digits += 1
                if mantissa == 0 && c == 0x30 {
                    if sawPoint { exponent -= 1 }
                } else if significant < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(c &- 0x30)
                    significant += 1
                    if sawPoint { exponent -= 1 }
                } else {
                    if !sawPoint { dropped += 1 }
                    significant += 1
                }
                i += 1
            } else if c == UInt8(ascii: ".") && !sawPoint {
                sawPoint = true
                i += 1
            } else {
                break
            }
        }
        guard digits > 0 else { return nil }
        let digitsOnly = !sawPoint && first == 0 && i == n
        var explicitExponent = 0
        if i < n {
            guard b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") else { return nil }
            i += 1
            var exponentNegative = false
            if i < n, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") {
                exponentNegative = b[i] == UInt8(ascii: "-")
                i += 1
            }
            guard i < n else { return nil }
            while i < n {
                let c = b[i]
                guard c >= 0x30 && c <= 0x39 else { return nil }
                if explicitExponent < 100_000 { explicitExponent = explicitExponent * 10 + Int(c - 0x30) }
                i += 1
            }
            if exponentNegative { explicitExponent = -explicitExponent }
        }
        let shape = Shape(digitsOnly: digitsOnly, zeroPadded: digitsOnly && n > 1 && b[0] == 0x30)
        let totalExponent = exponent + dropped + explicitExponent
        var value: Double
        if significant <= 19, mantissa <= (1 << 53), totalExponent >= -22, totalExponent <= 22 {
            value = Double(mantissa)
            if totalExponent < 0 { value /= powersOfTen[-totalExponent] } else { value *= powersOfTen[totalExponent] }
            if negative { value = -value }
        } else if mantissa == 0 {
            value = negative ? -0.0 : 0
        } else {
            value = slowParse(b)
        }
        return (value.isFinite ? .number(value) : .infinite, shape)
    }

    /// `strtod` on a NUL-terminated copy of already validated decimal text.
    static func slowParse(_ b: UnsafeBufferPointer<UInt8>) -> Double {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: b.count + 1) { buffer in
            for k in 0..<b.count { buffer[k] = CChar(bitPattern: b[k]) }
            buffer[b.count] = 0
            return strtod(buffer.baseAddress!, nil)
        }
    }

    /// `inf`, `infinity`, with an optional sign, any case.
    static func isInfinityToken(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var start = 0
        if b.first == UInt8(ascii: "-") || b.first == UInt8(ascii: "+") { start = 1 }
        let rest = UnsafeBufferPointer(rebasing: b[start...])
        return MissingTokens.equalsIgnoringCase(rest, "inf") || MissingTokens.equalsIgnoringCase(rest, "infinity")
    }
}
