import Foundation
import GRDB
import Testing
@testable import HeatCore

/// Issue 27 through the built `heatctl`: escrow drill, retention with both verifiers, exit codes.
@Suite(.enabled(if: BuiltHeatctl.url != nil, "heatctl is not built"))
struct OperationsCLITests {
    func run(_ arguments: [String]) throws -> BuiltHeatctl.Outcome { try BuiltHeatctl.run(arguments) }

    @Test func escrowDrillThroughTheCLI() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let keys = folder.appending(path: "keys").path
        #expect(try run(["keys", "generate", "--out", keys]).status == 0)
        let secret = "\(keys)/keyholder/bfv-secret-key.heat"
        for name in ["alice", "bob", "carol"] {
            let made = try run(["keys", "escrow", "custodian", "--name", name, "--out", folder.appending(path: name).path])
            #expect(made.status == 0, "\(made.stderr)")
        }
        let pub = { (name: String) in folder.appending(path: "\(name)/custodian.pub").path }
        let key = { (name: String) in folder.appending(path: "\(name)/custodian.key").path }
        let escrow = folder.appending(path: "escrow").path
        let mismatch = try run(["keys", "escrow", "split", "--key", secret, "--shares", "4", "--threshold", "2",
                                "--custodian", pub("alice"), "--custodian", pub("bob"), "--custodian", pub("carol"), "--out", escrow])
        #expect(mismatch.status == 64)
        let split = try run(["keys", "escrow", "split", "--key", secret, "--shares", "3", "--threshold", "2",
                             "--custodian", pub("alice"), "--custodian", pub("bob"), "--custodian", pub("carol"), "--out", escrow])
        #expect(split.status == 0, "\(split.stderr)")
        let share1 = "\(escrow)/share-1-alice.heat"
        let share3 = "\(escrow)/share-3-carol.heat"

        let recovered = try run(["keys", "escrow", "recover", share1, share3, "--custodian-key", key("alice"),
                                 "--custodian-key", key("carol"), "--out", folder.appending(path: "recovered").path])
        #expect(recovered.status == 0, "\(recovered.stderr)")
        #expect(try Data(contentsOf: folder.appending(path: "recovered/bfv-secret-key.heat")) == Data(contentsOf: URL(filePath: secret)))

        let alone = try run(["keys", "escrow", "recover", share1, "--custodian-key", key("alice"), "--out", folder.appending(path: "r2").path])
        #expect(alone.status == 64)
        #expect(alone.stderr.contains("1 share given, the escrow needs 2"))
        #expect(!FileManager.default.fileExists(atPath: folder.appending(path: "r2/bfv-secret-key.heat").path))

