/// Byte-level parsers for the value types of the input formats, used by the readers so that a
/// million rows parse without creating a `String` or a date formatter per value.
enum FieldParsing {
    /// Whether `bytes`, lower-cased (ASCII), equal `name`.
    static func equalsLowercased(_ bytes: UnsafeBufferPointer<UInt8>, _ name: StaticString) -> Bool {
        guard bytes.count == name.utf8CodeUnitCount else { return false }
        let pointer = name.utf8Start
        for k in 0..<bytes.count {
            var c = bytes[k]
            if c >= UInt8(ascii: "A"), c <= UInt8(ascii: "Z") { c += 32 }
            if c != pointer[k] { return false }
        }
        return true
    }

    /// The channel named by `bytes` (case-insensitive), or `nil`.
    static func channel(_ bytes: UnsafeBufferPointer<UInt8>) -> Channel? {
        if equalsLowercased(bytes, "call") { return .call }
        if equalsLowercased(bytes, "email") { return .email }
        if equalsLowercased(bytes, "meeting") { return .meeting }
        if equalsLowercased(bytes, "message") { return .message }
        return nil
    }

    /// The direction named by `bytes` (case-insensitive), or `nil`.
    static func direction(_ bytes: UnsafeBufferPointer<UInt8>) -> Direction? {
        if equalsLowercased(bytes, "inbound") { return .inbound }
        if equalsLowercased(bytes, "outbound") { return .outbound }
        return nil
    }

    /// The outcome of parsing a non-negative integer.
    enum IntegerResult: Equatable {
        case value(Int)
        case negative
        case invalid
        case tooLarge
    }

    /// Parses an optionally signed decimal integer (at most `limit`).
    static func nonNegativeInteger(_ bytes: UnsafeBufferPointer<UInt8>, limit: Int) -> IntegerResult {
        guard !bytes.isEmpty else { return .invalid }
        var index = 0
        var negative = false
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
            negative = bytes[0] == UInt8(ascii: "-")
            index = 1
        }
        guard index < bytes.count else { return .invalid }
        var value = 0
        var large = false
        while index < bytes.count {
            let c = bytes[index]
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return .invalid }
            if !large {
                value = value * 10 + Int(c - UInt8(ascii: "0"))
                if value > limit { large = true }
            }
            index += 1
        }
        if negative && (value != 0 || large) { return .negative }
        return large ? .tooLarge : .value(value)
    }

    /// Parses a plain decimal number (`12`, `0.5`, `-3.25`; no exponent), or `nil`.
    static func decimal(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        guard !bytes.isEmpty, bytes.count <= 32 else { return nil }
        var sawDigit = false
        var sawPoint = false
        for (k, c) in bytes.enumerated() {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): sawDigit = true
            case UInt8(ascii: "."): if sawPoint { return nil }; sawPoint = true
            case UInt8(ascii: "-"), UInt8(ascii: "+"): if k != 0 { return nil }
            default: return nil
            }
        }
        guard sawDigit else { return nil }
        return Double(String(decoding: bytes, as: UTF8.self))
    }

    /// Parses `YYYY-MM-DD`, or `nil`.
    static func date(_ b: UnsafeBufferPointer<UInt8>) -> CalendarDate? {
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
              let y = digits(b, 0, 4), let m = digits(b, 5, 2), let d = digits(b, 8, 2) else { return nil }
        return CalendarDate(year: y, month: m, day: d)
    }

    /// Parses the common ISO-8601 forms `YYYY-MM-DDTHH:MM[:SS[.fff]](Z|±HH:MM|±HHMM|±HH)`
    /// directly from bytes; returns `nil` for anything else (the caller then falls back to
    /// ``UTCTimestamp/init(iso8601:)`` for the precise error).
    static func timestamp(_ b: UnsafeBufferPointer<UInt8>) -> UTCTimestamp? {
        let n = b.count
        guard n >= 17, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
              b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: " ") || b[10] == UInt8(ascii: "t"),
              b[13] == UInt8(ascii: ":"),
              let y = digits(b, 0, 4), let mo = digits(b, 5, 2), let d = digits(b, 8, 2),
              let h = digits(b, 11, 2), let mi = digits(b, 14, 2),
              let date = CalendarDate(year: y, month: mo, day: d), h <= 23, mi <= 59 else { return nil }
        var i = 16
        var s = 0
        if i < n, b[i] == UInt8(ascii: ":") {
            guard i + 3 <= n, let sec = digits(b, i + 1, 2), sec <= 60 else { return nil }
            s = min(sec, 59)
            i += 3
            if i < n, b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",") {
                i += 1
                let start = i
                while i < n, b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") { i += 1 }
                guard i > start else { return nil }
            }
        }
        guard i < n else { return nil }
        var offset = 0
        let rest = n - i
        if rest == 1, b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            offset = 0
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
            let oh: Int?, om: Int?
            switch rest {
            case 6 where b[i + 3] == UInt8(ascii: ":"): oh = digits(b, i + 1, 2); om = digits(b, i + 4, 2)
            case 5: oh = digits(b, i + 1, 2); om = digits(b, i + 3, 2)
            case 3: oh = digits(b, i + 1, 2); om = 0
            default: return nil
            }
            guard let oh, let om, oh <= 18, om <= 59 else { return nil }
            offset = sign * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        let local = Int64(date.daysSinceEpoch) * 86_400 + Int64(h * 3600 + mi * 60 + s)
        return UTCTimestamp(secondsSinceEpoch: local - Int64(offset))
    }

    private static func digits(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> Int? {
        var value = 0
        for k in start..<(start + count) {
            let c = b[k]
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(c - UInt8(ascii: "0"))
        }
        return value
    }

    /// The text of a value for an error message: quoted, at most 40 characters.
    static func quoted(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        return "\"" + (text.count > 40 ? String(text.prefix(40)) + "…" : text) + "\""
    }
}
