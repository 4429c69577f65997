import Foundation
import GRDB
import Testing
@testable import HeatCore

/// Whether the fault sweep runs: always when `heatctl` is built, and under `CI=1` (or `CI=true`)
/// also when it is not, so that a missing binary fails the sweep in CI instead of skipping it.
enum FaultSweepGate {
    /// The decision for a build state and an environment.
    static func enabled(heatctlBuilt: Bool, environment: [String: String]) -> Bool {
        heatctlBuilt || ["1", "true"].contains(environment["CI"]?.lowercased() ?? "")
    }

    /// The decision for this process.
    static var enabled: Bool { enabled(heatctlBuilt: BuiltHeatctl.url != nil, environment: ProcessInfo.processInfo.environment) }

    /// Fails the calling test when `heatctl` is not built (reached only under CI=1).
    static func requireHeatctl() throws {
        try #require(BuiltHeatctl.url != nil,
                     "CI is set and heatctl is not built: build it with swift build --build-tests; the fault sweep must not be skipped in CI")
    }
}

@Suite struct FaultSweepGateTests {
    @Test func theSweepFailsInsteadOfSkippingInCI() {
        #expect(FaultSweepGate.enabled(heatctlBuilt: true, environment: [:]))
        #expect(!FaultSweepGate.enabled(heatctlBuilt: false, environment: [:]))
        #expect(!FaultSweepGate.enabled(heatctlBuilt: false, environment: ["CI": "0"]))
        #expect(FaultSweepGate.enabled(heatctlBuilt: false, environment: ["CI": "1"]))
        #expect(FaultSweepGate.enabled(heatctlBuilt: false, environment: ["CI": "true"]))
    }
}

