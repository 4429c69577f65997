import Foundation
import GRDB
import HeatEnvelope
import HeatFHE
import Testing
@testable import HeatCore

/// Issue 27, item 1: FHE key rotation by re-encryption inside the vault, tested as an attacker
/// would try it: old data and old heads still verify; a run evaluated after the rotation decrypts
/// exactly to the plaintext pipeline (re-encrypted weeks and weeks ingested under the new key
/// together); the retired generation's keys are refused for ingestion and evaluation; a run is
/// decrypted only with its own generation's secret key; mixing generations is refused; a forged
/// transition is ignored and named; a rotation over a store that does not verify changes nothing.
@Suite(.serialized) struct FHEKeyRotationTests {
    static let preset = EncryptedPipelineTests.preset

    /// A store with generation-1 keys and the first weeks of a synthetic bank ingested and
    /// signed, plus the interactions of its last week kept back for after the rotation.
    struct Fixture {
        var folder: URL
        var store: HeatStore
        var keys: String
        var generated: GeneratedKeys
        var head: SignedHead
        var early: [Interaction]
        var late: [Interaction]
        var dataset: SyntheticDataset
        var source = StoreIngestor.Source(name: "export.csv", inputHash: String(repeating: "0", count: 64))

        init() throws {
            dataset = SyntheticBank(clients: 24, managers: 2, branches: 2, weeks: 6, seed: 11).generate()
            folder = try StoreTestSupport.temporaryDirectory()
            store = try HeatStore.initialize(path: folder.appending(path: "heat.db").path).store
            keys = folder.appending(path: "keys").path
            generated = try KeyFolder.generate(at: keys)
            try KeyRegistry.recordGenerated(generated, in: store)
            _ = try PipelineKeys.generate(at: keys, preset: FHEKeyRotationTests.preset)
            let lastWeek = try #require(dataset.interactions.map { $0.occurredAt.date.isoWeek }.max())
            early = dataset.interactions.filter { $0.occurredAt.date.isoWeek < lastWeek }
            late = dataset.interactions.filter { $0.occurredAt.date.isoWeek == lastWeek }
            try #require(!early.isEmpty && !late.isEmpty)
            let collector = try Collector(folder: KeyFolder(path: "\(keys)/collector", role: .collector))
            _ = try collector.ingestor(signer: StoreTestSupport.signer(generated)).ingest(early, clients: dataset.clients, into: store, source: source)
            head = try HeadSigner.sign(store: store, with: generated.signingKey, anchor: .firstHead)
        }

        /// The plaintext pipeline's scores of `interactions`.
        func plaintext(_ interactions: [Interaction], asOf: CalendarDate, name: String) throws -> [String: HeatScore] {
            let plain = try HeatStore.initialize(path: folder.appending(path: name).path).store
            _ = try StoreIngestor(key: generated.pseudonymisationKey).ingest(interactions, clients: dataset.clients, into: plain, source: source)
            return try StoreHeat.scores(in: plain, configuration: HeatConfiguration(), asOf: asOf)
        }

        /// Rotates to generation 2 under `out` and signs the store; returns the transition and the new head.
        func rotate(out: String, anchor: SignedHead) throws -> (FHEKeyTransition, SignedHead) {
            let holder = try KeyHolder(keysAt: "\(keys)/keyholder")
            let next = try FHEKeyRotation.generateKeys(at: out, parameters: holder.context.parameters, generation: 2, aggregates: false, signingKey: generated.signingKey)
            let rotation = try FHEKeyRotation.rotate(
                store: store, signingKey: generated.signingKey, old: holder, oldIdentity: holder.fheIdentity,
                newPublicKey: next.publicKey, newGeneration: next.generation, anchor: .previous(anchor), reason: "rotation")
            return (rotation.record, rotation.head)
        }

        /// Every row of every table (the "nothing half-written" check).
        func digest() throws -> String { try StoreTestSupport.dump(store.path) }
    }

