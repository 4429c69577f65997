import Foundation
import Testing

/// Every CSV `heatctl ml predict | cluster | anomalies` writes neutralises spreadsheet formulas
/// carried over from the input (CSV injection), while plain rows stay byte for byte.
@Suite(.enabled(if: MLBuiltHeatctl.url != nil, "heatctl is not built"))
struct CSVFormulaCommandTests {
    typealias H = MLBuiltHeatctl

    /// The churn table with a `note` column whose first rows are formulas (and one negative number).
    static func tableWithFormulas() -> String {
        let lines = H.churnCSV().split(separator: "\n").map(String.init)
        let notes = ["=HYPERLINK(\"http://evil.example\",\"x\")", "@SUM(A1)", "+cmd|' /C calc'!A0", "-2.5"]
        var out = [lines[0] + ",note"]
        for (index, line) in lines.dropFirst().enumerated() {
            let note = index < notes.count ? notes[index] : "n\(index)"
            out.append(line + "," + (note.contains(",") || note.contains("\"") ? "\"" + note.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : note))
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// Checks the written file: no cell starts a formula, the negative number and the plain rows are unchanged.
    static func expectNeutralised(_ path: String, input: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let written = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        let original = input.split(separator: "\n").map(String.init)
        #expect(written[1].contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\""), "\(written[1])", sourceLocation: sourceLocation)
        #expect(written[2].contains(",'@SUM(A1),"), "\(written[2])", sourceLocation: sourceLocation)
        #expect(written[3].contains(",'+cmd|' /C calc'!A0,"), "\(written[3])", sourceLocation: sourceLocation)
        #expect(written[4].hasPrefix(original[4] + ","), "a negative number is not a formula", sourceLocation: sourceLocation)
        #expect(written[5].hasPrefix(original[5] + ","), "plain rows stay byte for byte", sourceLocation: sourceLocation)
        for line in written {
            for cell in line.split(separator: ",") where Double(cell) == nil {
                #expect(!["=", "+", "@"].contains(cell.first.map(String.init) ?? ""), "\(line)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func predictClusterAndAnomaliesNeutraliseFormulas() throws {
        let folder = try H.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let train = folder.appending(path: "churn.csv")
        try H.churnCSV().write(to: train, atomically: true, encoding: .utf8)
        let input = Self.tableWithFormulas()
        let data = folder.appending(path: "notes.csv")
        try input.write(to: data, atomically: true, encoding: .utf8)
        let model = folder.appending(path: "m.model").path
        let trained = try H.run(["ml", "train", "--data", train.path, "--target", "churn", "--positive", "Yes", "--model", "logistic", "--out", model, "--quiet"])
        #expect(trained.status == 0, "\(trained.stderr)")

        let predicted = folder.appending(path: "p.csv").path
        let predict = try H.run(["ml", "predict", "--model", model, "--data", data.path, "--out", predicted, "--quiet"])
        #expect(predict.status == 0, "\(predict.stderr)")
        try Self.expectNeutralised(predicted, input: input)

        let clustered = folder.appending(path: "c.csv").path
        let cluster = try H.run(["ml", "cluster", "--data", data.path, "--k", "2", "--seed", "1", "--ignore", "note", "--out", clustered, "--quiet"])
        #expect(cluster.status == 0, "\(cluster.stderr)")
        try Self.expectNeutralised(clustered, input: input)

        let scored = folder.appending(path: "a.csv").path
        let anomalies = try H.run(["ml", "anomalies", "--data", data.path, "--seed", "1", "--ignore", "note", "--out", scored, "--quiet"])
        #expect(anomalies.status == 0, "\(anomalies.stderr)")
        try Self.expectNeutralised(scored, input: input)
    }
}
