import Foundation
import GRDB
import HeatEnvelope
import HeatFHE
import Testing
@testable import HeatCore

/// The encrypted pipeline (issue 13): collector, evaluator and key holder against the plaintext
/// pipeline, role separation and manager masking.
@Suite(.serialized) struct EncryptedPipelineTests {
    static let preset = "n8192-logq217-logt25"

    /// A store plus role folders with FHE keys.
    struct Fixture {
        var folder: URL
        var store: HeatStore
        var keys: String
        var key: PseudonymisationKey
        var collector: Collector
        var generated: GeneratedKeys

        init(configuration: HeatConfiguration = HeatConfiguration()) throws {
            folder = try StoreTestSupport.temporaryDirectory()
            store = try HeatStore.initialize(path: folder.appending(path: "heat.db").path).store
            keys = folder.appending(path: "keys").path
            generated = try KeyFolder.generate(at: keys)
            try KeyRegistry.recordGenerated(generated, in: store)
            key = generated.pseudonymisationKey
            _ = try PipelineKeys.generate(at: keys, preset: EncryptedPipelineTests.preset)
            collector = try Collector(folder: KeyFolder(path: "\(keys)/collector", role: .collector), configuration: configuration)
        }

        func keyHolder() throws -> KeyHolder { try KeyHolder(keysAt: "\(keys)/keyholder") }
        func evaluator() throws -> Evaluator { try Evaluator(keysAt: "\(keys)/evaluator") }
    }

    static func source(_ name: String) -> StoreIngestor.Source { .init(name: name, inputHash: String(repeating: "0", count: 64)) }

    // MARK: Exactness

    /// Several seeds and sizes; the second export repeats the first and adds a third of the
    /// events spread over every week (late events), which arrive as delta ciphertexts.
    @Test(arguments: [(UInt64(1), 40, 12), (UInt64(7), 90, 20), (UInt64(2026), 150, 30)])
    func encryptedEqualsPlaintextSlotForSlot(seed: UInt64, clients: Int, weeks: Int) throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let dataset = SyntheticBank(clients: clients, managers: 6, branches: 2, weeks: weeks, seed: seed).generate()
        let early = dataset.interactions.enumerated().filter { $0.offset % 3 != 0 }.map(\.element)
        let plainStore = try HeatStore.initialize(path: fixture.folder.appending(path: "plain.db").path).store
        let plain = StoreIngestor(key: fixture.key)
        let encrypted = fixture.collector.ingestor()
        _ = try plain.ingest(early, clients: dataset.clients, into: plainStore, source: Self.source("early.csv"))
        let first = try encrypted.ingest(early, clients: dataset.clients, into: fixture.store, source: Self.source("early.csv"))
        _ = try plain.ingest(dataset.interactions, clients: [], into: plainStore, source: Self.source("all.csv"))
        let second = try encrypted.ingest(dataset.interactions, clients: [], into: fixture.store, source: Self.source("all.csv"))
        #expect(first.mode == "encrypted" && first.ciphertextsAdded > 0 && first.bucketRowsAdded == 0)
        #expect(second.duplicatesSkipped == early.count)
        #expect(second.ciphertextsAdded > 0, "late events must append delta ciphertexts")
        // The encrypted store holds no plaintext activity at all.
        #expect(try fixture.store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM weekly_buckets") } == 0)

