import Foundation
import Testing
@testable import HeatCore

/// The analyst fixture (`Fixtures/analyst`): documents and questions with expected answers.
enum AnalystFixture {
    struct Entry: Decodable, CustomTestStringConvertible, Sendable {
        struct Expect: Decodable, Sendable {
            var status: String
            var intent: String?
            var kind: String?
            var measure: String?
            var refs: [String]?
            var numbers: [String]?
            var rule: String?
        }
        var id: Int
        var documents: [String]
        var question: String
        var expect: Expect
        var testDescription: String { "#\(id) [\(documents.joined(separator: "+"))] \(question)" }
    }

    static func data(_ path: String) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: path, withExtension: "json", subdirectory: "Fixtures"))
        return try Data(contentsOf: url)
    }

    static func document(_ name: String) throws -> ResultsDocument {
        try ResultsDocument.decode(try data(name == "full" ? "results-full" : "analyst/\(name)"), source: name)
    }

    static let entries: [Entry] = {
        guard let url = Bundle.module.url(forResource: "analyst/questions", withExtension: "json", subdirectory: "Fixtures"),
              let data = try? Data(contentsOf: url) else { return [] }
        return (try? JSONDecoder().decode([Entry].self, from: data)) ?? []
    }()

    /// The document's own value for a figure's (subject, measure) pair, or `nil` when the pair
    /// names nothing in the document. `.some(nil)`-free: a pair either resolves or it does not.
    static func value(of figure: AnalystFigure, in document: ResultsDocument) -> Double? {
        let subject = figure.subject
        if subject == "population", let population = document.population {
            switch figure.measure {
            case .clients: return Double(population.clients)
            case .cooling: return Double(population.cooling)
            case .meanHeat: return population.meanHeat
            case .trend: return population.trend
            default: return nil
            }
        }
        if subject.hasPrefix("level "), figure.measure == .level, let level = HeatLevel(rawValue: String(subject.dropFirst(6))) {
            return document.population.map { Double($0.levels[level] ?? 0) }
        }
        if subject.hasPrefix("persona ") {
            return document.personas?.first { "persona \($0.label)" == subject }.map { Double($0.clients) }
        }
        if subject.hasPrefix("client ") {
            guard let client = document.clients?.first(where: { "client \($0.ref)" == subject }) else { return nil }
            switch figure.measure {
            case .heat: return Double(client.heat)
            case .trend: return Double(client.trend)
            default: return nil
            }
        }
        if let group = document.groups?.first(where: { "\($0.kind.rawValue) \($0.ref)" == subject }) {
            switch figure.measure {
            case .clients: return Double(group.clients)
            case .cooling: return Double(group.cooling)
            case .meanHeat: return group.meanHeat
            default: return nil
            }
        }
        let parts = subject.split(separator: " ")
        if parts.count == 2, let week = try? ISOWeek(parsing: String(parts[0])), let channel = Channel(rawValue: String(parts[1])),
           figure.measure == .events {
            return document.weekly?.first { $0.week == week && $0.channel == channel }.map { Double($0.events) }
        }
        return nil
    }

    /// Every number of a JSON document (all numeric leaves).
    static func numbers(in data: Data) throws -> Set<Double> {
        var result = Set<Double>()
        func walk(_ value: Any) {
            if let dictionary = value as? [String: Any] { dictionary.values.forEach(walk) }
            else if let array = value as? [Any] { array.forEach(walk) }
            else if let number = value as? NSNumber { result.insert(number.doubleValue) }
        }
        walk(try JSONSerialization.jsonObject(with: data))
        return result
    }
}

@Suite struct AnalystFixtureTests {
    @Test func theFixtureHasAtLeastOneHundredQuestionsCoveringEveryIntent() {
        #expect(AnalystFixture.entries.count >= 100)
        let intents = Set(AnalystFixture.entries.compactMap(\.expect.intent))
        #expect(intents == Set(AnalystIntent.allCases.map(\.rawValue)))
        #expect(AnalystFixture.entries.contains { $0.expect.status == "refusal" })
        #expect(AnalystFixture.entries.contains { $0.expect.status == "unanswerable" })
    }

