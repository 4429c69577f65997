import Crypto
import Foundation

/// A 32-byte parameter fingerprint: the SHA-256 of an object's canonical parameters.
///
/// Envelopes carry the fingerprint of the parameters their payload was made for, so a key made
/// for other parameters is rejected before its payload is parsed. Objects that depend on no
/// parameters use ``Fingerprint/none`` (all zeros).
///
/// ```swift
/// let fingerprint = Fingerprint(hashing: canonicalParameterBytes)
/// print(fingerprint.hex)   // 64 lower-case hex digits
/// ```
public struct Fingerprint: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The 32 bytes of the fingerprint.
    public let bytes: [UInt8]

    /// The all-zero fingerprint, used where no parameters apply.
    public static let none = Fingerprint(uncheckedBytes: [UInt8](repeating: 0, count: 32))

    /// The byte length of every fingerprint.
    public static let byteCount = 32

    /// Creates a fingerprint from exactly 32 bytes.
    ///
    /// - Parameter bytes: the fingerprint bytes.
    /// - Returns: `nil` if `bytes` is not 32 bytes long.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = bytes
    }

    init(uncheckedBytes: [UInt8]) { self.bytes = uncheckedBytes }

    /// Creates the fingerprint of `canonicalBytes` (their SHA-256).
    ///
    /// - Parameter canonicalBytes: the canonical encoding of the parameters.
    public init<D: DataProtocol>(hashing canonicalBytes: D) {
        self.bytes = Array(SHA256.hash(data: canonicalBytes))
    }

    /// Whether this is the all-zero ``none`` fingerprint.
    public var isNone: Bool { bytes.allSatisfy { $0 == 0 } }

    /// The fingerprint as 64 lower-case hexadecimal digits.
    public var hex: String { Hex.encode(bytes) }

    public var description: String { isNone ? "none" : hex }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let raw = Hex.decode(text), raw.count == Self.byteCount else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "a fingerprint is 64 hexadecimal digits, got \"\(text)\"")
        }
        self.bytes = raw
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}

/// Lower-case hexadecimal encoding and decoding of byte strings.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Encodes bytes as lower-case hexadecimal.
    ///
    /// - Parameter bytes: the bytes to encode.
    /// - Returns: two hex digits per byte.
    public static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes hexadecimal text (either case).
    ///
    /// - Parameter text: an even number of hex digits.
    /// - Returns: the bytes, or `nil` if `text` is not valid hex.
    public static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = value(utf8[index]), let low = value(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
