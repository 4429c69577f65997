import Foundation
import HeatEnvelope
import HeatFHE
import Testing
@testable import HeatCore

/// Encrypted group aggregates, sharding and merging (issue 14), against the plaintext pipeline.
@Suite(.serialized) struct EncryptedAggregateTests {
    static let preset = "n8192-logq217-logt41"

    /// A plaintext store and an encrypted store of the same data, with role folders holding
    /// Galois keys for the aggregates.
    struct Fixture {
        var folder: URL
        var store: HeatStore
        var plainStore: HeatStore
        var keys: String

        init(interactions: [Interaction], clients: [Client]) throws {
            folder = try StoreTestSupport.temporaryDirectory()
            store = try HeatStore.initialize(path: folder.appending(path: "heat.db").path).store
            plainStore = try HeatStore.initialize(path: folder.appending(path: "plain.db").path).store
            keys = folder.appending(path: "keys").path
            let generated = try KeyFolder.generate(at: keys)
            try KeyRegistry.recordGenerated(generated, in: store)
            _ = try PipelineKeys.generate(at: keys, preset: EncryptedAggregateTests.preset, aggregates: true)
            let collector = try Collector(folder: KeyFolder(path: "\(keys)/collector", role: .collector))
            let source = StoreIngestor.Source(name: "export.csv", inputHash: String(repeating: "0", count: 64))
            _ = try collector.ingestor().ingest(interactions, clients: clients, into: store, source: source)
            _ = try StoreIngestor(key: generated.pseudonymisationKey).ingest(interactions, clients: clients, into: plainStore, source: source)
        }

        var evaluatorFolder: KeyFolder { get throws { try KeyFolder(path: "\(keys)/evaluator", role: .evaluator) } }
        func evaluator() throws -> Evaluator { try Evaluator(folder: evaluatorFolder) }
        func keyHolder() throws -> KeyHolder { try KeyHolder(keysAt: "\(keys)/keyholder") }
    }

    /// The plaintext pipeline's group totals: (kind, ref) -> (clients, heat sum, trend sum).
    static func plaintextTotals(_ store: HeatStore) throws -> [String: GroupAggregate] {
        let entries = try ClientDirectory.entries(in: store, scoring: HeatConfiguration())
        var totals: [String: GroupAggregate] = [:]
        for entry in entries {
            let keys: [(GroupSummary.Kind, String?)] = [
                (.manager, entry.manager), (.branch, entry.branch), (.segment, entry.segment), (.region, entry.region),
            ]
            for (kind, ref) in keys {
                guard let ref else { continue }
                var total = totals["\(kind.rawValue) \(ref)"] ?? GroupAggregate(kind: kind, ref: ref, clients: 0, heatSum: 0, trendSum: 0)
                total.clients += 1
                total.heatSum += entry.heat ?? 0
                total.trendSum += entry.trend ?? 0
                totals["\(kind.rawValue) \(ref)"] = total
            }
        }
        return totals
    }

