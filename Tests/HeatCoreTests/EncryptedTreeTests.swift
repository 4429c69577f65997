import Foundation
import HeatEnvelope
import HeatFHE
import HeatML
import Testing
@testable import HeatCore

/// Issue 15 item 3: boosted trees scored on the collector's encrypted split bits equal the
/// plaintext quantized scores exactly (several seeds, missing values, values at the cuts).
@Suite(.serialized) struct EncryptedTreeTests {
    /// A generated churn-like table: tenure (10 % missing), events, replies, minutes and a segment.
    static func table(seed: UInt64, rows: Int) throws -> DataTable {
        var random = TreeTestRandom(seed: seed)
        var tenure: [Double] = [], events: [Double] = [], replies: [Double] = [], minutes: [Double] = []
        var segment: [String] = [], churned: [String] = []
        for _ in 0..<rows {
            let t = Double(random.next() % 260)
            let e = Double(random.next() % 40)
            let r = Double(random.next() % 12)
            let m = random.next() % 10 == 0 ? Double.nan : Double(random.next() % 600)
            let s = ["retail", "premium", "business"][Int(random.next() % 3)]
            let missingTenure = random.next() % 10 == 0
            tenure.append(missingTenure ? .nan : t)
            events.append(e)
            replies.append(r)
            minutes.append(m)
            segment.append(s)
            var risk = (e < 8 ? 2.0 : 0) + (r < 2 ? 1.5 : 0) + (t < 26 ? 1 : 0) + (s == "business" ? 0.5 : 0) + (missingTenure ? 1 : 0)
            risk += Double(random.next() % 100) / 40
            churned.append(risk > 3.2 ? "true" : "false")
        }
        return try DataTable(columns: [
            DataColumn(name: "tenure_weeks", numbers: tenure), DataColumn(name: "events", numbers: events),
            DataColumn(name: "replies", numbers: replies), DataColumn(name: "minutes", numbers: minutes),
            try DataColumn(name: "segment", type: .categorical, raw: segment),
            try DataColumn(name: "churned", type: .categorical, raw: churned),
        ], source: "generated")
    }

    /// Keys for a preset, with the relinearization key in the evaluator folder.
    static func keys(preset: String = "n8192-logq217-logt25") throws -> (KeyHolder, Evaluator, BfvRelinearizationKey<UInt64>, PipelineKeys.PublicMaterial) {
        let folder = try StoreTestSupport.temporaryDirectory().appending(path: "keys").path
        // s38: a signing key signs the evaluator's key list (these tests open no store with the evaluator).
        let signingKey = StoreSigningKey()
        _ = try PipelineKeys.generate(at: folder, preset: preset, signingKey: signingKey)
        let keyHolder = try KeyHolder(folder: KeyFolder(path: "\(folder)/keyholder", role: .keyholder))
        try keyHolder.writeRelinearizationKey(toEvaluatorFolder: "\(folder)/evaluator", signingKey: signingKey)
        let evaluatorFolder = try KeyFolder(path: "\(folder)/evaluator", role: .evaluator)
        var evaluator = try Evaluator(folder: evaluatorFolder)
        // s39: `scoreAndRecord` checks the list against the store; the key holder's key is pinned
        // (as `heatctl evaluate --trust DIR/auditor` does), since these stores record no signing key.
        evaluator.trustedSigningKey = signingKey.verificationKey
        let key = try evaluator.relinearizationKey(in: evaluatorFolder)
        let material = try PipelineKeys.publicMaterial(in: KeyFolder(path: "\(folder)/collector", role: .collector))
        return (keyHolder, evaluator, key, material)
    }

    static func fitted(seed: UInt64, rows: Int = 400, rounds: Int = 6, depth: Int = 4) throws -> (ModelPipeline, QuantizedPipeline, DataTable) {
        let data = try table(seed: seed, rows: rows)
        let pipeline = try ModelPipeline.fit(
            .gbdt(GradientBoostedTrees(rounds: rounds, maxDepth: depth, learningRate: 0.5, seed: seed)), on: data, target: "churned",
            positiveLabel: "true")
        return (pipeline, try pipeline.quantized(bits: 8), data)
    }

    /// Every split's cut, just below it and just above it, in rows copied from `base` (the edges of the bins).
    static func edgeRows(_ model: EncryptedTreeModel, base: [[Double]]) -> [[Double]] {
        var rows: [[Double]] = []
        for (k, split) in model.plan.splits.enumerated() {
            for value in [split.cut, split.cut.nextDown, split.cut.nextUp, .nan] {
                var row = base[k % base.count]
                row[split.feature] = value
                rows.append(row)
            }
        }
        return rows
    }

