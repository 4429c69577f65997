import Foundation
import GRDB
import Testing
@testable import HeatCore

/// Issue 27 (session 42; review s40 keys27e, Docs/Operations.md section 7 (f)) through the built
/// `heatctl`: a `keys rotate` the store refuses leaves no `NEWDIR` and no staging folder (no key
/// the store never recorded), and the same command with the same `--out` then succeeds on the
/// untampered store, its secret key file at mode 0600.
@Suite(.serialized, .enabled(if: BuiltHeatctl.url != nil, "heatctl is not built"))
struct KeysRotateStagingCLITests {
    func run(_ arguments: [String]) throws -> BuiltHeatctl.Outcome { try BuiltHeatctl.run(arguments) }

    /// The folder's entries whose name starts with `prefix`.
    static func entries(in folder: URL, prefix: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(prefix) }.sorted()
    }

    @Test(arguments: ["signing", "fhe"])
    func aRefusedRotationLeavesNoKeyFilesAndTheRetryWithTheSameOutWorks(kind: String) throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appending(path: "heat.db").path
        let saved = folder.appending(path: "saved.db").path
        let keys = folder.appending(path: "keys").path
        let gen2 = folder.appending(path: "gen2").path
        let head = folder.appending(path: "head.heat").path
        var csv = "event_id,client_id,manager_id,branch,channel,direction,occurred_at,duration_seconds,replied_within_hours\n"
        for client in 1...6 { csv += "E-\(client),CL-\(client),RM-1,North,call,outbound,2026-03-02T09:30:00Z,600,\n" }
        let input = folder.appending(path: "in.csv").path
        try Data(csv.utf8).write(to: URL(filePath: input))
        #expect(try run(["init", "--store", db]).status == 0)
        let generated = try run(["keys", "generate", "--out", keys, "--store", db] + (kind == "fhe" ? ["--preset", "n8192-logq217-logt25"] : []))
        #expect(generated.status == 0, "\(generated.stderr)")
        let ingested = try run(["ingest", input, "--store", db, "--keys", "\(keys)/collector", "--quiet"] + (kind == "fhe" ? [] : ["--plaintext"]))
        #expect(ingested.status == 0, "\(ingested.stderr)")
        #expect(try run(["audit", "sign", "--store", db, "--keys", "\(keys)/keyholder", "--first-head", "--head-out", head]).status == 0)
        try DatabaseQueue(path: db).backup(to: DatabaseQueue(path: saved))

        // An attacker edits an audit row: the rotation verifies the store and refuses (exit 1).
        try StoreTestSupport.attacker(db).write { db in
            try StoreTestSupport.dropTriggers(db, "audit_log")
            try db.execute(sql: "UPDATE audit_log SET parameters = '{}' WHERE seq = 1")
        }
        let rotate = ["keys", "rotate"] + (kind == "fhe" ? ["--fhe"] : []) + [
            "--store", db, "--keys", "\(keys)/keyholder", "--out", gen2, "--previous-head", head, "--head-out", head,
        ]
        let refused = try run(rotate)
        #expect(refused.status == 1, "\(refused.stderr)")
        let left = try Self.entries(in: folder, prefix: "gen2")
        #expect(!FileManager.default.fileExists(atPath: gen2), "no NEWDIR: \(left)")
        #expect(try Self.entries(in: folder, prefix: "gen2").isEmpty, "no staging folder left")

        // The untampered store: the same command and --out succeed.
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
        try DatabaseQueue(path: saved).backup(to: DatabaseQueue(path: db))
        // Review s42 ops27g H1: an --out the keys could not be moved into after the commit (a
        // regular file, a symbolic link to nothing) is refused before the store changes (exit 74),
        // nothing left beside it, the store and the head unchanged.
        let plain = folder.appending(path: "gen3").path
        try Data("not a folder".utf8).write(to: URL(filePath: plain))
        let dangling = folder.appending(path: "gen4").path
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: folder.appending(path: "nowhere").path)
        for target in [plain, dangling] {
            let before = try StoreTestSupport.dump(db)
            let headBefore = try Data(contentsOf: URL(filePath: head))
            let unmovable = try run(rotate.map { $0 == gen2 ? target : $0 })
            #expect(unmovable.status == 74, "\(target): \(unmovable.stderr)")
            #expect(unmovable.stderr.contains(target), "\(unmovable.stderr)")
            #expect(try StoreTestSupport.dump(db) == before, "the store did not rotate")
            #expect(try Data(contentsOf: URL(filePath: head)) == headBefore)
            let name = URL(filePath: target).lastPathComponent
            #expect(try Self.entries(in: folder, prefix: name) == [name], "no staging folder left beside \(name)")
        }
        let rotated = try run(rotate)
        #expect(rotated.status == 0, "\(rotated.stderr)")
        #expect(try Self.entries(in: folder, prefix: "gen2") == ["gen2"], "only NEWDIR, no staging folder")
        let secret = kind == "fhe" ? "\(gen2)/keyholder/\(PipelineKeys.secretKeyFile)" : "\(gen2)/keyholder/\(KeyFolder.signingKeyFile)"
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: secret)[.posixPermissions] as? Int)
        #expect(mode & 0o777 == 0o600, "the secret key keeps mode 0600: \(String(mode, radix: 8))")
        #expect(rotated.stdoutText.contains("wrote \(secret)"), "\(rotated.stdoutText)")
        let signed = try run(["audit", "verify", "--store", db, "--keys", kind == "fhe" ? "\(keys)/auditor" : "\(gen2)/auditor", "--expect-head", head])
        #expect(signed.status == 0, "\(signed.stderr)\(signed.stdoutText)")
    }
}
