import HeatCore

// A tour of the CustomerHeat libraries; grows as the modules land.
let week = CalendarDate(year: 2026, month: 2, day: 14)!.isoWeek
print("CustomerHeat \(HeatCore.version): 2026-02-14 is in \(week)")
