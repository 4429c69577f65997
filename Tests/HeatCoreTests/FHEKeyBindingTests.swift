import Foundation
import GRDB
import HeatEnvelope
import HeatFHE
import Testing
@testable import HeatCore

/// Issue 27 (review s35 of the FHE key rotation): every key and result file is bound to its FHE
/// key generation, tested as a careless operator or an attacker would try it.
///
/// - Evaluation keys: a stale Galois key left after a rotation, a relinearization key of another
///   generation, a swapped file and a truncated one are each refused before any work (exit 64,
///   the truncated one exit 65), and nothing is written.
/// - Result files: scores, tree inputs, tree scores, features and aggregates record their
///   generation; each is refused by the other generation's folder and decrypts exactly with its own.
/// - The SDK cannot label a retired public key as current.
@Suite(.serialized) struct FHEKeyBindingTests {
    typealias Fixture = FHEKeyRotationTests.Fixture

    /// Copies every file of `from` into `to`, replacing files of the same name (as an operator
    /// following "copy the new FHE files into the role folder" does).
    static func copyFiles(_ from: String, into to: String) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: from) {
            let target = "\(to)/\(name)"
            if FileManager.default.fileExists(atPath: target) { try FileManager.default.removeItem(atPath: target) }
            try FileManager.default.copyItem(atPath: "\(from)/\(name)", toPath: target)
        }
    }

    /// The exit code of what `body` throws, or `nil` when it does not throw.
    static func exitCode(_ body: () throws -> Void) -> Int32? {
        do {
            try body()
            return nil
        } catch let error as any ClassifiedError {
            return error.category.exitCode
        } catch {
            return -1
        }
    }

    /// Whether `body` throws ``FHEKeyError/unboundEvaluationKey(path:generation:reason:)``, wrapped
    /// by the typed loaders in ``PipelineError/fheKey(_:)`` (exit 64).
    static func isUnboundKey(_ body: () throws -> Void) -> Bool {
        do {
            try body()
            return false
        } catch let error as PipelineError {
            if case .fheKey(.unboundEvaluationKey) = error { return error.category.exitCode == 64 }
            return false
        } catch {
            return false
        }
    }

    @Test func staleSwappedOrTruncatedEvaluationKeysAreRefusedBeforeAnyWork() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let evaluatorPath = "\(fixture.keys)/evaluator"
        let galoisPath = "\(evaluatorPath)/\(Evaluator.galoisKeysFile)", relinPath = "\(evaluatorPath)/\(Evaluator.relinearizationKeyFile)"
        // Generation 1 holds Galois keys (`keys generate --aggregates`) and the trees' relinearization key (`trees relin-key`).
        let oldHolder = try KeyHolder(keysAt: "\(fixture.keys)/keyholder")
        let galois1 = try Bfv64.galoisKeysForSums(secretKey: oldHolder.decryptor.secretKey).envelope()
        try galois1.write(to: URL(filePath: galoisPath))
        // Since s37 the generation-1 folder of `keys generate` binds its evaluation keys too, as
        // `keys generate --aggregates` binds the Galois keys it writes.
        let generationPath = "\(evaluatorPath)/\(FHEKeyGeneration.fileName)"
        let record1 = try #require(try FHEKeyGeneration.read(in: KeyFolder(path: evaluatorPath, role: .evaluator)))
        // s38: the key holder signs the list it binds them with.
        try record1.binding([Evaluator.galoisKeysFile: galois1]).signingEvaluationKeys(with: fixture.generated.signingKey).envelope()
            .write(to: URL(filePath: generationPath))
        try oldHolder.writeRelinearizationKey(toEvaluatorFolder: evaluatorPath, signingKey: fixture.generated.signingKey)
        let oldRelin = try Data(contentsOf: URL(filePath: relinPath))
        // A bound generation-1 folder: its keys load.
        let generation1 = try Evaluator(keysAt: evaluatorPath)
        _ = try generation1.galoisKeys(in: KeyFolder(path: evaluatorPath, role: .evaluator))

        // The rotation (without --aggregates) always writes the new relinearization key, bound to generation 2.
        let out = fixture.folder.appending(path: "keys-fhe2").path
        let (transition, _) = try fixture.rotate(out: out, anchor: fixture.head)
        let record = try #require(try FHEKeyGeneration.read(in: KeyFolder(path: "\(out)/evaluator", role: .evaluator)))
        #expect(record.generation == 2 && record.keyID == transition.keyID)
        #expect(record.evaluationKeys?.keys.sorted() == [Evaluator.relinearizationKeyFile])
        let newRelin = try Data(contentsOf: URL(filePath: "\(out)/evaluator/\(Evaluator.relinearizationKeyFile)"))
        #expect(!FileManager.default.fileExists(atPath: "\(out)/evaluator/\(Evaluator.galoisKeysFile)"))
        let fresh = try Evaluator(keysAt: "\(out)/evaluator")
        _ = try fresh.relinearizationKey(in: KeyFolder(path: "\(out)/evaluator", role: .evaluator))
        // The other role folders bind no evaluation key.
        #expect(try FHEKeyGeneration.read(in: KeyFolder(path: "\(out)/collector", role: .collector))?.evaluationKeys == nil)

        // 1. The careless operator copies the new files over keys/evaluator; the old Galois keys stay.
        try Self.copyFiles("\(out)/evaluator", into: evaluatorPath)
        let digest = try fixture.digest()
        // Typed throws (s37): the evaluator wraps the key error in `PipelineError.fheKey`, with its message and exit code.
        let stale = #expect(throws: PipelineError.self) { _ = try Evaluator(keysAt: evaluatorPath) }
        if case .fheKey(.unboundEvaluationKey(let path, let generation, let reason))? = stale {
            #expect(path == galoisPath && generation == 2 && reason.contains("lists no such evaluation key"), "\(reason)")
        } else {
            Issue.record("expected unboundEvaluationKey, got \(String(describing: stale))")
        }
        #expect(stale?.category.exitCode == 64)
        #expect(stale?.description.contains(Evaluator.galoisKeysFile) == true)

        // 2. The relinearization key of generation 1 over the bound one (the stale Galois keys deleted).
        try FileManager.default.removeItem(atPath: galoisPath)
        _ = try Evaluator(keysAt: evaluatorPath)   // the folder is right again
        try oldRelin.write(to: URL(filePath: relinPath))
        let swapped = #expect(throws: PipelineError.self) { _ = try Evaluator(keysAt: evaluatorPath) }
        if case .fheKey(.unboundEvaluationKey(let path, 2, let reason))? = swapped {
            #expect(path == relinPath && reason.contains("SHA-256"), "\(reason)")
        } else {
            Issue.record("expected unboundEvaluationKey, got \(String(describing: swapped))")
        }

        // 3. Swapped after the evaluator was built: the loader checks the bytes it loads.
        try newRelin.write(to: URL(filePath: relinPath))
        let evaluator = try Evaluator(keysAt: evaluatorPath)
        try oldRelin.write(to: URL(filePath: relinPath))
        #expect(Self.isUnboundKey { _ = try evaluator.relinearizationKey(in: KeyFolder(path: evaluatorPath, role: .evaluator)) })
        // A Galois key of another key pair dropped into the folder (generation 2 binds none).
        try Bfv64.galoisKeysForSums(secretKey: oldHolder.decryptor.secretKey).envelope().write(to: URL(filePath: galoisPath))
        #expect(Self.isUnboundKey { _ = try evaluator.galoisKeys(in: KeyFolder(path: evaluatorPath, role: .evaluator)) })
        try FileManager.default.removeItem(atPath: galoisPath)

        // 4. A truncated key: refused by its checksum (exit 65).
        try newRelin.prefix(newRelin.count / 2).write(to: URL(filePath: relinPath))
        #expect(Self.exitCode { _ = try Evaluator(keysAt: evaluatorPath) } == 65)

        // 5. The key holder writes the relinearization key only into a folder of its own generation, and binds it.
        try FileManager.default.removeItem(atPath: relinPath)
        #expect(throws: FHEKeyError.self) { try oldHolder.writeRelinearizationKey(toEvaluatorFolder: evaluatorPath) }
        #expect(!FileManager.default.fileExists(atPath: relinPath), "nothing written by the refusal")
        try KeyHolder(keysAt: "\(out)/keyholder").writeRelinearizationKey(toEvaluatorFolder: evaluatorPath, signingKey: fixture.generated.signingKey)
        let rebound = try Evaluator(keysAt: evaluatorPath)
        _ = try rebound.relinearizationKey(in: KeyFolder(path: evaluatorPath, role: .evaluator))
        #expect(try FHEKeyGeneration.read(in: KeyFolder(path: evaluatorPath, role: .evaluator))?.evaluationKeys?[Evaluator.relinearizationKeyFile]
                != record.evaluationKeys?[Evaluator.relinearizationKeyFile], "the new key's digest replaced the old one")
        #expect(try fixture.digest() == digest, "no refusal wrote anything to the store")
    }

    @Test func scoreAndFeatureFilesDecryptOnlyWithTheirGeneration() throws {
        let f = try VersionedScoreReleaseTests.fixture(seed: 52)
        defer { try? FileManager.default.removeItem(at: f.folder) }
        // Generation 1: the references, and files of a store never rotated carry no generation.
        #expect(f.scores.header.fheGeneration == nil)
        #expect(!String(decoding: f.scores.payload(), as: UTF8.self).contains("fheGeneration"), "files of a store never rotated are unchanged")
        let scores1 = try f.keyHolder.decrypt(scores: f.scores, store: f.store)
        let featureSet = ChurnFeatureSet()
        let features1 = try f.keyHolder.decrypt(
            features: Evaluator(context: f.keyHolder.context).evaluateFeatures(store: f.store, featureSet: featureSet), store: f.store)

        // Rotate to generation 2.
        let out = f.folder.appending(path: "keys-fhe2").path
        let next = try FHEKeyRotation.generateKeys(at: out, parameters: f.keyHolder.context.parameters, generation: 2, aggregates: false, signingKey: f.generated.signingKey)
        let transition = try FHEKeyRotation.rotate(
            store: f.store, signingKey: f.generated.signingKey, old: f.keyHolder, oldIdentity: f.keyHolder.fheIdentity,
            newPublicKey: next.publicKey, newGeneration: next.generation, anchor: .previous(f.head), reason: "rotation").record
        _ = try HeadSigner.sign(store: f.store, with: f.generated.signingKey, anchor: .previous(f.head))
        let holder2 = try KeyHolder(keysAt: "\(out)/keyholder")
        let evaluator2 = try Evaluator(keysAt: "\(out)/evaluator")

        // Scores, through their file: the header carries the generation.
        let written = try evaluator2.score(features: evaluator2.evaluateFeatures(store: f.store, featureSet: featureSet), model: f.scores.header.model)
        let scores2 = try EncryptedScoreRun(envelope: written.envelope(), context: holder2.context, source: "scores.heat")
        #expect(scores2.header.fheGeneration == 2 && scores2.header.fheKeyID == transition.keyID)
        #expect(throws: FHEKeyError.runGeneration(source: "the scores", runGeneration: 2, folderGeneration: 1)) {
            _ = try f.keyHolder.decrypt(scores: scores2, store: f.store)
        }
        #expect(throws: FHEKeyError.runGeneration(source: "the scores", runGeneration: 1, folderGeneration: 2)) {
            _ = try holder2.decrypt(scores: f.scores, store: f.store)
        }
        #expect(try holder2.decrypt(scores: scores2, store: f.store) == scores1, "the right generation decrypts exactly")

        // Features (computed in the vault from the store's current rows).
        let features2 = try Evaluator(context: holder2.context).evaluateFeatures(store: f.store, featureSet: featureSet)
        #expect(features2.heatRun.header.fheGeneration == 2)
        #expect(throws: FHEKeyError.runGeneration(source: "the run", runGeneration: 2, folderGeneration: 1)) {
            _ = try f.keyHolder.decrypt(features: features2, store: f.store)
        }
        #expect(try holder2.decrypt(features: features2, store: f.store) == features1)
    }

    @Test func aggregateFilesDecryptOnlyWithTheirGeneration() throws {
        // The aggregates' preset (the sums of the largest group must fit `t`, with the flooding margin).
        let dataset = SyntheticBank(clients: 24, managers: 2, branches: 2, weeks: 4, seed: 12).generate()
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (store, keys, generated) = try StoreTestSupport.encryptedStore(in: folder, preset: EncryptedAggregateTests.preset)
        _ = try Collector(folder: KeyFolder(path: "\(keys)/collector", role: .collector)).ingestor(signer: StoreTestSupport.signer(generated))
            .ingest(dataset.interactions, clients: dataset.clients, into: store, source: .init(name: "export.csv", inputHash: String(repeating: "0", count: 64)))
        let head = try HeadSigner.sign(store: store, with: generated.signingKey, anchor: .firstHead)
        let fixture = (folder: folder, generated: generated, head: head)
        let f = (store: store, keyHolder: try KeyHolder(keysAt: "\(keys)/keyholder"))
        let folder1 = try KeyFolder(path: "\(keys)/evaluator", role: .evaluator)
        let evaluator1 = try Evaluator(folder: folder1)
        let run1 = try evaluator1.evaluate(store: f.store, configuration: HeatConfiguration())
        let aggregates1 = try evaluator1.aggregates(of: run1, store: f.store, galoisKeys: evaluator1.galoisKeys(in: folder1), minGroupSize: 1)
        #expect(aggregates1.header.fheGeneration == nil && aggregates1.header.fheKeyID == nil)
        let totals1 = try f.keyHolder.decrypt(aggregates: aggregates1, minGroupSize: 1)
        #expect(totals1.count > 2)

        // Rotate to generation 2 with Galois keys (as `keys rotate --fhe --aggregates`).
        let out = fixture.folder.appending(path: "keys-fhe2").path
        let next = try FHEKeyRotation.generateKeys(at: out, parameters: f.keyHolder.context.parameters, generation: 2, aggregates: true, signingKey: fixture.generated.signingKey)
        let transition = try FHEKeyRotation.rotate(
            store: f.store, signingKey: fixture.generated.signingKey, old: f.keyHolder, oldIdentity: f.keyHolder.fheIdentity,
            newPublicKey: next.publicKey, newGeneration: next.generation, anchor: .previous(fixture.head), reason: "rotation").record
        #expect(try FHEKeyGeneration.read(in: KeyFolder(path: "\(out)/evaluator", role: .evaluator))?.evaluationKeys?.keys.sorted()
                == [Evaluator.galoisKeysFile, Evaluator.relinearizationKeyFile])
        let holder2 = try KeyHolder(keysAt: "\(out)/keyholder")
        let evaluator2 = try Evaluator(keysAt: "\(out)/evaluator")
        let folder2 = try KeyFolder(path: "\(out)/evaluator", role: .evaluator)

        // Aggregates, through their file.
        let run2 = try evaluator2.evaluate(store: f.store, configuration: HeatConfiguration())
        let computed = try evaluator2.aggregates(of: run2, store: f.store, galoisKeys: evaluator2.galoisKeys(in: folder2), minGroupSize: 1)
        let aggregates2 = try EncryptedAggregates(envelope: computed.envelope(), context: holder2.context, source: "aggregates.heat")
        #expect(aggregates2.header.fheGeneration == 2 && aggregates2.header.fheKeyID == transition.keyID)
        #expect(throws: PipelineError.fheKey(.runGeneration(source: "the aggregates", runGeneration: 2, folderGeneration: 1))) {
            _ = try f.keyHolder.decrypt(aggregates: aggregates2, minGroupSize: 1)
        }
        #expect(throws: PipelineError.fheKey(.runGeneration(source: "the aggregates", runGeneration: 1, folderGeneration: 2))) {
            _ = try holder2.decrypt(aggregates: aggregates1, minGroupSize: 1, store: f.store)
        }
        #expect(try holder2.decrypt(aggregates: aggregates2, minGroupSize: 1, store: f.store) == totals1)
    }

    @Test func treeInputsAndTreeScoresDecryptOnlyWithTheirGeneration() async throws {
        let f = try EncryptedTreeTests.coverageFixture()
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (inputs1, _) = try EncryptedTreeInputs.encrypt(
            clients: f.dataset.clients, interactions: f.dataset.interactions, asOf: f.asOf, plan: f.model.plan, store: f.store, key: f.key,
            material: f.material)
        #expect(inputs1.header.fheGeneration == nil)
        let scores1 = try f.keyHolder.decrypt(treeScores: try await f.evaluator.score(trees: inputs1, model: f.model, relinearizationKey: f.relin), store: f.store)

        // A second generation's folders (the store's rotation is not needed for the file check).
        let out = folder.appending(path: "keys-fhe2").path
        let next = try FHEKeyRotation.generateKeys(at: out, parameters: f.keyHolder.context.parameters, generation: 2, aggregates: false, signingKey: StoreSigningKey())
        let material2 = try PipelineKeys.publicMaterial(in: KeyFolder(path: "\(out)/collector", role: .collector))
        #expect(material2.identity == FHEKeyIdentity(generation: 2, keyID: next.generation.keyID))
        let (encrypted, _) = try EncryptedTreeInputs.encrypt(
            clients: f.dataset.clients, interactions: f.dataset.interactions, asOf: f.asOf, plan: f.model.plan, store: f.store, key: f.key,
            material: material2)
        let inputs2 = try EncryptedTreeInputs(envelope: encrypted.envelope(), context: material2.context, source: "tree-bits.heat")
        #expect(inputs2.header.fheGeneration == 2 && inputs2.header.fheKeyID == next.generation.keyID)
        await #expect(throws: FHEKeyError.runGeneration(source: "the tree inputs", runGeneration: 2, folderGeneration: 1)) {
            _ = try await f.evaluator.score(trees: inputs2, model: f.model, relinearizationKey: f.relin)
        }
        let evaluator2 = try Evaluator(keysAt: "\(out)/evaluator")
        await #expect(throws: FHEKeyError.runGeneration(source: "the tree inputs", runGeneration: 1, folderGeneration: 2)) {
            _ = try await evaluator2.score(trees: inputs1, model: f.model, relinearizationKey: f.relin)
        }
        let relin2 = try evaluator2.relinearizationKey(in: KeyFolder(path: "\(out)/evaluator", role: .evaluator))
        let scored = try await evaluator2.score(trees: inputs2, model: f.model, relinearizationKey: relin2)
        let run2 = try EncryptedTreeScoreRun(envelope: scored.envelope(), context: material2.context, source: "tree-scores.heat")
        #expect(run2.header.fheGeneration == 2 && run2.header.fheKeyID == next.generation.keyID)
        #expect(throws: FHEKeyError.runGeneration(source: "the tree scores", runGeneration: 2, folderGeneration: 1)) {
            _ = try f.keyHolder.decrypt(treeScores: run2, store: f.store)
        }
        let holder2 = try KeyHolder(keysAt: "\(out)/keyholder")
        #expect(try holder2.decrypt(treeScores: run2, store: f.store) == scores1, "the right generation decrypts exactly")
    }

    @Test func aRetiredPublicKeyCannotBeLabelledAsCurrent() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let collectorFolder = try KeyFolder(path: "\(fixture.keys)/collector", role: .collector)
        let retired = try PipelineKeys.publicMaterial(in: collectorFolder)
        let file = try Envelope.read(from: URL(filePath: "\(collectorFolder.path)/\(PipelineKeys.publicKeyFile)"), expecting: .fheSeededPublicKey)
        #expect(retired.identity == FHEKeyIdentity(generation: 1, keyID: FHEKeyGeneration.keyID(ofPublicKeyPayload: file.payload)),
                "the identity is derived from the key itself")
        let (transition, _) = try fixture.rotate(out: fixture.folder.appending(path: "keys-fhe2").path, anchor: fixture.head)

        // An SDK caller labels the retired public key as generation 2: the key id stays the retired key's.
        let relabelled = PipelineKeys.PublicMaterial(context: retired.context, publicKey: retired.publicKey, generation: 2)
        #expect(relabelled.identity.generation == 2 && relabelled.identity.keyID == retired.identity.keyID)
        #expect(relabelled.identity.keyID != transition.keyID)
        let collector = try Collector(pseudonymisationKey: fixture.generated.pseudonymisationKey, material: relabelled)
        #expect(collector.fheIdentity == relabelled.identity)
        let counts = "SELECT (SELECT COUNT(*) FROM ciphertexts), (SELECT COUNT(*) FROM weekly_buckets), (SELECT COUNT(*) FROM computation_runs)"
        let before = try fixture.store.read { db in try Row.fetchOne(db, sql: counts) }
        let refused = #expect(throws: FHEKeyError.self) {
            _ = try collector.ingestor(signer: StoreTestSupport.signer(fixture.generated))
                .ingest(fixture.late, clients: fixture.dataset.clients, into: fixture.store, source: fixture.source)
        }
        if case .notCurrentGeneration(_, .collector, 2, 2)? = refused {
            #expect(refused?.description.contains("key id differs") == true, "\(String(describing: refused))")
        } else {
            Issue.record("expected notCurrentGeneration, got \(String(describing: refused))")
        }
        #expect(refused?.category.exitCode == 64)
        #expect(try fixture.store.read { db in try Row.fetchOne(db, sql: counts) } == before, "nothing ingested")
        // The same for the evaluator.
        let evaluator = Evaluator(material: relabelled)
        #expect(throws: FHEKeyError.notCurrentGeneration(path: fixture.store.path, role: .evaluator, folderGeneration: 2, storeGeneration: 2)) {
            _ = try evaluator.evaluate(store: fixture.store, configuration: HeatConfiguration())
        }
    }

    /// Review s35 MEDIUM 4: two rotations (1 -> 2 -> 3); each generation's run decrypts only with its
    /// own retained folder; the store verifies under every head; a replayed or reordered
    /// transition (the attacker recomputes the chain hashes, not the signatures) is detected.
    @Test func aTwoRotationChainAndReplayedOrReorderedTransitions() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let keys = fixture.keys, store = fixture.store, signingKey = fixture.generated.signingKey
        let run1 = try Evaluator(keysAt: "\(keys)/evaluator").evaluate(store: store, configuration: HeatConfiguration())
        let expected = try fixture.plaintext(fixture.early, asOf: run1.header.asOf, name: "plain.db")
        let out2 = fixture.folder.appending(path: "keys-fhe2").path, out3 = fixture.folder.appending(path: "keys-fhe3").path
        let (t2, head2) = try fixture.rotate(out: out2, anchor: fixture.head)
        let run2 = try Evaluator(keysAt: "\(out2)/evaluator").evaluate(store: store, configuration: HeatConfiguration())
        let holder2 = try KeyHolder(keysAt: "\(out2)/keyholder")
        let next = try FHEKeyRotation.generateKeys(at: out3, parameters: holder2.context.parameters, generation: 3, aggregates: false, signingKey: signingKey)
        let t3 = try FHEKeyRotation.rotate(
            store: store, signingKey: signingKey, old: holder2, oldIdentity: holder2.fheIdentity, newPublicKey: next.publicKey,
            newGeneration: next.generation, anchor: .previous(head2), reason: "rotation").record
        let head3 = try HeadSigner.sign(store: store, with: signingKey, anchor: .previous(head2))
        #expect(t3.generation == 3 && t3.previousKeyID == t2.keyID && t3.sourceFirstSeq == t2.firstSeq && t3.finalSeq == t2.lastSeq)
        #expect(t3.lastSeq - t3.firstSeq == t2.lastSeq - t2.firstSeq, "only generation 2's rows are re-encrypted again")
        let run3 = try Evaluator(keysAt: "\(out3)/evaluator").evaluate(store: store, configuration: HeatConfiguration())
        #expect(run1.header.fheGeneration == nil && run2.header.fheGeneration == 2 && run3.header.fheGeneration == 3)
        let holders = [try KeyHolder(keysAt: "\(keys)/keyholder"), holder2, try KeyHolder(keysAt: "\(out3)/keyholder")]
        for (i, run) in [run1, run2, run3].enumerated() {
            for (j, holder) in holders.enumerated() {
                if i == j {
                    try FHEKeyRotationTests.expectExact(try holder.decrypt(run: run, store: store), expected, "generation \(i + 1)")
                } else {
                    #expect(throws: FHEKeyError.runGeneration(source: "the run", runGeneration: Int64(i + 1), folderGeneration: Int64(j + 1))) {
                        _ = try holder.decrypt(run: run, store: store)
                    }
                }
            }
        }
        for retired in [keys, out2] {
            #expect(throws: FHEKeyError.self) { _ = try Evaluator(keysAt: "\(retired)/evaluator").evaluate(store: store, configuration: HeatConfiguration()) }
        }
        for anchor in [fixture.head, head2, head3] {
            let report = try StoreVerifier.verify(store: store, pinnedKey: signingKey.verificationKey, anchor: .previous(anchor))
            #expect(report.intact, "\(report.violations)")
            #expect(report.retention.filter { $0.hasPrefix("FHE key rotated to generation") }.count == 2)
        }

        // The attacker's copies: transition 1 replayed as a third row; transitions 1 and 2 swapped.
        let columns = ChainedTable.fheKeyTransitions.columns.joined(separator: ", ")
        let replayPath = fixture.folder.appending(path: "replayed.db").path, swapPath = fixture.folder.appending(path: "swapped.db").path
        for copy in [replayPath, swapPath] { try StoreTestSupport.attacker(store.path).backup(to: DatabaseQueue(path: copy)) }
        try StoreTestSupport.attacker(replayPath).write { db in
            try db.execute(sql: "INSERT INTO fhe_key_transitions (\(columns), prev_hash, row_hash) SELECT \(columns), prev_hash, row_hash FROM fhe_key_transitions WHERE seq = 1")
            try StoreTestSupport.dropTriggers(db, "fhe_key_transitions")
            try StoreTestSupport.recomputeChain(db, .fheKeyTransitions)
        }
        try StoreTestSupport.attacker(swapPath).write { db in
            try StoreTestSupport.dropTriggers(db, "fhe_key_transitions")
            try db.execute(sql: "CREATE TEMP TABLE original AS SELECT * FROM fhe_key_transitions")
            try db.execute(sql: "UPDATE fhe_key_transitions SET (\(columns)) = (SELECT \(columns) FROM original WHERE original.seq = 3 - fhe_key_transitions.seq)")
            try StoreTestSupport.recomputeChain(db, .fheKeyTransitions)
        }
        for (path, seq) in [(replayPath, Int64(3)), (swapPath, Int64(1))] {
            let tampered = try HeatStore(readingFrom: path)
            for allowTail in [true, false] {
                let report = try StoreVerifier.verify(store: tampered, pinnedKey: signingKey.verificationKey, anchor: .previous(head3),
                                                      allowUnsignedTail: allowTail)
                #expect(!report.intact, "\(path)")
                #expect(report.violations.contains { $0.kind == .badFHEKeyTransition && $0.seq == seq && $0.table == "fhe_key_transitions" },
                        "\(path): \(report.violations)")
            }
        }
        // Neither copy can make a retired generation current: the replay is ignored, and the swap
        // leaves generation 2's folder facing rows it does not hold the key of.
        #expect(try HeatStore(readingFrom: replayPath).read { db in try FHEKeyGenerations.effective(in: db) }.currentKeyID == t3.keyID)
        #expect(throws: FHEKeyError.self) {
            _ = try Evaluator(keysAt: "\(out2)/evaluator").evaluate(store: HeatStore(readingFrom: swapPath), configuration: HeatConfiguration())
        }
    }

    /// Review s35 MEDIUM 4: a store of schema 8 (before `v9-fhe-keys`) with a head signed as the
    /// v8 code signed it (no `fhe_key_transitions` chain) migrates, verifies, and rotates.
    @Test func aSchema8StoreWithSignedHeadsMigratesAndStillVerifies() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appending(path: "heat.db").path
        let keys = folder.appending(path: "keys").path
        let generated: GeneratedKeys
        let dataset = SyntheticBank(clients: 12, managers: 2, branches: 1, weeks: 3, seed: 5).generate()
        do {
            let store = try HeatStore.initialize(path: path).store
            generated = try KeyFolder.generate(at: keys)
            try KeyRegistry.recordGenerated(generated, in: store)
            _ = try PipelineKeys.generate(at: keys, preset: FHEKeyRotationTests.preset)
            _ = try Collector(folder: KeyFolder(path: "\(keys)/collector", role: .collector)).ingestor(signer: StoreTestSupport.signer(generated))
                .ingest(dataset.interactions, clients: dataset.clients, into: store, source: .init(name: "export.csv", inputHash: String(repeating: "0", count: 64)))
        }
        let v8Head: SignedHead = try StoreTestSupport.attacker(path).writeWithoutTransaction { db in
            try db.execute(sql: "DROP TABLE fhe_key_transitions")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v9-fhe-keys'")
            try db.execute(sql: "PRAGMA user_version = 8")
            let chains = try ChainedTable.signedChains.filter { $0.introducedIn <= 8 }.map { try HeadSigner.currentHead(of: $0, in: db) }
            var head = SignedHead(signedAt: .now(), schemaVersion: 8, keyFingerprint: generated.signingKey.fingerprint.hex, chains: chains, signature: "")
            head.signature = Hex.encode(try generated.signingKey.signature(for: head.signedMessage))
            var unsigned = head
            unsigned.signature = ""
            try ChainAppender(db, table: .signedHeads).append([
                .text(head.signedAt.iso8601), .text(String(decoding: try unsigned.jsonData(), as: UTF8.self)), .text(head.keyFingerprint),
                .blob(Hex.decode(head.signature) ?? []),
            ])
            return head
        }
        #expect(try HeatStore(readingFrom: path).schemaVersion() == 8)
        #expect(v8Head.chains.contains { $0.table == "fhe_key_transitions" } == false)
        // Read as it is (no fhe_key_transitions table): generation 1, evaluated as before.
        #expect(try Evaluator(keysAt: "\(keys)/evaluator").evaluate(store: HeatStore(readingFrom: path), configuration: HeatConfiguration()).header.fheGeneration == nil)

        let store = try HeatStore(path: path)   // migrates
        #expect(try store.schemaVersion() == StoreSchema.currentVersion)
        let pinned = generated.signingKey.verificationKey
        let migrated = try StoreVerifier.verify(store: store, pinnedKey: pinned, anchor: .previous(v8Head))
        #expect(migrated.intact, "\(migrated.violations)")
        let head = try HeadSigner.sign(store: store, with: generated.signingKey, anchor: .previous(v8Head))
        let holder = try KeyHolder(keysAt: "\(keys)/keyholder")
        let before = try holder.decrypt(run: Evaluator(keysAt: "\(keys)/evaluator").evaluate(store: store, configuration: HeatConfiguration()), store: store)
        let out = folder.appending(path: "keys-fhe2").path
        let next = try FHEKeyRotation.generateKeys(at: out, parameters: holder.context.parameters, generation: 2, aggregates: false, signingKey: generated.signingKey)
        _ = try FHEKeyRotation.rotate(
            store: store, signingKey: generated.signingKey, old: holder, oldIdentity: holder.fheIdentity, newPublicKey: next.publicKey,
            newGeneration: next.generation, anchor: .previous(head), reason: "rotation")
        let rotated = try HeadSigner.sign(store: store, with: generated.signingKey, anchor: .previous(head))
        for anchor in [v8Head, head, rotated] {
            let report = try StoreVerifier.verify(store: store, pinnedKey: pinned, anchor: .previous(anchor))
            #expect(report.intact, "\(report.violations)")
        }
        let after = try KeyHolder(keysAt: "\(out)/keyholder").decrypt(
            run: Evaluator(keysAt: "\(out)/evaluator").evaluate(store: store, configuration: HeatConfiguration()), store: store)
        #expect(after == before, "the migrated store's history decrypts exactly under generation 2")
    }
}
