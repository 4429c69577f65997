import Foundation
import GRDB
import HeatEnvelope
import Testing
@testable import HeatCore

/// Attacks on the store by someone with write access to the database file but without the key
/// holder's or the collector's secret keys (issue 11): each must be detected, naming the first
/// bad row or signature, and `audit sign` must refuse to sign over them.
@Suite struct AuditVerifierTests {
    /// A store with keys, two signed ingestions and a first signed head (also in `head.json`).
    struct Fixture {
        var store: HeatStore
        var keys: GeneratedKeys
        var directory: URL
        var head: SignedHead
        var pinned: StoreVerificationKey { keys.signingKey.verificationKey }
        var headURL: URL { directory.appending(path: "head.json") }

        func verify(_ anchor: HeadAnchor? = nil, allowUnsignedTail: Bool = false) throws -> VerificationReport {
            try StoreVerifier.verify(store: store, pinnedKey: pinned, anchor: anchor ?? .previous(head),
                                     allowUnsignedTail: allowUnsignedTail)
        }

        func ingest(_ range: Range<Int>, name: String) throws {
            _ = try StoreIngestor(key: keys.pseudonymisationKey, signer: StoreTestSupport.signer(keys)).ingest(
                try StoreTestSupport.interactions(range), clients: [], into: store,
                source: .init(name: name, inputHash: String(repeating: "e", count: 64)))
        }
    }

    func populatedStore() throws -> Fixture {
        let (store, directory) = try StoreTestSupport.makeStore()
        let keys = try KeyFolder.generate(at: directory.appending(path: "keys").path)
        try KeyRegistry.recordGenerated(keys, in: store)
        let ingestor = StoreIngestor(key: keys.pseudonymisationKey, signer: StoreTestSupport.signer(keys))
        _ = try ingestor.ingest(try StoreTestSupport.interactions(0..<40), clients: [], into: store,
                                source: .init(name: "a.csv", inputHash: String(repeating: "a", count: 64)))
        _ = try ingestor.ingest(try StoreTestSupport.interactions(30..<60), clients: [], into: store,
                                source: .init(name: "b.csv", inputHash: String(repeating: "b", count: 64)))
        let head = try HeadSigner.sign(store: store, with: keys.signingKey, anchor: .firstHead)
        try head.write(to: directory.appending(path: "head.json"))
        return Fixture(store: store, keys: keys, directory: directory, head: head)
    }

    func first(_ report: VerificationReport, _ kind: Violation.Kind) -> Violation? {
        report.violations.first { $0.kind == kind }
    }

    // MARK: The intact store

    @Test func intactStoreVerifies() throws {
        let fixture = try populatedStore()
        let report = try fixture.verify(.previous(try SignedHead.read(from: fixture.headURL)))
        #expect(report.intact, "\(report.violations)")
        #expect(report.signedHeads == 1)
        #expect(report.unsignedRows.isEmpty)
        #expect(report.collectorKeys == 1)
        #expect(report.ingestionSignatures == 2)
        #expect(report.chains.first { $0.table == "event_hmacs" }?.rows == 60)
        #expect(try fixture.verify(.firstHead).intact)
    }

    // MARK: Attacks on the chains

    @Test func droppedTriggersAreAViolation() throws {
        let fixture = try populatedStore()
        try StoreTestSupport.attacker(fixture.store.path).write { db in
            try StoreTestSupport.dropTriggers(db, "weekly_buckets")
        }
        let report = try fixture.verify()
        let violation = try #require(first(report, .appendOnlyTriggerMissing))
        #expect(violation.table == "weekly_buckets")
        #expect(violation.message.contains("weekly_buckets_no_update was dropped"))
        // A trigger re-created with other SQL (that lets updates through) is caught too.
        try StoreTestSupport.attacker(fixture.store.path).write { db in
            try db.execute(sql: "CREATE TRIGGER weekly_buckets_no_update BEFORE UPDATE ON weekly_buckets WHEN 0 BEGIN SELECT 1; END")
        }
        #expect(try fixture.verify().violations.contains { $0.message.contains("weekly_buckets_no_update was altered") })
    }

    @Test func droppedTableIsAViolation() throws {
        let fixture = try populatedStore()
        try StoreTestSupport.attacker(fixture.store.path).write { db in
            try db.execute(sql: "DROP TABLE ingestion_signatures")
        }
        let report = try fixture.verify()
        #expect(first(report, .missingTable)?.table == "ingestion_signatures")
    }

