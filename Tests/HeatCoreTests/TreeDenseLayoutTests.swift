import Foundation
import GRDB
import HeatEnvelope
import HeatFHE
import HeatML
import Testing
@testable import HeatCore

/// Issue 15, trees4: the dense slot layout of the tree inputs (8,192 clients in one batch of an
/// 8,192-slot ring, mapped back exactly by the coverage record), the structured-concurrency
/// circuit (the same bytes for any task count), and differencing between a logistic and a tree
/// score release.
@Suite(.serialized) struct TreeDenseLayoutTests {
    // MARK: Position map (fast)

    @Test("the dense position of an encoded slot is its rank among the encoded slots; other slots have none; altered ranges are refused")
    func densePositions() throws {
        let directory = TreeScoreReleaseTests.directory(slots: [1, 2, 3, 5, 9, 10, 11, 12, 20])
        let dense = TreeEncodingCoverage.make(encodedSlots: [1, 2, 5, 9, 10, 11, 12], directory: directory, layout: .dense)
        #expect(dense.slotRanges == [[1, 2], [5, 5], [9, 12]])
        #expect(dense.layout == .dense)
        let position = try dense.positionMap(source: "s")
        let expected: [Int64: Int64] = [1: 0, 2: 1, 5: 2, 9: 3, 10: 4, 11: 5, 12: 6]
        for slot: Int64 in -1...21 {
            #expect(position(slot) == expected[slot], "slot \(slot)")
        }
        // The directory layout (and a record written before the layout field) keeps the slot.
        let slots = TreeEncodingCoverage.make(encodedSlots: [1, 2, 5, 9, 10, 11, 12], directory: directory)
        #expect(slots.layout == nil && slots.effectiveLayout == .directorySlots)
        let identity = try slots.positionMap(source: "s")
        #expect(identity(12) == 12 && identity(5) == 5 && identity(3) == nil)
        // A record from before the field decodes as the directory layout.
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(dense)) as? [String: Any] ?? [:]
        json["layout"] = nil
        let old = try JSONDecoder().decode(TreeEncodingCoverage.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(old.effectiveLayout == .directorySlots)
        // Altered ranges (not pairs, overlapping) are refused, naming the field, never crash.
        for ranges: [[Int64]] in [[[1]], [[1, 2], [2, 5]], [[5, 4]]] {
            var altered = dense
            altered.slotRanges = ranges
            do {
                _ = try altered.positionMap(source: "scores.heat")
                Issue.record("altered ranges \(ranges) accepted")
            } catch {
                #expect(error.category.exitCode == 65)
                #expect(error.description.contains("field coverage.slotRanges"), "\(error)")
            }
        }
    }

    // MARK: Encrypted, dense

