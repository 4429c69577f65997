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
        let topBytes = try EncryptedHeatRun(header: topHeader, heat: run.heat, trend: run.trend).envelope().serialized().count
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

        // Review s37 MEDIUM 5: a run switched one level further than the bound allows (level 1)
        // still decrypts exactly without a mask, but a manager's masked release would decrypt to
        // wrong values: the key holder measures the masked ciphertext's noise and refuses it.
        var tooLow = run.header
        tooLow.level = level - 1
        let lowered = try EncryptedHeatRun(
            envelope: try EncryptedHeatRun(header: tooLow, heat: run.heat, trend: run.trend).envelope(), context: keyHolder.context, source: "level 1")
        #expect((Array(lowered.heat.values) + Array(lowered.trend.values)).allSatisfy { $0.level == level - 1 })
        #expect(try keyHolder.decrypt(run: lowered, store: fixture.store) == everyone, "unmasked, one modulus still holds")
        let someManager = try #require(managers.sorted { $0.hex < $1.hex }.first)
        let overSwitched = #expect(throws: PipelineError.self) {
            _ = try keyHolder.decrypt(run: lowered, store: fixture.store, manager: someManager)
        }
        #expect(overSwitched?.category.exitCode == 65 && overSwitched?.description.contains("field level: batch 0 heat at \(level - 1) of \(top) moduli has no noise budget left after the release mask") == true,
                "\(String(describing: overSwitched))")

        // Review s37 (pipe14b-final LOW 3): a heat ciphertext of another key pair (or altered)
        // has no noise budget under the key holder's key: refused at the top level as such
        // (`noNoiseBudget`), and in a switched file as `field level` (the key holder cannot tell the
        // causes apart there); both exit 65, nothing released.
        let foreignKey = SecretKey(context: keyHolder.context)
        let ones = [UInt64](repeating: 1, count: keyHolder.context.degree)
        let foreign = try BfvEncryptor(secretKey: foreignKey).encrypt(BfvEncoder(context: keyHolder.context).encode(unsigned: ones, encoding: .batch))
        let batch0 = try #require(run.header.batches.first)
        var swappedHeat = run.heat
        swappedHeat[batch0] = foreign
        var unswitched = run.header
        unswitched.level = nil
        let foreignTop = try EncryptedHeatRun(header: unswitched, heat: swappedHeat, trend: run.trend)
        let atTop = #expect(throws: PipelineError.self) { _ = try keyHolder.decrypt(run: foreignTop, store: fixture.store) }
        #expect(atTop?.category.exitCode == 65 && atTop?.description.contains("has no noise budget left under the key holder's secret key") == true,
                "\(String(describing: atTop))")
        let foreignSwitched = try EncryptedHeatRun(
            envelope: try EncryptedHeatRun(header: run.header, heat: swappedHeat, trend: run.trend).envelope(), context: keyHolder.context, source: "foreign")
        #expect(!foreignSwitched.isAtTopLevel)
        let switched = #expect(throws: PipelineError.self) { _ = try keyHolder.decrypt(run: foreignSwitched, store: fixture.store) }
        #expect(switched?.category.exitCode == 65 && switched?.description.contains("field level: batch \(batch0) heat at \(level) of \(top) moduli has no noise budget left") == true,
                "\(String(describing: switched))")

        // Review s37 MEDIUM 6: the writer refuses a run it cannot write at its level, before any
        // byte (a level outside 1...top, a ciphertext below the level, a batch without its trend).
        func writeRefusal(_ header: EncryptedHeatRun.Header, heat: [Int: Ciphertext<UInt64>], trend: [Int: Ciphertext<UInt64>]) -> String {
            do {
                _ = try EncryptedHeatRun(header: header, heat: heat, trend: trend)
                return "accepted"
            } catch {
                return error.category.exitCode == 65 ? error.description : "exit \(error.category.exitCode): \(error)"
            }
        }
        var header = run.header
        for bad in [0, top + 1] {
            header.level = bad
            #expect(writeRefusal(header, heat: run.heat, trend: run.trend).contains("field level: \(bad) is not a level of \(parameters.name) (1 to \(top))"))
        }
        header.level = level
        let oneModulus = try run.heat.mapValues { try Bfv64.switchModulus($0, toLevel: 1) }
        #expect(writeRefusal(header, heat: oneModulus, trend: run.trend).contains("field level: \(level), but a ciphertext has 1 moduli"))
        let firstBatch = try #require(run.header.batches.first)
        var withoutTrend = run.trend
        withoutTrend[firstBatch] = nil
        #expect(writeRefusal(header, heat: run.heat, trend: withoutTrend).contains("batches \(firstBatch) have a heat or a trend ciphertext but not both"))

        // The aggregates are computed from the evaluation itself, never from a switched file.
        let evaluator = try fixture.evaluator()
        let refused = #expect(throws: PipelineError.self) {
            _ = try evaluator.aggregates(
                of: loaded, store: fixture.store, configuration: configuration, galoisKeys: BfvGaloisKeys(context: keyHolder.context, keys: [:]),
                minGroupSize: 5, finishing: .asComputed)
        }
        #expect(refused?.category.exitCode == 65 && refused?.description.contains("field level") == true, "\(String(describing: refused))")
    }

    /// Issue 14 (s37): a store with erased clients (issue 27, their slots multiplied by a 0/1 mask
    /// in the evaluator, which the level's bound counts) and a directory move (a manager's release
    /// follows the version in force at the reference week). The run is at the minimal level of
    /// that bound, decrypts exactly to the plaintext pipeline without the erased clients for every
    /// remaining client and for every manager's masked release, and the erased slots decrypt to 0.
    @Test func aRunWithErasedClientsAndAMoveIsExactAtItsSwitchedLevel() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let dataset = SyntheticBank(clients: 90, managers: 4, branches: 2, weeks: 30, seed: 14).generate()
        let signer = StoreTestSupport.signer(fixture.generated)
        let early = dataset.interactions.enumerated().filter { $0.offset % 3 != 0 }.map(\.element)
        _ = try fixture.collector.ingestor(signer: signer).ingest(early, clients: dataset.clients, into: fixture.store, source: EncryptedPipelineTests.source("early.csv"))
        _ = try fixture.collector.ingestor(signer: signer).ingest(dataset.interactions, clients: [], into: fixture.store, source: EncryptedPipelineTests.source("all.csv"))
        let head = try HeadSigner.sign(store: fixture.store, with: fixture.generated.signingKey, anchor: .firstHead)

        // Every client with interactions, by manager id (sorted, so the choices do not depend on
        // a dictionary's order); X moves from manager A to B, one client each of A and B is erased.
        let pseudonymizer = Pseudonymizer(key: fixture.key)
        let active = Set(dataset.interactions.map(\.clientID))
        let managerIDs = Array(Set(dataset.clients.map(\.managerID))).sorted()
        let (a, b) = (managerIDs[0], managerIDs[1])
        let ofA = dataset.clients.filter { $0.managerID == a && active.contains($0.clientID) }.map(\.clientID).sorted()
        let ofB = dataset.clients.filter { $0.managerID == b && active.contains($0.clientID) }.map(\.clientID).sorted()
        try #require(ofA.count >= 3 && ofB.count >= 2)
        let x = ofA[0]
        let victims = [ofA[ofA.count / 2 + 1], ofB[ofB.count / 2]]
        let weeks = Set(dataset.interactions.map(\.week)).sorted()
        let moveWeek = weeks[weeks.count / 2]
        let moved = try DirectoryChanger.apply(
            .move(client: pseudonymizer.pseudonym(for: x, kind: .client).displayRef,
                  manager: .reference(pseudonymizer.pseudonym(for: b, kind: .manager).displayRef), branch: nil),
            from: moveWeek, store: fixture.store, key: fixture.generated.signingKey, anchor: .previous(head))
        let slotOf = Dictionary(uniqueKeysWithValues: try KeyHolder.directory(in: fixture.store).map { ($0.client, $0.slot) })
        let erasedSlots = try victims.map { try #require(slotOf[pseudonymizer.pseudonym(for: $0, kind: .client)]) }
        // The erasure and its signed head commit together (one transaction, issue 27).
        let summary = try ClientEraser.erase(.rawIDs(victims, key: fixture.key), store: fixture.store, key: fixture.generated.signingKey,
                                             anchor: .previous(moved.head), reason: "issue 14 level test").record
        #expect(Set(summary.erasures.map(\.slot)) == Set(erasedSlots))

        // The plaintext pipeline without the erased clients.
        let plainStore = try HeatStore.initialize(path: fixture.folder.appending(path: "plain.db").path).store
        _ = try StoreIngestor(key: fixture.key).ingest(
            dataset.interactions.filter { !victims.contains($0.clientID) }, clients: dataset.clients.filter { !victims.contains($0.clientID) },
            into: plainStore, source: EncryptedPipelineTests.source("all.csv"))

        let configuration = HeatConfiguration()
        let (run, _) = try fixture.evaluator().evaluateAndRecord(store: fixture.store, configuration: configuration)
        let keyHolder = try fixture.keyHolder()
        let parameters = keyHolder.context.parameters
        let top = keyHolder.context.topLevel
        let n = keyHolder.context.degree
        let level = try #require(run.header.level)
        #expect(level < top, "switched down: \(level) of \(top) moduli")
        #expect(run.header.directoryVersion != nil, "the run is of the moved directory")

        // The level is the smallest at which the worst case, the erased-slot mask counted in the
        // batches holding an erased slot (computed here from the slots), survives a release mask.
        let erasedBatches = Set(erasedSlots.map { Int($0) / n })
        let deltas = try Evaluator.deltaCounts(in: fixture.store, throughSeq: run.header.ciphertextsThroughSeq)
        let bound = BfvNoiseBound(parameters: parameters)
        let reference = try ISOWeek(parsing: run.header.asOfWeek)
        let perBatch = Evaluator.runNoise(deltas: deltas, configuration: configuration, referenceWeek: reference, bound: bound)
        let worst = perBatch.reduce(0.0) { worst, entry in
            max(worst, max(entry.value.heat, entry.value.trend) * (erasedBatches.contains(entry.key) ? bound.plaintextProductFactor : 1))
        }
        #expect(Evaluator.storedRunNoise(deltas: deltas, erasedBatches: erasedBatches, configuration: configuration,
                                         referenceWeek: reference, bound: bound) == worst)
        #expect(Evaluator.storedLevel(noise: worst, parameters: parameters) == level)
        #expect(bound.switchingDown(worst, from: top, to: level) * bound.plaintextProductFactor < bound.decryptionLimit(level: level))
        if level > 1 {
            #expect(bound.switchingDown(worst, from: top, to: level - 1) * bound.plaintextProductFactor >= bound.decryptionLimit(level: level - 1),
                    "level \(level - 1) would also hold the worst case")
        }

        // The file: every ciphertext at the level.
        let url = fixture.folder.appending(path: "run.heat")
        try run.envelope().write(to: url)
        let loaded = try EncryptedHeatRun.read(from: url, context: keyHolder.context)
        #expect(!loaded.isAtTopLevel && loaded.header == run.header && loaded.outputHash == run.outputHash)
        #expect((Array(loaded.heat.values) + Array(loaded.trend.values)).allSatisfy { $0.level == level })

        // Every remaining client equals the plaintext pipeline without the erased clients.
        let everyone = try keyHolder.decrypt(run: loaded, store: fixture.store)
        let decrypted = try KeyHolder.scores(everyone, configuration: configuration, store: fixture.store)
        let expected = try StoreHeat.scores(in: plainStore, configuration: configuration, asOf: run.header.asOf)
        #expect(decrypted.count == dataset.clients.count - victims.count && decrypted == expected,
                "the switched run of the erased store decrypts to the plaintext pipeline's values")
        // The erased slots decrypt to 0 (heat and trend), the other clients of their batch keep their values.
        for slot in erasedSlots {
            let batch = Int(slot) / n
            let heat = try keyHolder.decryptSlots(try #require(loaded.heat[batch]), mask: nil, signed: false)
            let trend = try keyHolder.decryptSlots(try #require(loaded.trend[batch]), mask: nil, signed: true)
            #expect(heat[Int(slot) % n] == 0 && trend[Int(slot) % n] == 0, "erased slot \(slot)")
            #expect(heat.contains { $0 != 0 })
        }
        // The erased clients had heat or trend at the reference week: their 0 is the mask's.
        let fullStore = try HeatStore.initialize(path: fixture.folder.appending(path: "full.db").path).store
        _ = try StoreIngestor(key: fixture.key).ingest(dataset.interactions, clients: dataset.clients, into: fullStore,
                                                       source: EncryptedPipelineTests.source("all.csv"))
        let before = try StoreHeat.scores(in: fullStore, configuration: configuration, asOf: run.header.asOf)
        for victim in victims {
            let score = try #require(before[pseudonymizer.pseudonym(for: victim, kind: .client).hex])
            #expect(score.heat != 0 || score.trend != 0, "an erased client had a value to erase")
        }

        // Each manager's masked release (a second mask, at the switched level) is exact: the
        // clients assigned to it at the reference week, X under B, the erased clients nowhere.
        let managerOf = Dictionary(uniqueKeysWithValues: dataset.clients.map { ($0.clientID, $0.managerID) })
        var members: [String: Set<Int64>] = [:]
        for client in dataset.clients where !victims.contains(client.clientID) {
            let manager = client.clientID == x ? b : (managerOf[client.clientID] ?? "")
            members[manager, default: []].insert(try #require(slotOf[pseudonymizer.pseudonym(for: client.clientID, kind: .client)]))
        }
        #expect(members.count == managerIDs.count)
        let xSlot = try #require(slotOf[pseudonymizer.pseudonym(for: x, kind: .client)])
        for manager in managerIDs {
            let mine = try #require(members[manager])
            let released = try keyHolder.decrypt(run: loaded, store: fixture.store, manager: pseudonymizer.pseudonym(for: manager, kind: .manager))
            #expect(released == everyone.filter { mine.contains($0.slot) } && released.count == mine.count,
                    "manager \(manager)'s masked release is exact")
            #expect(released.contains { $0.slot == xSlot } == (manager == b), "X is released to B only")
            #expect(!released.contains { erasedSlots.contains($0.slot) })
        }
    }

    /// The erased-slot mask multiplies a batch's worst case by the plaintext product factor, only
    /// in the batches that hold an erased slot; on the pipeline's preset the factor can decide the
    /// level (on the stores of the tests the rounding of the modulus switch, `t (1 + N) / 2`,
    /// dominates, so the level is 2 of 3 either way).
    @Test func theErasedSlotMaskCountsInTheStoredNoiseAndCanRaiseTheLevel() throws {
        let parameters = try BfvParameters(preset: EncryptedPipelineTests.preset)
        let bound = BfvNoiseBound(parameters: parameters)
        let configuration = HeatConfiguration()
        let reference = try ISOWeek(parsing: "2026-W10")
        let weeks = (0..<12).map { reference.advanced(by: -$0) }
        func deltas(_ count: Int) -> [Int: [ISOWeek: Int]] {
            [0: Dictionary(uniqueKeysWithValues: weeks.map { ($0, count) }), 3: [reference: 1]]
        }
        let plain = Evaluator.runNoise(deltas: deltas(1), configuration: configuration, referenceWeek: reference, bound: bound)
        let batch0 = max(plain[0]?.heat ?? 0, plain[0]?.trend ?? 0)
        let batch3 = max(plain[3]?.heat ?? 0, plain[3]?.trend ?? 0)
        #expect(batch0 > batch3 && batch3 > 0)
        func stored(_ count: Int, _ erased: Set<Int>) -> Double {
            Evaluator.storedRunNoise(deltas: deltas(count), erasedBatches: erased, configuration: configuration, referenceWeek: reference, bound: bound)
        }
        #expect(stored(1, []) == batch0)
        #expect(stored(1, [0]) == batch0 * bound.plaintextProductFactor)
        #expect(stored(1, [3]) == max(batch0, batch3 * bound.plaintextProductFactor), "only the masked batch is multiplied")
        #expect(stored(1, [7]) == batch0, "a batch without ciphertexts adds nothing")
        // Some number of deltas per week leaves level 2 unmasked but needs level 3 once masked.
        var raised = false
        var count = 1
        while count < 1 << 50 {
            let without = Evaluator.storedLevel(noise: stored(count, []), parameters: parameters)
            let with = Evaluator.storedLevel(noise: stored(count, [0]), parameters: parameters)
            #expect(with >= without, "\(count) deltas")
            if with > without { raised = true }
            count <<= 1
        }
        #expect(raised, "the mask's factor decides the level for some run")
    }

    /// Review s37 LOW 12: a `bench pipeline --json` report written before `runBytes`, `runLevel`,
    /// `aggregatesKeySwitches` and `countedPeakMemoryBytes` existed still decodes (0 and `nil`).
    @Test func aBenchmarkReportWrittenBeforeTheRunFieldsDecodes() throws {
        let options = PipelineBenchmark.Options(clients: 10, weeks: 2, managers: 1, branches: 1, segments: 1, regions: 1, seed: 1, minGroupSize: 2)
        var report = PipelineBenchmark.Report(
            options: options, interactions: 5, preset: "n8192-logq217-logt25", phases: [], targetWallSeconds: 1, targetCPUSeconds: 2,
            peakMemoryBytes: 3, countedPeakMemoryBytes: 4, ciphertexts: 5, ciphertextBytes: 6, ciphertextsPerClient: 0.5, bytesPerClient: 0.6,
            evaluationKeyBytes: 7, groupsReleased: 8, aggregatesBytes: 9, aggregatesNoiseBudget: 10, aggregatesKeySwitches: 11, runBytes: 12,
            runLevel: 2, processors: 2)
        let encoded = try JSONEncoder().encode(report)
        #expect(try JSONDecoder().decode(PipelineBenchmark.Report.self, from: encoded) == report)
        var object = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        for key in ["runBytes", "runLevel", "aggregatesKeySwitches", "countedPeakMemoryBytes"] { object[key] = nil }
        let older = try JSONDecoder().decode(PipelineBenchmark.Report.self, from: try JSONSerialization.data(withJSONObject: object))
        report.runBytes = 0
        report.runLevel = 0
        report.aggregatesKeySwitches = 0
        report.countedPeakMemoryBytes = nil
        #expect(older == report)
        object["processors"] = nil
        #expect(throws: DecodingError.self) { _ = try JSONDecoder().decode(PipelineBenchmark.Report.self, from: try JSONSerialization.data(withJSONObject: object)) }
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

    /// Review s37 pipe14b-final LOW 6: the writer checks the level of a run without ciphertexts
    /// (no batch had activity) against the parameters it was computed under, so it never writes
    /// a header no reader accepts; without parameters, a level below 1 is still refused.
    @Test func theWriterChecksTheLevelOfAnEmptyRun() throws {
        let context = try BfvContext<UInt64>(parameters: BfvParameters(preset: "n8192-logq217-logt41"))
        let top = context.topLevel
        let json = #"{"asOf":"2026-03-08","asOfWeek":"2026-W10","batches":[],"ciphertextsRead":0,"ciphertextsThroughSeq":0,"#
            + #""configurationHash":"00","inputHash":"00","multiplicativeDepth":0,"packing":"\#(HeatPacking.weeklyScore)","packingHash":"00","#
            + #""parameters":"\#(context.parameters.name)","parametersFingerprint":"\#(context.fingerprint.hex)","#
            + #""schema":"\#(EncryptedHeatRun.schema)","slotsPerBatch":\#(context.degree)}"#
        var header = try JSONDecoder().decode(EncryptedHeatRun.Header.self, from: Data(json.utf8))
        func refusal(_ level: Int, context: BfvContext<UInt64>?) -> String {
            header.level = level
            do {
                _ = try EncryptedHeatRun(header: header, heat: [:], trend: [:], context: context)
                return "accepted"
            } catch {
                return error.category.exitCode == 65 ? error.description : "exit \(error.category.exitCode): \(error)"
            }
        }
        for bad in [0, top + 1] {
            let reason = refusal(bad, context: context)
            #expect(reason.contains("the run being written") && reason.contains("field level: \(bad) is not a level of \(context.parameters.name) (1 to \(top))"), "\(reason)")
        }
        #expect(refusal(0, context: nil).contains("field level: 0 is not a level (at least 1 modulus)"))
        #expect(refusal(-1, context: nil).contains("field level: -1 is not a level"))
        for good in 1...top {
            header.level = good
            let written = try EncryptedHeatRun(header: header, heat: [:], trend: [:], context: context)
            let read = try EncryptedHeatRun(envelope: written.envelope(), context: context, source: "empty run")
            #expect(read.header.level == good && read.heat.isEmpty && read.trend.isEmpty)
        }
    }
}
