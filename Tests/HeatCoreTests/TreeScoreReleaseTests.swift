import Foundation
import GRDB
import HeatEnvelope
import HeatFHE
import HeatML
import Testing
@testable import HeatCore

/// Issue 15, trees3: boosted-tree scores released through the logistic scores' one path (policy,
/// minimum group size, differencing guard, audit entry, ledger), and the stale-directory check
/// repeated inside the write transactions that record tree scores and releases.
@Suite(.serialized) struct TreeScoreReleaseTests {
    /// The coverage fixture's store, every ingested client encoded, the tree scores, and the
    /// plaintext quantized score of every encoded client by pseudonym.
    static func scored() throws -> (
        f: (dataset: SyntheticDataset, store: HeatStore, model: EncryptedTreeModel, key: PseudonymisationKey, asOf: CalendarDate,
            keyHolder: KeyHolder, evaluator: Evaluator, relin: BfvRelinearizationKey<UInt64>, material: PipelineKeys.PublicMaterial),
        run: EncryptedTreeScoreRun, expected: [Pseudonym: Int]
    ) {
        let f = try EncryptedTreeTests.coverageFixture()
        let (inputs, skipped) = try EncryptedTreeInputs.encrypt(
            clients: f.dataset.clients, interactions: f.dataset.interactions, asOf: f.asOf, plan: f.model.plan, store: f.store, key: f.key,
            material: f.material)
        #expect(skipped == 1)   // the fixture's last client is not ingested
        let run = try f.evaluator.score(trees: inputs, model: f.model, relinearizationKey: f.relin)
        #expect(run.header.asOfWeek == ISOWeek(containing: f.asOf).description)
        let (table, pseudonyms) = try CollectorTreeFeatures.table(
            clients: f.dataset.clients, interactions: f.dataset.interactions, asOf: f.asOf, key: f.key)
        let matrix = try f.model.plan.matrix(table)
        let ingested = Set(try KeyHolder.directory(in: f.store).map(\.client))
        var expected: [Pseudonym: Int] = [:]
        for (index, pseudonym) in pseudonyms.enumerated() where ingested.contains(pseudonym) {
            expected[pseudonym] = f.model.score(row: matrix.row(index))
        }
        #expect(Set(expected.values).count > 2, "the plaintext scores vary")
        return (f, run, expected)
    }

    /// A policy with minimum group size `k`.
    static func policy(k: Int) throws -> PrivacyPolicy {
        try PrivacyPolicy.parse(Data("""
            {"schema": "customerheat.policy/1", "name": "tree-release-test", "minGroupSize": \(k), "differencing": "suppress",
             "roles": {
               "risk_officer": {"groups": [], "clients": "all"},
               "executive": {"groups": ["manager", "branch"], "clients": "none"},
               "auditor": {"groups": [], "clients": "none"}
             }}
            """.utf8))
    }

