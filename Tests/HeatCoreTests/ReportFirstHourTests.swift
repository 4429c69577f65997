import Foundation
import Testing
@testable import HeatCore

/// The report shows who needs attention, releases each partition once, draws open bins as open,
/// shows thresholds and heat as the integer score it is, and leads the model with ranking metrics.
@Suite struct ReportFirstHourTests {
    static let key = PseudonymisationKey.insecureDerived(from: "report-first-hour")

    static func client(_ ref: String, heat: Int, level: HeatLevel, cooling: Bool = false, risk: Double? = nil) -> ClientResult {
        ClientResult(ref: ref, heat: heat, trend: cooling ? -1_000 : 0, level: level, cooling: cooling, churnRisk: risk)
    }

    /// The section of `html` whose element id is `id`, up to the next section.
    static func section(_ id: String, in html: String) throws -> String {
        let after = try #require(html.components(separatedBy: "id=\"\(id)\"").dropFirst().first)
        return after.components(separatedBy: "<section ").first ?? after
    }

    @Test func clientsWhoNeedAttentionComeFirst() {
        let clients = [
            Self.client("C-hot", heat: 90_000, level: .hot, risk: 0.05),
            Self.client("C-cold-low", heat: 100, level: .cold, risk: 0.10),
            Self.client("C-warm-risky", heat: 20_000, level: .warm, risk: 0.70),
            Self.client("C-cooling-a", heat: 30_000, level: .warm, cooling: true, risk: 0.20),
            Self.client("C-cold-risky", heat: 50, level: .cold, risk: 0.90),
            Self.client("C-cool", heat: 5_000, level: .cool, risk: 0.30),
            Self.client("C-cooling-b", heat: 9_000, level: .cool, cooling: true, risk: 0.60),
            Self.client("C-cold-none", heat: 0, level: .cold),
        ]
        let order = ReportTables.sortedClients(clients, riskThreshold: 0.5).map(\.ref)
        #expect(order == ["C-cooling-b", "C-cooling-a", "C-cold-risky", "C-warm-risky", "C-cold-low", "C-cold-none", "C-cool", "C-hot"])
        #expect(ReportTables.attentionReasons(of: clients[4], riskThreshold: 0.5) == [.highRisk, .cold])
        #expect(ReportTables.attentionReasons(of: clients[0], riskThreshold: 0.5).isEmpty)
    }

    @Test func clientTableIsFilterableWithoutScriptsAndExportsAttentionAndRisk() throws {
        var document = ReportFixtures.minimal()
        document.model = ModelSection(kind: "logistic", metrics: ["rocAuc": 0.8, "threshold": 0.4])
        document.clients = [
            Self.client("C-1", heat: 90_000, level: .hot, risk: 0.05),
            Self.client("C-2", heat: 20_000, level: .warm, cooling: true, risk: 0.45),
            Self.client("C-3", heat: 10, level: .cold, risk: 0.2),
        ]
        let html = ReportRenderer().html(for: document)
        #expect(!html.contains("<script"))
        for id in ["cf-all", "cf-attention", "cf-cooling", "cf-high-risk", "cf-cold"] {
            #expect(html.contains("type=\"radio\" name=\"client-filter\" id=\"\(id)\""), "missing filter \(id)")
        }
        #expect(html.contains(".client-filter:has(#cf-cooling:checked) tbody tr:not(.r-cooling)"))
        #expect(html.contains("<tr class=\"r-cooling r-high-risk attention\"><td class=\"ref\">C-2</td>"))
        #expect(html.contains("<tr><td class=\"ref\">C-1</td>"))
        #expect(html.contains(">45\u{202F}%<") && html.contains("churn risk</th>"))
        let rows = try #require(ReportTables.make(from: document).first { $0.name == "clients" }).rows
        #expect(rows.map { $0[0] } == [.text("C-2"), .text("C-3"), .text("C-1")])
        #expect(rows[0][1] == .boolean(true) && rows[0][2] == .text("cooling; high churn risk"))
        #expect(rows[2][1] == .boolean(false) && rows[2][7] == .number(0.05))
    }

