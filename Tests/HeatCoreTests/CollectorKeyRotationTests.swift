import Foundation
import GRDB
import HeatEnvelope
import Testing
@testable import HeatCore

/// Issue 27, item 1: rotation and revocation of the collector's ingestion key, recorded as a
/// signed retirement and enforced at ingestion and by `audit verify`; runs signed before the
/// retirement keep verifying. Tested as an attacker would try.
@Suite struct CollectorKeyRotationTests {
    struct Fixture {
        var store: HeatStore
        var keys: GeneratedKeys
        var head: SignedHead
        var directory: URL

        func verify(_ anchor: SignedHead? = nil, allowUnsignedTail: Bool = false) throws -> VerificationReport {
            try StoreVerifier.verify(store: store, pinnedKey: keys.signingKey.verificationKey, anchor: .previous(anchor ?? head),
                                     allowUnsignedTail: allowUnsignedTail)
        }

        func ingest(_ range: Range<Int>, name: String, signer: CollectorSigner) throws {
            _ = try StoreIngestor(key: keys.pseudonymisationKey, signer: signer).ingest(
                try StoreTestSupport.interactions(range), clients: [], into: store,
                source: .init(name: name, inputHash: String(repeating: "d", count: 64)))
        }

        mutating func sign() throws {
            head = try HeadSigner.sign(store: store, with: keys.signingKey, anchor: .previous(head))
        }
    }

    /// A store with one run ingested with the first collector key (ingestion signature 1), signed.
    func signedStore() throws -> Fixture {
        let (store, directory) = try StoreTestSupport.makeStore()
        let keys = try KeyFolder.generate(at: directory.appending(path: "keys").path)
        try KeyRegistry.recordGenerated(keys, in: store)
        var fixture = Fixture(store: store, keys: keys, head: try HeadSigner.sign(store: store, with: keys.signingKey, anchor: .firstHead),
                              directory: directory)
        try fixture.ingest(0..<40, name: "a.csv", signer: StoreTestSupport.signer(keys))
        try fixture.sign()
        return fixture
    }

    func rotate(_ fixture: inout Fixture, retiring id: String? = nil) throws -> (CollectorKeyRetirement, CollectorSigner) {
        let new = IngestionKey()
        let (retirement, endorsement) = try CollectorKeyRotation.rotate(
            store: fixture.store, keyholder: fixture.keys.signingKey, retiring: id, to: new, anchor: .previous(fixture.head), reason: "rotation").record
        try fixture.sign()
        return (retirement, CollectorSigner(key: new, endorsement: endorsement))
    }

    /// What a thief holding a retired collector key and write access to the store does: lifts the
    /// retirement row out (dropping the append-only triggers), ingests with the retired key (the
    /// check passes), and puts the identical row back with the triggers, so every chain is intact.
    func ingestBehindTheRetirement(_ fixture: Fixture, signer: CollectorSigner, range: Range<Int>) throws {
        let attacker = try StoreTestSupport.attacker(fixture.store.path)
        let table = ChainedTable.collectorKeyRetirements
        let saved = try attacker.write { db -> [Row] in
            try StoreTestSupport.dropTriggers(db, table.name)
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM \(table.name) ORDER BY seq")
            try db.execute(sql: "DELETE FROM \(table.name)")
            return rows
        }
        try fixture.ingest(range, name: "thief.csv", signer: signer)
        try attacker.write { db in
            for row in saved {
                let columns = Array(row.columnNames)
                try db.execute(
                    sql: "INSERT INTO \(table.name) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))",
                    arguments: StatementArguments(Array(row.databaseValues)))
            }
            for trigger in StoreSchema.triggerStatements(for: table) { try db.execute(sql: trigger) }
        }
    }

