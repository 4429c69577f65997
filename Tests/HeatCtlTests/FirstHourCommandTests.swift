import ArgumentParser
import Foundation
import HeatCore
import Testing
@testable import heatctl

/// What a new user meets in the first hour: the README tour, help texts that name real commands,
/// grammatical counts, plain-words messages (issue 26).
@Suite struct FirstHourHelpTests {
    static let root = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every command path (`["audit", "sign"]`) with its type.
    static func commands(_ type: ParsableCommand.Type = HeatCtl.self, path: [String] = []) -> [([String], ParsableCommand.Type)] {
        type.configuration.subcommands.flatMap { sub -> [([String], ParsableCommand.Type)] in
            let name = sub.configuration.commandName ?? String(describing: sub).lowercased()
            return [(path + [name], sub)] + commands(sub, path: path + [name])
        }
    }

    @Test func theReadmeShowsTheTourScriptVerbatim() throws {
        let readme = try String(contentsOf: Self.root.appending(path: "README.md"), encoding: .utf8)
        let script = try String(contentsOf: Self.root.appending(path: "Examples/readme-tour.sh"), encoding: .utf8)
        let block = try #require(readme.components(separatedBy: "<!-- readme-tour:begin -->\n```sh\n").dropFirst().first?
            .components(separatedBy: "```\n<!-- readme-tour:end -->").first)
        #expect(block == script.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).last.map(String.init))
        // Runs from any folder: no repository-relative path, every sample table through $DATA.
        for line in script.split(separator: "\n") where line.hasPrefix("heatctl ") || line.hasPrefix("  ") {
            #expect(!line.contains(" Examples/"), "repository-relative path: \(line)")
        }
        #expect(script.contains("\"$DATA/telco_churn.csv\""))
    }

    @Test func helpTextsAndHintsNameOnlyCommandsThatExist() throws {
        let all = Self.commands()
        let paths = Set(all.map { $0.0.joined(separator: " ") })
        let groups = Set(all.filter { !$0.1.configuration.subcommands.isEmpty }.map { $0.0.joined(separator: " ") })
        var texts = all.map { HeatCtl.helpMessage(for: $0.1) }
        texts.append(ResultsDocumentError.notJSON(source: "x").hint ?? "")
        texts.append(InputFileError.missing(path: "x").hint ?? "")
        let pattern = try Regex(#"heatctl ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?"#)
        for text in texts {
            for match in text.matches(of: pattern) {
                let first = String(match.output[1].substring ?? "")
                guard !["help"].contains(first) else { continue }
                #expect(paths.contains(first), "names a command that does not exist: heatctl \(first)")
                if groups.contains(first), let second = match.output[2].substring {
                    #expect(paths.contains("\(first) \(second)"), "names a command that does not exist: heatctl \(first) \(second)")
                }
            }
        }
        #expect(!(ResultsDocumentError.invalid(source: "r.json", reason: "x").hint ?? "").contains("release"))
    }

    @Test func ingestHelpShowsNoTestOnlyVariableAndExplainsExit65() {
        let ingest = HeatCtl.helpMessage(for: IngestCommand.self)
        #expect(!ingest.contains("HEAT_FAULT"))
        #expect(ingest.contains("exits 65"))
        let heat = HeatCtl.helpMessage(for: HeatScoreCommand.self)
        #expect(heat.contains("--out and --json are written in full"))
        #expect(heat.contains("events on or before DATE"))
    }

    @Test func countsAreGrammaticalForOneAndMany() {
        #expect(Plural.count(1, "violation") == "1 violation")
        #expect(Plural.count(2, "violation") == "2 violations")
        #expect(Plural.count(0, "client") == "0 clients")
        let one = Population(clients: 1, levels: [.cold: 1], cooling: 0, meanHeat: 0, trend: 0)
        let line = CoreSummary.populationLine(one, asOf: CalendarDate(year: 2026, month: 1, day: 7)!, interactions: 1, duplicates: 1)
        #expect(line.hasPrefix("scored 1 client from 1 interaction as of 2026-01-07"))
        #expect(line.hasSuffix("1 duplicate event skipped"))
        #expect(ReadReport<Interaction>(file: "a.csv", format: .csv, records: [], rejects: [], rejectedRows: 1, rowsRead: 1, ignoredFields: [])
            .rejectReport.hasPrefix("a.csv: rejected 1 of 1 row (0 kept)"))
    }

    @Test func anomaliesStatesTheShareAndWhereTheDefaultThresholdComesFrom() {
        let automatic = MLAnomaliesCommand.flaggedSummary(flagged: 709, rows: 1000, threshold: 0.5, automatic: true)
        #expect(automatic.hasPrefix("flagged 709 of 1000 rows (70.9%) as anomalous"))
        #expect(automatic.contains("contamination=\"auto\""))
        #expect(automatic.contains("--contamination 0.05"))
        let chosen = MLAnomaliesCommand.flaggedSummary(flagged: 50, rows: 1000, threshold: 0.61, automatic: false)
        #expect(chosen == "flagged 50 of 1000 rows (5.0%) as anomalous: score above 0.6100")
    }
}

