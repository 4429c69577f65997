import Foundation
import Testing
import HeatFuzzing

/// Replays the committed fuzz corpus (`Tests/HeatFuzzingTests/Corpus/<target>/`) through every
/// entry point: each input must return (a value or a typed error), never crash or hang. Findings
/// of `Scripts/fuzz.sh` are added here as files, so each stays a regression test.
@Suite struct CorpusReplayTests {
    static let corpus = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "Corpus")

    static func inputs(_ target: FuzzTarget) -> [URL] {
        let folder = corpus.appending(path: target.rawValue)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().map { folder.appending(path: $0) }
    }

    @Test(arguments: FuzzTarget.allCases)
    func replay(_ target: FuzzTarget) throws {
        let inputs = Self.inputs(target)
        // Every reader has a corpus (CONTRIBUTING.md: a new reader comes with its fuzz target and seeds).
        #expect(!inputs.isEmpty, "no corpus for \(target.rawValue)")
        let clock = ContinuousClock()
        for url in inputs {
            let data = try Data(contentsOf: url)
            let elapsed = clock.measure { target.run(data) }
            // A hang shows as a slow input: every corpus input answers well within a second.
            #expect(elapsed < .seconds(2), "\(target.rawValue)/\(url.lastPathComponent) took \(elapsed)")
        }
    }

    @Test func targetNamesRoundTrip() {
        for target in FuzzTarget.allCases { #expect(FuzzTarget(name: target.rawValue) == target) }
        #expect(FuzzTarget(name: "no-such-reader") == nil)
    }
}
