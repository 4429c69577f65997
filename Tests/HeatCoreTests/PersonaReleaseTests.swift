import Testing
@testable import HeatCore

/// Persona counts partition the population: the release must not let anyone recover a persona
/// under k as the population minus the published counts (issue 18 review finding).
@Suite struct PersonaReleaseTests {
    static func labels(_ counts: [(String, Int)]) -> [String?] {
        counts.flatMap { label, count in [String?](repeating: label, count: count) }
    }

    @Test func personasOfAtLeastKArePublishedInRuleOrder() throws {
        let labels = Self.labels([("Cooling", 7), ("Loyal core", 12), ("Dormant", 5)]) + [nil, nil]
        let counts = try #require(PersonaRelease.counts(
            of: labels, order: ["Loyal core", "Rising", "Cooling", "Dormant"], minGroupSize: 5, epsilon: nil))
        #expect(counts == [
            PersonaCount(label: "Loyal core", clients: 12), PersonaCount(label: "Cooling", clients: 7),
            PersonaCount(label: "Dormant", clients: 5),
        ])
    }

    @Test func aPersonaUnderKCannotBeRecoveredFromThePopulation() throws {
        // "Rising" has 3 clients (< k = 5). Publishing the others alone would reveal it as 30 - 27.
        let labels = Self.labels([("Loyal core", 12), ("Rising", 3), ("Cooling", 9), ("Dormant", 6)])
        let counts = try #require(PersonaRelease.counts(
            of: labels, order: ["Loyal core", "Rising", "Cooling", "Dormant"], minGroupSize: 5, epsilon: nil))
        #expect(counts.allSatisfy { $0.clients >= 5 })
        #expect(counts.reduce(0) { $0 + $1.clients } == 30)
        #expect(!counts.contains { $0.label == "Rising" })
        // The smallest published persona (Dormant, 6) is folded in with Rising, so the other row is
        // 9 and neither member can be told apart.
        #expect(counts.last == PersonaCount(label: PersonaRelease.otherLabel, clients: 9))
        #expect(!counts.contains { $0.label == "Dormant" })
    }

    @Test func smallPersonasThatTogetherReachKFormOneRow() throws {
        let labels = Self.labels([("Loyal core", 20), ("Rising", 3), ("New", 2)])
        let counts = try #require(PersonaRelease.counts(
            of: labels, order: ["Loyal core", "Rising", "New"], minGroupSize: 5, epsilon: nil))
        #expect(counts == [
            PersonaCount(label: "Loyal core", clients: 20), PersonaCount(label: PersonaRelease.otherLabel, clients: 5),
        ])
    }

    @Test func noisyReleasesAndTinyPopulationsPublishNoPersonas() {
        let labels = Self.labels([("Loyal core", 20), ("Cooling", 10)])
        #expect(PersonaRelease.counts(of: labels, order: ["Loyal core", "Cooling"], minGroupSize: 5, epsilon: 1) == nil)
        #expect(PersonaRelease.counts(of: Self.labels([("Loyal core", 2), ("Cooling", 1)]),
                                      order: ["Loyal core", "Cooling"], minGroupSize: 5, epsilon: nil) == nil)
    }

    @Test func aStricterKFoldsPublishedCountsAgain() throws {
        let published = [
            PersonaCount(label: "Loyal core", clients: 20), PersonaCount(label: "Cooling", clients: 7),
            PersonaCount(label: PersonaRelease.otherLabel, clients: 6),
        ]
        let counts = try #require(PersonaRelease.counts(of: published, minGroupSize: 10))
        #expect(counts == [PersonaCount(label: "Loyal core", clients: 20), PersonaCount(label: PersonaRelease.otherLabel, clients: 13)])
    }
}
