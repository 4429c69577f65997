import Crypto
import Foundation
import HeatML
import Testing
@testable import HeatCore

/// Stress scenarios: determinism for a seed, the direction of each shock, custom shock files,
/// the relationship-lifetime features, and that a scenario never changes the store's bytes.
@Suite struct ScenarioTests {
    static func portfolio(seed: UInt64 = 5) -> (ScenarioPortfolio, ActivityLedger, ISOWeek) {
        let dataset = SyntheticBank(clients: 240, managers: 12, branches: 3, weeks: 40, seed: seed).generate()
        var ledger = ActivityLedger()
        for interaction in dataset.interactions { ledger.add(interaction) }
        let directory = Dictionary(dataset.clients.map { ($0.clientID, $0) }, uniquingKeysWith: { a, _ in a })
        let portfolio = ScenarioPortfolio(ledger: ledger, directory: directory,
                                          pseudonymizer: Pseudonymizer(key: .insecureDerived(from: "scenario-tests")), asOf: nil)
        return (portfolio, ledger, portfolio.asOf)
    }

    static func events(_ portfolio: ScenarioPortfolio, from: ISOWeek, channel: Channel, direction: Direction? = nil) -> Int {
        portfolio.members.reduce(0) { total, member in
            total + member.weeks.filter { $0.key >= from && $0.key <= portfolio.asOf }.values.reduce(0) { sum, week in
                sum + (direction.map { week[channel, $0].count } ?? week.count(on: channel))
            }
        }
    }

    @Test(arguments: ScenarioShock.catalog.map(\.name))
    func scenariosAreDeterministicForASeed(name: String) throws {
        let (portfolio, _, _) = Self.portfolio()
        let shock = try ScenarioShock.named(name)
        let first = try ScenarioRunner(seed: 11).run(shock, on: portfolio)
        let second = try ScenarioRunner(seed: 11).run(shock, on: portfolio)
        #expect(first.section == second.section)
        #expect(first.shocked.members == second.shocked.members)
        let other = try ScenarioRunner(seed: 12).run(shock, on: portfolio)
        #expect(other.shocked.members != first.shocked.members)
        #expect(first.section.clientsAffected > 0)
        #expect(first.section.before.clients == 240 && first.section.after.clients == 240)
        // The copy is shocked; the original portfolio is not.
        #expect(portfolio.members != first.shocked.members)
    }

