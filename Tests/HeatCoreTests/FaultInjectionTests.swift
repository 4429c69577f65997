import Foundation
import GRDB
import Testing
@testable import HeatCore

/// Kills the built `heatctl` (SIGKILL, through `HEAT_FAULT_POINT`) at every commit point of
/// ingestion, evaluation, signing and release, and checks that the store still verifies and holds
/// exactly the old state (before the commit) or the new one (after it), compared byte for byte on
/// every chained table.
@Suite(.enabled(if: BuiltHeatctl.url != nil, "heatctl is not built"), .serialized)
struct FaultInjectionTests {
    typealias Outcome = BuiltHeatctl.Outcome

    /// Every table's rows in rowid order, each row's values as stored (blobs and text compared byte for byte).
    typealias Snapshot = [String: [[DatabaseValue]]]

    static func snapshot(_ path: String) throws -> Snapshot {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in
            var tables: Snapshot = [:]
            // Every table of the store, not only the chained ones: the release ledger
            // (`release_groups`) and any later bookkeeping table are written in the same transactions.
            let names = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            for name in names {
                let quoted = "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                tables[name] = try Row.fetchAll(db, sql: "SELECT * FROM \(quoted) ORDER BY rowid").map { Array($0.databaseValues) }
            }
            return tables
        }
    }

    /// Copies a store (with its WAL and shared-memory files when present) to `folder/name`.
    static func copyStore(_ path: String, to folder: URL, name: String) throws -> String {
        let target = folder.appending(path: name).path
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            try FileManager.default.copyItem(atPath: path + suffix, toPath: target + suffix)
        }
        return target
    }

    /// One operation of the sweep: its arguments for a given store and output folder, and its points.
    struct Operation {
        var name: String
        var arguments: (_ db: String, _ out: String) -> [String]
        var points: [FaultPoint]
    }

    @Test func everyCommitPointLeavesTheOldOrTheNewState() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        func run(_ arguments: [String], fault: FaultPoint? = nil) throws -> Outcome {
            try BuiltHeatctl.run(arguments, environment: fault.map { [FaultPoint.environmentVariable: $0.rawValue] } ?? [:])
        }
        let base = folder.appending(path: "base.db").path
        let keys = folder.appending(path: "keys").path
        let weekA = folder.appending(path: "a.csv").path
        let weekB = folder.appending(path: "b.csv").path
        let clients = folder.appending(path: "clients.csv").path
        let run0 = folder.appending(path: "run0.heat").path
        let head0 = folder.appending(path: "head0.json").path
        let policy = BuiltHeatctl.root.appending(path: "Examples/policy.json").path
        try #require(run(["generate", "--clients", "24", "--managers", "3", "--branches", "2", "--weeks", "4", "--seed", "3",
                          "--out", weekA, "--clients-out", clients, "--quiet"]).status == 0)
        try #require(run(["generate", "--clients", "24", "--managers", "3", "--branches", "2", "--weeks", "5", "--seed", "4",
                          "--out", weekB, "--quiet"]).status == 0)
        try #require(run(["init", "--store", base]).status == 0)
        try #require(run(["keys", "generate", "--out", keys, "--store", base]).status == 0)
        try #require(run(["ingest", weekA, "--clients", clients, "--store", base, "--keys", "\(keys)/collector", "--quiet"]).status == 0)
        try #require(run(["evaluate", "--store", base, "--keys", "\(keys)/evaluator", "--out", run0, "--quiet"]).status == 0)
        try #require(run(["audit", "sign", "--store", base, "--keys", "\(keys)/keyholder", "--first-head", "--head-out", head0]).status == 0)
        let old = try Self.snapshot(base)

        let operations: [Operation] = [
            Operation(name: "ingest", arguments: { db, _ in ["ingest", weekB, "--store", db, "--keys", "\(keys)/collector", "--quiet"] },
                      points: [.ingestBeforeCommit, .ingestAfterCommit]),
            Operation(name: "evaluate", arguments: { db, out in ["evaluate", "--store", db, "--keys", "\(keys)/evaluator", "--out", "\(out)/run.heat", "--quiet"] },
                      points: [.evaluateBeforeCommit, .evaluateAfterCommit]),
            Operation(name: "sign", arguments: { db, out in
                ["audit", "sign", "--store", db, "--keys", "\(keys)/keyholder", "--previous-head", head0, "--head-out", "\(out)/head.json"] },
                      points: [.signBeforeCommit, .signAfterCommit]),
            Operation(name: "release", arguments: { db, out in
                ["release", "--store", db, "--keys", "\(keys)/keyholder", "--run", run0, "--role", "executive", "--out", "\(out)/results.json"] },
                      points: [.releaseBeforeCommit, .releaseAfterCommit]),
            Operation(name: "release-policy", arguments: { db, out in
                ["release", "--store", db, "--keys", "\(keys)/keyholder", "--run", run0, "--role", "executive", "--policy", policy,
                 "--out", "\(out)/results.json"] },
                      points: [.releaseBeforeCommit, .releaseAfterCommit]),
        ]
        var swept = Set<FaultPoint>()
        for operation in operations {
            // The new state's shape: the same operation run to completion on a copy.
            let cleanFolder = folder.appending(path: "\(operation.name)-clean")
            try FileManager.default.createDirectory(at: cleanFolder, withIntermediateDirectories: true)
            let cleanDB = try Self.copyStore(base, to: cleanFolder, name: "heat.db")
            let clean = try run(operation.arguments(cleanDB, cleanFolder.path))
            try #require(clean.status == 0, "\(operation.name) without a fault: \(clean.stderr)")
            let new = try Self.snapshot(cleanDB)
            #expect(new != old, "\(operation.name) must change the store for the sweep to mean anything")

            for point in operation.points {
                let pointFolder = folder.appending(path: "\(operation.name)-\(point.rawValue)")
                try FileManager.default.createDirectory(at: pointFolder, withIntermediateDirectories: true)
                let db = try Self.copyStore(base, to: pointFolder, name: "heat.db")
                let killed = try run(operation.arguments(db, pointFolder.path), fault: point)
                #expect(killed.status == SIGKILL, "\(operation.name) at \(point.rawValue) was not killed: exit \(killed.status) \(killed.stderr)")
                // Nothing was written after the kill: no output file.
                #expect((try FileManager.default.contentsOfDirectory(atPath: pointFolder.path)).allSatisfy { $0.hasPrefix("heat.db") },
                        "\(operation.name) at \(point.rawValue) wrote an output before its commit point")

                let verify = try run(["audit", "verify", "--store", db, "--keys", "\(keys)/auditor", "--expect-head", head0,
                                      "--allow-unsigned-tail", "--quiet"])
                #expect(verify.status == 0, "audit verify after \(operation.name) at \(point.rawValue): \(verify.stderr)")
                let after = try Self.snapshot(db)
                if point.keepsOldState {
                    #expect(after == old, "\(operation.name) at \(point.rawValue) changed the store")
                } else {
                    // The old rows unchanged byte for byte, and exactly the new state's row counts.
                    for (table, rows) in old {
                        #expect(Array((after[table] ?? []).prefix(rows.count)) == rows, "\(table) changed at \(point.rawValue)")
                    }
                    #expect(after.mapValues(\.count) == new.mapValues(\.count), "\(operation.name) at \(point.rawValue) is not the new state")
                    #expect(after != old)
                }
                swept.insert(point)
            }
        }
        #expect(swept == Set(FaultPoint.allCases), "every fault point is swept")
    }

    /// The bounds of Docs/Reliability.md are raised or lowered per process by their variables, and
    /// heatctl exits with the documented code naming the variable.
    @Test func boundsAreConfigurableFromTheEnvironment() throws {
        let policy = BuiltHeatctl.root.appending(path: "Examples/policy.json").path
        let fine = try BuiltHeatctl.run(["policy", "check", "--policy", policy, "--role", "executive"])
        #expect(fine.status == 0, "\(fine.stderr)")
        let small = try BuiltHeatctl.run(["policy", "check", "--policy", policy, "--role", "executive"],
                                         environment: ["HEAT_MAX_CONFIG_BYTES": "64"])
        #expect(small.status == 78)
        #expect(small.stderr.contains("HEAT_MAX_CONFIG_BYTES") && small.stderr.contains("policy.json"))

        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appending(path: "interactions.csv").path
        try #require(BuiltHeatctl.run(["generate", "--clients", "5", "--weeks", "2", "--out", input, "--quiet"]).status == 0)
        #expect(try BuiltHeatctl.run(["heat", input, "--strict", "--quiet"]).status == 0)
        let narrow = try BuiltHeatctl.run(["heat", input, "--strict"], environment: ["HEAT_MAX_LINE_BYTES": "40"])
        #expect(narrow.status == 65)
        #expect(narrow.stderr.contains("HEAT_MAX_LINE_BYTES"))
    }
}
