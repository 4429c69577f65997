import Foundation
import GRDB
import HeatEnvelope
import Testing
@testable import HeatCore

/// Issue 27, item 4: verified backup (VACUUM INTO) and restore, and the size per client-week.
@Suite struct StoreBackupTests {
    func signedStore() throws -> (HeatStore, GeneratedKeys, SignedHead, URL) {
        let (store, directory) = try StoreTestSupport.makeStore()
        let keys = try KeyFolder.generate(at: directory.appending(path: "keys").path)
        try KeyRegistry.recordGenerated(keys, in: store)
        _ = try StoreIngestor(key: keys.pseudonymisationKey, signer: StoreTestSupport.signer(keys)).ingest(
            try StoreTestSupport.interactions(0..<60), clients: [], into: store,
            source: .init(name: "a.csv", inputHash: String(repeating: "a", count: 64)))
        let head = try HeadSigner.sign(store: store, with: keys.signingKey, anchor: .firstHead)
        return (store, keys, head, directory)
    }

    @Test func backupAndRestoreRoundTripVerified() throws {
        let (store, keys, head, directory) = try signedStore()
        let pinned = keys.signingKey.verificationKey
        let backup = directory.appending(path: "backup.db").path
        let result = try StoreBackup.backup(store: store.path, to: backup, pinnedKey: pinned, anchor: .previous(head))
        #expect(result.report.intact)
        #expect(result.measurement.clients == 7)
        #expect(result.measurement.weeks == 5)
        #expect(result.measurement.rows["event_hmacs"] == 60)
        let perClientWeek = try #require(result.measurement.bytesPerClientWeek)
        #expect(perClientWeek == Double(result.measurement.bytes) / 35)
        let restored = directory.appending(path: "restored.db").path
        let again = try StoreBackup.restore(from: backup, to: restored, pinnedKey: pinned, anchor: .previous(head))
        #expect(again.report.intact)
        #expect(try StoreTestSupport.dump(restored) == StoreTestSupport.dump(store.path))
        #expect(try HeatStore(readingFrom: restored).schemaVersion() == StoreSchema.currentVersion)
        // Never replaces a file.
        #expect(throws: StoreBackupError.alreadyExists(path: backup)) {
            try StoreBackup.backup(store: store.path, to: backup, pinnedKey: pinned, anchor: .previous(head))
        }
        #expect(throws: StoreBackupError.alreadyExists(path: restored)) {
            try StoreBackup.restore(from: backup, to: restored, pinnedKey: pinned, anchor: .previous(head))
        }
    }

    @Test func aTamperedBackupIsNotRestored() throws {
        let (store, keys, head, directory) = try signedStore()
        let pinned = keys.signingKey.verificationKey
        let backup = directory.appending(path: "backup.db").path
        _ = try StoreBackup.backup(store: store.path, to: backup, pinnedKey: pinned, anchor: .previous(head))
        try StoreTestSupport.attacker(backup).write { db in
            try StoreTestSupport.dropTriggers(db, "weekly_buckets")
            try db.execute(sql: "UPDATE weekly_buckets SET events = events + 1 WHERE seq = 3")
            for sql in StoreSchema.triggerStatements(for: .weeklyBuckets) { try db.execute(sql: sql) }
        }
        let restored = directory.appending(path: "restored.db").path
        expectThrows(StoreBackupError.self, {
            try StoreBackup.restore(from: backup, to: restored, pinnedKey: pinned, anchor: .previous(head))
        }, matching: { error in
            guard case .verificationFailed(let path, let violations) = error else { return false }
            return path == backup && violations.first?.contains("weekly_buckets row 3") == true
        })
        #expect(!FileManager.default.fileExists(atPath: restored))
        #expect(StoreBackupError.verificationFailed(path: "", violations: []).category.exitCode == 1)
    }

    @Test func backupAfterRetentionIsSmallerAndVerifies() throws {
        let (store, keys, head, directory) = try signedStore()
        let pinned = keys.signingKey.verificationKey
        let first = try StoreBackup.backup(store: store.path, to: directory.appending(path: "b1.db").path, pinnedKey: pinned, anchor: .previous(head))
        _ = try RetentionCompactor.apply(store: store, key: keys.signingKey, anchor: .previous(head), before: try ISOWeek(parsing: "2026-W08"))
        let next = try HeadSigner.sign(store: store, with: keys.signingKey, anchor: .previous(head))
        let second = try StoreBackup.backup(store: store.path, to: directory.appending(path: "b2.db").path, pinnedKey: pinned, anchor: .previous(next))
        #expect(second.report.intact)
        #expect(!second.report.retention.isEmpty)
        #expect(second.measurement.rows["weekly_buckets"]! < first.measurement.rows["weekly_buckets"]!)
        // An older head still verifies the compacted copy (old signatures stay valid through the anchors).
        #expect(try StoreVerifier.verify(store: HeatStore(readingFrom: directory.appending(path: "b2.db").path),
                                         pinnedKey: pinned, anchor: .previous(head)).intact)
    }
}
