import Foundation
import Testing
@testable import HeatCore

/// Review s34 MEDIUM 2: SIGINT and SIGTERM cancel `heatctl ingest` and `heatctl evaluate`, so
/// the documented exit 75 is reached from the command line with nothing half-written. The built
/// `heatctl` holds at its first cancellation point (`HEAT_TEST_HOLD_AT_CANCELLATION_POINT`), the
/// test sends the signal there, and checks the exit code, the message, that no file was written,
/// that the store is row for row as before and that `heatctl audit verify` passes.
@Suite(.enabled(if: BuiltHeatctl.url != nil, "heatctl is not built"), .serialized)
struct SignalCancellationCLITests {
    /// Runs `heatctl` with the hold hook armed, sends `signal` once the hook's file exists (and
    /// `secondSignal` once heatctl has said it received the first), and returns the exit status,
    /// stderr and the time from the second signal to the exit.
    static func runInterrupted(_ arguments: [String], signal: Int32, marker: URL, secondSignal: Int32? = nil) throws
        -> (status: Int32, stderr: String, reason: Process.TerminationReason, afterSecondSignal: TimeInterval?) {
        let executable = try #require(BuiltHeatctl.url)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment[CancellationPoint.holdEnvironmentVariable] = marker.path
        environment["NO_COLOR"] = "1"
        if secondSignal != nil { environment[CancellationPoint.holdIgnoringCancellationEnvironmentVariable] = "1" }
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Wait (up to 120 s on a loaded machine) for the command to reach its first cancellation point.
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: marker.path), process.isRunning, Date() < deadline {
            usleep(20_000)
        }
        let reached = FileManager.default.fileExists(atPath: marker.path)
        var early = Data()
        var secondSent: Date?
        if reached {
            kill(process.processIdentifier, signal)
            if let secondSignal {
                // The hold ignores the cancellation, as a stage without a cancellation point does.
                // The second signal goes once heatctl has said it received the first (reading its
                // stderr as it comes, until it ends), never on a guess at how long that takes.
                let name = signal == SIGINT ? "SIGINT" : "SIGTERM"
                while !String(decoding: early, as: UTF8.self).contains("\(name) received") {
                    let chunk = errors.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    early += chunk
                }
                // (Not to a process that already ended: its number may belong to another.)
                if String(decoding: early, as: UTF8.self).contains("\(name) received") {
                    secondSent = Date()
                    kill(process.processIdentifier, secondSignal)
                }
            }
        } else {
            process.terminate()
        }
        let stderr = String(decoding: early + errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(reached, "heatctl never reached a cancellation point: \(stderr)")
        return (process.terminationStatus, stderr, process.terminationReason, secondSent.map { Date().timeIntervalSince($0) })
    }