    @Test(arguments: AnalystFixture.entries)
    func answersMatchTheFixture(_ entry: AnalystFixture.Entry) throws {
        let documents = try entry.documents.map(AnalystFixture.document)
        let answer = AnalystEngine(documents: documents).answer(entry.question)
        let expected: AnalystAnswer.Status = switch entry.expect.status {
        case "answer": .answered
        case "refusal": .refused
        default: .unanswerable
        }
        #expect(answer.status == expected, "\(answer.rendered)")
        if let intent = entry.expect.intent { #expect(answer.intent?.rawValue == intent, "\(answer.rendered)") }
        switch answer.status {
        case .answered:
            if let measure = entry.expect.measure { #expect(answer.measure == measure) }
            if let refs = entry.expect.refs { #expect(answer.refs == refs, "\(answer.rendered)") }
            let quoted = AnalystNumberFormat.numbers(in: answer.text).map(\.text)
            for number in entry.expect.numbers ?? [] {
                #expect(quoted.contains(number), "expected \(number) in: \(answer.text)")
            }
            // Pairwise: a figure about a group, client or persona carries that subject's own value
            // for that measure (a number of the document attributed to another group would fail).
            for figure in answer.figures where figure.from.isEmpty && documents.indices.contains(figure.release) {
                let subject = figure.subject
                guard ["branch ", "manager ", "segment ", "region ", "client ", "persona "].contains(where: subject.hasPrefix),
                      !subject.contains(" minus "), !subject.hasSuffix(" change") else { continue }
                let value = AnalystFixture.value(of: figure, in: documents[figure.release])
                #expect(value == figure.value, "\(figure) is not the document's value for (\(subject), \(figure.measure)): \(value.map { "\($0)" } ?? "none")")
            }
            // Every number in the text is a figure the answer declares, and the release is cited.
            let shown = Set(answer.figures.map(\.shown))
            for token in quoted { #expect(shown.contains(token), "\(token) is not a declared figure in: \(answer.text)") }
            #expect(answer.releases.first?.role == documents[0].role)
            #expect(answer.rendered.contains("Source: release to \(documents[0].role) as of \(documents[0].asOf)"))
        case .refused:
            #expect(answer.refusal?.rule == entry.expect.rule, "\(answer.rendered)")
            #expect(answer.refusal?.category.exitCode == 77)
            #expect(answer.figures.isEmpty)
        case .unanswerable:
            #expect(!answer.examples.isEmpty)
            #expect(answer.rendered.contains("I can answer questions like:"))
            #expect(answer.figures.isEmpty)
        }
    }
}

@Suite struct AnalystSummaryTests {
    /// Each figure is a value of the document, or a share / change / total of document values,
    /// and every number in the text is one of the figures.
    static func checkTraceable(_ names: [String]) throws {
        let documents = try names.map(AnalystFixture.document)
        let parsed = try names.map { try AnalystFixture.numbers(in: AnalystFixture.data($0 == "full" ? "results-full" : "analyst/\($0)")) }
        struct Numbers {
            var values: Set<Double>
            func contains(_ value: Double) -> Bool {
                values.contains(value) || values.contains { abs($0 - value) <= 1e-12 * max(1, abs(value)) }
            }
        }
        let numbers = parsed.map(Numbers.init)
        let summary = ExecutiveSummary(documents: documents).compose()
        #expect(!summary.figures.isEmpty)
        for figure in summary.figures {
            let source = numbers[figure.release]
            switch figure.measure {
            case .share, .coolingShare:
                #expect(figure.from.count == 2 && figure.from.allSatisfy(source.contains), "\(figure)")
                #expect(figure.value == figure.from[0] * 100 / figure.from[1], "\(figure)")
            case .change:
                #expect(figure.from.count == 2, "\(figure)")
                #expect(figure.from.allSatisfy { v in numbers.contains { $0.contains(v) } }, "\(figure)")
                #expect(figure.value == figure.from[0] - figure.from[1], "\(figure)")
            default:
                #expect(source.contains(figure.value), "\(figure) is not a number of release \(figure.release)")
                // Pairwise: the value is the one the document gives that subject for that measure.
                let value = AnalystFixture.value(of: figure, in: documents[figure.release])
                #expect(value.map { abs($0 - figure.value) <= 1e-12 * max(1, abs($0)) } == true,
                        "\(figure): the document gives (\(figure.subject), \(figure.measure)) \(value.map { "\($0)" } ?? "no value")")
            }
        }
        let shown = Set(summary.figures.map(\.shown))
        let quoted = AnalystNumberFormat.numbers(in: summary.text)
        #expect(!quoted.isEmpty)
        for token in quoted.map(\.text) { #expect(shown.contains(token), "\(token) in the summary is not a figure") }
    }

    @Test func everyNumberOfTheSummaryIsTraceableToTheDocuments() throws {
        // (Document values are compared to the last bit but one: Foundation's two JSON parsers
        // may round the 17th significant digit differently.)
        try Self.checkTraceable(["current", "previous"])
        try Self.checkTraceable(["current"])
        try Self.checkTraceable(["full"])
        try Self.checkTraceable(["manager"])
    }

    @Test func theSummaryCoversPopulationMoversRiskAndTrends() throws {
        let summary = ExecutiveSummary(documents: [try AnalystFixture.document("current"), try AnalystFixture.document("previous")]).compose()
        for heading in ["Population:", "Biggest movers", "Groups at risk", "Notable trends"] {
            #expect(summary.text.contains(heading))
        }
        #expect(summary.text.contains("400") && summary.text.contains("B-e57c8b23"))
        #expect(summary.usesPrevious)
    }

    @Test func aSummaryToleratesAbsentSections() throws {
        var document = try AnalystFixture.document("current")
        document.population = nil
        document.groups = nil
        document.weekly = nil
        document.heatHistogram = nil
        let summary = ExecutiveSummary(documents: [document]).compose()
        #expect(summary.text.contains("carries no population section"))
        #expect(summary.figures.isEmpty)
        // The question engine too: every question gets an answer, a refusal or examples.
        let engine = AnalystEngine(documents: [document])
        for question in ["how many clients are cooling?", "top 3 branches by heat", "trend of calls", "what share are cold?"] {
            #expect(engine.answer(question).status != .answered)
        }
    }
}

@Suite struct AnalystPolicyTests {
    @Test func aCallerRoleNarrowsTheDocumentAsTheReportDoes() throws {
        let current = try AnalystFixture.document("current")
        let manager = AnalystEngine(documents: [current], policy: .default, caller: AnalystCaller(role: "manager"))
        let segment = manager.answer("heat of the retail segment")
        #expect(segment.refusal?.rule == "roles.manager.groups")
        #expect(manager.answer("mean heat of branch B-8795e9c3").status == .answered)
        let auditor = AnalystEngine(documents: [current], policy: .default, caller: AnalystCaller(role: "auditor"))
        #expect(auditor.answer("how many clients are cooling?").status != .answered)
        let unknown = AnalystEngine(documents: [current], policy: .default, caller: AnalystCaller(role: "intern"))
        #expect(unknown.answer("how many clients are cooling?").refusal?.rule == "roles.intern")
    }

    @Test func aManagerAsksForTheirOwnClientsOnly() throws {
        let document = try AnalystFixture.document("manager")
        let own = AnalystEngine(documents: [document], caller: AnalystCaller(role: "manager", manager: "M-c4a01753"))
        #expect(own.answer("which clients of M-c4a01753 are cooling").status == .answered)
        #expect(own.answer("show me the clients of manager M-c774b3b3").refusal?.rule == "roles.manager.clients")
    }

    @Test func shareWithIsParsedAdditivelyAndDefaultsToNone() throws {
        let text = """
            {"schema": "customerheat.policy/1", "name": "p", "roles": {
              "executive": {"population": true, "groups": ["branch"], "shareWith": ["local-llm@127.0.0.1:8080", "local-llm@LLM.internal"]},
              "analyst": {"population": true}}}
            """
        let policy = try PrivacyPolicy.parse(Data(text.utf8))
        #expect(try policy.permissions(for: "executive").shareWith == ["local-llm"])
        #expect(try policy.permissions(for: "executive").shareWithHosts == ["local-llm": ["127.0.0.1:8080", "llm.internal"]])
        // A bare name is not enough: the policy must say which host the name may reach.
        let bare = text.replacingOccurrences(of: "\"local-llm@127.0.0.1:8080\", \"local-llm@LLM.internal\"", with: "\"local-llm\"")
        let unbound = #expect(throws: PolicyError.self) { try PrivacyPolicy.parse(Data(bare.utf8)) }
        #expect(unbound.map { "\($0)".contains("shareWith[0]") && "\($0)".contains("local-llm@HOST") } == true)
        #expect(unbound?.category.exitCode == 78)
        let badPort = text.replacingOccurrences(of: "127.0.0.1:8080", with: "127.0.0.1:99999")
        #expect(throws: PolicyError.self) { try PrivacyPolicy.parse(Data(badPort.utf8)) }
        #expect(try policy.permissions(for: "analyst").shareWith.isEmpty)
        #expect(try PrivacyPolicy.default.permissions(for: "executive").shareWith.isEmpty)
        let bad = text.replacingOccurrences(of: "\"local-llm@LLM.internal\"", with: "\"Local LLM@x\"")
        #expect(throws: PolicyError.self) { try PrivacyPolicy.parse(Data(bad.utf8)) }
    }
}

@Suite struct AnswerCheckerTests {
    let checker: AnswerChecker

    init() throws { checker = AnswerChecker(document: try AnalystFixture.document("current")) }

    @Test func acceptsTheDocumentsNumbersAttributedCorrectly() {
        let text = "Branch B-8795e9c3 has mean heat 14,720 and 93 clients, 9 of them cooling (9.7%). Overall 43 clients are cooling; mean heat 13,825."
        guard case .accepted(let figures) = checker.check(text) else {
            Issue.record("rejected: \(checker.check(text))")
            return
        }
        #expect(figures.count == 6)
    }

    @Test func rejectsAnInventedNumber() {
        guard case .rejected(let reason) = checker.check("Branch B-8795e9c3 has mean heat 15,000.") else {
            Issue.record("an invented number was accepted")
            return
        }
        #expect(reason.contains("15,000") && reason.contains("b-8795e9c3"))
    }

    @Test func rejectsNumbersWrittenAsWords() {
        // No digit to check, so without this rule the invented figure would pass unchecked.
        guard case .rejected(let reason) = checker.check("Branch B-8795e9c3 has a mean heat of fifteen thousand.") else {
            Issue.record("a number written as words was accepted")
            return
        }
        #expect(reason.contains("fifteen"))
    }

    @Test func rejectsANumberAttributedToTheWrongGroupOrMeasure() {
        // 14,720 is B-8795e9c3's mean heat, not B-2f908dd5's.
        #expect(checker.check("Branch B-2f908dd5 has mean heat 14,720.") != .accepted([]))
        if case .accepted = checker.check("Branch B-2f908dd5 has mean heat 14,720.") { Issue.record("misattributed group accepted") }
        // 93 is B-8795e9c3's client count, not its cooling count.
        if case .accepted = checker.check("Branch B-8795e9c3 has 93 cooling clients.") { Issue.record("misattributed measure accepted") }
        // 21.8% of clients are cold, not hot.
        if case .accepted = checker.check("21.8% of clients are hot.") { Issue.record("misattributed share accepted") }
        if case .rejected(let reason) = checker.check("21.8% of clients are cold.") { Issue.record("rejected: \(reason)") }
    }
}

@Suite struct AnalystLanguageModelTests {
    static let policy = try! PrivacyPolicy.parse(Data("""
        {"schema": "customerheat.policy/1", "name": "share-test", "roles": {
          "executive": {"population": true, "histogram": true, "weekly": true, "groups": ["manager", "branch", "segment", "region"],
                        "shareWith": ["local-test@127.0.0.1"]},
          "manager": {"population": true, "groups": ["manager", "branch"], "clients": "own", "shareWith": ["local-test@127.0.0.1"]},
          "analyst": {"population": true, "groups": ["branch"]}}}
        """.utf8))

    static func ask(_ mode: AnalystTestServer.Mode, document: String = "current", role: String? = nil, timeout: Double = 300,
                    question: String = "what is the mean heat of branch B-8795e9c3?", host: String? = nil) async throws -> (AnalystAnswer, [String]) {
        let server = try AnalystTestServer(mode: mode)
        defer { server.stop() }
        let url = host.map { server.url.replacingOccurrences(of: "127.0.0.1", with: $0) } ?? server.url
        let endpoint = AnalystEndpoint(name: "local-test", url: url, model: "test", timeoutSeconds: timeout)
        let engine = AnalystEngine(documents: [try AnalystFixture.document(document)], policy: role == nil ? nil : policy,
                                   caller: role.map { AnalystCaller(role: $0) })
        let answer = await AnalystService(engine: engine, model: OpenAIChatModel(endpoint: endpoint, environment: [:]), policy: policy).ask(question)
        return (answer, server.requests)
    }

    @Test func aCheckedModelAnswerIsUsed() async throws {
        let (answer, requests) = try await Self.ask(.reply("Branch B-8795e9c3 has a mean heat of 14,720 across 93 clients."))
        #expect(answer.backend == "local-test")
        #expect(answer.fallbackReason == nil)
        #expect(answer.figures.map(\.value).contains(93))
        #expect(answer.rendered.contains("Source: release to executive"))
        // The model was given the document and the question, nothing else.
        let body = try #require(requests.first)
        #expect(body.contains("customerheat.results") && body.contains("B-8795e9c3") && body.contains("mean heat of branch"))
    }

    @Test func anInventedNumberIsRejectedAndTheEngineAnswers() async throws {
        let (answer, _) = try await Self.ask(.reply("Branch B-8795e9c3 has a mean heat of 15,120."))
        #expect(answer.backend == "deterministic")
        #expect(answer.fallbackReason?.contains("rejected") == true)
        #expect(answer.text.contains("14,720"))
        #expect(answer.rendered.contains("Note: answered by the deterministic engine because"))
    }

    @Test func aServerErrorFallsBack() async throws {
        let (answer, requests) = try await Self.ask(.error)
        #expect(requests.count == 1)
        #expect(answer.backend == "deterministic")
        #expect(answer.fallbackReason?.contains("HTTP status 500") == true)
        #expect(answer.text.contains("14,720"))
    }

    @Test func aTimeoutFallsBack() async throws {
        // (No wall-clock bound: under the full suite on two cores the timer task itself can wait
        // minutes for a thread; the reason proves the timeout path was taken.)
        let (answer, _) = try await Self.ask(.silent(120), timeout: 0.5)
        #expect(answer.backend == "deterministic")
        #expect(answer.fallbackReason?.contains("did not answer within") == true, "\(answer.fallbackReason ?? "")")
    }

    @Test func nothingLeavesWithoutShareWithOrWithPerClientRows() async throws {
        // A role the policy does not let share: no request reaches the server.
        let (analyst, nothing) = try await Self.ask(.reply("Mean heat is 13,825."), role: "analyst",
                                                 question: "how many clients are cooling?")
        #expect(nothing.isEmpty)
        #expect(analyst.fallbackReason?.contains("shareWith") == true)
        // A per-client release never leaves, even for a role with shareWith.
        let (manager, sent) = try await Self.ask(.reply("Mean heat is 13,825."), document: "manager", question: "how many clients are cooling?")
        #expect(sent.isEmpty)
        #expect(manager.fallbackReason?.contains("per-client") == true)
        // The name is bound to its host: the same name pointing elsewhere gets nothing (here
        // "localhost", the same server by another name, is not the 127.0.0.1 the policy binds).
        let (moved, none) = try await Self.ask(.reply("Branch B-8795e9c3 has a mean heat of 14,720 across 93 clients."), host: "localhost")
        #expect(none.isEmpty && moved.backend == "deterministic")
        #expect(moved.fallbackReason?.contains("binds it to 127.0.0.1") == true, "\(moved.fallbackReason ?? "")")
        // A model that does not say where it sends requests is never given the document.
        struct Anonymous: AnalystLanguageModel {
            var name = "local-test"
            func complete(system: String, user: String) async throws -> String { "Mean heat is 13,825." }
        }
        let engine = AnalystEngine(documents: [try AnalystFixture.document("current")])
        let anonymous = await AnalystService(engine: engine, model: Anonymous(), policy: Self.policy).ask("what is the mean heat of branch B-8795e9c3?")
        #expect(anonymous.backend == "deterministic" && anonymous.fallbackReason?.contains("host binding") == true)
        // A refusal is never sent either.
        let (refused, asked) = try await Self.ask(.reply("C-09f9768a has heat 1."), question: "heat of client C-09f9768a")
        #expect(asked.isEmpty && refused.status == .refused)
    }
}

@Suite(.enabled(if: BuiltHeatctl.url != nil, "heatctl is not built"))
struct AnalystCLITests {
    static func fixture(_ name: String) throws -> String {
        try #require(Bundle.module.url(forResource: "analyst/\(name)", withExtension: "json", subdirectory: "Fixtures")).path
    }

    @Test func askAnswersRefusesAndFailsWithTypedExitCodes() throws {
        let current = try Self.fixture("current")
        let answered = try BuiltHeatctl.run(["ask", current, "which branches have the most cooling clients?"])
        #expect(answered.status == 0)
        #expect(answered.stdoutText.contains("B-e57c8b23 13") && answered.stdoutText.contains("Source: release to executive"))
        let refused = try BuiltHeatctl.run(["ask", current, "what is the heat of client C-09f9768a?"])
        #expect(refused.status == 77)
        #expect(refused.stderr.contains("roles.executive.clients"))
        let json = try BuiltHeatctl.run(["ask", current, "--previous", try Self.fixture("previous"), "how did heat change since the last release?", "--json"])
        #expect(json.status == 0)
        let decoded = try JSONDecoder().decode(AnalystAnswer.self, from: json.stdout)
        #expect(decoded.intent == .comparePeriods && decoded.releases.count == 2)
        #expect(try BuiltHeatctl.run(["ask", "/nonexistent/results.json", "hi"]).status == 66)
        #expect(try BuiltHeatctl.run(["ask", current, "  "]).status == 64)
        let unknown = try BuiltHeatctl.run(["ask", current, "tell me a joke"])
        #expect(unknown.status == 0 && unknown.stdoutText.contains("I can answer questions like:"))
    }

    @Test func summarizeWritesTheNarrative() throws {
        let outcome = try BuiltHeatctl.run(["summarize", try Self.fixture("current"), "--previous", try Self.fixture("previous")])
        #expect(outcome.status == 0)
        #expect(outcome.stdoutText.contains("Population:") && outcome.stdoutText.contains("Biggest movers"))
        let help = try BuiltHeatctl.run(["ask", "--help"])
        #expect(help.stdoutText.contains("Examples:"))
    }
}
