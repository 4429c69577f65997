import ArgumentParser
import HeatCore
import HeatFHE
import Testing
@testable import heatctl

/// Choice options are `ExpressibleByArgument` enums; `--as-of` and `--policy` are shared option groups.
@Suite struct TypedOptionsTests {
    @Test func choiceOptionsParseIntoEnums() throws {
        let train = try MLTrainCommand.parse(["--data", "t.csv", "--target", "y", "--model", "gbdt", "--tree-method", "exact"])
        #expect(train.model == .gbdt)
        #expect(train.treeMethod == .exact)
        #expect(try MLTrainCommand.parse(["--data", "t.csv", "--target", "y", "--model", "logistic"]).treeMethod == .hist)
        #expect(throws: (any Error).self) { try MLTrainCommand.parse(["--data", "t.csv", "--target", "y", "--model", "forest"]) }
        #expect(throws: (any Error).self) { try MLTrainCommand.parse(["--data", "t.csv", "--target", "y", "--model", "gbdt", "--tree-method", "approx"]) }
        #expect(try BenchMLCommand.parse(["--data", "t.csv", "--target", "y", "--model", "gbdt", "--model", "logistic"]).model == [.gbdt, .logistic])
        #expect(try FHEEncryptCommand.parse(["--public-key", "k", "--input", "v.json", "--out", "c", "--encoding", "coefficient"]).encoding == .coefficient)
        #expect(try FHEEncryptCommand.parse(["--public-key", "k", "--input", "v.json", "--out", "c"]).encoding == .batch)
        #expect(try FHEDecryptCommand.parse(["--secret-key", "k", "--input", "c"]).encoding == nil)
        #expect(throws: (any Error).self) { try FHEDecryptCommand.parse(["--secret-key", "k", "--input", "c", "--encoding", "slots"]) }
        #expect(BfvEncoding.allValueStrings == ["coefficient", "batch"])
        #expect(MLTrainCommand.helpMessage().contains("logistic"))
    }

    @Test func asOfAndPolicyAreDeclaredOnceAndShared() throws {
        let release = try ReleaseCommand.parse(["--store", "s.db", "--keys", "k", "--role", "executive", "--out", "r.json", "--as-of", "2026-03-01", "--policy", "p.json"])
        #expect(release.asOf == "2026-03-01")
        #expect(release.policy == "p.json")
        #expect(try release.asOfOption.date() == CalendarDate(iso8601: "2026-03-01"))
        #expect(throws: (any Error).self) { try ReleaseCommand.parse(["--store", "s.db", "--keys", "k", "--role", "executive", "--out", "r.json", "--as-of", "2026-02-30"]) }
        #expect(try EvaluateCommand.parse(["--store", "s.db", "--keys", "k", "--out", "r.heat"]).asOf == nil)
        #expect(throws: (any Error).self) { try ClientsCommand.parse(["--store", "s.db", "--as-of", "yesterday"]) }
        #expect(try ReportCommand.parse(["r.json", "--out", "d"]).policy == nil)
        #expect(try PolicyOption.parse([]).load() == PrivacyPolicy.default)
    }
}