    @Test func editedRowIsNamed() throws {
        let fixture = try populatedStore()
        try StoreTestSupport.attacker(fixture.store.path).write { db in
            try StoreTestSupport.dropTriggers(db, "weekly_buckets")
            try db.execute(sql: "UPDATE weekly_buckets SET events = events + 5 WHERE seq = 3")
        }
        let report = try fixture.verify()
        let edited = try #require(first(report, .rowHashMismatch))
        #expect(edited.table == "weekly_buckets")
        #expect(edited.seq == 3)
        #expect(edited.message.contains("weekly_buckets row 3"))
    }

    @Test func deletedMiddleRowIsNamed() throws {
        let fixture = try populatedStore()
        try StoreTestSupport.attacker(fixture.store.path).write { db in
            try StoreTestSupport.dropTriggers(db, "event_hmacs")
            try db.execute(sql: "DELETE FROM event_hmacs WHERE seq = 17")
        }
        let missing = try #require(first(try fixture.verify(), .missingRow))
        #expect(missing.table == "event_hmacs")
        #expect(missing.seq == 17)
        #expect(missing.message.contains("row 17 is missing"))
    }

    @Test func reorderedRowsAreNamed() throws {
        let fixture = try populatedStore()
        try StoreTestSupport.attacker(fixture.store.path).write { db in
            try StoreTestSupport.dropTriggers(db, "audit_log")
            try db.execute(sql: "UPDATE audit_log SET seq = -1 WHERE seq = 2")
            try db.execute(sql: "UPDATE audit_log SET seq = 2 WHERE seq = 3")
            try db.execute(sql: "UPDATE audit_log SET seq = 3 WHERE seq = -1")
        }
        let broken = try #require(first(try fixture.verify(), .brokenLink))
        #expect(broken.table == "audit_log")
        #expect(broken.seq == 2)
    }

