import Foundation
import GRDB
import HeatEnvelope
import Testing
@testable import HeatCore

/// Issue 27 (s38, item 3): `heatctl clients --keys` and `heatctl scenario run --keys` on a store
/// whose signed directory version row was edited in SQLite, once without touching the hash chain
/// and once with the chain recomputed (no valid signature either way): refused with exit 1
/// (`DirectoryError.unverifiedVersions`), the message naming the table and row
/// (`directory_versions row 1`), never a raw client id.
@Suite(.enabled(if: BuiltHeatctl.url != nil, "heatctl is not built"))
struct ForgedDirectoryVersionCLITests {
    func run(_ arguments: [String]) throws -> BuiltHeatctl.Outcome { try BuiltHeatctl.run(arguments) }

    /// A store of six clients over two days with one signed move (client 1 to manager 2 from
    /// 2026-W11); `plaintext` chooses the test-and-demo buckets over ciphertexts.
    func storeWithAMove(in folder: URL, plaintext: Bool) throws -> (db: String, keys: String) {
        let db = folder.appending(path: "heat.db").path, keys = folder.appending(path: "keys").path
        let head = folder.appending(path: "head.heat").path
        var csv = "event_id,client_id,manager_id,branch,channel,direction,occurred_at,duration_seconds,replied_within_hours\n"
        for (n, day) in ["2026-03-02", "2026-03-10"].enumerated() {
            for client in 1...6 { csv += "E\(n)-\(client),CL-SECRET-\(client),RM-\(client <= 3 ? 1 : 2),North,call,outbound,\(day)T09:30:00Z,600,\n" }
        }
        let input = folder.appending(path: "in.csv").path
        try Data(csv.utf8).write(to: URL(filePath: input))
        #expect(try run(["init", "--store", db, "--quiet"]).status == 0)
        #expect(try run(["keys", "generate", "--out", keys, "--store", db, "--quiet"]).status == 0)
        let ingested = try run(["ingest", input, "--store", db, "--keys", "\(keys)/collector", "--quiet"] + (plaintext ? ["--plaintext"] : []))
        #expect(ingested.status == 0, "\(ingested.stderr)")
        #expect(try run(["audit", "sign", "--store", db, "--keys", "\(keys)/keyholder", "--first-head", "--head-out", head]).status == 0)
        let pseudonymizer = Pseudonymizer(key: try KeyFolder(path: "\(keys)/collector", role: .collector).pseudonymisationKey())
        let client = pseudonymizer.pseudonym(for: "CL-SECRET-1", kind: .client).displayRef
        let manager = pseudonymizer.pseudonym(for: "RM-2", kind: .manager).displayRef
        let moved = try run(["directory", "move", "--store", db, "--keys", "\(keys)/keyholder", "--client", client, "--manager", manager,
                             "--previous-head", head, "--head-out", head, "--from-week", "2026-W11"])
        #expect(moved.status == 0, "\(moved.stderr)")
        return (db, keys)
    }

    /// Edits the signed version row 1 as an attacker with file access: its manager replaced by
    /// another pseudonym, the chain left as it is or recomputed.
    static func forgeVersion(_ db: String, recomputeChain: Bool) throws {
        try StoreTestSupport.attacker(db).write { db in try StoreTestSupport.forgeDirectoryVersion(db, recomputeChain: recomputeChain) }
    }

    /// Checks one refusal: exit 1, the table and row named, no raw client id.
    static func expectRefused(_ outcome: BuiltHeatctl.Outcome, _ label: String) {
        #expect(outcome.status == 1, "\(label): \(outcome.stderr)")
        #expect(outcome.stderr.contains("directory_versions row 1"), "\(label): \(outcome.stderr)")
        #expect(!outcome.stderr.contains("CL-SECRET") && !outcome.stdoutText.contains("CL-SECRET"), "\(label)")
    }

    @Test(arguments: [false, true])
    func clientsWithKeysRefusesAForgedVersion(recomputeChain: Bool) throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (db, keys) = try storeWithAMove(in: folder, plaintext: false)
        let clients = ["clients", "--store", db, "--keys", "\(keys)/keyholder", "--json"]
        let honest = try run(clients)
        #expect(honest.status == 0, "\(honest.stderr)")
        try Self.forgeVersion(db, recomputeChain: recomputeChain)
        Self.expectRefused(try run(clients), "clients --keys, chain \(recomputeChain ? "recomputed" : "broken")")
    }

    @Test(arguments: [false, true])
    func scenarioWithKeysRefusesAForgedVersion(recomputeChain: Bool) throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (db, keys) = try storeWithAMove(in: folder, plaintext: true)
        let scenario = ["scenario", "run", "attrition-wave", "--store", db, "--keys", "\(keys)/keyholder", "--seed", "7", "--json"]
        let honest = try run(scenario)
        #expect(honest.status == 0, "\(honest.stderr)")
        try Self.forgeVersion(db, recomputeChain: recomputeChain)
        Self.expectRefused(try run(scenario), "scenario --keys, chain \(recomputeChain ? "recomputed" : "broken")")
    }
}
