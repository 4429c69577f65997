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
        for url in inputs {
            let data = try Data(contentsOf: url)
            // An input that breaks a target's invariant (server-requests) would trap in `run`:
            // report it as a failure instead.
            if let violation = target.violation(data) {
                Issue.record("\(target.rawValue)/\(url.lastPathComponent): \(violation)")
                continue
            }
            // A runaway input shows as a slow one: every corpus input answers well within a second
            // of processor time (the thread's, so a loaded machine's preemption does not count).
            let used = ResourceBoundTests.threadTime { target.run(data) }
            #expect(used < .seconds(2), "\(target.rawValue)/\(url.lastPathComponent) used \(used) of processor time")
        }
    }

    /// The generated inputs a reader must refuse (`refused-*`), with the reason it must give
    /// (a part of its error's description): heat runs whose `level` field (issue 14) is not a
    /// level of the fuzzing ring (two moduli), or is not every ciphertext's.
    static let refusals: [FuzzTarget: [String: String]] = [
        .pipelinePayloads: [
            "refused-heat-run-level-0": "field level: 0 is not a level of n16-",
            "refused-heat-run-level-above-top": "field level: 3 is not a level of n16-",
            "refused-heat-run-mixed-levels": "batch 0 heat: the ciphertext has 1 moduli, the header's level is 2",
        ],
    ]

    /// The generated seeds of the key and ciphertext targets decode (the harness reaches the
    /// reader's body, not only its header checks), a seed cut by one byte does not, the
    /// `refused-*` inputs are refused for their reason, and every generated input has a committed
    /// copy (`seed-*`, but `*-frame`, still decode; `refused-*` still give their reason). With
    /// `HEAT_FUZZ_SEEDS_WRITE=1` the missing copies are written first (a new generated input is
    /// committed this way; `Scripts/fuzz.sh` writes them into its working corpus only).
    @Test(arguments: [FuzzTarget.tfhe, .pipelinePayloads])
    func generatedSeedsDecode(_ target: FuzzTarget) throws {
        let seeds = FuzzSeeds.generated(for: target)
        let folder = Self.corpus.appending(path: target.rawValue)
        if ProcessInfo.processInfo.environment["HEAT_FUZZ_SEEDS_WRITE"] == "1" {
            for (name, data) in seeds where !FileManager.default.fileExists(atPath: folder.appending(path: name).path) {
                try data.write(to: folder.appending(path: name))
            }
        }
        let names = Set(Self.inputs(target).map(\.lastPathComponent))
        #expect(Set(seeds.keys).subtracting(names).isEmpty, "generated inputs without a committed copy: \(Set(seeds.keys).subtracting(names).sorted())")
        // Review s37 pipe14b-final LOW 5: each committed copy is what its generation gives today
        // (same level, same ciphertext levels, same refusal), and no committed seed has lost its
        // generator (a generator that fails drops its seed): a mismatch names the seed.
        for name in names.sorted() where name.hasPrefix("seed-") || name.hasPrefix("refused-") {
            guard let generated = seeds[name] else {
                Issue.record("\(target.rawValue)/\(name): committed, but no longer generated (its generator failed or was renamed)")
                continue
            }
            let committed = try Data(contentsOf: folder.appending(path: name))
            let now = FuzzSeeds.summary(target, generated)
            let then = FuzzSeeds.summary(target, committed)
            #expect(now == then, "\(target.rawValue)/\(name): the committed seed is \(then ?? "unsummarized"), its generation gives \(now ?? "unsummarized")")
        }
        let expectedRefusals = Self.refusals[target] ?? [:]
        #expect(Set(seeds.keys.filter { $0.hasPrefix("refused-") }) == Set(expectedRefusals.keys))
        for (name, reason) in expectedRefusals.sorted(by: { $0.key < $1.key }) {
            for (origin, data) in [("generated", seeds[name]), ("committed", try? Data(contentsOf: folder.appending(path: name)))] {
                let data = try #require(data, "\(origin) \(name)")
                let refusal = FuzzSeeds.refusal(target, data)
                #expect(refusal?.contains(reason) == true, "\(origin) \(target.rawValue)/\(name): \(refusal ?? "accepted")")
            }
        }
        let valid = seeds.filter { !$0.key.hasSuffix("-frame") && !$0.key.hasPrefix("refused-") }
        #expect(valid.count >= 2, "\(target.rawValue) has no valid generated seed")
        for (name, data) in valid.sorted(by: { $0.key < $1.key }) {
            #expect(FuzzSeeds.accepts(target, data) == true, "\(target.rawValue)/\(name) is refused")
            #expect(FuzzSeeds.accepts(target, data.dropLast()) == false, "\(target.rawValue)/\(name) cut by a byte is accepted")
        }
        let committed = Self.inputs(target).filter { $0.lastPathComponent.hasPrefix("seed-") && !$0.lastPathComponent.hasSuffix("-frame") }
        #expect(!committed.isEmpty, "no committed seed for \(target.rawValue)")
        for url in committed {
            #expect(FuzzSeeds.accepts(target, try Data(contentsOf: url)) == true, "committed \(target.rawValue)/\(url.lastPathComponent) is refused")
        }
        #expect(FuzzSeeds.accepts(.policy, Data()) == nil)
    }

    /// `Scripts/fuzz.sh` runs every target and only those (CONTRIBUTING.md: a new reader's target
    /// is added there too), and each has a dictionary.
    @Test func theFuzzScriptListsEveryTarget() throws {
        let root = Self.corpus.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = try String(contentsOf: root.appending(path: "Scripts/fuzz.sh"), encoding: .utf8)
        let line = try #require(script.split(separator: "\n").first { $0.hasPrefix("targets=\"") })
        let names = Set(line.dropFirst("targets=\"".count).dropLast().split(separator: " ").map(String.init))
        #expect(names == Set(FuzzTarget.allCases.map(\.rawValue)))
        for target in FuzzTarget.allCases {
            #expect(FileManager.default.fileExists(atPath: root.appending(path: "Fuzz/dictionaries/\(target.rawValue).dict").path),
                    "no dictionary for \(target.rawValue)")
        }
    }

    @Test func targetNamesRoundTrip() {
        for target in FuzzTarget.allCases { #expect(FuzzTarget(name: target.rawValue) == target) }
        #expect(FuzzTarget(name: "no-such-reader") == nil)
    }
}
