import Foundation
import HeatEnvelope
import HeatFHE
import Testing
@testable import HeatCore

/// Issue 27 (s37): the folders of `heatctl keys generate` name FHE key generation 1 and bind the
/// evaluator's evaluation keys by digest, so the check a rotated folder has holds from the first
/// generation on. Tested as a careless operator or an attacker would try it: a Galois key of
/// another key pair swapped in, a relinearization key nobody bound dropped in, another key
/// pair's key holder writing a relinearization key, and the documented compatibility rules for
/// folders written before the change.
@Suite(.serialized) struct GenerationOneBindingTests {
    static let preset = EncryptedPipelineTests.preset

    /// The exit code of what `body` throws (`nil`: nothing thrown; -1: not a classified error).
    static func exitCode(_ body: () throws -> Void) -> Int32? {
        FHEKeyBindingTests.exitCode(body)
    }

    /// The wrapped key error `body` throws, if it is ``PipelineError/fheKey(_:)``.
    static func fheKeyError(_ body: () throws -> Void) -> FHEKeyError? {
        do {
            try body()
        } catch let error as PipelineError {
            if case .fheKey(let wrapped) = error { return wrapped }
        } catch {}
        return nil
    }

    @Test func aFreshGenerationOneFolderRefusesSwappedAndUnboundEvaluationKeys() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let keys = folder.appending(path: "keys").path, foreign = folder.appending(path: "foreign").path
        // s38: the key holder's signing key (keyholder/signing.key) signs the evaluator's list.
        _ = try KeyFolder.generate(at: keys)
        _ = try KeyFolder.generate(at: foreign)
        let written = try PipelineKeys.generate(at: keys, preset: Self.preset, aggregates: true)
        _ = try PipelineKeys.generate(at: foreign, preset: Self.preset, aggregates: true)
        let signingKey = try KeyFolder(path: "\(keys)/keyholder", role: .keyholder).signingKey()
        let evaluatorPath = "\(keys)/evaluator"
        let galoisPath = "\(evaluatorPath)/\(Evaluator.galoisKeysFile)", relinPath = "\(evaluatorPath)/\(Evaluator.relinearizationKeyFile)"

        // Every role folder names generation 1 and the public key's id; the evaluator's binds its Galois keys.
        let material = try PipelineKeys.publicMaterial(in: KeyFolder(path: evaluatorPath, role: .evaluator))
        let keyID = FHEKeyGeneration.keyID(of: material.publicKey)
        for role in [KeyRole.collector, .evaluator, .keyholder] {
            let record = try #require(try FHEKeyGeneration.read(in: KeyFolder(path: "\(keys)/\(role.folderName)", role: role)))
            #expect(record.generation == 1 && record.keyID == keyID, "\(role)")
            #expect(written.contains("\(keys)/\(role.folderName)/\(FHEKeyGeneration.fileName)"), "\(role): listed as written")
        }
        let record = try #require(try FHEKeyGeneration.read(in: KeyFolder(path: evaluatorPath, role: .evaluator)))
        let galois = try Data(contentsOf: URL(filePath: galoisPath))
        let galoisPayload = try Envelope.read(from: URL(filePath: galoisPath), expecting: .fheSeededGaloisKeys).payload
        #expect(record.evaluationKeys == [Evaluator.galoisKeysFile: FHEKeyGeneration.evaluationKeyID(ofPayload: galoisPayload)])
        #expect(try FHEKeyGeneration.read(in: KeyFolder(path: "\(keys)/collector", role: .collector))?.evaluationKeys == nil)
        // The identities follow: the key holder's generation-1 key id is known now.
        let holder = try KeyHolder(keysAt: "\(keys)/keyholder")
        #expect(holder.fheIdentity == FHEKeyIdentity(generation: 1, keyID: keyID))
        let evaluator = try Evaluator(keysAt: evaluatorPath)
        #expect(evaluator.fheIdentity == FHEKeyIdentity(generation: 1, keyID: keyID))
        _ = try evaluator.galoisKeys(in: KeyFolder(path: evaluatorPath, role: .evaluator))

