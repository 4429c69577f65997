/// An instant in UTC with one-second resolution.
///
/// Parsed from ISO-8601 with `Z` or a numeric offset (fractional seconds are accepted and
/// truncated); printed as `YYYY-MM-DDTHH:MM:SSZ`. Independent of the machine's time zone.
///
/// ```swift
/// let t = try UTCTimestamp(iso8601: "2026-03-02T10:30:00+01:00")
/// t.iso8601            // "2026-03-02T09:30:00Z"
/// t.date.description   // "2026-03-02"
/// ```
public struct UTCTimestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Seconds since 1970-01-01T00:00:00Z.
    public let secondsSinceEpoch: Int64

    /// Creates an instant from seconds since the Unix epoch.
    public init(secondsSinceEpoch: Int64) { self.secondsSinceEpoch = secondsSinceEpoch }

    /// Parses an ISO-8601 date-time: `YYYY-MM-DDTHH:MM[:SS[.fff]]` followed by `Z` or `±HH:MM` (or `±HHMM`).
    /// A space is accepted in place of `T`.
    ///
    /// - Throws: ``TimeParseError`` when the text is not such a date-time, names an impossible
    ///   date or time, or has no time zone.
    public init(iso8601 text: String) throws(TimeParseError) {
        let expected = "an ISO-8601 date-time with Z or an offset (for example 2026-03-02T09:30:00Z)"
        let b = Array(text.utf8)
        guard b.count >= 17, b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: " ") || b[10] == UInt8(ascii: "t"),
              b[13] == UInt8(ascii: ":") else { throw TimeParseError(text: text, expected: expected) }
        let date: CalendarDate
        do {
            date = try CalendarDate(iso8601: String(decoding: b[0..<10], as: UTF8.self))
        } catch {
            throw TimeParseError(text: text, expected: expected)
        }
        guard let hour = CalendarDate.digits(b[11..<13]), let minute = CalendarDate.digits(b[14..<16]) else {
            throw TimeParseError(text: text, expected: expected)
        }
        var index = 16
        var second = 0
        if index < b.count, b[index] == UInt8(ascii: ":") {
            guard index + 3 <= b.count, let s = CalendarDate.digits(b[(index + 1)..<(index + 3)]) else {
                throw TimeParseError(text: text, expected: expected)
            }
            second = s
            index += 3
            if index < b.count, b[index] == UInt8(ascii: ".") || b[index] == UInt8(ascii: ",") {
                index += 1
                let start = index
                while index < b.count, b[index] >= UInt8(ascii: "0"), b[index] <= UInt8(ascii: "9") { index += 1 }
                guard index > start else { throw TimeParseError(text: text, expected: expected) }
            }
        }
        guard hour <= 23, minute <= 59, second <= 60 else {
            throw TimeParseError(text: text, expected: "a valid time of day")
        }
        guard index < b.count else {
            throw TimeParseError(text: text, expected: "a date-time with a time zone (Z or an offset such as +01:00)")
        }
        var offsetSeconds = 0
        let zone = b[index...]
        if zone.count == 1, zone.first == UInt8(ascii: "Z") || zone.first == UInt8(ascii: "z") {
            offsetSeconds = 0
        } else if let sign = zone.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            let rest = Array(zone.dropFirst())
            let hh: Int?, mm: Int?
            if rest.count == 5, rest[2] == UInt8(ascii: ":") {
                hh = CalendarDate.digits(rest[0..<2]); mm = CalendarDate.digits(rest[3..<5])
            } else if rest.count == 4 {
                hh = CalendarDate.digits(rest[0..<2]); mm = CalendarDate.digits(rest[2..<4])
            } else if rest.count == 2 {
                hh = CalendarDate.digits(rest[0..<2]); mm = 0
            } else {
                hh = nil; mm = nil
            }
            guard let hh, let mm, hh <= 18, mm <= 59 else { throw TimeParseError(text: text, expected: expected) }
            offsetSeconds = (hh * 3600 + mm * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
        } else {
            throw TimeParseError(text: text, expected: expected)
        }
        let local = Int64(date.daysSinceEpoch) * 86_400 + Int64(hour * 3600 + minute * 60 + min(second, 59))
        self.secondsSinceEpoch = local - Int64(offsetSeconds)
    }

    /// The UTC calendar date of this instant.
    public var date: CalendarDate {
        CalendarDate(daysSinceEpoch: Int(secondsSinceEpoch.floorDivided(by: 86_400)))
    }

    /// The ISO week (UTC) of this instant.
    public var isoWeek: ISOWeek { date.isoWeek }

    /// `YYYY-MM-DDTHH:MM:SSZ`.
    public var iso8601: String {
        let seconds = Int(secondsSinceEpoch - secondsSinceEpoch.floorDivided(by: 86_400) * 86_400)
        return "\(date)T\(CalendarDate.pad(seconds / 3600, 2)):\(CalendarDate.pad(seconds / 60 % 60, 2)):\(CalendarDate.pad(seconds % 60, 2))Z"
    }

    public var description: String { iso8601 }

    /// The instant `seconds` seconds later.
    public func adding(seconds: Int64) -> UTCTimestamp { UTCTimestamp(secondsSinceEpoch: secondsSinceEpoch + seconds) }

    public static func < (lhs: UTCTimestamp, rhs: UTCTimestamp) -> Bool { lhs.secondsSinceEpoch < rhs.secondsSinceEpoch }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try UTCTimestamp(iso8601: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(iso8601)
    }
}

extension Int64 {
    func floorDivided(by divisor: Int64) -> Int64 {
        let q = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? q - 1 : q
    }
}