    // MARK: Plaintext circuit (fast)

    @Test("the compiled depth-2 circuit equals the quantized trees on every row, edge and missing values included", arguments: [UInt64(3), 17, 31, 58])
    func circuitEqualsTrees(seed: UInt64) async throws {
        let (_, quantized, data) = try Self.fitted(seed: seed)
        let model = try EncryptedTreeModel(pipeline: quantized, source: "generated")
        #expect((3...4).contains(model.depth))
        let matrix = try model.plan.matrix(data.droppingColumns(["churned"]))
        var rows = (0..<matrix.rows).map { matrix.row($0) }
        rows += Self.edgeRows(model, base: rows)
        let circuit = TreeCircuit(model: model)
        for row in rows {
            let expected = model.score(row: row)
            let bits = model.plan.bits(row: row)
            #expect(model.score(bits: bits) == expected)
            #expect(circuit.value(bits: bits) == Int64(expected))
        }
        // Shared prefixes: at most 4 level-2 products per tree and 10 new pairs per tree.
        #expect(circuit.products.count <= 4 * model.integer.trees.count)
        #expect(circuit.pairs.count <= 10 * model.integer.trees.count)
        // Not vacuous: the scores vary.
        #expect(Set(rows.map(model.score(row:))).count > 10)
    }

    @Test("the quantized trees decide as the float trees on at least 99 % of rows")
    func quantizedAgreesWithFloat() async throws {
        for seed: UInt64 in [3, 17, 31] {
            let (pipeline, quantized, data) = try Self.fitted(seed: seed, rows: 600, rounds: 20)
            let agreement = try quantized.agreement(with: pipeline, on: data)
            #expect(agreement.rows == 600)
            #expect(agreement.share >= 0.99, "seed \(seed): \(agreement.agreeing)/\(agreement.rows)")
        }
    }

    // MARK: Encrypted

    @Test("encrypted tree scores equal the plaintext quantized scores for every client over several seeds")
    func encryptedEqualsPlaintext() async throws {
        let (keyHolder, evaluator, key, material) = try Self.keys()
        for seed: UInt64 in [5, 23, 41] {
            let (_, quantized, data) = try Self.fitted(seed: seed, rows: 300)
            let model = try EncryptedTreeModel(pipeline: quantized, source: "generated")
            let matrix = try model.plan.matrix(data.droppingColumns(["churned"]))
            var rows = (0..<matrix.rows).map { matrix.row($0) }
            rows += Self.edgeRows(model, base: rows)
            #expect(rows.count < material.context.degree)
            // Slots spread over two batches (the second starts at N), in a scrambled order.
            let slots = rows.indices.map { $0 % 2 == 0 ? $0 / 2 : material.context.degree + $0 }
            let inputs = try EncryptedTreeInputs.encrypt(
                rows: zip(slots, rows).map { (slot: $0, row: $1) }, plan: model.plan, material: material)
            #expect(inputs.header.batches == [0, 1])
            #expect(inputs.batches[0]?.count == model.plan.splits.count)
            let run = try await evaluator.score(trees: inputs, model: model, relinearizationKey: key)
            #expect(run.header.multiplicativeDepth == 2)
            let decrypted = try keyHolder.decrypt(treeScores: run, slots: slots)
            var mismatches = 0
            for (slot, row) in zip(slots, rows) where decrypted[slot] != model.score(row: row) { mismatches += 1 }
            #expect(mismatches == 0, "seed \(seed): \(mismatches) of \(rows.count) scores differ")
            let budget = try keyHolder.noiseBudget(of: run)
            #expect(budget > 0)
            // The estimate that `check(parameters:)` relies on is conservative.
            #expect(model.estimatedNoiseBudget(parameters: material.context.parameters) <= budget, "measured \(budget) bits")
        }
    }

