/// An ISO-8601 week: weeks start on Monday and week 1 is the week with the year's first Thursday.
///
/// Interactions are bucketed per client and ISO week in UTC.
///
/// ```swift
/// let week = try ISOWeek(parsing: "2026-W07")
/// week.monday.description        // "2026-02-09"
/// week.advanced(by: 1).description  // "2026-W08"
/// ```
public struct ISOWeek: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The ISO week-numbering year (may differ from the calendar year near New Year).
    public let year: Int
    /// The week number, 1 through 52 or 53.
    public let week: Int

    /// Creates a week from its ISO year and number.
    ///
    /// - Returns: `nil` if the year has no such week.
    public init?(year: Int, week: Int) {
        guard week >= 1, week <= ISOWeek.weeksInYear(year) else { return nil }
        self.year = year
        self.week = week
    }

    /// The week containing `date`.
    public init(containing date: CalendarDate) {
        let thursday = date.adding(days: 4 - date.isoWeekday)
        let isoYear = thursday.year
        let jan1 = CalendarDate(year: isoYear, month: 1, day: 1)!
        self.year = isoYear
        self.week = (thursday.daysSinceEpoch - jan1.daysSinceEpoch) / 7 + 1
    }

    /// Parses `YYYY-Www`, for example `2026-W07`.
    ///
    /// - Throws: ``TimeParseError`` when the text is not a valid ISO week.
    public init(parsing text: String) throws(TimeParseError) {
        let bytes = Array(text.utf8)
        guard bytes.count == 8, bytes[4] == UInt8(ascii: "-"), bytes[5] == UInt8(ascii: "W"),
              let y = CalendarDate.digits(bytes[0..<4]), let w = CalendarDate.digits(bytes[6..<8]),
              let week = ISOWeek(year: y, week: w)
        else { throw TimeParseError(text: text, expected: "an ISO week as YYYY-Www") }
        self = week
    }

    /// The Monday that starts the week.
    public var monday: CalendarDate {
        let jan4 = CalendarDate(year: year, month: 1, day: 4)!
        let week1Monday = jan4.adding(days: 1 - jan4.isoWeekday)
        return week1Monday.adding(days: (week - 1) * 7)
    }

    /// A sequential index: whole weeks since the week containing 1970-01-01.
    public var index: Int { (monday.daysSinceEpoch + 3) / 7 }

    /// The week `count` weeks later (earlier when negative).
    public func advanced(by count: Int) -> ISOWeek { ISOWeek(containing: monday.adding(days: 7 * count)) }

    /// Whole weeks from `self` to `other` (positive when `other` is later).
    public func distance(to other: ISOWeek) -> Int { (other.monday.daysSinceEpoch - monday.daysSinceEpoch) / 7 }

    /// `YYYY-Www`.
    public var description: String { "\(CalendarDate.pad(year, 4))-W\(CalendarDate.pad(week, 2))" }

    public static func < (lhs: ISOWeek, rhs: ISOWeek) -> Bool { (lhs.year, lhs.week) < (rhs.year, rhs.week) }

    /// The number of ISO weeks (52 or 53) in an ISO year.
    public static func weeksInYear(_ year: Int) -> Int {
        guard let dec28 = CalendarDate(year: year, month: 12, day: 28) else { return 52 }
        return ISOWeek(containing: dec28).week
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try ISOWeek(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
