import Foundation
import HeatEnvelope
import HeatML
import Testing
@testable import HeatCore

/// Transaction-log reading, behaviour profiles and fraud models (issue 19, item 3).
struct FraudTests {
    static let header = "customer_id,occurred_at,amount,channel,counterparty,is_fraud\n"

    @Test func badRowsAreNamedAndTheGoodOnesKept() throws {
        let text = Self.header + """
            SECRET-ID-1,2026-06-01T10:00:00Z,12.50,card,P1,0
            SECRET-ID-2,not-a-time,5,card,P1,0
            SECRET-ID-3,2026-06-01T10:00:00Z,-4,card,P1,0
            SECRET-ID-4,2026-06-01T10:00:00Z,abc,card,P1,0
            ,2026-06-01T10:00:00Z,5,card,P1,0
            SECRET-ID-5,2026-06-01T10:00:00Z,5,,P1,0
            SECRET-ID-6,2026-06-01T10:00:00Z,5,card,P1,maybe
            SECRET-ID-7,2026-06-01T12:00:00+02:00,7,Online,P2,

            """
        let report = try TransactionLogFormatReader().read(data: Data(text.utf8), file: "tx.csv")
        #expect(report.records.count == 2)
        #expect(report.rejectedRows == 6)
        #expect(report.rejects.map(\.field) == ["occurred_at", "amount", "amount", "customer_id", "channel", "is_fraud"])
        #expect(report.rejects.map(\.line) == [3, 4, 5, 6, 7, 8])
        #expect(report.rejects.allSatisfy { $0.file == "tx.csv" && $0.column != nil })
        #expect(!report.rejectReport.contains("SECRET-ID"))
        #expect(report.records[1].occurredAt == 1_780_308_000)
        #expect(report.records[1].channel == "online")
        #expect(report.records[1].isFraud == nil)
        #expect(throws: IngestError.self) { try TransactionLogFormatReader(strict: true).read(data: Data(text.utf8), file: "tx.csv") }
        // A missing required column is a file-level error naming it.
        let error = #expect(throws: IngestError.self) { try TransactionLogFormatReader().read(data: Data("customer_id,amount\nA,1\n".utf8), file: "tx.csv") }
        guard case .missingColumns(_, let missing, _)? = error else { Issue.record("expected missingColumns, got \(String(describing: error))"); return }
        #expect(missing.contains("occurred_at") && missing.contains("channel"))
    }

    @Test func profilesComputeTheDocumentedFeatures() throws {
        // Five daily payments to P1 at 20:26 UTC from Thursday 2026-05-28 (two on the weekend), then on
        // Saturday 2026-06-06 at 02:00 (night) three to new payees within an hour. The 7-day window
        // before the last payment holds three P1 payments (seen before it) and the three new ones.
        var log: [CardTransaction] = []
        for d in 0..<5 { log.append(CardTransaction(customerID: "A", occurredAt: 1_780_000_000 + Int64(d) * 86_400, amount: 10, channel: "card", counterparty: "P1", isFraud: false)) }
        let night: Int64 = 1_780_711_200   // 2026-06-06T02:00:00Z
        for k in 0..<3 { log.append(CardTransaction(customerID: "A", occurredAt: night + Int64(k) * 600, amount: 100, channel: "online", counterparty: "X\(k)", isFraud: true)) }
        let p = try #require(BehaviourProfiler().profiles(of: log).first)
        #expect(p.transactions == 8)
        #expect(p.maxPerHour == 3)
        #expect(p.channels == 2)
        #expect(p.counterparties == 4)
        #expect(p.nightShare == 3.0 / 8 && p.weekendShare == 5.0 / 8)
        #expect(p.newCounterpartyShare == 0.5)
        #expect(p.maxAmount == 100)
        #expect(p.medianAmount == 10)
        #expect(p.label == true)
        #expect(p.features.count == BehaviourProfile.featureNames.count)
    }

    @Test func theHybridIsEvaluatedOnTheGeneratorAndSaysSo() throws {
        let log = FraudSimulator(customers: 600, days: 30, fraudShare: 0.08, seed: 3).transactions()
        #expect(log.contains { $0.isFraud == true })
        let profiles = BehaviourProfiler().profiles(of: log)
        let model = try FraudModel.fit(profiles, k: 3, folds: 3, seed: 1, measuredOn: "synthetic FraudSimulator seed 3")
        let e = try #require(model.evaluation)
        #expect(e.measuredOn.contains("synthetic"))
        #expect(e.fraudCustomers == profiles.filter { $0.label == true }.count)
        // The generator's fraud is learnable: the supervised model ranks it well above chance.
        #expect(e.supervised.rocAuc > 0.8 && e.hybrid.rocAuc > 0.8)
        #expect(e.hybridHelps == (e.hybrid.prAuc > e.supervised.prAuc && e.hybridBetterFolds * 2 > e.folds))
        let scored = try model.score(profiles)
        let alerted = Set(scored.filter(\.alert).map(\.customerID))
        let fraud = Set(profiles.filter { $0.label == true }.map(\.customerID))
        #expect(!alerted.isEmpty && alerted.intersection(fraud).count * 2 >= alerted.count)
        #expect(scored.filter(\.alert).allSatisfy { !$0.reasons.isEmpty })
        let url = FileManager.default.temporaryDirectory.appending(path: "fraud-\(UUID().uuidString).model")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        #expect(try FraudModel.load(from: url).score(profiles) == scored)
    }

