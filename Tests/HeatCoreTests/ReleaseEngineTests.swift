import Foundation
import Testing
@testable import HeatCore

/// A seeded generator for tests only (SplitMix64); production noise comes from the system CSPRNG.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Every rule of the release engine refusing or withholding what it should.
@Suite struct ReleaseEngineTests {
    static let now = UTCTimestamp(secondsSinceEpoch: 1_780_000_000)
    static let asOf = CalendarDate(year: 2026, month: 3, day: 1)!

    static func client(_ n: Int, manager: String = "M-aaaa0001", branch: String = "B-bbbb0001", segment: String? = "retail",
                       region: String? = nil, heat: Int = 100, cooling: Bool = false) -> ReleaseClient {
        var groups: [GroupSummary.Kind: String] = [.manager: manager, .branch: branch]
        groups[.segment] = segment
        groups[.region] = region
        return ReleaseClient(id: String(format: "%064x", n), ref: String(format: "C-%08x", n), heat: heat, trend: n % 7 - 3,
                             level: heat > 150 ? .warm : .cold, cooling: cooling, groups: groups)
    }

    static func input(_ clients: [ReleaseClient], model: ModelSection? = nil) -> ReleaseInput {
        ReleaseInput(clients: clients, asOf: asOf, configuration: HeatConfiguration(), model: model)
    }

    static let policy = PrivacyPolicy.default

    static func release(
        _ clients: [ReleaseClient], _ request: ReleaseRequest, policy: PrivacyPolicy = policy, history: [ReleasedGroup] = [],
        spent: Double = 0, model: ModelSection? = nil, seed: UInt64 = 1
    ) throws(PolicyRefusal) -> ReleaseOutcome {
        var generator = SeededGenerator(seed: seed)
        return try ReleaseEngine(policy: policy).release(
            input(clients, model: model), request: request, history: history, spentThisMonth: spent, generatedAt: now,
            using: &generator)
    }

    @Test func groupsOfKMinusOneAreWithheldAndOfKReleased() throws {
        let clients = (0..<4).map { Self.client($0, manager: "M-small000", segment: nil) }
            + (4..<9).map { Self.client($0, manager: "M-exactk00", segment: nil, heat: 100 + $0) }
            + (9..<30).map { Self.client($0, manager: "M-large000", segment: nil) }
        let outcome = try Self.release(clients, ReleaseRequest(role: "executive", sections: [.groups]), policy: Self.only([.manager]))
        let managers = (outcome.document.groups ?? []).filter { $0.kind == .manager }
        #expect(managers.map(\.ref) == ["M-exactk00", "M-large000"])
        #expect(managers.first?.clients == 5)
        #expect(managers.first?.meanHeat == Double((4..<9).map { 100 + $0 }.reduce(0, +)) / 5)
        #expect(outcome.withheld.contains { $0.item == "manager M-small000" && $0.rule == "minGroupSize" })
        // A population under k releases no aggregate at all.
        let tiny = try Self.release(Array(clients.prefix(4)), ReleaseRequest(role: "executive"))
        #expect(tiny.document.population == nil && tiny.document.groups == nil && tiny.document.heatHistogram == nil)
        #expect(tiny.withheld.contains { $0.rule == "minGroupSize" && $0.item == "aggregates" })
    }

