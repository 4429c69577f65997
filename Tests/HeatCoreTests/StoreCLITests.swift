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
        #expect(try run(["audit", "sign", "--store", db, "--keys", "\(keys)/keyholder", "--head-out", head]).status == 0)
        let verify = try run(["audit", "verify", "--store", db, "--expect-head", head, "--keys", "\(keys)/auditor", "--json"])
        #expect(verify.status == 0)
        let parsed = try JSONSerialization.jsonObject(with: verify.stdout) as? [String: Any]
        #expect(parsed?["intact"] as? Bool == true)

        let clients = try run(["clients", "--store", db, "--json"])
        #expect(clients.status == 0)
        #expect(!clients.stdoutText.contains("CL-1"))
        let entries = try JSONDecoder().decode([ClientDirectoryEntry].self, from: clients.stdout)
        #expect(entries.count == 2)

        try StoreTestSupport.attacker(db).write { db in
            try StoreTestSupport.dropTriggers(db, "event_hmacs")
            try db.execute(sql: "DELETE FROM event_hmacs WHERE seq = 2")
        }
        let broken = try run(["audit", "verify", "--store", db])
        #expect(broken.status == 1)
        #expect(broken.stdoutText.contains("event_hmacs row 2 is missing"))

        try StoreTestSupport.attacker(db).writeWithoutTransaction { db in try db.execute(sql: "PRAGMA user_version = 7") }
        #expect(try run(["audit", "log", "--store", db]).status == 78)
        #expect(try run(["audit", "log", "--store", input]).status == 65)
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
