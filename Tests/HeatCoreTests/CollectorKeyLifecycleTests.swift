import Foundation
import GRDB
import HeatEnvelope
import Testing
@testable import HeatCore

/// Issue 27, review s34 MEDIUMs 3 and 4: the successor's key files are written before the
/// rotation commits and removed when it fails (never replacing a file), and revoking the last
/// active collector key is no dead end (`rotate` then endorses a fresh key, generation + 1).
@Suite struct CollectorKeyLifecycleTests {
    typealias Fixture = CollectorKeyRotationTests.Fixture

    static func files(_ out: URL) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: out.appending(path: "collector").path))?.sorted() ?? []
    }

    @Test func afterTheLastKeyIsRevokedRotateEndorsesAFreshKey() throws {
        var fixture = try CollectorKeyRotationTests().signedStore()
        defer { try? FileManager.default.removeItem(at: fixture.directory) }
        let old = StoreTestSupport.signer(fixture.keys)
        _ = try CollectorKeyRotation.revoke(store: fixture.store, keyholder: fixture.keys.signingKey,
                                           key: String(old.key.fingerprint.hex.prefix(8)), anchor: .previous(fixture.head), reason: "laptop stolen")
        try fixture.sign()
        #expect(try CollectorKeyRotation.keys(in: fixture.store).allSatisfy { $0.retiredBy != nil })
        let out = fixture.directory.appending(path: "collector-gen2")
        let fresh = IngestionKey()
        let rotation = try CollectorKeyRotation.rotate(
            store: fixture.store, keyholder: fixture.keys.signingKey, retiring: nil, to: fresh, anchor: .previous(fixture.head),
            reason: "revocation: laptop stolen", writingKeyTo: out.path).record
        try fixture.sign()
        #expect(rotation.retirement == nil && rotation.generation == 2 && rotation.endorsement.generation == 2)
        #expect(Self.files(out) == [KeyFolder.ingestionEndorsementFile, KeyFolder.ingestionKeyFile].sorted())
        let status = try #require(try CollectorKeyRotation.keys(in: fixture.store).first { $0.fingerprint == fresh.fingerprint.hex })
        #expect(status.generation == 2 && status.retiredBy == nil)
        #expect(try AuditLog.entries(in: fixture.store, action: CollectorKeyRotation.endorseAction).count == 1)
        // The fresh key ingests and the store verifies; the revoked key stays refused.
        try fixture.ingest(200..<210, name: "fresh.csv", signer: CollectorSigner(key: fresh, endorsement: rotation.endorsement))
        try fixture.sign()
        #expect(try fixture.verify().intact)
        #expect(throws: CollectorKeyError.self) { try fixture.ingest(210..<220, name: "old.csv", signer: old) }
        try fixture.sign()
        // With an active key again, the next rotation retires it as usual (generation 3).
        let next = try CollectorKeyRotation.rotate(
            store: fixture.store, keyholder: fixture.keys.signingKey, retiring: nil, to: IngestionKey(), anchor: .previous(fixture.head),
            reason: "rotation", writingKeyTo: fixture.directory.appending(path: "collector-gen3").path).record
        #expect(next.retirement?.retiredFingerprint == fresh.fingerprint.hex && next.generation == 3)
        // The entry point without files keeps refusing (exit 64) when no key is active.
        try fixture.sign()
        _ = try CollectorKeyRotation.revoke(store: fixture.store, keyholder: fixture.keys.signingKey,
                                           key: String(next.endorsement.keyFingerprint.prefix(8)), anchor: .previous(fixture.head), reason: "x")
        try fixture.sign()
        #expect(throws: CollectorKeyError.activeKeys(path: fixture.store.path, count: 0)) {
            _ = try CollectorKeyRotation.rotate(store: fixture.store, keyholder: fixture.keys.signingKey, retiring: nil, to: IngestionKey(),
                                                anchor: .previous(fixture.head), reason: "rotation")
        }
    }

    @Test func theKeyFilesAreWrittenBeforeTheCommitAndRemovedWhenItFails() throws {
        let fixture = try CollectorKeyRotationTests().signedStore()
        defer { try? FileManager.default.removeItem(at: fixture.directory) }
        let old = StoreTestSupport.signer(fixture.keys)
        let out = fixture.directory.appending(path: "collector-gen2")
        // A failure after the files are written, inside the transaction: the audit entry is refused.
        try StoreTestSupport.attacker(fixture.store.path).write { db in
            try db.execute(sql: """
                CREATE TRIGGER injected_failure BEFORE INSERT ON audit_log WHEN NEW.action = '\(CollectorKeyRotation.rotateAction)'
                BEGIN SELECT RAISE(ABORT, 'injected commit failure'); END
                """)
        }
        do {
            _ = try CollectorKeyRotation.rotate(store: fixture.store, keyholder: fixture.keys.signingKey, retiring: nil, to: IngestionKey(),
                                                anchor: .previous(fixture.head), reason: "rotation", writingKeyTo: out.path)
            Issue.record("the rotation committed through the injected failure")
        } catch {
            #expect(String(describing: error).contains("injected commit failure"), "\(error)")
        }
        #expect(Self.files(out).isEmpty, "a key the store never endorsed is not left behind: \(Self.files(out))")
        #expect(try CollectorKeyRotation.keys(in: fixture.store).map(\.retiredBy) == [nil], "nothing was retired")
        try StoreTestSupport.attacker(fixture.store.path).write { db in try db.execute(sql: "DROP TRIGGER injected_failure") }
        try fixture.ingest(300..<305, name: "still.csv", signer: old)

        // An existing file is never replaced: the key file written just before it is removed too.
        var signed = fixture
        try signed.sign()
        let collector = out.appending(path: "collector")
        try FileManager.default.createDirectory(at: collector, withIntermediateDirectories: true)
        let existing = collector.appending(path: KeyFolder.ingestionEndorsementFile)
        try Data("keep me".utf8).write(to: existing)
        #expect(throws: KeyError.self) {
            _ = try CollectorKeyRotation.rotate(store: signed.store, keyholder: signed.keys.signingKey, retiring: nil, to: IngestionKey(),
                                                anchor: .previous(signed.head), reason: "rotation", writingKeyTo: out.path)
        }
        #expect(Self.files(out) == [KeyFolder.ingestionEndorsementFile])
        #expect(try Data(contentsOf: existing) == Data("keep me".utf8))
        #expect(try CollectorKeyRotation.keys(in: signed.store).map(\.retiredBy) == [nil])
    }
}
