import Foundation
@testable import HeatCore

/// Results documents for the report tests: the two JSON fixtures and a minimal one built in code.
enum ReportFixtures {
    struct MissingFixture: Error, CustomStringConvertible {
        let name: String
        var description: String { "fixture \(name) not found in the test bundle" }
    }

    /// The bytes of `Fixtures/<name>.json`.
    static func data(_ name: String) throws -> Data {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures") else {
            throw MissingFixture(name: name)
        }
        return try Data(contentsOf: url)
    }

    /// Every section, with the default heat configuration added.
    static func full() throws -> ResultsDocument {
        var document = try ResultsDocument.decode(data("results-full"), source: "results-full.json")
        document.heatConfig = HeatConfiguration()
        return document
    }

    /// No clients and no model (an executive release with epsilon).
    static func executive() throws -> ResultsDocument {
        try ResultsDocument.decode(data("results-executive"), source: "results-executive.json")
    }

    /// A document with no sections at all.
    static func minimal() -> ResultsDocument {
        ResultsDocument(
            generatedAt: UTCTimestamp(secondsSinceEpoch: 1_771_200_000), mode: .plaintext,
            asOf: CalendarDate(daysSinceEpoch: 20_499), role: "executive",
            policy: PolicySummary(name: "default", minGroupSize: 5, epsilon: nil))
    }

    /// A fresh empty temporary folder.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appending(path: "heat-report-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