    @Test("tree scores: per-client scores for an allowed role, band counts per group otherwise, small groups withheld, others refused (exit 77)")
    func releasesFollowPolicy() throws {
        let (f, run, expected) = try Self.scored()
        let entries = try ClientDirectory.entries(in: f.store)
        let byHex = Dictionary(uniqueKeysWithValues: entries.map { ($0.pseudonym, $0) })
        let pseudonymOf = Dictionary(uniqueKeysWithValues: expected.keys.map { ($0.hex, $0) })
        // k between the smallest and the largest manager group: one group at least is withheld, one released.
        var managerSizes: [String: Int] = [:]
        for entry in entries { if let manager = entry.manager { managerSizes[manager, default: 0] += 1 } }
        let sizes = managerSizes.values.sorted()
        let k = try #require(sizes.last)
        try #require(sizes.count >= 2 && sizes[0] < k, "manager groups \(sizes)")
        let policy = try Self.policy(k: k)

        // 1. Allowed per-client scores: every encoded client, each the plaintext quantized score.
        let allowed = try f.keyHolder.releaseScores(run: run, store: f.store, policy: policy, role: "risk_officer")
        let rows = try #require(allowed.clients)
        #expect(rows.count == expected.count)
        #expect(allowed.groups.isEmpty)
        #expect(allowed.modelKind == "gbdt")
        #expect(allowed.features == f.model.plan.columns)
        let refToPseudonym = Dictionary(uniqueKeysWithValues: entries.compactMap { entry in pseudonymOf[entry.pseudonym].map { (entry.ref, $0) } })
        for row in rows {
            let pseudonym = try #require(refToPseudonym[row.ref])
            #expect(row.score == expected[pseudonym])
            #expect(row.probability == f.model.probability(score: row.score))
            #expect(row.band == ScoreRelease.band(of: row.probability))
        }

        // 2. Banded: exact band counts per group of at least k clients, smaller groups withheld.
        let banded = try f.keyHolder.releaseScores(run: run, store: f.store, policy: policy, role: "executive", kinds: [.manager])
        #expect(banded.clients == nil)
        #expect(banded.modelKind == "gbdt")
        var bands: [String: [String: Int]] = [:]
        for (pseudonym, score) in expected {
            guard let manager = byHex[pseudonym.hex]?.manager else { continue }
            let band = ScoreRelease.band(of: f.model.probability(score: score))
            bands[manager, default: Dictionary(uniqueKeysWithValues: ScoreRelease.bandNames.map { ($0, 0) })][band, default: 0] += 1
        }
        #expect(!banded.groups.isEmpty)
        for group in banded.groups {
            #expect(group.kind == "manager")
            #expect(group.clients >= k)
            #expect(group.bands == bands[group.ref], "\(group.ref)")
        }
        let small = managerSizes.filter { $0.value < k }.map(\.key)
        #expect(banded.suppressedGroups == small.count)
        for ref in small {
            #expect(!banded.groups.contains { $0.ref == ref })
            #expect(banded.withheld?.contains { $0.item == "manager \(ref)" && $0.rule == "minGroupSize" } == true)
        }
        // Recorded like every release: an audit entry naming the model kind, the ledger's groups.
        let audit = try AuditLog.entries(in: f.store, action: AuditAction.release).filter { $0.parameters["view"] == "scores" }
        #expect(audit.count == 2)
        #expect(audit.allSatisfy { $0.parameters["model"] == "gbdt" && $0.parameters["scoresHash"] == run.outputHash })
        #expect(audit.last.map { String($0.seq ?? 0) } == banded.auditRun)
        #expect(try f.store.read { db in try ReleaseLedger.history(role: "executive", in: db) }.count == banded.groups.count)

        // 3. Refused: a role allowed neither clients nor groups, recorded as a refusal.
        do {
            _ = try f.keyHolder.releaseScores(run: run, store: f.store, policy: policy, role: "auditor")
            Issue.record("the auditor received tree scores")
        } catch let refusal as PolicyRefusal {
            #expect(refusal.category.exitCode == 77)
        }
        #expect(try AuditLog.entries(in: f.store, action: AuditAction.releaseRefused).count == 1)
        // A role asking for a kind it may not receive is refused too.
        #expect(throws: PolicyRefusal.self) {
            _ = try f.keyHolder.releaseScores(run: run, store: f.store, policy: policy, role: "executive", kinds: [.region])
        }
    }

    @Test("a client ingested between the decryption and the release's write is caught inside the write: refused (exit 65), nothing recorded")
    func releaseRechecksTheDirectoryInsideTheWrite() throws {
        let (f, run, _) = try Self.scored()
        let policy = try Self.policy(k: 2)
        let late = try #require(f.dataset.clients.last)
        var scored = ScoresToRelease.trees(run, keyHolder: f.keyHolder, store: f.store)
        let decrypt = scored.decrypt
        var ingested = false
        scored.decrypt = { manager in
            let scores = try decrypt(manager)
            if !ingested {
                // The collector ingests a client after the key holder's checks and decryption.
                ingested = true
                _ = try Collector(pseudonymisationKey: f.key, material: f.material).ingestor().ingest(
                    f.dataset.interactions.filter { $0.clientID == late.clientID }, clients: [late], into: f.store,
                    source: .init(name: "late", inputHash: ""))
            }
            return scores
        }
        let before = try AuditLog.entries(in: f.store, action: AuditAction.release).count
        var generator = SystemRandomNumberGenerator()
        do {
            _ = try f.keyHolder.release(
                scored, store: f.store, policy: policy, role: "executive", manager: nil, bandCuts: ScoreRelease.defaultCuts, kinds: nil,
                epsilon: nil, now: nil, using: &generator)
            Issue.record("the release was recorded although the directory changed before its write")
        } catch let error as TreeScoringError {
            #expect(error.category.exitCode == 65)
            guard case .staleDirectory(_, let encodedOn, let now) = error else { throw error }
            #expect(now == encodedOn + 1)
            #expect(!error.description.contains(late.clientID))
        }
        #expect(ingested)
        #expect(try AuditLog.entries(in: f.store, action: AuditAction.release).count == before)
        #expect(try f.store.read { db in try ReleaseLedger.history(role: "executive", in: db) }.isEmpty)
    }

    @Test("the evaluator logs tree scores only while the directory is the one the bits were encoded against (checked inside the log's write)")
    func recordRechecksTheDirectory() throws {
        let f = try EncryptedTreeTests.coverageFixture()
        let (inputs, _) = try EncryptedTreeInputs.encrypt(
            clients: f.dataset.clients, interactions: f.dataset.interactions, asOf: f.asOf, plan: f.model.plan, store: f.store, key: f.key,
            material: f.material)
        let runs = try ComputationLog.runs(in: f.store).count
        let (run, number) = try f.evaluator.scoreAndRecord(
            trees: inputs, model: f.model, relinearizationKey: f.relin, store: f.store, source: "bits.heat")
        #expect(try ComputationLog.runs(in: f.store).count == runs + 1)
        #expect(try ComputationLog.runs(in: f.store).last?.outputHash == run.outputHash)
        #expect(number > 0)
        let late = try #require(f.dataset.clients.last)
        _ = try Collector(pseudonymisationKey: f.key, material: f.material).ingestor().ingest(
            f.dataset.interactions.filter { $0.clientID == late.clientID }, clients: [late], into: f.store, source: .init(name: "late", inputHash: ""))
        let afterIngest = try ComputationLog.runs(in: f.store).count   // the ingestion logs its own run
        do {
            _ = try f.evaluator.scoreAndRecord(trees: inputs, model: f.model, relinearizationKey: f.relin, store: f.store, source: "bits.heat")
            Issue.record("tree scores of a stale encoding were logged")
        } catch let error as TreeScoringError {
            #expect(error.category.exitCode == 65)
            #expect(error.description.hasPrefix("bits.heat: field coverage"))
        }
        #expect(try ComputationLog.runs(in: f.store).count == afterIngest)
        #expect(try ComputationLog.runs(in: f.store).filter { $0.kind == "score.trees" }.count == 1)
    }

    @Test("one digest of the slot layout: the tree coverage's directory is the logistic scores' DirectorySnapshot")
    func coverageUsesTheDirectorySnapshot() throws {
        let f = try EncryptedTreeTests.coverageFixture()
        let directory = try KeyHolder.directory(in: f.store).map { (client: $0.client, slot: $0.slot) }
        let coverage = TreeEncodingCoverage.make(encodedSlots: directory.map(\.slot), directory: directory)
        let snapshot = try DirectorySnapshot.current(in: f.store)
        #expect(coverage.directory == snapshot)
        #expect(try f.store.read { db in try DirectorySnapshot.read(in: db) } == DirectorySnapshot(entries: Array(directory.reversed())))
        #expect(try coverage.check(directory: directory, source: "s").count == directory.count)
        // A moved slot changes the digest, not the count: refused as stale.
        var moved = directory
        moved[0].slot = (directory.map(\.slot).max() ?? 0) + 100
        #expect(DirectorySnapshot(entries: moved).clients == snapshot.clients)
        #expect(DirectorySnapshot(entries: moved).digest != snapshot.digest)
        #expect(throws: TreeScoringError.self) { _ = try coverage.check(directory: moved, source: "s") }
    }
}
