import Foundation
import GRDB
import HeatEnvelope
import HeatFHE
import HeatML
import Testing
@testable import HeatCore

/// Issue 15: churn features and logistic scores computed on ciphertexts equal the plaintext
/// computation exactly; labels are pseudonymised; the key holder releases scores per policy.
@Suite(.serialized) struct ScoringTests {
    static func dataset(seed: UInt64, clients: Int = 120, weeks: Int = 20) -> SyntheticDataset {
        SyntheticBank(clients: clients, managers: 6, branches: 2, weeks: weeks, seed: seed).generate()
    }

    /// The ``ScoringError`` a body throws, or `nil` (typed-throws calls wrapped in an untyped closure).
    static func caught(_ body: () throws -> Void) -> ScoringError? {
        do {
            try body()
        } catch let error as ScoringError {
            return error
        } catch {
            return nil
        }
        return nil
    }

    static func demo(seed: UInt64) throws -> ScoringDemo.Outcome {
        let folder = try StoreTestSupport.temporaryDirectory()
        return try ScoringDemo.run(
            dataset: dataset(seed: seed), key: .insecureDerived(from: "scoring-\(seed)"), workFolder: folder) { _ in }
    }

    // MARK: Exactness

    @Test("encrypted churn features and integer scores equal the plaintext ones for every client", arguments: [UInt64(11), 29, 47])
    func encryptedEqualsPlaintext(seed: UInt64) throws {
        let outcome = try Self.demo(seed: seed)
        #expect(outcome.clients == 120)
        #expect(outcome.featureMismatches.isEmpty, "\(outcome.featureMismatches.prefix(3))")
        #expect(outcome.scoreMismatches.isEmpty, "\(outcome.scoreMismatches.prefix(3))")
        #expect(outcome.decryptedScores.count == 120)
        // Not vacuous: the scores differ between clients and from the bias alone.
        #expect(Set(outcome.decryptedScores.map(\.score)).count > 10)
        #expect(outcome.model.features.count == 42)
        #expect(outcome.noiseBudget > 0)
        // The integer model decides as the float model does on at least 99 % of rows.
        #expect(outcome.agreement.rows > 0)
        #expect(outcome.agreement.share >= 0.99, "agreement \(outcome.agreement.agreeing)/\(outcome.agreement.rows)")
    }

    @Test("windows count the weeks R - W + 1 ... R, capped per bucket, future weeks ignored")
    func windowBoundaries() throws {
        let set = try ChurnFeatureSet(windows: [4, 13])
        let reference = try ISOWeek(parsing: "2026-W20")
        func week(_ age: Int, calls: Int, replies: Int = 0, seconds: Int = 0) -> (ISOWeek, WeekActivity) {
            var activity = WeekActivity()
            activity[.call, .inbound] = ActivityBucket(count: calls, durationSeconds: seconds, replies: replies)
            activity[.email, .outbound] = ActivityBucket(count: 1, durationSeconds: 0, replies: replies)
            return (reference.advanced(by: -age), activity)
        }
        let weeks = Dictionary(uniqueKeysWithValues: [
            week(0, calls: 2, replies: 1, seconds: 650), week(3, calls: 100), week(4, calls: 5), week(12, calls: 7), week(13, calls: 11),
            week(-1, calls: 9),
        ])
        let values = set.features(weeks: weeks, asOf: reference)
        let names = set.names
        func value(_ name: String) -> Int { values[names.firstIndex(of: name) ?? -1] }
        #expect(names.count == 10 * 2 + 2)
        #expect(value("call_in_4w") == 2 + 63)            // age 0 and 3 (100 capped at 63); not age 4
        #expect(value("call_in_13w") == 2 + 63 + 5 + 7)   // ages 0 ... 12; not 13 nor the future week
        #expect(value("email_out_4w") == 2)
        #expect(value("replies_4w") == 2)                 // one reply in each of two buckets of week 0
        #expect(value("duration_units_4w") == 2)          // 650 s / 300 s
        let heat = HeatScorer(configuration: HeatConfiguration()).score(clientID: "", weeks: weeks, asOf: reference)
        #expect(value("heat") == heat.heat)
        #expect(value("trend") == heat.trend)
        #expect(set.maximumMagnitudes[names.firstIndex(of: "call_in_13w") ?? 0] == 63 * 13)
    }

    @Test("feature windows outside 1 ... 520 or repeated are refused with exit 78")
    func invalidWindows() {
        for windows in [[0], [4, 4], [], [521]] {
            #expect(Self.caught { _ = try ChurnFeatureSet(windows: windows) } == .invalidWindows(windows))
        }
        #expect(ScoringError.invalidWindows([0]).category.exitCode == 78)
    }

    // MARK: Labels