    @Test func theOpenHistogramBinIsDrawnAndLabelledAsOpen() throws {
        var document = ReportFixtures.minimal()
        document.heatHistogram = [HistogramBin(from: 0, to: 50_000, clients: 40), HistogramBin(from: 50_000, to: 100_000, clients: 9),
                                  HistogramBin(from: 100_000, to: 215_001, clients: 3, open: true)]
        let html = ReportRenderer().html(for: document)
        let wide = try #require(html.components(separatedBy: "id=\"chart-histogram\"").dropFirst().first?.components(separatedBy: "</svg>").first)
        #expect(wide.components(separatedBy: "class=\"open-bin\"").count == 2, "one open bar")
        #expect(wide.contains("stroke-dasharray=\"4 3\""))
        #expect(wide.contains(">≥ 100k</text>"))
        #expect(!wide.contains(">215k</text>"), "no upper bound printed for the open bin")
        #expect(html.contains("heat 100000 and above"))
        #expect(html.contains("is open: it holds every client with heat"))
        let table = try #require(ReportTables.make(from: document).first { $0.name == "heat-histogram" })
        #expect(table.rows.map { $0[3] } == [.boolean(false), .boolean(false), .boolean(true)])
        // Documents written before bins were marked: a last bin wider than the others is open.
        #expect(ReportTables.openBins([HistogramBin(from: 0, to: 10, clients: 1), HistogramBin(from: 10, to: 99, clients: 1)]) == [1])
        #expect(ReportTables.openBins([HistogramBin(from: 0, to: 10, clients: 1), HistogramBin(from: 10, to: 20, clients: 1)]).isEmpty)
    }

    @Test func levelThresholdsSitBesideTheLevelChartAndHeatIsAnIntegerScore() throws {
        var document = try ReportFixtures.full()
        document.population?.meanHeat = 15_544.5
        document.groups = [GroupSummary(kind: .segment, ref: "retail", clients: 9, meanHeat: 1_234.56, cooling: 0)]
        let html = ReportRenderer().html(for: document)
        let population = try Self.section("section-population", in: html)
        let aside = try #require(population.components(separatedBy: "<div class=\"with-aside\">").dropFirst().first)
        #expect(aside.contains("id=\"chart-levels\""))
        #expect(aside.contains("Level thresholds"))
        #expect(aside.contains("48\u{202F}000 and above") && aside.contains("below 4\u{202F}000"))
        #expect(population.contains(">15\u{202F}545<"), "mean heat as an integer score")
        #expect(!html.contains("15544.5") && !html.contains("1234.6"))
        #expect(html.contains(">1\u{202F}235 · 0 cooling<") || html.contains("1\u{202F}235 · 0 cooling"))
        #expect(html.components(separatedBy: "id=\"heat-scale\"").count == 2, "the scale is explained once")
        #expect(population.contains("largest possible score is 6\u{202F}086\u{202F}808"))
    }

    @Test func modelMetricsLeadWithRankingThenThresholdMetrics() throws {
        var document = ReportFixtures.minimal()
        document.model = ModelSection(kind: "logistic-churn-risk", metrics: [
            "accuracy": 0.911, "f1": 0.38, "logLoss": 0.29, "precision": 0.55, "recall": 0.29, "rocAuc": 0.8, "prAuc": 0.41,
            "threshold": 0.5, "baseRate": 0.115,
        ])
        let html = ReportRenderer().html(for: document)
        let lead = try #require(html.components(separatedBy: "<div class=\"tiles lead-metrics\">").dropFirst().first?.components(separatedBy: "<p class=\"meta other-metrics\">").first)
        let labels = lead.components(separatedBy: "<div class=\"tile-label\">").dropFirst().map { String($0.prefix { $0 != "<" }) }
        #expect(labels == ["ROC AUC", "PR AUC", "Precision at threshold 0.5", "Recall at threshold 0.5"])
        #expect(lead.contains("against a base rate of 11.5%"))
        #expect(!lead.contains("Accuracy"))
        #expect(html.contains("Other metrics: Accuracy 0.911"))
        #expect(html.contains("would score 88.5%"))
        let metrics = try #require(ReportTables.make(from: document).first { $0.name == "model-metrics" })
        #expect(metrics.rows.prefix(5).map { $0[0] } == [.text("kind"), .text("rocAuc"), .text("prAuc"), .text("baseRate"), .text("precision")])
    }

