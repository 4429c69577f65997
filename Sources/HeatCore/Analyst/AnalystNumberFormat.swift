import Foundation

/// How the analyst writes numbers (Docs/Analyst.md): counts and rounded means with thousands
/// separators, shares as percent with one decimal, changes with a sign.
public enum AnalystNumberFormat {
    /// Rounds half away from zero and groups thousands: `13825.49` → `13,825`.
    public static func integer(_ value: Double) -> String {
        let rounded = value.rounded()
        guard rounded.isFinite, abs(rounded) < 1e15 else { return String(value) }
        let whole = Int(rounded)
        let digits = String(abs(whole))
        var grouped = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(character)
        }
        return (whole < 0 ? "-" : "") + grouped
    }

    /// A change with its sign: `+1,168`, `-3`, `0`.
    public static func signed(_ value: Double) -> String {
        let text = integer(value)
        return value.rounded() > 0 ? "+" + text : text
    }

    /// A share in percent with one decimal: `part / whole` = 0.1075 → `10.8%`.
    public static func percent(_ part: Double, of whole: Double) -> String {
        guard whole != 0 else { return "n/a" }
        return String(format: "%.1f%%", part * 100 / whole)
    }

    /// The numbers written in `text` (thousands separators and signs kept off, a trailing `%`
    /// marking a percentage), ignoring the digits of masked references (`B-8795e9c3`), ISO weeks
    /// (`2026-W07`), dates, times and hashes, which are names rather than quantities.
    ///
    /// - Parameter text: an answer or summary.
    /// - Returns: each number with whether it was a percentage.
    public static func numbers(in text: String) -> [(value: Double, percent: Bool, text: String)] {
        var cleaned = text
        let names = [
            "\\b[A-Za-z]-[0-9a-fA-F]{4,}\\b",           // masked references
            "\\b\\d{4}-W\\d{2}\\b",                      // ISO weeks
            "\\b\\d{4}-\\d{2}-\\d{2}(T[0-9:.]+Z?)?",    // dates and timestamps
            "\\b[0-9a-f]{12,}\\b",                       // hashes
            "sha256 [0-9a-f]+…?",
            "run-[0-9a-z-]+",
        ]
        for pattern in names {
            cleaned = cleaned.replacingOccurrences(of: pattern, with: " ", options: .regularExpression)
        }
        var result: [(Double, Bool, String)] = []
        guard let regex = try? NSRegularExpression(pattern: "(?<![A-Za-z0-9.])[-+−]?\\d[\\d,]*(\\.\\d+)?%?") else { return [] }
        let range = NSRange(cleaned.startIndex..., in: cleaned)
        for match in regex.matches(in: cleaned, range: range) {
            guard let swiftRange = Range(match.range, in: cleaned) else { continue }
            var token = String(cleaned[swiftRange])
            // A trailing comma or period is punctuation, not part of the number.
            while token.hasSuffix(",") { token.removeLast() }
            let percent = token.hasSuffix("%")
            let digits = token.replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "%", with: "")
                .replacingOccurrences(of: "−", with: "-")
            if let value = Double(digits) { result.append((value, percent, token)) }
        }
        return result
    }
}