    /// Each client's decrypted heat and trend equal the plaintext scores exactly.
    static func expectExact(_ values: [DecryptedHeat], _ expected: [String: HeatScore], _ label: String) throws {
        #expect(values.count == expected.count, "\(label): \(values.count) clients decrypted, \(expected.count) expected")
        for value in values {
            let score = try #require(expected[value.pseudonym.hex], "\(label): a client missing from the plaintext pipeline")
            #expect(value.heat == score.heat && value.trend == score.trend, "\(label): slot \(value.slot)")
        }
    }

    @Test func aRunAfterTheRotationDecryptsExactlyToThePlaintextPipelineAndOldDataStillVerifies() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let keys = fixture.keys, store = fixture.store
        let oldEvaluator = try Evaluator(keysAt: "\(keys)/evaluator")
        let oldRun = try oldEvaluator.evaluate(store: store, configuration: HeatConfiguration())
        #expect(oldRun.header.fheGeneration == nil && oldRun.header.fheKeyID == nil, "a store never rotated writes the old format")
        let oldHolder = try KeyHolder(keysAt: "\(keys)/keyholder")
        let before = try fixture.plaintext(fixture.early, asOf: oldRun.header.asOf, name: "plain-early.db")
        try Self.expectExact(try oldHolder.decrypt(run: oldRun, store: store), before, "generation 1 before the rotation")
        let storedBefore = try store.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM ciphertexts") ?? 0 }

        let out = fixture.folder.appending(path: "keys-fhe2").path
        let (transition, head) = try fixture.rotate(out: out, anchor: fixture.head)
        #expect(transition.generation == 2 && transition.sourceFirstSeq == 1 && transition.finalSeq == storedBefore)
        #expect(transition.firstSeq == storedBefore + 1 && transition.lastSeq == 2 * storedBefore, "every stored row re-encrypted once")
        // Key files carry the generation id; the secret key is 0600.
        let identity = try FHEKeyIdentity(folder: KeyFolder(path: "\(out)/evaluator", role: .evaluator))
        #expect(identity.generation == 2 && identity.keyID == transition.keyID)
        let mode = try FileManager.default.attributesOfItem(atPath: "\(out)/keyholder/\(PipelineKeys.secretKeyFile)")[.posixPermissions] as? Int
        #expect(mode == 0o600)

        // Old data still verifies: under the new head, and the head kept from before the rotation.
        for anchor in [head, fixture.head] {
            let report = try StoreVerifier.verify(store: store, pinnedKey: fixture.generated.signingKey.verificationKey, anchor: .previous(anchor))
            #expect(report.intact, "\(report.violations)")
            #expect(report.retention.contains { $0.hasPrefix("FHE key rotated to generation 2") })
        }

