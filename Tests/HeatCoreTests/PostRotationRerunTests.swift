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
    /// A feature store rotated to generation 2 after a logged generation-1 run, with a run logged
    /// after the rotation and no heat row ingested since.
    struct Rotated {
        var f: VersionedScoreReleaseTests.Fixture
        var transition: FHEKeyTransition
        var evaluator2: Evaluator
        var holder2: KeyHolder
        var oldRun: EncryptedHeatRun
        var oldCounts: [Int: [ISOWeek: Int]]
        var run: EncryptedHeatRun
        var number: Int64
        let configuration = HeatConfiguration()

        init(seed: UInt64) throws {
            f = try VersionedScoreReleaseTests.fixture(seed: seed)
            (oldRun, _) = try f.evaluator.evaluateAndRecord(store: f.store, configuration: configuration)
            oldCounts = try Evaluator.deltaCounts(in: f.store, throughSeq: oldRun.header.ciphertextsThroughSeq)
            // The logged run is covered by a signed head before the rotation (which needs a store that verifies).
            let signed = try HeadSigner.sign(store: f.store, with: f.generated.signingKey, anchor: .previous(f.head))
            let out = f.folder.appending(path: "keys-fhe2").path
            let next = try FHEKeyRotation.generateKeys(at: out, parameters: f.keyHolder.context.parameters, generation: 2, aggregates: false, signingKey: f.generated.signingKey)
            transition = try FHEKeyRotation.rotate(
                store: f.store, signingKey: f.generated.signingKey, old: f.keyHolder, oldIdentity: f.keyHolder.fheIdentity,
                newPublicKey: next.publicKey, newGeneration: next.generation, anchor: .previous(signed), reason: "rotation").record
            evaluator2 = try Evaluator(keysAt: "\(out)/evaluator")
            holder2 = try KeyHolder(keysAt: "\(out)/keyholder")
            (run, number) = try evaluator2.evaluateAndRecord(store: f.store, configuration: configuration)
            // The case this suite is about: the run's last heat row lies inside the re-encrypted
            // range, followed there by feature rows only.
            let through = run.header.ciphertextsThroughSeq
            try #require(transition.firstSeq <= through && through < transition.lastSeq, "feature rows follow the last heat row")
            let (last, first) = (transition.lastSeq, through)
            let after = try f.store.read { db in
                try String.fetchAll(db, sql: "SELECT DISTINCT packing FROM ciphertexts WHERE seq > ? AND seq <= ?", arguments: [first, last])
            }
            try #require(!after.isEmpty && after.allSatisfy { $0.hasPrefix(ChurnFeatureSet.streamPackingPrefix) })
        }
    }

    @Test func aLoggedPostRotationRunReRunsOnAFeatureStore() throws {
        let r = try Rotated(seed: 53)
        defer { try? FileManager.default.removeItem(at: r.f.folder) }
        let through = r.run.header.ciphertextsThroughSeq
        #expect(r.run.header.fheGeneration == 2 && r.run.header.fheKeyID == r.transition.keyID)
        // The legitimate re-run: same inputs, the logged output hash, exact values.
        let rerun = try r.evaluator2.evaluate(store: r.f.store, configuration: r.configuration, throughSeq: through)
        #expect(rerun.header.inputHash == r.run.header.inputHash && rerun.outputHash == r.run.outputHash)
        let logged = try #require(try ComputationLog.runs(in: r.f.store).first { $0.seq == r.number })
        #expect(logged.outputHash == rerun.outputHash, "the audit trail's output hash is reproduced")
        #expect(try r.holder2.decrypt(run: rerun, store: r.f.store) == r.f.keyHolder.decrypt(run: r.oldRun, store: r.f.store),
                "re-encrypted weeks decrypt to the generation-1 values")
        // Its aggregates read the generation-2 heat rows: the same counts as the generation-1 run's.
        #expect(try Evaluator.deltaCounts(in: r.f.store, throughSeq: through) == r.oldCounts)
    }

    @Test func aWindowCutInsideTheReencryptedHeatRowsIsStillRefused() throws {
        let r = try Rotated(seed: 54)
        defer { try? FileManager.default.removeItem(at: r.f.folder) }
        let cutAt = r.transition.finalSeq + 1
        // With either generation's evaluator: exit 65, naming the row.
        for evaluator in [r.evaluator2, r.f.evaluator] {
            let cut = #expect(throws: FHEKeyError.self) {
                _ = try evaluator.evaluate(store: r.f.store, configuration: r.configuration, throughSeq: cutAt)
            }
            #expect(cut == .mixedGenerations(path: r.f.store.path, seq: cutAt, run: 0, generation: 2))
            #expect(cut?.category.exitCode == 65)
        }
        #expect(throws: FHEKeyError.self) { _ = try Evaluator.deltaCounts(in: r.f.store, throughSeq: cutAt) }
        // The retired generation's evaluator cannot re-run the generation-2 run (exit 64) ...
        #expect(throws: FHEKeyError.notCurrentGeneration(path: r.f.store.path, role: .evaluator, folderGeneration: 1, storeGeneration: 2)) {
            _ = try r.f.evaluator.evaluate(store: r.f.store, configuration: r.configuration, throughSeq: r.run.header.ciphertextsThroughSeq)
        }
        // ... but re-runs its own logged run, reading only generation-1 rows.
        let oldRerun = try r.f.evaluator.evaluate(store: r.f.store, configuration: r.configuration, throughSeq: r.oldRun.header.ciphertextsThroughSeq)
        #expect(oldRerun.outputHash == r.oldRun.outputHash && oldRerun.header.fheGeneration == nil)
        #expect(try Evaluator.deltaCounts(in: r.f.store, throughSeq: r.oldRun.header.ciphertextsThroughSeq) == r.oldCounts)
    }
}
