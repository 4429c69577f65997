import Foundation
import Testing
@testable import HeatCore

/// Issue 15, item 4: churn features of a hand-designed interaction file against values computed
/// independently (Fixtures/features/make_fixture.py, from the documented rules only), not
/// against ``ChurnFeatureSet/features(weeks:asOf:)``: per-bucket count, reply and duration-unit
/// caps, the 300 s unit and 48 h reply edges, every window edge, a future week, heat and a
/// negative trend.
@Suite struct FeatureFixtureTests {
    static func fixture(_ name: String) throws -> URL {
        try #require(Bundle.module.url(forResource: "features/\(name)", withExtension: "csv", subdirectory: "Fixtures"))
    }

    @Test("encrypted features of the hand-computed fixture equal the independently computed values")
    func handComputedFixture() throws {
        let report = try InteractionReader(strict: true).read(contentsOf: try Self.fixture("interactions"))
        #expect(report.rejectedRows == 0)
        #expect(report.records.count == 152)
        let expectedText = try String(contentsOf: try Self.fixture("expected"), encoding: .utf8)
        let lines = expectedText.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        let header = try #require(lines.first)
        let set = ChurnFeatureSet()
        #expect(Array(header.dropFirst()) == set.names)

        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let keys = folder.appending(path: "keys").path
        _ = try PipelineKeys.generate(at: keys, preset: "n8192-logq217-logt25")
        let store = try HeatStore.initialize(path: folder.appending(path: "heat.db").path).store
        let key = PseudonymisationKey.insecureDerived(from: "feature-fixture")
        var collector = try Collector(
            pseudonymisationKey: key, material: PipelineKeys.publicMaterial(in: KeyFolder(path: "\(keys)/collector", role: .collector)))
        collector.encryptsFeatureStreams = true
        _ = try collector.ingestor().ingest(report.records, clients: [], into: store, source: .init(name: "fixture", inputHash: ""))
        let evaluator = Evaluator(context: try KeyHolder(keysAt: "\(keys)/keyholder").context)
        let features = try evaluator.evaluateFeatures(
            store: store, featureSet: set, asOf: try #require(CalendarDate(year: 2026, month: 6, day: 28)))
        #expect(features.referenceWeek.description == "2026-W26")
        let rows = try KeyHolder(keysAt: "\(keys)/keyholder").decrypt(features: features, store: store)
        let pseudonymizer = Pseudonymizer(key: key)
        #expect(rows.count == lines.count - 1)
        for line in lines.dropFirst() {
            let client = try #require(line.first)
            let expected = line.dropFirst().compactMap { Int($0) }
            #expect(expected.count == set.names.count)
            let row = try #require(rows.first { $0.pseudonym == pseudonymizer.pseudonym(for: client, kind: .client) })
            for (index, name) in set.names.enumerated() where row.values[index] != expected[index] {
                Issue.record("\(client) \(name): encrypted \(row.values[index]), hand-computed \(expected[index])")
            }
        }
    }
}