    @Test("dense tree inputs: every client's encrypted score equals the plaintext quantized score, over several seeds, with missing values and values at the cuts")
    func denseLayoutEqualsPlaintext() async throws {
        let (keyHolder, evaluator, key, material) = try EncryptedTreeTests.keys()
        let n = material.context.degree
        for seed: UInt64 in [5, 23, 41] {
            let (_, quantized, data) = try EncryptedTreeTests.fitted(seed: seed, rows: 300)
            let model = try EncryptedTreeModel(pipeline: quantized, source: "generated")
            let matrix = try model.plan.matrix(data.droppingColumns(["churned"]))
            var rows = (0..<matrix.rows).map { matrix.row($0) }
            rows += EncryptedTreeTests.edgeRows(model, base: rows)
            #expect(rows.contains { $0.contains { $0.isNaN } })
            // Directory slots over two 8,192-slot batches in a scrambled order, and two directory
            // clients the collector did not encode.
            let slots = rows.indices.map { $0 % 2 == 0 ? $0 / 2 : n + $0 }
            let directory = TreeScoreReleaseTests.directory(slots: slots.map(Int64.init) + [Int64(n - 1), Int64(2 * n + 7)])
            let coverage = TreeEncodingCoverage.make(encodedSlots: slots.map(Int64.init), directory: directory, layout: .dense)
            let inputs = try EncryptedTreeInputs.encrypt(
                rows: zip(slots, rows).map { (slot: $0, row: $1) }, plan: model.plan, material: material, coverage: coverage)
            #expect(inputs.header.batches == [0], "the dense layout packs \(rows.count) clients in one batch")
            #expect(EncryptedTreeInputs.bitVectors(
                rows: zip(slots, rows).map { (slot: $0, row: $1) }, plan: model.plan, slotsPerBatch: n).count == 2)
            let run = try await evaluator.score(trees: inputs, model: model, relinearizationKey: key)
            #expect(run.header.coverage?.layout == .dense)
            let decrypted = try keyHolder.decrypt(treeScores: run, slots: slots + [n - 1])
            #expect(decrypted.count == rows.count, "no score for the directory client that was not encoded")
            var mismatches = 0
            for (slot, row) in zip(slots, rows) where decrypted[slot] != model.score(row: row) { mismatches += 1 }
            #expect(mismatches == 0, "seed \(seed): \(mismatches) of \(rows.count) scores differ")
        }
    }

    @Test("8,192 clients whose directory slots span two batches (manager-block padding) fill one dense batch; every score maps back exactly")
    func eightThousandClientsFillOneBatch() async throws {
        let (keyHolder, evaluator, key, material) = try EncryptedTreeTests.keys()
        let n = material.context.degree
        let (_, quantized, data) = try EncryptedTreeTests.fitted(seed: 3, rows: 300, rounds: 2, depth: 3)
        let model = try EncryptedTreeModel(pipeline: quantized, source: "generated")
        let matrix = try model.plan.matrix(data.droppingColumns(["churned"]))
        var base = (0..<matrix.rows).map { matrix.row($0) }
        base += EncryptedTreeTests.edgeRows(model, base: base)
        let rows = (0..<n).map { base[$0 % base.count] }
        // Blocks of 128 slots per manager, 100 used: the highest slot is far beyond N.
        let slots = (0..<n).map { ($0 / 100) * 128 + $0 % 100 }
        #expect((slots.last ?? 0) >= n)
        let directory = TreeScoreReleaseTests.directory(slots: slots.map(Int64.init))
        let placed = zip(slots, rows).map { (slot: $0, row: $1) }
        #expect(EncryptedTreeInputs.bitVectors(rows: placed, plan: model.plan, slotsPerBatch: n).keys.sorted() == [0, 1])
        let coverage = TreeEncodingCoverage.make(encodedSlots: slots.map(Int64.init), directory: directory, layout: .dense)
        let inputs = try EncryptedTreeInputs.encrypt(rows: placed, plan: model.plan, material: material, coverage: coverage)
        #expect(inputs.header.batches == [0])
        #expect(inputs.header.clients == n)
        let run = try await evaluator.score(trees: inputs, model: model, relinearizationKey: key)
        #expect(run.scores.count == 1)
        let decrypted = try keyHolder.decrypt(treeScores: run, slots: slots)
        #expect(decrypted.count == n)
        var mismatches = 0
        for (slot, row) in placed where decrypted[slot] != model.score(row: row) { mismatches += 1 }
        #expect(mismatches == 0, "\(mismatches) of \(n) scores differ")
        #expect(Set(decrypted.values).count > 2)
    }

    @Test("a dense record whose layout was dropped or flipped no longer matches the directory: decrypt and release refuse (exit 65)")
    func layoutIsBoundIntoTheDigest() async throws {
        let (f, run, _) = try await TreeScoreReleaseTests.scored()
        let policy = try TreeScoreReleaseTests.policy(k: 2)
        var header = run.header
        var coverage = try #require(header.coverage)
        #expect(coverage.layout == .dense)
        for altered in [nil, TreeSlotLayout.directorySlots] {
            coverage.layout = altered
            header.coverage = coverage
            let flipped = EncryptedTreeScoreRun(header: header, scores: run.scores)
            for attempt in [
                { _ = try f.keyHolder.decrypt(treeScores: flipped, store: f.store) },
                { _ = try f.keyHolder.releaseScores(run: flipped, store: f.store, policy: policy, role: "risk_officer") },
            ] as [() throws -> Void] {
                do {
                    try attempt()
                    Issue.record("scores read with layout \(String(describing: altered))")
                } catch let error as TreeScoringError {
                    #expect(error.category.exitCode == 65)
                    #expect(error.description.contains("field coverage"), "\(error)")
                }
            }
        }
        // A directory-layout record flipped to dense is refused too.
        let directory = TreeScoreReleaseTests.directory(slots: [0, 1, 5])
        var slots = TreeEncodingCoverage.make(encodedSlots: [0, 5], directory: directory)
        #expect(try slots.check(directory: directory, source: "s") == [0, 5])
        slots.layout = .dense
        #expect(throws: TreeScoringError.self) { _ = try slots.check(directory: directory, source: "s") }
    }

    @Test("a dense record listing a client without a row is refused at encode time (its all-zero bits would decrypt to a made-up score)")
    func denseRecordWithoutARowRefused() throws {
        let (_, _, _, material) = try EncryptedTreeTests.keys()
        let (_, quantized, data) = try EncryptedTreeTests.fitted(seed: 3, rows: 100, rounds: 1, depth: 2)
        let model = try EncryptedTreeModel(pipeline: quantized, source: "generated")
        let matrix = try model.plan.matrix(data.droppingColumns(["churned"]))
        let directory = TreeScoreReleaseTests.directory(slots: [0, 1, 2])
        let coverage = TreeEncodingCoverage.make(encodedSlots: [0, 1, 2], directory: directory, layout: .dense)
        do {
            _ = try EncryptedTreeInputs.encrypt(
                rows: [(slot: 0, row: matrix.row(0)), (slot: 2, row: matrix.row(1))], plan: model.plan, material: material, coverage: coverage)
            Issue.record("a record with a client without a row was encoded")
        } catch {
            #expect(error.category.exitCode == 65)
            #expect(error.description.contains("3 clients recorded as encoded, 2 distinct rows given"), "\(error)")
        }
    }

    @Test("a row whose slot is not in the dense coverage record is refused at encode time (exit 65), not placed at a guessed position")
    func denseRowOutsideTheRecordRefused() throws {
        let (_, _, _, material) = try EncryptedTreeTests.keys()
        let (_, quantized, data) = try EncryptedTreeTests.fitted(seed: 3, rows: 100, rounds: 1, depth: 2)
        let model = try EncryptedTreeModel(pipeline: quantized, source: "generated")
        let matrix = try model.plan.matrix(data.droppingColumns(["churned"]))
        let directory = TreeScoreReleaseTests.directory(slots: [0, 1, 2])
        let coverage = TreeEncodingCoverage.make(encodedSlots: [0, 1], directory: directory, layout: .dense)
        do {
            _ = try EncryptedTreeInputs.encrypt(
                rows: [(slot: 0, row: matrix.row(0)), (slot: 2, row: matrix.row(1))], plan: model.plan, material: material, coverage: coverage)
            Issue.record("a row outside the record was encoded")
        } catch {
            #expect(error.category.exitCode == 65)
            #expect(error.description.contains("field coverage: directory slot 2"), "\(error)")
        }
    }

    @Test("through a store: `trees encode` packs densely, and the key holder maps every score (all, and one manager's masked) back to its client")
    func denseThroughTheStore() async throws {
        let (f, run, expected) = try await TreeScoreReleaseTests.scored()
        let directory = try KeyHolder.directory(in: f.store)
        #expect(run.header.coverage?.layout == .dense)
        #expect(run.header.batches == [0])
        #expect((directory.map(\.slot).max() ?? 0) > Int64(run.header.coverage?.clients ?? 0) - 1, "the directory has gaps")
        let all = try f.keyHolder.decrypt(treeScores: run, store: f.store)
        #expect(all.count == expected.count)
        for score in all { #expect(score.score == expected[score.pseudonym]) }
        // One manager's clients, masked before decryption: the same scores, nobody else's.
        let managers = Set(directory.compactMap(\.manager))
        #expect(managers.count >= 2)
        for manager in managers {
            let mine = Set(directory.filter { $0.manager == manager }.map(\.client))
            let masked = try f.keyHolder.decrypt(treeScores: run, store: f.store, manager: manager)
            #expect(Set(masked.map(\.pseudonym)) == mine.intersection(expected.keys))
            for score in masked { #expect(score.score == expected[score.pseudonym]) }
        }
    }

    // MARK: Structured concurrency

    @Test("the tree circuit gives the same bytes with 1, 2 and 5 tasks (two batches, chunks of level-2 products), and the right scores")
    func taskCountDoesNotChangeTheBytes() async throws {
        let (keyHolder, evaluator, key, material) = try EncryptedTreeTests.keys()
        let n = material.context.degree
        let (_, quantized, data) = try EncryptedTreeTests.fitted(seed: 17, rows: 200, rounds: 5, depth: 4)
        let model = try EncryptedTreeModel(pipeline: quantized, source: "generated")
        #expect(TreeCircuit(model: model).products.count > EncryptedTreeModel.maximumSupportedDepth * 2, "several chunks of products")
        let matrix = try model.plan.matrix(data.droppingColumns(["churned"]))
        let rows = (0..<matrix.rows).map { matrix.row($0) }
        let slots = rows.indices.map { $0 % 3 == 0 ? n + $0 : $0 }
        let inputs = try EncryptedTreeInputs.encrypt(
            rows: zip(slots, rows).map { (slot: $0, row: $1) }, plan: model.plan, material: material)
        #expect(inputs.header.batches == [0, 1])
        let one = try await evaluator.score(trees: inputs, model: model, relinearizationKey: key, tasks: 1)
        for tasks in [2, 5] {
            let many = try await evaluator.score(trees: inputs, model: model, relinearizationKey: key, tasks: tasks)
            #expect(many.payload() == one.payload(), "\(tasks) tasks")
        }
        let decrypted = try keyHolder.decrypt(treeScores: one, slots: slots)
        var mismatches = 0
        for (slot, row) in zip(slots, rows) where decrypted[slot] != model.score(row: row) { mismatches += 1 }
        #expect(mismatches == 0)
    }

    @Test("BoundedTaskGroup returns results in the items' order for any width, and rethrows a child's error")
    func boundedTaskGroupOrder() async throws {
        let items = Array(0..<40)
        for tasks in [1, 3, 64] {
            let out = try await BoundedTaskGroup.map(items, tasks: tasks) { item -> Int in
                if item % 7 == 0 { Thread.sleep(forTimeInterval: 0.002) }   // finish out of order
                return item * item
            }
            #expect(out == items.map { $0 * $0 }, "\(tasks) tasks")
        }
        await #expect(throws: PipelineError.self) {
            _ = try await BoundedTaskGroup.map(items, tasks: 4) { item -> Int in
                if item == 13 { throw PipelineError.malformed(source: "test", reason: "13") }
                return item
            }
        }
    }

    // MARK: Differencing across model kinds

    @Test("a logistic and a tree score release whose manager groups differ by one client the collector did not encode: the differencing guard refuses (refuse, both orders) or withholds (suppress)")
    func differencingBetweenLogisticAndTreeReleases() async throws {
        let data = ScoreReleaseTests.dataset(seed: 33, clients: 120)
        let (outcome, pseudonymKey) = try ScoreReleaseTests.run(data, seed: 33)
        let store = try HeatStore(path: outcome.storePath)
        let logisticHolder = try KeyHolder(keysAt: "\(outcome.keysPath)/keyholder")
        // Tree keys of their own (the tree circuit's preset), the same store and pseudonyms.
        let (treeHolder, evaluator, relin, material) = try EncryptedTreeTests.keys()
        let asOf = CalendarDate(daysSinceEpoch: data.interactions.map(\.occurredAt.date.daysSinceEpoch).max() ?? 0)
        let (table, pseudonyms) = try CollectorTreeFeatures.table(clients: data.clients, interactions: data.interactions, asOf: asOf, key: pseudonymKey)
        let pseudonymizer = Pseudonymizer(key: pseudonymKey)
        var churned: [Pseudonym: Bool] = [:]
        for label in data.labels { churned[pseudonymizer.pseudonym(for: label.clientID, kind: .client)] = label.churned }
        let labels = pseudonyms.enumerated().map { index, p in churned[p] ?? (index % 3 == 0) ? "true" : "false" }
        let training = try DataTable(columns: table.columns + [try DataColumn(name: "churned", type: .categorical, raw: labels)], source: "differencing")
        let pipeline = try ModelPipeline.fit(
            .gbdt(GradientBoostedTrees(rounds: 2, maxDepth: 3, learningRate: 0.5, seed: 4)), on: training, target: "churned", positiveLabel: "true")
        let model = try EncryptedTreeModel(pipeline: pipeline.quantized(bits: 8), source: "differencing")
        // The collector's client file and export lack one client of the directory: the tree scores cover everybody else.
        let entries = try ClientDirectory.entries(in: store)
        let absentID = try #require(data.clients.first { client in
            let hex = pseudonymizer.pseudonym(for: client.clientID, kind: .client).hex
            return entries.contains { $0.pseudonym == hex && $0.manager != nil }
        }).clientID
        let absentHex = pseudonymizer.pseudonym(for: absentID, kind: .client).hex
        let absentManager = try #require(entries.first { $0.pseudonym == absentHex }?.manager)
        #expect(entries.filter { $0.manager == absentManager }.count >= 6, "the group is above k = 5 without the client too")
        let (inputs, skipped) = try EncryptedTreeInputs.encrypt(
            clients: data.clients.filter { $0.clientID != absentID }, interactions: data.interactions.filter { $0.clientID != absentID },
            asOf: asOf, plan: model.plan, store: store, key: pseudonymKey, material: material)
        #expect(skipped == 0)
        #expect(inputs.header.coverage?.clients == entries.count - 1)
        let trees = try await evaluator.score(trees: inputs, model: model, relinearizationKey: relin)
        let policy = { (differencing: String) in
            try PrivacyPolicy.parse(Data("""
                {"schema": "customerheat.policy/1", "name": "mixed-\(differencing)", "minGroupSize": 5, "differencing": "\(differencing)",
                 "roles": {"executive": {"groups": ["manager"], "clients": "none"}, "board": {"groups": ["manager"], "clients": "none"},
                           "committee": {"groups": ["manager"], "clients": "none"}}}
                """.utf8))
        }

        // Logistic first, then trees, under `refuse`: the tree release is refused (exit 77) and recorded as a refusal.
        let refusing = try policy("refuse")
        let logistic = try logisticHolder.releaseScores(run: outcome.scores, store: store, policy: refusing, role: "executive", kinds: [.manager])
        #expect(logistic.groups.contains { $0.ref == absentManager })
        let refusals = try AuditLog.entries(in: store, action: AuditAction.releaseRefused).count
        do {
            _ = try treeHolder.releaseScores(run: trees, store: store, policy: refusing, role: "executive", kinds: [.manager])
            Issue.record("the tree release that differs from the logistic one by one client was not refused")
        } catch let refusal as PolicyRefusal {
            #expect(refusal.rule == "differencing")
            #expect(refusal.category.exitCode == 77)
            #expect(!refusal.description.contains(absentID))
        }
        #expect(try AuditLog.entries(in: store, action: AuditAction.releaseRefused).count == refusals + 1)

        // Trees first, then logistic, under `suppress`: the logistic release withholds that manager's bands.
        let suppressing = try policy("suppress")
        let treeFirst = try treeHolder.releaseScores(run: trees, store: store, policy: suppressing, role: "board", kinds: [.manager])
        #expect(treeFirst.groups.contains { $0.ref == absentManager })
        let logisticSecond = try logisticHolder.releaseScores(run: outcome.scores, store: store, policy: suppressing, role: "board", kinds: [.manager])
        #expect(!logisticSecond.groups.contains { $0.ref == absentManager })
        #expect(logisticSecond.withheld?.contains { $0.item == "manager \(absentManager)" && $0.rule == "differencing" } == true)
        // The other managers' groups hold the same clients in both releases: released again, not withheld.
        #expect(logisticSecond.groups.count == treeFirst.groups.count - 1)

        // Trees first, then logistic, under `refuse`: the logistic release is refused.
        _ = try treeHolder.releaseScores(run: trees, store: store, policy: refusing, role: "committee", kinds: [.manager])
        do {
            _ = try logisticHolder.releaseScores(run: outcome.scores, store: store, policy: refusing, role: "committee", kinds: [.manager])
            Issue.record("the logistic release after the tree release was not refused")
        } catch let refusal as PolicyRefusal {
            #expect(refusal.rule == "differencing")
        }
    }
}