    @Test("labels are keyed by the client's masked reference; errors name line and field, never the id")
    func pseudonymiseLabels() throws {
        let key = PseudonymisationKey.insecureDerived(from: "labels")
        let mapper = try LabelPseudonymiser(key: key)
        let (csv, rows) = try mapper.pseudonymise(csv: "\u{FEFF}client_id,churned,churn_week\r\nC001,true,2026-W07\r\n C002 ,0,\r\n", source: "labels.csv")
        #expect(rows == 2)
        let lines = csv.split(separator: "\n").map(String.init)
        let expected = LabelPseudonymiser.reference(of: Pseudonymizer(key: key).pseudonym(for: "C001", kind: .client))
        #expect(lines[0] == "client_ref,churned,churn_week")
        #expect(lines[1] == "\(expected),true,2026-W07")
        #expect(lines[2].hasPrefix(LabelPseudonymiser.reference(of: Pseudonymizer(key: key).pseudonym(for: "C002", kind: .client))))
        #expect(!csv.contains("C001") && !csv.contains("C002"))

        #expect(Self.caught { _ = try mapper.pseudonymise(csv: "client_id,churned\nSECRET-1,true\nSECRET-2,maybe\n", source: "l.csv") }
            == .badLabels(path: "l.csv", line: 3, field: "churned", reason: "expected true/false or 1/0"))
        let duplicate = try #require(Self.caught {
            _ = try mapper.pseudonymise(csv: "client_id,churned\nSECRET-1,true\nSECRET-1,false\n", source: "l.csv")
        })
        #expect(duplicate.description.contains("l.csv:3"))
        #expect(!duplicate.description.contains("SECRET"))
        #expect(duplicate.category.exitCode == 65)
        #expect(Self.caught { _ = try mapper.pseudonymise(csv: "client_id,label\nA,1\n", source: "l.csv") }
            == .badLabels(path: "l.csv", line: 1, field: "churned", reason: "the header has no churned column"))
        // Masked labels join the features.
        let masked = try FeatureTable.maskedLabels(csv: csv, source: "masked.csv")
        #expect(masked.header == ["churned", "churn_week"])
        #expect(masked.rows[expected] == ["true", "2026-W07"])
    }

    @Test("labels keep only the label columns; any other column is refused with exit 65 naming it, never its values")
    func pseudonymiseLabelsRefusesOtherColumns() throws {
        let key = PseudonymisationKey.insecureDerived(from: "labels")
        let mapper = try LabelPseudonymiser(key: key)
        let leaking = "client_id,name,churned,email\nC001,SECRET-NAME,true,secret@example.com\n"
        let refused = try #require(Self.caught { _ = try mapper.pseudonymise(csv: leaking, source: "l.csv") })
        guard case .badLabels(path: "l.csv", line: 1, field: "name", reason: _) = refused else {
            Issue.record("expected the name column refused, got \(refused)")
            return
        }
        #expect(refused.category.exitCode == 65)
        #expect(!refused.description.contains("SECRET") && !refused.description.contains("secret@"))
        // An explicit --keep list carries over exactly those columns (churned always).
        let kept = try LabelPseudonymiser(key: key, keep: ["plan"])
            .pseudonymise(csv: "client_id,churned,plan\nC001,1,gold\n", source: "l.csv")
        #expect(kept.csv.hasPrefix("client_ref,churned,plan\n") && kept.csv.hasSuffix(",1,gold\n"))
        #expect(Self.caught { _ = try LabelPseudonymiser(key: key, keep: ["plan"]).pseudonymise(csv: "client_id,churned,churn_week\nC001,1,\n", source: "l.csv") }?
            .category.exitCode == 65)
        // A kept column must be in the header; --keep cannot name the id or a malformed column.
        #expect(Self.caught { _ = try LabelPseudonymiser(key: key, keep: ["plan"]).pseudonymise(csv: "client_id,churned\nC001,1\n", source: "l.csv") }
            == .badLabels(path: "l.csv", line: 1, field: "plan", reason: "the header has no such column (named by --keep)"))
        #expect(Self.caught { _ = try LabelPseudonymiser(key: key, keep: ["client_id"]) }?.category.exitCode == 65)
        #expect(Self.caught { _ = try LabelPseudonymiser(key: key, keep: ["a,b"]) }?.category.exitCode == 65)
    }

    // MARK: Model, scores file and release

    @Test("the scores file round-trips, the key holder releases per policy, small presets and foreign models are refused")
    func releaseAndRefusals() throws {
        let outcome = try Self.demo(seed: 5)
        #expect(outcome.scoreMismatches.isEmpty)
        let keyHolder = try KeyHolder(keysAt: "\(outcome.keysPath)/keyholder")
        let store = try HeatStore(path: outcome.storePath)

        // Round trip and corruption of the scores envelope.
        let bytes = outcome.scores.envelope().serialized()
        let decoded = try EncryptedScoreRun(
            envelope: try Envelope(decoding: bytes, source: "scores.heat"), context: keyHolder.context, source: "scores.heat")
        #expect(decoded.outputHash == outcome.scores.outputHash)
        #expect(decoded.header == outcome.scores.header)
        var truncated = outcome.scores.envelope()
        truncated = Envelope(kind: .encryptedScores, fingerprint: truncated.fingerprint, payload: truncated.payload.prefix(100))
        #expect(throws: PipelineError.self) {
            _ = try EncryptedScoreRun(envelope: truncated, context: keyHolder.context, source: "scores.heat")
        }

        // Executive: band counts per group of at least k clients, no per-client scores.
        let executive = try keyHolder.releaseScores(run: outcome.scores, store: store, policy: .default, role: "executive")
        #expect(executive.clients == nil)
        #expect(!executive.groups.isEmpty)
        #expect(executive.groups.allSatisfy { $0.clients >= 5 && $0.bands.values.reduce(0, +) == $0.clients })
        let bandsFromScores = outcome.decryptedScores.map { ScoreRelease.band(of: outcome.model.probability(score: $0.score)) }
        let branchTotal = executive.groups.filter { $0.kind == "branch" }.reduce(into: [String: Int]()) { sums, group in
            for (band, count) in group.bands { sums[band, default: 0] += count }
        }
        // Two branches of 60 clients: every client is in a released branch group.
        var expectedBands = Dictionary(uniqueKeysWithValues: ScoreRelease.bandNames.map { ($0, 0) })
        for band in bandsFromScores { expectedBands[band, default: 0] += 1 }
        #expect(branchTotal == expectedBands)

        // A manager receives only their own clients' scores, decrypted through a mask.
        let manager = try #require(try ClientDirectory.entries(in: store).compactMap(\.manager).first)
        let pseudonym = try KeyHolder.manager(matching: manager, in: store)
        let own = try keyHolder.releaseScores(run: outcome.scores, store: store, policy: .default, role: "manager", manager: pseudonym)
        let ownClients = try ClientDirectory.entries(in: store).filter { $0.manager == manager }.map(\.ref)
        #expect(own.clients?.map(\.ref).sorted() == ownClients.sorted())
        let expectedScores = Dictionary(uniqueKeysWithValues: outcome.decryptedScores.map { ($0.pseudonym.displayRef, $0.score) })
        #expect(own.clients?.allSatisfy { expectedScores[$0.ref] == $0.score } == true)

        // A role allowed nothing is refused (exit 77).
        #expect(throws: PolicyRefusal.self) { _ = try keyHolder.releaseScores(run: outcome.scores, store: store, policy: .default, role: "auditor") }
        // The analyst must get noise: its default epsilon buys noisy band counts (ScoreReleaseTests).
        #expect(try keyHolder.releaseScores(run: outcome.scores, store: store, policy: .default, role: "analyst").epsilon == 1)

        // The score bound: a preset whose t cannot hold every score is refused with exit 69.
        let small = try BfvParameters(preset: "n4096-logq109-logt17")
        let tooLarge = try #require(Self.caught { try outcome.model.check(parameters: small) })
        #expect(tooLarge.category.exitCode == 69)
        try outcome.model.check(parameters: BfvParameters(preset: ScoringDemo.defaultPreset))

        // Only logistic models over churn features can be scored.
        var table = try DataTable(columns: [
            DataColumn(name: "age", numbers: (0..<40).map { Double($0) }),
            DataColumn(name: "churned", type: .categorical, raw: (0..<40).map { $0 % 3 == 0 ? "true" : "false" }),
        ])
        let foreign = try ModelPipeline.fit(.logistic(LogisticRegression()), on: table, target: "churned", positiveLabel: "true")
        #expect(Self.caught {
            _ = try EncryptedLogisticModel(pipeline: foreign, featureSet: ChurnFeatureSet(), plaintextModulus: 1 << 40, source: "m")
        } != nil)
        table = try DataTable(columns: [
            DataColumn(name: "heat", numbers: (0..<40).map { Double($0) }),
            DataColumn(name: "churned", type: .categorical, raw: (0..<40).map { $0 % 3 == 0 ? "true" : "false" }),
        ])
        let trees = try ModelPipeline.fit(.gbdt(GradientBoostedTrees()), on: table, target: "churned", positiveLabel: "true")
        #expect(Self.caught {
            _ = try EncryptedLogisticModel(pipeline: trees, featureSet: ChurnFeatureSet(), plaintextModulus: 1 << 40, source: "m")
        } != nil)
    }

    @Test("late events in a second export add exactly the change of each capped feature stream")
    func lateEventsAcrossExports() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        let keys = folder.appending(path: "keys").path
        _ = try PipelineKeys.generate(at: keys, preset: "n8192-logq217-logt25")
        let store = try HeatStore.initialize(path: folder.appending(path: "heat.db").path).store
        let key = PseudonymisationKey.insecureDerived(from: "late")
        let material = try PipelineKeys.publicMaterial(in: KeyFolder(path: "\(keys)/collector", role: .collector))
        var collector = try Collector(pseudonymisationKey: key, material: material)
        collector.encryptsFeatureStreams = true
        let data = Self.dataset(seed: 8, clients: 30, weeks: 10)
        // Two exports interleaved: the second holds events of weeks the first already stored.
        let first = data.interactions.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        let second = data.interactions.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        _ = try collector.ingestor().ingest(first, clients: data.clients, into: store, source: .init(name: "a", inputHash: ""))
        _ = try collector.ingestor().ingest(second, clients: [], into: store, source: .init(name: "b", inputHash: ""))
        let features = try Evaluator(context: material.context).evaluateFeatures(store: store, featureSet: ChurnFeatureSet())
        let keyHolder = try KeyHolder(keysAt: "\(keys)/keyholder")
        let rows = try keyHolder.decrypt(features: features, store: store)
        var ledger = ActivityLedger()
        for interaction in data.interactions { _ = ledger.add(interaction) }
        let pseudonymizer = Pseudonymizer(key: key)
        let set = ChurnFeatureSet()
        var compared = 0
        for client in data.clients {
            let pseudonym = pseudonymizer.pseudonym(for: client.clientID, kind: .client)
            let row = try #require(rows.first { $0.pseudonym == pseudonym })
            #expect(row.values == set.features(weeks: ledger.clients[client.clientID] ?? [:], asOf: features.referenceWeek))
            compared += 1
        }
        #expect(compared == 30)
        #expect(rows.contains { $0.values.contains { $0 > 0 } })
    }

    @Test("a one-event late export writes all ten feature-stream ciphertexts of its (week, batch), zeros included")
    func lateEventWritesEveryStream() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let keys = folder.appending(path: "keys").path
        _ = try PipelineKeys.generate(at: keys, preset: "n8192-logq217-logt25")
        let store = try HeatStore.initialize(path: folder.appending(path: "heat.db").path).store
        let key = PseudonymisationKey.insecureDerived(from: "late-one")
        let material = try PipelineKeys.publicMaterial(in: KeyFolder(path: "\(keys)/collector", role: .collector))
        var collector = try Collector(pseudonymisationKey: key, material: material)
        collector.encryptsFeatureStreams = true
        let data = Self.dataset(seed: 9, clients: 20, weeks: 6)
        _ = try collector.ingestor().ingest(data.interactions, clients: data.clients, into: store, source: .init(name: "a", inputHash: ""))
        var late = try #require(data.interactions.first)
        late.eventID = "LATE-EVENT-1"
        _ = try collector.ingestor().ingest([late], clients: [], into: store, source: .init(name: "b", inputHash: ""))
        let streams = ChurnFeatureSet.Stream.allCases.map(\.packing)
        #expect(streams.count == 10)
        let written = try store.read { db in
            try Row.fetchAll(db, sql: """
                SELECT week, batch, packing FROM ciphertexts
                WHERE ingestion_run = (SELECT MAX(ingestion_run) FROM ciphertexts) AND packing LIKE 'activity.%'
                """).map { "\($0["week"] as String):\($0["batch"] as Int64):\($0["packing"] as String)" }
        }
        let week = try #require(written.first.map { String($0.split(separator: ":")[0]) })
        let batch = try #require(written.first.map { String($0.split(separator: ":")[1]) })
        #expect(written.sorted() == streams.map { "\(week):\(batch):\($0)" }.sorted())
    }

    @Test("a store ingested without feature streams is refused with exit 66; heat still evaluates with them present")
    func noFeatureStreams() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        let keys = folder.appending(path: "keys").path
        _ = try PipelineKeys.generate(at: keys, preset: "n8192-logq217-logt25")
        let store = try HeatStore.initialize(path: folder.appending(path: "heat.db").path).store
        let key = PseudonymisationKey.insecureDerived(from: "plain")
        let material = try PipelineKeys.publicMaterial(in: KeyFolder(path: "\(keys)/collector", role: .collector))
        let collector = try Collector(pseudonymisationKey: key, material: material)
        let data = Self.dataset(seed: 3, clients: 20, weeks: 6)
        _ = try collector.ingestor().ingest(data.interactions, clients: data.clients, into: store, source: .init(name: "s", inputHash: ""))
        let evaluator = Evaluator(context: material.context)
        let error = try #require(Self.caught { _ = try evaluator.evaluateFeatures(store: store, featureSet: ChurnFeatureSet()) })
        #expect(error == .noFeatureStreams(path: store.path))
        #expect(error.category.exitCode == 66)
    }
}