        // The retained (escrowed) generation-1 key holder still decrypts the old logged run exactly;
        // the new one refuses it, and the old one refuses a new run.
        try Self.expectExact(try oldHolder.decrypt(run: oldRun, store: store), before, "the old run with the retained key")
        let newHolder = try KeyHolder(keysAt: "\(out)/keyholder")
        #expect(throws: FHEKeyError.runGeneration(source: "the run", runGeneration: 1, folderGeneration: 2)) {
            try newHolder.decrypt(run: oldRun, store: store)
        }

        // The retired generation's keys are refused for evaluation and for new ingestion (nothing written).
        #expect(throws: FHEKeyError.notCurrentGeneration(path: store.path, role: .evaluator, folderGeneration: 1, storeGeneration: 2)) {
            _ = try oldEvaluator.evaluate(store: store, configuration: HeatConfiguration())
        }
        let counts = "SELECT (SELECT COUNT(*) FROM ciphertexts), (SELECT COUNT(*) FROM weekly_buckets), (SELECT COUNT(*) FROM computation_runs), (SELECT COUNT(*) FROM audit_log)"
        let before2 = try store.read { db in try Row.fetchOne(db, sql: counts) }
        let oldCollector = try Collector(folder: KeyFolder(path: "\(keys)/collector", role: .collector))
        #expect(throws: FHEKeyError.self) {
            _ = try oldCollector.ingestor(signer: StoreTestSupport.signer(fixture.generated))
                .ingest(fixture.late, clients: fixture.dataset.clients, into: store, source: fixture.source)
        }
        let after2 = try store.read { db in try Row.fetchOne(db, sql: counts) }
        let (b, a) = (try #require(before2), try #require(after2))
        #expect((0..<3).allSatisfy { (b[$0] as Int64) == (a[$0] as Int64) }, "a refused ingestion writes no data")
        #expect((a[3] as Int64) == (b[3] as Int64) + 1, "the refusal is audited")

        // A run after the rotation reads only generation 2 and decrypts exactly.
        let newEvaluator = try Evaluator(keysAt: "\(out)/evaluator")
        let run = try newEvaluator.evaluate(store: store, configuration: HeatConfiguration())
        #expect(run.header.fheGeneration == 2 && run.header.fheKeyID == transition.keyID)
        #expect(run.header.ciphertextsRead == oldRun.header.ciphertextsRead)
        try Self.expectExact(try newHolder.decrypt(run: run, store: store), before, "generation 2, re-encrypted weeks")
        #expect(throws: FHEKeyError.runGeneration(source: "the run", runGeneration: 2, folderGeneration: 1)) {
            try oldHolder.decrypt(run: run, store: store)
        }

        // New weeks ingested with the new public key join the re-encrypted ones; still exact.
        let newCollector = try Collector(
            pseudonymisationKey: fixture.generated.pseudonymisationKey,
            material: PipelineKeys.publicMaterial(in: KeyFolder(path: "\(out)/collector", role: .collector)))
        _ = try newCollector.ingestor(signer: StoreTestSupport.signer(fixture.generated))
            .ingest(fixture.late, clients: fixture.dataset.clients, into: store, source: fixture.source)
        let signed = try HeadSigner.sign(store: store, with: fixture.generated.signingKey, anchor: .previous(head))
        let report = try StoreVerifier.verify(store: store, pinnedKey: fixture.generated.signingKey.verificationKey, anchor: .previous(signed))
        #expect(report.intact, "\(report.violations)")
        let later = try newEvaluator.evaluate(store: store, configuration: HeatConfiguration())
        let all = try fixture.plaintext(fixture.dataset.interactions, asOf: later.header.asOf, name: "plain-all.db")
        try Self.expectExact(try newHolder.decrypt(run: later, store: store), all, "generation 2 after a new ingestion")
        // A logged run from before the rotation re-runs under generation 1 with the old keys.
        let rerun = try oldEvaluator.evaluate(store: store, configuration: HeatConfiguration(), throughSeq: oldRun.header.ciphertextsThroughSeq)
        #expect(rerun.header.inputHash == oldRun.header.inputHash && rerun.header.fheGeneration == nil)
        try Self.expectExact(try oldHolder.decrypt(run: rerun, store: store), before, "a re-run of the old logged run")
    }

    @Test func mixingGenerationsInOneRunIsRefused() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let out = fixture.folder.appending(path: "keys-fhe2").path
        let (transition, rotatedHead) = try fixture.rotate(out: out, anchor: fixture.head)
        // A window ending inside the re-encrypted rows would hold both generations (review s35 HIGH 1).
        #expect(throws: FHEKeyError.mixedGenerations(path: fixture.store.path, seq: transition.finalSeq + 1, run: 0, generation: 2)) {
            _ = try Evaluator(keysAt: "\(fixture.keys)/evaluator").evaluate(
                store: fixture.store, configuration: HeatConfiguration(), throughSeq: transition.finalSeq + 1)
        }
        // A collector build that skips the key check (its identity can no longer be relabelled:
        // review s35 MEDIUM 3) appends rows under the retired public key after the rotation.
        let material = try PipelineKeys.publicMaterial(in: KeyFolder(path: "\(fixture.keys)/collector", role: .collector))
        var rogue = try Collector(pseudonymisationKey: fixture.generated.pseudonymisationKey, material: material)
        rogue.skipsFHEGenerationCheck = true
        _ = try rogue.ingestor(signer: StoreTestSupport.signer(fixture.generated))
            .ingest(fixture.late, clients: fixture.dataset.clients, into: fixture.store, source: fixture.source)
        let first = transition.lastSeq + 1
        let evaluator = try Evaluator(keysAt: "\(out)/evaluator")
        #expect(throws: FHEKeyError.mixedGenerations(path: fixture.store.path, seq: first, run: 2, generation: 2)) {
            _ = try evaluator.evaluate(store: fixture.store, configuration: HeatConfiguration())
        }
        // The window before those rows is still a single generation and evaluates.
        let run = try evaluator.evaluate(store: fixture.store, configuration: HeatConfiguration(), throughSeq: transition.lastSeq)
        #expect(run.header.fheGeneration == 2)
        // A second rotation does not launder those rows under a valid transition (review s35 HIGH 2).
        let signed = try HeadSigner.sign(store: fixture.store, with: fixture.generated.signingKey, anchor: .previous(rotatedHead))
        let holder = try KeyHolder(keysAt: "\(out)/keyholder")
        let next = try FHEKeyRotation.generateKeys(
            at: fixture.folder.appending(path: "keys-fhe3").path, parameters: holder.context.parameters, generation: 3, aggregates: false, signingKey: fixture.generated.signingKey)
        let digest = try fixture.digest()
        #expect(throws: FHEKeyError.mixedGenerations(path: fixture.store.path, seq: first, run: 2, generation: 2)) {
            _ = try FHEKeyRotation.rotate(
                store: fixture.store, signingKey: fixture.generated.signingKey, old: holder, oldIdentity: holder.fheIdentity,
                newPublicKey: next.publicKey, newGeneration: next.generation, anchor: .previous(signed), reason: "rotation")
        }
        #expect(try fixture.digest() == digest, "nothing half-written")
    }

    @Test func aForgedTransitionIsIgnoredAndNamed() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let out = fixture.folder.appending(path: "keys-fhe2").path
        let (transition, head) = try fixture.rotate(out: out, anchor: fixture.head)
        // A thief without the key holder's signing key claims generation 3 over the same rows,
        // signed by a key of their own (so that their own public key would become current).
        let thief = StoreSigningKey()
        var forged = transition
        forged.generation = 3
        forged.keyID = String(repeating: "ab", count: 32)
        forged.previousKeyID = transition.keyID
        forged.sourceFirstSeq = transition.firstSeq
        forged.finalSeq = transition.lastSeq
        forged.firstSeq = transition.lastSeq + 1
        forged.lastSeq = transition.lastSeq
        try forged.sign(with: thief)
        _ = try fixture.store.write { db in try ChainAppender(db, table: .fheKeyTransitions).append(forged.rowValues) }
        let report = try StoreVerifier.verify(store: fixture.store, pinnedKey: fixture.generated.signingKey.verificationKey,
                                              anchor: .previous(head), allowUnsignedTail: true)
        let named = report.violations.filter { $0.kind == .badFHEKeyTransition }
        #expect(named.count == 1 && named.first?.seq == 2 && named.first?.table == "fhe_key_transitions", "\(report.violations)")
        #expect(named.first?.message.contains("not by the pinned auditor key") == true)
        // Ignored everywhere: generation 2 stays current and its keys keep working.
        let generations = try fixture.store.read { db in try FHEKeyGenerations.effective(in: db) }
        #expect(generations.currentGeneration == 2 && generations.currentKeyID == transition.keyID)
        _ = try Evaluator(keysAt: "\(out)/evaluator").evaluate(store: fixture.store, configuration: HeatConfiguration())

        // A transition whose signature is valid but whose re-encrypted rows were altered afterwards
        // no longer covers them: the rows count as unsigned.
        let path = fixture.store.path
        let attacker = try StoreTestSupport.attacker(path)
        try attacker.write { db in
            try StoreTestSupport.dropTriggers(db, "ciphertexts")
            try db.execute(sql: "UPDATE ciphertexts SET week = '2001-W01' WHERE seq = ?", arguments: [transition.lastSeq])
            try StoreTestSupport.recomputeChain(db, .ciphertexts)
        }
        try attacker.close()
        let altered = try StoreVerifier.verify(store: HeatStore(readingFrom: path), pinnedKey: fixture.generated.signingKey.verificationKey,
                                               anchor: .previous(head), allowUnsignedTail: true)
        #expect(altered.violations.contains { $0.kind == .badFHEKeyTransition && $0.seq == 1 }, "\(altered.violations)")
        #expect(altered.violations.contains { $0.kind == .unsignedIngestion && $0.table == "ciphertexts" })
    }

    @Test func aRotationOverAStoreThatDoesNotVerifyChangesNothing() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        // Rows after the latest signed head: the rotation is refused, nothing is written.
        _ = try AuditLog.append(AuditEntry(role: "operator", action: "note", parameters: [:]), to: fixture.store)
        let digest = try fixture.digest()
        let holder = try KeyHolder(keysAt: "\(fixture.keys)/keyholder")
        let next = try FHEKeyRotation.generateKeys(
            at: fixture.folder.appending(path: "keys-fhe2").path, parameters: holder.context.parameters, generation: 2, aggregates: false, signingKey: fixture.generated.signingKey)
        let error = #expect(throws: FHEKeyError.self) {
            _ = try FHEKeyRotation.rotate(
                store: fixture.store, signingKey: fixture.generated.signingKey, old: holder, oldIdentity: holder.fheIdentity,
                newPublicKey: next.publicKey, newGeneration: next.generation, anchor: .previous(fixture.head), reason: "rotation")
        }
        guard case .refused(let violations)? = error else {
            Issue.record("expected a refusal, got \(String(describing: error))")
            return
        }
        #expect(violations.first?.contains("not covered by a signed head") == true, "\(violations)")
        #expect(try fixture.digest() == digest, "nothing half-written")
        // A generation-1 secret key that is not the store's (a second `keys generate`) leaves the rows
        // no noise budget: refused, nothing written (review s35 HIGH 2).
        let signed = try HeadSigner.sign(store: fixture.store, with: fixture.generated.signingKey, anchor: .previous(fixture.head))
        let strangerKeys = fixture.folder.appending(path: "stranger").path
        _ = try PipelineKeys.generate(at: strangerKeys, preset: FHEKeyRotationTests.preset)
        let stranger = try KeyHolder(keysAt: "\(strangerKeys)/keyholder")
        let signedDigest = try fixture.digest()
        let refused = #expect(throws: FHEKeyError.self) {
            _ = try FHEKeyRotation.rotate(
                store: fixture.store, signingKey: fixture.generated.signingKey, old: stranger, oldIdentity: stranger.fheIdentity,
                newPublicKey: next.publicKey, newGeneration: next.generation, anchor: .previous(signed), reason: "rotation")
        }
        if case .badRow(_, _, let reason)? = refused {
            #expect(reason.contains("does not decrypt it"), "\(reason)")
        } else {
            Issue.record("expected badRow, got \(String(describing: refused))")
        }
        #expect(try fixture.digest() == signedDigest, "nothing half-written")
        // A key holder folder of another generation than the store's is refused too.
        let wrong = try KeyHolder(keysAt: fixture.folder.appending(path: "keys-fhe2/keyholder").path)
        #expect(throws: FHEKeyError.notCurrentGeneration(path: fixture.store.path, role: .keyholder, folderGeneration: 2, storeGeneration: 1)) {
            try fixture.store.read { db in try FHEKeyGenerations.effective(in: db) }.require(wrong.fheIdentity, role: .keyholder, path: fixture.store.path)
        }
    }
}
