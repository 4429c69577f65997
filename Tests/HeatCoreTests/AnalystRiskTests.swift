import Foundation
import Testing
@testable import HeatCore

/// Issue 24 follow-ups: "high risk" means issue 19's High band (from the risk portfolio when the
/// release has one), and an ambiguous reference prefix is never resolved by guessing.
struct AnalystRiskTests {
    /// A release with a risk portfolio: branches B-00000001 (10 clients, 4 High), B-00000002
    /// (20, 2 High), B-00000003 (20, 10 High); B-0000000f (3 clients) withheld.
    static func portfolioDocument() throws -> ResultsDocument {
        var clients: [PortfolioClient] = []
        for (branch, n, high) in [("B-00000001", 10, 4), ("B-00000002", 20, 2), ("B-00000003", 20, 10), ("B-0000000f", 3, 3)] {
            for i in 0..<n { clients.append(PortfolioClient(groups: [.branch: branch], score: i < high ? 75 : 30, band: i < high ? .high : .low)) }
        }
        let section = try RiskPortfolioRelease(policy: RiskPortfolioTests.policy).release(clients, role: "executive", kinds: [.branch], source: "t")
        var document = try AnalystFixture.document("current")
        document.riskPortfolio = section
        return document
    }

    @Test func highRiskIsAnsweredFromThePortfolioBands() throws {
        let document = try Self.portfolioDocument()
        let portfolio = try #require(document.riskPortfolio)
        let released = Set(portfolio.groups.map(\.ref))
        #expect(!released.contains("B-0000000f"))
        let engine = AnalystEngine(documents: [document])
        // Totals: the High band of the released portfolio.
        let total = engine.answer("How many high-risk clients are there?")
        #expect(total.status == .answered, "\(total.rendered)")
        let high = try #require(portfolio.bands?["High"]), clients = try #require(portfolio.clients)
        #expect(total.figures.first?.value == Double(high) && total.figures.dropFirst().first?.value == Double(clients))
        #expect(total.text.contains("a score of 70 or more"))
        // A named branch: its own High count, pairwise (subject, value).
        if released.contains("B-00000003") {
            let branch = engine.answer("what share of branch B-00000003 is at high risk?")
            #expect(branch.status == .answered, "\(branch.rendered)")
            #expect(branch.figures.map(\.subject).allSatisfy { $0 == "branch B-00000003" })
            #expect(branch.figures.map(\.value) == [10, 20, 50])
            #expect(branch.text.contains("10 of 20 clients (50.0%)"))
        }
        // Ranking by the share at High risk.
        let ranked = engine.answer("which branches have the highest share of high risk clients?")
        #expect(ranked.status == .answered && ranked.intent == .rank, "\(ranked.rendered)")
        let expected = portfolio.groups.sorted { ($0.highShare, $1.ref) > ($1.highShare, $0.ref) }.prefix(3).map(\.ref)
        #expect(ranked.refs == Array(expected))
        // A withheld branch gets the policy's refusal, never a number.
        let withheld = engine.answer("how many high risk clients in branch B-0000000f?")
        #expect(withheld.status == .refused && withheld.refusal?.rule == "release.withheld" && withheld.figures.isEmpty, "\(withheld.rendered)")
    }

    @Test func perClientRisksUseTheStandardBands() throws {
        var document = try AnalystFixture.document("manager")
        let risks: [Double] = [0.69, 0.70, 0.695, 0.2, 0.55]
        var rows = try #require(document.clients)
        for i in rows.indices { rows[i].churnRisk = risks[i % risks.count] }
        document.clients = rows
        let answer = AnalystEngine(documents: [document]).answer("how many clients are at high risk?")
        #expect(answer.status == .answered, "\(answer.rendered)")
        // round(100 x risk) >= 70 (the High band); not 0.69 or 0.55 (the old "one half" rule counted 0.55 and 0.69).
        let expected = rows.filter { Int((100 * ($0.churnRisk ?? 0)).rounded()) >= 70 }.count
        #expect(answer.figures.first?.value == Double(expected))
        #expect(answer.text.contains("High risk band"))
    }

    @Test func anAmbiguousPrefixIsNeverResolvedByGuessing() throws {
        var document = try AnalystFixture.document("current")
        var groups = try #require(document.groups)
        var twin = try #require(groups.first { $0.ref == "B-8795e9c3" })
        twin.ref = "B-8795e9aa"
        groups.append(twin)
        document.groups = groups
        let engine = AnalystEngine(documents: [document])
        for question in ["what is the mean heat of branch B-8795e9?", "mean heat of 8795e9"] {
            let answer = engine.answer(question)
            #expect(answer.status == .unanswerable && answer.figures.isEmpty, "\(answer.rendered)")
            #expect(answer.text.contains("B-8795e9aa") && answer.text.contains("B-8795e9c3") && answer.text.contains("more digits"))
        }
        // A longer prefix is unambiguous.
        #expect(engine.answer("what is the mean heat of branch B-8795e9c3?").refs == ["B-8795e9c3"])
    }
}
