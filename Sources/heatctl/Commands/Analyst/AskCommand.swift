import ArgumentParser
import Foundation
import HeatCore
import HeatEnvelope

/// `heatctl ask RESULTS.json "question"`: answers a plain-English question from a released document.
struct AskCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask",
        abstract: "Answer a question in plain English from a released results document.",
        discussion: """
            Answers from the released document only, so it can never reveal more than the policy \
            released: top or bottom groups by a measure, one group's values, two groups side by side, \
            changes since an earlier release (--previous) or between weeks, shares at a level, band or \
            group, weekly trends, counts of cooling or high-risk clients, the persona mix, and \
            "summarise". Every answer quotes its numbers and the release they came from. A question \
            about a client or group the release does not hold gets the policy's refusal (exit 77); a \
            question outside the grammar gets "I can answer questions like ..." (exit 0). The grammar \
            and its limits are in Docs/Analyst.md.

            With --role (and --policy, default the built-in policy) the document is first narrowed to \
            what that role may receive, as `heatctl report --role` does. With --backend, an \
            OpenAI-compatible chat endpoint answers instead, only if the policy lists it in the role's \
            shareWith and the document has no per-client rows; its answer is checked against the \
            document and the deterministic answer is used on a timeout, an error or a rejection.

            Exit codes: 0 answered (or "I can answer questions like ..."); 64 empty question; 65 not a \
            results document; 66 missing file; 77 refused by policy; 78 bad policy or endpoint file.

            Examples:
              heatctl ask results.json "which branches have the most cooling clients?"
              heatctl ask results.json --previous last-month.json "how did heat change in branch B-8795e9c3 since last month?"
              heatctl ask results.json "what share of clients are cold?" --json
              heatctl ask results.json "top 3 managers by heat" --role executive --policy Examples/policy.json
            """)

    @Argument(help: ArgumentHelp("The released results document.", valueName: "RESULTS.json"))
    var results: String

    @Argument(help: ArgumentHelp("The question, in quotes.", valueName: "QUESTION"))
    var question: String

    @Option(name: .long, help: ArgumentHelp("An earlier release to compare with (newest first; repeatable).", valueName: "RESULTS.json"))
    var previous: [String] = []

    @Option(name: .long, help: "Answer for this role (default: the document's role).")
    var role: String?

    @Option(name: .long, help: "The asking manager's reference (M-…), for a role that sees its own clients.")
    var manager: String?

    @Option(name: .long, help: "The policy for --role and --backend (default: the built-in policy).")
    var policy: String?

    @Option(name: .long, help: ArgumentHelp("An OpenAI-compatible endpoint configuration (off by default).", valueName: "ENDPOINT.json"))
    var backend: String?

    @Flag(name: .long, help: "Print the answer as one JSON document on stdout.")
    var json = false

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func execute() async throws {
        guard !question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw AnalystError.emptyQuestion }
        let documents = try AnalystCLI.documents(results, previous: previous)
        let loaded = try AnalystCLI.policy(policy, needed: role != nil || backend != nil)
        let caller = role.map { AnalystCaller(role: $0, manager: manager) } ?? manager.map { AnalystCaller(role: documents[0].role, manager: $0) }
        let engine = AnalystEngine(documents: documents, policy: role != nil ? loaded : nil, caller: caller)
        let model = try backend.map { OpenAIChatModel(endpoint: try AnalystEndpoint.load(from: URL(filePath: $0))) }
        let answer = await AnalystService(engine: engine, model: model, policy: loaded).ask(question)
        if json {
            Console.output(String(decoding: try ResultsDocument.jsonEncoder().encode(answer), as: UTF8.self))
        } else {
            Console.output(answer.rendered)
        }
        if let refusal = answer.refusal {
            if !json { Console.error(refusal.description, hint: refusal.hint) }
            throw ExitCode(refusal.category.exitCode)
        }
    }
}

/// `heatctl summarize RESULTS.json`: an executive summary of a release.
struct SummarizeCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "summarize",
        abstract: "Write an executive summary of a released results document.",
        discussion: """
            A templated narrative in plain English: the population (levels, cooling, mean heat and \
            trend), the biggest movers in mean heat since --previous, the groups at risk (highest \
            share of cooling clients), the coldest group, notable weekly trends and the largest \
            persona, as far as the document has those sections. Every number in it is read from the \
            document or computed from its values (a share, a change); --json lists each with its \
            subject and source values.

            Examples:
              heatctl summarize results.json
              heatctl summarize results.json --previous last-month.json
              heatctl summarize results.json --role executive --policy Examples/policy.json --json
            """)

    @Argument(help: ArgumentHelp("The released results document.", valueName: "RESULTS.json"))
    var results: String

    @Option(name: .long, help: ArgumentHelp("An earlier release to compare with (newest first; repeatable).", valueName: "RESULTS.json"))
    var previous: [String] = []

    @Option(name: .long, help: "Summarise only what this role may receive (default: the document's role).")
    var role: String?

    @Option(name: .long, help: "The policy for --role (default: the built-in policy).")
    var policy: String?

    @Flag(name: .long, help: "Print the summary and its figures as one JSON document on stdout.")
    var json = false

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func execute() async throws {
        let documents = try AnalystCLI.documents(results, previous: previous)
        let loaded = try AnalystCLI.policy(policy, needed: role != nil)
        let engine = AnalystEngine(documents: documents, policy: role != nil ? loaded : nil, caller: role.map { AnalystCaller(role: $0) })
        let answer = engine.answer("summarise this release")
        if let refusal = answer.refusal { throw refusal }
        if json {
            Console.output(String(decoding: try ResultsDocument.jsonEncoder().encode(answer), as: UTF8.self))
        } else {
            Console.output(answer.rendered)
        }
    }
}

/// Shared input handling of `ask` and `summarize`.
enum AnalystCLI {
    static func documents(_ results: String, previous: [String]) throws -> [ResultsDocument] {
        try ([results] + previous).map { path in try ResultsDocument.decode(try InputFile.read(path), source: path) }
    }

    static func policy(_ path: String?, needed: Bool) throws -> PrivacyPolicy? {
        if let path { return try PrivacyPolicy.load(from: URL(filePath: path)) }
        return needed ? PrivacyPolicy.default : nil
    }
}