    @Test func rotationRetiresTheOldKeyWhileItsRunsKeepVerifying() throws {
        var fixture = try signedStore()
        let old = StoreTestSupport.signer(fixture.keys)
        let (retirement, new) = try rotate(&fixture)
        #expect(retirement.generation == 1 && retirement.finalSignatureSeq == 1)
        #expect(retirement.successorFingerprint == new.key.fingerprint.hex && new.endorsement.generation == 2)
        var report = try fixture.verify()
        #expect(report.intact, "\(report.violations)")
        #expect(report.retention.contains { $0.contains("(generation 1) rotated to \(new.key.fingerprint.hex.prefix(16))") })
        // The successor ingests; the run verifies under the original pin.
        try fixture.ingest(40..<60, name: "b.csv", signer: new)
        try fixture.sign()
        report = try fixture.verify()
        #expect(report.intact && report.collectorKeys == 2 && report.ingestionSignatures == 2, "\(report.violations)")
        // The retired key is refused at ingestion (exit 64), naming the key and the retirement;
        // nothing is ingested and the attempt is audited.
        let buckets = { try fixture.store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM weekly_buckets") ?? 0 } }
        let before = try buckets()
        expectThrows(CollectorKeyError.self, { try fixture.ingest(60..<70, name: "c.csv", signer: old) }, matching: { error in
            guard case .retiredKey(_, let key, 1, 1, "rotation") = error else { return false }
            return key == old.key.fingerprint.hex && error.category.exitCode == 64
                && error.description.contains("collector_key_retirements row 1")
        })
        #expect(try buckets() == before)
        let refusals = try AuditLog.entries(in: fixture.store, action: AuditAction.ingest + AuditAction.refusedSuffix)
        #expect(refusals.count == 1 && refusals[0].parameters["reason"]?.contains("was retired") == true)
        try fixture.sign()
        let audit = try AuditLog.entries(in: fixture.store, action: CollectorKeyRotation.rotateAction)
        #expect(audit.count == 1 && audit[0].parameters["generation"] == "2" && audit[0].parameters["finalSignatureSeq"] == "1")
        // A second rotation names generation 2 as retired and gives generation 3.
        let (second, third) = try rotate(&fixture)
        #expect(second.generation == 2 && second.finalSignatureSeq == 2 && third.endorsement.generation == 3)
        #expect(try CollectorKeyRotation.keys(in: fixture.store).map(\.generation) == [1, 2, 3])
    }

    @Test func aThiefIngestingWithTheRotatedKeyFailsVerification() throws {
        var fixture = try signedStore()
        let old = StoreTestSupport.signer(fixture.keys)
        _ = try rotate(&fixture)
        try ingestBehindTheRetirement(fixture, signer: old, range: 100..<110)
        #expect(try StoreTestSupport.chainViolations(fixture.store).isEmpty)  // the chains are intact
        let report = try fixture.verify(allowUnsignedTail: true)
        let retired = try #require(report.violations.first { $0.kind == .retiredCollectorKey })
        #expect(retired.table == "ingestion_signatures" && retired.seq == 2)
        #expect(retired.message.contains("retired after ingestion signature 1"))
        // The thief's rows count as unsigned; the first run (signature 1) still covers its rows.
        let unsigned = report.violations.filter { $0.kind == .unsignedIngestion }
        #expect(!unsigned.isEmpty && unsigned.allSatisfy { ($0.seq ?? 0) > 1 })
        #expect(!report.violations.contains { $0.kind == .badIngestionSignature })
    }

    @Test func revocationRefusesTheKeyAtIngestionAndInVerification() throws {
        var fixture = try signedStore()
        let old = StoreTestSupport.signer(fixture.keys)
        let id = String(old.key.fingerprint.hex.prefix(8)).uppercased()  // ids are case-insensitive
        let retirement = try CollectorKeyRotation.revoke(
            store: fixture.store, keyholder: fixture.keys.signingKey, key: id, anchor: .previous(fixture.head), reason: "laptop stolen").record
        try fixture.sign()
        #expect(retirement.isRevocation && retirement.reason == "revocation: laptop stolen" && retirement.finalSignatureSeq == 1)
        #expect(try fixture.verify().intact)
        expectThrows(CollectorKeyError.self, { try fixture.ingest(60..<70, name: "c.csv", signer: old) }, matching: { error in
            if case .retiredKey(_, _, _, _, "revocation: laptop stolen") = error { return true }
            return false
        })
        try fixture.sign()  // over the audited refusal
        // Revoking it again, an unknown id, and a too short id are refused.
        expectThrows(CollectorKeyError.self, {
            try CollectorKeyRotation.revoke(store: fixture.store, keyholder: fixture.keys.signingKey, key: id, anchor: .previous(fixture.head), reason: "again")
        }, matching: { error in
            if case .alreadyRetired = error { return error.category.exitCode == 64 }
            return false
        })
        for bad in ["00000000", "abc"] where !old.key.fingerprint.hex.hasPrefix(bad) {
            expectThrows(CollectorKeyError.self, {
                try CollectorKeyRotation.revoke(store: fixture.store, keyholder: fixture.keys.signingKey, key: bad, anchor: .previous(fixture.head), reason: "x")
            }, matching: { error in
                if case .badKeyID(_, 0) = error { return error.category.exitCode == 64 }
                return false
            })
        }
        // No active key left: a rotation without --retire is refused.
        expectThrows(CollectorKeyError.self, { try rotate(&fixture) }, matching: { error in
            if case .activeKeys(_, 0) = error { return true }
            return false
        })
        // The thief's run after the revocation fails verification.
        try ingestBehindTheRetirement(fixture, signer: old, range: 100..<110)
        let report = try fixture.verify(allowUnsignedTail: true)
        #expect(report.violations.contains { $0.kind == .retiredCollectorKey && $0.seq == 2 })
        #expect(try AuditLog.entries(in: fixture.store, action: CollectorKeyRotation.revokeAction).count == 1)
    }

    @Test func forgedOrAlteredRetirementsAreIgnoredAndNamed() throws {
        var fixture = try signedStore()
        let old = StoreTestSupport.signer(fixture.keys)
        // 1. A retirement signed by the attacker's own key (say, to lock the collector out) is ignored:
        //    ingestion goes on, and `audit verify` names it.
        let attacker = StoreSigningKey()
        try StoreTestSupport.attacker(fixture.store.path).write { db in
            let forged = try CollectorKeyRetirement.signed(
                retiring: old.key.publicKey, generation: 1, successor: nil, finalSignatureSeq: 0, reason: "revocation: forged", with: attacker)
            try ChainAppender(db, table: .collectorKeyRetirements).append(forged.rowValues)
        }
        try fixture.ingest(40..<50, name: "b.csv", signer: old)
        var report = try fixture.verify(allowUnsignedTail: true)
        let bad = try #require(report.violations.first { $0.kind == .badCollectorKeyRetirement })
        #expect(bad.seq == 1 && bad.message.contains("not by the pinned auditor key"))
        #expect(!report.violations.contains { $0.kind == .retiredCollectorKey || $0.kind == .unsignedIngestion })
        // 2. A genuine retirement whose final signature was moved forward (to whitewash the thief's
        //    later runs) no longer verifies: it is ignored and named, so nothing is retired by it.
        var other = try signedStore()
        let otherOld = StoreTestSupport.signer(other.keys)
        _ = try rotate(&other)
        let attackerDB = try StoreTestSupport.attacker(other.store.path)
        try attackerDB.write { db in
            try StoreTestSupport.dropTriggers(db, "collector_key_retirements")
            try db.execute(sql: "UPDATE collector_key_retirements SET final_signature_seq = 99")
            try StoreTestSupport.recomputeChain(db, .collectorKeyRetirements)
        }
        report = try other.verify(allowUnsignedTail: true)
        #expect(report.violations.contains { $0.kind == .badCollectorKeyRetirement && $0.message.contains("does not verify") })
        _ = otherOld
    }

    @Test func aRetirementSignedByARetiredSigningKeyIsRefused() throws {
        var fixture = try signedStore()
        let newSigning = StoreSigningKey()
        _ = try SigningKeyRotation.rotate(store: fixture.store, from: fixture.keys.signingKey, to: newSigning,
                                          anchor: .previous(fixture.head), reason: "revocation: stolen")
        fixture.head = try HeadSigner.sign(store: fixture.store, with: newSigning, anchor: .previous(fixture.head))
        // The thief of the retired signing key revokes the collector's key to lock it out.
        try StoreTestSupport.attacker(fixture.store.path).write { db in
            let forged = try CollectorKeyRetirement.signed(
                retiring: fixture.keys.ingestionKey.publicKey, generation: 1, successor: nil, finalSignatureSeq: 0,
                reason: "revocation: thief", with: fixture.keys.signingKey)
            try ChainAppender(db, table: .collectorKeyRetirements).append(forged.rowValues)
        }
        let report = try fixture.verify(allowUnsignedTail: true)
        #expect(report.violations.contains { $0.kind == .retiredSigningKey && $0.table == "collector_key_retirements" })
        #expect(!report.violations.contains { $0.kind == .retiredCollectorKey || $0.kind == .unsignedIngestion })
    }

    @Test func keyFilesCarryTheGenerationID() throws {
        var fixture = try signedStore()
        let (_, new) = try rotate(&fixture)
        let out = fixture.directory.appending(path: "gen2").path
        let files = try CollectorKeyRotation.writeKey(new.key, endorsement: new.endorsement, at: out)
        #expect(files.count == 2)
        let folder = try KeyFolder(path: out + "/collector", role: .collector)
        let read = try folder.ingestionKey()
        #expect(read.generation == 2 && read.fingerprint == new.key.fingerprint)
        #expect(try folder.ingestionEndorsement().generation == 2)
        let payload = try Envelope.read(from: URL(filePath: files[0]), expecting: .ingestionKey).payload
        #expect(String(decoding: payload, as: UTF8.self).contains(#""generation":2"#))
        // Written once: a second write into the same folder is refused, nothing replaced.
        expectThrows(KeyError.self, { try CollectorKeyRotation.writeKey(IngestionKey(), endorsement: new.endorsement, at: out) },
                     matching: { if case .alreadyExists = $0 { return true }; return false })
        #expect(try folder.ingestionKey().fingerprint == new.key.fingerprint)
        // The first generation's files (from `keys generate`) say generation 1.
        let first = try KeyFolder(path: fixture.directory.appending(path: "keys/collector").path, role: .collector)
        #expect(try first.ingestionKey().generation == 1 && first.ingestionEndorsement().generation == 1)
    }
}