        // 1. Another key pair's Galois keys swapped in: refused before any work (exit 64, naming the file).
        try FileManager.default.removeItem(atPath: galoisPath)
        try FileManager.default.copyItem(atPath: "\(foreign)/evaluator/\(Evaluator.galoisKeysFile)", toPath: galoisPath)
        let swapped = Self.fheKeyError { _ = try Evaluator(keysAt: evaluatorPath) }
        if case .unboundEvaluationKey(let path, 1, let reason)? = swapped {
            #expect(path == galoisPath && reason.contains("SHA-256"), "\(reason)")
        } else {
            Issue.record("expected unboundEvaluationKey, got \(String(describing: swapped))")
        }
        #expect(Self.exitCode { _ = try Evaluator(keysAt: evaluatorPath) } == 64)
        // ... and by the loader, for an evaluator built before the swap.
        #expect(Self.exitCode { _ = try evaluator.galoisKeys(in: KeyFolder(path: evaluatorPath, role: .evaluator)) } == 64)
        try galois.write(to: URL(filePath: galoisPath))
        _ = try Evaluator(keysAt: evaluatorPath)

        // 2. A relinearization key nobody bound (another key pair's) dropped in: refused, exit 64.
        let foreignHolder = try KeyHolder(keysAt: "\(foreign)/keyholder")
        try foreignHolder.relinearizationKey().envelope().write(to: URL(filePath: relinPath))
        let unlisted = Self.fheKeyError { _ = try Evaluator(keysAt: evaluatorPath) }
        if case .unboundEvaluationKey(let path, 1, let reason)? = unlisted {
            #expect(path == relinPath && reason.contains("lists no such evaluation key"), "\(reason)")
        } else {
            Issue.record("expected unboundEvaluationKey, got \(String(describing: unlisted))")
        }
        #expect(Self.exitCode { _ = try evaluator.relinearizationKey(in: KeyFolder(path: evaluatorPath, role: .evaluator)) } == 64)
        try FileManager.default.removeItem(atPath: relinPath)

