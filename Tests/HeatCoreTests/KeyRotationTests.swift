import Foundation
import GRDB
import HeatEnvelope
import Testing
@testable import HeatCore

/// Issue 27, item 3: rotation and revocation of the store signing key through a transition
/// signed by both keys; old signatures stay verifiable, the retired key's later heads do not.
@Suite struct KeyRotationTests {
    struct Fixture {
        var store: HeatStore
        var keys: GeneratedKeys
        var head: SignedHead
        var oldKey: StoreSigningKey { keys.signingKey }

        func verify(pinned: StoreVerificationKey, _ anchor: SignedHead, allowUnsignedTail: Bool = false) throws -> VerificationReport {
            try StoreVerifier.verify(store: store, pinnedKey: pinned, anchor: .previous(anchor), allowUnsignedTail: allowUnsignedTail)
        }

        func ingest(_ range: Range<Int>, name: String) throws {
            _ = try StoreIngestor(key: keys.pseudonymisationKey, signer: StoreTestSupport.signer(keys)).ingest(
                try StoreTestSupport.interactions(range), clients: [], into: store,
                source: .init(name: name, inputHash: String(repeating: "d", count: 64)))
        }
    }

    func signedStore() throws -> Fixture {
        let (store, directory) = try StoreTestSupport.makeStore()
        let keys = try KeyFolder.generate(at: directory.appending(path: "keys").path)
        try KeyRegistry.recordGenerated(keys, in: store)
        let fixture = Fixture(store: store, keys: keys, head: try HeadSigner.sign(store: store, with: keys.signingKey, anchor: .firstHead))
        try fixture.ingest(0..<40, name: "a.csv")
        var signed = fixture
        signed.head = try HeadSigner.sign(store: store, with: keys.signingKey, anchor: .previous(fixture.head))
        return signed
    }

    /// Appends a head signed by `key` as someone with write access and that key would.
    func appendHead(signedBy key: StoreSigningKey, to store: HeatStore) throws {
        try StoreTestSupport.attacker(store.path).write { db in
            var head = SignedHead(
                signedAt: UTCTimestamp(secondsSinceEpoch: 1_900_000_000), schemaVersion: StoreSchema.currentVersion,
                keyFingerprint: key.fingerprint.hex, chains: try ChainedTable.signedChains.map { try HeadSigner.currentHead(of: $0, in: db) },
                signature: "")
            head.signature = Hex.encode(try key.signature(for: head.signedMessage))
            var unsigned = head
            unsigned.signature = ""
            try ChainAppender(db, table: .signedHeads).append([
                .text(head.signedAt.iso8601), .text(String(decoding: try unsigned.jsonData(), as: UTF8.self)),
                .text(head.keyFingerprint), .blob(Hex.decode(head.signature) ?? []),
            ])
        }
    }

    @Test func rotationKeepsOldSignaturesVerifiableUnderEitherPin() throws {
        let fixture = try signedStore()
        let newKey = StoreSigningKey()
        let transition = try SigningKeyRotation.rotate(
            store: fixture.store, from: fixture.oldKey, to: newKey, anchor: .previous(fixture.head), reason: "rotation")
        #expect(transition.generation == 2 && transition.finalHeadSeq == 2 && transition.isValid)
        let next = try HeadSigner.sign(store: fixture.store, with: newKey, anchor: .previous(fixture.head))
        #expect(next.keyFingerprint == newKey.fingerprint.hex)
        for pinned in [fixture.oldKey.verificationKey, newKey.verificationKey] {
            let report = try fixture.verify(pinned: pinned, next)
            #expect(report.intact, "\(report.violations)")
            #expect(report.signedHeads == 3 && report.collectorKeys == 1)  // the old key's endorsement still counts
        }
        // Data after the rotation, signed with the new key, verifies under the old pin too.
        try fixture.ingest(40..<60, name: "b.csv")
        let later = try HeadSigner.sign(store: fixture.store, with: newKey, anchor: .previous(next))
        #expect(try fixture.verify(pinned: fixture.oldKey.verificationKey, later).intact)
        // The retired key can no longer sign through heatctl.
        expectThrows(StoreError.self, {
            try HeadSigner.sign(store: fixture.store, with: fixture.oldKey, anchor: .previous(later))
        }, matching: { error in
            guard case .keyMismatch(_, let role, let expected, _) = error else { return false }
            return role == "keyholder" && expected == newKey.fingerprint.hex
        })
        let entries = try AuditLog.entries(in: fixture.store, action: SigningKeyRotation.auditAction)
        #expect(entries.count == 1 && entries[0].parameters["generation"] == "2")
    }

