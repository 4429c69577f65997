import Foundation
import Testing

/// Runs the built `heatctl ml cluster` and `heatctl ml anomalies`: output files, JSON, determinism
/// and error exit codes.
@Suite(.enabled(if: MLBuiltHeatctl.url != nil, "heatctl is not built"))
struct MLUnsupervisedCommandTests {
    typealias H = MLBuiltHeatctl

    @Test func clusterWritesAssignmentsInOrderAndPrintsJSON() throws {
        let folder = try H.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appending(path: "churn.csv")
        try H.churnCSV().write(to: data, atomically: true, encoding: .utf8)
        let out = folder.appending(path: "segments.csv").path
        let result = try H.run(["ml", "cluster", "--data", data.path, "--k", "3", "--seed", "7", "--out", out, "--json", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        #expect(object["k"] as? Int == 3)
        #expect(object["rows"] as? Int == 80)
        #expect(object["columns"] as? [String] == ["age", "spend"], "numeric columns only, no id, no categorical")
        let clusters = try #require(object["clusters"] as? [[String: Any]])
        let sizes = clusters.compactMap { $0["size"] as? Int }
        #expect(sizes.reduce(0, +) == 80 && sizes == sizes.sorted(by: >))
        #expect((object["silhouette"] as? Double).map { $0 > 0 && $0 <= 1 } == true)
        let input = H.churnCSV().split(separator: "\n").map(String.init)
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.first == input[0] + ",cluster")
        #expect(lines.count == 81)
        var counts = [0, 0, 0]
        for (index, line) in lines.dropFirst().enumerated() {
            #expect(line.hasPrefix(input[index + 1] + ","))
            let label = try #require(Int(line.split(separator: ",").last.map(String.init) ?? ""))
            counts[label] += 1
        }
        #expect(counts == sizes)
        let again = folder.appending(path: "again.csv").path
        #expect(try H.run(["ml", "cluster", "--data", data.path, "--k", "3", "--seed", "7", "--out", again, "--quiet"]).status == 0)
        #expect(try Data(contentsOf: URL(filePath: out)) == Data(contentsOf: URL(filePath: again)))
    }

    @Test func clusterErrors() throws {
        let bad = try H.run(["ml", "cluster", "--data", "x.csv", "--k", "0", "--out", "/tmp/never.csv"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--k must be at least 1"), "\(bad.stderr)")
        let missing = try H.run(["ml", "cluster", "--data", "/nonexistent/c.csv", "--k", "2", "--out", "/tmp/never.csv"])
        #expect(missing.status == 66)
        let folder = try H.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appending(path: "text.csv")
        try "name,plan\na,x\nb,y\n".write(to: data, atomically: true, encoding: .utf8)
        let none = try H.run(["ml", "cluster", "--data", data.path, "--k", "2", "--out", folder.appending(path: "o.csv").path])
        #expect(none.status == 64)
        #expect(none.stderr.contains("no numeric column"), "\(none.stderr)")
        let same = folder.appending(path: "same.csv")
        try "a,b\n1,2\n1,2\n1,2\n1,2\n".write(to: same, atomically: true, encoding: .utf8)
        let identical = try H.run(["ml", "cluster", "--data", same.path, "--k", "2", "--out", folder.appending(path: "s.csv").path, "--json", "--quiet"])
        #expect(identical.status == 0, "identical rows still cluster: \(identical.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: identical.stdout) as? [String: Any])
        #expect(summary["inertia"] as? Double == 0)
        let tooMany = try H.run(["ml", "cluster", "--data", H.root.appending(path: "Examples/data/telco_churn.csv").path, "--k", "3", "--ignore", "no_such", "--out", folder.appending(path: "o.csv").path])
        #expect(tooMany.status == 65)
        #expect(tooMany.stderr.contains("no column named 'no_such'"), "\(tooMany.stderr)")
    }

    @Test func anomaliesWritesScoresDeterministically() throws {
        let folder = try H.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appending(path: "churn.csv")
        try H.churnCSV().write(to: data, atomically: true, encoding: .utf8)
        let a = folder.appending(path: "a.csv").path, b = folder.appending(path: "b.csv").path
        let result = try H.run(["ml", "anomalies", "--data", data.path, "--contamination", "0.1", "--seed", "3", "--out", a])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(try H.run(["ml", "anomalies", "--data", data.path, "--contamination", "0.1", "--seed", "3", "--out", b, "--quiet"]).status == 0)
        #expect(try Data(contentsOf: URL(filePath: a)) == Data(contentsOf: URL(filePath: b)))
        let lines = try String(contentsOfFile: a, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(lines.first?.suffix(2) == ["anomaly_score", "anomaly"])
        #expect(lines.count == 81)
        let scores = try lines.dropFirst().map { try #require(Double($0[5])) }
        #expect(scores.allSatisfy { $0 > 0 && $0 <= 1 })
        let flagged = lines.dropFirst().filter { $0[6] == "1" }.count
        #expect(abs(flagged - 8) <= 1, "10% of 80 rows flagged: \(flagged)")
        let bad = try H.run(["ml", "anomalies", "--data", data.path, "--contamination", "0.9", "--out", a])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--contamination must be auto or a number in (0, 0.5]"), "\(bad.stderr)")
    }
}
