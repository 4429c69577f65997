import Foundation
import HeatEnvelope
import Testing
@testable import HeatCore

/// Issue 27 (s38, items 1 and 2) through the built `heatctl`: `keys generate --aggregates` and
/// `trees relin-key` sign the evaluator's evaluation key list with the key holder's store signing
/// key, and `heatctl evaluate` refuses a rewritten digest (exit 65), a list signed by another key
/// (exit 65) and a deleted `fhe-key.generation` (exit 66), each naming the file.
@Suite(.enabled(if: BuiltHeatctl.url != nil, "heatctl is not built"))
struct EvaluationKeySignatureCLITests {
    func run(_ arguments: [String]) throws -> BuiltHeatctl.Outcome { try BuiltHeatctl.run(arguments) }

    @Test func evaluateRefusesATamperedOrMissingGenerationFile() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appending(path: "heat.db").path, keys = folder.appending(path: "keys").path
        let input = folder.appending(path: "interactions.csv").path, clientsFile = folder.appending(path: "clients.csv").path
        #expect(try run(["generate", "--clients", "40", "--managers", "2", "--branches", "2", "--weeks", "4", "--out", input,
                         "--clients-out", clientsFile]).status == 0)
        #expect(try run(["init", "--store", db]).status == 0)
        #expect(try run(["keys", "generate", "--out", keys, "--store", db, "--aggregates", "--max-clients", "1000"]).status == 0)
        #expect(try run(["ingest", input, "--store", db, "--keys", "\(keys)/collector", "--clients", clientsFile]).status == 0)
        let evaluatorPath = "\(keys)/evaluator", generationPath = "\(keys)/evaluator/\(FHEKeyGeneration.fileName)"
        let runFile = folder.appending(path: "run.heat").path, groups = folder.appending(path: "groups.heat").path
        // `trees relin-key` adds its key and signs the list again; the evaluator accepts the folder.
        let relin = try run(["trees", "relin-key", "--keys", "\(keys)/keyholder", "--evaluator", evaluatorPath])
        #expect(relin.status == 0, "\(relin.stderr)")
        let record = try #require(try FHEKeyGeneration.read(in: KeyFolder(path: evaluatorPath, role: .evaluator)))
        #expect(record.evaluationKeys?.keys.sorted() == [Evaluator.galoisKeysFile, Evaluator.relinearizationKeyFile])
        let signingKey = try KeyFolder(path: "\(keys)/keyholder", role: .keyholder).signingKey()
        #expect(record.evaluationKeysSignature?.signer == signingKey.fingerprint.hex)
        let honest = try run(["evaluate", "--store", db, "--keys", evaluatorPath, "--trust", "\(keys)/auditor", "--out", runFile, "--aggregates-out", groups])
        #expect(honest.status == 0, "\(honest.stderr)")

        // A digest rewritten in the folder: exit 65, naming the generation file.
        var forged = record
        forged.evaluationKeys?[Evaluator.galoisKeysFile] = String(repeating: "0", count: 64)
        try forged.envelope().write(to: URL(filePath: generationPath))
        let rewritten = try run(["evaluate", "--store", db, "--keys", evaluatorPath, "--trust", "\(keys)/auditor", "--out", runFile])
        #expect(rewritten.status == 65, "\(rewritten.stderr)")
        #expect(rewritten.stderr.contains(generationPath) && rewritten.stderr.contains("does not verify"), "\(rewritten.stderr)")

        // The same list signed by another key: the folder is self-consistent, the store refuses the key (exit 65).
        try record.signingEvaluationKeys(with: StoreSigningKey()).envelope().write(to: URL(filePath: generationPath))
        let foreignKey = try run(["evaluate", "--store", db, "--keys", evaluatorPath, "--trust", "\(keys)/auditor", "--out", runFile])
        #expect(foreignKey.status == 65, "\(foreignKey.stderr)")
        #expect(foreignKey.stderr.contains(generationPath) && foreignKey.stderr.contains("not a signing key of the store"), "\(foreignKey.stderr)")

        // The generation file deleted: exit 66, naming it.
        try FileManager.default.removeItem(atPath: generationPath)
        let deleted = try run(["evaluate", "--store", db, "--keys", evaluatorPath, "--trust", "\(keys)/auditor", "--out", runFile])
        #expect(deleted.status == 66, "\(deleted.stderr)")
        #expect(deleted.stderr.contains(generationPath), "\(deleted.stderr)")

        // The honest file again: accepted.
        try record.envelope().write(to: URL(filePath: generationPath))
        #expect(try run(["evaluate", "--store", db, "--keys", evaluatorPath, "--trust", "\(keys)/auditor", "--out", runFile]).status == 0)
    }
}
