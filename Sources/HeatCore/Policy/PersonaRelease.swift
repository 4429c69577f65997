/// Persona counts as a release may publish them: the k rule with complementary suppression.
///
/// Persona counts partition the population, so withholding only the personas under `k` would let
/// anyone recover a withheld count as the population minus the released ones. This type therefore
/// folds every persona under `k` into one ``otherLabel`` row and, while that row itself holds fewer
/// than `k` clients, folds the smallest released persona into it too. A noisy (differentially
/// private) release publishes no persona counts at all: they would need a share of the privacy
/// budget that the policy does not give them.
///
/// ```swift
/// let counts = PersonaRelease.counts(
///     of: ["Loyal core", "Loyal core", "Cooling", ...], order: ["Loyal core", "Cooling"],
///     minGroupSize: 5, epsilon: nil)
/// ```
public enum PersonaRelease {
    /// The label of the row that holds the personas too small to publish on their own.
    public static let otherLabel = "Other personas"

    /// The persona counts to publish, or `nil` when none may be published.
    ///
    /// - Parameters:
    ///   - labels: each client's persona label (one entry per client; `nil` for a client no rule
    ///     matched, counted in no persona).
    ///   - order: the labels in the order to publish them (a rule set's order); labels outside it
    ///     follow in alphabetical order.
    ///   - minGroupSize: the policy's k (at least 1).
    ///   - epsilon: the release's differential-privacy epsilon, `nil` for an exact release.
    /// - Returns: the counts in `order`, each at least `minGroupSize`, with the small personas in
    ///   one ``otherLabel`` row; `nil` for a noisy release or when even all personas together hold
    ///   fewer than `minGroupSize` clients.
    public static func counts(of labels: [String?], order: [String], minGroupSize: Int, epsilon: Double?) -> [PersonaCount]? {
        guard epsilon == nil else { return nil }
        var counts: [String: Int] = [:]
        for case let label? in labels { counts[label, default: 0] += 1 }
        let known = Set(order)
        let ordered = order.filter { counts[$0] != nil } + counts.keys.filter { !known.contains($0) }.sorted()
        return fold(counts, ordered: ordered, k: max(1, minGroupSize))
    }

    /// Published persona counts narrowed to a larger `k` (for example by a stricter report
    /// policy), with the same folding and complementary suppression.
    ///
    /// - Parameters:
    ///   - published: counts as a release published them (possibly with an ``otherLabel`` row).
    ///   - minGroupSize: the new k.
    /// - Returns: the counts in their published order, or `nil` when none may be shown.
    public static func counts(of published: [PersonaCount], minGroupSize: Int) -> [PersonaCount]? {
        var counts: [String: Int] = [:]
        for row in published { counts[row.label, default: 0] += row.clients }
        var ordered: [String] = []
        for row in published where !ordered.contains(row.label) && row.label != otherLabel { ordered.append(row.label) }
        if counts[otherLabel] != nil { ordered.append(otherLabel) }
        return fold(counts, ordered: ordered, k: max(1, minGroupSize))
    }

    private static func fold(_ counts: [String: Int], ordered: [String], k: Int) -> [PersonaCount]? {
        let candidates = ordered.filter { counts[$0, default: 0] >= k && $0 != otherLabel }
        let small = ordered.filter { counts[$0, default: 0] < k || $0 == otherLabel }.reduce(0) { $0 + counts[$1, default: 0] }
        // Complementary suppression by the release's differencing guard (one mechanism for every
        // release): the persona rows sum to the labelled total, so a lone small "other" row would
        // be exactly the withheld personas' total; the guard withholds the smallest rows until the
        // rest is 0 or at least k.
        let published = DifferencingGuard.publishableParts(candidates.map { ($0, counts[$0, default: 0]) }, outside: small, k: k)
        let released = candidates.filter(published.contains)
        let other = counts.values.reduce(0, +) - released.reduce(0) { $0 + counts[$1, default: 0] }
        if other > 0 && other < k { return nil }
        var result = released.map { PersonaCount(label: $0, clients: counts[$0, default: 0]) }
        if other > 0 { result.append(PersonaCount(label: otherLabel, clients: other)) }
        return result.isEmpty ? nil : result
    }
}
