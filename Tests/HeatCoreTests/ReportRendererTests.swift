import Foundation
import Testing
@testable import HeatCore

@Suite struct ReportRendererTests {
    /// The `id="…"` values of `<section>` and `<footer>` elements in a page.
    static func sectionIDs(in html: String) -> [String] {
        var ids: [String] = []
        var rest = html[...]
        while let range = rest.range(of: " id=\"section-") {
            let after = rest[range.upperBound...]
            guard let end = after.firstIndex(of: "\"") else { break }
            ids.append("section-" + after[..<end])
            rest = after[end...]
        }
        return ids.filter { !$0.hasSuffix("-heading") }
    }

    @Test func fullDocumentShowsEverySectionInOrder() throws {
        // The full fixture plus the risk model's calibration and the fraud metrics (issue 19).
        var document = try ReportFixtures.full()
        let (risk, _) = try RiskReportTests.document()
        document.riskModel = risk.riskModel
        document.fraudMetrics = risk.fraudMetrics
        let html = ReportRenderer().html(for: document)
        let present = ReportSection.present(in: document)
        #expect(Set(present) == Set(ReportSection.allCases), "the fixture fills every section")
        #expect(Self.sectionIDs(in: html) == present.map(\.elementID))
        #expect(present.last == .parameters, "the footer stays last")
        for id in ["chart-levels", "chart-histogram", "chart-weekly", "chart-groups-manager", "chart-groups-branch",
                   "chart-groups-segment", "chart-groups-region", "chart-personas", "chart-roc", "chart-pr",
                   "chart-calibration", "chart-importances", "model-confusion"] {
            #expect(html.contains("id=\"\(id)\""), "missing \(id)")
        }
    }

