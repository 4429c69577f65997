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
    static func scored() async throws -> (
        f: (dataset: SyntheticDataset, store: HeatStore, model: EncryptedTreeModel, key: PseudonymisationKey, asOf: CalendarDate,
            keyHolder: KeyHolder, evaluator: Evaluator, relin: BfvRelinearizationKey<UInt64>, material: PipelineKeys.PublicMaterial),
        run: EncryptedTreeScoreRun, expected: [Pseudonym: Int]
    ) {
        let f = try EncryptedTreeTests.coverageFixture()
        let (inputs, skipped) = try EncryptedTreeInputs.encrypt(
            clients: f.dataset.clients, interactions: f.dataset.interactions, asOf: f.asOf, plan: f.model.plan, store: f.store, key: f.key,
            material: f.material)
        #expect(skipped == 1)   // the fixture's last client is not ingested
        let run = try await f.evaluator.score(trees: inputs, model: f.model, relinearizationKey: f.relin)
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
    func releasesFollowPolicy() async throws {
        let (f, run, expected) = try await Self.scored()
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
    func releaseRechecksTheDirectoryInsideTheWrite() async throws {
        let (f, run, _) = try await Self.scored()
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
    func recordRechecksTheDirectory() async throws {
        let f = try EncryptedTreeTests.coverageFixture()
        let (inputs, _) = try EncryptedTreeInputs.encrypt(
            clients: f.dataset.clients, interactions: f.dataset.interactions, asOf: f.asOf, plan: f.model.plan, store: f.store, key: f.key,
            material: f.material)
        let runs = try ComputationLog.runs(in: f.store).count
        let (run, number) = try await f.evaluator.scoreAndRecord(
            trees: inputs, model: f.model, relinearizationKey: f.relin, store: f.store, source: "bits.heat")
        #expect(try ComputationLog.runs(in: f.store).count == runs + 1)
        #expect(try ComputationLog.runs(in: f.store).last?.outputHash == run.outputHash)
        #expect(number > 0)
        let late = try #require(f.dataset.clients.last)
        _ = try Collector(pseudonymisationKey: f.key, material: f.material).ingestor().ingest(
            f.dataset.interactions.filter { $0.clientID == late.clientID }, clients: [late], into: f.store, source: .init(name: "late", inputHash: ""))
        let afterIngest = try ComputationLog.runs(in: f.store).count   // the ingestion logs its own run
        do {
            _ = try await f.evaluator.scoreAndRecord(trees: inputs, model: f.model, relinearizationKey: f.relin, store: f.store, source: "bits.heat")
            Issue.record("tree scores of a stale encoding were logged")
        } catch let error as TreeScoringError {
            #expect(error.category.exitCode == 65)
            #expect(error.description.hasPrefix("bits.heat: field coverage"))
        }
        #expect(try ComputationLog.runs(in: f.store).count == afterIngest)
        #expect(try ComputationLog.runs(in: f.store).filter { $0.kind == "score.trees" }.count == 1)
    }

    @Test("one digest of the slot layout: the tree coverage's directory is the logistic scores' DirectorySnapshot")
    func coverageUsesTheDirectorySnapshot() async throws {
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

/// Issue 15, trees3 review fixes: the coverage record in the (evaluator-written, unsigned) scores
/// header is bounded by the directory before use; a DP tree release; a batch without a score
/// ciphertext.
extension TreeScoreReleaseTests {
    /// A directory of `count` pseudonyms at the given slots.
    static func directory(slots: [Int64]) -> [(client: Pseudonym, slot: Int64)] {
        let pseudonymizer = Pseudonymizer(key: PseudonymisationKey.insecureDerived(from: "coverage-bounds"))
        return slots.enumerated().map { (client: pseudonymizer.pseudonym(for: "C-\($0.offset)", kind: .client), slot: $0.element) }
    }

    @Test("coverage slots are looked up in the ranges: exactly the encoded slots, gaps and ends included")
    func coverageRangesMembership() async throws {
        let directory = Self.directory(slots: [0, 1, 2, 5, 9, 10, 12, 40])
        for encoded in [[0, 1, 2, 5, 9, 10, 12, 40], [1, 5, 10, 12], [0], [40], [2, 5, 9, 40]] as [[Int64]] {
            let coverage = TreeEncodingCoverage.make(encodedSlots: encoded, directory: directory)
            #expect(try coverage.check(directory: directory, source: "s") == Set(encoded), "\(encoded)")
        }
        let ranges: [[Int64]] = [[1, 2], [5, 5], [9, 12]]
        for slot: Int64 in -1...14 {
            #expect(TreeEncodingCoverage.slot(slot, isIn: ranges) == ((1...2).contains(slot) || slot == 5 || (9...12).contains(slot)), "\(slot)")
        }
        #expect(!TreeEncodingCoverage.slot(0, isIn: []))
    }

    @Test("a rewritten coverage record (2^40 clients, slots or ranges) is refused at once (exit 65, naming the field), before any set is built")
    func hugeCoverageRefusedQuickly() async throws {
        let directory = Self.directory(slots: [0, 1, 2, 5, 9])
        let genuine = TreeEncodingCoverage.make(encodedSlots: [0, 1, 5], directory: directory)
        let huge: Int64 = 1 << 40
        func refused(_ coverage: TreeEncodingCoverage, _ field: String) throws {
            let elapsed = try ContinuousClock().measure {
                do {
                    _ = try coverage.check(directory: directory, source: "scores.heat")
                    Issue.record("accepted (\(field))")
                } catch let error as TreeScoringError {
                    #expect(error.category.exitCode == 65)
                    #expect(error.description.contains("field \(field):"), "\(error)")
                }
            }
            #expect(elapsed < .seconds(2), "\(field): \(elapsed)")
        }
        var crafted = genuine
        crafted.clients = Int(huge)
        crafted.highestSlot = huge - 1
        crafted.slotRanges = [[0, huge - 1]]
        try refused(crafted, "coverage.clients")
        crafted = genuine
        crafted.highestSlot = huge - 1
        crafted.slotRanges = [[0, 1], [5, huge - 1]]
        try refused(crafted, "coverage.highestSlot")
        crafted = genuine
        crafted.slotRanges = [[0, 1], [5, 9]]   // 7 slots for 3 clients, inside the directory's slots
        try refused(crafted, "coverage.slotRanges")
        crafted = genuine
        crafted.slotRanges = [[0, 0], [1, 1], [5, 5], [9, 9]]
        try refused(crafted, "coverage.slotRanges")
        crafted = genuine
        crafted.clients = -1
        try refused(crafted, "coverage.clients")
    }

    @Test("tree scores whose header claims 2^40 encoded clients are refused by decrypt and release (exit 65, field named, no decryption)")
    func craftedScoresHeaderRefused() async throws {
        let (f, run, _) = try await Self.scored()
        var header = run.header
        var coverage = try #require(header.coverage)
        let huge: Int64 = 1 << 40
        coverage.clients = Int(huge)
        coverage.highestSlot = huge - 1
        coverage.slotRanges = [[0, huge - 1]]
        header.coverage = coverage
        let crafted = EncryptedTreeScoreRun(header: header, scores: run.scores)
        final class Seen: @unchecked Sendable { var vectors = 0 }
        let seen = Seen()
        var keyHolder = f.keyHolder
        keyHolder.slotObserver = { _ in seen.vectors += 1 }
        let policy = try Self.policy(k: 2)
        let attempts: [(String, () throws -> Void)] = [
            ("decrypt", { _ = try keyHolder.decrypt(treeScores: crafted, store: f.store) }),
            ("rows", { _ = try keyHolder.treeScoreRows(run: crafted, store: f.store) }),
            ("release", { _ = try keyHolder.releaseScores(run: crafted, store: f.store, policy: policy, role: "risk_officer") }),
        ]
        for (name, attempt) in attempts {
            let elapsed = try ContinuousClock().measure {
                do {
                    try attempt()
                    Issue.record("\(name): crafted tree scores accepted")
                } catch let error as TreeScoringError {
                    #expect(error.category.exitCode == 65)
                    #expect(error.description.contains("field coverage.clients:"), "\(error)")
                }
            }
            #expect(elapsed < .seconds(5), "\(name): \(elapsed)")
        }
        #expect(seen.vectors == 0)
    }

    @Test("tree scores: a role with a DP budget gets noisy band counts (the mechanism's draws), the epsilon is spent and the budget enforced")
    func noisyTreeBands() async throws {
        let (f, run, expected) = try await Self.scored()
        let byHex = Dictionary(uniqueKeysWithValues: try ClientDirectory.entries(in: f.store).map { ($0.pseudonym, $0) })
        var exact: [String: [String: Int]] = [:]
        for (pseudonym, score) in expected {
            guard let manager = byHex[pseudonym.hex]?.manager else { continue }
            let band = ScoreRelease.band(of: f.model.probability(score: score))
            exact[manager, default: Dictionary(uniqueKeysWithValues: ScoreRelease.bandNames.map { ($0, 0) })][band, default: 0] += 1
        }
        try #require(exact.count >= 2)
        let policy = try PrivacyPolicy.parse(Data("""
            {"schema": "customerheat.policy/1", "name": "tree-dp-test", "minGroupSize": 2, "differencing": "suppress",
             "roles": {"analyst": {"groups": ["manager"], "clients": "none", "dp": {"maxEpsilon": 2, "monthlyBudget": 2}}}}
            """.utf8))
        var generator = SeededGenerator(seed: 9)
        let noisy = try f.keyHolder.releaseScores(
            run: run, store: f.store, policy: policy, role: "analyst", kinds: [.manager], epsilon: 1, using: &generator)
        #expect(noisy.modelKind == "gbdt")
        #expect(noisy.clients == nil)
        #expect(noisy.epsilon == 1 && noisy.mechanism == DiscreteLaplace.mechanismName)
        #expect(noisy.noiseScale == DiscreteLaplace(epsilon: 1, sensitivity: 1).scale)
        // Groups are noised largest first (ties by reference), bands in band order.
        var replay = SeededGenerator(seed: 9)
        let mechanism = DiscreteLaplace(epsilon: 1, sensitivity: 1)
        var differs = false
        #expect(noisy.groups.count == exact.count)
        for (ref, counts) in exact.sorted(by: { ($0.value.values.reduce(0, +), $1.key) > ($1.value.values.reduce(0, +), $0.key) }) {
            let group = try #require(noisy.groups.first { $0.ref == ref })
            for band in ScoreRelease.bandNames {
                let draw = max(0, (counts[band] ?? 0) + mechanism.sample(using: &replay))
                #expect(group.bands[band] == draw, "\(ref) \(band)")
                if draw != counts[band] { differs = true }
            }
            #expect(group.clients == group.bands.values.reduce(0, +))
        }
        #expect(differs, "epsilon 1 changed at least one count")
        let month = String(UTCTimestamp.now().iso8601.prefix(7))
        #expect(try f.store.read { db in try ReleaseLedger.spent(role: "analyst", month: month, in: db) } == 1)
        let audit = try #require(AuditLog.entries(in: f.store, action: AuditAction.release).last)
        #expect(audit.parameters["model"] == "gbdt" && audit.parameters["epsilon"] == "1.0")
        // 1 + 1.5 exceeds the monthly budget of 2: refused and recorded.
        do {
            _ = try f.keyHolder.releaseScores(run: run, store: f.store, policy: policy, role: "analyst", kinds: [.manager], epsilon: 1.5)
            Issue.record("a tree release beyond the monthly budget was not refused")
        } catch let refusal as PolicyRefusal {
            #expect(refusal.rule == "roles.analyst.dp.monthlyBudget")
            #expect(refusal.category.exitCode == 77)
        }
        #expect(try f.store.read { db in try ReleaseLedger.spent(role: "analyst", month: month, in: db) } == 1)
    }

    @Test("a batch that holds encoded clients but has no score ciphertext is refused (exit 65, field batches), not released short")
    func missingScoreCiphertextRefused() async throws {
        let (f, run, _) = try await Self.scored()
        #expect(try f.keyHolder.decrypt(treeScores: run, store: f.store).count == run.header.coverage?.clients)
        let batch = try #require(run.scores.keys.min())
        var scores = run.scores
        scores[batch] = nil
        let short = EncryptedTreeScoreRun(header: run.header, scores: scores)
        for attempt in [
            { _ = try f.keyHolder.decrypt(treeScores: short, store: f.store) },
            { _ = try f.keyHolder.treeScoreRows(run: short, store: f.store) },
        ] as [() throws -> Void] {
            do {
                try attempt()
                Issue.record("tree scores released without their batch's ciphertext")
            } catch let error as TreeScoringError {
                #expect(error.category.exitCode == 65)
                #expect(error == .coverageMismatch(
                    source: "the tree scores", reason: "field batches: batch \(batch) holds encoded clients but has no score ciphertext"))
            }
        }
    }
}