    @Test("missing values follow each node's default direction, left and right, on ciphertexts")
    func missingValueDefaultDirections() async throws {
        // Two hand-made trees on two features: the root of each sends missing values one way, its children the other.
        func node(_ feature: Int, _ threshold: Double, left defaultLeft: Bool, _ l: Int, _ r: Int) -> RegressionTree.Node {
            RegressionTree.Node(feature: feature, threshold: threshold, defaultLeft: defaultLeft, left: l, right: r, value: 0, gain: 1, cover: 1)
        }
        func leaf(_ value: Double) -> RegressionTree.Node {
            RegressionTree.Node(feature: -1, threshold: 0, defaultLeft: true, left: -1, right: -1, value: value, gain: 0, cover: 1)
        }
        let first = RegressionTree(nodes: [
            node(0, 10, left: true, 1, 2), node(1, 5, left: false, 3, 4), node(1, 7, left: true, 5, 6),
            leaf(-0.8), leaf(-0.2), leaf(0.3), leaf(0.9),
        ])
        let second = RegressionTree(nodes: [
            node(1, 5, left: false, 1, 2), node(0, 20, left: true, 3, 4), leaf(0.5), leaf(-0.4), leaf(0.1),
        ])
        let trees = try GradientBoostedTrees(importedTrees: [first, second], featureCount: 2, baseScore: 0.5, objective: .logistic, source: "hand-made")
        let ensemble = try trees.quantized(bits: 8)
        let transformer = ColumnTransformer(
            steps: [.numeric(column: "a", type: .numeric, imputer: nil, scaler: nil), .numeric(column: "b", type: .numeric, imputer: nil, scaler: nil)],
            options: .init(scaleNumeric: false, imputeNumeric: false))
        let model = try EncryptedTreeModel(ensemble: ensemble, transformer: transformer, positiveLabel: "true", source: "hand-made")
        let leaves = (first: [-0.8, -0.2, 0.3, 0.9].map { Int(($0 * ensemble.scale).rounded()) }, second: [-0.4, 0.1, 0.5].map { Int(($0 * ensemble.scale).rounded()) })
        // Hand-computed: (nan, nan): first tree left at the root, right at b -> -0.2; second tree right at b -> 0.5.
        let rows: [([Double], Int)] = [
            ([.nan, .nan], ensemble.base + leaves.first[1] + leaves.second[2]),
            ([12, .nan], ensemble.base + leaves.first[2] + leaves.second[2]),   // a >= 10 right, b missing at 7: left
            ([.nan, 3], ensemble.base + leaves.first[0] + leaves.second[0]),    // a missing: left; then a missing at 20: left
            ([10, 7], ensemble.base + leaves.first[3] + leaves.second[2]),      // at the cuts: right, right
            ([9.5, 4.9], ensemble.base + leaves.first[0] + leaves.second[0]),
            ([25, 6], ensemble.base + leaves.first[2] + leaves.second[2]),
        ]
        for (row, expected) in rows {
            #expect(model.score(row: row) == expected, "\(row)")
        }
        let (keyHolder, evaluator, key, material) = try Self.keys()
        let inputs = try EncryptedTreeInputs.encrypt(
            rows: rows.enumerated().map { (slot: $0.offset, row: $0.element.0) }, plan: model.plan, material: material)
        let run = try await evaluator.score(trees: inputs, model: model, relinearizationKey: key)
        let decrypted = try keyHolder.decrypt(treeScores: run, slots: Array(rows.indices))
        for (slot, (row, expected)) in rows.enumerated() {
            #expect(decrypted[slot] == expected, "row \(row)")
        }
        // The envelopes round-trip (kinds 56 and 57).
        let readInputs = try EncryptedTreeInputs(envelope: Envelope(decoding: inputs.envelope().serialized(), fingerprint: material.context.fingerprint, source: "inputs"), context: material.context, source: "inputs")
        #expect(readInputs.payload() == inputs.payload())
        let readRun = try EncryptedTreeScoreRun(envelope: Envelope(decoding: run.envelope().serialized(), fingerprint: material.context.fingerprint, source: "scores"), context: material.context, source: "scores")
        #expect(readRun.payload() == run.payload())
        #expect(readRun.header.model == model)
    }

    @Test("the demo: trees trained on the collector's features score every client of a store exactly")
    func demoEndToEnd() async throws {
        let dataset = SyntheticBank(clients: 150, managers: 6, branches: 2, weeks: 12, seed: 77).generate()
        let folder = try StoreTestSupport.temporaryDirectory()
        let outcome = try await TreeScoringDemo.run(dataset: dataset, key: .insecureDerived(from: "trees-77"), rounds: 6, workFolder: folder) { _ in }
        #expect(outcome.clients == 150)
        #expect(outcome.mismatches.isEmpty, "\(outcome.mismatches.prefix(3))")
        #expect(Set(outcome.decryptedScores.map(\.score)).count > 5)
        #expect(outcome.agreement.rows > 0)
        #expect(outcome.agreement.share >= 0.99, "agreement \(outcome.agreement.agreeing)/\(outcome.agreement.rows)")
        #expect(outcome.noiseBudget > 0)
        // The collector's columns: no heat or trend, tenure missing for clients without an opening date.
        #expect(!outcome.model.plan.columns.contains { $0.contains("heat") || $0.contains("trend") })
    }

