import Foundation

/// The analyst with an optional language model in front of the deterministic engine.
///
/// The model is asked only when (1) one is configured (off by default), (2) the deterministic
/// engine did not refuse the question, (3) the policy lists the endpoint in the role's
/// `shareWith` (default-deny) bound to the host its URL points to, and (4) the document holds no per-client rows (per-client
/// releases never leave). It is given only the released document and the question. Its answer
/// is checked with ``AnswerChecker``; on a timeout, an error or a rejection, the deterministic
/// answer is returned with ``AnalystAnswer/fallbackReason`` saying why.
///
/// ```swift
/// let service = AnalystService(engine: engine, model: OpenAIChatModel(endpoint: endpoint), policy: policy)
/// let answer = await service.ask("which branches have the most cooling clients?")
/// ```
public struct AnalystService: Sendable {
    /// The deterministic engine (also the fallback).
    public var engine: AnalystEngine
    /// The language model, if configured.
    public var model: (any AnalystLanguageModel)?
    /// The policy that decides whether the release may be shared with the model.
    public var policy: PrivacyPolicy?

    /// Creates a service.
    ///
    /// - Parameters:
    ///   - engine: the deterministic engine.
    ///   - model: the language model (`nil`: deterministic only).
    ///   - policy: the policy listing which roles may share releases with which endpoints.
    public init(engine: AnalystEngine, model: (any AnalystLanguageModel)? = nil, policy: PrivacyPolicy? = nil) {
        self.engine = engine
        self.model = model
        self.policy = policy
    }

    /// The instructions sent as the system prompt.
    public static let systemPrompt = """
        You answer questions about a bank's released relationship-heat results. Use only the JSON \
        results document given. Quote every number exactly as the document gives it (round means to \
        whole numbers, shares to one decimal with %), and name the group, client, persona or week \
        right before each number and the measure next to it (mean heat, clients, cooling clients, \
        trend, events). Use no other numbers. If the document does not answer the question, say so.
        """

    /// Whether the document may be sent to `endpoint` at `url` for the engine's role, and if not, why.
    ///
    /// The policy's `shareWith` binds each endpoint name to a host (and optionally a port): the
    /// URL's host must be one of them, and its port (80 / 443 by default) must match when the
    /// policy gives one. Without a URL nothing is shared.
    ///
    /// - Parameters:
    ///   - endpoint: the endpoint's name.
    ///   - url: where the requests would go.
    /// - Returns: `nil` when allowed, else the reason.
    public func sharingRefusal(endpoint: String, url: URL? = nil) -> String? {
        guard let document = engine.documents.first else { return "there is no document" }
        if let clients = document.clients, !clients.isEmpty {
            return "per-client releases are never sent to a language model"
        }
        guard let policy else { return "no policy names \"\(endpoint)\" as shareable (default-deny)" }
        guard let permissions = try? policy.permissions(for: engine.role) else {
            return "the policy names no role \"\(engine.role)\""
        }
        guard permissions.shareWith.contains(endpoint) else {
            return "the policy does not let the role \"\(engine.role)\" share releases with \"\(endpoint)\" (roles.\(engine.role).shareWith)"
        }
        guard let url, let host = url.host?.lowercased(), !host.isEmpty else {
            return "the endpoint \"\(endpoint)\" does not say where it sends requests, so the policy's host binding cannot be checked"
        }
        let port = url.port ?? (url.scheme?.lowercased() == "https" ? 443 : 80)
        let shownHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let allowed = permissions.shareWithHosts[endpoint] ?? []
        guard allowed.contains(shownHost) || allowed.contains("\(shownHost):\(port)") else {
            return "the endpoint \"\(endpoint)\" points to \(shownHost):\(port), but roles.\(engine.role).shareWith binds it to \(allowed.sorted().joined(separator: ", "))"
        }
        return nil
    }

    /// Answers `question`, through the language model when allowed and its answer checks out.
    ///
    /// - Parameter question: the question.
    /// - Returns: the answer; never throws.
    public func ask(_ question: String) async -> AnalystAnswer {
        let deterministic = engine.answer(question)
        guard let model, deterministic.status != .refused else { return deterministic }
        if let reason = sharingRefusal(endpoint: model.name, url: model.url) {
            var answer = deterministic
            answer.fallbackReason = reason
            return answer
        }
        guard let document = engine.documents.first, let json = try? document.jsonData() else { return deterministic }
        let user = "Results document:\n" + String(decoding: json, as: UTF8.self) + "\n\nQuestion: " + question
        let reply: String
        do {
            reply = try await model.complete(system: Self.systemPrompt, user: user)
        } catch let error as AnalystError {
            return fallback(deterministic, error.description)
        } catch {
            return fallback(deterministic, "the language model \"\(model.name)\" failed: \(error)")
        }
        switch AnswerChecker(document: document).check(reply) {
        case .rejected(let reason):
            return fallback(deterministic, "the language model's answer was rejected: \(reason)")
        case .accepted(let figures):
            // A question the engine cannot answer gets the model's answer only when it quotes
            // checked figures from the document; free text with no figure would be a guess.
            if deterministic.status != .answered && figures.isEmpty {
                return fallback(deterministic, "the language model's answer quoted no figure from the document")
            }
            return AnalystAnswer(
                status: .answered, intent: deterministic.intent, kind: deterministic.kind, measure: deterministic.measure,
                text: reply.trimmingCharacters(in: .whitespacesAndNewlines), figures: figures, refs: deterministic.refs,
                releases: [ReleaseCitation(document)], backend: model.name)
        }
    }

    private func fallback(_ answer: AnalystAnswer, _ reason: String) -> AnalystAnswer {
        var copy = answer
        copy.fallbackReason = reason
        return copy
    }
}
