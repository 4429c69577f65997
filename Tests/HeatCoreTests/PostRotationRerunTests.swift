import Foundation
import GRDB
import HeatEnvelope
import Testing
@testable import HeatCore

/// Issue 27 (s37): on a store with churn feature streams, the rotation re-encrypts the feature
/// rows after the last heat row, so a heat run logged after the rotation (before any new heat row)
/// records a `ciphertextsThroughSeq` inside the re-encrypted range. Such a run re-runs to the same
/// bytes and its aggregates' row counts are read, while a window that really ends inside the
/// re-encrypted heat rows (review s35 HIGH 1) is still refused, and the retired generation's
/// evaluator cannot claim the new generation's run.
@Suite(.serialized) struct PostRotationRerunTests {
    @Test func aLoggedPostRotationRunReRunsOnAFeatureStoreAndACutWindowIsStillRefused() throws {
        let f = try VersionedScoreReleaseTests.fixture(seed: 53)
        defer { try? FileManager.default.removeItem(at: f.folder) }
        let configuration = HeatConfiguration()
        let (oldRun, _) = try f.evaluator.evaluateAndRecord(store: f.store, configuration: configuration)
        let oldCounts = try Evaluator.deltaCounts(in: f.store, throughSeq: oldRun.header.ciphertextsThroughSeq)
        let values1 = try f.keyHolder.decrypt(run: oldRun, store: f.store)

        // Rotate to generation 2; no heat row is ingested afterwards.
        let out = f.folder.appending(path: "keys-fhe2").path
        let next = try FHEKeyRotation.generateKeys(at: out, parameters: f.keyHolder.context.parameters, generation: 2, aggregates: false)
        let transition = try FHEKeyRotation.rotate(
            store: f.store, signingKey: f.generated.signingKey, old: f.keyHolder, oldIdentity: f.keyHolder.fheIdentity,
            newPublicKey: next.publicKey, newGeneration: next.generation, anchor: .previous(f.head), reason: "rotation")
        let evaluator2 = try Evaluator(keysAt: "\(out)/evaluator")
        let holder2 = try KeyHolder(keysAt: "\(out)/keyholder")

        // The logged post-rotation run: its last heat row lies inside the re-encrypted range,
        // followed there by feature rows only (the case this test is about).
        let (run, number) = try evaluator2.evaluateAndRecord(store: f.store, configuration: configuration)
        let through = run.header.ciphertextsThroughSeq
        try #require(transition.firstSeq <= through && through < transition.lastSeq, "feature rows follow the last heat row")
        let after = try f.store.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT packing FROM ciphertexts WHERE seq > ? AND seq <= ?", arguments: [through, transition.lastSeq])
        }
        try #require(!after.isEmpty && after.allSatisfy { $0.hasPrefix(ChurnFeatureSet.streamPackingPrefix) })
        #expect(run.header.fheGeneration == 2 && run.header.fheKeyID == transition.keyID)

        // 1. The legitimate re-run: same inputs, same output hash as logged, exact values.
        let rerun = try evaluator2.evaluate(store: f.store, configuration: configuration, throughSeq: through)
        #expect(rerun.header.inputHash == run.header.inputHash && rerun.outputHash == run.outputHash)
        let logged = try #require(try ComputationLog.runs(in: f.store).first { $0.seq == number })
        #expect(logged.outputHash == rerun.outputHash, "the audit trail's output hash is reproduced")
        #expect(try holder2.decrypt(run: rerun, store: f.store) == values1, "re-encrypted weeks decrypt to the generation-1 values")
        // Its aggregates read the generation-2 heat rows: the same counts as the generation-1 run's.
        #expect(try Evaluator.deltaCounts(in: f.store, throughSeq: through) == oldCounts)

        // 2. The attack still refused: a window ending inside the re-encrypted heat rows (exit 65),
        // with either generation's evaluator.
        for evaluator in [evaluator2, f.evaluator] {
            let cut = #expect(throws: FHEKeyError.self) {
                _ = try evaluator.evaluate(store: f.store, configuration: configuration, throughSeq: transition.finalSeq + 1)
            }
            #expect(cut == .mixedGenerations(path: f.store.path, seq: transition.finalSeq + 1, run: 0, generation: 2))
            #expect(cut?.category.exitCode == 65)
        }
        #expect(throws: FHEKeyError.self) { _ = try Evaluator.deltaCounts(in: f.store, throughSeq: transition.finalSeq + 1) }
        // The retired generation's evaluator cannot re-run the generation-2 run (exit 64) ...
        #expect(throws: FHEKeyError.notCurrentGeneration(path: f.store.path, role: .evaluator, folderGeneration: 1, storeGeneration: 2)) {
            _ = try f.evaluator.evaluate(store: f.store, configuration: configuration, throughSeq: through)
        }
        // ... but re-runs its own logged run, reading only generation-1 rows.
        let oldRerun = try f.evaluator.evaluate(store: f.store, configuration: configuration, throughSeq: oldRun.header.ciphertextsThroughSeq)
        #expect(oldRerun.outputHash == oldRun.outputHash && oldRerun.header.fheGeneration == nil)
        #expect(try Evaluator.deltaCounts(in: f.store, throughSeq: oldRun.header.ciphertextsThroughSeq) == oldCounts)
    }
}
