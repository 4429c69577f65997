import Foundation
import GRDB
import HeatEnvelope
import HeatFHE
import Testing
@testable import HeatCore

/// Issue 27 (s35): score releases follow the directory versions, and the key holder's SDK decryption
/// checks the versions itself. On a versioned store with encrypted churn scores: a client moved from
/// manager A to B goes to B (its score, its group band, its ledger tag) and not to A; a closed account
/// has no row and is in no group; the `k` check counts the members at the reference week. Through the
/// SDK, without the CLI: a heat run computed under an older directory version is refused (exit 65),
/// and a forged, unsigned version (its chain recomputed) refuses every manager decryption (exit 1).
@Suite(.serialized) struct VersionedScoreReleaseTests {
    struct Fixture {
        var store: HeatStore
        var folder: URL
        var keys: String
        var generated: GeneratedKeys
        var head: SignedHead
        var dataset: SyntheticDataset
        var scores: EncryptedScoreRun
        var keyHolder: KeyHolder
        var evaluator: Evaluator
        func ref(_ id: String, _ kind: Pseudonym.Kind) -> Pseudonym { Pseudonymizer(key: generated.pseudonymisationKey).pseudonym(for: id, kind: kind) }
    }

    /// A signed store with encrypted feature streams and the encrypted scores of a model trained by
    /// the scoring demo on the same dataset.
    static func fixture(seed: UInt64) throws -> Fixture {
        let dataset = ScoreReleaseTests.dataset(seed: seed, clients: 60)
        let (outcome, _) = try ScoreReleaseTests.run(dataset, seed: seed)
        let folder = try StoreTestSupport.temporaryDirectory()
        let store = try HeatStore.initialize(path: folder.appending(path: "heat.db").path).store
        let keys = folder.appending(path: "keys").path
        let generated = try KeyFolder.generate(at: keys)
        try KeyRegistry.recordGenerated(generated, in: store)
        _ = try PipelineKeys.generate(at: keys, preset: outcome.preset)
        var collector = try Collector(folder: KeyFolder(path: "\(keys)/collector", role: .collector))
        collector.encryptsFeatureStreams = true
        _ = try collector.ingestor(signer: StoreTestSupport.signer(generated)).ingest(
            dataset.interactions, clients: dataset.clients, into: store, source: .init(name: "export.csv", inputHash: String(repeating: "0", count: 64)))
        let head = try HeadSigner.sign(store: store, with: generated.signingKey, anchor: .firstHead)
        let evaluator = try Evaluator(folder: KeyFolder(path: "\(keys)/evaluator", role: .evaluator))
        let scores = try evaluator.score(features: evaluator.evaluateFeatures(store: store, featureSet: ChurnFeatureSet()), model: outcome.model)
        let keyHolder = try KeyHolder(keysAt: "\(keys)/keyholder")
        return Fixture(store: store, folder: folder, keys: keys, generated: generated, head: head, dataset: dataset, scores: scores,
                       keyHolder: keyHolder, evaluator: evaluator)
    }