    @Test func recomputedChainWithoutTheSigningKeysIsCaught() throws {
        let fixture = try populatedStore()
        try StoreTestSupport.attacker(fixture.store.path).write { db in
            try StoreTestSupport.dropTriggers(db, "weekly_buckets")
            try db.execute(sql: "UPDATE weekly_buckets SET events = 0 WHERE seq = 2")
            try StoreTestSupport.recomputeChain(db, .weeklyBuckets)
        }
        let report = try fixture.verify()
        #expect(!report.violations.contains { $0.kind == .rowHashMismatch || $0.kind == .brokenLink },
                "the recomputed chain is internally consistent")
        let mismatch = try #require(first(report, .headMismatch))
        #expect(mismatch.table == "weekly_buckets")
        #expect(mismatch.message.contains("signed head 1"))
        // The collector's signature over the run no longer matches either.
        #expect(first(report, .badIngestionSignature)?.message.contains("weekly_buckets rows") == true)
    }

    @Test func rollbackWithItsSignedHeadIsCaughtByThePreviousHead() throws {
        let fixture = try populatedStore()
        let firstHeadRows = try #require(fixture.head.chains.first { $0.table == "event_hmacs" }?.rows)
        try fixture.ingest(60..<80, name: "c.csv")
        let second = try HeadSigner.sign(store: fixture.store, with: fixture.keys.signingKey, anchor: .previous(fixture.head))
        // Roll back: delete every row after the first signed head, and the second head itself.
        try StoreTestSupport.attacker(fixture.store.path).write { db in
            for chain in fixture.head.chains {
                try StoreTestSupport.dropTriggers(db, chain.table)
                try db.execute(sql: "DELETE FROM \(chain.table) WHERE seq > ?", arguments: [chain.rows])
                try db.execute(sql: StoreSchema.triggerStatements(for: try #require(ChainedTable.named(chain.table)))[0])
                try db.execute(sql: StoreSchema.triggerStatements(for: try #require(ChainedTable.named(chain.table)))[1])
            }
            try StoreTestSupport.dropTriggers(db, "signed_heads")
            try db.execute(sql: "DELETE FROM signed_heads WHERE seq > 1")
            for statement in StoreSchema.triggerStatements(for: .signedHeads) { try db.execute(sql: statement) }
        }
        let rolledBack = try fixture.verify(.previous(fixture.head))
        #expect(rolledBack.chains.first { $0.table == "event_hmacs" }?.rows == firstHeadRows)
        #expect(rolledBack.intact, "a clean rollback is invisible against the older head: \(rolledBack.violations)")
        let report = try fixture.verify(.previous(second))
        let deleted = try #require(first(report, .rowsDeleted))
        #expect(deleted.message.contains("expected head"))
        #expect(report.violations.contains { $0.table == "event_hmacs" && $0.seq == 80 })
        #expect(report.violations.contains { $0.kind == .headsDeleted })
    }

    // MARK: Attacks on the signatures

    @Test func alteredSignedHeadIsCaught() throws {
        let fixture = try populatedStore()
        try StoreTestSupport.attacker(fixture.store.path).write { db in
            try StoreTestSupport.dropTriggers(db, "signed_heads")
            let text = try #require(try String.fetchOne(db, sql: "SELECT head FROM signed_heads WHERE seq = 1"))
            var head = try SignedHead.decode(Data(text.utf8), source: "test")
            head.signedAt = head.signedAt.adding(seconds: 1)
            let json = String(decoding: try head.jsonData(), as: UTF8.self)
            try db.execute(sql: "UPDATE signed_heads SET head = ? WHERE seq = 1", arguments: [json])
            try StoreTestSupport.recomputeChain(db, .signedHeads)
        }
        let bad = try #require(first(try fixture.verify(), .badSignature))
        #expect(bad.seq == 1)
        #expect(bad.message.contains("signed head 1"))
    }

    /// Appends an attacker's signing key and a head signed with it (appending is allowed by the triggers).
    func appendAttackerHead(_ db: Database, key attackerKey: StoreSigningKey) throws {
        try ChainAppender(db, table: .keyFingerprints).append([
            .text(UTCTimestamp.now().iso8601), .text("keyholder"), .text("signingKey"),
            .text(attackerKey.fingerprint.hex), .blob(attackerKey.verificationKey.rawRepresentation),
        ])
        let chains = try ChainedTable.signedChains.map { try HeadSigner.currentHead(of: $0, in: db) }
        var head = SignedHead(signedAt: .now(), schemaVersion: StoreSchema.currentVersion,
                              keyFingerprint: attackerKey.fingerprint.hex, chains: chains, signature: "")
        head.signature = Hex.encode(try attackerKey.signature(for: head.signedMessage))
        var unsigned = head
        unsigned.signature = ""
        try ChainAppender(db, table: .signedHeads).append([
            .text(head.signedAt.iso8601), .text(String(decoding: try unsigned.jsonData(), as: UTF8.self)),
            .text(head.keyFingerprint), .blob(Hex.decode(head.signature) ?? []),
        ])
    }

    @Test func headSignedWithAnAppendedKeyIsNeverTrusted() throws {
        let fixture = try populatedStore()
        try StoreTestSupport.attacker(fixture.store.path).write { db in
            try appendAttackerHead(db, key: StoreSigningKey())
        }
        let unknown = try #require(first(try fixture.verify(), .unknownSigningKey))
        #expect(unknown.seq == 2)
        #expect(unknown.message.contains("not by the pinned auditor key"))
    }

    @Test func emptiedHeadsWithRecomputedChainsAreCaught() throws {
        let fixture = try populatedStore()
        try StoreTestSupport.attacker(fixture.store.path).write { db in
            try StoreTestSupport.dropTriggers(db, "weekly_buckets")
            try StoreTestSupport.dropTriggers(db, "signed_heads")
            try db.execute(sql: "UPDATE weekly_buckets SET events = 99 WHERE seq = 1")
            try StoreTestSupport.recomputeChain(db, .weeklyBuckets)
            try db.execute(sql: "DELETE FROM signed_heads")
            for table in ["weekly_buckets", "signed_heads"] {
                for statement in StoreSchema.triggerStatements(for: try #require(ChainedTable.named(table))) {
                    try db.execute(sql: statement)
                }
            }
        }
        let report = try fixture.verify()
        #expect(report.signedHeads == 0)
        #expect(report.violations.contains { $0.kind == .headsDeleted && $0.message.contains("not in signed_heads") })
        #expect(first(report, .headMismatch)?.table == "weekly_buckets")
        // Without the head file, the audit log's signature entries and the unsigned rows still fail it.
        let firstHead = try fixture.verify(.firstHead)
        #expect(first(firstHead, .headsDeleted)?.message.contains("records 1 signatures") == true)
        #expect(first(firstHead, .unsignedRows) != nil)
    }

    @Test func forgedRowsAppendedAfterTheHeadAreCaught() throws {
        let fixture = try populatedStore()
        // A forged bucket and a forged audit entry, appended with valid chain hashes.
        try StoreTestSupport.attacker(fixture.store.path).write { db in
            let pseudonym = try #require(try Data.fetchOne(db, sql: "SELECT pseudonym FROM client_directory WHERE seq = 1"))
            try ChainAppender(db, table: .weeklyBuckets).append([
                .blob([UInt8](pseudonym)), .text("2026-W10"), .text("call"), .text("inbound"), .integer(50), .integer(0),
                .integer(0), .text(StoreIngestor.plaintextEncoding), .integer(2),
            ])
            try AuditLog.append(AuditEntry(role: "collector", action: AuditAction.ingest, parameters: ["rowsRead": "50"]), in: db)
        }
        let report = try fixture.verify()
        let tail = try #require(first(report, .unsignedRows))
        #expect(tail.message.contains("not covered by a signed head"))
        let forged = try #require(first(report, .unsignedIngestion))
        #expect(forged.table == "weekly_buckets")
        #expect(forged.message.contains("no valid collector signature"))
        // Even accepting the unsigned tail, the forged bucket lacks the collector's signature.
        let tolerant = try fixture.verify(allowUnsignedTail: true)
        #expect(tolerant.violations.map(\.kind) == [.unsignedIngestion])
        #expect(tolerant.unsignedRows == ["audit_log": 1, "weekly_buckets": 1])
    }

    @Test func aForgedCollectorKeyAndRunAreCaught() throws {
        let fixture = try populatedStore()
        let forger = IngestionKey()
        let fakeEndorsement = try IngestionKeyEndorsement(endorsing: forger, with: StoreSigningKey())
        try StoreTestSupport.attacker(fixture.store.path).write { db in
            try ChainAppender(db, table: .collectorKeys).append([
                .text(UTCTimestamp.now().iso8601), .text(forger.fingerprint.hex), .blob(forger.publicKey),
                .text(fakeEndorsement.endorsedBy), .text(fakeEndorsement.endorsedAt.iso8601),
                .blob(Hex.decode(fakeEndorsement.signature) ?? []),
            ])
            let start = try IngestionSignature.startHeads(of: [.eventHMACs], in: db)
            try ChainAppender(db, table: .eventHMACs).append([.blob(Array(repeating: 7, count: 32)), .integer(3)])
            try IngestionSignature.sign(run: 3, tables: [.eventHMACs], from: start, key: forger, in: db)
        }
        let report = try fixture.verify(allowUnsignedTail: true)
        #expect(first(report, .unendorsedCollectorKey)?.seq == 2)
        #expect(first(report, .badIngestionSignature)?.message.contains("did not endorse") == true)
        #expect(first(report, .unsignedIngestion)?.table == "event_hmacs")
    }

    @Test func legitimateTailIsAViolationUnlessAllowed() throws {
        let fixture = try populatedStore()
        try fixture.ingest(60..<70, name: "c.csv")
        let strict = try fixture.verify()
        #expect(strict.violations.map(\.kind) == [.unsignedRows])
        let allowed = try fixture.verify(allowUnsignedTail: true)
        #expect(allowed.intact)
        #expect(allowed.unsignedRows["event_hmacs"] == 10)
        #expect(allowed.unsignedRowCount > 10)
        // The next signature covers them.
        let next = try HeadSigner.sign(store: fixture.store, with: fixture.keys.signingKey, anchor: .previous(fixture.head))
        #expect(try fixture.verify(.previous(next)).intact)
    }

    // MARK: Signing over tampering

    @Test func signingATamperedStoreIsRefusedAndTheRefusalIsLogged() throws {
        let fixture = try populatedStore()
        try StoreTestSupport.attacker(fixture.store.path).write { db in
            try StoreTestSupport.dropTriggers(db, "weekly_buckets")
            try db.execute(sql: "UPDATE weekly_buckets SET events = 0 WHERE seq = 2")
            try StoreTestSupport.recomputeChain(db, .weeklyBuckets)
            for statement in StoreSchema.triggerStatements(for: .weeklyBuckets) { try db.execute(sql: statement) }
        }
        let headsBefore = try fixture.store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM signed_heads") }
        let error = #expect(throws: AuditError.self) {
            _ = try HeadSigner.sign(store: fixture.store, with: fixture.keys.signingKey, anchor: .previous(fixture.head))
        }
        guard case .refusedToSign(let violations) = error else {
            Issue.record("expected refusedToSign, got \(String(describing: error))")
            return
        }
        #expect(error?.category.exitCode == 1)
        #expect(violations.contains { $0.contains("weekly_buckets row") })
        #expect(try fixture.store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM signed_heads") } == headsBefore)
        let refusal = try #require(try AuditLog.entries(in: fixture.store, action: "audit.sign.refused").first)
        #expect(refusal.parameters["reason"]?.contains("refusing to sign") == true)
    }

    @Test func signingForgedTailRowsIsRefused() throws {
        let fixture = try populatedStore()
        try StoreTestSupport.attacker(fixture.store.path).write { db in
            try ChainAppender(db, table: .eventHMACs).append([.blob(Array(repeating: 9, count: 32)), .integer(2)])
        }
        #expect(throws: AuditError.self) {
            _ = try HeadSigner.sign(store: fixture.store, with: fixture.keys.signingKey, anchor: .previous(fixture.head))
        }
    }

    @Test func firstHeadIsRefusedOnASignedStore() throws {
        let fixture = try populatedStore()
        let error = #expect(throws: AuditError.self) {
            _ = try HeadSigner.sign(store: fixture.store, with: fixture.keys.signingKey, anchor: .firstHead)
        }
        #expect(error == .previousHeadRequired(signedHeads: 1))
        #expect(error?.category.exitCode == 64)
    }

    @Test func signingWithAnotherKeyIsRefusedAndLogged() throws {
        let fixture = try populatedStore()
        let error = #expect(throws: StoreError.self) {
            _ = try HeadSigner.sign(store: fixture.store, with: StoreSigningKey(), anchor: .previous(fixture.head))
        }
        guard case .keyMismatch = error else {
            Issue.record("expected keyMismatch, got \(String(describing: error))")
            return
        }
        #expect(try AuditLog.entries(in: fixture.store, action: "audit.sign.refused").count == 1)
    }

    // MARK: Stored bytes, not decoded strings

    @Test func textWithANulByteIsTampering() throws {
        let fixture = try populatedStore()
        // "operator" + NUL + "x": decoded as a C string it reads "operator", the original value.
        try StoreTestSupport.attacker(fixture.store.path).write { db in
            try StoreTestSupport.dropTriggers(db, "audit_log")
            try db.execute(sql: "UPDATE audit_log SET role = CAST(X'6F70657261746F720078' AS TEXT) WHERE seq = 2")
        }
        let report = try fixture.verify()
        let bad = try #require(first(report, .badText))
        #expect(bad.table == "audit_log")
        #expect(bad.seq == 2)
        #expect(bad.message.contains("NUL"))
    }

    @Test func textThatIsNotUTF8IsTampering() throws {
        let (store, directory) = try StoreTestSupport.makeStore()
        let keys = try KeyFolder.generate(at: directory.appending(path: "keys").path)
        try KeyRegistry.recordGenerated(keys, in: store)
        try AuditLog.append(AuditEntry(role: "operator", action: "note", parameters: ["note": "caf\u{FFFD}"]), to: store)
        let head = try HeadSigner.sign(store: store, with: keys.signingKey, anchor: .firstHead)
        // Replace the valid U+FFFD (EF BF BD) by the invalid byte FF, which decodes ("repairs") to U+FFFD.
        try StoreTestSupport.attacker(store.path).write { db in
            try StoreTestSupport.dropTriggers(db, "audit_log")
            let bytes = [UInt8](try #require(try Data.fetchOne(db, sql: "SELECT CAST(parameters AS BLOB) FROM audit_log WHERE seq = 3")))
            var edited: [UInt8] = []
            var index = 0
            while index < bytes.count {
                if index + 2 < bytes.count, bytes[index] == 0xEF, bytes[index + 1] == 0xBF, bytes[index + 2] == 0xBD {
                    edited.append(0xFF)
                    index += 3
                } else {
                    edited.append(bytes[index])
                    index += 1
                }
            }
            #expect(edited.count == bytes.count - 2)
            try db.execute(sql: "UPDATE audit_log SET parameters = CAST(? AS TEXT) WHERE seq = 3", arguments: [Data(edited)])
        }
        let report = try StoreVerifier.verify(store: store, pinnedKey: keys.signingKey.verificationKey, anchor: .previous(head))
        let bad = try #require(first(report, .badText))
        #expect(bad.seq == 3)
        #expect(bad.message.contains("not valid UTF-8"))
    }

    // MARK: Read-only verification

    @Test func verificationOpensReadOnlyAndChangesNoByte() throws {
        let fixture = try populatedStore()
        try fixture.store.checkpoint()
        let path = fixture.store.path
        let folder = fixture.directory.path
        let before = try #require(FileManager.default.contents(atPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: folder)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder) }
        let readOnly = try HeatStore(readingFrom: path)
        #expect(readOnly.isReadOnly)
        #expect(try StoreVerifier.verify(store: readOnly, pinnedKey: fixture.pinned, anchor: .previous(fixture.head)).intact)
        #expect(try AuditLog.entries(in: readOnly).count == 5)
        #expect(throws: StoreError.self) { try readOnly.write { db in try db.execute(sql: "SELECT 1") } }
        let (mode, trusted) = try readOnly.read { db throws -> (String?, Int?) in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA trusted_schema"))
        }
        #expect(mode == "wal")
        #expect(trusted == 0)
        #expect(throws: (any Error).self) { try readOnly.read { db in try db.execute(sql: "CREATE TABLE x (a)") } }
        #expect(FileManager.default.contents(atPath: path) == before, "the database file was modified")
        // Root ignores permission bits, so `audit verify` is also run as an unprivileged user in StoreCLITests.
    }

    // MARK: Logs

    @Test func auditLogRecordsEveryStepAndFilters() throws {
        let fixture = try populatedStore()
        let store = fixture.store
        let actions = try AuditLog.entries(in: store).map(\.action)
        #expect(actions == ["init", "keys.generate", "ingest", "ingest", "audit.sign"])
        let ingests = try AuditLog.entries(in: store, action: "ingest")
        #expect(ingests.count == 2)
        #expect(ingests[0].inputHash == String(repeating: "a", count: 64))
        #expect(ingests[0].outputHash?.count == 64)
        #expect(ingests[1].parameters["duplicatesSkipped"] == "10")
        #expect(ingests[1].parameters["ingestionKey"] == fixture.keys.ingestionKey.fingerprint.hex)
        // A kind matches exactly; its dotted sub-kinds only when asked.
        #expect(try AuditLog.entries(in: store, action: "keys").isEmpty)
        #expect(try AuditLog.entries(in: store, action: "keys", includingSubkinds: true).map(\.action) == ["keys.generate"])
        #expect(try AuditLog.entries(in: store, action: "audit", includingSubkinds: true).map(\.action) == ["audit.sign"])
        #expect(try AuditLog.entries(in: store, action: "aud", includingSubkinds: true).isEmpty)
        let future = CalendarDate(daysSinceEpoch: UTCTimestamp.now().date.daysSinceEpoch + 1)
        #expect(try AuditLog.entries(in: store, since: future).isEmpty)
        #expect(try AuditLog.entries(in: store, since: UTCTimestamp.now().date).count == 5)
        let runs = try ComputationLog.runs(in: store)
        #expect(runs.map(\.kind) == ["ingest", "ingest"])
        #expect(runs[1].outputHash == ingests[1].outputHash)
    }

    @Test func headFileRoundTripsAndRejectsCorruption() throws {
        let fixture = try populatedStore()
        let url = fixture.headURL
        let head = try SignedHead.read(from: url)
        #expect(head.isValid(under: fixture.pinned))
        var bytes = try Data(contentsOf: url)
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: url)
        let error = #expect(throws: AuditError.self) { _ = try SignedHead.read(from: url) }
        #expect(error?.category.exitCode == 65)
    }

    @Test func computationRunsAreLoggedAndAudited() throws {
        let fixture = try populatedStore()
        let store = fixture.store
        let run = ComputationRun(
            startedAt: .now(), finishedAt: .now(), kind: "evaluate", inputHash: String(repeating: "1", count: 64),
            outputHash: String(repeating: "2", count: 64), parameters: ["asOf": "2026-03-02"])
        let seq = try ComputationLog.record(run, role: .evaluator, in: store)
        #expect(seq == 3)
        let entry = try #require(try AuditLog.entries(in: store, action: "computation").last)
        #expect(entry.role == "evaluator")
        #expect(entry.parameters["run"] == "3")
        #expect(entry.parameters["kind"] == "evaluate")
        #expect(entry.outputHash == run.outputHash)
        #expect(try ComputationLog.runs(in: store).last?.parameters["asOf"] == "2026-03-02")
        #expect(try fixture.verify(allowUnsignedTail: true).unsignedRows["computation_runs"] == 1)
    }

    @Test func revealLogsTheRevealedRefsAndEveryRefusal() throws {
        let fixture = try populatedStore()
        let store = fixture.store
        let key = fixture.keys.pseudonymisationKey
        let clients = (0..<7).map {
            Client(clientID: "CLIENT-RAW-\($0)", segment: "retail", region: "North", openedOn: nil, managerID: "M", branch: "B")
        }
        let ref = Pseudonymizer(key: key).pseudonym(for: "CLIENT-RAW-3", kind: .client).displayRef
        let source = StoreIngestor.Source(name: "clients.csv", inputHash: String(repeating: "c", count: 64))
        let one = try ClientReveal.reveal(in: store, key: key, clients: clients, refs: [String(ref.prefix(8))], source: source)
        #expect(one.contains(ClientReveal.Match(ref: ref, clientID: "CLIENT-RAW-3")))
        let all = try ClientReveal.reveal(in: store, key: key, clients: clients, refs: [], source: source)
        #expect(all.count == 7)
        let entries = try AuditLog.entries(in: store, action: "clients.reveal")
        #expect(entries.count == 2)
        #expect(entries[0].parameters["revealedRefs"]?.contains(ref) == true)
        #expect(entries[1].parameters["revealed"] == "7")
        #expect(entries[1].parameters["revealedRefs"]?.split(separator: " ").count == 7)
        #expect(!entries.contains { $0.parameters.values.contains { $0.contains("CLIENT-RAW") } })
        // Another key is refused, and the refusal survives the rolled-back transaction.
        #expect(throws: StoreError.self) {
            _ = try ClientReveal.reveal(in: store, key: .random(), clients: clients, refs: [], source: source)
        }
        let refusals = try AuditLog.entries(in: store, action: "clients.reveal.refused")
        #expect(refusals.count == 1)
        #expect(refusals[0].parameters["reason"]?.contains("not the one registered") == true)
        // The same for an ingestion with another collector key.
        #expect(throws: StoreError.self) {
            _ = try StoreIngestor(key: .random()).ingest(try StoreTestSupport.interactions(0..<2), clients: [], into: store,
                                                          source: .init(name: "x.csv", inputHash: ""))
        }
        #expect(try AuditLog.entries(in: store, action: "ingest.refused").count == 1)
    }

    @Test func valuesOfTheWrongTypeAreReportedNotTrapped() throws {
        let fixture = try populatedStore()
        let store = fixture.store
        try StoreTestSupport.attacker(store.path).write { db in
            try StoreTestSupport.dropTriggers(db, "audit_log")
            try StoreTestSupport.dropTriggers(db, "weekly_buckets")
            try db.execute(sql: "UPDATE audit_log SET role = X'00', parameters = X'01' WHERE seq = 2")
            try db.execute(sql: "UPDATE weekly_buckets SET week = X'02', events = 'many' WHERE seq = 1")
            try db.execute(sql: "UPDATE weekly_buckets SET replies = 1.5 WHERE seq = 2")
        }
        let entries = try AuditLog.entries(in: store)
        #expect(entries[1].role == "\u{0}")
        #expect(entries[1].parameters.isEmpty)
        _ = try ClientDirectory.entries(in: store)
        _ = try ClientDirectory.buckets(in: store)
        let report = try fixture.verify()
        #expect(report.violations.contains { $0.table == "audit_log" && $0.seq == 2 && $0.kind == .rowHashMismatch })
        #expect(report.violations.contains { $0.table == "weekly_buckets" && $0.seq == 1 })
    }
}