    // MARK: Coverage and directory binding

    /// A store with every generated client but the last ingested, a small gbdt model on the
    /// collector's features, and the keys.
    static func coverageFixture() throws -> (
        dataset: SyntheticDataset, store: HeatStore, model: EncryptedTreeModel, key: PseudonymisationKey, asOf: CalendarDate,
        keyHolder: KeyHolder, evaluator: Evaluator, relin: BfvRelinearizationKey<UInt64>, material: PipelineKeys.PublicMaterial
    ) {
        let dataset = SyntheticBank(clients: 60, managers: 3, branches: 2, weeks: 10, seed: 91).generate()
        let key = PseudonymisationKey.insecureDerived(from: "trees-coverage")
        let (keyHolder, evaluator, relin, material) = try Self.keys()
        let store = try HeatStore.initialize(path: StoreTestSupport.temporaryDirectory().appending(path: "heat.db").path).store
        let late = try #require(dataset.clients.last).clientID
        _ = try Collector(pseudonymisationKey: key, material: material).ingestor().ingest(
            dataset.interactions.filter { $0.clientID != late }, clients: dataset.clients.filter { $0.clientID != late }, into: store,
            source: .init(name: "synthetic", inputHash: ""))
        let asOf = CalendarDate(daysSinceEpoch: dataset.interactions.map(\.occurredAt.date.daysSinceEpoch).max() ?? 0)
        let (table, pseudonyms) = try CollectorTreeFeatures.table(clients: dataset.clients, interactions: dataset.interactions, asOf: asOf, key: key)
        let pseudonymizer = Pseudonymizer(key: key)
        var churned: [Pseudonym: Bool] = [:]
        for label in dataset.labels { churned[pseudonymizer.pseudonym(for: label.clientID, kind: .client)] = label.churned }
        let labels = pseudonyms.enumerated().map { index, p in churned[p] ?? (index % 3 == 0) ? "true" : "false" }
        let training = try DataTable(columns: table.columns + [try DataColumn(name: "churned", type: .categorical, raw: labels)], source: "coverage")
        let pipeline = try ModelPipeline.fit(
            .gbdt(GradientBoostedTrees(rounds: 3, maxDepth: 3, learningRate: 0.5, seed: 4)), on: training, target: "churned", positiveLabel: "true")
        let model = try EncryptedTreeModel(pipeline: pipeline.quantized(bits: 8), source: "coverage")
        return (dataset, store, model, key, asOf, keyHolder, evaluator, relin, material)
    }

