import Foundation
import GRDB
import HeatEnvelope
import HeatFHE
import Testing
@testable import HeatCore

/// Issue 27 (s38, items 1 and 2): the key holder signs the evaluator's evaluation key digest list
/// (`fhe-key.generation`, field `evaluationKeysSignature`) with the store signing key, and every
/// evaluator command checks it: on its own when the folder is opened (exit 65 naming the file),
/// and against the store's trusted signing keys when the store is opened. A missing generation
/// file no longer turns the digest check off (exit 66 naming the file). Tested as an attacker
/// who can write `keys/evaluator` (not the store, not the key holder's vault) would try it.
@Suite(.serialized) struct EvaluationKeySignatureTests {
    /// A store with registered keys, a signed evaluator folder holding Galois keys, and a small
    /// bank ingested.
    struct Fixture {
        var folder: URL
        var store: HeatStore
        var keys: String
        var generated: GeneratedKeys
        var foreign: String
        var evaluatorPath: String { "\(keys)/evaluator" }
        var generationPath: String { "\(evaluatorPath)/\(FHEKeyGeneration.fileName)" }
        var galoisPath: String { "\(evaluatorPath)/\(Evaluator.galoisKeysFile)" }

        init() throws {
            let dataset = SyntheticBank(clients: 24, managers: 2, branches: 2, weeks: 4, seed: 12).generate()
            folder = try StoreTestSupport.temporaryDirectory()
            (store, keys, generated) = try StoreTestSupport.encryptedStore(in: folder, preset: EncryptedAggregateTests.preset)
            _ = try Collector(folder: KeyFolder(path: "\(keys)/collector", role: .collector)).ingestor(signer: StoreTestSupport.signer(generated))
                .ingest(dataset.interactions, clients: dataset.clients, into: store, source: .init(name: "export.csv", inputHash: String(repeating: "0", count: 64)))
            // Another deployment's folders, signed by THIS store's key (the strongest copy source).
            foreign = folder.appending(path: "foreign").path
            _ = try PipelineKeys.generate(at: foreign, preset: EncryptedAggregateTests.preset, aggregates: true, signingKey: generated.signingKey)
        }

        func record() throws -> FHEKeyGeneration {
            try #require(try FHEKeyGeneration.read(in: KeyFolder(path: evaluatorPath, role: .evaluator)))
        }

        func write(_ record: FHEKeyGeneration) throws {
            try record.envelope().write(to: URL(filePath: generationPath))
        }

        /// Replaces the folder's Galois keys by the foreign folder's and returns their envelope.
        func swapInForeignGalois() throws -> Envelope {
            try FileManager.default.removeItem(atPath: galoisPath)
            try FileManager.default.copyItem(atPath: "\(foreign)/evaluator/\(Evaluator.galoisKeysFile)", toPath: galoisPath)
            return try Envelope.read(from: URL(filePath: galoisPath), expecting: .fheSeededGaloisKeys)
        }
    }

    /// The wrapped key error `body` throws (``PipelineError/fheKey(_:)`` or a bare ``FHEKeyError``).
    static func keyError(_ body: () throws -> Void) -> FHEKeyError? {
        do {
            try body()
        } catch let error as PipelineError {
            if case .fheKey(let wrapped) = error { return wrapped }
        } catch let error as FHEKeyError {
            return error
        } catch {}
        return nil
    }