/// Issue 15 "Done when": `heatctl demo --score --model-kind gbdt` reports that the encrypted tree
/// scores equal the plaintext quantized ones and how often the integer trees decide as the float
/// trees (at least 99 %).
@Suite(.enabled(if: BuiltHeatctl.url != nil, "heatctl is not built"))
struct TreeDemoCLITests {
    @Test("the gbdt demo reports every encrypted tree score equal and the float/quantized agreement (at least 99 %)")
    func demoReportsExactScoresAndAgreement() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outcome = try BuiltHeatctl.run([
            "demo", "--clients", "80", "--weeks", "10", "--score", "--model-kind", "gbdt", "--tree-rounds", "3", "--out", folder.path,
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let text = outcome.stdoutText
        #expect(text.contains("equal the plaintext quantized scores for all 80 clients"), "\(text)")
        // "decisions agree with the float trees on A of R rows (P %)"
        let line = try #require(text.split(separator: "\n").first { $0.contains("decisions agree with the float trees on") })
        let tail = try #require(line.components(separatedBy: "decisions agree with the float trees on ").last)
        let words = tail.split(separator: " ")
        let agreeing = try #require(Int(words.first ?? ""))
        let rows = try #require(words.count > 2 ? Int(words[2]) : nil)
        #expect(rows > 0)
        #expect(Double(agreeing) >= 0.99 * Double(rows), "\(line)")
    }
}