        let configuration = HeatConfiguration()
        let keyHolder = try fixture.keyHolder()
        let latest = try #require(ClientDirectory.buckets(in: plainStore).map(\.week).max())
        for asOf in [nil, latest.advanced(by: -3).monday] as [CalendarDate?] {
            let run = try fixture.evaluator().evaluate(store: fixture.store, configuration: configuration, asOf: asOf)
            let decrypted = try KeyHolder.scores(
                keyHolder.decrypt(run: run, store: fixture.store), configuration: configuration, store: fixture.store)
            let expected = try StoreHeat.scores(in: plainStore, configuration: configuration, asOf: asOf)
            #expect(decrypted.count == clients)
            #expect(decrypted == expected, "heat, trend, level and cooling must equal the plaintext store's for every client")
            #expect(run.header.asOfWeek == (asOf.map(StoreHeat.referenceWeek(asOf:)) ?? latest).description)
            // And the in-memory plaintext pipeline on the raw ids.
            let memory = try PlaintextHeatRun(
                interactions: dataset.interactions, clients: dataset.clients, configuration: configuration, asOf: run.header.asOf)
            let pseudonymizer = Pseudonymizer(key: fixture.key)
            for score in memory.scores {
                let value = try #require(decrypted[pseudonymizer.pseudonym(for: score.clientID, kind: .client).hex])
                #expect(value.heat == score.heat && value.trend == score.trend && value.level == score.level
                        && value.cooling == score.cooling)
            }
            // Every released number: the documents differ only in their mode.
            let now = UTCTimestamp(secondsSinceEpoch: 0)
            var released = try PipelineRelease.document(
                scores: decrypted, store: fixture.store, configuration: configuration, asOf: run.header.asOf, mode: .encrypted,
                role: "analyst", includeClients: true, generatedAt: now)
            let reference = try PipelineRelease.document(
                scores: expected, store: plainStore, configuration: configuration, asOf: run.header.asOf, mode: .plaintext,
                role: "analyst", includeClients: true, generatedAt: now)
            #expect(released.clients?.count == clients)
            released.mode = .plaintext
            #expect(released == reference)
        }
    }

    /// Caps and duration units are not additive: a late delta that crosses the caps must add
    /// exactly the change of the capped score.
    @Test func lateEventsCrossingTheCapsAddTheExactChange() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        func calls(_ range: Range<Int>) throws -> [Interaction] {
            try range.map {
                try StoreTestSupport.interaction(
                    event: "EVT-CAP-\($0)", client: "CLIENT-CAP", channel: .call, direction: .inbound,
                    at: "2026-03-02T09:\(10 + $0 % 40):00Z", seconds: 450, replyHours: 1)
            }
        }
        let ingestor = fixture.collector.ingestor()
        _ = try ingestor.ingest(try calls(0..<60), clients: [], into: fixture.store, source: Self.source("a.csv"))
        let first = try fixture.evaluator().evaluate(store: fixture.store, configuration: HeatConfiguration())
        let before = try fixture.keyHolder().decrypt(run: first, store: fixture.store)
        // 60 calls, 27,000 s = 90 units (capped 63), 60 replies: s = 12*60 + 63 + 4*60.
        #expect(before.map(\.heat) == [64 * (12 * 60 + 63 + 4 * 60)])
        _ = try ingestor.ingest(try calls(0..<70), clients: [], into: fixture.store, source: Self.source("b.csv"))
        let second = try fixture.evaluator().evaluate(store: fixture.store, configuration: HeatConfiguration())
        let after = try fixture.keyHolder().decrypt(run: second, store: fixture.store)
        #expect(after.map(\.heat) == [64 * (12 * 63 + 63 + 4 * 63)])
        #expect(after.map(\.trend) == after.map(\.heat))
        #expect(second.header.ciphertextsRead == 2)
    }

    // MARK: Presets

    @Test func presetFitsTheLargestHeatAndSignedTrend() throws {
        let configuration = HeatConfiguration()
        #expect(try HeatPacking.preset(for: configuration).name == Self.preset)
        #expect(HeatPacking.requiredPlaintextModulus(maximumHeat: 10, maximumTrend: 7) == 15)
        #expect(HeatPacking.requiredPlaintextModulus(maximumHeat: 10, maximumTrend: 3) == 11)
        // t = 33,538,049 holds heat below 2^23 and the trend centred.
        let parameters = try BfvParameters(preset: Self.preset)
        #expect(HeatPacking.fits(parameters, configuration))
        var huge = HeatConfiguration()
        huge.caps = .init(count: 65_535, durationUnits: 65_535, replies: 65_535)
        huge.weights.meeting = .init(inbound: 65_535, outbound: 65_535)
        huge.decayScale = 65_536
        // Since the 41- and 60-bit plaintext presets (issue 9) this configuration fits the largest;
        // a configuration that fits none is refused with exit 69.
        #expect(try HeatPacking.preset(for: huge).name == "n16384-logq434-logt60")
        #expect(BfvParameters.presets.contains { HeatPacking.fits($0, huge) })
        #expect(PipelineError.noPresetFits(maximumHeat: huge.maximumHeat, maximumTrend: huge.maximumTrendMagnitude).category.exitCode == 69)
        // A configuration that fits only the largest preset is refused for smaller keys, naming the fitting preset.
        var large = HeatConfiguration()
        large.caps = .init(count: 600, durationUnits: 600, replies: 600)
        #expect(try HeatPacking.preset(for: large).name == "n8192-logq217-logt41")
        let tooSmall = #expect(throws: PipelineError.self) { try HeatPacking.check(parameters, for: large) }
        #expect(tooSmall?.category.exitCode == 69)
        #expect(tooSmall?.hint?.contains("n8192-logq217-logt41") == true)
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let unusable = #expect(throws: PipelineError.self) {
            _ = try PipelineKeys.generate(at: folder.path, preset: "n4096-logq109-logt17")
        }
        #expect(unusable?.category.exitCode == 69)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    // MARK: Roles

    /// Every way to build an evaluator refuses a secret key.
    @Test func evaluatorNeverHoldsTheSecretKey() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let keyholder = "\(fixture.keys)/keyholder"
        let evaluatorFolder = "\(fixture.keys)/evaluator"
        // 1. The key holder's folder opened as an evaluator folder.
        #expect(throws: KeyError.self) { _ = try KeyFolder(path: keyholder, role: .evaluator) }
        #expect(throws: KeyError.self) { _ = try Evaluator(keysAt: keyholder) }
        // 2. A key holder folder handed over as such.
        let opened = try KeyFolder(path: keyholder, role: .keyholder)
        #expect(throws: PipelineError.self) { _ = try Evaluator(folder: opened) }
        #expect(throws: PipelineError.self) { _ = try PipelineKeys.publicMaterial(in: opened) }
        // 3. The secret key copied, renamed as the public key, or linked into the evaluator folder.
        let secret = "\(keyholder)/\(PipelineKeys.secretKeyFile)"
        for (name, link) in [("copy.heat", false), (PipelineKeys.publicKeyFile, false), ("linked.heat", true)] {
            let target = "\(evaluatorFolder)/\(name)"
            let saved = try? Data(contentsOf: URL(filePath: target))
            try? FileManager.default.removeItem(atPath: target)
            if link {
                try FileManager.default.createSymbolicLink(atPath: target, withDestinationPath: secret)
            } else {
                try FileManager.default.copyItem(atPath: secret, toPath: target)
            }
            let error = #expect(throws: KeyError.self) { _ = try Evaluator(keysAt: evaluatorFolder) }
            #expect(error?.category.exitCode == 64)
            try FileManager.default.removeItem(atPath: target)
            if let saved { try saved.write(to: URL(filePath: target)) }
        }
        // 4. A working evaluator stores no secret key anywhere in its value.
        let evaluator = try fixture.evaluator()
        func holdsSecret(_ value: Any, depth: Int) -> Bool {
            if "\(type(of: value))".contains("SecretKey") { return true }
            guard depth > 0 else { return false }
            return Mirror(reflecting: value).children.contains { holdsSecret($0.value, depth: depth - 1) }
        }
        #expect(!holdsSecret(evaluator, depth: 3))
        #expect(holdsSecret(try fixture.keyHolder(), depth: 3), "the reflection check must see a key holder's key")
        // The collector cannot decrypt either: its folder refuses a secret key.
        try FileManager.default.copyItem(atPath: secret, toPath: "\(fixture.keys)/collector/copy.heat")
        #expect(throws: KeyError.self) { _ = try KeyFolder(path: "\(fixture.keys)/collector", role: .collector) }
    }

    /// A manager's release multiplies every other slot by zero before decryption.
    @Test func managerReleaseDecryptsNoOtherManagersSlots() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let dataset = SyntheticBank(clients: 60, managers: 4, branches: 2, weeks: 10, seed: 5).generate()
        _ = try fixture.collector.ingestor().ingest(
            dataset.interactions, clients: dataset.clients, into: fixture.store, source: Self.source("all.csv"))
        let run = try fixture.evaluator().evaluateAndRecord(store: fixture.store, configuration: HeatConfiguration()).run
        let keyHolder = try fixture.keyHolder()
        let everyone = try keyHolder.decrypt(run: run, store: fixture.store)
        let directory = try KeyHolder.directory(in: fixture.store)
        let manager = try #require(directory.compactMap { $0.manager }.first)
        let mine = Set(directory.filter { $0.manager == manager }.map { $0.slot })
        #expect(!mine.isEmpty && mine.count < directory.count)
        #expect(everyone.contains { !mine.contains($0.slot) && $0.heat != 0 }, "other managers' clients have heat to hide")

        // The decrypted plaintext itself: zero in every slot but the manager's.
        var mask = [Bool](repeating: false, count: keyHolder.context.degree)
        for slot in mine { mask[Int(slot)] = true }
        let heat = try keyHolder.decryptSlots(try #require(run.heat[0]), mask: mask, signed: false)
        let trend = try keyHolder.decryptSlots(try #require(run.trend[0]), mask: mask, signed: true)
        for slot in 0..<keyHolder.context.degree where !mine.contains(Int64(slot)) {
            #expect(heat[slot] == 0 && trend[slot] == 0, "slot \(slot) of another manager was decrypted")
        }
        // What decrypt(run:store:manager:) itself decrypts: no other manager's slot.
        final class Seen: @unchecked Sendable { var vectors: [[Int64]] = [] }
        let seen = Seen()
        var observed = keyHolder
        observed.slotObserver = { seen.vectors.append($0) }
        let released = try observed.decrypt(run: run, store: fixture.store, manager: manager)
        #expect(seen.vectors.count == 2)
        for vector in seen.vectors {
            #expect(vector.indices.allSatisfy { mine.contains(Int64($0)) || vector[$0] == 0 },
                    "the manager's release decrypted another manager's slot")
        }
        #expect(Set(released.map(\.slot)) == mine)
        #expect(released == everyone.filter { mine.contains($0.slot) })
        for value in released {
            #expect(heat[Int(value.slot)] == Int64(value.heat) && trend[Int(value.slot)] == Int64(value.trend))
        }

        // The release command's library path: only that manager's clients, by masked reference.
        let document = try keyHolder.release(
            run: run, store: fixture.store, configuration: HeatConfiguration(), role: .manager, manager: manager.displayRef)
        #expect(document.clients?.count == mine.count)
        #expect(document.groups == nil)
        let executive = try keyHolder.release(run: run, store: fixture.store, configuration: HeatConfiguration(), role: .executive)
        #expect(executive.clients == nil && executive.population?.clients == directory.count)
        var other = HeatConfiguration()
        other.levels.hot = 50_000
        let mismatch = #expect(throws: PipelineError.self) {
            _ = try keyHolder.release(run: run, store: fixture.store, configuration: other, role: .executive)
        }
        #expect(mismatch?.category.exitCode == 78)
    }

    // MARK: Logging, files, audit

    @Test func evaluationIsDeterministicLoggedAndItsFileRoundTrips() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        _ = try fixture.collector.ingestor().ingest(
            try StoreTestSupport.interactions(0..<40), clients: [], into: fixture.store, source: Self.source("a.csv"))
        let evaluator = try fixture.evaluator()
        let (run, number) = try evaluator.evaluateAndRecord(store: fixture.store, configuration: HeatConfiguration())
        let again = try evaluator.evaluate(store: fixture.store, configuration: HeatConfiguration())
        #expect(run.outputHash == again.outputHash)
        #expect(run.header.multiplicativeDepth == 0)
        let logged = try #require(try ComputationLog.runs(in: fixture.store).last)
        #expect(logged.seq == number && logged.kind == "evaluate")
        #expect(logged.inputHash == run.header.inputHash && logged.outputHash == run.outputHash)
        let audit = try #require(try AuditLog.entries(in: fixture.store, action: AuditAction.computation).last)
        #expect(audit.role == "evaluator" && audit.outputHash == run.outputHash)

        let url = fixture.folder.appending(path: "run.heat")
        try run.envelope().write(to: url)
        let keyHolder = try fixture.keyHolder()
        let loaded = try EncryptedHeatRun.read(from: url, context: keyHolder.context)
        #expect(loaded.header == run.header && loaded.outputHash == run.outputHash)
        #expect(try keyHolder.decrypt(run: loaded, store: fixture.store) == keyHolder.decrypt(run: run, store: fixture.store))
        // A flipped byte is caught by the envelope checksum (exit 65).
        var bytes = try Data(contentsOf: url)
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: url)
        let corrupt = #expect(throws: PipelineError.self) { _ = try EncryptedHeatRun.read(from: url, context: keyHolder.context) }
        #expect(corrupt?.category.exitCode == 65)
        // The noise budget left is ample, also after a release mask.
        #expect(try keyHolder.noiseBudget(of: run) > 60)
        #expect(try keyHolder.maskedNoiseBudget(of: run) > 20)
    }

    @Test func auditVerifyCoversTheCiphertextChains() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        _ = try fixture.collector.ingestor(signer: StoreTestSupport.signer(fixture.generated)).ingest(
            try StoreTestSupport.interactions(0..<20), clients: [], into: fixture.store, source: Self.source("a.csv"))
        let pinned = fixture.generated.signingKey.verificationKey
        #expect(try StoreVerifier.verify(store: fixture.store, pinnedKey: pinned, anchor: .firstHead, allowUnsignedTail: true).intact)
        // The collector's signature covers the ciphertext rows: the run verifies signed, end to end.
        let head = try HeadSigner.sign(store: fixture.store, with: fixture.generated.signingKey, anchor: .firstHead)
        #expect(try StoreVerifier.verify(store: fixture.store, pinnedKey: pinned, anchor: .previous(head)).intact)
        for table in [ChainedTable.ciphertexts, .collectorState] {
            #expect(throws: StoreError.self) {
                try fixture.store.write { db in try db.execute(sql: "DELETE FROM \(table.name)") }
            }
        }
        // Swapping a ciphertext for another one breaks the chain.
        try StoreTestSupport.attacker(fixture.store.path).write { db in
            try StoreTestSupport.dropTriggers(db, "ciphertexts")
            try db.execute(sql: "UPDATE ciphertexts SET week = '2020-W01' WHERE seq = 1")
        }
        let report = try StoreVerifier.verify(store: fixture.store, pinnedKey: pinned, anchor: .previous(head))
        #expect(!report.intact)
        #expect(report.violations.contains { $0.table == "ciphertexts" })
    }

    @Test func sealedStateOpensOnlyWithTheCollectorsKey() throws {
        var week = WeekActivity()
        week[.call, .inbound] = ActivityBucket(count: 3, durationSeconds: 900, replies: 1)
        week[.message, .outbound] = ActivityBucket(count: 70_000, durationSeconds: 0, replies: 0)
        let state = CollectorState(activity: [0: week, 4_095: WeekActivity(), 17: week])
        let isoWeek = try ISOWeek(parsing: "2026-W10")
        let key = CollectorState.sealingKey(from: .insecureDerived(from: "a"))
        let sealed = try state.sealed(with: key, week: isoWeek, batch: 2)
        #expect(try CollectorState(sealed: sealed, key: key, week: isoWeek, batch: 2) == state)
        #expect(throws: PipelineError.self) {
            _ = try CollectorState(sealed: sealed, key: CollectorState.sealingKey(from: .insecureDerived(from: "b")), week: isoWeek, batch: 2)
        }
        #expect(throws: PipelineError.self) { _ = try CollectorState(sealed: sealed, key: key, week: isoWeek, batch: 3) }
    }
}
