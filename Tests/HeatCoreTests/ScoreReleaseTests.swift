import Crypto
import Foundation
import GRDB
import HeatEnvelope
import HeatFHE
import HeatML
import Testing
@testable import HeatCore

/// Issue 15 (rest): score releases bound to the directory they were computed on, checked by the
/// release's differencing guard and recorded in the audit log and release ledger, noisy band
/// counts for roles with a differential-privacy budget, and signed trends in the integer model.
@Suite(.serialized) struct ScoreReleaseTests {
    static func dataset(seed: UInt64, clients: Int = 120) -> SyntheticDataset {
        SyntheticBank(clients: clients, managers: 6, branches: 2, weeks: 20, seed: seed).generate()
    }

    static func run(_ dataset: SyntheticDataset, seed: UInt64) throws -> (outcome: ScoringDemo.Outcome, key: PseudonymisationKey) {
        let folder = try StoreTestSupport.temporaryDirectory()
        let key = PseudonymisationKey.insecureDerived(from: "score-release-\(seed)")
        return (try ScoringDemo.run(dataset: dataset, key: key, workFolder: folder) { _ in }, key)
    }

    static func policy(_ differencing: String, roles: String) throws -> PrivacyPolicy {
        try PrivacyPolicy.parse(Data("""
            {"schema": "customerheat.policy/1", "name": "score-test", "minGroupSize": 5, "differencing": "\(differencing)",
             "roles": {\(roles)}}
            """.utf8))
    }

    /// The exact band counts per group reference of one kind, from the decrypted scores.
    static func exactBands(_ outcome: ScoringDemo.Outcome, store: HeatStore, kind: KeyPath<ClientDirectoryEntry, String?>) throws -> [String: [String: Int]] {
        let entries = Dictionary(uniqueKeysWithValues: try ClientDirectory.entries(in: store).map { ($0.pseudonym, $0) })
        var result: [String: [String: Int]] = [:]
        for score in outcome.decryptedScores {
            guard let ref = entries[score.pseudonym.hex]?[keyPath: kind] else { continue }
            let band = ScoreRelease.band(of: outcome.model.probability(score: score.score))
            result[ref, default: Dictionary(uniqueKeysWithValues: ScoreRelease.bandNames.map { ($0, 0) })][band, default: 0] += 1
        }
        return result
    }

    // MARK: 1. Stale scores

    @Test("scores and features computed before more clients were ingested are refused (exit 65); re-evaluating releases them")
    func staleScoresRefused() throws {
        let data = Self.dataset(seed: 21, clients: 60)
        let (outcome, key) = try Self.run(data, seed: 21)
        let store = try HeatStore(path: outcome.storePath)
        let keyHolder = try KeyHolder(keysAt: "\(outcome.keysPath)/keyholder")
        let evaluator = try Evaluator(folder: KeyFolder(path: "\(outcome.keysPath)/evaluator", role: .evaluator))
        let featureSet = ChurnFeatureSet()
        let oldFeatures = try evaluator.evaluateFeatures(store: store, featureSet: featureSet)
        #expect(outcome.scores.header.directory == (try DirectorySnapshot.current(in: store)))
        #expect(outcome.scores.header.directory?.clients == 60)
        _ = try keyHolder.releaseScores(run: outcome.scores, store: store, policy: .default, role: "executive")

        // The collector ingests one more client after `evaluate --model`.
        let template = try #require(data.clients.first)
        var newcomer = template
        newcomer.clientID = "NEW-CLIENT-1"
        let events = data.interactions.filter { $0.clientID == template.clientID }.prefix(5).enumerated().map { index, event in
            var copy = event
            copy.clientID = newcomer.clientID
            copy.eventID = "NEW-EVENT-\(index)"
            return copy
        }
        #expect(!events.isEmpty)
        var collector = try Collector(
            pseudonymisationKey: key, material: PipelineKeys.publicMaterial(in: KeyFolder(path: "\(outcome.keysPath)/collector", role: .collector)))
        collector.encryptsFeatureStreams = true
        _ = try collector.ingestor().ingest(Array(events), clients: [newcomer], into: store, source: .init(name: "late", inputHash: ""))

        for attempt in [
            { _ = try keyHolder.releaseScores(run: outcome.scores, store: store, policy: .default, role: "executive") },
            { _ = try keyHolder.decrypt(scores: outcome.scores, store: store) },
            { _ = try keyHolder.decrypt(features: oldFeatures, store: store) },
            { try outcome.scores.checkDirectory(of: store, source: "scores.heat") },
        ] as [() throws -> Void] {
            do {
                try attempt()
                Issue.record("stale scores or features were decrypted")
            } catch let error as ScoringError {
                guard case .staleDirectory(_, let reason) = error else { Issue.record("unexpected \(error)"); continue }
                #expect(error.category.exitCode == 65)
                #expect(reason.contains("1 client was ingested"))
                #expect(!error.description.contains("NEW-CLIENT"))
            }
        }
        // A header without a snapshot (a file from before the check) is refused too.
        var unbound = outcome.scores.header
        unbound.directory = nil
        #expect(throws: ScoringError.self) {
            try EncryptedScoreRun(header: unbound, scores: outcome.scores.scores).checkDirectory(of: store, source: "old.heat")
        }

