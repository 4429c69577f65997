#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GRDB
import Testing
@testable import HeatCore

/// Runs the built `heatctl` for the store commands: exit codes, refusals, JSON output and the
/// fault-injection switch.
@Suite(.enabled(if: BuiltHeatctl.url != nil, "heatctl is not built"))
struct StoreCLITests {
    typealias Outcome = BuiltHeatctl.Outcome

    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
        try BuiltHeatctl.run(arguments, environment: environment)
    }

    static let csv = """
        event_id,client_id,manager_id,branch,channel,direction,occurred_at,duration_seconds,replied_within_hours
        E1,CL-1,RM-1,North,call,outbound,2026-03-02T09:30:00Z,600,
        E2,CL-1,RM-1,North,email,inbound,2026-03-03T14:00:00Z,,5
        E3,CL-2,RM-2,South,meeting,outbound,2026-03-04T10:00:00Z,3600,

        """

    @Test func storeWorkflowExitCodes() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appending(path: "heat.db").path
        let keys = folder.appending(path: "keys").path
        let input = folder.appending(path: "in.csv").path
        try Data(Self.csv.utf8).write(to: URL(filePath: input))
        #expect(try run(["init", "--store", db]).status == 0)
        #expect(try run(["keys", "generate", "--out", keys, "--store", db]).status == 0)

        let wrongRole = try run(["ingest", input, "--store", db, "--keys", "\(keys)/keyholder", "--plaintext"])
        #expect(wrongRole.status == 64)
        #expect(wrongRole.stderr.contains("must not hold"))

        let stored = try HeatStore(path: db)
        try stored.checkpoint()
        let before = try StoreTestSupport.dump(db)
        let aborted = try run(["ingest", input, "--store", db, "--keys", "\(keys)/collector", "--plaintext"],
                              environment: ["HEAT_FAULT_ABORT_AFTER_ROWS": "2"])
        #expect(aborted.status == 74)
        #expect(aborted.stderr.contains("nothing was committed"))
        #expect(try StoreTestSupport.dump(db) == before)

        let first = try run(["ingest", input, "--store", db, "--keys", "\(keys)/collector", "--plaintext", "--json"])
        #expect(first.status == 0)
        let report = try JSONDecoder().decode(StoreIngestReport.self, from: first.stdout)
        #expect(report.eventsAdded == 3)
        let second = try run(["ingest", input, "--store", db, "--keys", "\(keys)/collector", "--plaintext", "--json"])
        #expect(try JSONDecoder().decode(StoreIngestReport.self, from: second.stdout).duplicatesSkipped == 3)

        let head = folder.appending(path: "head.json").path
        let noAnchor = try run(["audit", "sign", "--store", db, "--keys", "\(keys)/keyholder", "--head-out", head])
        #expect(noAnchor.status == 64)
        #expect(noAnchor.stderr.contains("--previous-head") && noAnchor.stderr.contains("--first-head"))
        #expect(try run(["audit", "sign", "--store", db, "--keys", "\(keys)/keyholder", "--first-head", "--head-out", head]).status == 0)
        let verify = try run(["audit", "verify", "--store", db, "--expect-head", head, "--keys", "\(keys)/auditor", "--json"])
        #expect(verify.status == 0)
        let parsed = try JSONSerialization.jsonObject(with: verify.stdout) as? [String: Any]
        #expect(parsed?["intact"] as? Bool == true)
        // Fail closed: the pinned key and the previous head are required (exit 64, naming them).
        let noKeys = try run(["audit", "verify", "--store", db, "--expect-head", head])
        #expect(noKeys.status == 64)
        #expect(noKeys.stderr.contains("--keys DIR/auditor"))
        let noHead = try run(["audit", "verify", "--store", db, "--keys", "\(keys)/auditor"])
        #expect(noHead.status == 64)
        #expect(noHead.stderr.contains("--expect-head") && noHead.stderr.contains("--first-head"))
        #expect(try run(["audit", "verify", "--store", db, "--keys", "\(keys)/auditor", "--first-head"]).status == 0)

        let clients = try run(["clients", "--store", db, "--json"])
        #expect(clients.status == 0)
        #expect(!clients.stdoutText.contains("CL-1"))
        let entries = try JSONDecoder().decode([ClientDirectoryEntry].self, from: clients.stdout)
        #expect(entries.count == 2)

        try StoreTestSupport.attacker(db).write { db in
            try StoreTestSupport.dropTriggers(db, "event_hmacs")
            try db.execute(sql: "DELETE FROM event_hmacs WHERE seq = 2")
        }
        let broken = try run(["audit", "verify", "--store", db, "--keys", "\(keys)/auditor", "--expect-head", head])
        #expect(broken.status == 1)
        #expect(broken.stdoutText.contains("event_hmacs row 2 is missing"))
        let refused = try run(["audit", "sign", "--store", db, "--keys", "\(keys)/keyholder", "--previous-head", head, "--head-out", head])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("refusing to sign"))
        #expect(try AuditLog.entries(in: HeatStore(path: db), action: "audit.sign.refused").count == 1)

        try StoreTestSupport.attacker(db).writeWithoutTransaction { db in try db.execute(sql: "PRAGMA user_version = \(StoreSchema.currentVersion + 1)") }
        #expect(try run(["audit", "log", "--store", db]).status == 78)
        #expect(try run(["audit", "log", "--store", input]).status == 65)
    }

    /// The store of `storeWorkflowExitCodes` up to its first signature.
    func signedStore(_ folder: URL) throws -> (db: String, keys: String, head: String, input: String) {
        let db = folder.appending(path: "heat.db").path
        let keys = folder.appending(path: "keys").path
        let input = folder.appending(path: "in.csv").path
        let head = folder.appending(path: "head.json").path
        try Data(Self.csv.utf8).write(to: URL(filePath: input))
        #expect(try run(["init", "--store", db]).status == 0)
        #expect(try run(["keys", "generate", "--out", keys, "--store", db]).status == 0)
        #expect(try run(["ingest", input, "--store", db, "--keys", "\(keys)/collector", "--plaintext"]).status == 0)
        #expect(try run(["audit", "sign", "--store", db, "--keys", "\(keys)/keyholder", "--first-head", "--head-out", head]).status == 0)
        return (db, keys, head, input)
    }

    @Test func unsignedTailFailsUnlessAllowedAndSaysHowMany() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (db, keys, head, _) = try signedStore(folder)
        let more = folder.appending(path: "more.csv").path
        try Data((Self.csv + "E9,CL-9,RM-2,South,call,inbound,2026-03-09T10:00:00Z,60,\n").utf8).write(to: URL(filePath: more))
        #expect(try run(["ingest", more, "--store", db, "--keys", "\(keys)/collector", "--plaintext"]).status == 0)
        let strict = try run(["audit", "verify", "--store", db, "--keys", "\(keys)/auditor", "--expect-head", head])
        #expect(strict.status == 1)
        #expect(strict.stdoutText.contains("not covered by a signed head"))
        let allowed = try run(["audit", "verify", "--store", db, "--keys", "\(keys)/auditor", "--expect-head", head, "--allow-unsigned-tail"])
        #expect(allowed.status == 0)
        #expect(allowed.stdoutText.contains("unsigned rows accepted (--allow-unsigned-tail)"))
        // An attacker's key and head appended to the store are not trusted (before the fix, `verify` without
        // --keys trusted every key registered in the store).
        #expect(try run(["audit", "sign", "--store", db, "--keys", "\(keys)/keyholder", "--previous-head", head, "--head-out", head]).status == 0)
        let attacker = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: attacker) }
        #expect(try run(["keys", "generate", "--out", attacker.path]).status == 0)
        let forgedHead = attacker.appending(path: "forged.json").path
        // The attacker signs with their own key: the store's registered key does not match, so heatctl refuses,
        // and the attempt is logged.
        let forged = try run(["audit", "sign", "--store", db, "--keys", "\(attacker.path)/keyholder", "--previous-head", head, "--head-out", forgedHead])
        #expect(forged.status == 64)
        #expect(try run(["audit", "verify", "--store", db, "--keys", "\(attacker.path)/auditor", "--expect-head", head,
                         "--allow-unsigned-tail"]).status == 1)
    }

    @Test func verifyAndLogWorkForAUserWhoCannotWriteTheStore() throws {
        let setpriv = "/usr/bin/setpriv"
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: setpriv), let heatctl = BuiltHeatctl.url else { return }
        // A folder everyone can read but nobody but root can write, outside the build tree.
        let folder = URL(filePath: "/tmp/heat-readonly-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer {
            try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.path)
            try? FileManager.default.removeItem(at: folder)
        }
        let (db, keys, head, _) = try signedStore(folder)
        try HeatStore(path: db).checkpoint()
        // The auditor's folder, readable by the unprivileged user (it holds no secret).
        let auditor = folder.appending(path: "auditor").path
        try FileManager.default.copyItem(atPath: "\(keys)/auditor", toPath: auditor)
        try? FileManager.default.removeItem(atPath: db + "-wal")
        try? FileManager.default.removeItem(atPath: db + "-shm")
        let before = try #require(FileManager.default.contents(atPath: db))
        for (path, mode) in [(auditor, 0o555), (auditor + "/verification.key", 0o444), (head, 0o444), (db, 0o444), (folder.path, 0o555)] {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        }
        // Copy heatctl where the unprivileged user can run it.
        let tool = URL(filePath: "/tmp/heatctl-ro-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: heatctl, to: tool)
        defer { try? FileManager.default.removeItem(at: tool) }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: tool.path)
        func asNobody(_ arguments: [String]) throws -> BuiltHeatctl.Outcome {
            try BuiltHeatctl.run(executable: URL(filePath: setpriv),
                                 ["--reuid=65534", "--regid=65534", "--clear-groups", tool.path] + arguments)
        }
        let verify = try asNobody(["audit", "verify", "--store", db, "--keys", auditor, "--expect-head", head])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdoutText.contains("intact"))
        let log = try asNobody(["audit", "log", "--store", db, "--kind", "ingest"])
        #expect(log.status == 0, "\(log.stderr)")
        // `clients` only lists: it opens the store read-only too.
        let listing = try asNobody(["clients", "--store", db])
        #expect(listing.status == 0, "\(listing.stderr)")
        #expect(FileManager.default.contents(atPath: db) == before)
        #expect(!FileManager.default.fileExists(atPath: db + "-wal"))
        #expect(!FileManager.default.fileExists(atPath: db + "-shm"))
    }

    /// The independent verifier (Scripts/verify-store.py, Python standard library only) agrees with
    /// `audit verify` on an intact store and on tampered copies. Skipped without python3.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "python3 is not installed"))
    func pythonVerifierAgreesWithAuditVerify() throws {
        let root = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let heatctl = try #require(BuiltHeatctl.url)
        let outcome = try BuiltHeatctl.run(executable: URL(filePath: "/bin/bash"),
                                           [root.appending(path: "Scripts/check-verify-store.sh").path],
                                           environment: ["HEATCTL": heatctl.path, "PATH": "/usr/bin:/bin"])
        #expect(outcome.status == 0, "\(outcome.stdoutText)\n\(outcome.stderr)")
        #expect(outcome.stdoutText.components(separatedBy: "  agree").count - 1 == 47, "\(outcome.stdoutText)")  // 10 + 3 retention + 3 retired-key (tombstone under both pins) + 2 grafted-key (both pins) + 2 changed signed_heads + 2 erasure cases + 11 directory-version cases + 4 collector-key retirement cases + 2 FHE key rotation cases + 5 non-canonical signed times + 1 replayed FHE key transition + 2 for two rotations and their transitions swapped (issue 27)
        #expect(outcome.stdoutText.contains("('unsignedIngestion', 'event_hmacs',"), "\(outcome.stdoutText)")
    }

    @Test func rejectedRowsExit65AfterCommittingTheGoodOnesUnlessStrict() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appending(path: "heat.db").path
        let keys = folder.appending(path: "keys").path
        let input = folder.appending(path: "in.csv").path
        try Data((Self.csv + "E4,CL-3,RM-2,South,fax,outbound,2026-03-04T10:00:00Z,10,\n").utf8).write(to: URL(filePath: input))
        #expect(try run(["init", "--store", db]).status == 0)
        #expect(try run(["keys", "generate", "--out", keys]).status == 0)
        let strict = try run(["ingest", input, "--store", db, "--keys", "\(keys)/collector", "--plaintext", "--strict"])
        #expect(strict.status == 65)
        #expect(try AuditLog.entries(in: HeatStore(path: db), action: "ingest").isEmpty)
        let lenient = try run(["ingest", input, "--store", db, "--keys", "\(keys)/collector", "--plaintext"])
        #expect(lenient.status == 65)
        #expect(lenient.stderr.contains("in.csv:5: column 5 (channel)"))
        let entry = try #require(try AuditLog.entries(in: HeatStore(path: db), action: "ingest").first)
        #expect(entry.parameters["eventsAdded"] == "3")
        #expect(entry.parameters["rowsRejected"] == "1")
    }
}
