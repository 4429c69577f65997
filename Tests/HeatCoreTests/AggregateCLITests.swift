import Foundation
import GRDB
import HeatEnvelope
import Testing
@testable import HeatCore

/// `heatctl keys generate --aggregates`, `evaluate --aggregates-out / --shard / --merge`,
/// `release --aggregates` and `bench pipeline` (issue 14), through the built binary.
@Suite(.enabled(if: BuiltHeatctl.url != nil, "heatctl is not built"))
struct AggregateCLITests {
    func run(_ arguments: [String]) throws -> BuiltHeatctl.Outcome { try BuiltHeatctl.run(arguments) }

    @Test func aggregatesShardsAndMergeThroughTheCLI() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appending(path: "heat.db").path
        let keys = folder.appending(path: "keys").path
        let input = folder.appending(path: "interactions.csv").path
        let clientsFile = folder.appending(path: "clients.csv").path
        #expect(try run(["generate", "--clients", "80", "--managers", "4", "--branches", "2", "--weeks", "8", "--out", input,
                         "--clients-out", clientsFile]).status == 0)
        #expect(try run(["init", "--store", db]).status == 0)
        #expect(try run(["keys", "generate", "--out", keys, "--store", db, "--aggregates", "--max-clients", "1000"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: "\(keys)/evaluator/\(Evaluator.galoisKeysFile)"))
        #expect(try run(["ingest", input, "--store", db, "--keys", "\(keys)/collector", "--clients", clientsFile]).status == 0)

        let runFile = folder.appending(path: "run.heat").path
        let groups = folder.appending(path: "groups.heat").path
        let evaluated = try run(["evaluate", "--store", db, "--keys", "\(keys)/evaluator", "--trust", "\(keys)/auditor", "--out", runFile, "--aggregates-out", groups])
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        #expect(evaluated.stdoutText.contains("groups of at least 5 clients"))
        // Two parts merged without keys equal the unsharded run's bytes.
        var parts: [String] = []
        for i in 0..<2 {
            let part = folder.appending(path: "part-\(i).heat").path
            #expect(try run(["evaluate", "--store", db, "--keys", "\(keys)/evaluator", "--trust", "\(keys)/auditor", "--shard", "\(i)/2", "--out", part]).status == 0)
            parts.append(part)
        }
        let merged = folder.appending(path: "merged.heat").path
        #expect(try run(["evaluate", "--merge"] + parts + ["--out", merged]).status == 0)
        #expect(try Data(contentsOf: URL(filePath: merged)) == Data(contentsOf: URL(filePath: runFile)))
        #expect(try run(["evaluate", "--merge", parts[0], "--out", merged]).status == 65)
        #expect(try run(["evaluate", "--store", db, "--keys", "\(keys)/evaluator", "--trust", "\(keys)/auditor", "--shard", "2/2", "--out", merged]).status == 64)

        // The executive release with the aggregates equals the one without (noise off).
        let withAggregates = folder.appending(path: "a.json").path
        let without = folder.appending(path: "b.json").path
        #expect(try run(["release", "--store", db, "--keys", "\(keys)/keyholder", "--run", runFile, "--aggregates", groups,
                         "--role", "executive", "--section", "groups", "--out", withAggregates]).status == 0)
        // The same groups again to the same role (same members) are released again.
        #expect(try run(["release", "--store", db, "--keys", "\(keys)/keyholder", "--run", runFile,
                         "--role", "executive", "--section", "groups", "--out", without]).status == 0)
        let a = try ResultsDocument.decode(Data(contentsOf: URL(filePath: withAggregates)))
        let b = try ResultsDocument.decode(Data(contentsOf: URL(filePath: without)))
        #expect(a.groups?.isEmpty == false)
        #expect(a.groups == b.groups)

        // Review s42 agg27f M1: a writer of the store logs an altered file (two groups' pairs
        // swapped) beside the genuine one. This store has no directory versions, so the run
        // carries no periods: the members' decrypted values refuse it, with --run and without.
        let keyHolder = try KeyHolder(folder: KeyFolder(path: "\(keys)/keyholder", role: .keyholder))
        let genuine = try EncryptedAggregates.read(from: URL(filePath: groups), context: keyHolder.context)
        #expect(genuine.heat.count >= 2)
        var heat = genuine.heat, trend = genuine.trend
        heat.swapAt(0, 1)
        trend.swapAt(0, 1)
        let swapped = EncryptedAggregates(header: genuine.header, heat: heat, trend: trend)
        let swappedFile = folder.appending(path: "swapgroups.heat").path
        try swapped.envelope().write(to: URL(filePath: swappedFile))
        try ComputationLog.record(
            ComputationRun(startedAt: .now(), finishedAt: .now(), kind: EncryptedAggregates.logKind, inputHash: genuine.header.runOutputHash,
                           outputHash: swapped.outputHash, parameters: [:]),
            role: .evaluator, in: HeatStore(path: db))
        for extra in [["--run", runFile], []] {
            let out = folder.appending(path: "swapped.json").path
            let forged = try run(["release", "--store", db, "--keys", "\(keys)/keyholder", "--aggregates", swappedFile,
                                  "--role", "executive", "--section", "groups", "--out", out] + extra)
            #expect(forged.status == 65, "\(extra): \(forged.stderr)")
            #expect(forged.stderr.contains(swappedFile) && forged.stderr.contains("differs from the key holder's own total"), "\(forged.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out))
        }
        // Review s42 agg27f M3: without --run the file's week is the release's. Another --as-of
        // is refused before decrypting; without --as-of the release is of the file's week and
        // equals the one with the run.
        let elsewhere = try run(["release", "--store", db, "--keys", "\(keys)/keyholder", "--aggregates", groups,
                                 "--as-of", genuine.header.asOf.adding(days: -21).description, "--role", "executive",
                                 "--section", "groups", "--out", folder.appending(path: "elsewhere.json").path])
        #expect(elsewhere.status == 65, "\(elsewhere.stderr)")
        #expect(elsewhere.stderr.contains("not for the week of the release"), "\(elsewhere.stderr)")
        let noRun = folder.appending(path: "norun.json").path
        let fromFile = try run(["release", "--store", db, "--keys", "\(keys)/keyholder", "--aggregates", groups,
                                "--role", "executive", "--section", "groups", "--out", noRun])
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        #expect(try ResultsDocument.decode(Data(contentsOf: URL(filePath: noRun))).groups == a.groups)

        // Aggregates evaluated with k = 1 under the k = 5 policy: refused (77) before decrypting,
        // no results written, the refusal audited; the same policy with the file at k = 5 passes.
        let loose = folder.appending(path: "loose.heat").path
        #expect(try run(["evaluate", "--store", db, "--keys", "\(keys)/evaluator", "--trust", "\(keys)/auditor", "--out", runFile, "--aggregates-out", loose,
                         "--min-group-size", "1"]).status == 0)
        let refusedOut = folder.appending(path: "refused.json").path
        let policy = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appending(path: "Examples/policy.json").path
        let refused = try run(["release", "--store", db, "--keys", "\(keys)/keyholder", "--run", runFile, "--aggregates", loose,
                               "--role", "executive", "--policy", policy, "--section", "groups", "--out", refusedOut])
        #expect(refused.status == 77, "\(refused.stderr)")
        #expect(refused.stderr.contains("minGroupSize"))
        #expect(!FileManager.default.fileExists(atPath: refusedOut))
        let store = try HeatStore(path: db)
        let refusals = try store.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_log WHERE action = ?", arguments: [AuditAction.releaseRefused]) ?? 0
        }
        #expect(refusals == 1)
        #expect(try run(["release", "--store", db, "--keys", "\(keys)/keyholder", "--run", runFile, "--aggregates", groups,
                         "--role", "executive", "--policy", policy, "--section", "groups",
                         "--out", refusedOut]).status == 0)
    }

    /// `keys generate --preset X --aggregates` checks the worst-case noise margin as well as the sum
    /// bound: the small ring holds the sums of 100,000 clients but not the margin, so it is refused
    /// with exit 69 naming the preset that keeps it, before any key is written.
    @Test func keysGenerateRefusesAPresetThatCannotKeepTheMargin() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let keys = folder.appending(path: "keys").path
        let refused = try run(["keys", "generate", "--out", keys, "--preset", "n8192-logq217-logt41", "--aggregates"])
        #expect(refused.status == 69, "\(refused.stderr)")
        #expect(refused.stderr.contains("n16384-logq248-logt41"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(keys)/evaluator"))
    }

    @Test func benchPipelineReportsEveryPhase() throws {
        let outcome = try run(["bench", "pipeline", "--clients", "60", "--weeks", "4", "--json"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: outcome.stdout) as? [String: Any])
        let report = try #require(json["report"] as? [String: Any])
        let phases = try #require(report["phases"] as? [[String: Any]]).compactMap { $0["name"] as? String }
        for name in [
            "keygen", "ingest: read (streamed), pseudonymise, de-duplicate, bucket", "encrypt and store append", "evaluate heat", "aggregates",
            "decrypt and release",
        ] {
            #expect(phases.contains(name), "missing phase \(name)")
        }
        // Without --phase-peaks the kernel's peak mark is never reset (so `time -v` stays true):
        // no per-phase peaks, only the process's.
        let plainPhases = try #require(report["phases"] as? [[String: Any]])
        #expect(plainPhases.allSatisfy { $0["peakMemoryBytes"] == nil }, "no per-phase peaks without --phase-peaks")
        #expect(report["countedPeakMemoryBytes"] == nil)
        #expect((report["evaluationKeyBytes"] as? Int ?? 0) > 0)
        #expect((report["ciphertextsPerClient"] as? Double ?? 0) > 0)
        #if os(Linux)
        #expect((report["peakMemoryBytes"] as? Int ?? 0) > 0)
        // With --phase-peaks (Linux resets the high-water mark per phase): each phase's peak, the
        // counted ones' peak at most the process's. Skipped where the mark cannot be reset.
        guard FileManager.default.isWritableFile(atPath: "/proc/self/clear_refs") else { return }
        let withPeaks = try run(["bench", "pipeline", "--clients", "60", "--weeks", "4", "--json", "--phase-peaks"])
        #expect(withPeaks.status == 0, "\(withPeaks.stderr)")
        let peakJSON = try #require(try JSONSerialization.jsonObject(with: withPeaks.stdout) as? [String: Any])
        let peakReport = try #require(peakJSON["report"] as? [String: Any])
        let peaks = try #require(peakReport["phases"] as? [[String: Any]]).map { $0["peakMemoryBytes"] as? Int ?? 0 }
        #expect(peaks.allSatisfy { $0 > 0 }, "\(peaks)")
        let counted = try #require(peakReport["countedPeakMemoryBytes"] as? Int)
        #expect(counted > 0 && counted <= (peakReport["peakMemoryBytes"] as? Int ?? 0))
        #endif
    }
}
