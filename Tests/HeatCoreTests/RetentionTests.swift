import Foundation
import GRDB
import HeatEnvelope
import Testing
@testable import HeatCore

/// Issue 27, item 2: retention drops old weeks with signed tombstones that `audit verify` accepts
/// and names; forged, unsigned or altered tombstones (and deletions beyond them) are violations.
@Suite struct RetentionTests {
    struct Fixture {
        var store: HeatStore
        var keys: GeneratedKeys
        var directory: URL
        var head: SignedHead
        var pinned: StoreVerificationKey { keys.signingKey.verificationKey }

        func verify(_ anchor: HeadAnchor? = nil, allowUnsignedTail: Bool = false) throws -> VerificationReport {
            try StoreVerifier.verify(store: store, pinnedKey: pinned, anchor: anchor ?? .previous(head), allowUnsignedTail: allowUnsignedTail)
        }

        func rows(_ sql: String) throws -> Int { try store.read { db in try Int.fetchOne(db, sql: sql) ?? -1 } }
    }

    /// Two signed ingestions over 2026-W05 ... 2026-W09 and a first signed head.
    func signedStore() throws -> Fixture {
        let (store, directory) = try StoreTestSupport.makeStore()
        let keys = try KeyFolder.generate(at: directory.appending(path: "keys").path)
        try KeyRegistry.recordGenerated(keys, in: store)
        let ingestor = StoreIngestor(key: keys.pseudonymisationKey, signer: StoreTestSupport.signer(keys))
        _ = try ingestor.ingest(try StoreTestSupport.interactions(0..<40), clients: [], into: store,
                                source: .init(name: "a.csv", inputHash: String(repeating: "a", count: 64)))
        _ = try ingestor.ingest(try StoreTestSupport.interactions(40..<90), clients: [], into: store,
                                source: .init(name: "b.csv", inputHash: String(repeating: "b", count: 64)))
        let head = try HeadSigner.sign(store: store, with: keys.signingKey, anchor: .firstHead)
        return Fixture(store: store, keys: keys, directory: directory, head: head)
    }

    /// Applies retention before 2026-W07 and signs; returns the summary and the new head.
    func retained(_ fixture: Fixture) throws -> (RetentionCompactor.Summary, SignedHead) {
        let retention = try RetentionCompactor.apply(
            store: fixture.store, key: fixture.keys.signingKey, anchor: .previous(fixture.head), before: try ISOWeek(parsing: "2026-W07"))
        return (retention.record, retention.head)
    }

    @Test func retentionDropsOldWeeksAndTheStoreStillVerifies() throws {
        var fixture = try signedStore()
        let before = try fixture.rows("SELECT COUNT(*) FROM weekly_buckets WHERE week < '2026-W07'")
        let total = try fixture.rows("SELECT COUNT(*) FROM weekly_buckets")
        #expect(before > 0)
        let (summary, head) = try retained(fixture)
        let dropped = Int(try #require(summary.droppedRows["weekly_buckets"]))
        // Every old row is gone, except the table's last row when it is old (the next append chains from it).
        let kept = try fixture.rows("SELECT COUNT(*) FROM weekly_buckets WHERE week < '2026-W07'")
        #expect(kept <= 1 && dropped + kept == before)
        #expect(try fixture.rows("SELECT COUNT(*) FROM weekly_buckets") == total - dropped)
        #expect(summary.tombstones.count > 1, "old weeks interleave with new ones: several ranges")
        // The old head (whose chain ends and the ingestion signatures name dropped rows) still verifies.
        let old = try fixture.verify(.previous(fixture.head), allowUnsignedTail: true)
        #expect(old.intact, "\(old.violations)")
        fixture.head = head
        let report = try fixture.verify()
        #expect(report.intact, "\(report.violations)")
        #expect(report.retention.count == summary.tombstones.count)
        #expect(report.retention[0].hasPrefix("weekly_buckets rows "))
        #expect(report.retention[0].contains("dropped by retention (weeks before 2026-W07), signed tombstone 1"))
        #expect(try fixture.rows("SELECT COUNT(*) FROM audit_log WHERE action = 'retention.compact'") == 1)
        // The triggers are back, byte-identical: the table is append-only again.
        #expect(throws: (any Error).self) {
            try fixture.store.write { db in try db.execute(sql: "DELETE FROM weekly_buckets WHERE seq = (SELECT MAX(seq) FROM weekly_buckets)") }
        }
        // Later ingestions and signatures continue the chains.
        _ = try StoreIngestor(key: fixture.keys.pseudonymisationKey, signer: StoreTestSupport.signer(fixture.keys)).ingest(
            try StoreTestSupport.interactions(90..<100), clients: [], into: fixture.store,
            source: .init(name: "c.csv", inputHash: String(repeating: "c", count: 64)))
        let next = try HeadSigner.sign(store: fixture.store, with: fixture.keys.signingKey, anchor: .previous(head))
        #expect(try fixture.verify(.previous(next)).intact)
        // A second run drops at most the formerly last row, and the store still verifies.
        let again = try RetentionCompactor.apply(
            store: fixture.store, key: fixture.keys.signingKey, anchor: .previous(next), before: try ISOWeek(parsing: "2026-W07"))
        #expect(again.record.droppedRows.values.reduce(0, +) <= 1)
        let last = again.head
        #expect(try fixture.verify(.previous(last)).intact)
    }

