import Foundation
import HeatEnvelope
import HeatML
import Testing
@testable import HeatCore

/// `heatctl risk explain` (issue 19 follow-up): one masked client's reasons.
struct RiskExplanationTests {
    @Test func oneMaskedClientsReasonsAddUpToTheirMargin() throws {
        let (model, table) = try RiskTests.model(.logistic(LogisticRegression()))
        let scorer = RiskScorer(model: model, phrasebook: try ReasonPhrasebook.load(from: RiskTests.example("risk/telco-phrasing.json")))
        let ids: [String?] = (0..<table.rowCount).map { "CUST-\($0)" }
        let pseudonymizer = Pseudonymizer(key: .insecureDerived(from: "explain-test"))
        let ref = pseudonymizer.pseudonym(for: "CUST-17", kind: .client).displayRef
        let row = try RiskExplanation.row(of: ref, ids: ids, pseudonymizer: pseudonymizer, file: "clients.csv")
        #expect(row == 17)
        let explanation = try RiskExplanation(scorer: scorer, table: table, row: row, ref: ref)
        let all = try scorer.score(table, reasons: 3)
        #expect(explanation.score == all.rows[17].score && explanation.band == all.rows[17].band)
        #expect(abs(explanation.probability - all.rows[17].probability) < 1e-12)
        #expect(explanation.reasons.count == all.columns.count)
        let total = explanation.baseMargin + explanation.reasons.reduce(0) { $0 + $1.logOdds }
        #expect(abs(total - explanation.margin) < 1e-9)
        #expect(Array(explanation.reasons.prefix(3)) == all.rows[17].reasons)
        // The JSON names the reference, never the raw id.
        let json = String(decoding: try JSONEncoder().encode(explanation), as: UTF8.self)
        #expect(json.contains(ref) && !json.contains("CUST-17"))
    }

    @Test func unknownMalformedAndAmbiguousReferencesAreNamedErrors() throws {
        let pseudonymizer = Pseudonymizer(key: .insecureDerived(from: "explain-test"))
        let ids: [String?] = ["a", "a", "b", nil]
        let unknown = #expect(throws: RiskError.self) {
            try RiskExplanation.row(of: "C-00000000", ids: ids, pseudonymizer: pseudonymizer, file: "c.csv")
        }
        #expect(unknown == .unknownClient(file: "c.csv", ref: "C-00000000") && unknown?.category.exitCode == 65)
        #expect(throws: RiskError.unknownClient(file: "c.csv", ref: "M-12345678")) {
            try RiskExplanation.row(of: "M-12345678", ids: ids, pseudonymizer: pseudonymizer, file: "c.csv")
        }
        #expect(throws: RiskError.unknownClient(file: "c.csv", ref: "C-1234")) {
            try RiskExplanation.row(of: "C-1234", ids: ids, pseudonymizer: pseudonymizer, file: "c.csv")
        }
        let a = pseudonymizer.pseudonym(for: "a", kind: .client)
        let ambiguous = #expect(throws: RiskError.self) {
            try RiskExplanation.row(of: a.displayRef, ids: ids, pseudonymizer: pseudonymizer, file: "c.csv")
        }
        #expect(ambiguous == .ambiguousClient(file: "c.csv", ref: a.displayRef, matches: 2))
        #expect(ambiguous.map { !"\($0)".contains("\"a\"") } == true)
        // A longer prefix (upper case accepted) selects exactly.
        let b = pseudonymizer.pseudonym(for: "b", kind: .client)
        #expect(try RiskExplanation.row(of: "C-" + b.hex.prefix(16).uppercased(), ids: ids, pseudonymizer: pseudonymizer, file: "c.csv") == 2)
    }
}