    /// Every released aggregate equals the plaintext pipeline's sums exactly; groups at k are
    /// released, groups just under k are never summed into the file (so never decrypted).
    @Test(arguments: [(UInt64(3), 60, 8, 3), (UInt64(11), 140, 12, 4), (UInt64(2026), 220, 20, 6)])
    func aggregatesEqualThePlaintextSums(seed: UInt64, clients: Int, weeks: Int, managers: Int) throws {
        let dataset = SyntheticBank(clients: clients, managers: managers, branches: 2, weeks: weeks, seed: seed).generate()
        let fixture = try Fixture(interactions: dataset.interactions, clients: dataset.clients)
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let evaluator = try fixture.evaluator()
        let galoisKeys = try evaluator.galoisKeys(in: fixture.evaluatorFolder)
        let run = try evaluator.evaluate(store: fixture.store, configuration: HeatConfiguration())
        let expected = try Self.plaintextTotals(fixture.plainStore)
        let keyHolder = try fixture.keyHolder()
        // k at the size of the smallest manager group (that group is released at k), then one
        // more (the same group is just under k and must vanish).
        let smallest = try #require(expected.values.filter { $0.kind == .manager }.map(\.clients).min())
        for k in [smallest, smallest + 1] {
            let aggregates = try evaluator.aggregates(of: run, store: fixture.store, galoisKeys: galoisKeys, minGroupSize: k)
            let decrypted = try keyHolder.decrypt(aggregates: aggregates)
            let released = Dictionary(uniqueKeysWithValues: decrypted.map { ("\($0.kind.rawValue) \($0.ref)", $0) })
            let eligible = expected.filter { $0.value.clients >= k }
            #expect(Set(released.keys) == Set(eligible.keys), "exactly the groups of at least k = \(k) clients")
            for (key, total) in eligible {
                #expect(released[key] == total, "\(key): encrypted \(String(describing: released[key])) vs plaintext \(total)")
            }
            #expect(Set(decrypted.map(\.kind)).isSuperset(of: [.manager, .branch, .region]) || k > smallest)
            // Cross-cutting segments are present, and the hierarchy above managers is summed by nesting.
            #expect(decrypted.contains { $0.kind == .segment })
            #expect(aggregates.header.groups.filter { $0.kind == .branch || $0.kind == .region }.allSatisfy { $0.method == "nested" })
            // Noise budget left after the masks and rotations, and the file round-trips.
            #expect(try keyHolder.noiseBudget(of: aggregates) > 5)
            let reread = try EncryptedAggregates(
                envelope: Envelope(decoding: aggregates.envelope().serialized(), expecting: .encryptedAggregates, source: "t"),
                context: keyHolder.context, source: "t")
            #expect(reread.outputHash == aggregates.outputHash)
            if k > smallest {
                #expect((aggregates.header.suppressed["manager"] ?? 0) >= 1)
            }
        }
    }

    /// The released groups go through ``ReleaseEngine`` exactly as plaintext groups: with noise off
    /// the encrypted release (totals from the encrypted aggregates) equals the plaintext release.
    @Test func releaseThroughTheEngineEqualsPlaintext() throws {
        let dataset = SyntheticBank(clients: 120, managers: 5, branches: 2, weeks: 10, seed: 5).generate()
        let fixture = try Fixture(interactions: dataset.interactions, clients: dataset.clients)
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let evaluator = try fixture.evaluator()
        let run = try evaluator.evaluate(store: fixture.store, configuration: HeatConfiguration())
        let aggregates = try evaluator.aggregates(
            of: run, store: fixture.store, galoisKeys: evaluator.galoisKeys(in: fixture.evaluatorFolder), minGroupSize: 5)
        let keyHolder = try fixture.keyHolder()
        let entries = try EncryptedClientDirectory.entries(in: fixture.store, keyHolder: keyHolder, run: run)
        var encrypted = try StoreRelease.input(from: fixture.store, configuration: HeatConfiguration(), asOf: run.header.asOf, entries: entries)
        encrypted.mode = .encrypted
        encrypted.groupAggregates = try keyHolder.decrypt(aggregates: aggregates)
        var plain = try StoreRelease.input(from: fixture.plainStore, configuration: HeatConfiguration(), asOf: run.header.asOf)
        plain.mode = .encrypted
        let engine = ReleaseEngine(policy: .default)
        let now = UTCTimestamp(secondsSinceEpoch: 0)
        let request = ReleaseRequest(role: "executive", sections: [.groups, .population])
        let a = try engine.release(encrypted, request: request, generatedAt: now).document
        let b = try engine.release(plain, request: request, generatedAt: now).document
        #expect(a.groups?.isEmpty == false)
        #expect(a.groups == b.groups)
        #expect(a.population == b.population)
    }