    /// A saved fraud model with its payload edited (issue 23 review: a crafted forest hung or trapped `fraud score`).
    static func craftedModel(_ edit: (inout [String: Any]) -> Void) throws -> URL {
        let log = FraudSimulator(customers: 120, days: 10, fraudShare: 0.1, seed: 5).transactions()
        let model = try FraudModel.fit(BehaviourProfiler().profiles(of: log), k: 2, folds: 2, seed: 1, measuredOn: "synthetic")
        let url = FileManager.default.temporaryDirectory.appending(path: "fraud-crafted-\(UUID().uuidString).model")
        try model.save(to: url)
        let envelope = try Envelope.read(from: url, expecting: .fraudModel)
        var json = try #require(try JSONSerialization.jsonObject(with: envelope.payload) as? [String: Any])
        edit(&json)
        try Envelope(kind: .fraudModel, payload: try JSONSerialization.data(withJSONObject: json)).write(to: url)
        return url
    }

    /// Edits node `node` of forest tree 0.
    static func editNode(_ node: Int, _ key: String, _ value: Int) -> (inout [String: Any]) -> Void {
        { json in
            var forest = json["forest"] as! [String: Any]
            var trees = forest["trees"] as! [[String: Any]]
            var nodes = trees[0]["nodes"] as! [[String: Any]]
            nodes[node][key] = value
            trees[0]["nodes"] = nodes
            forest["trees"] = trees
            json["forest"] = forest
        }
    }

    @Test(arguments: [("left", 0, "reached twice"), ("right", 1_000_000, "child index 1000000 is out of range"), ("feature", 99, "feature 99 is out of range")])
    func aCraftedForestIsRefusedOnLoad(key: String, value: Int, message: String) throws {
        let url = try Self.craftedModel(Self.editNode(0, key, value))
        defer { try? FileManager.default.removeItem(at: url) }
        let clock = ContinuousClock()
        var caught: HeatMLError?
        let elapsed = clock.measure {
            do { _ = try FraudModel.load(from: url) } catch { caught = error as? HeatMLError }
        }
        let error = try #require(caught)
        guard case let .badModel(_, reason) = error else { Issue.record("unexpected \(error)"); return }
        #expect(reason.contains(message), "\(reason)")
        #expect(error.category == .dataError)
        #expect(elapsed < .seconds(1))
    }

    static func loadError(_ url: URL) -> String {
        do { _ = try FraudModel.load(from: url); return "loaded" } catch { return error.description }
    }

    @Test func craftedSegmentsAndHybridAreRefusedOnLoad() throws {
        let narrow = try Self.craftedModel { json in
            var segments = json["segments"] as! [String: Any]
            var centroids = segments["centroids"] as! [[Any]]
            centroids[1] = [0.0]
            segments["centroids"] = centroids
            json["segments"] = segments
        }
        defer { try? FileManager.default.removeItem(at: narrow) }
        #expect(Self.loadError(narrow).contains("k-means centroid 1"))
        let hybrid = try Self.craftedModel { json in
            var model = json["hybrid"] as! [String: Any]
            model["coefficients"] = [1.0, 2.0]
            json["hybrid"] = model
        }
        defer { try? FileManager.default.removeItem(at: hybrid) }
        #expect(Self.loadError(hybrid).contains("hybrid classifier has 2 weights"))
    }

    @Test func theSyntheticCSVReadsBackExactly() throws {
        let log = FraudSimulator(customers: 20, days: 10, seed: 9).transactions()
        let report = try TransactionLogFormatReader().read(data: Data(FraudSimulator.csv(log).utf8), file: "s.csv")
        #expect(report.isClean && report.records == log)
    }
}

/// The population view (issue 19, item 4): metrics and the policy's refusals.
struct RiskPortfolioTests {
    static let policy: PrivacyPolicy = {
        let url = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appending(path: "Examples/policy.json")
        return try! PrivacyPolicy.load(from: url)
    }()

    static func clients(_ spec: [(String, Int, Int)]) -> [PortfolioClient] {
        // (branch, clients, of which High)
        spec.flatMap { branch, n, high in
            (0..<n).map { i in PortfolioClient(groups: [.branch: branch, .segment: "retail"], score: i < high ? 80 : 20, band: i < high ? .high : .low, level: .warm) }
        }
    }

