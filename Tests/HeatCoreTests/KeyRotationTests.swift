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
        let rotation = try SigningKeyRotation.rotate(
            store: fixture.store, from: fixture.oldKey, to: newKey, anchor: .previous(fixture.head), reason: "rotation")
        let (transition, next) = (rotation.record, rotation.head)
        #expect(transition.generation == 2 && transition.finalHeadSeq == 2 && transition.isValid)
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
        let next = try SigningKeyRotation.rotate(
            store: fixture.store, from: fixture.oldKey, to: newKey, anchor: .previous(fixture.head), reason: "revocation: laptop stolen").head
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
        let next = try SigningKeyRotation.rotate(
            store: fixture.store, from: fixture.oldKey, to: newKey, anchor: .previous(signed), reason: "rotation").head
        let retention = try RetentionCompactor.apply(store: fixture.store, key: newKey, anchor: .previous(next), before: try ISOWeek(parsing: "2026-W07"))
        #expect(!retention.record.tombstones.isEmpty)
        let last = retention.head
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
        let folder = URL(filePath: fixture.store.path).deletingLastPathComponent()
        let newKey = try SigningKeyRotation.generateKey(at: folder.appending(path: "gen2").path, generation: 2).key
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
        }
        // heatctl: audit verify under both pins and audit sign with the new key exit 1 on the forged store.
        let headFile = folder.appending(path: "next-head.json")
        try next.write(to: headFile)
        for pin in ["keys", "gen2"] {
            let verify = try BuiltHeatctl.run(["audit", "verify", "--store", fixture.store.path, "--keys", folder.appending(path: "\(pin)/auditor").path,
                                               "--expect-head", headFile.path, "--allow-unsigned-tail", "--quiet"])
            #expect(verify.status == 1 && (verify.stdoutText + verify.stderr).contains("retired"), "\(verify.stdoutText)\n\(verify.stderr)")
        }
        let sign = try BuiltHeatctl.run(["audit", "sign", "--store", fixture.store.path, "--keys", folder.appending(path: "gen2/keyholder").path,
                                         "--previous-head", headFile.path, "--head-out", folder.appending(path: "out-head.json").path])
        #expect(sign.status == 1 && (sign.stdoutText + sign.stderr).contains("retired"), "\(sign.stdoutText)\n\(sign.stderr)")
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
        let retention = try RetentionCompactor.apply(
            store: fixture.store, key: fixture.oldKey, anchor: .previous(signed), before: try ISOWeek(parsing: "2026-W07"))
        #expect(!retention.record.tombstones.isEmpty)
        let retained = retention.head
        let newKey = StoreSigningKey()
        _ = try SigningKeyRotation.rotate(store: fixture.store, from: fixture.oldKey, to: newKey, anchor: .previous(retained), reason: "rotation")
        let next = try HeadSigner.sign(store: fixture.store, with: newKey, anchor: .previous(retained))
        for pinned in [fixture.oldKey.verificationKey, newKey.verificationKey] {
            let report = try fixture.verify(pinned: pinned, next)
            #expect(report.intact, "\(report.violations)")
            #expect(report.retention.count == retention.record.tombstones.count)
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
        for pinned in [fixture.oldKey.verificationKey, newKey.verificationKey] {
            let report = try fixture.verify(pinned: pinned, next, allowUnsignedTail: true)
            let refused = try #require(report.violations.first { $0.kind == .retiredSigningKey })
            #expect(refused.table == "collector_keys" && refused.seq == 2 && refused.message.contains("retired after signed head 2"))
            #expect(report.collectorKeys == 1)  // only the genuine collector key counts
        }
    }

    /// The reviewer's attack on 4da7cb2: the thief of the retired key A grafts a fresh key X onto
    /// the chain with a transition X -> A (signed by X and A, final head s), then deletes rows under
    /// an X-signed tombstone, endorses a collector key with X and appends an X-signed head at seq s
    /// covering everything. The transition is not on the store's one chain of keys (its old key X
    /// is not the current key B), so X is not trusted under either pin, and `audit sign` with the
    /// genuine key B is not refused as a key mismatch (the registry's current key stays B).
    @Test func aKeyGraftedOntoTheChainByTheThiefOfTheRetiredKeyIsNotTrusted() throws {
        let fixture = try signedStore()
        let newKey = StoreSigningKey()
        let next = try SigningKeyRotation.rotate(
            store: fixture.store, from: fixture.oldKey, to: newKey, anchor: .previous(fixture.head), reason: "revocation: laptop stolen").head
        let grafted = StoreSigningKey()
        try forgeTombstone(signedBy: grafted, in: fixture.store)
        let endorsement = try IngestionKeyEndorsement(endorsing: IngestionKey(), with: grafted)
        try StoreTestSupport.attacker(fixture.store.path).write { db in
            try ChainAppender(db, table: .collectorKeys).append([
                .text(UTCTimestamp.now().iso8601), .text(endorsement.keyFingerprint), .blob(Hex.decode(endorsement.publicKey) ?? []),
                .text(endorsement.endorsedBy), .text(endorsement.endorsedAt.iso8601), .blob(Hex.decode(endorsement.signature) ?? []),
            ])
            let finalSeq = (try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM signed_heads") ?? 0) + 1
            let transition = try KeyTransition.signed(from: grafted, to: fixture.oldKey, generation: 3, finalHeadSeq: finalSeq, reason: "rotation")
            try ChainAppender(db, table: .keyTransitions).append(transition.rowValues)
        }
        try appendHead(signedBy: grafted, to: fixture.store)  // signed_heads seq s, covering everything
        for pinned in [fixture.oldKey.verificationKey, newKey.verificationKey] {
            let report = try fixture.verify(pinned: pinned, next)
            #expect(!report.intact)
            let graft = try #require(report.violations.first { $0.kind == .badKeyTransition })
            #expect(graft.table == "key_transitions" && graft.seq == 2 && graft.message.contains("not the current key"))
            #expect(report.violations.contains { $0.kind == .missingRow && $0.table == "weekly_buckets" && $0.seq == 1 })
            #expect(report.retention.isEmpty)
            #expect(report.collectorKeys == 1)  // the X-endorsed collector key is not trusted
            #expect(report.violations.contains { $0.kind == .unknownSigningKey && $0.table == "signed_heads" && $0.seq == 4 })
        }
        // audit sign: the registry's current key is still B; the stolen A is refused as a key mismatch.
        expectThrows(AuditError.self, {
            try HeadSigner.sign(store: fixture.store, with: newKey, anchor: .previous(next))
        }, matching: { error in
            guard case .refusedToSign = error else { return false }
            return true
        })
        expectThrows(StoreError.self, {
            try HeadSigner.sign(store: fixture.store, with: fixture.oldKey, anchor: .previous(next))
        }, matching: { error in
            guard case .keyMismatch(_, _, let expected, _) = error else { return false }
            return expected == newKey.fingerprint.hex
        })
        // A transition back to a key already on the chain (B -> A) is refused too.
        let other = try signedStore()
        let second = StoreSigningKey()
        _ = try SigningKeyRotation.rotate(store: other.store, from: other.oldKey, to: second, anchor: .previous(other.head), reason: "rotation")
        try StoreTestSupport.attacker(other.store.path).write { db in
            let back = try KeyTransition.signed(from: second, to: other.oldKey, generation: 3, finalHeadSeq: 2, reason: "rotation")
            try ChainAppender(db, table: .keyTransitions).append(back.rowValues)
        }
        let report = try other.verify(pinned: other.oldKey.verificationKey, other.head, allowUnsignedTail: true)
        #expect(report.violations.contains { $0.kind == .badKeyTransition && $0.seq == 2 && $0.message.contains("already on the store's chain") })
    }

    /// A dropped or altered `signed_heads` with a retired key is a schema violation, not a
    /// database error (the retired key's final head is read only when the table passed the schema check).
    @Test func aChangedSignedHeadsTableWithARetiredKeyIsASchemaViolation() throws {
        for (sql, kind) in [("DROP TABLE signed_heads", Violation.Kind.missingTable),
                            ("ALTER TABLE signed_heads RENAME COLUMN head TO body", .schemaChanged)] {
            let fixture = try signedStore()
            let newKey = StoreSigningKey()
            _ = try SigningKeyRotation.rotate(store: fixture.store, from: fixture.oldKey, to: newKey, anchor: .previous(fixture.head), reason: "rotation")
            try StoreTestSupport.attacker(fixture.store.path).write { db in try db.execute(sql: sql) }
            for pinned in [fixture.oldKey.verificationKey, newKey.verificationKey] {
                let report = try fixture.verify(pinned: pinned, fixture.head)
                #expect(report.violations.contains { $0.kind == kind && $0.table == "signed_heads" }, "\(report.violations)")
            }
        }
    }

    /// The thief of the retired key A rewrites the signed head at A's final head seq so that it
    /// covers a tombstone forged with A, and re-chains signed_heads: the heads are then not
    /// monotonic (B's later head covers fewer rows) and the auditor's expected head no longer
    /// matches, so verification fails.
    @Test func aRewrittenFinalHeadOfTheRetiredKeyIsRefused() throws {
        let fixture = try signedStore()
        let newKey = StoreSigningKey()
        _ = try SigningKeyRotation.rotate(store: fixture.store, from: fixture.oldKey, to: newKey, anchor: .previous(fixture.head), reason: "rotation")
        let next = try HeadSigner.sign(store: fixture.store, with: newKey, anchor: .previous(fixture.head))
        try forgeTombstone(signedBy: fixture.oldKey, in: fixture.store)
        try StoreTestSupport.attacker(fixture.store.path).write { db in
            try StoreTestSupport.dropTriggers(db, "signed_heads")
            var forged = SignedHead(
                signedAt: UTCTimestamp(secondsSinceEpoch: 1_700_000_000), schemaVersion: StoreSchema.currentVersion,
                keyFingerprint: fixture.oldKey.fingerprint.hex,
                chains: try ChainedTable.signedChains.map { try HeadSigner.currentHead(of: $0, in: db) }, signature: "")
            forged.signature = Hex.encode(try fixture.oldKey.signature(for: forged.signedMessage))
            var unsigned = forged
            unsigned.signature = ""
            let rows = try Row.fetchAll(db, sql: "SELECT seq, signed_at, head, key_fingerprint, signature FROM signed_heads WHERE seq >= 2 ORDER BY seq")
            try db.execute(sql: "DELETE FROM signed_heads WHERE seq >= 2")
            let appender = try ChainAppender(db, table: .signedHeads)
            try appender.append([.text(forged.signedAt.iso8601), .text(String(decoding: try unsigned.jsonData(), as: UTF8.self)),
                                 .text(forged.keyFingerprint), .blob(Hex.decode(forged.signature) ?? [])])
            for row in rows.dropFirst() {
                try appender.append([.text(row["signed_at"] as String), .text(row["head"] as String), .text(row["key_fingerprint"] as String),
                                     .blob([UInt8](row["signature"] as Data))])
            }
            for statement in StoreSchema.triggerStatements(for: .signedHeads) { try db.execute(sql: statement) }
        }
        for pinned in [fixture.oldKey.verificationKey, newKey.verificationKey] {
            let report = try fixture.verify(pinned: pinned, next)
            #expect(!report.intact)
            #expect(report.violations.contains { $0.table == "signed_heads" }, "\(report.violations)")
        }
        #expect(throws: AuditError.self) { try HeadSigner.sign(store: fixture.store, with: newKey, anchor: .previous(next)) }
    }
}
