import Foundation
import GRDB
import HeatEnvelope
import HeatFHE
import HeatML
import Testing
@testable import HeatCore

/// Issue 27, item 2 (erasure on request): a client erased with a signed directory tombstone is in
/// no later result, the others' encrypted results equal the plaintext pipeline without that
/// client exactly, `audit verify` accepts and names the erasure, and a forged one is named.
@Suite(.serialized) struct ErasureTests {
    /// The plaintext group totals and per-client scores of `store` at `asOf`.
    static func plaintext(_ store: HeatStore, asOf: CalendarDate) throws -> (totals: [String: GroupAggregate], scores: [String: HeatScore]) {
        let entries = try ClientDirectory.entries(in: store, scoring: HeatConfiguration(), asOf: asOf)
        var totals: [String: GroupAggregate] = [:]
        for entry in entries {
            for (kind, ref) in [(GroupSummary.Kind.manager, entry.manager), (.branch, entry.branch), (.segment, entry.segment), (.region, entry.region)] {
                guard let ref else { continue }
                var total = totals["\(kind.rawValue) \(ref)"] ?? GroupAggregate(kind: kind, ref: ref, clients: 0, heatSum: 0, trendSum: 0)
                total.clients += 1
                total.heatSum += entry.heat ?? 0
                total.trendSum += entry.trend ?? 0
                totals["\(kind.rawValue) \(ref)"] = total
            }
        }
        return (totals, try StoreHeat.scores(in: store, configuration: HeatConfiguration(), asOf: asOf))
    }