    @Test func metricsForReleasedGroups() throws {
        // Tiny and Small (3 + 2 < k each, 5 = k together) are withheld; the totals minus the
        // released groups then cover 5 clients, so North and South can be released.
        let now = Self.clients([("North", 10, 5), ("South", 20, 5), ("Tiny", 3, 3), ("Small", 2, 0)])
        // West (6) keeps the previous period's totals minus North from isolating South's 4 clients.
        let before = Self.clients([("North", 10, 2), ("South", 4, 1), ("West", 6, 0)])
        let section = try RiskPortfolioRelease(policy: Self.policy).release(now, previous: before, role: "executive", kinds: [.branch, .segment], source: "t")
        let north = try #require(section.groups.first { $0.ref == "North" })
        let south = try #require(section.groups.first { $0.ref == "South" })
        #expect(section.groups.filter { $0.kind == .branch }.map(\.ref) == ["North", "South"])   // Tiny (3 < k = 5) withheld
        #expect(north.highShare == 0.5)
        #expect(south.highShare == 0.25)
        #expect(north.shareOfHigh == 0.5)
        #expect(south.shareOfHigh == 0.5)
        #expect(north.highShareChange == 0.5 - 0.2 && south.highShareChange == nil)                // South's previous period had 4 < k
        #expect(north.levels == ["warm": 10])
        let branch = try #require(section.concentration.first { $0.kind == .branch })
        #expect(branch.herfindahl == 0.5 && branch.largestShare == 0.5)
        #expect(section.clients == 35 && section.highShare == 13.0 / 35)
        #expect(section.withheld.filter { $0.rule == "minGroupSize" }.count == 3)
        #expect(!section.withheld.contains { $0.item.contains("Tiny") })
    }

    /// The review's attack: totals 33, North 10 and South 20 released, so "Tiny" = 33 - 30 = 3
    /// clients, all High. Complementary suppression withholds North too.
    @Test func theTotalsMinusTheReleasedGroupsNeverRevealAWithheldGroup() throws {
        let now = Self.clients([("North", 10, 5), ("South", 20, 5), ("Tiny", 3, 3)])
        let section = try RiskPortfolioRelease(policy: Self.policy).release(now, role: "executive", kinds: [.branch], source: "t")
        let branches = section.groups.filter { $0.kind == .branch }
        let residual = try #require(section.clients) - branches.reduce(0) { $0 + $1.clients }
        #expect(residual == 0 || residual >= 5, "the totals reveal \(residual) clients outside the released groups")
        #expect(branches.map(\.ref) == ["South"])
        #expect(section.withheld.contains { $0.rule == "differencing" })
        #expect(branches.first?.shareOfHigh == 1.0, "shares are over the released groups only")
    }

    @Test func refusals() throws {
        let now = Self.clients([("North", 10, 5)])
        let release = RiskPortfolioRelease(policy: Self.policy)
        let unknown = #expect(throws: PolicyRefusal.self) { try release.release(now, role: "intern", source: "t") }
        #expect(unknown?.category.exitCode == 77)
        let auditor = #expect(throws: PolicyRefusal.self) { try release.release(now, role: "auditor", source: "t") }
        #expect(auditor?.rule == "roles.auditor.groups")
        let analyst = #expect(throws: PolicyRefusal.self) { try release.release(now, role: "analyst", source: "t") }
        #expect(analyst?.rule == "roles.analyst.dp")
        // A manager may receive branch figures but not segment or region ones.
        let section = try release.release(now, role: "manager", source: "t")
        #expect(section.groups.allSatisfy { $0.kind == .branch })
        #expect(section.withheld.contains { $0.rule == "roles.manager.groups" && $0.item == "segment groups" })
    }

    @Test func restrictingADocumentNarrowsThePortfolio() throws {
        let now = Self.clients([("North", 10, 5), ("South", 20, 5)])
        let section = try RiskPortfolioRelease(policy: Self.policy).release(now, role: "executive", kinds: [.branch, .segment], source: "t")
        var document = ResultsDocument(generatedAt: UTCTimestamp(secondsSinceEpoch: 0), mode: .plaintext, asOf: CalendarDate(daysSinceEpoch: 0),
                                       role: "executive", policy: Self.policy.summary(epsilon: nil))
        document.riskPortfolio = section
        let engine = ReleaseEngine(policy: Self.policy)
        #expect(try engine.restrict(document, to: "auditor").document.riskPortfolio == nil)
        // A role that must only see noisy figures is refused an exact document (not narrowed).
        let exact = #expect(throws: PolicyRefusal.self) { try engine.restrict(document, to: "analyst") }
        #expect(exact?.rule == "roles.analyst.dp")
        let manager = try #require(try engine.restrict(document, to: "manager").document.riskPortfolio)
        #expect(manager.groups.allSatisfy { $0.kind == .branch } && !manager.groups.isEmpty)
        // The report renders a chart per metric and exports the tables.
        let html = HTMLReport(document: document, palette: .standard).render()
        for id in ["chart-risk-high-branch", "chart-risk-bands-branch", "chart-risk-concentration-branch", "chart-risk-heat-branch"] {
            #expect(html.contains("id=\"\(id)\""), "\(id)")
        }
        let tables = ReportTables.make(from: document).map(\.name)
        #expect(tables.contains("risk-portfolio-groups") && tables.contains("risk-concentration"))
        let decoded = try ResultsDocument.decode(try document.jsonData())
        #expect(decoded.riskPortfolio == section)
    }
}