    @Test func absentSectionsAreNotRendered() throws {
        let document = try ReportFixtures.executive()
        let html = ReportRenderer().html(for: document)
        let ids = Self.sectionIDs(in: html)
        #expect(ids == ["section-population", "section-histogram", "section-weekly", "section-groups",
                        "section-personas", "section-parameters"])
        #expect(ids == ReportSection.present(in: document).map(\.elementID))
        #expect(!html.contains("chart-roc"))
        #expect(html.contains("ε = 1"))
        #expect(html.contains("none (not run against an audited store)"))

        let minimal = ReportRenderer().html(for: ReportFixtures.minimal())
        #expect(Self.sectionIDs(in: minimal) == ["section-parameters"])
    }

    @Test func pageIsSelfContained() throws {
        let html = ReportRenderer().html(for: try ReportFixtures.full())
        #expect(!html.contains("<script"))
        #expect(!html.contains("<link"))
        #expect(!html.contains("@import"))
        #expect(!html.contains("src=\"http"))
        #expect(!html.contains("url("))
        #expect(html.contains("default-src 'none'"))
        #expect(html.contains("@media print"))
        #expect(html.contains("name=\"viewport\""))
        // The only absolute URL is the SVG namespace, which is never fetched.
        #expect(!html.contains("https://"))
        let urls = html.components(separatedBy: "http://").dropFirst().map { String($0.prefix(24)) }
        #expect(!urls.isEmpty)
        #expect(urls.allSatisfy { $0.hasPrefix("www.w3.org/2000/svg\"") })
    }

    @Test func chartsAreAccessibleAndLabelled() throws {
        let html = ReportRenderer().html(for: try ReportFixtures.full())
        let charts = html.components(separatedBy: "<svg ").dropFirst()
        #expect(charts.count == 29, "10 charts in wide and narrow layouts (the scenario's levels too), 3 unit-square charts, 3 risk-portfolio charts in both layouts")
        for chart in charts {
            let id = String(chart.split(separator: "\"")[3])
            #expect(chart.contains("role=\"img\""))
            #expect(chart.contains("aria-labelledby=\"\(id)-title \(id)-desc\""))
            #expect(chart.contains("<title id=\"\(id)-title\">"))
            #expect(chart.contains("<desc id=\"\(id)-desc\">"))
            #expect(chart.contains("class=\"axis-title\""), "\(id) has no axis title")
        }
        #expect(html.contains(">ISO week</text>"))
        #expect(html.contains(">False positive rate</text>"))
    }

    @Test func everyTextFromTheDocumentIsEscaped() throws {
        var document = try ReportFixtures.full()
        let hostile = "<script>alert('x')</script> & \"co\""
        document.personas = [PersonaCount(label: hostile, clients: 3)]
        document.role = hostile
        document.policy.name = hostile
        document.auditRun = hostile
        document.model?.kind = hostile
        document.model?.importances = [FeatureImportance(feature: hostile, value: 1)]
        document.groups = [GroupSummary(kind: .segment, ref: hostile, clients: 9, meanHeat: 1, cooling: 0)]
        document.clients = [ClientResult(ref: hostile, heat: 1, trend: 0, level: .cold, cooling: false, persona: hostile)]
        let html = ReportRenderer().html(for: document)
        #expect(!html.contains("<script>"))
        #expect(!html.contains("'x'"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;"))
    }

    @Test func emptySectionsSayNothingWasReleased() {
        var document = ReportFixtures.minimal()
        document.groups = []
        document.clients = []
        let html = ReportRenderer().html(for: document)
        #expect(Self.sectionIDs(in: html) == ["section-groups", "section-clients", "section-parameters"])
        #expect(html.components(separatedBy: "class=\"empty\"").count == 3)
    }

    @Test func clientTableIsCappedButExportsKeepEveryRow() throws {
        let document = try ReportFixtures.full()
        let released = try #require(document.clients)
        let attention = released.filter { !ReportTables.attentionReasons(of: $0).isEmpty }
        #expect(attention.count > 10 && attention.count < 240)
        // The cap never cuts a client who needs attention.
        let renderer = ReportRenderer(maximumClientRows: 10)
        let html = renderer.html(for: document)
        let tableBody = try #require(html.components(separatedBy: "<table class=\"clients\">").last)
        #expect(tableBody.components(separatedBy: "<td class=\"ref\">").count - 1 == attention.count)
        for client in attention { #expect(tableBody.contains(">\(client.ref)<")) }
        #expect(html.contains("The page shows all \(attention.count) clients who need attention"))
        let wider = ReportRenderer(maximumClientRows: 200).html(for: document)
        let widerBody = try #require(wider.components(separatedBy: "<table class=\"clients\">").last)
        #expect(widerBody.components(separatedBy: "<td class=\"ref\">").count - 1 == 200)
        let json = try JSONSerialization.jsonObject(with: renderer.tablesJSON(for: document)) as? [String: Any]
        let tables = try #require(json?["tables"] as? [String: Any])
        #expect((tables["clients"] as? [Any])?.count == 240)
    }

    @Test func writesEveryFormatAtomicallyIntoTheFolder() throws {
        let folder = try ReportFixtures.temporaryFolder().appending(path: "nested/report")
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent().deletingLastPathComponent()) }
        let document = try ReportFixtures.full()
        let written = try ReportRenderer().write(document, formats: Set(ReportFormat.allCases), to: folder)
        let names = written.map { $0.path.replacingOccurrences(of: folder.path + "/", with: "") }
        #expect(names.prefix(3) == ["index.html", "results.json", "tables.json"])
        // CSV files go into the folder the user named, beside the page.
        #expect(names.dropFirst(3) == ArraySlice(ReportTables.make(from: document).map { "\($0.name).csv" }))
        let contents = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        let expected = (["index.html", "results.json", "tables.json"] + ReportTables.make(from: document).map { "\($0.name).csv" }).sorted()
        #expect(contents == expected, "no temporary files left, no csv/ subfolder")
        // The copied document decodes to the same document.
        let copy = try ResultsDocument.decode(Data(contentsOf: folder.appending(path: "results.json")))
        #expect(copy == document)
        // The page links the CSVs when they are written too.
        let page = try String(contentsOf: folder.appending(path: "index.html"), encoding: .utf8)
        #expect(page.contains("href=\"clients.csv\""))
        let csv = try String(contentsOf: folder.appending(path: "heat-histogram.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("from,to,clients,open\r\n0,500,"))
        // tables.json has the schema and one key per table.
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appending(path: "tables.json"))) as? [String: Any]
        #expect(json?["schema"] as? String == ReportRenderer.tablesSchema)
        #expect(Set((json?["tables"] as? [String: Any])?.keys.map { $0 } ?? []) == Set(ReportTables.make(from: document).map(\.name)))
    }

    @Test func renderingIsDeterministic() throws {
        let document = try ReportFixtures.full()
        #expect(ReportRenderer().html(for: document) == ReportRenderer().html(for: document))
        #expect(try ReportRenderer().tablesJSON(for: document) == ReportRenderer().tablesJSON(for: document))
    }

    @Test func aFileInPlaceOfTheFolderIsAnIOError() throws {
        let folder = try ReportFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let blocker = folder.appending(path: "report")
        try Data("x".utf8).write(to: blocker)
        #expect(throws: ReportError.cannotCreateFolder(path: blocker.path, reason: "a file is in the way")) {
            try ReportRenderer().write(ReportFixtures.minimal(), formats: [.html], to: blocker)
        }
        #expect(ReportError.cannotWrite(path: "x", reason: "y").category.exitCode == 74)
    }

    @Test func browserCheckExpectsTheSameSectionsAsTheRenderer() throws {
        // .ci/browser-check.sh derives expected ids from results.json with its own key -> id map
        // (jq and python variants); both must match ReportSection, or the check would drift.
        let root = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = try String(contentsOf: root.appending(path: ".ci/browser-check.sh"), encoding: .utf8)
        for section in ReportSection.allCases {
            guard let key = section.documentKey else {
                #expect(script.contains("\"\(section.elementID)\""))
                continue
            }
            #expect(script.contains("[\"\(key)\",\"\(section.elementID)\"]"), "jq map lacks \(key)")
            #expect(script.contains("(\"\(key)\", \"\(section.rawValue)\")"), "python map lacks \(key)")
        }
    }

    @Test func nonFiniteValuesDrawNoBar() {
        let svg = SVGChart.horizontalBars(
            id: "c", title: "t", description: "d",
            bars: [SVGChart.Bar(label: "a", value: .nan, valueLabel: "NaN", color: ReportPalette.standard.bar)],
            axisTitle: "x", palette: .standard)
        #expect(svg.contains("width=\"0\""))
    }

    @Test func niceAxesCoverTheDataWithRoundSteps() {
        let axis = ChartAxis.nice(minimum: 0, maximum: 237, count: 5)
        #expect(axis.ticks == [0, 50, 100, 150, 200, 250])
        #expect(axis.position(125, from: 0, to: 100) == 50)
        let negative = ChartAxis.nice(minimum: -1.42, maximum: 0.88, count: 4)
        #expect(negative.lower <= -1.42 && negative.upper >= 0.88)
        #expect(negative.ticks.contains(0))
        let flat = ChartAxis.nice(minimum: 0, maximum: 0)
        #expect(flat.upper > flat.lower)
        #expect(ChartAxis.nice(minimum: 0, maximum: 12_000).label(10_000) == "10k")
    }
}