    @Test func erasedClientIsInNoLaterResultAndTheOthersEqualThePlaintextPipelineWithoutThem() throws {
        let dataset = SyntheticBank(clients: 60, managers: 3, branches: 2, weeks: 8, seed: 5).generate()
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (store, keys, generated) = try StoreTestSupport.encryptedStore(in: folder, preset: EncryptedAggregateTests.preset)
        var collector = try Collector(folder: KeyFolder(path: "\(keys)/collector", role: .collector))
        collector.encryptsFeatureStreams = true
        let source = StoreIngestor.Source(name: "export.csv", inputHash: String(repeating: "0", count: 64))
        _ = try collector.ingestor(signer: StoreTestSupport.signer(generated)).ingest(dataset.interactions, clients: dataset.clients, into: store, source: source)
        let head = try HeadSigner.sign(store: store, with: generated.signingKey, anchor: .firstHead)

        // The client in the middle of the largest manager's block (a segmented window holds it).
        let entries = try ClientDirectory.entries(in: store)
        // Deterministic: ties between managers broken by reference (a Dictionary's order changes per
        // process), and the victim has interactions (a later step re-ingests one of them).
        let byManager = Dictionary(grouping: entries, by: { $0.manager ?? "" })
        let largest = try #require(byManager.sorted { $0.key < $1.key }.max { $0.value.count < $1.value.count })
        let pseudonymizer = Pseudonymizer(key: generated.pseudonymisationKey)
        let active = Set(dataset.interactions.map { pseudonymizer.pseudonym(for: $0.clientID, kind: .client).hex })
        let block = largest.value.sorted { $0.slot < $1.slot }.filter { active.contains($0.pseudonym) }
        try #require(!block.isEmpty)
        let victim = block[block.count / 2]
        let raw = try #require(dataset.clients.first { pseudonymizer.pseudonym(for: $0.clientID, kind: .client).hex == victim.pseudonym }).clientID

        let erased = try ClientEraser.erase(.rawIDs([raw, "NEVER-INGESTED"], key: generated.pseudonymisationKey), store: store,
                                             key: generated.signingKey, anchor: .previous(head), reason: "ticket 4711")
        #expect(erased.record.erasures.count == 1 && erased.record.erasures[0].slot == victim.slot)
        #expect(erased.record.notFound == [2])
        #expect(erased.record.droppedRows["client_directory"] == 1)
        let (summary, signed) = (erased.record, erased.head)

        // audit verify accepts the erasure and names it; the pre-erasure head still verifies.
        let report = try StoreVerifier.verify(store: store, pinnedKey: generated.signingKey.verificationKey, anchor: .previous(signed))
        #expect(report.intact, "\(report.violations)")
        #expect(report.retention.contains { $0.hasPrefix("client_directory rows ") && $0.contains("dropped by erasure (erasure E-") })
        #expect(report.retention.contains { $0.hasPrefix("client erased on request (E-") })
        // The pseudonym recomputed from the raw id matches nothing any more.
        let pseudonym = Data(pseudonymizer.pseudonym(for: raw, kind: .client).bytes)
        try store.read { db in
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM client_directory WHERE pseudonym = ?", arguments: [pseudonym]) == 0)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM weekly_buckets WHERE client_pseudonym = ?", arguments: [pseudonym]) == 0)
            let logged = try String.fetchOne(db, sql: "SELECT parameters FROM audit_log WHERE action = 'client.erase'")
            #expect(logged?.contains(summary.erasures[0].erasureID) == true)
            #expect(logged?.contains(raw) == false && logged?.contains(victim.ref) == false)
        }

        // The plaintext pipeline without the client.
        let plain = try HeatStore.initialize(path: folder.appending(path: "plain.db").path).store
        _ = try StoreIngestor(key: generated.pseudonymisationKey).ingest(
            dataset.interactions.filter { $0.clientID != raw }, clients: dataset.clients.filter { $0.clientID != raw }, into: plain,
            source: source)

        let evaluator = try Evaluator(folder: KeyFolder(path: "\(keys)/evaluator", role: .evaluator))
        let run = try evaluator.evaluate(store: store, configuration: HeatConfiguration())
        let expected = try Self.plaintext(plain, asOf: run.header.asOf)
        let keyHolder = try KeyHolder(keysAt: "\(keys)/keyholder")
        // Per client: 59 clients, each equal to the plaintext score; the erased slot decrypts to 0.
        let values = try keyHolder.decrypt(run: run, store: store)
        #expect(values.count == 59 && !values.contains { $0.slot == victim.slot })
        for value in values {
            let score = try #require(expected.scores[value.pseudonym.hex])
            #expect(value.heat == score.heat && value.trend == score.trend)
        }
        let n = keyHolder.context.degree
        let batch = Int(victim.slot) / n
        let heatSlots = try keyHolder.decryptSlots(try #require(run.heat[batch]), mask: nil, signed: false)
        let trendSlots = try keyHolder.decryptSlots(try #require(run.trend[batch]), mask: nil, signed: true)
        #expect(heatSlots[Int(victim.slot) % n] == 0 && trendSlots[Int(victim.slot) % n] == 0)
        #expect(heatSlots.contains { $0 != 0 }, "the other clients keep their heat")

        // Aggregates of every group (k = 1) equal the plaintext sums without the client.
        let galoisKeys = try evaluator.galoisKeys(in: KeyFolder(path: "\(keys)/evaluator", role: .evaluator))
        let aggregates = try evaluator.aggregates(of: run, store: store, galoisKeys: galoisKeys, minGroupSize: 1)
        let decrypted = try keyHolder.decrypt(aggregates: aggregates, minGroupSize: 1)
        let released = Dictionary(uniqueKeysWithValues: decrypted.map { ("\($0.kind.rawValue) \($0.ref)", $0) })
        #expect(Set(released.keys) == Set(expected.totals.keys))
        for (key, total) in expected.totals {
            #expect(released[key] == total, "\(key): encrypted \(String(describing: released[key])) vs plaintext \(total)")
        }
        let victimManager = try #require(victim.manager)
        #expect(aggregates.header.groups.first { $0.kind == .manager && $0.ref == victimManager }?.method == "masked",
                "the window holding the erased slot is not summed by the ladder")

        // Feature runs: the erased slot is 0 in every feature; the others equal the plaintext features.
        let featureSet = ChurnFeatureSet(configuration: HeatConfiguration())
        let features = try evaluator.evaluateFeatures(store: store, featureSet: featureSet)
        #expect(features.erasedSlots == [victim.slot])
        for (index, ciphertext) in try #require(features.batches[batch]).enumerated() {
            let slots = try keyHolder.decryptSlots(ciphertext, mask: nil, signed: index == featureSet.names.count - 1)
            #expect(slots[Int(victim.slot) % n] == 0, "feature \(featureSet.names[index]) of the erased slot")
        }
        let rows = try keyHolder.decrypt(features: features, store: store)
        #expect(rows.count == 59 && !rows.contains { $0.slot == victim.slot })
        var ledger = ActivityLedger(replyWithinHours: HeatConfiguration().replyWithinHours)
        for interaction in dataset.interactions where interaction.clientID != raw { _ = ledger.add(interaction) }
        var plainFeatures: [String: [Int]] = [:]
        for client in dataset.clients where client.clientID != raw {
            plainFeatures[pseudonymizer.pseudonym(for: client.clientID, kind: .client).hex] = featureSet.features(
                weeks: ledger.clients[client.clientID] ?? [:], asOf: features.referenceWeek)
        }
        for row in rows { #expect(plainFeatures[row.pseudonym.hex] == row.values) }
        // Logistic score runs: the erased slot scores 0 (not the bias); the others equal the plaintext scores.
        var labels: [String: Bool] = [:]
        for label in dataset.labels { labels[pseudonymizer.pseudonym(for: label.clientID, kind: .client).hex] = label.churned }
        let labelled = rows.filter { labels[$0.pseudonym.hex] != nil }
        var columns = featureSet.names.indices.map { j in DataColumn(name: featureSet.names[j], numbers: labelled.map { Double($0.values[j]) }) }
        columns.append(try DataColumn(
            name: "churned", type: .categorical, raw: labelled.indices.map { $0 % 2 == 0 || labels[labelled[$0].pseudonym.hex] == true ? "true" : "false" }))
        let pipeline = try ModelPipeline.fit(
            .logistic(LogisticRegression()), on: try DataTable(columns: columns, source: "features"), target: "churned", positiveLabel: "true")
        let model = try EncryptedLogisticModel(
            pipeline: pipeline, featureSet: featureSet, plaintextModulus: keyHolder.context.parameters.plaintextModulus, source: "test model")
        #expect(model.bias != 0, "a zero bias would make the erased slot 0 without the mask")
        let scores = try evaluator.score(features: features, model: model)
        let scoreSlots = try keyHolder.decryptSlots(try #require(scores.scores[batch]), mask: nil, signed: true)
        #expect(scoreSlots[Int(victim.slot) % n] == 0)
        let decryptedScores = try keyHolder.decrypt(scores: scores, store: store)
        #expect(decryptedScores.count == 59)
        for score in decryptedScores {
            #expect(score.score == model.score(features: try #require(plainFeatures[score.pseudonym.hex]), in: featureSet))
        }

        // A later ingestion of the same raw id gets a new slot with no history.
        var again = try #require(dataset.interactions.first { $0.clientID == raw })
        again.eventID = "ERASURE-TEST-NEW-EVENT"
        _ = try collector.ingestor(signer: StoreTestSupport.signer(generated)).ingest([again], clients: [], into: store, source: .init(name: "late.csv", inputHash: String(repeating: "1", count: 64)))
        let newEntry = try #require(try ClientDirectory.entries(in: store).first { $0.pseudonym == victim.pseudonym })
        #expect(newEntry.slot > (entries.map(\.slot).max() ?? 0) && newEntry.slot != victim.slot)
        let later = try HeadSigner.sign(store: store, with: generated.signingKey, anchor: .previous(signed))
        #expect(try StoreVerifier.verify(store: store, pinnedKey: generated.signingKey.verificationKey, anchor: .previous(later)).intact)
    }

    /// Plaintext store: erasing the client whose rows end the chains, then appending and signing again.
    @Test func erasingTheLastRowsKeepsTheChainsVerifiableAndAppendable() throws {
        let (store, directory) = try StoreTestSupport.makeStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keys = try KeyFolder.generate(at: directory.appending(path: "keys").path)
        try KeyRegistry.recordGenerated(keys, in: store)
        let ingestor = StoreIngestor(key: keys.pseudonymisationKey, signer: StoreTestSupport.signer(keys))
        _ = try ingestor.ingest(try StoreTestSupport.interactions(0..<40), clients: [], into: store,
                                source: .init(name: "a.csv", inputHash: String(repeating: "a", count: 64)))
        // The last client of the directory has the last bucket rows too.
        let late = try (0..<3).map { try StoreTestSupport.interaction(event: "LATE-\($0)", client: "CLIENT-RAW-LATE", at: "2026-03-0\($0 + 2)T10:00:00Z") }
        _ = try ingestor.ingest(late, clients: [], into: store, source: .init(name: "b.csv", inputHash: String(repeating: "b", count: 64)))
        let head = try HeadSigner.sign(store: store, with: keys.signingKey, anchor: .firstHead)
        let lastDirectory = try store.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM client_directory") ?? 0 }
        let lastBucket = try store.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM weekly_buckets") ?? 0 }

        let erasure = try ClientEraser.erase(.rawIDs(["CLIENT-RAW-LATE"], key: keys.pseudonymisationKey), store: store,
                                             key: keys.signingKey, anchor: .previous(head))
        let (summary, signed) = (erasure.record, erasure.head)
        #expect(summary.tombstones.contains { $0.table == "client_directory" && $0.lastSeq == lastDirectory })
        #expect(summary.tombstones.contains { $0.table == "weekly_buckets" && $0.lastSeq == lastBucket })
        #expect(signed.chains.first { $0.table == "client_directory" }?.rows == lastDirectory, "the chain ends at the anchored dropped row")
        let pinned = keys.signingKey.verificationKey
        let report = try StoreVerifier.verify(store: store, pinnedKey: pinned, anchor: .previous(signed))
        #expect(report.intact, "\(report.violations)")
        #expect(try StoreVerifier.verify(store: store, pinnedKey: pinned, anchor: .previous(head), allowUnsignedTail: true).intact)
        // The plaintext scores no longer list the client.
        let erased = Pseudonymizer(key: keys.pseudonymisationKey).pseudonym(for: "CLIENT-RAW-LATE", kind: .client).hex
        #expect(try StoreHeat.scores(in: store)[erased] == nil)
        #expect(try StoreHeat.scores(in: store).count == 7)
        // The next ingestion continues each chain after the dropped rows.
        _ = try ingestor.ingest([try StoreTestSupport.interaction(event: "NEW-1", client: "CLIENT-RAW-NEW", at: "2026-03-04T10:00:00Z")],
                                clients: [], into: store, source: .init(name: "c.csv", inputHash: String(repeating: "c", count: 64)))
        let nextDirectory = try store.read { db in
            try Int64.fetchOne(db, sql: "SELECT MIN(seq) FROM client_directory WHERE seq > ?", arguments: [lastDirectory - 1])
        }
        #expect(nextDirectory == lastDirectory + 1)
        let next = try HeadSigner.sign(store: store, with: keys.signingKey, anchor: .previous(signed))
        let after = try StoreVerifier.verify(store: store, pinnedKey: pinned, anchor: .previous(next))
        #expect(after.intact, "\(after.violations)")
        // Erasing it again finds nothing (exit 65), naming the request, never the id.
        expectThrows(ErasureError.self, {
            try ClientEraser.erase(.rawIDs(["CLIENT-RAW-LATE"], key: keys.pseudonymisationKey), store: store, key: keys.signingKey,
                                   anchor: .previous(next), source: "erase.csv")
        }, matching: { error in
            error == .noClientFound(source: "erase.csv", requested: 1) && !error.description.contains("CLIENT-RAW-LATE")
                && error.category.exitCode == 65
        })
    }

    /// An attacker hides a client: deletes the directory row and writes an erasure and a tombstone
    /// with their own key (or unsigned). Both are named; the deleted row counts as deleted.
    @Test(arguments: ["attacker key", "unsigned"])
    func aForgedErasureIsNamed(forgery: String) throws {
        let (store, directory) = try StoreTestSupport.makeStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keys = try KeyFolder.generate(at: directory.appending(path: "keys").path)
        try KeyRegistry.recordGenerated(keys, in: store)
        _ = try StoreIngestor(key: keys.pseudonymisationKey, signer: StoreTestSupport.signer(keys)).ingest(
            try StoreTestSupport.interactions(0..<40), clients: [], into: store,
            source: .init(name: "a.csv", inputHash: String(repeating: "a", count: 64)))
        let head = try HeadSigner.sign(store: store, with: keys.signingKey, anchor: .firstHead)
        let attackerKey = StoreSigningKey()
        try StoreTestSupport.attacker(store.path).write { db in
            try db.execute(sql: "DROP TRIGGER client_directory_no_delete")
            let hash = try #require(try Data.fetchOne(db, sql: "SELECT row_hash FROM client_directory WHERE seq = 2"))
            try db.execute(sql: "DELETE FROM client_directory WHERE seq = 2")
            var stone = try RetentionTombstone.signed(table: "client_directory", firstSeq: 2, lastSeq: 2, policy: "erasure E-00000000",
                                                      anchors: [.init(seq: 2, hash: Hex.encode(hash))], with: attackerKey)
            var record = try ClientErasure.signed(erasureID: "E-00000000", slot: 1, directorySeq: 2, reason: "request", with: attackerKey)
            if forgery == "unsigned" {
                stone.keyFingerprint = keys.signingKey.fingerprint.hex
                stone.signature = String(repeating: "0", count: 128)
                record.keyFingerprint = keys.signingKey.fingerprint.hex
                record.signature = String(repeating: "0", count: 128)
            }
            try ChainAppender(db, table: .retentionTombstones).append(stone.rowValues)
            try ChainAppender(db, table: .clientErasures).append(record.rowValues)
            try db.execute(sql: StoreSchema.triggerStatements(for: .clientDirectory)[1])
        }
        let report = try StoreVerifier.verify(store: store, pinnedKey: keys.signingKey.verificationKey, anchor: .previous(head),
                                              allowUnsignedTail: true)
        let bad = try #require(report.violations.first { $0.kind == .badErasure })
        #expect(bad.table == "client_erasures" && bad.seq == 1)
        #expect(bad.message.contains("E-00000000") && bad.message.contains(
            forgery == "unsigned" ? "signature does not verify" : "not by the pinned auditor key"))
        #expect(report.violations.contains { $0.kind == .badTombstone && $0.table == "retention_tombstones" })
        #expect(report.violations.contains { $0.kind == .missingRow && $0.table == "client_directory" && $0.seq == 2 })
        #expect(!report.retention.contains { $0.contains("erasure") })
    }

    @Test func theClientFileIsReadByLineAndErrorsNameTheLineNotTheId() throws {
        let plain = try ClientEraser.clientIDs(in: Data("\u{FEFF}CL-1\r\n\nCL-2\n".utf8), file: "erase.txt")
        #expect(plain.map(\.id) == ["CL-1", "CL-2"] && plain.map(\.line) == [1, 3])
        let csv = try ClientEraser.clientIDs(in: Data("segment,client_id\nretail,CL-9\n".utf8), file: "erase.csv")
        #expect(csv.map(\.id) == ["CL-9"] && csv.map(\.line) == [2])
        expectThrows(ErasureError.self, {
            try ClientEraser.clientIDs(in: Data("client_id\nSECRET-ID,extra\n\"SECRET-ID\"\n".utf8), file: "erase.csv")
        }, matching: { error in
            error == .badClientFile(file: "erase.csv", line: 3, reason: "quoted fields are not supported")
                && !error.description.contains("SECRET") && error.category.exitCode == 65
        })
        expectThrows(ErasureError.self, { try ClientEraser.clientIDs(in: Data("\n".utf8), file: "empty.csv") },
                     matching: { $0 == .emptyRequest(source: "empty.csv") && $0.category.exitCode == 64 })
    }

    /// A plaintext store with 40 signed interactions (7 clients) and its first head.
    static func signedPlainStore() throws -> (store: HeatStore, keys: GeneratedKeys, head: SignedHead, directory: URL) {
        let (store, directory) = try StoreTestSupport.makeStore()
        let keys = try KeyFolder.generate(at: directory.appending(path: "keys").path)
        try KeyRegistry.recordGenerated(keys, in: store)
        _ = try StoreIngestor(key: keys.pseudonymisationKey, signer: StoreTestSupport.signer(keys)).ingest(
            try StoreTestSupport.interactions(0..<40), clients: [], into: store,
            source: .init(name: "a.csv", inputHash: String(repeating: "a", count: 64)))
        return (store, keys, try HeadSigner.sign(store: store, with: keys.signingKey, anchor: .firstHead), directory)
    }

    /// What someone holding `key` (and file access) writes to hide directory row `seq`: the row
    /// dropped, a tombstone of policy `erasure <id>` and, unless `record` is false, an erasure record.
    static func forgeErasure(
        in store: HeatStore, seq: Int64, id: String, key: StoreSigningKey, tombstone: Bool = true, record: Bool = true
    ) throws {
        try StoreTestSupport.attacker(store.path).write { db in
            if tombstone {
                try db.execute(sql: "DROP TRIGGER client_directory_no_delete")
                let hash = try #require(try Data.fetchOne(db, sql: "SELECT row_hash FROM client_directory WHERE seq = ?", arguments: [seq]))
                try db.execute(sql: "DELETE FROM client_directory WHERE seq = ?", arguments: [seq])
                let stone = try RetentionTombstone.signed(table: "client_directory", firstSeq: seq, lastSeq: seq, policy: "erasure \(id)",
                                                          anchors: [.init(seq: seq, hash: Hex.encode(hash))], with: key)
                try ChainAppender(db, table: .retentionTombstones).append(stone.rowValues)
                try db.execute(sql: StoreSchema.triggerStatements(for: .clientDirectory)[1])
            }
            if record {
                let erasure = try ClientErasure.signed(erasureID: id, slot: seq - 1, directorySeq: seq, reason: "request", with: key)
                try ChainAppender(db, table: .clientErasures).append(erasure.rowValues)
            }
        }
    }

    @Test func anErasureForgedWithTheRetiredKeyIsRefused() throws {
        let (store, keys, head, directory) = try Self.signedPlainStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        let newKey = StoreSigningKey()
        _ = try SigningKeyRotation.rotate(store: store, from: keys.signingKey, to: newKey, anchor: .previous(head), reason: "revocation: stolen")
        let next = try HeadSigner.sign(store: store, with: newKey, anchor: .previous(head))
        try Self.forgeErasure(in: store, seq: 2, id: "E-0badc0de", key: keys.signingKey)  // the thief of the retired key
        for pinned in [keys.signingKey.verificationKey, newKey.verificationKey] {
            let report = try StoreVerifier.verify(store: store, pinnedKey: pinned, anchor: .previous(next), allowUnsignedTail: true)
            let refused = report.violations.filter { $0.kind == .retiredSigningKey }
            #expect(refused.map(\.table) == ["retention_tombstones", "client_erasures"], "\(report.violations)")
            #expect(refused.allSatisfy { $0.seq == 1 && $0.message.contains("retired after signed head 1") })
            #expect(report.violations.contains { $0.kind == .missingRow && $0.table == "client_directory" && $0.seq == 2 })
            #expect(!report.retention.contains { $0.contains("E-0badc0de") })
        }
        // The same forgery with the current key would be a (paired, valid) erasure: the retired key is what is refused.
        let (other, otherKeys, otherHead, otherDirectory) = try Self.signedPlainStore()
        defer { try? FileManager.default.removeItem(at: otherDirectory) }
        try Self.forgeErasure(in: other, seq: 2, id: "E-0badc0de", key: otherKeys.signingKey)
        let accepted = try StoreVerifier.verify(store: other, pinnedKey: otherKeys.signingKey.verificationKey, anchor: .previous(otherHead),
                                                allowUnsignedTail: true)
        #expect(accepted.intact, "\(accepted.violations)")
    }

    @Test func reinsertingErasedRowsIsAViolation() throws {
        let (store, keys, head, directory) = try Self.signedPlainStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        let pseudonym = Data(Pseudonymizer(key: keys.pseudonymisationKey).pseudonym(for: "CLIENT-RAW-1", kind: .client).bytes)
        // The attacker keeps copies of the rows before the erasure (a backup, say).
        let copy = { (sql: String) throws -> [Row] in try store.read { db in try Row.fetchAll(db, sql: sql, arguments: [pseudonym]) } }
        let directoryRows = try copy("SELECT * FROM client_directory WHERE pseudonym = ?")
        let bucketRows = try copy("SELECT * FROM weekly_buckets WHERE client_pseudonym = ? ORDER BY seq")
        #expect(directoryRows.count == 1 && bucketRows.count > 1)
        _ = try ClientEraser.erase(.rawIDs(["CLIENT-RAW-1"], key: keys.pseudonymisationKey), store: store, key: keys.signingKey,
                                   anchor: .previous(head))
        let signed = try HeadSigner.sign(store: store, with: keys.signingKey, anchor: .previous(head))
        let pinned = keys.signingKey.verificationKey
        #expect(try StoreVerifier.verify(store: store, pinnedKey: pinned, anchor: .previous(signed)).intact)
        let insert = { (db: Database, table: String, row: Row) throws in
            let names = Array(row.columnNames)
            try db.execute(sql: "INSERT INTO \(table) (\(names.joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))",
                           arguments: StatementArguments(names.map { row[$0] as DatabaseValue }))
        }
        let directorySeq: Int64 = directoryRows[0]["seq"]
        // The original rows put back at their seqs (a second row with the slot would break the
        // column's UNIQUE constraint): their hashes chain, but they lie in erased ranges.
        try StoreTestSupport.attacker(store.path).write { db in
            try insert(db, "client_directory", directoryRows[0])
            for row in bucketRows { try insert(db, "weekly_buckets", row) }
        }
        let report = try StoreVerifier.verify(store: store, pinnedKey: pinned, anchor: .previous(signed), allowUnsignedTail: true)
        let reinserted = report.violations.filter { $0.kind == .reinsertedRow }
        #expect(reinserted.contains { $0.table == "client_directory" && $0.seq == directorySeq && $0.message.contains("dropped (erasure E-") })
        let firstBucket: Int64 = bucketRows[0]["seq"]
        #expect(reinserted.contains { $0.table == "weekly_buckets" && $0.seq == firstBucket })
        #expect(reinserted.contains { $0.table == "client_directory" && $0.seq == directorySeq && $0.message.contains("which a signed erasure freed") })
    }

    @Test func erasureRecordsAndTombstonesPairOneToOne() throws {
        let (store, keys, head, directory) = try Self.signedPlainStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        // With the genuine key (an insider, or a bug): a tombstone without a record, and a record without a tombstone.
        try Self.forgeErasure(in: store, seq: 3, id: "E-11111111", key: keys.signingKey, record: false)
        try Self.forgeErasure(in: store, seq: 4, id: "E-22222222", key: keys.signingKey, tombstone: false)
        let report = try StoreVerifier.verify(store: store, pinnedKey: keys.signingKey.verificationKey, anchor: .previous(head),
                                              allowUnsignedTail: true)
        let unpaired = report.violations.filter { $0.kind == .badErasure }
        #expect(unpaired.count == 2, "\(report.violations)")
        #expect(unpaired.contains { $0.table == "client_erasures" && $0.seq == 1 && $0.message.contains("pairs with 0 signed client_directory tombstones") })
        #expect(unpaired.contains { $0.table == "retention_tombstones" && $0.seq == 1 && $0.message.contains("no valid signed erasure record") })
    }
}