    @Test func aHeadSignedByTheRetiredKeyAfterTheTransitionIsAViolation() throws {
        let fixture = try signedStore()
        let newKey = StoreSigningKey()
        _ = try SigningKeyRotation.rotate(
            store: fixture.store, from: fixture.oldKey, to: newKey, anchor: .previous(fixture.head), reason: "revocation: laptop stolen")
        let next = try HeadSigner.sign(store: fixture.store, with: newKey, anchor: .previous(fixture.head))
        try appendHead(signedBy: fixture.oldKey, to: fixture.store)  // the thief of the old key
        for pinned in [fixture.oldKey.verificationKey, newKey.verificationKey] {
            let report = try fixture.verify(pinned: pinned, next)
            let violation = try #require(report.violations.first { $0.kind == .retiredSigningKey })
            #expect(violation.seq == 4 && violation.message.contains("retired after signed head 2"))
        }
    }

    @Test func aTransitionNotSignedByTheOldKeyIsIgnoredAndNamed() throws {
        let fixture = try signedStore()
        let attacker = StoreSigningKey()
        // The attacker claims the pinned key handed over to theirs, but can sign only with their own key.
        try StoreTestSupport.attacker(fixture.store.path).write { db in
            var forged = try KeyTransition.signed(from: attacker, to: StoreSigningKey(), generation: 2, finalHeadSeq: 2, reason: "rotation")
            forged.oldPublicKey = Hex.encode(fixture.oldKey.verificationKey.rawRepresentation)
            forged.newPublicKey = Hex.encode(attacker.verificationKey.rawRepresentation)
            forged.newSignature = Hex.encode(try attacker.signature(for: forged.signedMessage))
            forged.oldSignature = forged.newSignature
            try ChainAppender(db, table: .keyTransitions).append(forged.rowValues)
        }
        try appendHead(signedBy: attacker, to: fixture.store)
        let report = try fixture.verify(pinned: fixture.oldKey.verificationKey, fixture.head, allowUnsignedTail: true)
        let bad = try #require(report.violations.first { $0.kind == .badKeyTransition })
        #expect(bad.table == "key_transitions" && bad.seq == 1 && bad.message.contains("not signed by both keys"))
        #expect(report.violations.contains { $0.kind == .unknownSigningKey && $0.seq == 3 })
        // A valid transition between two keys of the attacker's own is not linked to the pin either.
        let other = try signedStore()
        try StoreTestSupport.attacker(other.store.path).write { db in
            let own = try KeyTransition.signed(from: attacker, to: StoreSigningKey(), generation: 2, finalHeadSeq: 2, reason: "rotation")
            try ChainAppender(db, table: .keyTransitions).append(own.rowValues)
        }
        let unlinked = try other.verify(pinned: other.oldKey.verificationKey, other.head, allowUnsignedTail: true)
        #expect(unlinked.violations.contains { $0.kind == .badKeyTransition && $0.message.contains("neither of which the pinned auditor key trusts") })
    }

    @Test func retentionAfterRotationVerifiesUnderTheOriginalPin() throws {
        let fixture = try signedStore()
        try fixture.ingest(40..<80, name: "b.csv")
        let signed = try HeadSigner.sign(store: fixture.store, with: fixture.oldKey, anchor: .previous(fixture.head))
        let newKey = StoreSigningKey()
        _ = try SigningKeyRotation.rotate(store: fixture.store, from: fixture.oldKey, to: newKey, anchor: .previous(signed), reason: "rotation")
        let next = try HeadSigner.sign(store: fixture.store, with: newKey, anchor: .previous(signed))
        let summary = try RetentionCompactor.apply(store: fixture.store, key: newKey, anchor: .previous(next), before: try ISOWeek(parsing: "2026-W07"))
        #expect(!summary.tombstones.isEmpty)
        let last = try HeadSigner.sign(store: fixture.store, with: newKey, anchor: .previous(next))
        let report = try fixture.verify(pinned: fixture.oldKey.verificationKey, last)
        #expect(report.intact, "\(report.violations)")
        #expect(!report.retention.isEmpty)
    }

    /// What the thief of a retired key does: deletes the oldest weekly_buckets rows and covers
    /// them with a tombstone signed by that key (re-chained, triggers restored).
    func forgeTombstone(signedBy key: StoreSigningKey, in store: HeatStore, lastSeq: Int64 = 5) throws {
        try StoreTestSupport.attacker(store.path).write { db in
            try db.execute(sql: "DROP TRIGGER weekly_buckets_no_delete")
            let hash = try #require(try Data.fetchOne(db, sql: "SELECT row_hash FROM weekly_buckets WHERE seq = ?", arguments: [lastSeq]))
            try db.execute(sql: "DELETE FROM weekly_buckets WHERE seq BETWEEN 1 AND ?", arguments: [lastSeq])
            let stone = try RetentionTombstone.signed(
                table: "weekly_buckets", firstSeq: 1, lastSeq: lastSeq, policy: "weeks before 2026-W07",
                anchors: [.init(seq: lastSeq, hash: Hex.encode(hash))], with: key,
                recordedAt: UTCTimestamp(secondsSinceEpoch: 1_700_000_000))  // back-dated: the date proves nothing
            try ChainAppender(db, table: .retentionTombstones).append(stone.rowValues)
            try db.execute(sql: StoreSchema.triggerStatements(for: .weeklyBuckets)[1])
        }
    }