    /// A plaintext modulus that cannot hold the largest group's sum is refused with exit 69,
    /// naming the preset that would.
    @Test func aggregatesRefuseATooSmallPlaintextModulus() throws {
        let small = try BfvParameters(preset: "n8192-logq217-logt25")
        #expect(throws: PipelineError.self) {
            try Evaluator.checkSumBound(small, configuration: HeatConfiguration(), largestGroup: 100)
        }
        do {
            try Evaluator.checkSumBound(small, configuration: HeatConfiguration(), largestGroup: 100)
        } catch let error as PipelineError {
            #expect(error.category.exitCode == 69)
            #expect(error == .aggregateSumTooLarge(preset: small.name, bound: String(HeatConfiguration().maximumHeat * 100), fitting: Self.preset))
        }
        try Evaluator.checkSumBound(try BfvParameters(preset: Self.preset), configuration: HeatConfiguration(), largestGroup: 100_000)
        #expect(try Evaluator.preset(forAggregatesOf: HeatConfiguration(), largestGroup: 100_000).name == Self.preset)
        #expect(throws: PipelineError.self) {
            _ = try Evaluator.preset(forAggregatesOf: HeatConfiguration(), largestGroup: Int.max / 2)
        }
    }

    /// Two slot batches: sharded parts merged give the unsharded run's bytes, and the
    /// aggregates over both batches equal the plaintext sums.
    @Test func shardedRunsMergeToTheUnshardedBytes() throws {
        let slots = 8192
        let count = slots + 40
        var interactions: [Interaction] = []
        var clients: [Client] = []
        for index in 0..<count {
            let client = "CLIENT-\(index)"
            let manager = "MGR-\(index % 7)"
            let branch = "BR-\(index % 7 % 2)"
            clients.append(Client(clientID: client, segment: ["retail", "private", "business"][index % 3], region: index % 7 % 2 == 0 ? "North" : "South",
                                  openedOn: nil, managerID: manager, branch: branch))
            interactions.append(try StoreTestSupport.interaction(
                event: "E-\(index)-a", client: client, manager: manager, branch: branch, at: "2026-03-02T09:30:00Z", seconds: 60 * (index % 9)))
            if index % 5 == 0 {
                interactions.append(try StoreTestSupport.interaction(
                    event: "E-\(index)-b", client: client, manager: manager, branch: branch, channel: .email, at: "2026-03-10T09:30:00Z", seconds: nil))
            }
        }
        let fixture = try Fixture(interactions: interactions, clients: clients)
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let evaluator = try fixture.evaluator()
        let whole = try evaluator.evaluate(store: fixture.store, configuration: HeatConfiguration())
        #expect(whole.header.batches == [0, 1])
        let wholeBytes = whole.envelope().serialized()
        for n in [2, 3] {
            var parts: [Envelope] = []
            for i in 0..<n {
                let part = try evaluator.evaluate(
                    store: fixture.store, configuration: HeatConfiguration(), shard: try #require(EvaluationShard(index: i, count: n)))
                #expect(part.header.shard == "\(i)/\(n)")
                parts.append(part.envelope())
            }
            let merged = try EncryptedHeatRun.merge(parts.reversed())
            #expect(merged.serialized() == wholeBytes, "merged \(n) parts must equal the unsharded run byte for byte")
            #expect(throws: PipelineError.self) { _ = try EncryptedHeatRun.merge(Array(parts.dropLast())) }
        }
        #expect(throws: PipelineError.self) { _ = try EncryptedHeatRun.merge([whole.envelope()]) }
        let aggregates = try evaluator.aggregates(
            of: whole, store: fixture.store, galoisKeys: evaluator.galoisKeys(in: fixture.evaluatorFolder), minGroupSize: 5)
        let decrypted = try fixture.keyHolder().decrypt(aggregates: aggregates)
        let expected = try Self.plaintextTotals(fixture.plainStore)
        #expect(decrypted.count == expected.count)
        for total in decrypted { #expect(expected["\(total.kind.rawValue) \(total.ref)"] == total) }
    }
}
