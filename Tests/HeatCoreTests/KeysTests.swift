#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GRDB
import HeatEnvelope
import Testing
@testable import HeatCore

@Suite struct KeysTests {
    func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try #require(attributes[.posixPermissions] as? NSNumber).intValue
    }

    @Test func generateWritesRoleFoldersWithSecretModes() throws {
        let directory = try StoreTestSupport.temporaryDirectory()
        let out = directory.appending(path: "keys").path
        let generated = try KeyFolder.generate(at: out)
        for role in KeyRole.allCases {
            var isDirectory: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: "\(out)/\(role.folderName)", isDirectory: &isDirectory))
            #expect(isDirectory.boolValue)
        }
        #expect(try mode("\(out)/collector/pseudonymisation.key") == 0o600)
        #expect(try mode("\(out)/keyholder/signing.key") == 0o600)
        #expect(try mode("\(out)/auditor/verification.key") == 0o644)
        #expect(try mode("\(out)/collector/ingestion.key") == 0o600)
        #expect(try mode("\(out)/collector/ingestion.endorsement") == 0o644)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(out)/evaluator").isEmpty)
        #expect(generated.files.count == 5)
        #expect(try KeyFolder(path: "\(out)/collector", role: .collector).ingestionKey().publicKey == generated.ingestionKey.publicKey)
        #expect(generated.endorsement.isValid(under: generated.signingKey.verificationKey))

        let collector = try KeyFolder(path: "\(out)/collector", role: .collector)
        #expect(try collector.pseudonymisationKey() == generated.pseudonymisationKey)
        let keyholder = try KeyFolder(path: "\(out)/keyholder", role: .keyholder)
        #expect(try keyholder.signingKey().fingerprint == generated.signingKey.fingerprint)
        let auditor = try KeyFolder(path: "\(out)/auditor", role: .auditor)
        #expect(try auditor.verificationKey() == generated.signingKey.verificationKey)
        let envelope = try Envelope.read(from: URL(filePath: "\(out)/keyholder/signing.key"), expecting: .signingKey)
        #expect(envelope.kind.isSecret)
    }

    @Test func generateRefusesToOverwriteKeys() throws {
        let directory = try StoreTestSupport.temporaryDirectory()
        let out = directory.appending(path: "keys").path
        let first = try KeyFolder.generate(at: out)
        let error = #expect(throws: KeyError.self) { _ = try KeyFolder.generate(at: out) }
        #expect(error == .alreadyExists(path: "\(out)/keyholder/signing.key"))
        #expect(error?.category.exitCode == 64)
        #expect(try KeyFolder(path: "\(out)/collector", role: .collector).pseudonymisationKey() == first.pseudonymisationKey)
    }

    @Test func foldersHoldingAnotherRolesKeyAreRefused() throws {
        let directory = try StoreTestSupport.temporaryDirectory()
        let out = directory.appending(path: "keys").path
        _ = try KeyFolder.generate(at: out)
        // The key holder's folder passed where the collector's is expected.
        let wrongFolder = #expect(throws: KeyError.self) { _ = try KeyFolder(path: "\(out)/keyholder", role: .collector) }
        #expect(wrongFolder == .forbiddenFile(path: "\(out)/keyholder/signing.key", kind: .signingKey, role: .collector))
        #expect(wrongFolder?.description.contains("must not hold") == true)
        // A collector folder that also holds a signing key.
        try FileManager.default.copyItem(atPath: "\(out)/keyholder/signing.key", toPath: "\(out)/collector/extra.key")
        let polluted = #expect(throws: KeyError.self) { _ = try KeyFolder(path: "\(out)/collector", role: .collector) }
        #expect(polluted == .forbiddenFile(path: "\(out)/collector/extra.key", kind: .signingKey, role: .collector))
        // The auditor must not hold the signing key either; the evaluator must not hold the HMAC key.
        try FileManager.default.copyItem(atPath: "\(out)/collector/pseudonymisation.key", toPath: "\(out)/evaluator/p.key")
        #expect(throws: KeyError.self) { _ = try KeyFolder(path: "\(out)/evaluator", role: .evaluator) }
        // Non-envelope files (notes) are refused: a key folder holds key files only.
        #expect(try KeyFolder(path: "\(out)/auditor", role: .auditor).files.count == 1)
        try Data("notes".utf8).write(to: URL(filePath: "\(out)/auditor/README"))
        let notes = #expect(throws: KeyError.self) { _ = try KeyFolder(path: "\(out)/auditor", role: .auditor) }
        guard case .unsafeEntry(let path, _) = notes else {
            Issue.record("expected unsafeEntry, got \(String(describing: notes))")
            return
        }
        #expect(path == "\(out)/auditor/README")
    }

    @Test func missingFolderAndKeyAreNamed() throws {
        let directory = try StoreTestSupport.temporaryDirectory()
        let missing = #expect(throws: KeyError.self) { _ = try KeyFolder(path: directory.appending(path: "nope").path, role: .collector) }
        #expect(missing?.category.exitCode == 66)
        let empty = try KeyFolder(path: directory.path, role: .collector)
        let noKey = #expect(throws: KeyError.self) { _ = try empty.pseudonymisationKey() }
        #expect(noKey == .missingKey(folder: directory.path, role: .collector, kind: .pseudonymisationKey))
    }

    @Test func fingerprintsAreRecordedInTheStoreAndTheAuditLog() throws {
        let (store, directory) = try StoreTestSupport.makeStore()
        let generated = try KeyFolder.generate(at: directory.appending(path: "keys").path)
        try KeyRegistry.recordGenerated(generated, in: store)
        try store.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT role, kind, fingerprint FROM key_fingerprints ORDER BY seq")
            #expect(rows.map { $0["kind"] as String } == ["pseudonymisationKey", "signingKey"])
            #expect(rows[0]["fingerprint"] as String == generated.pseudonymisationKey.fingerprint.hex)
            #expect(rows[1]["fingerprint"] as String == generated.signingKey.fingerprint.hex)
            #expect(try KeyRegistry.verificationKeys(in: db)[generated.signingKey.fingerprint.hex] == generated.signingKey.verificationKey)
        }
        let entry = try #require(try AuditLog.entries(in: store, action: "keys.generate").first)
        #expect(entry.parameters["signingKey"] == generated.signingKey.fingerprint.hex)
        // A second key set cannot be bound to the same store.
        let other = try KeyFolder.generate(at: directory.appending(path: "other").path)
        #expect(throws: StoreError.self) { try KeyRegistry.recordGenerated(other, in: store) }
        let ingestor = StoreIngestor(key: other.pseudonymisationKey)
        let mismatch = #expect(throws: StoreError.self) {
            _ = try ingestor.ingest(try StoreTestSupport.interactions(0..<3), clients: [], into: store,
                                    source: .init(name: "x.csv", inputHash: ""))
        }
        guard case .keyMismatch = mismatch else {
            Issue.record("expected keyMismatch, got \(String(describing: mismatch))")
            return
        }
    }

    // MARK: Issue 11: key folders are inspected entirely

    func expectRefused(_ path: String, role: KeyRole, naming offender: String, _ comment: Comment) {
        let error = #expect(throws: KeyError.self, comment) { _ = try KeyFolder(path: path, role: role) }
        #expect(error?.description.contains(offender) == true, "\(String(describing: error))")
        #expect(error?.category.exitCode == 64)
    }

    @Test func hiddenAndNestedSecretsAreRefused() throws {
        let directory = try StoreTestSupport.temporaryDirectory()
        let out = directory.appending(path: "keys").path
        _ = try KeyFolder.generate(at: out)
        let signing = "\(out)/keyholder/signing.key"
        // A hidden copy of the key holder's signing key in the collector's folder.
        try FileManager.default.copyItem(atPath: signing, toPath: "\(out)/collector/.signing.key")
        expectRefused("\(out)/collector", role: .collector, naming: ".signing.key", "hidden secret")
        try FileManager.default.removeItem(atPath: "\(out)/collector/.signing.key")
        #expect(try KeyFolder(path: "\(out)/collector", role: .collector).files.count == 3)
        // The same, nested in a sub-folder.
        try FileManager.default.createDirectory(atPath: "\(out)/collector/backup/old", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: signing, toPath: "\(out)/collector/backup/old/key")
        expectRefused("\(out)/collector", role: .collector, naming: "backup/old/key", "nested secret")
        try FileManager.default.removeItem(atPath: "\(out)/collector/backup")
        // A symbolic link, even to an allowed file.
        try FileManager.default.createSymbolicLink(atPath: "\(out)/auditor/link.key", withDestinationPath: "\(out)/auditor/verification.key")
        expectRefused("\(out)/auditor", role: .auditor, naming: "symbolic link", "symlink")
    }

    @Test func secretFilesReadableByOthersAreRefused() throws {
        let directory = try StoreTestSupport.temporaryDirectory()
        let out = directory.appending(path: "keys").path
        _ = try KeyFolder.generate(at: out)
        for (folder, file, role) in [("keyholder", "signing.key", KeyRole.keyholder), ("collector", "pseudonymisation.key", .collector),
                                     ("collector", "ingestion.key", .collector)] {
            let path = "\(out)/\(folder)/\(file)"
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
            expectRefused("\(out)/\(folder)", role: role, naming: "mode 644", "0644 \(file)")
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            _ = try KeyFolder(path: "\(out)/\(folder)", role: role)
        }
        // A secret owned by someone else (only testable as root, which can chown).
        if geteuid() == 0 {
            let path = "\(out)/keyholder/signing.key"
            #expect(chown(path, 65534, 65534) == 0)
            expectRefused("\(out)/keyholder", role: .keyholder, naming: "owned by user 65534", "foreign owner")
        }
    }

    @Test func concurrentGenerationsNeverClobberEachOther() throws {
        for _ in 0..<3 {
            let directory = try StoreTestSupport.temporaryDirectory()
            let out = directory.appending(path: "keys").path
            let results = Results()
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                do {
                    results.add(.success(try KeyFolder.generate(at: out)))
                } catch let error as KeyError {
                    results.add(.failure(error))
                } catch {
                    results.add(.failure(.unwritable(path: out, reason: "\(error)")))
                }
            }
            let outcomes = results.all
            let winners = outcomes.compactMap { try? $0.get() }
            #expect(winners.count == 1, "\(winners.count) generations succeeded into one folder")
            for case .failure(let error) in outcomes {
                guard case .alreadyExists = error else {
                    Issue.record("expected alreadyExists, got \(error)")
                    continue
                }
            }
            // The folder holds exactly the winner's keys, consistent with each other.
            let winner = try #require(winners.first)
            let signing = try KeyFolder(path: "\(out)/keyholder", role: .keyholder).signingKey()
            #expect(signing.fingerprint == winner.signingKey.fingerprint)
            #expect(try KeyFolder(path: "\(out)/auditor", role: .auditor).verificationKey() == winner.signingKey.verificationKey)
            let collector = try KeyFolder(path: "\(out)/collector", role: .collector)
            #expect(try collector.pseudonymisationKey() == winner.pseudonymisationKey)
            #expect(try collector.ingestionEndorsement().isValid(under: signing.verificationKey))
            #expect(try collector.ingestionKey().publicKey == winner.ingestionKey.publicKey)
            let leftovers = try FileManager.default.subpathsOfDirectory(atPath: out).filter { $0.contains(".tmp-") }
            #expect(leftovers.isEmpty)
        }
    }

    final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var outcomes: [Result<GeneratedKeys, KeyError>] = []
        func add(_ outcome: Result<GeneratedKeys, KeyError>) { lock.withLock { outcomes.append(outcome) } }
        var all: [Result<GeneratedKeys, KeyError>] { lock.withLock { outcomes } }
    }

    @Test func noReplaceCreationKeepsTheExistingFile() throws {
        let directory = try StoreTestSupport.temporaryDirectory()
        let url = directory.appending(path: "a.key")
        try AtomicFile.create(Data("first".utf8), at: url, permissions: 0o600)
        let error = #expect(throws: AtomicFileError.self) { try AtomicFile.create(Data("second".utf8), at: url) }
        #expect(error?.fileExists == true)
        #expect(FileManager.default.contents(atPath: url.path) == Data("first".utf8))
        #expect(try mode(url.path) == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["a.key"])
    }
}