    /// A store in `folder` with keys and one ingested export, and a later export (two more weeks)
    /// to ingest next: the set-up both signal tests interrupt.
    static func storeWithOneIngestion(in folder: URL) throws -> (db: String, keys: String, later: String) {
        let db = folder.appending(path: "heat.db").path
        let keys = folder.appending(path: "keys").path
        let input = folder.appending(path: "interactions.csv").path
        let later = folder.appending(path: "later.csv").path
        let clientsFile = folder.appending(path: "clients.csv").path
        func run(_ arguments: [String]) throws -> BuiltHeatctl.Outcome { try BuiltHeatctl.run(arguments) }
        #expect(try run(["generate", "--clients", "40", "--managers", "2", "--branches", "2", "--weeks", "6", "--out", input,
                         "--clients-out", clientsFile]).status == 0)
        #expect(try run(["generate", "--clients", "40", "--managers", "2", "--branches", "2", "--weeks", "8", "--seed", "9",
                         "--out", later]).status == 0)
        #expect(try run(["init", "--store", db]).status == 0)
        #expect(try run(["keys", "generate", "--out", keys, "--store", db]).status == 0)
        let first = try run(["ingest", input, "--store", db, "--keys", "\(keys)/collector", "--clients", clientsFile])
        #expect(first.status == 0, "\(first.stderr)")
        return (db, keys, later)
    }

    @Test func sigintCancelsAnIngestionAndSigtermAnEvaluationWithExit75() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (db, keys, later) = try Self.storeWithOneIngestion(in: folder)
        func run(_ arguments: [String]) throws -> BuiltHeatctl.Outcome { try BuiltHeatctl.run(arguments) }
        let head = folder.appending(path: "head.json").path
        let signed = try run(["audit", "sign", "--store", db, "--keys", "\(keys)/keyholder", "--first-head", "--head-out", head])
        #expect(signed.status == 0, "\(signed.stderr)")
        let before = try FaultInjectionTests.snapshot(db)

        // SIGINT during the ingestion of a second export: exit 75, nothing committed.
        let ingest = try Self.runInterrupted(
            ["ingest", later, "--store", db, "--keys", "\(keys)/collector"], signal: SIGINT, marker: folder.appending(path: "ingest.ready"))
        #expect(ingest.status == 75, "ingest after SIGINT: \(ingest.stderr)")
        #expect(ingest.stderr.contains("SIGINT received") && ingest.stderr.contains("ingestion was cancelled"), "\(ingest.stderr)")
        #expect(try FaultInjectionTests.snapshot(db) == before, "the interrupted ingestion left the store as it was")

        // SIGTERM during the evaluation: exit 75, no run file, nothing logged.
        let runFile = folder.appending(path: "run.heat")
        let evaluate = try Self.runInterrupted(
            ["evaluate", "--store", db, "--keys", "\(keys)/evaluator", "--out", runFile.path], signal: SIGTERM,
            marker: folder.appending(path: "evaluate.ready"))
        #expect(evaluate.status == 75, "evaluate after SIGTERM: \(evaluate.stderr)")
        #expect(evaluate.stderr.contains("SIGTERM received") && evaluate.stderr.contains("heat evaluation was cancelled"), "\(evaluate.stderr)")
        #expect(!FileManager.default.fileExists(atPath: runFile.path), "no run file")
        #expect(try FaultInjectionTests.snapshot(db) == before, "the interrupted evaluation logged nothing")

        let verify = try run(["audit", "verify", "--store", db, "--keys", "\(keys)/auditor", "--expect-head", head, "--quiet"])
        #expect(verify.status == 0, "the store still verifies: \(verify.stderr)")
        // And the same commands uninterrupted succeed.
        #expect(try run(["ingest", later, "--store", db, "--keys", "\(keys)/collector"]).status == 0)
        #expect(try run(["evaluate", "--store", db, "--keys", "\(keys)/evaluator", "--out", runFile.path]).status == 0)
    }

    /// Review s35 HIGH 1: a second signal ends the process at once with 128 + its number, even
    /// while the work ignores the cancellation, and the store keeps exactly its old state.
    @Test func aSecondSignalStopsAtOnceWithTheStoreUnchanged() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (db, keys, later) = try Self.storeWithOneIngestion(in: folder)
        func run(_ arguments: [String]) throws -> BuiltHeatctl.Outcome { try BuiltHeatctl.run(arguments) }
        let before = try FaultInjectionTests.snapshot(db)
        let ingest = try Self.runInterrupted(
            ["ingest", later, "--store", db, "--keys", "\(keys)/collector"], signal: SIGINT,
            marker: folder.appending(path: "ingest.ready"), secondSignal: SIGTERM)
        #expect(ingest.reason == .exit && ingest.status == 128 + SIGTERM, "second signal: \(ingest.status) \(ingest.stderr)")
        // Measured from the second signal: the hold it cuts short lasts 120 s.
        #expect((ingest.afterSecondSignal ?? .infinity) < 100, "the second signal did not wait for the 120 s hold")
        #expect(ingest.stderr.contains("SIGINT received: stopping at the next cancellation point"), "\(ingest.stderr)")
        #expect(try FaultInjectionTests.snapshot(db) == before, "the killed ingestion left the store as it was")
        #expect(try run(["ingest", later, "--store", db, "--keys", "\(keys)/collector"]).status == 0)
    }
}
