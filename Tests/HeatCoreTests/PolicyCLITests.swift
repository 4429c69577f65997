import Foundation
import Testing
@testable import HeatCore

/// `heatctl release`, `heatctl policy check`, and demo / report as a role, as a user runs them.
@Suite(.enabled(if: BuiltHeatctl.url != nil, "heatctl is not built"))
struct PolicyCLITests {
    typealias Outcome = BuiltHeatctl.Outcome

    func run(_ arguments: [String]) throws -> Outcome { try BuiltHeatctl.run(arguments) }

    static let examplePolicy = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appending(path: "Examples/policy.json").path

    @Test func releaseAndPolicyCheckWorkflow() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appending(path: "heat.db").path
        let keys = folder.appending(path: "keys").path
        let csv = folder.appending(path: "in.csv").path
        let clients = folder.appending(path: "clients.csv").path
        #expect(try run(["generate", "--clients", "120", "--managers", "6", "--branches", "2", "--weeks", "12", "--seed", "3",
                         "--out", csv, "--clients-out", clients]).status == 0)
        #expect(try run(["init", "--store", db]).status == 0)
        #expect(try run(["keys", "generate", "--out", keys, "--store", db]).status == 0)
        #expect(try run(["ingest", csv, "--store", db, "--keys", "\(keys)/collector", "--clients", clients, "--plaintext"]).status == 0)

        let out = folder.appending(path: "results.json").path
        let released = try run(["release", "--store", db, "--keys", "\(keys)/keyholder", "--role", "executive",
                                "--policy", Self.examplePolicy, "--out", out])
        #expect(released.status == 0, "\(released.stderr)")
        let document = try ResultsDocument.decode(Data(contentsOf: URL(filePath: out)))
        #expect(document.role == "executive" && document.clients == nil && document.population?.clients == 120)
        #expect(document.policy.name == "example-bank-2026" && document.policy.hash?.count == 64)

        // The collector's folder is not the key holder's.
        #expect(try run(["release", "--store", db, "--keys", "\(keys)/collector", "--role", "executive",
                         "--policy", Self.examplePolicy, "--out", out]).status == 64)
        // A manager's own clients, then another manager's: refused (77) naming the rule.
        let manager = try #require(document.groups?.first { $0.kind == .manager }?.ref)
        let mine = folder.appending(path: "mine.json").path
        let own = try run(["release", "--store", db, "--keys", "\(keys)/keyholder", "--role", "manager", "--manager", manager,
                           "--policy", Self.examplePolicy, "--out", mine, "--json"])
        #expect(own.status == 0, "\(own.stderr)")
        let mineDocument = try ResultsDocument.decode(Data(contentsOf: URL(filePath: mine)))
        #expect((mineDocument.clients?.count ?? 0) > 0)
        let other = try run(["release", "--store", db, "--keys", "\(keys)/keyholder", "--role", "manager", "--manager", manager,
                             "--clients-of", "M-00000000", "--policy", Self.examplePolicy, "--out", mine])
        #expect(other.status == 77)
        #expect(other.stderr.contains("roles.manager.clients"))
        let noModel = try run(["release", "--store", db, "--keys", "\(keys)/keyholder", "--role", "manager", "--manager", manager,
                               "--section", "model", "--policy", Self.examplePolicy, "--out", mine])
        #expect(noModel.status == 77 && noModel.stderr.contains("roles.manager.model"))
        let noisy = try run(["release", "--store", db, "--keys", "\(keys)/keyholder", "--role", "analyst", "--epsilon", "2",
                             "--policy", Self.examplePolicy, "--out", folder.appending(path: "noisy.json").path])
        #expect([0, 77].contains(noisy.status))

        // Every release and refusal is in the audit log.
        let log = try run(["audit", "log", "--store", db, "--kind", "release", "--include-subkinds", "--json"])
        #expect(log.status == 0)
        let text = log.stdoutText
        #expect(text.components(separatedBy: "\"release.refused\"").count - 1 == (noisy.status == 77 ? 3 : 2))
        #expect(text.components(separatedBy: "\"action\" : \"release\"").count - 1 == (noisy.status == 0 ? 3 : 2))
        // Without --include-subkinds the kind matches exactly: no refusals.
        let exact = try run(["audit", "log", "--store", db, "--kind", "release", "--json"])
        #expect(exact.status == 0)
        #expect(!exact.stdoutText.contains("release.refused"))
        #expect(exact.stdoutText.components(separatedBy: "\"action\" : \"release\"").count - 1 == (noisy.status == 0 ? 3 : 2))

        // policy check: valid, invalid (78), unknown role (77).
        let check = try run(["policy", "check", "--policy", Self.examplePolicy, "--role", "manager"])
        #expect(check.status == 0)
        #expect(check.stdoutText.contains("own clients"))
        let json = try run(["policy", "check", "--policy", Self.examplePolicy, "--role", "analyst", "--json"])
        let parsed = try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any]
        #expect(parsed?["minGroupSize"] as? Int == 5)
        let bad = folder.appending(path: "bad.json").path
        try Data(#"{"schema": "customerheat.policy/1", "name": "x", "roles": {"manager": {"clients": "mine"}}}"#.utf8)
            .write(to: URL(filePath: bad))
        let invalid = try run(["policy", "check", "--policy", bad, "--role", "manager"])
        #expect(invalid.status == 78)
        #expect(invalid.stderr.contains("roles.manager") && invalid.stderr.contains("clients"))
        #expect(try run(["policy", "check", "--policy", Self.examplePolicy, "--role", "intern"]).status == 77)
    }

    @Test func demoAndReportRunAsARole() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let demo = try run(["demo", "--clients", "150", "--weeks", "20", "--out", folder.path, "--json"])
        #expect(demo.status == 0)
        let executive = try ResultsDocument.decode(demo.stdout)
        #expect(executive.role == "executive" && executive.clients == nil)
        #expect(executive.policy.hash == PrivacyPolicy.default.hash)
        let page = try String(contentsOf: folder.appending(path: "index.html"), encoding: .utf8)
        #expect(page.contains(PrivacyPolicy.default.hash))
        let manager = try #require(executive.groups?.first { $0.kind == .manager }?.ref)
        let mine = try run(["demo", "--clients", "150", "--weeks", "20", "--role", "manager", "--manager", manager,
                            "--out", folder.appending(path: "m").path, "--json"])
        #expect(mine.status == 0)
        let managerDocument = try ResultsDocument.decode(mine.stdout)
        #expect((managerDocument.clients?.count ?? 0) > 0 && managerDocument.model == nil)

        // report --role narrows the executive document for an auditor: nothing but the footer.
        let report = folder.appending(path: "report").path
        let rendered = try run(["report", folder.appending(path: "results.json").path, "--out", report, "--role", "auditor",
                                "--policy", Self.examplePolicy])
        #expect(rendered.status == 0, "\(rendered.stderr)")
        let narrowed = try ResultsDocument.decode(Data(contentsOf: URL(filePath: report).appending(path: "results.json")))
        #expect(narrowed.role == "auditor" && narrowed.population == nil && narrowed.groups?.isEmpty != false)
        let html = try String(contentsOf: URL(filePath: report).appending(path: "index.html"), encoding: .utf8)
        let exampleHash = try PrivacyPolicy.load(from: URL(filePath: Self.examplePolicy)).hash
        #expect(html.contains("auditor") && html.contains(exampleHash))
        #expect(try run(["demo", "--clients", "150", "--weeks", "20", "--role", "intern", "--out", folder.path]).status == 77)
    }
}