    @Test("a client missing from the encode input gets no tree score; one ingested after encoding makes decrypt refuse (exit 65, counts only)")
    func coverageAndStaleDirectory() async throws {
        let f = try Self.coverageFixture()
        let late = try #require(f.dataset.clients.last).clientID
        let absent = f.dataset.clients[0].clientID
        // The collector's file and export lack `absent`; `late` is not in the directory yet (skipped).
        let (inputs, skipped) = try EncryptedTreeInputs.encrypt(
            clients: f.dataset.clients.filter { $0.clientID != absent }, interactions: f.dataset.interactions.filter { $0.clientID != absent },
            asOf: f.asOf, plan: f.model.plan, store: f.store, key: f.key, material: f.material)
        #expect(skipped == 1)
        let directory = try KeyHolder.directory(in: f.store)
        #expect(inputs.header.coverage?.clients == directory.count - 1)
        #expect(inputs.header.coverage?.directory == DirectorySnapshot(entries: directory.map { ($0.client, $0.slot) }))
        #expect(inputs.header.coverage?.directory == (try DirectorySnapshot.current(in: f.store)))
        let run = try await f.evaluator.score(trees: inputs, model: f.model, relinearizationKey: f.relin)
        // The header survives the envelope, and the key holder reads it back.
        let read = try EncryptedTreeScoreRun(
            envelope: Envelope(decoding: run.envelope().serialized(), fingerprint: f.material.context.fingerprint, source: "scores"),
            context: f.material.context, source: "scores")
        #expect(read.header.coverage == inputs.header.coverage)
        let scores = try f.keyHolder.decrypt(treeScores: read, store: f.store)
        let pseudonymizer = Pseudonymizer(key: f.key)
        let absentPseudonym = pseudonymizer.pseudonym(for: absent, kind: .client)
        #expect(scores.count == directory.count - 1)
        #expect(!scores.contains { $0.pseudonym == absentPseudonym })
        #expect(try f.keyHolder.treeScoreRows(run: read, store: f.store).count == directory.count - 1)
        // Every released score equals the plaintext score of the client's features.
        let (table, pseudonyms) = try CollectorTreeFeatures.table(
            clients: f.dataset.clients, interactions: f.dataset.interactions, asOf: f.asOf, key: f.key)
        let matrix = try f.model.plan.matrix(table)
        let rowOf = Dictionary(uniqueKeysWithValues: pseudonyms.enumerated().map { ($1, $0) })
        for score in scores {
            let index = try #require(rowOf[score.pseudonym])
            #expect(score.score == f.model.score(row: matrix.row(index)))
        }
        // One more client ingested after `trees encode`: refused, naming counts only.
        let lateClient = try #require(f.dataset.clients.last)
        _ = try Collector(pseudonymisationKey: f.key, material: f.material).ingestor().ingest(
            f.dataset.interactions.filter { $0.clientID == late }, clients: [lateClient], into: f.store,
            source: .init(name: "late", inputHash: ""))
        #expect(try KeyHolder.directory(in: f.store).count == directory.count + 1)
        do {
            _ = try f.keyHolder.decrypt(treeScores: read, store: f.store)
            Issue.record("tree scores were released after the directory changed")
        } catch let error as TreeScoringError {
            #expect(error == .staleDirectory(source: "the tree scores", encodedOn: directory.count, now: directory.count + 1))
            #expect(error.category.exitCode == 65)
            let text = error.description + (error.hint ?? "")
            for id in [late, absent] {
                #expect(!text.contains(id))
                #expect(!text.contains(pseudonymizer.pseudonym(for: id, kind: .client).hex.prefix(8)))
            }
        }
        #expect(throws: TreeScoringError.self) { _ = try f.keyHolder.treeScoreRows(run: read, store: f.store) }
    }

