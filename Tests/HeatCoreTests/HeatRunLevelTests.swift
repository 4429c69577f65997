import Foundation
import GRDB
import HeatEnvelope
@testable import HeatFHE
import Testing
@testable import HeatCore

/// Issue 14 item 3: the heat run leaves the evaluator switched down the modulus chain, to the
/// fewest moduli at which every ciphertext still decrypts exactly after a manager's release mask
/// under the worst-case noise bound. The file records the level and shrinks; the key holder's
/// decryption of the file (all clients, and each manager's masked release) equals the plaintext
/// pipeline's; the aggregates refuse a switched run.
@Suite(.serialized) struct HeatRunLevelTests {
    typealias Fixture = EncryptedPipelineTests.Fixture

    @Test(arguments: [(UInt64(3), 60, 20), (UInt64(31), 120, 52)])
    func theRunFileIsSwitchedDownAndDecryptsLikeThePlaintextPipeline(seed: UInt64, clients: Int, weeks: Int) throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let dataset = SyntheticBank(clients: clients, managers: 4, branches: 2, weeks: weeks, seed: seed).generate()
        let plainStore = try HeatStore.initialize(path: fixture.folder.appending(path: "plain.db").path).store
        _ = try StoreIngestor(key: fixture.key).ingest(
            dataset.interactions, clients: dataset.clients, into: plainStore, source: EncryptedPipelineTests.source("all.csv"))
        // Two exports, so some weeks hold delta ciphertexts (more noise than one per week).
        let early = dataset.interactions.enumerated().filter { $0.offset % 4 != 0 }.map(\.element)
        _ = try fixture.collector.ingestor().ingest(early, clients: dataset.clients, into: fixture.store, source: EncryptedPipelineTests.source("early.csv"))
        _ = try fixture.collector.ingestor().ingest(dataset.interactions, clients: [], into: fixture.store, source: EncryptedPipelineTests.source("all.csv"))

        let configuration = HeatConfiguration()
        let (run, _) = try fixture.evaluator().evaluateAndRecord(store: fixture.store, configuration: configuration)
        let keyHolder = try fixture.keyHolder()
        let parameters = keyHolder.context.parameters
        let top = keyHolder.context.topLevel
        let level = try #require(run.header.level, "the run records its level")
        #expect(level < top, "switched down: \(level) of \(top) moduli")
        #expect(run.isAtTopLevel, "the evaluator keeps the top-level ciphertexts for the aggregates")

        // The level is the smallest the worst-case bound allows: one fewer would not decrypt
        // after a release mask.
        let deltas = try Evaluator.deltaCounts(in: fixture.store, throughSeq: run.header.ciphertextsThroughSeq)
        let bound = BfvNoiseBound(parameters: parameters)
        let worst = Evaluator.runNoise(
            deltas: deltas, configuration: configuration, referenceWeek: try ISOWeek(parsing: run.header.asOfWeek), bound: bound
        ).values.reduce(0.0) { max($0, $1.heat, $1.trend) }
        #expect(Evaluator.storedLevel(noise: worst, parameters: parameters) == level)
        #expect(bound.switchingDown(worst, from: top, to: level) * bound.plaintextProductFactor < bound.decryptionLimit(level: level))
        if level > 1 {
            #expect(bound.switchingDown(worst, from: top, to: level - 1) * bound.plaintextProductFactor >= bound.decryptionLimit(level: level - 1),
                    "level \(level - 1) would also hold the worst case")
        }

        // The file: every ciphertext at the level, the logged hash, and fewer bytes.
        let url = fixture.folder.appending(path: "run.heat")
        try run.envelope().write(to: url)
        let loaded = try EncryptedHeatRun.read(from: url, context: keyHolder.context)
        #expect(!loaded.isAtTopLevel && loaded.header == run.header && loaded.outputHash == run.outputHash)
        #expect((Array(loaded.heat.values) + Array(loaded.trend.values)).allSatisfy { $0.level == level })
        let logged = try #require(try ComputationLog.runs(in: fixture.store).last)
        #expect(logged.outputHash == run.outputHash, "the log names the file's bytes")
        var topHeader = run.header
        topHeader.level = nil
        let topBytes = EncryptedHeatRun(header: topHeader, heat: run.heat, trend: run.trend).envelope().serialized().count
        let storedBytes = try Data(contentsOf: url).count
        #expect(storedBytes < topBytes, "\(storedBytes) bytes switched down, \(topBytes) at the top level")
        // The ciphertexts shrink with the moduli (the header and envelopes are a few hundred bytes).
        #expect(abs(Double(storedBytes) / Double(topBytes) - Double(level) / Double(top)) < 0.02,
                "\(storedBytes) / \(topBytes) is about \(level) / \(top)")

        // Exact: the file decrypts to the plaintext pipeline's heat and trend for every client.
        let everyone = try keyHolder.decrypt(run: loaded, store: fixture.store)
        let decrypted = try KeyHolder.scores(everyone, configuration: configuration, store: fixture.store)
        let expected = try StoreHeat.scores(in: plainStore, configuration: configuration, asOf: run.header.asOf)
        #expect(decrypted.count == clients && decrypted == expected, "the switched run decrypts to the plaintext pipeline's values")
        #expect(try keyHolder.decrypt(run: run, store: fixture.store) == everyone)
        // Each manager's release multiplies by a mask at the lower level, and is still exact.
        let directory = try KeyHolder.directory(in: fixture.store)
        let managers = Set(directory.compactMap { $0.manager })
        #expect(managers.count == 4)
        for manager in managers {
            let mine = Set(directory.filter { $0.manager == manager }.map { $0.slot })
            let released = try keyHolder.decrypt(run: loaded, store: fixture.store, manager: manager)
            #expect(released == everyone.filter { mine.contains($0.slot) }, "manager \(manager.displayRef)'s masked release is exact")
        }
        #expect(try keyHolder.maskedNoiseBudget(of: loaded) > 0)

        // The aggregates are computed from the evaluation itself, never from a switched file.
        let evaluator = try fixture.evaluator()
        let refused = #expect(throws: PipelineError.self) {
            _ = try evaluator.aggregates(
                of: loaded, store: fixture.store, configuration: configuration, galoisKeys: BfvGaloisKeys(context: keyHolder.context, keys: [:]),
                minGroupSize: 5, finishing: .asComputed)
        }
        #expect(refused?.category.exitCode == 65 && refused?.description.contains("field level") == true, "\(String(describing: refused))")
    }

    /// The level for the presets the pipeline uses, worked by hand from the bounds: a run of 52
    /// weekly ciphertexts (decay sum at most 929) with one more mask stays 2 of 3 moduli.
    @Test func theStoredLevelOfThePresets() throws {
        for name in ["n8192-logq217-logt25", "n16384-logq248-logt41"] {
            let parameters = try BfvParameters(preset: name)
            let bound = BfvNoiseBound(parameters: parameters)
            let worst = bound.freshPublicKeyEncryption * 929 * 4
            #expect(Evaluator.storedLevel(noise: worst, parameters: parameters) == 2, "\(name)")
            // A run that cannot lose a modulus stays at the top.
            #expect(Evaluator.storedLevel(noise: bound.decryptionLimit(level: 3) / 2, parameters: parameters) == 3, "\(name)")
        }
    }
}