/// The same first-hour behaviour, through the built `heatctl`.
@Suite(.enabled(if: MLBuiltHeatctl.url != nil, "heatctl is not built"))
struct FirstHourCLITests {
    typealias H = MLBuiltHeatctl

    @Test func heatAsOfLeavesLaterEventsOutAndSaysSo() throws {
        let folder = try H.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let header = "event_id,client_id,manager_id,branch,channel,direction,occurred_at,duration_seconds,replied_within_hours"
        let rows = [
            "E1,C1,M1,North,call,inbound,2025-12-30T10:00:00Z,600,",
            "E2,C1,M1,North,meeting,inbound,2025-12-31T23:00:00Z,540.0,",
            "E3,C1,M1,North,meeting,inbound,2026-01-01T00:00:00Z,3600,",
            "E4,C2,M1,North,call,inbound,2026-01-02T10:00:00Z,60,",
        ]
        let input = folder.appending(path: "in.csv")
        try ([header] + rows).joined(separator: "\n").write(to: input, atomically: true, encoding: .utf8)
        let cut = folder.appending(path: "cut.csv").path
        let result = try H.run(["heat", input.path, "--as-of", "2025-12-31", "--out", cut])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("--as-of 2025-12-31: left out 2 events after 2025-12-31"))
        let scores = try String(contentsOfFile: cut, encoding: .utf8)
        // E1: 12 + 2 units; E2: 16 + 1 unit (540.0 s); heat = 64 x 31.
        #expect(scores.contains("C1,\(64 * 31),"))
        #expect(!scores.contains("C2"), "C2's only event is after the date")
    }

    @Test func anomaliesWithTheDefaultThresholdSaysWhyAndHowToChoose() throws {
        let folder = try H.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appending(path: "churn.csv")
        try H.churnCSV().write(to: data, atomically: true, encoding: .utf8)
        let auto = try H.run(["ml", "anomalies", "--data", data.path, "--ignore", "churn", "--out", folder.appending(path: "a.csv").path])
        #expect(auto.status == 0, "\(auto.stderr)")
        #expect(auto.stderr.contains("flagged ") && auto.stderr.contains("%) as anomalous"))
        #expect(auto.stderr.contains("IsolationForest(contamination=\"auto\")"))
        let chosen = try H.run(["ml", "anomalies", "--data", data.path, "--ignore", "churn", "--contamination", "0.1",
                                "--out", folder.appending(path: "b.csv").path])
        #expect(chosen.status == 0)
        #expect(!chosen.stderr.contains("contamination=\"auto\""))
    }

    @Test func demoNamesItsKeyInPlainWordsAndKeysGenerateExplainsTheEmptyEvaluatorFolder() throws {
        let folder = try H.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let demo = try H.run(["demo", "--clients", "200", "--weeks", "20", "--out", folder.appending(path: "demo").path])
        #expect(demo.status == 0, "\(demo.stderr)")
        #expect(demo.text.contains("public demo key"))
        #expect(!demo.text.contains("insecureDerived") && !demo.text.contains("PseudonymisationKey"))
        let keys = try H.run(["keys", "generate", "--out", folder.appending(path: "keys").path])
        #expect(keys.status == 0, "\(keys.stderr)")
        // The evaluator folder now holds the BFV parameters and public key (issue 13).
        #expect(keys.text.contains("/evaluator/"))
    }

    @Test func positiveLabelIsNotGuessedBetweenTwoNamedClasses() throws {
        let folder = try H.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appending(path: "stay.csv")
        let text = H.churnCSV().replacingOccurrences(of: ",Yes\n", with: ",Left\n").replacingOccurrences(of: ",No\n", with: ",Stayed\n")
        try text.write(to: data, atomically: true, encoding: .utf8)
        let result = try H.run(["ml", "train", "--data", data.path, "--target", "churn", "--model", "logistic", "--out", folder.appending(path: "m.model").path])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("--positive"))
        #expect(!FileManager.default.fileExists(atPath: folder.appending(path: "m.model").path))
    }
}