    @Test func aTombstoneForgedWithTheRetiredKeyIsRefusedByBothPinsAndBySigning() throws {
        let fixture = try signedStore()
        let newKey = StoreSigningKey()
        _ = try SigningKeyRotation.rotate(
            store: fixture.store, from: fixture.oldKey, to: newKey, anchor: .previous(fixture.head), reason: "revocation: laptop stolen")
        let next = try HeadSigner.sign(store: fixture.store, with: newKey, anchor: .previous(fixture.head))
        try forgeTombstone(signedBy: fixture.oldKey, in: fixture.store)  // the thief of the old key
        for pinned in [fixture.oldKey.verificationKey, newKey.verificationKey] {
            let report = try fixture.verify(pinned: pinned, next, allowUnsignedTail: true)
            #expect(!report.intact)
            let refused = try #require(report.violations.first { $0.kind == .retiredSigningKey })
            #expect(refused.table == "retention_tombstones" && refused.seq == 1)
            #expect(refused.message.contains("weekly_buckets rows 1-5"))
            #expect(refused.message.contains(String(fixture.oldKey.fingerprint.hex.prefix(16))))
            #expect(refused.message.contains("retired after signed head 2"))
            // The rows it names count as deleted, and it is not reported as retention.
            #expect(report.violations.contains { $0.kind == .missingRow && $0.table == "weekly_buckets" && $0.seq == 1 })
            #expect(report.retention.isEmpty)
            #expect(Violation.Kind.retiredSigningKey == refused.kind && AuditError.refusedToSign(violations: []).category.exitCode == 1)
        }
        // The key holder's next signature does not launder the forgery.
        expectThrows(AuditError.self, {
            try HeadSigner.sign(store: fixture.store, with: newKey, anchor: .previous(next))
        }, matching: { error in
            guard case .refusedToSign(let violations) = error else { return false }
            return violations.contains { $0.contains("retention_tombstones row 1") && $0.contains("retired after signed head 2") }
        })
    }

    @Test func aTombstoneSignedBeforeTheRotationStillVerifies() throws {
        let fixture = try signedStore()
        try fixture.ingest(40..<80, name: "b.csv")
        let signed = try HeadSigner.sign(store: fixture.store, with: fixture.oldKey, anchor: .previous(fixture.head))
        let summary = try RetentionCompactor.apply(
            store: fixture.store, key: fixture.oldKey, anchor: .previous(signed), before: try ISOWeek(parsing: "2026-W07"))
        #expect(!summary.tombstones.isEmpty)
        let retained = try HeadSigner.sign(store: fixture.store, with: fixture.oldKey, anchor: .previous(signed))
        let newKey = StoreSigningKey()
        _ = try SigningKeyRotation.rotate(store: fixture.store, from: fixture.oldKey, to: newKey, anchor: .previous(retained), reason: "rotation")
        let next = try HeadSigner.sign(store: fixture.store, with: newKey, anchor: .previous(retained))
        for pinned in [fixture.oldKey.verificationKey, newKey.verificationKey] {
            let report = try fixture.verify(pinned: pinned, next)
            #expect(report.intact, "\(report.violations)")
            #expect(report.retention.count == summary.tombstones.count)
        }
    }

    @Test func aCollectorKeyEndorsedWithTheRetiredKeyIsRefused() throws {
        let fixture = try signedStore()
        let newKey = StoreSigningKey()
        _ = try SigningKeyRotation.rotate(
            store: fixture.store, from: fixture.oldKey, to: newKey, anchor: .previous(fixture.head), reason: "revocation: laptop stolen")
        let next = try HeadSigner.sign(store: fixture.store, with: newKey, anchor: .previous(fixture.head))
        // The thief endorses a collector key of their own with the retired key.
        let endorsement = try IngestionKeyEndorsement(endorsing: IngestionKey(), with: fixture.oldKey)
        try StoreTestSupport.attacker(fixture.store.path).write { db in
            try ChainAppender(db, table: .collectorKeys).append([
                .text(UTCTimestamp.now().iso8601), .text(endorsement.keyFingerprint), .blob(Hex.decode(endorsement.publicKey) ?? []),
                .text(endorsement.endorsedBy), .text(endorsement.endorsedAt.iso8601), .blob(Hex.decode(endorsement.signature) ?? []),
            ])
        }
        let report = try fixture.verify(pinned: newKey.verificationKey, next, allowUnsignedTail: true)
        let refused = try #require(report.violations.first { $0.kind == .retiredSigningKey })
        #expect(refused.table == "collector_keys" && refused.seq == 2 && refused.message.contains("retired after signed head 2"))
        #expect(report.collectorKeys == 1)  // only the genuine collector key counts
    }
}