    @Test func retentionRefusesAStoreWithUnsignedRows() throws {
        let fixture = try signedStore()
        _ = try StoreIngestor(key: fixture.keys.pseudonymisationKey, signer: StoreTestSupport.signer(fixture.keys)).ingest(
            try StoreTestSupport.interactions(90..<100), clients: [], into: fixture.store,
            source: .init(name: "c.csv", inputHash: String(repeating: "c", count: 64)))
        let count = try fixture.rows("SELECT COUNT(*) FROM weekly_buckets")
        expectThrows(RetentionError.self, {
            try RetentionCompactor.apply(store: fixture.store, key: fixture.keys.signingKey, anchor: .previous(fixture.head),
                                         before: try ISOWeek(parsing: "2026-W07"))
        }, matching: { error in
            guard case .refused(let violations) = error else { return false }
            return violations.first?.contains("not covered by a signed head") == true
        })
        #expect(try fixture.rows("SELECT COUNT(*) FROM weekly_buckets") == count)
        #expect(RetentionError.refused(violations: []).category.exitCode == 1)
    }

    /// The attacker deletes old rows and writes a tombstone signed with their own key, re-chained.
    @Test(arguments: ["attacker key", "unsigned"])
    func aForgedOrUnsignedTombstoneFailsVerification(forgery: String) throws {
        let fixture = try signedStore()
        let attackerKey = StoreSigningKey()
        try StoreTestSupport.attacker(fixture.store.path).write { db in
            try db.execute(sql: "DROP TRIGGER weekly_buckets_no_delete")
            let hash = try #require(try Data.fetchOne(db, sql: "SELECT row_hash FROM weekly_buckets WHERE seq = 5"))
            try db.execute(sql: "DELETE FROM weekly_buckets WHERE seq BETWEEN 1 AND 5")
            var stone = try RetentionTombstone.signed(
                table: "weekly_buckets", firstSeq: 1, lastSeq: 5, policy: "weeks before 2026-W07",
                anchors: [.init(seq: 5, hash: Hex.encode(hash))], with: attackerKey)
            if forgery == "unsigned" {
                stone.keyFingerprint = fixture.keys.signingKey.fingerprint.hex
                stone.signature = String(repeating: "0", count: 128)
            }
            try ChainAppender(db, table: .retentionTombstones).append(stone.rowValues)
            try db.execute(sql: StoreSchema.triggerStatements(for: .weeklyBuckets)[1])
        }
        let report = try fixture.verify(allowUnsignedTail: true)
        let bad = try #require(report.violations.first { $0.kind == .badTombstone })
        #expect(bad.table == "retention_tombstones" && bad.seq == 1)
        #expect(bad.message.contains(forgery == "unsigned" ? "signature does not verify" : "not by the pinned auditor key"))
        let missing = try #require(report.violations.first { $0.kind == .missingRow })
        #expect(missing.table == "weekly_buckets" && missing.seq == 1)
        #expect(report.retention.isEmpty)
    }

    @Test func aGenuineTombstoneDoesNotExcuseFurtherDeletionsOrEdits() throws {
        let fixture = try signedStore()
        let (summary, head) = try retained(fixture)
        let stone = try #require(summary.tombstones.first)
        // Deleting one more row right after the tombstone's range: not covered.
        try StoreTestSupport.attacker(fixture.store.path).write { db in
            try db.execute(sql: "DROP TRIGGER weekly_buckets_no_delete")
            try db.execute(sql: "DELETE FROM weekly_buckets WHERE seq = ?", arguments: [stone.lastSeq + 1])
        }
        let report = try fixture.verify(.previous(head))
        let missing = try #require(report.violations.first { $0.kind == .missingRow })
        #expect(missing.table == "weekly_buckets" && missing.seq == stone.lastSeq + 1)

        // Widening the tombstone's range after the fact breaks its signature.
        let other = try signedStore()
        let (_, otherHead) = try retained(other)
        try StoreTestSupport.attacker(other.store.path).write { db in
            try StoreTestSupport.dropTriggers(db, "retention_tombstones")
            try db.execute(sql: "UPDATE retention_tombstones SET last_seq = last_seq + 1 WHERE seq = 1")
            try StoreTestSupport.recomputeChain(db, .retentionTombstones)
        }
        let widened = try StoreVerifier.verify(store: other.store, pinnedKey: other.pinned, anchor: .previous(otherHead))
        #expect(widened.violations.contains { $0.kind == .badTombstone && $0.seq == 1 && $0.message.contains("signature does not verify") })
    }

    /// Issue 27 review: putting the dropped rows back (they chain, being the original rows) is a
    /// violation, not a silent undo of the retention.
    @Test func reinsertingRowsDroppedByRetentionIsAViolation() throws {
        let fixture = try signedStore()
        let kept = try fixture.store.read { db in try Row.fetchAll(db, sql: "SELECT * FROM weekly_buckets ORDER BY seq") }
        let (summary, head) = try retained(fixture)
        let stone = try #require(summary.tombstones.first { $0.table == "weekly_buckets" })
        let dropped = try #require(kept.first { ($0["seq"] as Int64) == stone.firstSeq })
        try StoreTestSupport.attacker(fixture.store.path).write { db in
            let names = Array(dropped.columnNames)
            try db.execute(sql: "INSERT INTO weekly_buckets (\(names.joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))",
                           arguments: StatementArguments(names.map { dropped[$0] as DatabaseValue }))
        }
        let report = try fixture.verify(.previous(head))
        let violation = try #require(report.violations.first { $0.kind == .reinsertedRow })
        #expect(violation.table == "weekly_buckets" && violation.seq == stone.firstSeq)
        #expect(violation.message.contains("which a signed tombstone dropped (weeks before 2026-W07)"))
    }
}
