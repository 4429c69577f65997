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
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(out)/evaluator").isEmpty)
        #expect(generated.files.count == 3)

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
        #expect(error == .alreadyExists(path: "\(out)/collector/pseudonymisation.key"))
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
        // Non-envelope files (notes) are ignored.
        try Data("notes".utf8).write(to: URL(filePath: "\(out)/auditor/README"))
        #expect(try KeyFolder(path: "\(out)/auditor", role: .auditor).files.count == 1)
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
}
