import Foundation
import GRDB
import HeatEnvelope
import Testing
@testable import HeatCore

/// Attacks on the store by someone with file access but without the signing key: each must be
/// detected and the first bad row or signature named.
@Suite struct AuditVerifierTests {
    /// A store with keys, two ingestions and a signed head.
    func populatedStore() throws -> (HeatStore, StoreSigningKey, URL) {
        let (store, directory) = try StoreTestSupport.makeStore()
        let keys = try KeyFolder.generate(at: directory.appending(path: "keys").path)
        try KeyRegistry.recordGenerated(keys, in: store)
        let ingestor = StoreIngestor(key: keys.pseudonymisationKey)
        _ = try ingestor.ingest(try StoreTestSupport.interactions(0..<40), clients: [], into: store,
                                source: .init(name: "a.csv", inputHash: String(repeating: "a", count: 64)))
        _ = try ingestor.ingest(try StoreTestSupport.interactions(30..<60), clients: [], into: store,
                                source: .init(name: "b.csv", inputHash: String(repeating: "b", count: 64)))
        let head = try HeadSigner.sign(store: store, with: keys.signingKey)
        try head.write(to: directory.appending(path: "head.json"))
        return (store, keys.signingKey, directory)
    }

    @Test func intactStoreVerifies() throws {
        let (store, key, directory) = try populatedStore()
        let expected = try SignedHead.read(from: directory.appending(path: "head.json"))
        let report = try StoreVerifier.verify(store: store, expectedHead: expected, pinnedKey: key.verificationKey)
        #expect(report.intact, "\(report.violations)")
        #expect(report.signedHeads == 1)
        #expect(report.unsignedRows.isEmpty)
        #expect(report.chains.first { $0.table == "event_hmacs" }?.rows == 60)
    }

    @Test func editedRowIsNamed() throws {
        let (store, _, _) = try populatedStore()
        try StoreTestSupport.attacker(store.path).write { db in
            try StoreTestSupport.dropTriggers(db, "weekly_buckets")
            try db.execute(sql: "UPDATE weekly_buckets SET events = events + 5 WHERE seq = 3")
        }
        let report = try StoreVerifier.verify(store: store)
        let first = try #require(report.violations.first)
        #expect(first.kind == .rowHashMismatch)
        #expect(first.table == "weekly_buckets")
        #expect(first.seq == 3)
        #expect(first.message.contains("weekly_buckets row 3"))
    }

    @Test func deletedMiddleRowIsNamed() throws {
        let (store, _, _) = try populatedStore()
        try StoreTestSupport.attacker(store.path).write { db in
            try StoreTestSupport.dropTriggers(db, "event_hmacs")
            try db.execute(sql: "DELETE FROM event_hmacs WHERE seq = 17")
        }
        let report = try StoreVerifier.verify(store: store)
        let first = try #require(report.violations.first { $0.table == "event_hmacs" })
        #expect(first.kind == .missingRow)
        #expect(first.seq == 17)
        #expect(first.message.contains("row 17 is missing"))
    }

    @Test func reorderedRowsAreNamed() throws {
        let (store, _, _) = try populatedStore()
        try StoreTestSupport.attacker(store.path).write { db in
            try StoreTestSupport.dropTriggers(db, "audit_log")
            try db.execute(sql: "UPDATE audit_log SET seq = -1 WHERE seq = 2")
            try db.execute(sql: "UPDATE audit_log SET seq = 2 WHERE seq = 3")
            try db.execute(sql: "UPDATE audit_log SET seq = 3 WHERE seq = -1")
        }
        let report = try StoreVerifier.verify(store: store)
        let first = try #require(report.violations.first)
        #expect(first.table == "audit_log")
        #expect(first.seq == 2)
        #expect(first.kind == .brokenLink)
    }

