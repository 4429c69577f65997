import HeatML

/// The bank personas of a heat run (issue 18): HeatML's built-in bank rules
/// (``HeatML/PersonaRules/bank``) applied to each client's heat, trend, level, cooling flag,
/// tenure and channel mix, added to an already released results document without loosening its
/// policy (counts through ``PersonaRelease``).
///
/// ```swift
/// let features = BankPersonas.features(run: run, scores: scores, directory: directory)
/// let document = BankPersonas.apply(
///     to: outcome.document, input: input, scores: scores, features: features, minGroupSize: 5)
/// ```
public enum BankPersonas {
    /// The bank features of every scored client, by client id (the inputs the bank rules read:
    /// `heat`, `trend`, `level`, `cooling`, `tenure_weeks` and `personal_share`).
    ///
    /// - Parameters:
    ///   - run: the plaintext heat run the scores came from.
    ///   - scores: the clients' scores.
    ///   - directory: the client directory by client id (for the account opening date).
    /// - Returns: each scored client's features, by client id.
    public static func features(run: PlaintextHeatRun, scores: [HeatScore], directory: [String: Client]) -> [String: [String: PersonaValue]] {
        let through = run.asOf.isoWeek
        let from = through.advanced(by: -(run.configuration.windowWeeks - 1))
        var result: [String: [String: PersonaValue]] = [:]
        for score in scores {
            var values: [String: PersonaValue] = [
                "heat": .number(Double(score.heat)), "trend": .number(Double(score.trend)),
                "level": .text(score.level.rawValue), "cooling": .text(score.cooling ? "true" : "false"),
            ]
            if let opened = directory[score.clientID]?.openedOn {
                values["tenure_weeks"] = .number(Double((run.asOf.daysSinceEpoch - opened.daysSinceEpoch) / 7))
            }
            var personal = 0, total = 0
            for (week, activity) in run.ledger.clients[score.clientID] ?? [:] where week >= from && week <= through {
                for channel in Channel.allCases {
                    for direction in Direction.allCases {
                        let count = activity[channel, direction].count
                        total += count
                        if channel == .meeting || channel == .call { personal += count }
                    }
                }
            }
            if total > 0 { values["personal_share"] = .number(Double(personal) / Double(total)) }
            result[score.clientID] = values
        }
        return result
    }

    /// The document with persona counts and each released client's persona.
    ///
    /// Counts are published only when the population was released, and only as
    /// ``PersonaRelease/counts(of:order:minGroupSize:epsilon:)`` allows: personas under `k` are
    /// folded into one row with complementary suppression, and a noisy release carries none.
    ///
    /// - Parameters:
    ///   - document: the released document.
    ///   - input: the release input (client refs in score order).
    ///   - scores: the scores the input was built from, in the same order.
    ///   - features: the bank features by client id.
    ///   - minGroupSize: the policy's k.
    /// - Returns: the document with its persona section.
    public static func apply(to document: ResultsDocument, input: ReleaseInput, scores: [HeatScore], features: [String: [String: PersonaValue]], minGroupSize: Int) -> ResultsDocument {
        var result = document
        var byRef: [String: String] = [:]
        var labels: [String?] = []
        for (score, client) in zip(scores, input.clients) {
            let label = PersonaRules.bank.assign(features[score.clientID] ?? [:]).label
            labels.append(label)
            if let label { byRef[client.ref] = label }
        }
        if document.population != nil {
            let order = (PersonaRules.bank.rules + [PersonaRules.bank.fallback].compactMap { $0 }).map(\.label)
            result.personas = PersonaRelease.counts(
                of: labels, order: order, minGroupSize: minGroupSize, epsilon: document.policy.epsilon)
        }
        if var clients = result.clients {
            for index in clients.indices { clients[index].persona = byRef[clients[index].ref] }
            result.clients = clients
        }
        return result
    }
}