    @Test func aGroupKindWithTheSameMembersIsReleasedOnce() throws {
        var scores: [HeatScore] = []
        var directory: [String: Client] = [:]
        for i in 0..<30 {
            let id = "C\(i)"
            scores.append(HeatScore(clientID: id, heat: 1_000 * i, trend: 0, level: .cool, cooling: false))
            // Each region has exactly one branch (North = BR-1, South = BR-2); segments cut across.
            let north = i % 2 == 0
            directory[id] = Client(clientID: id, segment: i % 3 == 0 ? "retail" : "private", region: north ? "North" : "South",
                                   openedOn: nil, managerID: "M\(i % 5)", branch: north ? "BR-1" : "BR-2")
        }
        let builder = ResultsBuilder(configuration: HeatConfiguration(), pseudonymizer: Pseudonymizer(key: Self.key))
        let document = builder.build(scores: scores, ledger: nil, directory: directory,
                                     asOf: CalendarDate(year: 2026, month: 2, day: 20)!, generatedAt: UTCTimestamp(secondsSinceEpoch: 0))
        let groups = try #require(document.groups)
        #expect(Set(groups.map(\.kind)) == [.manager, .branch, .segment])
        #expect(groups.filter { $0.kind == .branch }.count == 2)
        #expect(document.groupDuplicates == [GroupDuplicate(kind: .region, sameAs: .branch)])
        let html = ReportRenderer().html(for: document)
        #expect(html.contains("By region is not shown: its groups hold exactly the same clients as the branches"))
        #expect(!html.contains("id=\"groups-region\""))
        #expect(try ResultsDocument.decode(try document.jsonData()) == document)

        // A region with two branches is a different partition: both are released.
        directory["C0"]?.branch = "BR-3"
        directory["C2"]?.branch = "BR-3"
        #expect(builder.groupDuplicates(scores, ledger: nil, directory: directory).isEmpty)
        #expect(Set(builder.groups(scores, ledger: nil, directory: directory).map(\.kind)) == [.manager, .branch, .segment, .region])
    }

    @Test func demoClientsCarryTheirOutOfFoldChurnRisk() throws {
        let bank = SyntheticBank(clients: 300, managers: 6, branches: 3, weeks: 30, seed: 11)
        let dataset = bank.generate()
        let run = try PlaintextHeatRun(interactions: dataset.interactions, clients: dataset.clients, configuration: HeatConfiguration())
        let churned = Dictionary(uniqueKeysWithValues: dataset.labels.map { ($0.clientID, $0.churned) })
        let (section, risks) = try ChurnRiskModel().evaluateWithRisks(scores: run.scores, churned: churned)
        #expect(risks.count == dataset.labels.count)
        #expect(risks.values.allSatisfy { (0...1).contains($0) })
        #expect(section.metrics["threshold"] == 0.5)
        let base = try #require(section.metrics["baseRate"])
        #expect(base == Double(dataset.labels.filter(\.churned).count) / Double(dataset.labels.count))
        let rows = ResultsBuilder(configuration: HeatConfiguration(), pseudonymizer: Pseudonymizer(key: Self.key))
            .clientRows(run.scores, churnRisk: risks)
        #expect(rows.filter { $0.churnRisk != nil }.count == risks.count)
    }
}
