import Foundation
import HeatEnvelope
import HeatFHE
import Testing
@testable import HeatCore

/// Review s40 erase27e H1 (issue 27) through the built `heatctl`, as an attacker: an aggregates
/// file is released only as the output `evaluate --aggregates-out` logged for the run it names,
/// and, for a run with directory periods, only when every group equals the run's week-attributed
/// total. A file edit that swaps two groups' ciphertext pairs, the same edit logged by a
/// dishonest evaluator, aggregates of another logged run and aggregates that were never logged
/// are refused with exit 65 naming the file, nothing written; the genuine file releases exactly
/// the plaintext twin's groups. Review s40 L1: a logged part is named as a part.
@Suite(.serialized, .enabled(if: BuiltHeatctl.url != nil, "heatctl is not built"))
struct AggregatesIntegrityCLITests {
    typealias Twin = VersionedPlaintextReleaseTests.Twin

    @Test func anEditedForeignOrUnloggedAggregatesFileIsRefusedAndTheGenuineOneEqualsThePlaintextTwin() throws {
        let twin = try Twin(seed: 5, clients: 60, managers: 3)
        defer { try? FileManager.default.removeItem(at: twin.folder) }
        let p = try twin.pipeline()
        let store = twin.encrypted
        #expect(p.run.header.periods != nil)
        func path(_ name: String) -> String { twin.folder.appending(path: name).path }
        try p.run.envelope().write(to: URL(filePath: path("run.heat")))
        let galoisKeys = try p.evaluator.galoisKeys(in: p.evaluatorFolder)
        let genuine = try p.evaluator.aggregates(of: p.run, store: store, galoisKeys: galoisKeys, minGroupSize: 5)
        try p.evaluator.recordAggregates(genuine, of: p.run, store: store)
        try genuine.envelope().write(to: URL(filePath: path("groups.heat")))
        func release(_ arguments: [String], out: String) throws -> BuiltHeatctl.Outcome {
            try BuiltHeatctl.run(["release", "--store", store.path, "--keys", "\(twin.keys)/keyholder", "--role", "executive",
                                  "--section", "groups", "--out", out] + arguments)
        }
        func refused(_ arguments: [String], naming file: String, _ message: String, _ sourceLine: SourceLocation = #_sourceLocation) throws {
            let out = path("refused.json")
            let before = try StoreTestSupport.dump(store.path)
            let outcome = try release(arguments, out: out)
            #expect(outcome.status == 65, "\(outcome.stderr)", sourceLocation: sourceLine)
            #expect(outcome.stderr.contains(file) && outcome.stderr.contains(message), "\(outcome.stderr)", sourceLocation: sourceLine)
            for move in twin.moves {
                #expect(!outcome.stderr.contains(move.client), "no raw client id", sourceLocation: sourceLine)
            }
            #expect(!FileManager.default.fileExists(atPath: out), "nothing written", sourceLocation: sourceLine)
            #expect(try StoreTestSupport.dump(store.path) == before, "no release recorded", sourceLocation: sourceLine)
        }

        // The genuine file: exit 0, every group the plaintext twin's.
        let released = try release(["--run", path("run.heat"), "--aggregates", path("groups.heat")], out: path("genuine.json"))
        #expect(released.status == 0, "\(released.stderr)")
        let plain = try BuiltHeatctl.run(["release", "--store", twin.plain.path, "--keys", "\(twin.keys)/keyholder", "--role", "executive",
                                          "--section", "groups", "--out", path("plain.json")])
        #expect(plain.status == 0, "\(plain.stderr)")
        let fromAggregates = try #require(try ResultsDocument.decode(Data(contentsOf: URL(filePath: path("genuine.json")))).groups)
        let fromPlain = try #require(try ResultsDocument.decode(Data(contentsOf: URL(filePath: path("plain.json")))).groups)
        #expect(fromAggregates == fromPlain, "every group equals the plaintext twin's")

        // Two groups' ciphertext pairs swapped in the file (no key, no store write): its hash is
        // not the logged one.
        #expect(genuine.heat.count >= 2)
        var heat = genuine.heat, trend = genuine.trend
        heat.swapAt(0, 1)
        trend.swapAt(0, 1)
        let swapped = EncryptedAggregates(header: genuine.header, heat: heat, trend: trend)
        try swapped.envelope().write(to: URL(filePath: path("swapgroups.heat")))
        try refused(["--run", path("run.heat"), "--aggregates", path("swapgroups.heat")], naming: path("swapgroups.heat"),
                    "the file was altered after it was written")
        // Logged as well by a dishonest evaluator: the run's own periods disagree, naming the
        // first group that differs by its pseudonymous label.
        try ComputationLog.record(
            ComputationRun(startedAt: .now(), finishedAt: .now(), kind: EncryptedAggregates.logKind, inputHash: p.run.outputHash,
                           outputHash: swapped.outputHash, parameters: [:]),
            role: .evaluator, in: store)
        try refused(["--run", path("run.heat"), "--aggregates", path("swapgroups.heat")], naming: path("swapgroups.heat"),
                    "differs from the key holder's own total of the group (the week-attributed total of the run's directory periods")

        // Aggregates of another logged run (an earlier week): never logged, then logged.
        let other = try twin.pipeline(asOf: twin.weeks[6].monday.adding(days: 6))
        try other.run.envelope().write(to: URL(filePath: path("other-run.heat")))
        let otherAggregates = try p.evaluator.aggregates(of: other.run, store: store, galoisKeys: galoisKeys, minGroupSize: 5)
        try otherAggregates.envelope().write(to: URL(filePath: path("other-groups.heat")))
        try refused(["--run", path("other-run.heat"), "--aggregates", path("other-groups.heat")], naming: path("other-groups.heat"),
                    "re-run `heatctl evaluate --aggregates-out`")
        try p.evaluator.recordAggregates(otherAggregates, of: other.run, store: store)
        #expect(try release(["--run", path("other-run.heat"), "--aggregates", path("other-groups.heat")], out: path("other.json")).status == 0)
        try refused(["--run", path("run.heat"), "--aggregates", path("other-groups.heat")], naming: path("other-groups.heat"),
                    "not from \(path("run.heat"))")

        // Review s40 L1: a logged part of a sharded run is named as a part.
        let part = try p.evaluator.evaluateAndRecord(store: store, configuration: HeatConfiguration(), shard: EvaluationShard(index: 0, count: 2))
        try part.run.envelope().write(to: URL(filePath: path("p0.heat")))
        try refused(["--run", path("p0.heat")], naming: path("p0.heat"), "part 0/2 of a sharded evaluation")
    }
}

