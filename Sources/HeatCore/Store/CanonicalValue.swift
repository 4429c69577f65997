import Crypto
import Foundation
import GRDB

/// One column value in the canonical encoding that the store's hash chains hash.
///
/// Each value is written as a 1-byte type tag, a UInt32 big-endian length and the value bytes
/// (`Docs/Storage.md`, "Canonical row bytes"):
///
/// | tag | type | bytes |
/// | --- | --- | --- |
/// | 0 | NULL | none (length 0) |
/// | 1 | INTEGER | 8 bytes, two's complement, big-endian |
/// | 2 | TEXT | UTF-8 |
/// | 3 | BLOB | the raw bytes |
///
/// ```swift
/// var bytes = [UInt8]()
/// CanonicalValue.integer(7).append(to: &bytes)   // 01 00000008 0000000000000007
/// ```
public enum CanonicalValue: Sendable, Hashable {
    /// SQL NULL.
    case null
    /// A 64-bit signed integer.
    case integer(Int64)
    /// UTF-8 text.
    case text(String)
    /// Raw bytes.
    case blob([UInt8])

    /// Appends the tag, length and value bytes to `bytes`.
    ///
    /// - Parameter bytes: the buffer that receives the encoding.
    public func append(to bytes: inout [UInt8]) {
        switch self {
        case .null:
            bytes.append(0)
            bytes.appendBigEndian(UInt32(0))
        case .integer(let value):
            bytes.append(1)
            bytes.appendBigEndian(UInt32(8))
            bytes.appendBigEndian(UInt64(bitPattern: value))
        case .text(let value):
            bytes.append(2)
            let utf8 = value.utf8
            bytes.appendBigEndian(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
        case .blob(let value):
            bytes.append(3)
            bytes.appendBigEndian(UInt32(value.count))
            bytes.append(contentsOf: value)
        }
    }

    /// The value as a GRDB statement argument.
    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let value): value.databaseValue
        case .text(let value): value.databaseValue
        case .blob(let value): Data(value).databaseValue
        }
    }

    /// The canonical form of a value read back from SQLite, or `nil` for a REAL (the store has no
    /// REAL columns, so a REAL is itself evidence of tampering).
    init?(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let int): self = .integer(int)
        case .string(let string): self = .text(string)
        case .blob(let data): self = .blob([UInt8](data))
        case .double: return nil
        }
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }
}
