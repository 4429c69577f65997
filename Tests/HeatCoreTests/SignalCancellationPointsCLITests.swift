import Foundation
import Testing
@testable import HeatCore

/// Review s35: SIGINT or SIGTERM at **later** cancellation points than the first. The built
/// `heatctl` holds at the `N`-th point of one stage (`HEAT_TEST_HOLD_AT_CANCELLATION_STAGE`):
/// `ingest` in the middle of its read loop (after 4,096 rows) and after the collector's first
/// chunk was encrypted and appended inside the open transaction while the sealed spill's runs are
/// being merged (`HEAT_TEST_TOTALS_IN_MEMORY` makes the small export spill), `evaluate` after its
/// last window, before the run is logged. Each exits 75 naming the stage, writes no file, and
/// leaves the store row for row as it was, so `audit verify` still passes.
@Suite(.enabled(if: BuiltHeatctl.url != nil, "heatctl is not built"), .serialized)
struct SignalCancellationPointsCLITests {
    /// The outcome of one interrupted command.
    struct Interrupted {
        var status: Int32
        var stderr: String
        /// The hold file's line: `ready STAGE DONE/TOTAL`.
        var heldAt: String
    }

    /// Runs `heatctl` holding at the `number`-th point of `stage`, sends `signal` there, and
    /// returns the exit status, stderr and where it held.
    static func run(
        _ arguments: [String], holdingAt stage: String, number: Int, signal: Int32, marker: URL, environment extra: [String: String] = [:]
    ) throws -> Interrupted {
        let process = Process()
        process.executableURL = try #require(BuiltHeatctl.url)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment[CancellationPoint.holdEnvironmentVariable] = marker.path
        environment[CancellationPoint.holdStageEnvironmentVariable] = "\(stage):\(number)"
        environment["NO_COLOR"] = "1"
        for (name, value) in extra { environment[name] = value }
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: marker.path), process.isRunning, Date() < deadline { usleep(20_000) }
        let reached = FileManager.default.fileExists(atPath: marker.path)
        if reached { kill(process.processIdentifier, signal) } else { process.terminate() }
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(reached, "heatctl never reached point \(number) of \(stage): \(stderr)")
        let held = (try? String(contentsOf: marker, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return Interrupted(status: process.terminationStatus, stderr: stderr, heldAt: held)
    }

    /// `ready STAGE DONE/TOTAL` parsed to `(done, total)`.
    static func counts(_ held: String) -> (done: Int, total: Int)? {
        for word in held.split(separator: " ") {
            let parts = word.split(separator: "/", omittingEmptySubsequences: false)
            if parts.count == 2, let done = Int(parts[0]), let total = Int(parts[1]) { return (done, total) }
        }
        return nil
    }

    /// The value of `name=V` in a hold line (`ready encryption 2048/12000 spill-runs=3`).
    static func detail(_ name: String, in held: String) -> Int? {
        held.split(whereSeparator: { $0 == " " || $0 == "\n" }).first { $0.hasPrefix("\(name)=") }.flatMap { Int($0.dropFirst(name.count + 1)) }
    }

    @Test func signalsAtLaterPointsOfIngestAndEvaluateLeaveTheStoreUnchanged() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appending(path: "heat.db").path
        let keys = folder.appending(path: "keys").path
        let input = folder.appending(path: "interactions.csv").path
        let later = folder.appending(path: "later.csv").path
        let clientsFile = folder.appending(path: "clients.csv").path
        func run(_ arguments: [String], environment: [String: String] = [:]) throws -> BuiltHeatctl.Outcome {
            try BuiltHeatctl.run(arguments, environment: environment)
        }
        #expect(try run(["generate", "--clients", "20", "--managers", "2", "--branches", "2", "--weeks", "4", "--out", input,
                         "--clients-out", clientsFile]).status == 0)
        // More than 4,096 rows (two read-loop points) and 52 (week, batch) groups (two chunks of 32).
        #expect(try run(["generate", "--clients", "60", "--managers", "3", "--branches", "2", "--weeks", "52", "--seed", "17",
                         "--out", later]).status == 0)
        let rows = try String(contentsOfFile: later, encoding: .utf8).split(separator: "\n").count - 1
        try #require(rows > StoreIngestor.rowsPerCancellationCheck, "the later export has \(rows) rows")
        #expect(try run(["init", "--store", db]).status == 0)
        #expect(try run(["keys", "generate", "--out", keys, "--store", db]).status == 0)
        let first = try run(["ingest", input, "--store", db, "--keys", "\(keys)/collector", "--clients", clientsFile])
        #expect(first.status == 0, "\(first.stderr)")
        let head = folder.appending(path: "head.json").path
        let signed = try run(["audit", "sign", "--store", db, "--keys", "\(keys)/keyholder", "--first-head", "--head-out", head])
        #expect(signed.status == 0, "\(signed.stderr)")
        let before = try FaultInjectionTests.snapshot(db)
        let spill = [StoreIngestor.totalsInMemoryEnvironmentVariable: "64"]
        let ingest = ["ingest", later, "--store", db, "--keys", "\(keys)/collector"]

        // 1. Mid-stream: the read loop's second point, 4,096 rows in.
        let reading = try Self.run(ingest, holdingAt: "ingestion", number: 2, signal: SIGINT, marker: folder.appending(path: "read.ready"))
        #expect(reading.heldAt == "ready ingestion 4096/0", "\(reading.heldAt)")
        #expect(reading.status == 75, "ingest after SIGINT mid-stream: \(reading.stderr)")
        #expect(reading.stderr.contains("ingestion was cancelled"), "\(reading.stderr)")
        #expect(try FaultInjectionTests.snapshot(db) == before, "a SIGINT in the read loop left the store as it was")

        // 2. During the spill merge and the store append: the collector's second chunk point, after
        //    the first chunk's ciphertexts and sealed states were appended in the open transaction,
        //    with the spilled runs still being merged.
        let appending = try Self.run(
            ingest, holdingAt: "encryption", number: 2, signal: SIGTERM, marker: folder.appending(path: "append.ready"), environment: spill)
        let held = try #require(Self.counts(appending.heldAt), "\(appending.heldAt)")
        #expect(appending.heldAt.hasPrefix("ready encryption ") && held.done > 0 && held.done < held.total,
                "held after the first chunk with totals left to merge: \(appending.heldAt)")
        // The export really spilled (review s37 MEDIUM 8): the totals came from several sealed
        // runs, which the collector was still merging.
        let runs = try #require(Self.detail("spill-runs", in: appending.heldAt), "\(appending.heldAt)")
        #expect(runs > 1, "sealed runs spilled before the merge: \(appending.heldAt)")
        #expect(appending.status == 75, "ingest after SIGTERM during the append: \(appending.stderr)")
        #expect(appending.stderr.contains("SIGTERM received") && appending.stderr.contains("encryption was cancelled"), "\(appending.stderr)")
        #expect(try FaultInjectionTests.snapshot(db) == before, "a SIGTERM after the first chunk's append left the store as it was")

        // 3. The evaluation's last point: every window evaluated, the run not yet logged or written.
        let runFile = folder.appending(path: "run.heat")
        let evaluating = try Self.run(
            ["evaluate", "--store", db, "--keys", "\(keys)/evaluator", "--out", runFile.path], holdingAt: "heat evaluation", number: 2,
            signal: SIGINT, marker: folder.appending(path: "evaluate.ready"))
        let windows = try #require(Self.counts(evaluating.heldAt), "\(evaluating.heldAt)")
        #expect(windows.done == windows.total && windows.total > 0, "held after the last window: \(evaluating.heldAt)")
        #expect(evaluating.status == 75, "evaluate after SIGINT before logging: \(evaluating.stderr)")
        #expect(evaluating.stderr.contains("heat evaluation was cancelled"), "\(evaluating.stderr)")
        #expect(!FileManager.default.fileExists(atPath: runFile.path), "no run file")
        #expect(try FaultInjectionTests.snapshot(db) == before, "the interrupted evaluation logged nothing")

        let verify = try run(["audit", "verify", "--store", db, "--keys", "\(keys)/auditor", "--expect-head", head, "--quiet"])
        #expect(verify.status == 0, "the store still verifies: \(verify.stderr)")
        // The same commands uninterrupted (the spilling one included) succeed.
        let done = try run(ingest, environment: spill)
        #expect(done.status == 0, "\(done.stderr)")
        #expect(try run(["evaluate", "--store", db, "--keys", "\(keys)/evaluator", "--out", runFile.path]).status == 0)
    }
}
