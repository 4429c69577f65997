import HeatCore
import HeatML

/// The persona section of `heatctl demo` (issue 18): the built-in bank rules
/// (``PersonaRules/bank``) applied to each client's heat, trend, level, cooling flag, tenure and
/// channel mix, added to an already released results document without loosening its policy.
enum DemoPersonas {
    /// The bank features of every scored client, by client id.
    static func features(run: PlaintextHeatRun, scores: [HeatScore], directory: [String: Client]) -> [String: [String: PersonaValue]] {
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

    /// The document with persona counts (when the population was released, groups of at least
    /// `minGroupSize` clients) and each released client's persona.
    ///
    /// - Parameters:
    ///   - document: the released document.
    ///   - input: the release input (client refs in score order).
    ///   - scores: the scores the input was built from, in the same order.
    ///   - features: the bank features by client id.
    ///   - minGroupSize: the policy's k.
    /// - Returns: the document with its persona section.
    static func apply(to document: ResultsDocument, input: ReleaseInput, scores: [HeatScore], features: [String: [String: PersonaValue]], minGroupSize: Int) -> ResultsDocument {
        var result = document
        var byRef: [String: String] = [:]
        var counts: [String: Int] = [:]
        for (score, client) in zip(scores, input.clients) {
            guard let label = PersonaRules.bank.assign(features[score.clientID] ?? [:]).label else { continue }
            byRef[client.ref] = label
            counts[label, default: 0] += 1
        }
        if document.population != nil {
            let order = (PersonaRules.bank.rules + [PersonaRules.bank.fallback].compactMap { $0 }).map(\.label)
            result.personas = order.compactMap { label in counts[label].map { PersonaCount(label: label, clients: $0) } }
                .filter { $0.clients >= minGroupSize }
        }
        if var clients = result.clients {
            for index in clients.indices { clients[index].persona = byRef[clients[index].ref] }
            result.clients = clients
        }
        return result
    }
}