    @Test func keysGenerateSignsTheListWithTheStoreKeyAndTheEvaluatorAcceptsIt() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.folder) }
        let record = try f.record()
        let stamp = try #require(record.evaluationKeysSignature)
        #expect(stamp.signer == f.generated.signingKey.fingerprint.hex)
        #expect(try record.verifiedEvaluationKeysSigner(path: f.generationPath) == f.generated.signingKey.verificationKey)
        // The collector's and key holder's files carry no signature (they bind no evaluation key).
        #expect(try FHEKeyGeneration.read(in: KeyFolder(path: "\(f.keys)/collector", role: .collector))?.evaluationKeysSignature == nil)
        let folder = try KeyFolder(path: f.evaluatorPath, role: .evaluator)
        let evaluator = try Evaluator(folder: folder)
        let run = try evaluator.evaluate(store: f.store, configuration: HeatConfiguration())
        _ = try evaluator.aggregates(of: run, store: f.store, galoisKeys: evaluator.galoisKeys(in: folder), minGroupSize: 1)
    }

    @Test func aRewrittenDigestIsRefusedNamingTheGenerationFile() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.folder) }
        let record = try f.record()
        // The attacker swaps in another key pair's Galois keys and rewrites their digest, keeping the signature.
        let swapped = try f.swapInForeignGalois()
        var forged = record
        forged.evaluationKeys = [Evaluator.galoisKeysFile: FHEKeyGeneration.evaluationKeyID(ofPayload: swapped.payload)]
        try f.write(forged)
        let refused = #expect(throws: PipelineError.self) { _ = try Evaluator(keysAt: f.evaluatorPath) }
        if case .fheKey(.evaluationKeysSignature(let path, 1, let reason))? = refused {
            #expect(path == f.generationPath && reason.contains("does not verify"), "\(reason)")
        } else {
            Issue.record("expected evaluationKeysSignature, got \(String(describing: refused))")
        }
        #expect(refused?.category.exitCode == 65)
        #expect(refused?.description.contains(f.generationPath) == true)
        // The loader refuses it too (an evaluator built before the rewrite).
        let material = try PipelineKeys.publicMaterial(in: KeyFolder(path: f.evaluatorPath, role: .evaluator))
        #expect(FHEKeyBindingTests.exitCode { _ = try Evaluator(material: material).galoisKeys(in: KeyFolder(path: f.evaluatorPath, role: .evaluator)) } == 65)
    }

    @Test func aSignatureCopiedFromAnotherFolderOrGenerationIsRefused() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.folder) }
        let record = try f.record()
        let honestGalois = try Data(contentsOf: URL(filePath: f.galoisPath))
        // 1. From another folder signed by the same store key: its signature with its Galois keys and digest.
        let foreignRecord = try #require(try FHEKeyGeneration.read(in: KeyFolder(path: "\(f.foreign)/evaluator", role: .evaluator)))
        _ = try f.swapInForeignGalois()
        var copied = record
        copied.evaluationKeys = foreignRecord.evaluationKeys
        copied.evaluationKeysSignature = foreignRecord.evaluationKeysSignature
        try f.write(copied)
        #expect(copied.evaluationKeysSignature != nil && copied.evaluationKeys != record.evaluationKeys)
        if case .evaluationKeysSignature(f.generationPath, 1, let reason)? = Self.keyError({ _ = try Evaluator(keysAt: f.evaluatorPath) }) {
            #expect(reason.contains("copied from another folder or generation"), "\(reason)")
        } else {
            Issue.record("expected the copied signature refused")
        }
        #expect(FHEKeyBindingTests.exitCode { _ = try Evaluator(keysAt: f.evaluatorPath) } == 65)
        // 2. From another generation of the same folder (the same list, signed for generation 2).
        try honestGalois.write(to: URL(filePath: f.galoisPath))
        var other = record
        other.generation = 2
        var relabelled = record
        relabelled.evaluationKeysSignature = try other.signingEvaluationKeys(with: f.generated.signingKey).evaluationKeysSignature
        try f.write(relabelled)
        #expect(Self.keyError { _ = try Evaluator(keysAt: f.evaluatorPath) } == .evaluationKeysSignature(
            path: f.generationPath, generation: 1,
            reason: "the signature in field evaluationKeysSignature does not verify: the list, generation or key id was changed after signing, or the signature was copied from another folder or generation"))
        // The honest file again: accepted.
        try f.write(record)
        _ = try Evaluator(keysAt: f.evaluatorPath)
    }

    @Test func aListSignedByAnotherKeyIsRefusedWhenTheStoreIsOpened() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.folder) }
        let record = try f.record()
        let swapped = try f.swapInForeignGalois()
        // The attacker re-signs the rewritten list with a key of their own: the folder is self-consistent ...
        let attackerKey = StoreSigningKey()
        try f.write(record.binding([Evaluator.galoisKeysFile: swapped]).signingEvaluationKeys(with: attackerKey))
        let evaluator = try Evaluator(keysAt: f.evaluatorPath)
        let runsBefore = try f.store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM computation_runs") ?? 0 }
        // ... but the store does not know the key: refused before anything is read or logged (exit 65, naming the file).
        let refused = #expect(throws: FHEKeyError.self) { _ = try evaluator.evaluateAndRecord(store: f.store, configuration: HeatConfiguration()) }
        if case .evaluationKeysSignature(let path, 1, let reason)? = refused {
            #expect(path == f.generationPath && reason.contains("not a signing key of the store"), "\(reason)")
            #expect(reason.contains(String(attackerKey.fingerprint.hex.prefix(16))))
        } else {
            Issue.record("expected evaluationKeysSignature, got \(String(describing: refused))")
        }
        #expect(refused?.category.exitCode == 65)
        #expect(try f.store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM computation_runs") ?? 0 } == runsBefore, "nothing logged")
        // `trees relin-key` does not launder the attacker's list by signing it again.
        let holderFolder = try KeyFolder(path: "\(f.keys)/keyholder", role: .keyholder)
        let relinRefused = Self.keyError {
            try KeyHolder(folder: holderFolder).writeRelinearizationKey(toEvaluatorFolder: f.evaluatorPath, signingKey: holderFolder.signingKey())
        }
        if case .evaluationKeysSignature(f.generationPath, 1, let reason)? = relinRefused {
            #expect(reason.contains("not re-signed"), "\(reason)")
        } else {
            Issue.record("expected trees relin-key to refuse the foreign signature, got \(String(describing: relinRefused))")
        }
        #expect(!FileManager.default.fileExists(atPath: "\(f.evaluatorPath)/\(Evaluator.relinearizationKeyFile)"), "nothing written")
    }

    @Test func aRemovedSignatureIsRefused() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.folder) }
        var stripped = try f.record()
        stripped.evaluationKeysSignature = nil
        try f.write(stripped)
        #expect(!String(decoding: stripped.envelope().payload, as: UTF8.self).contains("evaluationKeysSignature"))
        if case .evaluationKeysSignature(f.generationPath, 1, let reason)? = Self.keyError({ _ = try Evaluator(keysAt: f.evaluatorPath) }) {
            #expect(reason.contains("not signed"), "\(reason)")
        } else {
            Issue.record("expected the unsigned list refused")
        }
        #expect(FHEKeyBindingTests.exitCode { _ = try Evaluator(keysAt: f.evaluatorPath) } == 65)
        // Removing the whole list (the s35 format) is no way round it either.
        stripped.evaluationKeys = nil
        try f.write(stripped)
        #expect(FHEKeyBindingTests.exitCode { _ = try Evaluator(keysAt: f.evaluatorPath) } == 65)
    }

    @Test func aDeletedGenerationFileIsRefused() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.folder) }
        try FileManager.default.removeItem(atPath: f.generationPath)
        let refused = #expect(throws: PipelineError.self) { _ = try Evaluator(keysAt: f.evaluatorPath) }
        if case .fheKey(.missingGenerationFile(let path, let reason))? = refused {
            #expect(path == f.generationPath && reason.contains(Evaluator.galoisKeysFile), "\(reason)")
        } else {
            Issue.record("expected missingGenerationFile, got \(String(describing: refused))")
        }
        #expect(refused?.category.exitCode == 66)
        #expect(refused?.description.contains(f.generationPath) == true)
    }

    @Test func aDeletedGenerationFileIsRefusedOnARotatedStoreEvenWithoutEvaluationKeys() throws {
        let fixture = try FHEKeyRotationTests.Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let out = fixture.folder.appending(path: "keys-fhe2").path
        _ = try fixture.rotate(out: out, anchor: fixture.head)
        let evaluatorPath = "\(out)/evaluator", generationPath = "\(out)/evaluator/\(FHEKeyGeneration.fileName)"
        // The rotated folder's list is signed with the store's current key and accepted.
        _ = try Evaluator(keysAt: evaluatorPath).evaluate(store: fixture.store, configuration: HeatConfiguration())
        // The attacker deletes the generation file (and the relinearization key, which would name it).
        try FileManager.default.removeItem(atPath: generationPath)
        try FileManager.default.removeItem(atPath: "\(evaluatorPath)/\(Evaluator.relinearizationKeyFile)")
        let evaluator = try Evaluator(keysAt: evaluatorPath)
        let refused = #expect(throws: FHEKeyError.self) { _ = try evaluator.evaluate(store: fixture.store, configuration: HeatConfiguration()) }
        if case .missingGenerationFile(let path, let reason)? = refused {
            #expect(path == generationPath && reason.contains("FHE key transitions (current generation 2)"), "\(reason)")
        } else {
            Issue.record("expected missingGenerationFile, got \(String(describing: refused))")
        }
        #expect(refused?.category.exitCode == 66)
    }

    @Test func aggregatesWithoutASigningKeyAreNotGenerated() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let keys = folder.appending(path: "keys").path
        let refused = #expect(throws: KeyError.self) { _ = try PipelineKeys.generate(at: keys, preset: EncryptedAggregateTests.preset, aggregates: true) }
        #expect(refused == .missingKey(folder: "\(keys)/keyholder", role: .keyholder, kind: .signingKey))
        #expect(refused?.category.exitCode == 66)
    }
}
