import Foundation
import Testing
@testable import HeatML

/// Persona rules (issue 18 item 3): every rule-file error names its rule and field (exit 78),
/// data mismatches exit 65, and the built-in bank and retail sets label rows with the rule that fired.
struct PersonaRulesTests {
    static func parse(_ json: String) -> PersonaRulesError? {
        do { _ = try PersonaRules(data: Data(json.utf8), source: "r.json") } catch { return error }
        return nil
    }

    static func assignmentError(_ rules: PersonaRules, _ table: DataTable) -> PersonaRulesError? {
        do { _ = try rules.assign(table) } catch { return error }
        return nil
    }

    static let good = #"{"id": "a", "label": "A", "when": [{"feature": "x", "op": ">=", "value": 1}]}"#

    @Test(arguments: [
        ("[1, 2]", PersonaRulesError.notJSON(source: "r.json")),
        (#"{"schema": "x/2", "rules": []}"#, .unsupportedSchema(source: "r.json", schema: "x/2")),
        (#"{"name": "n"}"#, .missingField(source: "r.json", rule: nil, field: "rules")),
        (#"{"rules": {}}"#, .wrongType(source: "r.json", rule: nil, field: "rules", expected: "an array of rules")),
        (#"{"rules": []}"#, .noRules(source: "r.json")),
        (#"{"rules": [], "colour": 1}"#, .unknownField(source: "r.json", rule: nil, field: "colour")),
        (#"{"rules": [3]}"#, .wrongType(source: "r.json", rule: nil, field: "rules[0]", expected: "an object")),
        (#"{"rules": [{"label": "A", "when": []}]}"#, .missingField(source: "r.json", rule: "rules[0]", field: "id")),
        (#"{"rules": [{"id": "a", "when": []}]}"#, .missingField(source: "r.json", rule: "'a' (rules[0])", field: "label")),
        (#"{"rules": [{"id": "a", "label": 5, "when": []}]}"#, .wrongType(source: "r.json", rule: "'a' (rules[0])", field: "label", expected: "a string")),
        (#"{"rules": [{"id": "a", "label": " ", "when": []}]}"#, .badValue(source: "r.json", rule: "'a' (rules[0])", field: "label", reason: "must not be empty")),
        (#"{"rules": [{"id": "a", "lable": "A", "when": []}]}"#, .unknownField(source: "r.json", rule: "'a' (rules[0])", field: "lable")),
        (#"{"rules": [{"id": "a", "label": "A"}]}"#, .missingField(source: "r.json", rule: "'a' (rules[0])", field: "when")),
        (#"{"rules": [{"id": "a", "label": "A", "when": {}}]}"#, .wrongType(source: "r.json", rule: "'a' (rules[0])", field: "when", expected: "an array of conditions")),
        (#"{"rules": [{"id": "a", "label": "A", "traits": "x", "when": []}]}"#, .wrongType(source: "r.json", rule: "'a' (rules[0])", field: "traits", expected: "an array of strings")),
        (#"{"rules": [{"id": "a", "label": "A", "when": ["x"]}]}"#, .wrongType(source: "r.json", rule: "'a' (rules[0])", field: "when[0]", expected: "an object")),
        (#"{"rules": [{"id": "a", "label": "A", "when": [{"op": ">", "value": 1}]}]}"#, .missingField(source: "r.json", rule: "'a' (rules[0])", field: "when[0].feature")),
        (#"{"rules": [{"id": "a", "label": "A", "when": [{"feature": 1, "op": ">", "value": 1}]}]}"#, .wrongType(source: "r.json", rule: "'a' (rules[0])", field: "when[0].feature", expected: "a column name")),
        (#"{"rules": [{"id": "a", "label": "A", "when": [{"feature": "x", "value": 1}]}]}"#, .missingField(source: "r.json", rule: "'a' (rules[0])", field: "when[0].op")),
        (#"{"rules": [{"id": "a", "label": "A", "when": [{"feature": "x", "op": 2, "value": 1}]}]}"#, .wrongType(source: "r.json", rule: "'a' (rules[0])", field: "when[0].op", expected: "a string")),
        (#"{"rules": [{"id": "a", "label": "A", "when": [{"feature": "x", "op": "=>", "value": 1}]}]}"#, .unknownOperator(source: "r.json", rule: "'a' (rules[0])", field: "when[0].op", op: "=>")),
        (#"{"rules": [{"id": "a", "label": "A", "when": [{"feature": "x", "op": ">"}]}]}"#, .missingField(source: "r.json", rule: "'a' (rules[0])", field: "when[0].value")),
        (#"{"rules": [{"id": "a", "label": "A", "when": [{"feature": "x", "op": ">", "value": "10"}]}]}"#, .wrongType(source: "r.json", rule: "'a' (rules[0])", field: "when[0].value", expected: "a number (operator '>' compares numbers)")),
        (#"{"rules": [{"id": "a", "label": "A", "when": [{"feature": "x", "op": ">", "value": 1, "values": ["a"]}]}]}"#, .badValue(source: "r.json", rule: "'a' (rules[0])", field: "when[0].values", reason: "operator '>' takes 'value', not 'values'")),
        (#"{"rules": [{"id": "a", "label": "A", "when": [{"feature": "x", "op": "in"}]}]}"#, .missingField(source: "r.json", rule: "'a' (rules[0])", field: "when[0].values")),
        (#"{"rules": [{"id": "a", "label": "A", "when": [{"feature": "x", "op": "in", "values": [1]}]}]}"#, .wrongType(source: "r.json", rule: "'a' (rules[0])", field: "when[0].values", expected: "an array of strings")),
        (#"{"rules": [{"id": "a", "label": "A", "when": [{"feature": "x", "op": "in", "values": []}]}]}"#, .badValue(source: "r.json", rule: "'a' (rules[0])", field: "when[0].values", reason: "must list at least one category")),
        (#"{"rules": [{"id": "a", "label": "A", "when": [{"feature": "x", "op": "in", "values": ["a"], "value": 1}]}]}"#, .badValue(source: "r.json", rule: "'a' (rules[0])", field: "when[0].value", reason: "operator 'in' takes 'values', not 'value'")),
        (#"{"rules": [{"id": "a", "label": "A", "when": [{"feature": "x", "op": "missing", "value": 1}]}]}"#, .badValue(source: "r.json", rule: "'a' (rules[0])", field: "when[0].value", reason: "operator 'missing' takes no value")),
        (#"{"rules": [{"id": "a", "label": "A", "when": [{"feature": "x", "op": "<", "value": 1, "unit": "kg"}]}]}"#, .unknownField(source: "r.json", rule: "'a' (rules[0])", field: "when[0].unit")),
        (#"{"rules": [\#(good), \#(good)]}"#, .duplicateRule(source: "r.json", rule: "'a' (rules[1])")),
        (#"{"rules": [\#(good)], "fallback": {"id": "a", "label": "B"}}"#, .duplicateRule(source: "r.json", rule: "'a' (fallback)")),
        (#"{"rules": [\#(good)], "fallback": {"id": "z"}}"#, .missingField(source: "r.json", rule: "'z' (fallback)", field: "label")),
    ])
    func ruleFileErrorsNameTheRuleAndFieldAndExit78(json: String, expected: PersonaRulesError) {
        let error = Self.parse(json)
        #expect(error == expected)
        #expect(error?.category.exitCode == 78)
    }

    @Test func descriptionsNameRuleAndField() {
        let error = Self.parse(#"{"rules": [{"id": "loyal", "label": "A", "when": [{"feature": "x", "op": "=>", "value": 1}]}]}"#)
        #expect(error?.description.hasPrefix("r.json: rule 'loyal' (rules[0]), field 'when[0].op': unknown operator '=>'") == true)
    }

    static func table(_ csv: String) throws -> DataTable {
        let folder = try FixtureLoader.temporaryDirectory()
        let url = folder.appending(path: "data.csv")
        try csv.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: folder) }
        return try DataTable(contentsOf: url)
    }

    @Test func bankRulesLabelRowsInOrderWithTheRuleThatFired() throws {
        let csv = """
            client,heat,trend,level,cooling,tenure_weeks,personal_share
            a,100,0,cold,false,10,0.1
            b,100,-3,cold,false,300,0.5
            c,5000,-900,hot,true,300,0.5
            d,5000,50,hot,false,300,0.5
            e,800,20,warm,false,300,0.1
            f,800,-20,warm,false,300,
            g,800,20,warm,false,,0.9

            """
        let assignments = try PersonaRules.bank.assign(try Self.table(csv))
        #expect(assignments.map(\.label) == ["New", "Dormant", "Cooling", "Loyal core", "Rising", "Steady", "Rising"])
        #expect(assignments.map(\.ruleID) == ["new", "dormant", "cooling", "loyal-core", "rising", "steady", "rising"])
    }

    @Test func retailRulesAndTheirExampleFilesAgree() throws {
        let row: [String: PersonaValue] = ["spend": .number(1500), "frequency": .number(20), "discount_share": .number(0.8)]
        #expect(PersonaRules.retail.assign(row).label == "Premium Loyalist")
        #expect(PersonaRules.retail.assign(["discount_share": .number(0.6), "frequency": .number(2)]).ruleID == "bargain-hunter")
        #expect(PersonaRules.retail.assign(["avg_rating": .number(4.5), "avg_order_value": .number(80)]).label == "Quality Seeker")
        #expect(PersonaRules.retail.assign(["frequency": .number(2)]).label == "Occasional")
        #expect(PersonaRules.retail.assign(["frequency": .number(6)]).label == "Regular")
        for (name, builtIn) in [("bank", PersonaRules.bank), ("retail", PersonaRules.retail)] {
            let file = try PersonaRules(contentsOf: FixtureLoader.exampleData("../personas/\(name).json"))
            #expect(file == builtIn)
            #expect(try PersonaRules(data: builtIn.jsonData(), source: name) == builtIn)
        }
    }

    @Test func dataWithoutATestedColumnOrWithTextInANumericColumnExits65() throws {
        let missing = try Self.table("heat,level\n1,cold\n")
        #expect(throws: PersonaRulesError.missingFeature(source: missing.source, rule: "'new'", feature: "tenure_weeks")) {
            try PersonaRules.bank.assign(missing)
        }
        let rules = PersonaRules(name: "t", rules: [PersonaRule(id: "big", label: "Big", description: "", when: [PersonaCondition(feature: "spend", op: .above, value: 10)])])
        let text = try Self.table("spend\n12\nlots\n")
        let error = Self.assignmentError(rules, text)
        #expect(error == .notNumeric(source: text.source, rule: "'big'", feature: "spend", line: 3, value: "lots"))
        #expect(error?.category.exitCode == 65)
    }

    @Test func conditionsOnMissingValuesAreFalseExceptMissing() {
        #expect(!PersonaCondition(feature: "x", op: .below, value: 1).holds(for: .missing))
        #expect(!PersonaCondition(feature: "x", op: .notIn, values: ["a"]).holds(for: .missing))
        #expect(!PersonaCondition(feature: "x", op: .notEqual, value: 1).holds(for: .missing))
        #expect(PersonaCondition(feature: "x", op: .missing).holds(for: .missing))
        #expect(PersonaCondition(feature: "x", op: .isIn, values: ["3"]).holds(for: .number(3)))
        #expect(PersonaCondition(feature: "x", op: .present).holds(for: .text("a")))
    }
}
