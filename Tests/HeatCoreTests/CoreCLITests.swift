import Foundation
import Testing
@testable import HeatCore

/// Runs the built `heatctl` (found next to the tests in `.build/<configuration>/`, or at `$HEATCTL`)
/// for the `generate`, `heat` and `demo` commands: exit codes, files and JSON output.
@Suite(.enabled(if: BuiltHeatctl.url != nil, "heatctl is not built"))
struct CoreCLITests {
    typealias Outcome = BuiltHeatctl.Outcome

    func run(_ arguments: [String]) throws -> Outcome { try BuiltHeatctl.run(arguments) }

    func makeFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appending(path: "heat-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func generateIsDeterministicAndHeatWritesScores() throws {
        let folder = try makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let a = folder.appending(path: "a.csv").path
        let b = folder.appending(path: "b.csv").path
        let clients = folder.appending(path: "clients.csv").path
        #expect(try run(["generate", "--clients", "80", "--managers", "8", "--branches", "2", "--seed", "5", "--out", a, "--clients-out", clients]).status == 0)
        #expect(try run(["generate", "--clients", "80", "--managers", "8", "--branches", "2", "--seed", "5", "--out", b]).status == 0)
        #expect(try Data(contentsOf: URL(filePath: a)) == Data(contentsOf: URL(filePath: b)))
        let scores = folder.appending(path: "scores.csv").path
        #expect(try run(["heat", a, "--clients", clients, "--out", scores]).status == 0)
        let lines = try String(contentsOfFile: scores, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "client_id,heat,trend,level,cooling")
        #expect(lines.count == 81)
        let json = try run(["heat", a, "--clients", clients, "--json"])
        #expect(json.status == 0)
        let document = try ResultsDocument.decode(json.stdout)
        #expect(document.population?.clients == 80)
        #expect(document.weekly?.count == 52 * 4)
    }

    @Test func heatExitCodes() throws {
        let folder = try makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let bad = folder.appending(path: "bad.csv")
        try Data("""
            client_id,manager_id,branch,channel,direction,occurred_at,duration_seconds,replied_within_hours
            C1,M1,B1,call,inbound,2026-02-16T09:30:00Z,60,
            C1,M1,B1,call,inbound,2026-02-16T09:30:00Z,-1,

            """.utf8).write(to: bad)
        let lenient = try run(["heat", bad.path])
        #expect(lenient.status == 65)
        #expect(lenient.stderr.contains("bad.csv:3: column 7 (duration_seconds): negative duration"))
        #expect(String(decoding: lenient.stdout, as: UTF8.self).contains("scored 1 client from 1 interaction"))
        #expect(try run(["heat", bad.path, "--strict"]).status == 65)

        let config = folder.appending(path: "heat.json")
        try Data(#"{"decayScale": 0}"#.utf8).write(to: config)
        let badConfig = try run(["heat", bad.path, "--config", config.path])
        #expect(badConfig.status == 78)
        #expect(badConfig.stderr.contains("decayScale"))

        #expect(try run(["heat", folder.appending(path: "missing.csv").path]).status == 66)
        #expect(try run(["heat", bad.path, "--as-of", "yesterday"]).status == 64)
        let empty = folder.appending(path: "empty.csv")
        try Data().write(to: empty)
        let emptyRun = try run(["heat", empty.path])
        #expect(emptyRun.status == 65)
        #expect(emptyRun.stderr.contains("the file is empty"))
    }

    @Test func demoWritesResultsAndPrintsJSON() throws {
        let folder = try makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outcome = try run(["demo", "--clients", "150", "--weeks", "20", "--out", folder.path, "--json"])
        #expect(outcome.status == 0)
        let printed = try ResultsDocument.decode(outcome.stdout)
        let written = try ResultsDocument.decode(Data(contentsOf: folder.appending(path: "results.json")))
        #expect(printed == written)
        #expect(FileManager.default.fileExists(atPath: folder.appending(path: "index.html").path))
        #expect(printed.role == "executive" && printed.clients == nil, "the demo releases to an executive: no per-client values")
        #expect(printed.groups?.contains { $0.kind == .manager } == true)
        let summary = try run(["demo", "--clients", "150", "--weeks", "20", "--out", folder.path])
        let text = String(decoding: summary.stdout, as: UTF8.self)
        #expect(text.contains("top managers by mean heat"))
        #expect(text.contains("public demo key") && !text.contains("insecureDerived"))
    }
}