    @Test func deletedTailWithItsSignedHeadIsCaughtOnlyWithExpectHead() throws {
        let (store, key, directory) = try populatedStore()
        let ingestor = StoreIngestor(key: try KeyFolder(path: directory.appending(path: "keys/collector").path,
                                                        role: .collector).pseudonymisationKey())
        let before = try HeatStore(path: store.path)
        let firstHeadRows = try #require(try StoreVerifier.verify(store: before).chains.first { $0.table == "event_hmacs" }?.rows)
        _ = try ingestor.ingest(try StoreTestSupport.interactions(60..<80), clients: [], into: store,
                                source: .init(name: "c.csv", inputHash: String(repeating: "c", count: 64)))
        let second = try HeadSigner.sign(store: store, with: key)
        let headFile = directory.appending(path: "head-2.json")
        try second.write(to: headFile)
        // Roll back: delete every row after the first signed head, and the second head itself.
        try StoreTestSupport.attacker(store.path).write { db in
            let storedHead = try #require(try String.fetchOne(db, sql: "SELECT head FROM signed_heads WHERE seq = 1"))
            let head = try SignedHead.decode(Data(storedHead.utf8), source: "test")
            for chain in head.chains {
                try StoreTestSupport.dropTriggers(db, chain.table)
                try db.execute(sql: "DELETE FROM \(chain.table) WHERE seq > ?", arguments: [chain.rows])
            }
            try StoreTestSupport.dropTriggers(db, "signed_heads")
            try db.execute(sql: "DELETE FROM signed_heads WHERE seq > 1")
        }
        #expect(try StoreVerifier.verify(store: store).chains.first { $0.table == "event_hmacs" }?.rows == firstHeadRows)
        let withoutHead = try StoreVerifier.verify(store: store)
        #expect(withoutHead.intact, "a clean rollback is invisible without the head file: \(withoutHead.violations)")
        let expected = try SignedHead.read(from: headFile)
        let report = try StoreVerifier.verify(store: store, expectedHead: expected)
        #expect(!report.intact)
        let first = try #require(report.violations.first)
        #expect(first.kind == .rowsDeleted)
        #expect(first.message.contains("expected head"))
        #expect(report.violations.contains { $0.table == "event_hmacs" && $0.seq == 80 })
    }