    @Test("scores without a coverage record, with a record that does not match, or with another model's plan are refused")
    func coverageRecordRequired() async throws {
        let f = try Self.coverageFixture()
        let directory = try KeyHolder.directory(in: f.store).map { (client: $0.client, slot: $0.slot) }
        let (table, pseudonyms) = try CollectorTreeFeatures.table(
            clients: f.dataset.clients, interactions: f.dataset.interactions, asOf: f.asOf, key: f.key)
        let matrix = try f.model.plan.matrix(table)
        let slotOf = Dictionary(uniqueKeysWithValues: directory.map { ($0.client, Int($0.slot)) })
        let rows = pseudonyms.enumerated().compactMap { index, p in slotOf[p].map { (slot: $0, row: matrix.row(index)) } }
        let unbound = try EncryptedTreeInputs.encrypt(rows: rows, plan: f.model.plan, material: f.material)
        let run = try await f.evaluator.score(trees: unbound, model: f.model, relinearizationKey: f.relin)
        func refused(_ run: EncryptedTreeScoreRun, _ field: String) {
            do {
                _ = try f.keyHolder.decrypt(treeScores: run, store: f.store)
                Issue.record("scores released (\(field))")
            } catch let error as TreeScoringError {
                #expect(error.category.exitCode == 65)
                #expect(error.description.contains(field), "\(error)")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
        refused(run, "coverage")
        // A record that claims one client more than the slots it lists.
        var header = run.header
        var coverage = TreeEncodingCoverage.make(encodedSlots: rows.map { Int64($0.slot) }, directory: directory)
        header.coverage = coverage
        let bound = EncryptedTreeScoreRun(header: header, scores: run.scores)
        #expect(try f.keyHolder.decrypt(treeScores: bound, store: f.store).count == rows.count)
        coverage.clients += 1
        header.coverage = coverage
        refused(EncryptedTreeScoreRun(header: header, scores: run.scores), "coverage")
        // Another model's plan hash.
        header = bound.header
        header.planHash = String(repeating: "0", count: 64)
        refused(EncryptedTreeScoreRun(header: header, scores: run.scores), "planHash")
    }

    @Test("a model whose stored splits, depth or tree links do not match its trees is refused on decode")
    func tamperedModelRefusedOnDecode() async throws {
        let (_, quantized, _) = try Self.fitted(seed: 13, rows: 200, rounds: 2, depth: 3)
        let model = try EncryptedTreeModel(pipeline: quantized, source: "generated")
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(model), as: UTF8.self)
        #expect(try JSONDecoder().decode(EncryptedTreeModel.self, from: Data(text.utf8)) == model)
        // Each variant changes the first match only (sorted keys: `depth` first, then the first tree's root).
        func mutated(_ pattern: String, _ replacement: String) throws -> Data {
            let range = try #require(text.range(of: pattern, options: .regularExpression))
            return Data(text.replacingCharacters(in: range, with: replacement).utf8)
        }
        let variants: [(String, Data)] = [
            ("depth", try mutated(#""depth":\d+"#, #""depth":1"#)),
            ("nodeSplits", try mutated(#""nodeSplits":\[\[0,"#, #""nodeSplits":[[1,"#)),
            ("child index", try mutated(#""left":\d+"#, #""left":999"#)),
        ]
        for (name, bytes) in variants {
            #expect(throws: DecodingError.self, "\(name)") { _ = try JSONDecoder().decode(EncryptedTreeModel.self, from: bytes) }
        }
    }

    // MARK: Refusals

    @Test("a logistic model, a tree deeper than 4 and keys too small are refused with exit 65 / 69")
    func refusals() async throws {
        let data = try Self.table(seed: 9, rows: 200)
        let logistic = try ModelPipeline.fit(.logistic(LogisticRegression()), on: data, target: "churned", positiveLabel: "true")
        let integer = try logistic.quantized(bits: 8, calibration: data)
        do {
            _ = try EncryptedTreeModel(pipeline: integer, source: "logistic.q8")
            Issue.record("a logistic model was accepted")
        } catch {
            #expect(error.category.exitCode == 65)
            #expect(error.description.contains("logistic.q8"))
        }
        let (_, deep, _) = try Self.fitted(seed: 9, rows: 400, rounds: 3, depth: 6)
        do {
            _ = try EncryptedTreeModel(pipeline: deep, source: "deep.q8")
            Issue.record("a depth-6 model was accepted")
        } catch {
            #expect(error.description.contains("deeper than 4"))
        }
        let (_, quantized, _) = try Self.fitted(seed: 9)
        let model = try EncryptedTreeModel(pipeline: quantized, source: "generated")
        // t ~ 2^41 over a 162-bit Q leaves no room for two products: refused, naming a preset that fits.
        let wide = try BfvParameters(preset: "n8192-logq217-logt41")
        do {
            try model.check(parameters: wide)
            Issue.record("logt41 was accepted for a depth-2 circuit")
        } catch {
            #expect(error.category.exitCode == 69)
            guard case let .parametersTooSmall(_, _, fitting) = error else { throw error }
            #expect(fitting == "n8192-logq217-logt25")
        }
        try model.check(parameters: BfvParameters(preset: "n8192-logq217-logt25"))
        try model.check(parameters: BfvParameters(preset: "n16384-logq434-logt60"))
    }

    @Test("bits encoded for another model's plan are refused")
    func planMismatch() async throws {
        let (_, evaluator, key, material) = try Self.keys()
        let (_, a, data) = try Self.fitted(seed: 2, rows: 200, rounds: 2)
        let (_, b, _) = try Self.fitted(seed: 3, rows: 200, rounds: 2)
        let modelA = try EncryptedTreeModel(pipeline: a, source: "a")
        let modelB = try EncryptedTreeModel(pipeline: b, source: "b")
        let matrix = try modelA.plan.matrix(data.droppingColumns(["churned"]))
        let inputs = try EncryptedTreeInputs.encrypt(rows: [(slot: 0, row: matrix.row(0))], plan: modelA.plan, material: material)
        do {
            _ = try await evaluator.score(trees: inputs, model: modelB, relinearizationKey: key)
            Issue.record("bits of another plan were accepted")
        } catch let error as TreeScoringError {
            #expect(error.category.exitCode == 65)
            #expect(error.description.contains("planHash"))
        }
    }
}

/// A small deterministic generator for test data.
struct TreeTestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state = state &+ 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
