import Foundation
import Testing
@testable import HeatCore

@Suite struct CalendarTimeTests {
    /// Foundation's ISO-8601 calendar in UTC, an independent reference.
    private static let reference: Calendar = {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    @Test func knownISOWeeks() throws {
        let cases: [(String, String)] = [
            ("2021-01-03", "2020-W53"), ("2021-01-04", "2021-W01"), ("2024-12-30", "2025-W01"),
            ("2026-01-01", "2026-W01"), ("2026-02-14", "2026-W07"), ("2027-01-01", "2026-W53"),
            ("2027-01-04", "2027-W01"), ("2000-02-29", "2000-W09"),
        ]
        for (date, week) in cases {
            #expect(try CalendarDate(iso8601: date).isoWeek.description == week, "\(date)")
        }
        #expect(ISOWeek.weeksInYear(2026) == 53)
        #expect(ISOWeek.weeksInYear(2025) == 52)
        #expect(try ISOWeek(parsing: "2026-W07").monday.description == "2026-02-09")
    }

    @Test func randomDatesAgreeWithFoundation() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let days = Int.random(in: -20_000...40_000, using: &generator)
            let date = CalendarDate(daysSinceEpoch: days)
            #expect(date.daysSinceEpoch == days)
            let instant = Date(timeIntervalSince1970: TimeInterval(days) * 86_400)
            let components = Self.reference.dateComponents([.year, .month, .day, .weekOfYear, .yearForWeekOfYear, .weekday], from: instant)
            #expect(date.year == components.year && date.month == components.month && date.day == components.day)
            #expect(date.isoWeek.week == components.weekOfYear && date.isoWeek.year == components.yearForWeekOfYear)
            #expect(date.isoWeekday == (components.weekday! + 5) % 7 + 1)
            let week = date.isoWeek
            #expect(week.monday <= date && date < week.monday.adding(days: 7))
            #expect(week.advanced(by: 3).advanced(by: -3) == week)
            #expect(week.distance(to: week.advanced(by: 10)) == 10)
            #expect(try CalendarDate(iso8601: date.description) == date)
        }
    }

    @Test func timestampsConvertOffsetsToUTC() throws {
        #expect(try UTCTimestamp(iso8601: "2026-03-02T10:30:00+01:00").iso8601 == "2026-03-02T09:30:00Z")
        #expect(try UTCTimestamp(iso8601: "2026-03-01T23:30:00-02:00").iso8601 == "2026-03-02T01:30:00Z")
        #expect(try UTCTimestamp(iso8601: "2026-03-02 09:30Z").iso8601 == "2026-03-02T09:30:00Z")
        #expect(try UTCTimestamp(iso8601: "2026-03-02T09:30:15.250Z").iso8601 == "2026-03-02T09:30:15Z")
        #expect(try UTCTimestamp(iso8601: "2026-03-02T09:30:00+0530").iso8601 == "2026-03-02T04:00:00Z")
        // Sunday 23:30 at -01:00 is Monday in UTC: the next ISO week.
        #expect(try UTCTimestamp(iso8601: "2026-02-15T23:30:00-01:00").isoWeek.description == "2026-W08")
        #expect(try UTCTimestamp(iso8601: "1969-12-31T23:59:59Z").date.description == "1969-12-31")
    }

    @Test(arguments: ["2026-02-30T00:00:00Z", "2026-03-02T24:00:00Z", "2026-03-02T09:30:00", "2026-03-02",
                      "yesterday", "2026-03-02T09:30:00+25:00", "2026-13-01T00:00:00Z", "2026-03-02T09:3Z"])
    func rejectsMalformedTimestamps(text: String) {
        #expect(throws: TimeParseError.self) { try UTCTimestamp(iso8601: text) }
    }

    @Test func calendarDatesValidate() {
        #expect(CalendarDate(year: 2024, month: 2, day: 29) != nil)
        #expect(CalendarDate(year: 2025, month: 2, day: 29) == nil)
        #expect(CalendarDate(year: 1900, month: 2, day: 29) == nil)
        #expect(throws: TimeParseError.self) { try CalendarDate(iso8601: "2026-1-01") }
        #expect(throws: TimeParseError.self) { try ISOWeek(parsing: "2025-W53") }
    }
}