        // A share re-written with one sealed byte changed: named, exit 65, nothing written.
        var share = try KeyEscrow.loadShare(from: URL(filePath: share3))
        var sealed = try #require(Data(base64Encoded: share.sealedShare))
        sealed[7] ^= 0x80
        share.sealedShare = sealed.base64EncodedString()
        let tamperedPath = folder.appending(path: "tampered.heat")
        try KeyEscrow.writeShare(share, to: tamperedPath)
        let tampered = try run(["keys", "escrow", "recover", share1, tamperedPath.path, "--custodian-key", key("alice"),
                                "--custodian-key", key("carol"), "--out", folder.appending(path: "r3").path])
        #expect(tampered.status == 65)
        #expect(tampered.stderr.contains("tampered.heat: the share failed its integrity check"))
        #expect(!FileManager.default.fileExists(atPath: folder.appending(path: "r3/bfv-secret-key.heat").path))
    }

    /// Issue 27, item 1: the collector's ingestion key rotated and revoked through heatctl; the old
    /// folder is refused at ingestion (exit 64) and the successor's folder ingests.
    @Test func collectorKeyRotationThroughTheCLI() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appending(path: "heat.db").path
        let keys = folder.appending(path: "keys").path
        let head = folder.appending(path: "head.heat").path
        let gen2 = folder.appending(path: "collector-gen2").path
        var csv = "event_id,client_id,manager_id,branch,channel,direction,occurred_at,duration_seconds,replied_within_hours\n"
        for client in 1...3 { csv += "E1-\(client),CL-\(client),RM-1,North,call,outbound,2026-03-02T09:30:00Z,600,\n" }
        let input = folder.appending(path: "in.csv").path
        try Data(csv.utf8).write(to: URL(filePath: input))
        let later = folder.appending(path: "later.csv").path
        try Data(csv.replacingOccurrences(of: "E1-", with: "E2-").replacingOccurrences(of: "03-02", with: "03-09").utf8)
            .write(to: URL(filePath: later))
        #expect(try run(["init", "--store", db]).status == 0)
        #expect(try run(["keys", "generate", "--out", keys, "--store", db]).status == 0)
        #expect(try run(["ingest", input, "--store", db, "--keys", "\(keys)/collector", "--plaintext"]).status == 0)
        #expect(try run(["audit", "sign", "--store", db, "--keys", "\(keys)/keyholder", "--first-head", "--head-out", head]).status == 0)

        let rotated = try run(["keys", "rotate", "--collector", "--store", db, "--keys", "\(keys)/keyholder", "--out", gen2,
                               "--previous-head", head, "--head-out", head])
        #expect(rotated.status == 0, "\(rotated.stderr)")
        #expect(rotated.stdoutText.contains("(generation 1) retired after ingestion signature 1"))
        let newID = try #require(try KeyFolder(path: "\(gen2)/collector", role: .collector).ingestionKey()).fingerprint.hex
        let oldID = try KeyFolder(path: "\(keys)/collector", role: .collector).ingestionKey().fingerprint.hex
        // The retired folder is refused, naming the retirement; the successor's folder ingests.
        let refused = try run(["ingest", later, "--store", db, "--keys", "\(keys)/collector", "--plaintext"])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("was retired by collector_key_retirements row 1 (rotation)"))
        // The collector keeps its pseudonymisation key next to the successor's two files.
        try FileManager.default.copyItem(atPath: "\(keys)/collector/\(KeyFolder.pseudonymisationKeyFile)",
                                         toPath: "\(gen2)/collector/\(KeyFolder.pseudonymisationKeyFile)")
        let ingested = try run(["ingest", later, "--store", db, "--keys", "\(gen2)/collector", "--plaintext"])
        #expect(ingested.status == 0, "\(ingested.stderr)")
        #expect(try run(["audit", "sign", "--store", db, "--keys", "\(keys)/keyholder", "--previous-head", head, "--head-out", head]).status == 0)
        let verified = try run(["audit", "verify", "--store", db, "--keys", "\(keys)/auditor", "--expect-head", head])
        #expect(verified.status == 0, "\(verified.stdoutText)")
        #expect(verified.stdoutText.contains("collector key \(oldID.prefix(16))… (generation 1) rotated to \(newID.prefix(16))"))
        // The same --out again: refused before the store changes (a key file is never replaced).
        let again = try run(["keys", "rotate", "--collector", "--store", db, "--keys", "\(keys)/keyholder", "--out", gen2,
                             "--previous-head", head, "--head-out", head])
        #expect(again.status == 64)
        // Revoking the old key again, and an unknown id, are refused; revoking the successor works.
        let twice = try run(["keys", "revoke", "--collector", String(oldID.prefix(8)), "--store", db, "--keys", "\(keys)/keyholder",
                             "--previous-head", head, "--head-out", head])
        #expect(twice.status == 64 && twice.stderr.contains("already retired"))
        let unknown = try run(["keys", "revoke", "--collector", "zz", "--store", db, "--keys", "\(keys)/keyholder",
                               "--previous-head", head, "--head-out", head])
        #expect(unknown.status == 64, "a malformed key id is a usage error: \(unknown.stderr)")
        let revoked = try run(["keys", "revoke", "--collector", String(newID.prefix(12)), "--store", db, "--keys", "\(keys)/keyholder",
                               "--previous-head", head, "--head-out", head, "--reason", "host decommissioned"])
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(revoked.stdoutText.contains("(generation 2) revoked after ingestion signature 2 (revocation: host decommissioned)"))
        #expect(try run(["ingest", later, "--store", db, "--keys", "\(gen2)/collector", "--plaintext"]).status == 64)
        #expect(try run(["audit", "verify", "--store", db, "--keys", "\(keys)/auditor", "--expect-head", head, "--allow-unsigned-tail"]).status == 0)
    }

    static let python = "/usr/bin/python3"

    /// Retention through the CLI: `audit verify` and Scripts/verify-store.py both accept the
    /// signed tombstones and name them, and both fail on a tombstone whose signature was altered.
    @Test func retentionVerifiesWithBothVerifiersAndAForgedTombstoneFailsBoth() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appending(path: "heat.db").path
        let keys = folder.appending(path: "keys").path
        let head = folder.appending(path: "head.heat").path
        var csv = "event_id,client_id,manager_id,branch,channel,direction,occurred_at,duration_seconds,replied_within_hours\n"
        for (n, day) in ["2025-01-06", "2025-01-14", "2025-02-03", "2025-06-02", "2026-02-02", "2026-03-02", "2026-03-03"].enumerated() {
            for client in 1...3 { csv += "E\(n)-\(client),CL-\(client),RM-1,North,call,outbound,\(day)T09:30:00Z,600,\n" }
        }
        let input = folder.appending(path: "in.csv").path
        try Data(csv.utf8).write(to: URL(filePath: input))
        #expect(try run(["init", "--store", db]).status == 0)
        #expect(try run(["keys", "generate", "--out", keys, "--store", db]).status == 0)
        #expect(try run(["ingest", input, "--store", db, "--keys", "\(keys)/collector", "--plaintext"]).status == 0)
        #expect(try run(["audit", "sign", "--store", db, "--keys", "\(keys)/keyholder", "--first-head", "--head-out", head]).status == 0)

        let inside = try run(["retention", "apply", "--store", db, "--keys", "\(keys)/keyholder", "--before", "2026-W01",
                              "--previous-head", head, "--head-out", head])
        #expect(inside.status == 64)
        #expect(inside.stderr.contains("inside the 52-week heat window ending 2026-W10"))
        let applied = try run(["retention", "apply", "--store", db, "--keys", "\(keys)/keyholder", "--before", "2025-W10",
                               "--previous-head", head, "--head-out", head])
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stdoutText.contains("dropped weekly_buckets rows 1-"))
        let verified = try run(["audit", "verify", "--store", db, "--keys", "\(keys)/auditor", "--expect-head", head])
        #expect(verified.status == 0, "\(verified.stdoutText)")
        #expect(verified.stdoutText.contains("retention: weekly_buckets rows 1-"))
        let script = HeatctlRunnerRoot.url.appending(path: "Scripts/verify-store.py").path
        let canPython = FileManager.default.isExecutableFile(atPath: Self.python)
        if canPython {
            let python = try BuiltHeatctl.run(executable: URL(filePath: Self.python),
                                              [script, "--store", db, "--keys", "\(keys)/auditor", "--expect-head", head])
            #expect(python.status == 0, "\(python.stdoutText)\(python.stderr)")
            #expect(python.stdoutText.contains("retention: weekly_buckets rows 1-"))
        }

        // An attacker alters the tombstone's signature and re-chains the table (triggers restored).
        try DatabaseQueue(path: db).write { db in
            try StoreTestSupport.dropTriggers(db, "retention_tombstones")
            try db.execute(sql: "UPDATE retention_tombstones SET signature = zeroblob(64) WHERE seq = 1")
            try StoreTestSupport.recomputeChain(db, .retentionTombstones)
            for sql in StoreSchema.triggerStatements(for: .retentionTombstones) { try db.execute(sql: sql) }
        }
        let forged = try run(["audit", "verify", "--store", db, "--keys", "\(keys)/auditor", "--expect-head", head, "--json"])
        #expect(forged.status == 1)
        #expect(forged.stdoutText.contains("badTombstone"))
        if canPython {
            let python = try BuiltHeatctl.run(executable: URL(filePath: Self.python),
                                              [script, "--store", db, "--keys", "\(keys)/auditor", "--expect-head", head, "--json"])
            #expect(python.status == 1)
            #expect(python.stdoutText.contains("badTombstone"))
        }
    }

    /// Erasure through the CLI: the request file's raw id is never printed, both verifiers accept
    /// and name the erasure, and a forged erasure record fails both.
    @Test func erasureThroughTheCLI() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appending(path: "heat.db").path
        let keys = folder.appending(path: "keys").path
        let head = folder.appending(path: "head.heat").path
        var csv = "event_id,client_id,manager_id,branch,channel,direction,occurred_at,duration_seconds,replied_within_hours\n"
        for (n, day) in ["2026-02-02", "2026-03-02", "2026-03-03"].enumerated() {
            for client in 1...3 { csv += "E\(n)-\(client),CL-SECRET-\(client),RM-1,North,call,outbound,\(day)T09:30:00Z,600,\n" }
        }
        let input = folder.appending(path: "in.csv").path
        try Data(csv.utf8).write(to: URL(filePath: input))
        let request = folder.appending(path: "erase.csv").path
        try Data("client_id\nCL-SECRET-3\nCL-SECRET-404\n".utf8).write(to: URL(filePath: request))
        #expect(try run(["init", "--store", db]).status == 0)
        #expect(try run(["keys", "generate", "--out", keys, "--store", db]).status == 0)
        #expect(try run(["ingest", input, "--store", db, "--keys", "\(keys)/collector", "--plaintext"]).status == 0)
        #expect(try run(["audit", "sign", "--store", db, "--keys", "\(keys)/keyholder", "--first-head", "--head-out", head]).status == 0)

        let neither = try run(["erase", "--store", db, "--keys", "\(keys)/keyholder", "--previous-head", head, "--head-out", head])
        #expect(neither.status == 64)
        let erased = try run(["erase", "--store", db, "--keys", "\(keys)/keyholder", "--collector-keys", "\(keys)/collector",
                              "--client-file", request, "--previous-head", head, "--head-out", head, "--reason", "ticket 4711"])
        #expect(erased.status == 0, "\(erased.stderr)")
        #expect(erased.stdoutText.contains("erased one client as E-"))
        #expect(erased.stdoutText.contains("erase.csv: lines 3 match no client"))
        #expect(!erased.stdoutText.contains("CL-SECRET") && !erased.stderr.contains("CL-SECRET"))
        let again = try run(["erase", "--store", db, "--keys", "\(keys)/keyholder", "--collector-keys", "\(keys)/collector",
                             "--client-file", request, "--previous-head", head, "--head-out", head])
        #expect(again.status == 65)
        #expect(again.stderr.contains("none of the 2 clients requested") && !again.stderr.contains("CL-SECRET"))
        let unknown = try run(["erase", "--store", db, "--keys", "\(keys)/keyholder", "--client", "C-00000000",
                               "--previous-head", head, "--head-out", head])
        #expect(unknown.status == 65)
        #expect(unknown.stderr.contains("--client #1") && !unknown.stderr.contains("C-00000000"), "\(unknown.stderr)")

        let verified = try run(["audit", "verify", "--store", db, "--keys", "\(keys)/auditor", "--expect-head", head])
        #expect(verified.status == 0, "\(verified.stdoutText)")
        #expect(verified.stdoutText.contains("client erased on request (E-"))
        #expect(verified.stdoutText.contains("dropped by erasure (erasure E-"))
        let script = HeatctlRunnerRoot.url.appending(path: "Scripts/verify-store.py").path
        let canPython = FileManager.default.isExecutableFile(atPath: Self.python)
        if canPython {
            let python = try BuiltHeatctl.run(executable: URL(filePath: Self.python),
                                              [script, "--store", db, "--keys", "\(keys)/auditor", "--expect-head", head])
            #expect(python.status == 0, "\(python.stdoutText)\(python.stderr)")
            #expect(python.stdoutText.contains("client erased on request (E-"))
        }
        // An attacker alters the erasure record's slot and re-chains the table (triggers restored).
        try DatabaseQueue(path: db).write { db in
            try StoreTestSupport.dropTriggers(db, "client_erasures")
            try db.execute(sql: "UPDATE client_erasures SET slot = 0 WHERE seq = 1")
            try StoreTestSupport.recomputeChain(db, .clientErasures)
            for sql in StoreSchema.triggerStatements(for: .clientErasures) { try db.execute(sql: sql) }
        }
        let forged = try run(["audit", "verify", "--store", db, "--keys", "\(keys)/auditor", "--expect-head", head, "--json"])
        #expect(forged.status == 1)
        #expect(forged.stdoutText.contains("badErasure"))
        if canPython {
            let python = try BuiltHeatctl.run(executable: URL(filePath: Self.python),
                                              [script, "--store", db, "--keys", "\(keys)/auditor", "--expect-head", head, "--json"])
            #expect(python.status == 1)
            #expect(python.stdoutText.contains("badErasure"))
        }
    }

    /// Issue 27 (s36): `keys rotate --fhe --evaluator-keys` writes the new generation's Galois and
    /// relinearization keys when the current evaluator folder holds Galois keys; `evaluate` refuses
    /// a stale Galois key left beside the new generation's files (exit 64, naming the file); `trees
    /// relin-key` refuses an evaluator folder of another generation (exit 64).
    @Test func fheRotationBindsTheEvaluationKeysThroughTheCLI() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appending(path: "heat.db").path
        let keys = folder.appending(path: "keys").path
        let head = folder.appending(path: "head.heat").path
        let gen2 = folder.appending(path: "keys-fhe2").path
        var csv = "event_id,client_id,manager_id,branch,channel,direction,occurred_at,duration_seconds,replied_within_hours\n"
        for client in 1...6 { csv += "E1-\(client),CL-\(client),RM-\(client % 2),North,call,outbound,2026-03-02T09:30:00Z,600,\n" }
        let input = folder.appending(path: "in.csv").path
        try Data(csv.utf8).write(to: URL(filePath: input))
        #expect(try run(["init", "--store", db]).status == 0)
        let generated = try run(["keys", "generate", "--out", keys, "--store", db, "--aggregates", "--max-clients", "10"])
        #expect(generated.status == 0, "\(generated.stderr)")
        #expect(FileManager.default.fileExists(atPath: "\(keys)/evaluator/\(Evaluator.galoisKeysFile)"))
        #expect(try run(["ingest", input, "--store", db, "--keys", "\(keys)/collector", "--quiet"]).status == 0)
        #expect(try run(["audit", "sign", "--store", db, "--keys", "\(keys)/keyholder", "--first-head", "--head-out", head]).status == 0)

        let rotated = try run(["keys", "rotate", "--fhe", "--evaluator-keys", "\(keys)/evaluator", "--store", db, "--keys", "\(keys)/keyholder",
                               "--out", gen2, "--previous-head", head, "--head-out", head])
        #expect(rotated.status == 0, "\(rotated.stderr)")
        for file in [Evaluator.galoisKeysFile, Evaluator.relinearizationKeyFile] {
            #expect(FileManager.default.fileExists(atPath: "\(gen2)/evaluator/\(file)"), "\(file) written for generation 2")
        }
        // The operator copies the new public key and generation file but keeps the old Galois keys.
        let mixed = folder.appending(path: "mixed-evaluator").path
        try FileManager.default.createDirectory(atPath: mixed, withIntermediateDirectories: true)
        for file in [PipelineKeys.parametersFile, PipelineKeys.publicKeyFile, FHEKeyGeneration.fileName] {
            try FileManager.default.copyItem(atPath: "\(gen2)/evaluator/\(file)", toPath: "\(mixed)/\(file)")
        }
        try FileManager.default.copyItem(atPath: "\(keys)/evaluator/\(Evaluator.galoisKeysFile)", toPath: "\(mixed)/\(Evaluator.galoisKeysFile)")
        let stale = try run(["evaluate", "--store", db, "--keys", mixed, "--out", folder.appending(path: "stale.heat").path])
        #expect(stale.status == 64, "\(stale.stderr)")
        #expect(stale.stderr.contains(Evaluator.galoisKeysFile))
        #expect(!FileManager.default.fileExists(atPath: folder.appending(path: "stale.heat").path))
        // The generation-1 key holder cannot write a relinearization key into the generation-2 folder.
        let relin = try run(["trees", "relin-key", "--keys", "\(keys)/keyholder", "--evaluator", mixed])
        #expect(relin.status == 64, "\(relin.stderr)")
        // The new generation's evaluator folder evaluates.
        let fresh = try run(["evaluate", "--store", db, "--keys", "\(gen2)/evaluator", "--trust", "\(keys)/auditor", "--out", folder.appending(path: "run.heat").path])
        #expect(fresh.status == 0, "\(fresh.stderr)")
    }

    @Test(arguments: [["keys", "escrow", "--help"], ["keys", "escrow", "split", "--help"],
                      ["keys", "escrow", "recover", "--help"], ["keys", "escrow", "custodian", "--help"],
                      ["retention", "--help"], ["retention", "apply", "--help"], ["erase", "--help"]])
    func escrowHelpHasAnExample(arguments: [String]) throws {
        let outcome = try run(arguments)
        #expect(outcome.status == 0)
        #expect(outcome.stdoutText.contains("Example"))
    }
}

/// The repository root (for Scripts/).
enum HeatctlRunnerRoot {
    static let url = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}