    @Test func managerGetsOnlyTheirOwnClients() throws {
        let clients = (0..<6).map { Self.client($0, manager: "M-aaaa0001") } + (6..<12).map { Self.client($0, manager: "M-bbbb0002") }
        let own = try Self.release(clients, ReleaseRequest(role: "manager", manager: "M-aaaa0001"))
        #expect(own.document.clients?.map(\.ref) == (0..<6).map { String(format: "C-%08x", $0) })
        // Issue 21: the document records whose own clients it holds (the API server serves it by this field).
        #expect(own.document.manager == "M-aaaa0001")
        #expect(throws: PolicyRefusal(rule: "roles.manager.clients", reason: "a manager may receive only their own clients, not those of another manager")) {
            try Self.release(clients, ReleaseRequest(role: "manager", manager: "M-aaaa0001", clientsOf: "M-bbbb0002"))
        }
        do {
            _ = try Self.release(clients, ReleaseRequest(role: "manager"))
            Issue.record("a manager role without --manager received clients")
        } catch {
            #expect(error.rule == "roles.manager.clients")
        }
        // Roles without client access get none, and asking is refused.
        let executive = try Self.release(clients, ReleaseRequest(role: "executive"))
        #expect(executive.document.clients == nil)
        #expect(executive.document.manager == nil)
        #expect(throws: PolicyRefusal.self) { try Self.release(clients, ReleaseRequest(role: "executive", clientsOf: "M-aaaa0001")) }
        #expect(throws: PolicyRefusal.self) { try Self.release(clients, ReleaseRequest(role: "intern")) }
    }

    @Test func roleWithoutModelAccess() throws {
        let clients = (0..<10).map { Self.client($0) }
        let model = ModelSection(kind: "logistic", metrics: ["rocAuc": 0.8])
        let manager = try Self.release(clients, ReleaseRequest(role: "manager", manager: "M-aaaa0001"), model: model)
        #expect(manager.document.model == nil)
        #expect(manager.withheld.contains { $0.item == "model" && $0.rule == "roles.manager.model" })
        do {
            _ = try Self.release(clients, ReleaseRequest(role: "manager", manager: "M-aaaa0001", sections: [.model]), model: model)
            Issue.record("model released to a role without model access")
        } catch {
            #expect(error.rule == "roles.manager.model")
            #expect(error.category.exitCode == 77)
        }
        let executive = try Self.release(clients, ReleaseRequest(role: "executive"), model: model)
        #expect(executive.document.model == model)
        // The auditor (default-deny) receives nothing at all.
        let auditor = try Self.release(clients, ReleaseRequest(role: "auditor"), model: model)
        #expect(ReleaseEngine.sectionNames(of: auditor.document).isEmpty)
    }

    @Test func budgetAndEpsilonRules() throws {
        let clients = (0..<400).map { Self.client($0, heat: 100 + $0 % 50) }
        let policy = Self.clipped(200)
        do {
            _ = try Self.release(clients, ReleaseRequest(role: "analyst", epsilon: 1), policy: policy, spent: 9.5)
            Issue.record("released beyond the monthly budget")
        } catch {
            #expect(error.rule == "roles.analyst.dp.monthlyBudget")
        }
        let within = try Self.release(clients, ReleaseRequest(role: "analyst", epsilon: 1), policy: policy, spent: 9)
        #expect(within.epsilon == 1)
        do {
            _ = try Self.release(clients, ReleaseRequest(role: "analyst", epsilon: 3), policy: policy)
            Issue.record("accepted an epsilon above the maximum")
        } catch {
            #expect(error.rule == "roles.analyst.dp.maxEpsilon")
        }
        do {
            _ = try Self.release(clients, ReleaseRequest(role: "manager", manager: "M-aaaa0001", epsilon: 1))
            Issue.record("noise for a role without a budget")
        } catch {
            #expect(error.rule == "roles.manager.dp")
        }
        // The analyst's default epsilon applies without --epsilon (noise is required for the role).
        #expect(try Self.release(clients, ReleaseRequest(role: "analyst"), policy: policy).epsilon == 1)
        var required = policy
        required.roles["analyst"]?.budget?.defaultEpsilon = nil
        do {
            _ = try Self.release(clients, ReleaseRequest(role: "analyst"), policy: required)
            Issue.record("an exact release to a role that requires noise")
        } catch {
            #expect(error.rule == "roles.analyst.dp.required")
        }
        // An epsilon whose expected noise drowns the values is refused.
        do {
            _ = try Self.release(Array(clients.prefix(20)), ReleaseRequest(role: "executive", epsilon: 0.01))
            Issue.record("accepted an epsilon whose noise exceeds the configured share")
        } catch {
            #expect(error.rule == "dp.maxNoiseShare")
        }
    }

    @Test func histogramBinsUnderKAreMergedAndTheTailHidesTheMaximum() throws {
        // 200 clients spread over 0..<1000 plus one very hot client: the builder's open tail bin holds one client.
        var clients = (0..<200).map { Self.client($0, heat: ($0 * 37) % 1000) }
        clients.append(Self.client(999, heat: 54_321))
        clients.append(Self.client(998, heat: 3))
        let outcome = try Self.release(clients, ReleaseRequest(role: "executive"))
        let bins = try #require(outcome.document.heatHistogram)
        let plain = ResultsBuilder(configuration: HeatConfiguration(), pseudonymizer: Pseudonymizer(key: .insecureDerived(from: "t")))
            .histogram(clients.map { HeatScore(clientID: $0.ref, heat: $0.heat, trend: 0, level: .cold, cooling: false) })
        #expect(plain.contains { $0.clients > 0 && $0.clients < 5 }, "the fixture must have a bin under k")
        #expect(plain.last?.to == 54_322)
        #expect(bins.allSatisfy { $0.clients == 0 || $0.clients >= 5 })
        #expect(bins.reduce(0) { $0 + $1.clients } == clients.count)
        #expect(bins.last?.to == HeatConfiguration().maximumHeat + 1)
        #expect(!bins.contains { $0.to == 54_322 || $0.from == 54_321 })
        for (a, b) in zip(bins, bins.dropFirst()) { #expect(a.to == b.from) }
        #expect(ReleaseEngine.mergeSmallBins([HistogramBin(from: 0, to: 10, clients: 3)], k: 5).isEmpty)
        #expect(ReleaseEngine.mergeSmallBins(
            [HistogramBin(from: 0, to: 10, clients: 6), HistogramBin(from: 10, to: 20, clients: 2), HistogramBin(from: 20, to: 30, clients: 0)], k: 5)
            == [HistogramBin(from: 0, to: 30, clients: 8)])
    }

    // MARK: Differencing

    @Test func groupShrinkingFromKPlusOneToKIsWithheld() throws {
        let six = (0..<6).map { Self.client($0, segment: nil) }
        let policy = Self.only([.manager])
        let first = try Self.release(six + (10..<40).map { Self.client($0, manager: "M-other000", branch: "B-other000", segment: nil) },
                                     ReleaseRequest(role: "executive", sections: [.groups]), policy: policy)
        #expect(first.document.groups?.contains { $0.ref == "M-aaaa0001" } == true)
        let second = try Self.release(Array(six.prefix(5)) + (10..<40).map { Self.client($0, manager: "M-other000", branch: "B-other000", segment: nil) },
                                      ReleaseRequest(role: "executive", sections: [.groups]), policy: policy, history: first.groups)
        #expect(second.document.groups?.contains { $0.ref == "M-aaaa0001" } == false)
        #expect(second.withheld.contains { $0.item == "manager M-aaaa0001" && $0.rule == "differencing" })
        // Refuse mode refuses the release instead.
        var strict = policy
        strict.differencing = .refuse
        #expect(throws: PolicyRefusal.self) {
            try Self.release(Array(six.prefix(5)), ReleaseRequest(role: "executive", sections: [.groups]), policy: strict, history: first.groups)
        }
        // With noise the same release goes through (differencing is what DP protects against).
        let noisy = try Self.release(Array(six.prefix(5)) + (10..<400).map { Self.client($0, manager: "M-other000", branch: "B-other000", segment: nil) },
                                     ReleaseRequest(role: "executive", epsilon: 2, sections: [.groups]), policy: policy, history: first.groups)
        #expect(!noisy.withheld.contains { $0.rule == "differencing" })
        // Re-releasing identical groups is fine.
        let again = try Self.release(six + (10..<40).map { Self.client($0, manager: "M-other000", branch: "B-other000", segment: nil) },
                                     ReleaseRequest(role: "executive", sections: [.groups]), policy: policy, history: first.groups)
        #expect(again.withheld.isEmpty)
    }

    @Test func branchMinusItsManagersIsWithheld() throws {
        // Branch B = M1 (6) + M2 (6) + M3 (2, under k): releasing B next to M1 and M2 isolates M3's 2 clients.
        let clients = (0..<6).map { Self.client($0, manager: "M-1", branch: "B-1", segment: nil) }
            + (6..<12).map { Self.client($0, manager: "M-2", branch: "B-1", segment: nil) }
            + (12..<14).map { Self.client($0, manager: "M-3", branch: "B-1", segment: nil) }
            + (20..<40).map { Self.client($0, manager: "M-9", branch: "B-9", segment: nil) }
        let outcome = try Self.release(clients, ReleaseRequest(role: "executive", sections: [.groups]))
        let refs = (outcome.document.groups ?? []).map { "\($0.kind.rawValue) \($0.ref)" }
        #expect(refs.contains("manager M-1") && refs.contains("manager M-2"))
        #expect(!refs.contains("branch B-1"))
        #expect(outcome.withheld.contains { $0.item == "branch B-1" && $0.rule == "differencing" })
        // Across releases: the branch released first, its managers later.
        let branchOnly = try Self.release(clients, ReleaseRequest(role: "executive", sections: [.groups]),
                                          policy: Self.only([.branch]))
        #expect(branchOnly.document.groups?.map(\.ref) == ["B-1", "B-9"])
        let managersLater = try Self.release(clients, ReleaseRequest(role: "executive", sections: [.groups]),
                                             policy: Self.only([.manager]), history: branchOnly.groups)
        let later = (managersLater.document.groups ?? []).map(\.ref)
        #expect(later.contains("M-1") && !later.contains("M-2"), "the second manager would leave 2 clients of B-1 uncovered")
    }

    @Test func regionEqualToABranchPlusOneClientIsWithheld() throws {
        let clients = (0..<8).map { Self.client($0, manager: "M-\($0 % 2)", branch: "B-1", segment: nil, region: "North") }
            + [Self.client(8, manager: "M-9", branch: "B-2", segment: nil, region: "North")]
            + (9..<20).map { Self.client($0, manager: "M-9", branch: "B-2", segment: nil, region: "South") }
        let outcome = try Self.release(clients, ReleaseRequest(role: "executive", sections: [.groups]), policy: Self.only([.branch, .region]))
        let refs = (outcome.document.groups ?? []).map { "\($0.kind.rawValue) \($0.ref)" }
        #expect(refs.contains("branch B-1"))
        #expect(!refs.contains("region North"))
        #expect(outcome.withheld.contains { $0.item == "region North" && $0.rule == "differencing" })
    }

    @Test func groupKindsWithIdenticalMembersAreReleasedOnce() throws {
        let clients = (0..<10).map { Self.client($0, manager: "M-\($0 % 2)", branch: "B-1", segment: "retail", region: "North") }
            + (10..<20).map { Self.client($0, manager: "M-\($0 % 2)", branch: "B-2", segment: "private", region: "South") }
        let outcome = try Self.release(clients, ReleaseRequest(role: "executive", sections: [.groups]),
                                       policy: Self.only([.branch, .segment, .region]))
        #expect((outcome.document.groups ?? []).map(\.kind) == [.branch, .branch])
        #expect(outcome.withheld.filter { $0.rule == "differencing.identical" }.count == 4)
    }

    // MARK: Exactness and noise

    @Test func noiseFreeReleaseEqualsThePlaintextComputation() throws {
        let dataset = SyntheticBank(clients: 300, managers: 8, branches: 3, weeks: 20, seed: 3).generate()
        let configuration = HeatConfiguration()
        let run = try PlaintextHeatRun(interactions: dataset.interactions, clients: dataset.clients, configuration: configuration)
        let pseudonymizer = Pseudonymizer(key: .insecureDerived(from: "demo"))
        let builder = ResultsBuilder(configuration: configuration, pseudonymizer: pseudonymizer)
        let directory = Dictionary(uniqueKeysWithValues: dataset.clients.map { ($0.clientID, $0) })
        let plain = builder.build(scores: run.scores, ledger: run.ledger, directory: directory, asOf: run.asOf, generatedAt: Self.now)
        let refs = Dictionary(uniqueKeysWithValues: (plain.groups ?? []).map { ("\($0.kind.rawValue):\($0.ref)", $0) })
        func ref(_ id: String, _ kind: Pseudonym.Kind) -> String { pseudonymizer.pseudonym(for: id, kind: kind).displayRef }
        let clients = run.scores.map { score in
            let client = directory[score.clientID]
            var groups: [GroupSummary.Kind: String] = [:]
            groups[.manager] = client.map { ref($0.managerID, .manager) }
            groups[.branch] = client.map { ref($0.branch, .branch) }
            groups[.segment] = client?.segment
            groups[.region] = client?.region
            return ReleaseClient(id: ref(score.clientID, .client), ref: ref(score.clientID, .client), heat: score.heat,
                                 trend: score.trend, level: score.level, cooling: score.cooling, groups: groups)
        }
        var input = ReleaseInput(clients: clients, asOf: run.asOf, configuration: configuration, weekly: plain.weekly)
        input.histogramBins = builder.histogramBins
        var generator = SeededGenerator(seed: 9)
        let released = try ReleaseEngine(policy: Self.policy).release(
            input, request: ReleaseRequest(role: "executive"), generatedAt: Self.now, using: &generator)
        #expect(released.document.population == plain.population)
        #expect(released.document.weekly == plain.weekly)
        #expect(released.document.policy.epsilon == nil)
        let groups = try #require(released.document.groups)
        #expect(groups.count >= 8)
        for group in groups { #expect(refs["\(group.kind.rawValue):\(group.ref)"] == group) }
        for group in plain.groups ?? [] where !groups.contains(group) {
            #expect(released.withheld.contains { $0.item == "\(group.kind.rawValue) \(group.ref)" })
        }
        // The histogram is the plaintext one with bins under k merged and the open edge made public.
        let bins = try #require(released.document.heatHistogram)
        var expected = ReleaseEngine.mergeSmallBins(plain.heatHistogram ?? [], k: 5)
        expected[expected.count - 1].to = configuration.maximumHeat + 1
        #expect(bins == expected)
    }

    @Test func noisyReleaseRecordsTheMechanismAndDiffersFromExact() throws {
        let clients = (0..<2_000).map { Self.client($0, manager: "M-\($0 % 10)", branch: "B-\($0 % 3)", segment: nil, heat: 50 + $0 % 900, cooling: $0 % 4 == 0) }
        let policy = Self.clipped(1_000)
        let exact = try Self.release(clients, ReleaseRequest(role: "executive"), policy: policy)
        let a = try Self.release(clients, ReleaseRequest(role: "executive", epsilon: 1), policy: policy, seed: 1)
        let b = try Self.release(clients, ReleaseRequest(role: "executive", epsilon: 1), policy: policy, seed: 2)
        #expect(a.document.policy.epsilon == 1)
        #expect(a.document.policy.mechanism == "two-sided-geometric")
        #expect(a.document.policy.heatClip == 1_000)
        #expect(a.document.groups?.count == 13, "10 managers and 3 branches, noisy")
        let scale = try #require(a.document.policy.noiseScale)
        // population (4) + histogram (1) + manager and branch (3 each) noisy query families.
        #expect(abs(scale - 11) < 1e-9)
        #expect(a.document.population != exact.document.population)
        #expect(a.document.population != b.document.population)
        let population = try #require(a.document.population)
        #expect(abs(population.clients - 2_000) < 200)
        #expect(abs(population.meanHeat - exact.document.population!.meanHeat) < 60)
        #expect(a.document.weekly == nil && a.document.model == nil)
    }
}

extension ReleaseEngineTests {
    /// The built-in policy with the executive allowed only `kinds`.
    static func only(_ kinds: Set<GroupSummary.Kind>) -> PrivacyPolicy {
        var policy = Self.policy
        policy.roles["executive"]?.groups = kinds
        return policy
    }

    /// The built-in policy with heat clipped at `clip`.
    static func clipped(_ clip: Int) -> PrivacyPolicy {
        var policy = Self.policy
        policy.privacy.heatClip = clip
        return policy
    }
}
