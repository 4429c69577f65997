/// An output format of `heatctl report`.
///
/// ```swift
/// let formats: Set<ReportFormat> = [.html, .csv]
/// ```
public enum ReportFormat: String, Sendable, CaseIterable, Codable, Comparable {
    /// `index.html` (self-contained, inline SVG charts) plus `results.json`, the document it shows.
    case html
    /// `tables.json`: every table of the report as arrays of row objects.
    case json
    /// `<table>.csv` in the output folder: one RFC 4180 CSV file per table.
    case csv

    /// Orders formats as declared (html, json, csv).
    public static func < (lhs: ReportFormat, rhs: ReportFormat) -> Bool {
        (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
    }
}