    @Test func shocksMoveTheNumbersTheDocumentedWay() throws {
        let (portfolio, _, asOf) = Self.portfolio()
        let runner = ScenarioRunner(seed: 3)
        let recession = try runner.run(try ScenarioShock.named("recession"), on: portfolio)
        let start = asOf.advanced(by: -11)
        let meetingsBefore = Self.events(portfolio, from: start, channel: .meeting)
        let meetingsAfter = Self.events(recession.shocked, from: start, channel: .meeting)
        #expect(Double(meetingsAfter) < 0.75 * Double(meetingsBefore) && Double(meetingsAfter) > 0.45 * Double(meetingsBefore))
        let inboundBefore = Self.events(portfolio, from: start, channel: .call, direction: .inbound)
        let inboundAfter = Self.events(recession.shocked, from: start, channel: .call, direction: .inbound)
        #expect(Double(inboundAfter) > 1.2 * Double(inboundBefore))
        // Weeks before the shock window are untouched.
        let early = asOf.advanced(by: -20)
        for (original, shocked) in zip(portfolio.members, recession.shocked.members) {
            #expect(original.weeks[early] == shocked.weeks[early])
        }

        let attrition = try runner.run(try ScenarioShock.named("attrition-wave"), on: portfolio)
        #expect(attrition.section.managersLeaving == 2)  // 15 % of 12, rounded
        #expect(attrition.section.after.meanHeat < attrition.section.before.meanHeat)
        #expect(attrition.section.after.cooling > attrition.section.before.cooling)
        #expect((attrition.section.after.levels["cold"] ?? 0) >= (attrition.section.before.levels["cold"] ?? 0))
        #expect(attrition.section.transitions.allSatisfy { $0.to < $0.from })  // contact only fell
        #expect(attrition.section.after.meanExpectedContacts < attrition.section.before.meanExpectedContacts)

        let boom = try runner.run(try ScenarioShock.named("market-boom"), on: portfolio)
        #expect(boom.section.after.meanHeat > boom.section.before.meanHeat)
        #expect(boom.section.after.meanExpectedContacts > boom.section.before.meanExpectedContacts)

        let crisis = try runner.run(try ScenarioShock.named("health-crisis"), on: portfolio)
        #expect(Self.events(crisis.shocked, from: asOf.advanced(by: -9), channel: .meeting)
            < Self.events(portfolio, from: asOf.advanced(by: -9), channel: .meeting) / 3)
        // Groups: branches and segments of at least 5 clients, both sides.
        #expect(crisis.section.groups.contains { $0.kind == .branch } && crisis.section.groups.contains { $0.kind == .segment })
        #expect(crisis.section.groups.allSatisfy { $0.clients >= 5 })
        #expect(crisis.section.lifetimes != nil)
        let levelsAfter = crisis.section.after.levels.values.reduce(0, +)
        #expect(levelsAfter == 240)
    }

    @Test func customShockFilesNameTheBadField() throws {
        func parse(_ json: String) throws(ScenarioError) -> ScenarioShock { try ScenarioShock.parse(Data(json.utf8), source: "shock.json") }
        let good = try parse(#"{"name": "closure", "summary": "s", "weeks": 6, "channels": {"meeting": 0.1, "call.inbound": 2}, "segments": {"retail": 0.9}, "attrition": {"managerShare": 0.1, "contactFactor": 0.5}}"#)
        #expect(good.channelFactor(.meeting, .outbound) == 0.1)
        #expect(good.channelFactor(.call, .inbound) == 2)
        #expect(good.channelFactor(.call, .outbound) == 1)
        let cases: [(String, String)] = [
            (#"{"name": "x", "weeks": 6, "chanels": {}}"#, "chanels"),
            (#"{"weeks": 6}"#, "name"),
            (#"{"name": "x", "weeks": 0}"#, "weeks"),
            (#"{"name": "x", "weeks": 6, "channels": {"meetng": 0.5}}"#, "channels.meetng"),
            (#"{"name": "x", "weeks": 6, "channels": {"call.sideways": 0.5}}"#, "channels.call.sideways"),
            (#"{"name": "x", "weeks": 6, "channels": {"call": 11}}"#, "channels.call"),
            (#"{"name": "x", "weeks": 6, "attrition": {"managerShare": 1.5, "contactFactor": 0.5}}"#, "attrition.managerShare"),
            (#"{"name": "x", "weeks": 6, "attrition": {"share": 0.5}}"#, "attrition.share"),
        ]
        for (json, field) in cases {
            do {
                _ = try parse(json)
                Issue.record("accepted \(json)")
            } catch {
                guard case let .invalidField(_, named, _) = error else { Issue.record("\(error)"); continue }
                #expect(named == field)
                #expect(error.category.exitCode == 78)
            }
        }
        #expect(throws: ScenarioError.notJSON(path: "shock.json")) { try parse("[1, 2]") }
        #expect(ScenarioError.notJSON(path: "x").category.exitCode == 78)
        #expect(throws: ScenarioError.self) { try ScenarioShock.named("recesion") }
    }

    @Test func relationshipLifetimesGiveFeaturesBesideHeat() throws {
        let (_, ledger, asOf) = Self.portfolio()
        let lifetimes = try RelationshipLifetimes(activity: ledger.clients, asOf: asOf)
        #expect(lifetimes.model.r > 0 && lifetimes.model.alpha > 0)
        let ids = ledger.clients.keys.sorted()
        var active = 0.0, silent = 0.0
        var activeCount = 0, silentCount = 0
        for id in ids {
            let weeks = ledger.clients[id] ?? [:]
            guard let features = lifetimes.features(for: weeks, horizonWeeks: 13) else { continue }
            #expect(features.probabilityAlive >= 0 && features.probabilityAlive <= 1)
            #expect(features.probabilityOfContact <= features.probabilityAlive + 1e-12)
            #expect(features.expectedActiveWeeks >= 0 && features.expectedActiveWeeks <= 26)
            // Relationships silent for the last 8 weeks look less alive than ones active last week.
            if weeks.keys.contains(where: { $0 == asOf }) {
                active += features.probabilityAlive
                activeCount += 1
            } else if !weeks.keys.contains(where: { $0 > asOf.advanced(by: -8) }), features.history.frequency >= 5 {
                silent += features.probabilityAlive
                silentCount += 1
            }
        }
        #expect(activeCount > 0 && silentCount > 0)
        #expect(active / Double(activeCount) > 0.9)
        #expect(silent / Double(silentCount) < 0.5)
        // History: active weeks - 1, weeks from first to last, weeks from first to asOf.
        let weeks: [ISOWeek: WeekActivity] = {
            var one = WeekActivity()
            one[.call, .inbound] = ActivityBucket(count: 2)
            var two = WeekActivity()
            two[.email, .outbound] = ActivityBucket(count: 4)
            return [asOf.advanced(by: -10): one, asOf.advanced(by: -4): two, asOf.advanced(by: 1): one]
        }()
        #expect(RelationshipLifetimes.history(of: weeks, asOf: asOf) == RFM(frequency: 1, recency: 6, age: 10, monetary: 4))
    }

    static func sha256(_ path: String) throws -> String {
        let data = try Data(contentsOf: URL(filePath: path))
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// Done-when: scenarios leave the store's bytes unchanged (SHA-256 of the files before and after).
    @Test func scenariosNeverModifyTheStore() throws {
        let (store, folder) = try StoreTestSupport.makeStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let dataset = SyntheticBank(clients: 80, managers: 8, branches: 2, weeks: 20, seed: 9).generate()
        let key = PseudonymisationKey.insecureDerived(from: "scenario-store")
        _ = try StoreIngestor(key: key).ingest(dataset.interactions, clients: dataset.clients, into: store,
                                               source: .init(name: "synthetic.csv", inputHash: String(repeating: "c", count: 64)))
        try store.checkpoint()
        let path = store.path
        let files = [path, path + "-wal"].filter { FileManager.default.fileExists(atPath: $0) }
        let before = try files.map(Self.sha256)
        let portfolio = try ScenarioPortfolio(storeAt: path)
        #expect(portfolio.members.count == 80)
        #expect(portfolio.source == "store")
        let first = try ScenarioRunner(seed: 4).run(try ScenarioShock.named("attrition-wave"), on: portfolio)
        let again = try ScenarioRunner(seed: 4).run(try ScenarioShock.named("attrition-wave"), on: try ScenarioPortfolio(storeAt: path))
        #expect(first.section == again.section)
        #expect(try files.map(Self.sha256) == before)
        #expect(first.section.managersLeaving == 1)
        #expect(first.section.before.meanExpectedContacts.isFinite && first.section.after.meanExpectedContacts.isFinite)
    }

    @Test func theReportShowsTheScenarioSection() throws {
        let (portfolio, _, _) = Self.portfolio()
        let outcome = try ScenarioRunner(seed: 1).run(try ScenarioShock.named("health-crisis"), on: portfolio)
        var document = ReportFixtures.minimal()
        document.scenario = outcome.section
        let decoded = try ResultsDocument.decode(try document.jsonData())
        #expect(decoded.scenario == outcome.section)
        let html = ReportRenderer().html(for: decoded)
        #expect(html.contains("id=\"section-scenario\""))
        #expect(html.contains("id=\"chart-scenario-levels\""))
        #expect(html.contains("default-src 'none'"))
        #expect(!html.contains("<script"))
        #expect(ReportSection.present(in: decoded).map(\.rawValue) == ["scenario", "parameters"])
    }
}
