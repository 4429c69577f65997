import Foundation
import Testing
@testable import HeatCore

/// Runs the built `heatctl` through the encrypted pipeline: keys, encrypted ingestion, evaluate,
/// release, clients through the key holder, the encrypted demo, and the refusals.
@Suite(.enabled(if: BuiltHeatctl.url != nil, "heatctl is not built"))
struct PipelineCLITests {
    typealias Outcome = BuiltHeatctl.Outcome

    func run(_ arguments: [String]) throws -> Outcome { try BuiltHeatctl.run(arguments) }

    @Test func encryptedPipelineCommands() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appending(path: "heat.db").path
        let keys = folder.appending(path: "keys").path
        let input = folder.appending(path: "interactions.csv").path
        let clientsFile = folder.appending(path: "clients.csv").path
        #expect(try run(["generate", "--clients", "60", "--managers", "4", "--branches", "2", "--weeks", "12", "--out", input,
                         "--clients-out", clientsFile]).status == 0)
        #expect(try run(["init", "--store", db]).status == 0)
        #expect(try run(["keys", "generate", "--out", keys, "--preset", "n4096-logq109-logt17"]).status == 69)
        let generated = try run(["keys", "generate", "--out", keys, "--store", db])
        #expect(generated.status == 0)
        let evaluatorFiles = try FileManager.default.contentsOfDirectory(atPath: "\(keys)/evaluator").sorted()
        #expect(evaluatorFiles == [PipelineKeys.parametersFile, PipelineKeys.publicKeyFile, FHEKeyGeneration.fileName].sorted())
        #expect(FileManager.default.fileExists(atPath: "\(keys)/keyholder/\(PipelineKeys.secretKeyFile)"))

        // A heat configuration no preset can hold is refused before anything is stored.
        let huge = folder.appending(path: "huge.json").path
        try Data(#"{"decayScale": 65536, "caps": {"count": 65535, "durationUnits": 65535, "replies": 65535}}"#.utf8)
            .write(to: URL(filePath: huge))
        #expect(try run(["ingest", input, "--store", db, "--keys", "\(keys)/collector", "--config", huge]).status == 69)

        let ingested = try run(["ingest", input, "--store", db, "--keys", "\(keys)/collector", "--clients", clientsFile, "--json"])
        #expect(ingested.status == 0)
        let report = try JSONDecoder().decode(StoreIngestReport.self, from: ingested.stdout)
        #expect(report.mode == "encrypted" && report.ciphertextsAdded > 0 && report.bucketRowsAdded == 0)

        // The evaluator refuses the key holder's folder (it holds the secret key).
        let runFile = folder.appending(path: "run.heat").path
        let refused = try run(["evaluate", "--store", db, "--keys", "\(keys)/keyholder", "--out", runFile])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("must not hold"))
        #expect(!FileManager.default.fileExists(atPath: runFile))
        let evaluated = try run(["evaluate", "--store", db, "--keys", "\(keys)/evaluator", "--out", runFile])
        #expect(evaluated.status == 0)
        #expect(evaluated.stdoutText.contains("output hash"))

        // Release as executive and as one manager.
        let results = folder.appending(path: "results.json").path
        let executive = try run(["release", "--store", db, "--keys", "\(keys)/keyholder", "--run", runFile,
                                 "--role", "executive", "--out", results])
        #expect(executive.status == 0)
        let document = try ResultsDocument.decode(Data(contentsOf: URL(filePath: results)))
        #expect(document.mode == .encrypted && document.population?.clients == 60 && document.clients == nil)
        #expect(try run(["release", "--store", db, "--keys", "\(keys)/evaluator", "--run", runFile,
                         "--role", "executive", "--out", results]).status == 64)

        // clients --level goes through the key holder; without it an encrypted store refuses.
        #expect(try run(["clients", "--store", db, "--level", "cold"]).status == 64)
        let listed = try run(["clients", "--store", db, "--keys", "\(keys)/keyholder", "--run", runFile, "--json"])
        #expect(listed.status == 0)
        let entries = try JSONDecoder().decode([ClientDirectoryEntry].self, from: listed.stdout)
        #expect(entries.count == 60 && entries.allSatisfy { $0.heat != nil })
        let manager = try #require(entries.compactMap(\.manager).first)
        let warmOnly = try run(["clients", "--store", db, "--keys", "\(keys)/keyholder", "--level", "warm", "--json"])
        let warm = try JSONDecoder().decode([ClientDirectoryEntry].self, from: warmOnly.stdout)
        #expect(warm.map(\.ref) == entries.filter { $0.level == .warm }.map(\.ref))

        let mine = folder.appending(path: "mine.json").path
        let managerRelease = try run(["release", "--store", db, "--keys", "\(keys)/keyholder", "--run", runFile,
                                      "--role", "manager", "--manager", manager, "--out", mine])
        #expect(managerRelease.status == 0)
        let managerDocument = try ResultsDocument.decode(Data(contentsOf: URL(filePath: mine)))
        let ownRefs = Set(entries.filter { $0.manager == manager }.map(\.ref))
        #expect(Set(managerDocument.clients?.map(\.ref) ?? []) == ownRefs)
        for row in managerDocument.clients ?? [] {
            #expect(entries.first { $0.ref == row.ref }?.heat == row.heat)
        }
    }

    @Test func demoRunsEncryptedAndReportsTheMatch() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outcome = try run(["demo", "--clients", "120", "--weeks", "16", "--out", folder.path])
        #expect(outcome.status == 0)
        #expect(outcome.stdoutText.contains("encrypted and plaintext results matched for all 120 clients"))
        #expect(outcome.stdoutText.contains("evaluate"))
        let document = try ResultsDocument.decode(Data(contentsOf: folder.appending(path: "results.json")))
        // Released to the default role (executive): aggregates only, no per-client rows.
        #expect(document.mode == .encrypted && document.clients == nil && document.population?.clients == 120)
        let plaintext = try run(["demo", "--plaintext", "--clients", "120", "--weeks", "16", "--out", folder.path, "--json"])
        let reference = try ResultsDocument.decode(plaintext.stdout)
        #expect(reference.mode == .plaintext)
        #expect(reference.population == document.population && reference.groups == document.groups
                && reference.heatHistogram == document.heatHistogram)
        #expect(reference.population == document.population && reference.heatHistogram == document.heatHistogram)
    }
}
