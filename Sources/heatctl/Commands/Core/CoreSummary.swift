import Foundation
import HeatCore

/// Text shared by the demo and heat commands' human-readable output.
enum CoreSummary {
    /// One line: clients per level and cooling clients.
    static func populationLine(_ population: Population, asOf: CalendarDate, interactions: Int, duplicates: Int) -> String {
        let levels = HeatLevel.allCases.map { "\($0.rawValue) \(population.levels[$0] ?? 0)" }.joined(separator: ", ")
        var line = "scored \(Plural.count(population.clients, "client")) from \(Plural.count(interactions, "interaction")) "
            + "as of \(asOf) (\(asOf.isoWeek)): \(levels); cooling \(population.cooling)"
        if duplicates > 0 { line += "; \(Plural.count(duplicates, "duplicate event")) skipped" }
        return line
    }
}

/// The wall clock, for documents' `generatedAt` only (never for data).
enum Clock {
    /// Now, in UTC, to the second.
    static func now() -> UTCTimestamp { UTCTimestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)) }
}
