import Foundation
import HeatEnvelope
import Testing
@testable import HeatCore

/// The policy file: strict, default-deny parsing with errors naming rule and field.
@Suite struct PolicyTests {
    static func policy(_ roles: String, extra: String = "") -> Data {
        Data("""
            {"schema": "customerheat.policy/1", "name": "t", "minGroupSize": 5\(extra), "roles": {\(roles)}}
            """.utf8)
    }

    @Test func builtInAndExamplePoliciesParse() throws {
        let builtIn = try PrivacyPolicy.parse(Data(PrivacyPolicy.defaultPolicyJSON.utf8))
        #expect(builtIn == PrivacyPolicy.default)
        #expect(Set(builtIn.roles.keys) == ["executive", "analyst", "manager", "auditor"])
        #expect(builtIn.roles["executive"]?.clients == RolePermissions.ClientAccess.none)
        #expect(builtIn.roles["manager"]?.clients == .own)
        #expect(builtIn.roles["auditor"] == RolePermissions())
        let root = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let example = try PrivacyPolicy.load(from: root.appending(path: "Examples/policy.json"))
        #expect(example.roles.keys.contains("executive") && example.roles.keys.contains("auditor"))
        #expect(example.roles.count > 4, "the example shows a custom role")
        #expect(example.hash.count == 64)
    }

    @Test func unlistedRoleIsRefused() throws {
        let policy = try PrivacyPolicy.parse(Self.policy(#""executive": {"population": true}"#))
        #expect(throws: PolicyRefusal.self) { try policy.permissions(for: "intern") }
        let role = try policy.permissions(for: "executive")
        #expect(role.population && !role.histogram && !role.model && role.groups.isEmpty && role.clients == .none && role.budget == nil)
    }

    @Test(arguments: [
        (#""manager": {"clients": "mine"}"#, "roles.manager", "clients"),
        (#""analyst": {"groups": ["branch", "city"]}"#, "roles.analyst", "groups[1]"),
        (#""analyst": {"population": "yes"}"#, "roles.analyst", "population"),
        (#""analyst": {"histgram": true}"#, "roles.analyst", "histgram"),
        (#""analyst": {"dp": {"maxEpsilon": 1}}"#, "roles.analyst", "dp.monthlyBudget"),
        (#""analyst": {"dp": {"maxEpsilon": 2, "monthlyBudget": 1}}"#, "roles.analyst", "dp.monthlyBudget"),
        (#""analyst": {"dp": {"epsilon": 3, "maxEpsilon": 2, "monthlyBudget": 4}}"#, "roles.analyst", "dp.epsilon"),
        (#""Bad Role": {}"#, "roles", "Bad Role"),
    ])
    func invalidRulesNameRuleAndField(role: String, rule: String, field: String) throws {
        do {
            _ = try PrivacyPolicy.parse(Self.policy(role), source: "p.json")
            Issue.record("accepted an invalid policy")
        } catch {
            #expect(error == .invalid(source: "p.json", rule: rule, field: field, reason: reasonOf(error)))
            #expect(error.category.exitCode == 78)
            #expect(error.description.contains("rule \"\(rule)\", field \"\(field)\""))
        }
    }

    @Test func invalidTopLevelFields() throws {
        for (extra, field) in [(#", "minGroupSize": 1"#, "minGroupSize"), (#", "differencing": "ignore""#, "differencing"),
                               (#", "dp": {"heatClip": 0}"#, "dp.heatClip"), (#", "dp": {"maxNoiseShare": 2}"#, "dp.maxNoiseShare"),
                               (#", "extra": 1"#, "extra")] {
            let text = #"{"schema": "customerheat.policy/1", "name": "t""# + extra + #", "roles": {}}"#
            do {
                _ = try PrivacyPolicy.parse(Data(text.utf8))
                Issue.record("accepted \(extra)")
            } catch {
                #expect(error.description.contains("field \"\(field)\""), "\(error)")
            }
        }
        #expect(throws: PolicyError.self) { try PrivacyPolicy.parse(Data("[]".utf8)) }
        #expect(throws: PolicyError.missing(path: "/nonexistent/p.json")) {
            try PrivacyPolicy.load(from: URL(filePath: "/nonexistent/p.json"))
        }
    }

    @Test func hashIsOfTheFileBytes() throws {
        let a = try PrivacyPolicy.parse(Self.policy(#""executive": {}"#))
        let b = try PrivacyPolicy.parse(Self.policy(#""executive": {} "#))
        #expect(a.hash != b.hash)
        #expect(a.summary(epsilon: nil).hash == a.hash)
    }

    private func reasonOf(_ error: PolicyError) -> String {
        if case .invalid(_, _, _, let reason) = error { return reason }
        return ""
    }
}