        // 3. `trees relin-key` with another key pair's generation-1 key holder: refused, nothing written.
        #expect(throws: FHEKeyError.self) { try foreignHolder.writeRelinearizationKey(toEvaluatorFolder: evaluatorPath) }
        #expect(!FileManager.default.fileExists(atPath: relinPath))
        // With the folder's own key holder: written and bound, the evaluator loads it.
        try holder.writeRelinearizationKey(toEvaluatorFolder: evaluatorPath, signingKey: signingKey)
        let bound = try #require(try FHEKeyGeneration.read(in: KeyFolder(path: evaluatorPath, role: .evaluator)))
        #expect(bound.evaluationKeys?.keys.sorted() == [Evaluator.galoisKeysFile, Evaluator.relinearizationKeyFile])
        _ = try Evaluator(keysAt: evaluatorPath).relinearizationKey(in: KeyFolder(path: evaluatorPath, role: .evaluator))
        // A bound relinearization key replaced by the foreign one: refused (digest mismatch).
        let ownRelin = try Data(contentsOf: URL(filePath: relinPath))
        try FileManager.default.removeItem(atPath: relinPath)
        try foreignHolder.relinearizationKey().envelope().write(to: URL(filePath: relinPath))
        if case .unboundEvaluationKey(relinPath, 1, let reason)? = Self.fheKeyError({ _ = try Evaluator(keysAt: evaluatorPath) }) {
            #expect(reason.contains("SHA-256"), "\(reason)")
        } else {
            Issue.record("expected the swapped relinearization key refused")
        }
        try ownRelin.write(to: URL(filePath: relinPath))
        _ = try Evaluator(keysAt: evaluatorPath)
    }

    /// Review s37 finding 1: the digests live in the folder. Since s38 the key holder signs them,
    /// so an attacker who rewrites them is refused by the folder check (exit 65, naming the
    /// generation file); a foreign Galois key that reaches the circuit some other way computes
    /// what has no noise budget under the key holder's secret key, and the key holder still
    /// refuses it (exit 65) instead of releasing noise.
    @Test func aForgedBindingIsCaughtByTheKeyHoldersNoiseCheck() throws {
        let dataset = SyntheticBank(clients: 24, managers: 2, branches: 2, weeks: 4, seed: 12).generate()
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (store, keys, generated) = try StoreTestSupport.encryptedStore(in: folder, preset: EncryptedAggregateTests.preset)
        _ = try Collector(folder: KeyFolder(path: "\(keys)/collector", role: .collector)).ingestor(signer: StoreTestSupport.signer(generated))
            .ingest(dataset.interactions, clients: dataset.clients, into: store, source: .init(name: "export.csv", inputHash: String(repeating: "0", count: 64)))
        let foreign = folder.appending(path: "foreign").path
        _ = try PipelineKeys.generate(at: foreign, preset: EncryptedAggregateTests.preset, aggregates: true, signingKey: StoreSigningKey())
        let evaluatorPath = "\(keys)/evaluator", galoisPath = "\(keys)/evaluator/\(Evaluator.galoisKeysFile)"
        let generationPath = "\(evaluatorPath)/\(FHEKeyGeneration.fileName)"
        let honestGalois = try Data(contentsOf: URL(filePath: galoisPath)), honestRecord = try Data(contentsOf: URL(filePath: generationPath))
        let holder = try KeyHolder(keysAt: "\(keys)/keyholder")

        // The attacker swaps in another key pair's Galois keys and rewrites their digest.
        try FileManager.default.removeItem(atPath: galoisPath)
        try FileManager.default.copyItem(atPath: "\(foreign)/evaluator/\(Evaluator.galoisKeysFile)", toPath: galoisPath)
        let record = try #require(try FHEKeyGeneration.read(in: KeyFolder(path: evaluatorPath, role: .evaluator)))
        let swapped = try Envelope.read(from: URL(filePath: galoisPath), expecting: .fheSeededGaloisKeys)
        try record.binding([Evaluator.galoisKeysFile: swapped]).envelope().write(to: URL(filePath: generationPath))
        let forgedFolder = try KeyFolder(path: evaluatorPath, role: .evaluator)
        // s38: the rewritten digest no longer passes the folder check: `binding(_:)` drops the
        // key holder's signature, so the attacker's list arrives unsigned (a list rewritten with
        // the old signature kept: EvaluationKeySignatureTests.aRewrittenDigestIsRefusedNamingTheGenerationFile).
        if case .evaluationKeysSignature(generationPath, 1, let reason)? = Self.fheKeyError({ _ = try Evaluator(folder: forgedFolder) }) {
            #expect(reason.contains("not signed"), "\(reason)")
        } else {
            Issue.record("expected the rewritten digest refused by its signature")
        }
        #expect(Self.exitCode { _ = try Evaluator(folder: forgedFolder) } == 65)
        // Defence in depth: the foreign keys loaded around the folder check reach the circuit.
        let forged = try Evaluator(material: PipelineKeys.publicMaterial(in: forgedFolder))
        let run = try forged.evaluate(store: store, configuration: HeatConfiguration())
        let foreignGalois = try Bfv64.galoisKeys(envelope: swapped, context: forged.context, source: galoisPath)
        let aggregates = try forged.aggregates(of: run, store: store, galoisKeys: foreignGalois, minGroupSize: 1)
        let refused = #expect(throws: PipelineError.self) { _ = try holder.decrypt(aggregates: aggregates, minGroupSize: 1) }
        #expect(refused == .noNoiseBudget(source: "the aggregates"))
        #expect(refused?.category.exitCode == 65)
        // The heat run itself needs no evaluation key: it still decrypts exactly.
        _ = try holder.decrypt(run: run, store: store)

        // The honest folder: the same computation decrypts.
        try honestGalois.write(to: URL(filePath: galoisPath))
        try honestRecord.write(to: URL(filePath: generationPath))
        let honestFolder = try KeyFolder(path: evaluatorPath, role: .evaluator)
        let honest = try Evaluator(folder: honestFolder)
        let totals = try holder.decrypt(
            aggregates: honest.aggregates(of: run, store: store, galoisKeys: honest.galoisKeys(in: honestFolder), minGroupSize: 1), minGroupSize: 1)
        #expect(totals.count > 2)
    }

    @Test func foldersWrittenBeforeTheChangeLoadByTheDocumentedRules() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let keys = folder.appending(path: "keys").path
        _ = try PipelineKeys.generate(at: keys, preset: Self.preset)
        let evaluatorPath = "\(keys)/evaluator", generationPath = "\(keys)/evaluator/\(FHEKeyGeneration.fileName)"
        // Without --aggregates the evaluator's file binds no key yet (an empty list).
        let record = try #require(try FHEKeyGeneration.read(in: KeyFolder(path: evaluatorPath, role: .evaluator)))
        #expect(record.evaluationKeys == [:])
        let holder = try KeyHolder(keysAt: "\(keys)/keyholder")
        let relin = try holder.relinearizationKey().envelope()
        try relin.write(to: URL(filePath: "\(evaluatorPath)/\(Evaluator.relinearizationKeyFile)"))
        // s38: an unsigned empty list (no signing key in keyholder/) binds no key either: the
        // folder now holds one, so the list must be signed (exit 65); a signed empty list refuses
        // it as unbound (exit 64, EvaluationKeySignatureTests).
        #expect(Self.exitCode { _ = try Evaluator(keysAt: evaluatorPath) } == 65, "an empty list accepts no key")

        // s38 (issue 27 items 1-2): folders written before the change are refused while they hold
        // an evaluation key. A generation file without the field (s35's `keys rotate --fhe`) or
        // with an unsigned list (s37) binds nothing the key holder signed: exit 65, naming it.
        var unbound = record
        unbound.evaluationKeys = nil
        try unbound.envelope().write(to: URL(filePath: generationPath))
        #expect(!String(decoding: unbound.envelope().payload, as: UTF8.self).contains("evaluationKeys"), "the s35 format")
        if case .evaluationKeysSignature(generationPath, 1, let reason)? = Self.fheKeyError({ _ = try Evaluator(keysAt: evaluatorPath) }) {
            #expect(reason.contains("not signed"), "\(reason)")
        } else {
            Issue.record("expected the s35 folder with an evaluation key refused as unsigned")
        }
        #expect(Self.exitCode { _ = try Evaluator(keysAt: evaluatorPath) } == 65)
        // No generation file at all (a folder of `keys generate` before s37, or the file deleted)
        // while it holds an evaluation key: exit 66, naming the missing file, also in the loader.
        try FileManager.default.removeItem(atPath: generationPath)
        if case .missingGenerationFile(generationPath, let reason)? = Self.fheKeyError({ _ = try Evaluator(keysAt: evaluatorPath) }) {
            #expect(reason.contains(Evaluator.relinearizationKeyFile), "\(reason)")
        } else {
            Issue.record("expected the folder without a generation file refused")
        }
        #expect(Self.exitCode { _ = try Evaluator(keysAt: evaluatorPath) } == 66)
        let material = try PipelineKeys.publicMaterial(in: KeyFolder(path: evaluatorPath, role: .evaluator))
        #expect(Self.exitCode { _ = try Evaluator(material: material).relinearizationKey(in: KeyFolder(path: evaluatorPath, role: .evaluator)) } == 66)
        // Without the evaluation key such a folder binds nothing and the heat run loads it (generation 1).
        try FileManager.default.removeItem(atPath: "\(evaluatorPath)/\(Evaluator.relinearizationKeyFile)")
        let old = try Evaluator(keysAt: evaluatorPath)
        #expect(old.fheIdentity?.generation == 1)
        try relin.write(to: URL(filePath: "\(evaluatorPath)/\(Evaluator.relinearizationKeyFile)"))
        // Review s37 finding 7: a key holder of a later generation cannot write an unbound key into
        // a folder without a generation file (generation 1), nothing written.
        try FileManager.default.removeItem(atPath: "\(evaluatorPath)/\(Evaluator.relinearizationKeyFile)")
        let later = folder.appending(path: "keyholder-gen2").path
        try FileManager.default.copyItem(atPath: "\(keys)/keyholder", toPath: later)
        var labelled = record
        labelled.generation = 2
        labelled.evaluationKeys = nil
        try labelled.envelope().write(to: URL(filePath: "\(later)/\(FHEKeyGeneration.fileName)"))
        let laterHolder = try KeyHolder(keysAt: later)
        #expect(laterHolder.fheIdentity.generation == 2)
        let refusedWrite = #expect(throws: FHEKeyError.self) { try laterHolder.writeRelinearizationKey(toEvaluatorFolder: evaluatorPath) }
        #expect(refusedWrite?.category.exitCode == 64)
        #expect(!FileManager.default.fileExists(atPath: "\(evaluatorPath)/\(Evaluator.relinearizationKeyFile)"), "nothing written")
        #expect(refusedWrite?.hint?.contains("delete the folder's bfv-relin-key.heat first") == true)
        // A key holder folder without the file: generation 1, key id unknown, as before.
        try FileManager.default.removeItem(atPath: "\(keys)/keyholder/\(FHEKeyGeneration.fileName)")
        #expect(try KeyHolder(keysAt: "\(keys)/keyholder").fheIdentity == FHEKeyIdentity(generation: 1, keyID: nil))
        // A corrupt generation file is refused by its checksum (exit 65), wrapped by the typed evaluator.
        var bytes = [UInt8](record.envelope().serialized())
        bytes[bytes.count - 1] ^= 0x01
        try Data(bytes).write(to: URL(filePath: generationPath))
        #expect(Self.exitCode { _ = try Evaluator(folder: KeyFolder(path: evaluatorPath, role: .evaluator)) } == 65)
    }
}