    @Test func recomputedChainWithoutSigningKeyIsCaught() throws {
        let (store, key, _) = try populatedStore()
        try StoreTestSupport.attacker(store.path).write { db in
            try StoreTestSupport.dropTriggers(db, "weekly_buckets")
            try db.execute(sql: "UPDATE weekly_buckets SET events = 0 WHERE seq = 2")
            try StoreTestSupport.recomputeChain(db, .weeklyBuckets)
        }
        let report = try StoreVerifier.verify(store: store, pinnedKey: key.verificationKey)
        #expect(!report.violations.contains { $0.kind == .rowHashMismatch || $0.kind == .brokenLink },
                "the recomputed chain is internally consistent")
        let first = try #require(report.violations.first)
        #expect(first.kind == .headMismatch)
        #expect(first.table == "weekly_buckets")
        #expect(first.message.contains("signed head 1"))
    }

    @Test func alteredSignedHeadIsCaught() throws {
        let (store, _, _) = try populatedStore()
        try StoreTestSupport.attacker(store.path).write { db in
            try StoreTestSupport.dropTriggers(db, "signed_heads")
            let text = try #require(try String.fetchOne(db, sql: "SELECT head FROM signed_heads WHERE seq = 1"))
            var head = try SignedHead.decode(Data(text.utf8), source: "test")
            head.signedAt = head.signedAt.adding(seconds: 1)
            let json = String(decoding: try head.jsonData(), as: UTF8.self)
            try db.execute(sql: "UPDATE signed_heads SET head = ? WHERE seq = 1", arguments: [json])
            try StoreTestSupport.recomputeChain(db, .signedHeads)
        }
        let report = try StoreVerifier.verify(store: store)
        let first = try #require(report.violations.first)
        #expect(first.kind == .badSignature)
        #expect(first.seq == 1)
        #expect(first.message.contains("signed head 1"))
    }

    @Test func headSignedWithAnAttackersKeyIsCaughtByThePinnedKey() throws {
        let (store, key, _) = try populatedStore()
        // The attacker registers their own key by appending rows (appending is allowed) and signs.
        let attackerKey = StoreSigningKey()
        try StoreTestSupport.attacker(store.path).write { db in
            try ChainAppender(db, table: .keyFingerprints).append([
                .text(UTCTimestamp.now().iso8601), .text("keyholder"), .text("signingKey"),
                .text(attackerKey.fingerprint.hex), .blob(attackerKey.verificationKey.rawRepresentation),
            ])
            let chains = try ChainedTable.signedChains.map { try HeadSigner.currentHead(of: $0, in: db) }
            var head = SignedHead(signedAt: .now(), schemaVersion: 1, keyFingerprint: attackerKey.fingerprint.hex,
                                  chains: chains, signature: "")
            head.signature = Hex.encode(try attackerKey.signature(for: head.signedMessage))
            var unsigned = head
            unsigned.signature = ""
            try ChainAppender(db, table: .signedHeads).append([
                .text(head.signedAt.iso8601), .text(String(decoding: try unsigned.jsonData(), as: UTF8.self)),
                .text(head.keyFingerprint), .blob(Hex.decode(head.signature) ?? []),
            ])
        }
        let pinned = try StoreVerifier.verify(store: store, pinnedKey: key.verificationKey)
        let first = try #require(pinned.violations.first)
        #expect(first.kind == .unknownSigningKey)
        #expect(first.seq == 2)
    }

    @Test func signingWithAnotherKeyIsRefused() throws {
        let (store, _, _) = try populatedStore()
        let error = #expect(throws: StoreError.self) { _ = try HeadSigner.sign(store: store, with: StoreSigningKey()) }
        guard case .keyMismatch = error else {
            Issue.record("expected keyMismatch, got \(String(describing: error))")
            return
        }
    }

    @Test func auditLogRecordsEveryStepAndFilters() throws {
        let (store, _, _) = try populatedStore()
        let actions = try AuditLog.entries(in: store).map(\.action)
        #expect(actions == ["init", "keys.generate", "ingest", "ingest", "audit.sign"])
        let ingests = try AuditLog.entries(in: store, action: "ingest")
        #expect(ingests.count == 2)
        #expect(ingests[0].inputHash == String(repeating: "a", count: 64))
        #expect(ingests[0].outputHash?.count == 64)
        #expect(ingests[1].parameters["duplicatesSkipped"] == "10")
        #expect(try AuditLog.entries(in: store, action: "keys").map(\.action) == ["keys.generate"])
        #expect(try AuditLog.entries(in: store, action: "audit").map(\.action) == ["audit.sign"])
        let future = CalendarDate(daysSinceEpoch: UTCTimestamp.now().date.daysSinceEpoch + 1)
        #expect(try AuditLog.entries(in: store, since: future).isEmpty)
        #expect(try AuditLog.entries(in: store, since: UTCTimestamp.now().date).count == 5)
        let runs = try ComputationLog.runs(in: store)
        #expect(runs.map(\.kind) == ["ingest", "ingest"])
        #expect(runs[1].outputHash == ingests[1].outputHash)
    }

    @Test func headFileRoundTripsAndRejectsCorruption() throws {
        let (_, key, directory) = try populatedStore()
        let url = directory.appending(path: "head.json")
        let head = try SignedHead.read(from: url)
        #expect(head.isValid(under: key.verificationKey))
        var bytes = try Data(contentsOf: url)
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: url)
        let error = #expect(throws: AuditError.self) { _ = try SignedHead.read(from: url) }
        #expect(error?.category.exitCode == 65)
    }

    @Test func computationRunsAreLoggedAndAudited() throws {
        let (store, _, _) = try populatedStore()
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
        #expect(try StoreVerifier.verify(store: store).unsignedRows["computation_runs"] == 1)
    }

    @Test func revealMapsRefsBackWithTheCallersFileAndIsAudited() throws {
        let (store, _, directory) = try populatedStore()
        let key = try KeyFolder(path: directory.appending(path: "keys/collector").path, role: .collector).pseudonymisationKey()
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
        #expect(entries[1].parameters["revealed"] == "7")
        #expect(!entries.contains { $0.parameters.values.contains { $0.contains("CLIENT-RAW") } })
        // Another key reveals nothing and is refused.
        #expect(throws: StoreError.self) {
            _ = try ClientReveal.reveal(in: store, key: .random(), clients: clients, refs: [], source: source)
        }
    }

    @Test func valuesOfTheWrongTypeAreReportedNotTrapped() throws {
        let (store, _, _) = try populatedStore()
        try StoreTestSupport.attacker(store.path).write { db in
            try StoreTestSupport.dropTriggers(db, "audit_log")
            try StoreTestSupport.dropTriggers(db, "weekly_buckets")
            try db.execute(sql: "UPDATE audit_log SET role = X'00', parameters = X'01' WHERE seq = 2")
            try db.execute(sql: "UPDATE weekly_buckets SET week = X'02', events = 'many' WHERE seq = 1")
        }
        let entries = try AuditLog.entries(in: store)
        #expect(entries[1].role == "\u{0}")
        #expect(entries[1].parameters.isEmpty)
        _ = try ClientDirectory.entries(in: store)
        _ = try ClientDirectory.buckets(in: store)
        let report = try StoreVerifier.verify(store: store)
        #expect(report.violations.contains { $0.table == "audit_log" && $0.seq == 2 && $0.kind == .rowHashMismatch })
        #expect(report.violations.contains { $0.table == "weekly_buckets" && $0.seq == 1 })
    }
}