/// Review s40 erase27e H1 (a): the comparison of an aggregates file's decrypted totals with the
/// run's week-attributed ones, group by group.
struct AggregatesAgreementTests {
    @Test func everyGroupOfTheFileMustEqualThePeriodsTotal() throws {
        let periods = [
            GroupAggregate(kind: .manager, ref: "M-2d3e39ce", clients: 7, heatSum: 49_400, trendSum: -120),
            GroupAggregate(kind: .manager, ref: "M-48a226bd", clients: 6, heatSum: 79_080, trendSum: 310),
            GroupAggregate(kind: .segment, ref: "retail", clients: 13, heatSum: 128_480, trendSum: 190),
        ]
        // Equal, or fewer groups (a file computed for a larger k): accepted.
        try EncryptedAggregates.requireAgreement(periods, with: periods, source: "groups.heat")
        try EncryptedAggregates.requireAgreement(Array(periods.prefix(2)), with: periods, source: "groups.heat")
        // Two managers' heat sums exchanged (the swapped pairs): the first one named.
        var swapped = periods
        (swapped[0].heatSum, swapped[1].heatSum) = (periods[1].heatSum, periods[0].heatSum)
        #expect(throws: PipelineError.aggregatesDisagreeWithRun(source: "groups.heat", group: "manager M-2d3e39ce", field: "heat sum")) {
            try EncryptedAggregates.requireAgreement(swapped, with: periods, source: "groups.heat")
        }
        var trend = periods
        trend[2].trendSum += 1
        #expect(throws: PipelineError.aggregatesDisagreeWithRun(source: "groups.heat", group: "segment retail", field: "trend sum")) {
            try EncryptedAggregates.requireAgreement(trend, with: periods, source: "groups.heat")
        }
        var size = periods
        size[1].clients = 5
        #expect(throws: PipelineError.aggregatesDisagreeWithRun(source: "groups.heat", group: "manager M-48a226bd", field: "size")) {
            try EncryptedAggregates.requireAgreement(size, with: periods, source: "groups.heat")
        }
        let extra = periods + [GroupAggregate(kind: .branch, ref: "B-0c1f2a3b", clients: 5, heatSum: 1, trendSum: 0)]
        let unknown = #expect(throws: PipelineError.self) { try EncryptedAggregates.requireAgreement(extra, with: periods, source: "groups.heat") }
        #expect(unknown?.category.exitCode == 65 && unknown?.description.contains("branch B-0c1f2a3b") == true)
    }
}