        // Re-evaluating binds the new directory: the newcomer is released with its own score.
        let fresh = try evaluator.score(features: evaluator.evaluateFeatures(store: store, featureSet: featureSet), model: outcome.model)
        #expect(fresh.header.directory?.clients == 61)
        let scores = try keyHolder.decrypt(scores: fresh, store: store)
        #expect(scores.count == 61)
        let release = try keyHolder.releaseScores(run: fresh, store: store, policy: .default, role: "executive")
        // The groups the newcomer joined grew by one client since the first release: the guard withholds them.
        #expect(release.withheld?.contains { $0.rule == "differencing" } == true)
        #expect(!release.groups.isEmpty)
    }

    // MARK: 2. Differencing, audit and ledger

    @Test("a band release that could be subtracted from an earlier one to isolate fewer than k clients is refused or withheld; audit and ledger record every release")
    func differencingAcrossBandReleases() throws {
        var data = Self.dataset(seed: 33, clients: 60)
        // Segment "focus" is branch B minus two clients; "other" is the other branch plus those two.
        let branchB = try #require(data.clients.first?.branch)
        let inB = data.clients.indices.filter { data.clients[$0].branch == branchB }
        #expect(inB.count >= 10 && inB.count <= 50)
        for index in data.clients.indices { data.clients[index].segment = "other" }
        for index in inB.dropFirst(2) { data.clients[index].segment = "focus" }
        let (outcome, _) = try Self.run(data, seed: 33)
        let store = try HeatStore(path: outcome.storePath)
        let keyHolder = try KeyHolder(keysAt: "\(outcome.keysPath)/keyholder")
        let roles = """
            "executive": {"groups": ["branch", "segment"], "clients": "none"},
            "manager": {"groups": ["manager"], "clients": "own"}
            """
        let refusing = try Self.policy("refuse", roles: roles)

        // Release 1: the two branches, exact and recorded.
        let first = try keyHolder.releaseScores(run: outcome.scores, store: store, policy: refusing, role: "executive", kinds: [.branch])
        #expect(first.groups.count == 2)
        #expect(first.withheld == [])
        let exact = try Self.exactBands(outcome, store: store, kind: \.branch)
        for group in first.groups { #expect(group.bands == exact[group.ref]) }
        // Release 2: the segments would isolate the two moved clients: refused, recorded, nothing written.
        do {
            _ = try keyHolder.releaseScores(run: outcome.scores, store: store, policy: refusing, role: "executive", kinds: [.segment])
            Issue.record("the differencing release was not refused")
        } catch let refusal as PolicyRefusal {
            #expect(refusal.rule == "differencing")
            #expect(refusal.category.exitCode == 77)
            #expect(refusal.reason.contains("2 clients"))
        }
        // Asking for a kind the role may not receive is refused too.
        #expect(throws: PolicyRefusal.self) {
            _ = try keyHolder.releaseScores(run: outcome.scores, store: store, policy: refusing, role: "executive", kinds: [.region])
        }
        // The same attack under "suppress": the segments are withheld, the rest released.
        let suppressing = try Self.policy("suppress", roles: roles)
        let second = try keyHolder.releaseScores(run: outcome.scores, store: store, policy: suppressing, role: "executive", kinds: [.segment])
        #expect(second.groups.isEmpty)
        #expect(second.withheld?.map(\.rule) == ["differencing", "differencing"])
        // Another role has no history: it receives the segments.
        let fresh = try keyHolder.releaseScores(
            run: outcome.scores, store: store, policy: try Self.policy("refuse", roles: roles.replacingOccurrences(of: "\"executive\"", with: "\"board\"")),
            role: "board", kinds: [.segment])
        #expect(fresh.groups.map(\.ref).sorted() == ["focus", "other"])

        // Per-client output: a manager's own clients, recorded as one ledger entry.
        let manager = try #require(try ClientDirectory.entries(in: store).compactMap(\.manager).first)
        let own = try keyHolder.releaseScores(
            run: outcome.scores, store: store, policy: refusing, role: "manager", manager: try KeyHolder.manager(matching: manager, in: store))
        let ownCount = try #require(own.clients?.count)

        let audit = try AuditLog.entries(in: store, action: AuditAction.release).filter { $0.parameters["view"] == "scores" }
        #expect(audit.map { $0.parameters["releasedTo"] } == ["executive", "executive", "board", "manager"])
        #expect(audit.map { $0.parameters["groups"] } == ["2", "0", "2", String(own.groups.count)])
        #expect(audit.first?.outputHash == Hex.encode(Array(SHA256.hash(data: try first.jsonData()))))
        #expect(audit.first.map { String($0.seq ?? 0) } == first.auditRun)
        let refused = try AuditLog.entries(in: store, action: AuditAction.releaseRefused)
        #expect(refused.map { $0.parameters["rule"] } == ["differencing", "roles.executive.groups"])
        let ledger = try store.read { db in
            try Row.fetchAll(db, sql: "SELECT role, kind, clients FROM release_groups ORDER BY seq").map {
                "\($0["role"] as String) \($0["kind"] as String) \($0["clients"] as Int)"
            }
        }
        #expect(ledger.filter { $0.hasPrefix("executive ") }.count == 2)
        #expect(ledger.contains("manager clients \(ownCount)"))
        // The per-client entry is no aggregate: the differencing history leaves it out.
        let history = try store.read { db in try ReleaseLedger.history(role: "manager", in: db) }
        #expect(!history.contains { $0.kind == ReleaseLedger.perClientKind })
    }

    // MARK: 3. Noisy bands

    @Test("roles with a DP budget get noisy band counts from the policy's mechanism and budget; without noise the counts are exact")
    func noisyBands() throws {
        let (outcome, _) = try Self.run(Self.dataset(seed: 41, clients: 60), seed: 41)
        let store = try HeatStore(path: outcome.storePath)
        let keyHolder = try KeyHolder(keysAt: "\(outcome.keysPath)/keyholder")
        let policy = try Self.policy("suppress", roles: """
            "analyst": {"groups": ["branch"], "clients": "none", "dp": {"maxEpsilon": 700, "monthlyBudget": 702.5, "required": true}},
            "executive": {"groups": ["branch"], "clients": "none"}
            """)
        let exact = try Self.exactBands(outcome, store: store, kind: \.branch)
        // The built-in analyst (required noise, default epsilon 1) gets noisy bands (spending 1).
        let analyst = try keyHolder.releaseScores(run: outcome.scores, store: store, policy: .default, role: "analyst")
        #expect(analyst.epsilon == 1 && analyst.mechanism == DiscreteLaplace.mechanismName)
        // Required noise without an epsilon (and no default) is refused.
        #expect(throws: PolicyRefusal.self) { _ = try keyHolder.releaseScores(run: outcome.scores, store: store, policy: policy, role: "analyst") }
        // A role without noise: exact counts.
        let plain = try keyHolder.releaseScores(run: outcome.scores, store: store, policy: policy, role: "executive")
        #expect(plain.epsilon == nil && plain.mechanism == nil)
        for group in plain.groups { #expect(group.bands == exact[group.ref]) }
        // Noise off in effect (epsilon so large that every draw is 0): exact counts, budget spent.
        var generator = SeededGenerator(seed: 7)
        let huge = try keyHolder.releaseScores(run: outcome.scores, store: store, policy: policy, role: "analyst", epsilon: 700, using: &generator)
        #expect(huge.mechanism == DiscreteLaplace.mechanismName)
        #expect(huge.groups.count == 2)
        for group in huge.groups { #expect(group.bands == exact[group.ref]) }
        // Epsilon 1: the same draws as the mechanism with a same-seeded generator.
        generator = SeededGenerator(seed: 9)
        let noisy = try keyHolder.releaseScores(run: outcome.scores, store: store, policy: policy, role: "analyst", epsilon: 1, using: &generator)
        var replay = SeededGenerator(seed: 9)
        let mechanism = DiscreteLaplace(epsilon: 1, sensitivity: 1)
        var differs = false
        // Groups are noised largest first (ties by reference), bands in band order.
        let order = exact.sorted { ($0.value.values.reduce(0, +), $1.key) > ($1.value.values.reduce(0, +), $0.key) }
        for (ref, counts) in order {
            let group = try #require(noisy.groups.first { $0.ref == ref })
            for band in ScoreRelease.bandNames {
                let expected = max(0, (counts[band] ?? 0) + mechanism.sample(using: &replay))
                #expect(group.bands[band] == expected)
                if expected != counts[band] { differs = true }
            }
            #expect(group.clients == group.bands.values.reduce(0, +))
        }
        #expect(differs)
        #expect(try store.read { db in try ReleaseLedger.spent(role: "analyst", month: String(UTCTimestamp.now().iso8601.prefix(7)), in: db) } == 702)
        // The budget is spent: one more epsilon is refused, and recorded.
        do {
            _ = try keyHolder.releaseScores(run: outcome.scores, store: store, policy: policy, role: "analyst", epsilon: 1)
            Issue.record("a release beyond the monthly budget was not refused")
        } catch let refusal as PolicyRefusal {
            #expect(refusal.rule == "roles.analyst.dp.monthlyBudget")
        }
        #expect(try AuditLog.entries(in: store, action: AuditAction.releaseRefused).last?.parameters["rule"] == "roles.analyst.dp.monthlyBudget")
    }

    // MARK: 5. Signed trend

    @Test("a client whose trend is negative scores exactly through the integer model's codes, as on ciphertexts")
    func negativeTrendScoresExactly() throws {
        let (outcome, _) = try Self.run(Self.dataset(seed: 11), seed: 11)
        let store = try HeatStore(path: outcome.storePath)
        let keyHolder = try KeyHolder(keysAt: "\(outcome.keysPath)/keyholder")
        let evaluator = try Evaluator(folder: KeyFolder(path: "\(outcome.keysPath)/evaluator", role: .evaluator))
        let set = ChurnFeatureSet()
        let rows = try keyHolder.decrypt(features: evaluator.evaluateFeatures(store: store, featureSet: set), store: store)
        let trendIndex = set.heatIndex + 1
        let cooling = rows.filter { $0.values[trendIndex] < 0 }
        #expect(!cooling.isEmpty)
        let model = outcome.model
        let trendWeight = try #require(model.features.firstIndex(of: "trend").map { model.weights[$0] })
        #expect(trendWeight != 0)
        let quantizer = try #require(model.features.firstIndex(of: "trend").map { model.integer.features[$0] })
        #expect(quantizer.lowerBound == -32768 && quantizer.step == 1)
        let encrypted = Dictionary(uniqueKeysWithValues: outcome.decryptedScores.map { ($0.pseudonym, $0.score) })
        let columns = model.columnIndices(in: set)
        for row in cooling {
            let x = try Matrix(rows: [columns.map { Double(row.values[$0]) }])
            let codes = try #require(model.integer.codes(x).first)
            #expect(codes == model.codes(features: row.values, in: set))
            #expect(model.integer.score(codes: codes) == model.score(features: row.values, in: set))
            #expect(model.integer.score(codes: codes) == encrypted[row.pseudonym])
        }
    }
}