/// Kills the built `heatctl` (SIGKILL, through `HEAT_FAULT_POINT`) at every commit point of
/// ingestion, evaluation, encrypted scoring, signing, release and risk-portfolio release, and
/// checks that the store still verifies and holds exactly the old state (before the commit) or
/// the new one (after it), compared byte for byte on every chained table.
@Suite(.enabled(if: FaultSweepGate.enabled, "heatctl is not built (with CI=1 the sweep fails instead)"), .serialized)
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
        /// For an operation that commits an earlier step before its points (`evaluate --model`
        /// commits the heat evaluation, then the score run): the arguments of that earlier step
        /// alone, whose completed state's row counts the store must hold at a before-commit point
        /// (the old rows unchanged). `nil`: exactly the old state.
        var earlierStep: ((_ db: String, _ out: String) -> [String])? = nil
        /// Files the operation writes before its points (the earlier step's output).
        var earlierOutputs: Set<String> = []
        /// Whether the operation deletes rows under signed tombstones (retention, erasure): after
        /// its commit, the old rows that remain (by `seq`) are compared byte for byte instead of
        /// the old tables as a prefix.
        var deletesRows = false
        /// Whether the operation signs the store in the same transaction as its change (issue 27:
        /// `directory move | close` since s36; `retention apply`, `erase`, `keys rotate` with and
        /// without `--collector` / `--fhe`, and `keys revoke --collector` since s37): at every
        /// point the store then verifies with **no** unsigned rows (the old state under the
        /// previous head, or the change under its own), and so does the completed run under the
        /// head file it wrote.
        var signsWithTheChange = false
        /// The key holder folder whose signing key is current after the operation, relative to its
        /// output folder (`keys rotate` of the signing key: `keys-gen2/keyholder`); `nil` for the
        /// original `keys/keyholder`. The stale-head recovery signs with it (review s38 keys27c L5).
        var newKeyHolderFolder: String? = nil
    }

    static func run(_ arguments: [String], fault: FaultPoint? = nil) throws -> Outcome {
        try BuiltHeatctl.run(arguments, environment: fault.map { [FaultPoint.environmentVariable: $0.rawValue] } ?? [:])
    }

    /// Runs every operation to completion on a copy of `base`, then once per point on another copy
    /// with the point armed, and checks the killed store against the old and the completed states.
    ///
    /// - Returns: the points swept.
    static func sweep(_ operations: [Operation], base: String, keys: String, head: String, in folder: URL) throws -> Set<FaultPoint> {
        let old = try snapshot(base)
        var swept = Set<FaultPoint>()
        func completed(_ name: String, _ arguments: (String, String) -> [String], strictHead: Bool = false) throws -> Snapshot {
            let cleanFolder = folder.appending(path: name)
            try FileManager.default.createDirectory(at: cleanFolder, withIntermediateDirectories: true)
            let cleanDB = try copyStore(base, to: cleanFolder, name: "heat.db")
            let clean = try run(arguments(cleanDB, cleanFolder.path))
            try #require(clean.status == 0, "\(name) without a fault: \(clean.stderr)")
            if strictHead {
                // Issue 27 s37: the completed change is covered by the head it wrote, with no unsigned row.
                let newHead = cleanFolder.appending(path: "head.json").path
                let verify = try run(["audit", "verify", "--store", cleanDB, "--keys", "\(keys)/auditor", "--expect-head", newHead, "--quiet"])
                #expect(verify.status == 0, "strict audit verify after \(name) under its new head: \(verify.stderr)")
                #expect(try SignedHead.read(from: URL(filePath: newHead)) != SignedHead.read(from: URL(filePath: head)),
                        "\(name) wrote a new head")
            }
            return try snapshot(cleanDB)
        }
        for operation in operations {
            // The new state's shape: the same operation run to completion on a copy.
            let new = try completed("\(operation.name)-clean", operation.arguments, strictHead: operation.signsWithTheChange)
            #expect(new != old, "\(operation.name) must change the store for the sweep to mean anything")
            let intermediate = try operation.earlierStep.map { try completed("\(operation.name)-earlier", $0) }

            for point in operation.points {
                let pointFolder = folder.appending(path: "\(operation.name)-\(point.rawValue)")
                try FileManager.default.createDirectory(at: pointFolder, withIntermediateDirectories: true)
                let db = try copyStore(base, to: pointFolder, name: "heat.db")
                let killed = try run(operation.arguments(db, pointFolder.path), fault: point)
                #expect(killed.status == SIGKILL, "\(operation.name) at \(point.rawValue) was not killed: exit \(killed.status) \(killed.stderr)")
                // Nothing was written after the kill: no output file (but the earlier step's).
                let written = try FileManager.default.contentsOfDirectory(atPath: pointFolder.path)
                // Session 42 (keys rotate): the new keys are written into `NEWDIR.partial-<random>`
                // and moved into NEWDIR only after the commit, so a kill before it leaves the
                // staging folder (no key the store recorded) and never NEWDIR.
                let staged = written.filter { name in operation.earlierOutputs.contains { name.hasPrefix("\($0).partial-") } }
                #expect(written.allSatisfy { $0.hasPrefix("heat.db") || operation.earlierOutputs.contains($0) || staged.contains($0) },
                        "\(operation.name) at \(point.rawValue) wrote an output before its commit point: \(written.sorted())")
                if !staged.isEmpty {
                    #expect(point.keepsOldState && !written.contains { operation.earlierOutputs.contains($0) },
                            "\(operation.name) at \(point.rawValue): keys in NEWDIR before the commit, or a staging folder after it: \(written.sorted())")
                }

                let verify = try run(["audit", "verify", "--store", db, "--keys", "\(keys)/auditor", "--expect-head", head, "--quiet"]
                                     + (operation.signsWithTheChange ? [] : ["--allow-unsigned-tail"]))
                #expect(verify.status == 0, "audit verify after \(operation.name) at \(point.rawValue): \(verify.stderr)")
                let after = try snapshot(db)
                if point.keepsOldState, intermediate == nil {
                    #expect(after == old, "\(operation.name) at \(point.rawValue) changed the store")
                } else {
                    // The old rows unchanged byte for byte, and exactly the row counts of the state
                    // expected at this point (the earlier step's, or the completed operation's).
                    for (table, rows) in old {
                        if operation.deletesRows {
                            let kept = Dictionary(rows.map { ($0.first ?? .null, $0) }) { first, _ in first }
                            for row in after[table] ?? [] {
                                guard let before = kept[row.first ?? .null] else { continue }
                                #expect(row == before, "\(table) row \(row.first ?? .null) changed at \(point.rawValue)")
                            }
                        } else {
                            #expect(Array((after[table] ?? []).prefix(rows.count)) == rows, "\(table) changed at \(point.rawValue)")
                        }
                    }
                    let expected = point.keepsOldState ? (intermediate ?? old) : new
                    #expect(after.mapValues(\.count) == expected.mapValues(\.count), "\(operation.name) at \(point.rawValue) is not the expected state")
                    if !point.keepsOldState { #expect(after.mapValues(\.count) != (intermediate ?? old).mapValues(\.count)) }
                }
                if operation.signsWithTheChange && !point.keepsOldState {
                    try Self.checkStaleHeadFile(
                        operation: operation, point: point, db: db, keys: keys, head: head, in: pointFolder, old: old, after: after)
                }
                swept.insert(point)
            }
        }
        return swept
    }

    /// Issue 27 (s38, item 5): at a signing operation's `*.after-commit` point the change and its
    /// signed head are committed but the head FILE is not written, so the operator's head file
    /// (`head`) is stale. What must hold there, asserted explicitly:
    /// 1. the signed head was committed with the change (one more `signed_heads` row than the old
    ///    state, the same number as the completed run) and no head file was written;
    /// 2. strict `audit verify --expect-head` with the stale file exits 0 and reports it as an
    ///    earlier head still in the store ("intact (expected head matches)") while counting the
    ///    later head ("N+1 signed heads"): a stale head file is not a violation, only behind;
    /// 3. the next signing command recovers: `audit sign --previous-head` with the stale file
    ///    (and the key now current: the new one after `keys rotate`) writes a fresh head file,
    ///    under which strict `audit verify` exits 0.
    static func checkStaleHeadFile(
        operation: Operation, point: FaultPoint, db: String, keys: String, head: String, in folder: URL, old: Snapshot, after: Snapshot
    ) throws {
        let label = "\(operation.name) at \(point.rawValue)"
        let oldHeads = old[ChainedTable.signedHeads.name]?.count ?? 0
        #expect(after[ChainedTable.signedHeads.name]?.count == oldHeads + 1, "\(label): the signed head is committed with the change")
        #expect(!FileManager.default.fileExists(atPath: folder.appending(path: "head.json").path), "\(label): no head file written")
        let report = try run(["audit", "verify", "--store", db, "--keys", "\(keys)/auditor", "--expect-head", head])
        #expect(report.status == 0, "\(label): strict audit verify with the stale head file: \(report.stderr)")
        #expect(report.stdoutText.contains("\(oldHeads + 1) signed heads by the pinned key"), "\(label): \(report.stdoutText)")
        #expect(report.stdoutText.contains("intact (expected head matches)"), "\(label): \(report.stdoutText)")
        let signingKeys = operation.newKeyHolderFolder.map { folder.appending(path: $0).path } ?? "\(keys)/keyholder"
        let recoveredHead = folder.appending(path: "recovered-head.json").path
        let recovered = try run(["audit", "sign", "--store", db, "--keys", signingKeys, "--previous-head", head, "--head-out", recoveredHead])
        #expect(recovered.status == 0, "\(label): the next audit sign recovers: \(recovered.stderr)")
        let verified = try run(["audit", "verify", "--store", db, "--keys", "\(keys)/auditor", "--expect-head", recoveredHead, "--quiet"])
        #expect(verified.status == 0, "\(label): strict audit verify under the recovered head: \(verified.stderr)")
    }

    @Test func everyCommitPointLeavesTheOldOrTheNewState() throws {
        try FaultSweepGate.requireHeatctl()
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        func run(_ arguments: [String]) throws -> Outcome { try Self.run(arguments) }
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
        // Risk scores for the portfolio release: two segments of twelve clients.
        let riskScores = folder.appending(path: "risk-scores.csv").path
        var csv = "client_id,segment,risk_score,risk_band\n"
        for i in 0..<24 { csv += "c\(i),\(i < 12 ? "retail" : "business"),\(i % 3 == 0 ? 80 : 20),\(i % 3 == 0 ? "High" : "Low")\n" }
        try csv.write(toFile: riskScores, atomically: true, encoding: .utf8)

        // Issue 27: the key holder's store changes drop rows (retention, erasure) or append signed
        // records (rotation, revocation, directory versions), each with its signed head in one
        // durable transaction (s37), so strict `audit verify` holds at every point.
        let targets = try Self.keyHolderTargets(base)
        let keyholder = "\(keys)/keyholder"
        let operations: [Operation] = [
            Operation(name: "retention", arguments: { db, out in
                ["retention", "apply", "--store", db, "--keys", keyholder, "--before", targets.cutoff, "--window-weeks", "1",
                 "--previous-head", head0, "--head-out", "\(out)/head.json", "--quiet"] },
                      points: [.retentionUnsignedBeforeCommit, .retentionBeforeCommit, .retentionAfterCommit], deletesRows: true,
                      signsWithTheChange: true),
            Operation(name: "erase", arguments: { db, out in
                ["erase", "--store", db, "--keys", keyholder, "--client", targets.client, "--previous-head", head0,
                 "--head-out", "\(out)/head.json", "--quiet"] },
                      points: [.eraseUnsignedBeforeCommit, .eraseBeforeCommit, .eraseAfterCommit], deletesRows: true,
                      signsWithTheChange: true),
            Operation(name: "rotate", arguments: { db, out in
                ["keys", "rotate", "--store", db, "--keys", keyholder, "--out", "\(out)/keys-gen2", "--previous-head", head0,
                 "--head-out", "\(out)/head.json", "--quiet"] },
                      points: [.rotateUnsignedBeforeCommit, .rotateBeforeCommit, .rotateAfterCommit], earlierOutputs: ["keys-gen2"],
                      signsWithTheChange: true, newKeyHolderFolder: "keys-gen2/keyholder"),
            // Issue 27 item 1: the FHE key rotation (re-encryption in the vault) is one transaction too.
            Operation(name: "rotate-fhe", arguments: { db, out in
                ["keys", "rotate", "--fhe", "--store", db, "--keys", keyholder, "--out", "\(out)/keys-fhe2", "--previous-head", head0,
                 "--head-out", "\(out)/head.json", "--quiet"] },
                      points: [.rotateFHEReencrypting, .rotateUnsignedBeforeCommit, .rotateBeforeCommit, .rotateAfterCommit],
                      earlierOutputs: ["keys-fhe2"], signsWithTheChange: true),
            // Issue 27 item 5: the collector's ingestion key rotation, at the same commit points.
            Operation(name: "rotate-collector", arguments: { db, out in
                ["keys", "rotate", "--collector", "--store", db, "--keys", keyholder, "--out", "\(out)/collector-gen2",
                 "--previous-head", head0, "--head-out", "\(out)/head.json", "--quiet"] },
                      points: [.rotateUnsignedBeforeCommit, .rotateBeforeCommit, .rotateAfterCommit], earlierOutputs: ["collector-gen2"],
                      signsWithTheChange: true),
            // Issue 27 s37: revoking a collector key signs with the retirement too (the rotate points).
            Operation(name: "revoke-collector", arguments: { db, out in
                ["keys", "revoke", "--collector", targets.collectorKey, "--store", db, "--keys", keyholder, "--previous-head", head0,
                 "--head-out", "\(out)/head.json", "--quiet"] },
                      points: [.rotateUnsignedBeforeCommit, .rotateBeforeCommit, .rotateAfterCommit], signsWithTheChange: true),
            Operation(name: "directory", arguments: { db, out in
                ["directory", "move", "--store", db, "--keys", keyholder, "--client", targets.client, "--manager", targets.manager,
                 "--from-week", targets.cutoff, "--previous-head", head0, "--head-out", "\(out)/head.json", "--quiet"] },
                      points: [.directoryUnsignedBeforeCommit, .directoryBeforeCommit, .directoryAfterCommit], signsWithTheChange: true),
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
            Operation(name: "risk-portfolio", arguments: { db, out in
                ["risk", "portfolio", "--scores", riskScores, "--policy", policy, "--role", "executive", "--group", "segment=segment",
                 "--store", db, "--id-column", "client_id", "--out", "\(out)/portfolio.json"] },
                      points: [.riskReleaseBeforeCommit, .riskReleaseAfterCommit]),
        ]
        let swept = try Self.sweep(operations, base: base, keys: keys, head: head0, in: folder)
        let scoring: Set<FaultPoint> = [.scoreBeforeCommit, .scoreAfterCommit]
        #expect(swept.union(scoring) == Set(FaultPoint.allCases), "every fault point is swept (scoring in scoreRunCommitPoints)")
    }

    /// The arguments the key holder's operations of the sweep need from the base store: the
    /// second stored week (a retention cutoff that drops the first), the first client's masked
    /// reference, another manager's and the collector key's id (8 hex digits of its fingerprint).
    static func keyHolderTargets(_ path: String) throws -> (cutoff: String, client: String, manager: String, collectorKey: String) {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        func hex(_ data: Data) -> String { data.map { String(format: "%02x", $0) }.joined() }
        return try queue.read { db in
            let weeks = try String.fetchAll(db, sql: "SELECT DISTINCT week FROM ciphertexts ORDER BY week")
            let first = try #require(try Row.fetchOne(db, sql: "SELECT pseudonym, manager_pseudonym FROM client_directory ORDER BY seq LIMIT 1"))
            let client: Data = first[0]
            let own: Data = first[1]
            let other = try #require(try Data.fetchOne(
                db, sql: "SELECT manager_pseudonym FROM client_directory WHERE manager_pseudonym != ? LIMIT 1", arguments: [own]))
            let collectorKey = try #require(try String.fetchOne(db, sql: "SELECT fingerprint FROM collector_keys ORDER BY seq LIMIT 1"))
            try #require(weeks.count >= 2)
            return (weeks[1], "C-" + hex(client).prefix(8), "M-" + hex(other).prefix(8), String(collectorKey.prefix(8)))
        }
    }

    /// `evaluate --model`: the heat evaluation commits first, then the score run; killed at the
    /// score run's points the store holds the evaluation and either no score run or all of it.
    @Test func scoreRunCommitPoints() throws {
        try FaultSweepGate.requireHeatctl()
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        func run(_ arguments: [String]) throws -> Outcome { try Self.run(arguments) }
        let path = { (name: String) in folder.appending(path: name).path }
        let base = path("base.db"), keys = path("keys"), head0 = path("head0.json")
        try #require(run(["generate", "--clients", "80", "--managers", "4", "--branches", "2", "--weeks", "12", "--seed", "5",
                          "--out", path("i.csv"), "--clients-out", path("c.csv"), "--labels-out", path("labels.csv"), "--quiet"]).status == 0)
        try #require(run(["init", "--store", base]).status == 0)
        try #require(run(["keys", "generate", "--out", keys, "--store", base, "--preset", "n8192-logq217-logt41"]).status == 0)
        try #require(run(["ingest", path("i.csv"), "--store", base, "--keys", "\(keys)/collector", "--clients", path("c.csv"),
                          "--features", "--quiet"]).status == 0)
        try #require(run(["labels", "pseudonymise", "--keys", "\(keys)/collector", "--labels", path("labels.csv"),
                          "--out", path("masked.csv")]).status == 0)
        let features = try run(["features", "--store", base, "--keys", "\(keys)/keyholder", "--labels", path("masked.csv"), "--out", path("train.csv")])
        try #require(features.status == 0, "\(features.stderr)")
        let train = try run(["ml", "train", "--data", path("train.csv"), "--target", "churned", "--positive", "true", "--model", "logistic",
                             "--ignore", "churn_week", "--out", path("churn.model")])
        try #require(train.status == 0, "\(train.stderr)")
        try #require(run(["audit", "sign", "--store", base, "--keys", "\(keys)/keyholder", "--first-head", "--head-out", head0]).status == 0)
        let model = path("churn.model")
        let operations = [
            Operation(name: "score", arguments: { db, out in
                ["evaluate", "--store", db, "--keys", "\(keys)/evaluator", "--out", "\(out)/run.heat", "--model", model,
                 "--scores-out", "\(out)/scores.heat", "--quiet"] },
                      points: [.scoreBeforeCommit, .scoreAfterCommit],
                      earlierStep: { db, out in ["evaluate", "--store", db, "--keys", "\(keys)/evaluator", "--out", "\(out)/run.heat", "--quiet"] },
                      earlierOutputs: ["run.heat"]),
        ]
        let swept = try Self.sweep(operations, base: base, keys: keys, head: head0, in: folder)
        #expect(swept == [.scoreBeforeCommit, .scoreAfterCommit])
    }

    /// The bounds of Docs/Reliability.md are raised or lowered per process by their variables, and
    /// heatctl exits with the documented code naming the variable.
    @Test func boundsAreConfigurableFromTheEnvironment() throws {
        try FaultSweepGate.requireHeatctl()
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