    @Test func aMovedClientsScoreGoesToTheManagerHoldingItAtTheReferenceWeek() throws {
        let f = try Self.fixture(seed: 51)
        defer { try? FileManager.default.removeItem(at: f.folder) }
        let reference = try ISOWeek(parsing: f.scores.header.asOfWeek)
        // A is the smallest manager, B the largest, C a third: X moves A -> B, Z (of C) closes, both from the reference week.
        let sizes = Dictionary(grouping: f.dataset.clients, by: \.managerID).mapValues(\.count).sorted { ($0.value, $0.key) < ($1.value, $1.key) }
        try #require(sizes.count >= 3)
        let (a, b, c) = (sizes[0].key, sizes[sizes.count - 1].key, sizes[1].key)
        let (sizeA, sizeB) = (sizes[0].value, sizes[sizes.count - 1].value)
        try #require(sizeA >= 2 && sizeB >= sizeA)
        let x = try #require(f.dataset.clients.first { $0.managerID == a })
        let z = try #require(f.dataset.clients.first { $0.managerID == c })
        let (px, pz) = (f.ref(x.clientID, .client), f.ref(z.clientID, .client))
        let (pa, pb) = (f.ref(a, .manager), f.ref(b, .manager))
        let everyScore = try f.keyHolder.decrypt(scores: f.scores, store: f.store)   // before any change: all clients
        var head = try DirectoryChanger.apply(.move(client: px.displayRef, manager: .reference(pb.displayRef), branch: nil), from: reference,
                                              store: f.store, key: f.generated.signingKey, anchor: .previous(f.head)).head
        head = try DirectoryChanger.apply(.close(client: pz.displayRef), from: reference, store: f.store, key: f.generated.signingKey,
                                          anchor: .previous(head)).head

        // The SDK decryption by manager: X is B's, not A's; the closed account is nobody's.
        let ofA = try f.keyHolder.decrypt(scores: f.scores, store: f.store, manager: pa)
        let ofB = try f.keyHolder.decrypt(scores: f.scores, store: f.store, manager: pb)
        let ofC = try f.keyHolder.decrypt(scores: f.scores, store: f.store, manager: f.ref(c, .manager))
        func ids(_ manager: String) -> Set<Pseudonym> { Set(f.dataset.clients.filter { $0.managerID == manager }.map { f.ref($0.clientID, .client) }) }
        #expect(Set(ofA.map(\.pseudonym)) == ids(a).subtracting([px]), "the old manager no longer gets the moved client")
        #expect(Set(ofB.map(\.pseudonym)) == ids(b).union([px]), "the new manager gets it")
        #expect(Set(ofC.map(\.pseudonym)) == ids(c).subtracting([pz]), "a closed account is nobody's")
        let exact = Dictionary(uniqueKeysWithValues: everyScore.map { ($0.pseudonym, $0.score) })
        #expect(ofB.allSatisfy { exact[$0.pseudonym] == $0.score }, "the masked decryption gives the exact scores")

        // The release to B (own clients, manager bands) and its k check at the reference week:
        // with k = |A| before the move, A keeps |A| - 1 and is withheld; B has |B| + 1.
        let policy = try ScoreReleaseTests.policy("suppress", roles: #""manager": {"groups": ["manager"], "clients": "own"}"#)
        var strict = policy
        strict.minGroupSize = sizeA
        let release = try f.keyHolder.releaseScores(run: f.scores, store: f.store, policy: strict, role: "manager", manager: pb)
        let rows = Set((release.clients ?? []).map(\.ref))
        #expect(rows.contains(px.displayRef) && rows.count == sizeB + 1, "\(rows.count)")
        #expect(!rows.contains(pz.displayRef))
        let groups = Dictionary(uniqueKeysWithValues: release.groups.map { ($0.ref, $0) })
        #expect(groups[pa.displayRef] == nil, "A has |A| - 1 < k members at the reference week")
        #expect(release.withheld?.contains { $0.item == "manager \(pa.displayRef)" && $0.rule == "minGroupSize" } == true, "\(String(describing: release.withheld))")
        let model = f.scores.header.model
        var bandsOfB = Dictionary(uniqueKeysWithValues: ScoreRelease.bandNames.map { ($0, 0) })
        for member in ids(b).union([px]) { bandsOfB[ScoreRelease.band(of: model.probability(score: exact[member] ?? 0)), default: 0] += 1 }
        #expect(groups[pb.displayRef]?.bands == bandsOfB && groups[pb.displayRef]?.clients == sizeB + 1)
        #expect(release.groups.allSatisfy { $0.clients >= sizeA })
        // The differencing guard's ledger tags are the members at the reference week.
        let history = try f.store.read { db in try ReleaseLedger.history(role: "manager", in: db) }
        let recordedB = try #require(history.first { $0.kind == "manager" && $0.ref == pb.displayRef })
        #expect(recordedB.tags == ReleasedGroup(kind: "manager", ref: pb.displayRef, memberIDs: ids(b).union([px]).map(\.hex)).tags)
        #expect(!history.contains { $0.tags.contains(ReleasedGroup.tag(for: pz.hex)) }, "the closed account is in no recorded group")

        // A release to A has no row for X.
        let releaseA = try f.keyHolder.releaseScores(run: f.scores, store: f.store, policy: policy, role: "manager", manager: pa)
        #expect(!(releaseA.clients ?? []).contains { $0.ref == px.displayRef } && releaseA.clients?.count == sizeA - 1)
        // The closed account has no row for its own manager C (review s35 MEDIUM 5).
        let releaseC = try f.keyHolder.releaseScores(run: f.scores, store: f.store, policy: policy, role: "manager", manager: f.ref(c, .manager))
        #expect(!(releaseC.clients ?? []).contains { $0.ref == pz.displayRef } && releaseC.clients?.count == ids(c).count - 1)
        let report = try StoreVerifier.verify(store: f.store, pinnedKey: f.generated.signingKey.verificationKey, anchor: .previous(head),
                                              allowUnsignedTail: true)   // the releases audited after the head
        #expect(report.intact, "\(report.violations)")
    }

    /// Item 2: the checks of `KeyHolder.decrypt(run:store:manager:)` on the SDK path (and the
    /// same verification on the score paths), without the CLI.
    @Test func theSDKDecryptionRefusesAStaleRunAndAForgedVersion() throws {
        let f = try Self.fixture(seed: 52)
        defer { try? FileManager.default.removeItem(at: f.folder) }
        let reference = try ISOWeek(parsing: f.scores.header.asOfWeek)
        let managers = Array(Set(f.dataset.clients.map(\.managerID))).sorted()
        let (a, b) = (managers[0], managers[1])
        let x = try #require(f.dataset.clients.first { $0.managerID == a })
        let (px, pa, pb) = (f.ref(x.clientID, .client), f.ref(a, .manager), f.ref(b, .manager))
        let before = try f.evaluator.evaluate(store: f.store, configuration: HeatConfiguration())
        #expect(try f.keyHolder.decrypt(run: before, store: f.store, manager: pa).contains { $0.pseudonym == px })
        _ = try DirectoryChanger.apply(.move(client: px.displayRef, manager: .reference(pb.displayRef), branch: nil), from: reference,
                                       store: f.store, key: f.generated.signingKey, anchor: .previous(f.head))

        // A run computed under the earlier directory version: exit 65, naming the field, nothing decrypted.
        final class Seen: @unchecked Sendable { var vectors = 0 }
        let seen = Seen()
        var keyHolder = f.keyHolder
        keyHolder.slotObserver = { _ in seen.vectors += 1 }
        let stale = #expect(throws: PipelineError.self) { _ = try keyHolder.decrypt(run: before, store: f.store, manager: pb) }
        #expect(stale?.category.exitCode == 65 && stale?.description.contains("field directoryVersion") == true)
        #expect(seen.vectors == 0)
        let current = try f.evaluator.evaluateAndRecord(store: f.store, configuration: HeatConfiguration()).run
        #expect(try keyHolder.decrypt(run: current, store: f.store, manager: pb).contains { $0.pseudonym == px })
        #expect(try !keyHolder.decrypt(run: current, store: f.store, manager: pa).contains { $0.pseudonym == px })
        #expect(try keyHolder.decrypt(scores: f.scores, store: f.store, manager: pb).contains { $0.pseudonym == px })
        // Review s34 MEDIUM 10 (decided): the re-run after the move has the same ciphertexts; only
        // the header's directory version differs, and with the logged one the outputHash is the same.
        #expect(current.header.directoryVersion != before.header.directoryVersion)
        // (s39: the move cuts the window, so the re-run also carries the directory periods and
        // their partial sums; without them and with the logged version it is the earlier run.)
        var logged = current.header
        logged.directoryVersion = before.header.directoryVersion
        #expect(logged.periods != nil && before.header.periods == nil)
        logged.periods = nil
        logged.schema = EncryptedHeatRun.schema
        #expect(try EncryptedHeatRun(header: logged, heat: current.heat, trend: current.trend).outputHash == before.outputHash)
        // Review s35 HIGH 2: a run whose reference week does not parse is refused on a versioned store.
        var badWeek = current.header
        badWeek.asOfWeek = "x"
        let unplaced = #expect(throws: PipelineError.self) {
            _ = try keyHolder.decrypt(run: try EncryptedHeatRun(
                header: badWeek, heat: current.heat, trend: current.trend, periodHeat: current.periodHeat, periodTrend: current.periodTrend),
                store: f.store, manager: pa)
        }
        #expect(unplaced?.category.exitCode == 65 && unplaced?.description.contains("field asOfWeek") == true)
        // Review s35 HIGH 1 grouped X with B at the reference week; issue 27 (s39): X's weeks before
        // the move belong to A, and the run's period parts attribute them there: the SDK's
        // executive release gives A and B their week-attributed totals (X counted in B, as a
        // distinct member over the window, and in A for its weeks before the move).
        let executive = try keyHolder.release(run: current, store: f.store, configuration: HeatConfiguration(), role: .executive)
        let values = try keyHolder.decrypt(run: current, store: f.store)
        let timeline = try DirectoryTimeline.current(in: f.store)
        func referenceMembers(_ manager: Pseudonym) -> [DecryptedHeat] {
            values.filter { timeline.assignment(slot: $0.slot, week: reference).map { $0.active && $0.manager == manager } ?? false }
        }
        let released = (executive.groups ?? []).filter { $0.kind == .manager && [pa.displayRef, pb.displayRef].contains($0.ref) }
        #expect(!released.isEmpty, "A or B is released")
        if let groupA = released.first(where: { $0.ref == pa.displayRef }) {
            #expect(groupA.clients == referenceMembers(pa).count + 1, "X is a member of A before the move")
        }
        if released.count == 2 {
            // X's heat is split between A (weeks before the move) and B: nothing lost or counted twice.
            let total = released.reduce(0.0) { $0 + $1.meanHeat * Double($1.clients) }
            let members = (referenceMembers(pa) + referenceMembers(pb)).reduce(0) { $0 + $1.heat }
            #expect(abs(total - Double(members)) < 1e-6)
        }

        // A forged, unsigned version moving X back to A, its chain recomputed as anyone who can
        // write the database can: the run evaluated after it carries the matching chain head, so
        // only the signature tells. Every manager decryption refuses it (exit 1) before decrypting.
        let forged = DirectoryVersion(
            recordedAt: .now(), versionID: "V-0badf00d", slot: try #require(try DirectoryTimeline.current(in: f.store).clients.first { $0.pseudonym == px }).slot,
            fromWeek: reference, status: .active, manager: pa.bytes, branch: nil,
            keyFingerprint: f.generated.signingKey.verificationKey.fingerprint.hex, signature: String(repeating: "0", count: 128))
        try StoreTestSupport.attacker(f.store.path).write { db in _ = try ChainAppender(db, table: .directoryVersions).append(forged.rowValues) }
        let forgedRun = try f.evaluator.evaluate(store: f.store, configuration: HeatConfiguration())
        #expect(forgedRun.header.directoryVersion == (try DirectoryTimeline.version(in: f.store)))
        seen.vectors = 0
        var refusals: [DirectoryError] = []
        for attempt in [
            { _ = try keyHolder.decrypt(run: forgedRun, store: f.store, manager: pa) },
            { _ = try keyHolder.decrypt(run: forgedRun, store: f.store) },
            { _ = try keyHolder.release(run: forgedRun, store: f.store, configuration: HeatConfiguration(), role: .manager, manager: pa.displayRef) },
            { _ = try keyHolder.decrypt(scores: f.scores, store: f.store, manager: pa) },
            { _ = try keyHolder.releaseScores(run: f.scores, store: f.store, policy: .default, role: "executive") },
        ] as [() throws -> Void] {
            do {
                try attempt()
                Issue.record("a forged directory version was trusted")
            } catch let error as DirectoryError {
                refusals.append(error)
            }
        }
        #expect(refusals.count == 5 && refusals.allSatisfy { $0.category.exitCode == 1 })
        #expect(refusals.allSatisfy { if case .unverifiedVersions(let v) = $0 { v.count == 1 && v[0].contains("V-0badf00d") } else { false } })
        #expect(refusals.allSatisfy { !$0.description.contains(x.clientID) && !$0.description.contains(px.hex) })
        #expect(seen.vectors == 0, "nothing was decrypted before the refusal")
        // A key holder folder without its signing key cannot check the versions: refused too.
        var keyless = keyHolder
        keyless.trustedKey = nil
        #expect(throws: DirectoryError.self) { _ = try keyless.decrypt(run: forgedRun, store: f.store, manager: pb) }
        // All clients, no manager: not a selection by the directory, decrypted as before.
        #expect(try keyHolder.decrypt(scores: f.scores, store: f.store).count == f.dataset.clients.count)
    }
}
