import Foundation
import HeatEnvelope
import HeatML
import Testing
@testable import HeatCore

/// Issue 19 follow-up: the population view goes through the release's differencing guard and
/// release ledger (one mechanism), and branch labels from a scores file are masked or refused.
struct RiskPortfolioDifferencingTests {
    static let policy = RiskPortfolioTests.policy
    static let k = RiskPortfolioTests.policy.minGroupSize

    /// (region, branch, clients, of which High) -> clients with ids `region/branch/i`.
    static func clients(_ spec: [(String, String, Int, Int)], idPrefix: String = "") -> [PortfolioClient] {
        spec.flatMap { region, branch, n, high in
            (0..<n).map { i in
                PortfolioClient(groups: [.region: region, .branch: branch], score: i < high ? 85 : 15, band: i < high ? .high : .low,
                                id: "\(idPrefix)\(region)/\(branch)/\(i)")
            }
        }
    }

    /// The attacker knows who belongs to which group (not their scores) and subtracts every
    /// released group of one kind that lies inside a released group of another: no difference
    /// may count between 1 and k - 1 clients, and no withheld group's High count may come out.
    static func attack(_ section: RiskPortfolioSection, clients: [PortfolioClient]) -> [String] {
        func members(_ kind: GroupSummary.Kind?, _ ref: String) -> Set<Int> {
            Set(clients.indices.filter { kind == nil || clients[$0].groups[kind!] == ref })
        }
        var released: [(name: String, members: Set<Int>, kind: String, high: Int)] = section.groups.map {
            ("\($0.kind.rawValue) \($0.ref)", members($0.kind, $0.ref), $0.kind.rawValue, $0.bands["High"] ?? 0)
        }
        if let total = section.clients, let bands = section.bands {
            released.append(("population", Set(clients.indices), "population", bands["High"] ?? 0))
            #expect(total == clients.count)
        }
        var leaks: [String] = []
        for outer in released {
            for kind in Set(released.map { $0.kind }) where kind != outer.kind {
                let inside = released.filter { $0.kind == kind && $0.members.isSubset(of: outer.members) && $0.members.count < outer.members.count }
                guard !inside.isEmpty else { continue }
                let left = outer.members.count - inside.reduce(0) { $0 + $1.members.count }
                if left > 0 && left < k {
                    leaks.append("\(outer.name) minus its \(kind) groups leaves \(left) clients (\(outer.high - inside.reduce(0) { $0 + $1.high }) High)")
                }
            }
        }
        return leaks
    }

    /// A region total minus its released branches would isolate the small branch (3 clients, all
    /// High). The guard withholds the regions; the branches of k and more are released.
    @Test func aRegionMinusItsBranchesNeverIsolatesASmallBranch() throws {
        let clients = Self.clients([
            ("North", "B-00000001", 10, 2), ("North", "B-00000002", 10, 2), ("North", "B-00000003", 3, 3),
            ("South", "B-00000004", 10, 1), ("South", "B-00000005", 10, 1), ("South", "B-00000006", 3, 3),
        ])
        let section = try RiskPortfolioRelease(policy: Self.policy).release(clients, role: "executive", kinds: [.branch, .region], source: "t")
        #expect(Self.attack(section, clients: clients).isEmpty, "\(Self.attack(section, clients: clients))")
        #expect(section.groups.filter { $0.kind == .branch }.map(\.ref) == ["B-00000001", "B-00000002", "B-00000004", "B-00000005"])
        #expect(section.groups.filter { $0.kind == .region }.isEmpty)
        #expect(section.withheld.filter { $0.rule == "differencing" }.count == 2)
        // Withholdings never name the withheld group or the size subtraction would isolate.
        #expect(section.withheld.allSatisfy { !$0.reason.contains("North") && !$0.reason.contains("3 client") && !$0.item.contains("B-0") })
        // The same data in the other order (regions first) is just as safe.
        let reversed = try RiskPortfolioRelease(policy: Self.policy).release(clients, role: "executive", kinds: [.region, .branch], source: "t")
        #expect(Self.attack(reversed, clients: clients).isEmpty, "\(Self.attack(reversed, clients: clients))")
    }

    /// A release recorded earlier (the ledger's history) is part of the check: the same branch one
    /// client larger next month would reveal that client by subtraction.
    @Test func aGroupThatGrewByOneClientSinceTheLastReleaseIsWithheld() throws {
        let release = RiskPortfolioRelease(policy: Self.policy)
        let march = Self.clients([("North", "B-00000001", 10, 2), ("North", "B-00000002", 12, 2)])
        let first = try release.outcome(march, role: "executive", kinds: [.branch], source: "march")
        #expect(first.section.groups.count == 2 && first.groups.count == 3)
        var april = march
        april.append(PortfolioClient(groups: [.region: "North", .branch: "B-00000001"], score: 90, band: .high, id: "newcomer"))
        let second = try release.release(april, role: "executive", kinds: [.branch], source: "april", history: first.groups)
        #expect(!second.groups.contains { $0.ref == "B-00000001" })
        #expect(second.withheld.contains { $0.rule == "differencing" })
        #expect(second.clients == nil, "the totals also differ from March's by one client")
        // Without the history the same release would publish the branch.
        let fresh = try release.release(april, role: "executive", kinds: [.branch], source: "april")
        #expect(fresh.groups.contains { $0.ref == "B-00000001" })
        // A policy that refuses instead of suppressing: exit 77 naming the rule.
        var strict = Self.policy
        strict.differencing = .refuse
        let refusal = #expect(throws: PolicyRefusal.self) {
            try RiskPortfolioRelease(policy: strict).release(april, role: "executive", kinds: [.branch], source: "april", history: first.groups)
        }
        #expect(refusal?.rule == "differencing" && refusal?.category.exitCode == 77)
    }

    /// The store route: history read from and groups recorded in the release ledger, with an
    /// audit entry per release.
    @Test func releasesAreRecordedInTheStoresLedger() throws {
        let (store, directory) = try StoreTestSupport.makeStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        let release = RiskPortfolioRelease(policy: Self.policy)
        let march = Self.clients([("North", "B-00000001", 10, 2), ("North", "B-00000002", 12, 2)])
        let first = try release.release(march, role: "executive", kinds: [.branch], source: "march", in: store)
        #expect(first.outcome.section.groups.count == 2)
        let history = try store.read { db in try ReleaseLedger.history(role: "executive", in: db) }
        #expect(history.count == 3)
        var april = march
        april.append(PortfolioClient(groups: [.branch: "B-00000002"], score: 90, band: .high, id: "newcomer"))
        let second = try release.release(april, role: "executive", kinds: [.branch], source: "april", in: store)
        #expect(second.outcome.section.groups.map(\.ref) == ["B-00000001"])
        let entries = try AuditLog.entries(in: store, action: AuditAction.release)
        #expect(entries.count == 2 && entries.allSatisfy { $0.parameters["view"] == "riskPortfolio" })
        #expect(entries.last?.parameters["groupsDigest"] == ReleaseLedger.digest(second.outcome.groups))
        // Another role has its own history.
        let manager = try release.release(april, role: "manager", kinds: [.branch], source: "april", in: store)
        #expect(manager.outcome.section.groups.count == 2)
        // A refusal is recorded too.
        #expect(throws: PolicyRefusal.self) { try release.release(april, role: "auditor", source: "april", in: store) }
        #expect(try AuditLog.entries(in: store, action: AuditAction.releaseRefused).count == 1)
    }

    /// Persona counts use the same guard: the rows sum to the total, so no lone row under k.
    @Test func personaCountsAndCountOnlyNarrowingUseTheSameGuard() throws {
        let labels: [String?] = Array(repeating: "A", count: 20) + Array(repeating: "B", count: 7) + Array(repeating: "C", count: 2)
        let counts = try #require(PersonaRelease.counts(of: labels, order: ["A", "B", "C"], minGroupSize: 5, epsilon: nil))
        // C (2) alone would be 29 - 20 - 7: B is folded into the other row with it.
        #expect(counts == [PersonaCount(label: "A", clients: 20), PersonaCount(label: PersonaRelease.otherLabel, clients: 9)])
        let parts = DifferencingGuard.publishableParts([("x", 10), ("y", 10), ("z", 6)], outside: 2, k: 5)
        #expect(parts == ["x", "y"])
        #expect(DifferencingGuard.publishableParts([("x", 10)], outside: 0, k: 5) == ["x"])
    }

    // MARK: Branch labels

    static func table(_ text: String) throws -> DataTable {
        try DataTable(csv: Array(text.utf8), source: "/tmp/scores.csv")
    }

    @Test func rawBranchLabelsAreRefusedWithoutQuotingThemOrMaskedWithTheKey() throws {
        let csv = "client_id,branch,risk_score,risk_band\nc1,B-3c1f0a2b,80,High\nc2,BRANCH-NORTH-9,20,Low\n"
        let reader = PortfolioScoresReader(mapping: [(.branch, "branch")], idColumn: "client_id")
        let error = #expect(throws: RiskError.self) { try reader.clients(try Self.table(csv)) }
        #expect(error == .unmaskedLabel(file: "scores.csv", line: 3, column: "branch"))
        #expect(error?.category.exitCode == 65)
        #expect(error.map { !"\($0)".contains("NORTH") && "\($0)".contains("line 3") } == true)
        // With the collector's key the raw label is masked; a masked label is kept.
        let pseudonymizer = Pseudonymizer(key: .insecureDerived(from: "portfolio-test"))
        var masking = reader
        masking.pseudonymizer = pseudonymizer
        let rows = try masking.clients(try Self.table(csv))
        #expect(rows[0].groups[.branch] == "B-3c1f0a2b")
        #expect(rows[1].groups[.branch] == pseudonymizer.pseudonym(for: "BRANCH-NORTH-9", kind: .branch).displayRef)
        #expect(rows[1].id == pseudonymizer.pseudonym(for: "c2", kind: .client).hex)
        #expect(PortfolioScoresReader.isMaskedBranchRef("B-0123abcd") && !PortfolioScoresReader.isMaskedBranchRef("B-0123ABCD")
                && !PortfolioScoresReader.isMaskedBranchRef("B-0123abc") && !PortfolioScoresReader.isMaskedBranchRef("M-0123abcd"))
        // Duplicate and empty ids are refused without quoting them.
        let duplicate = #expect(throws: RiskError.self) {
            try reader.clients(try Self.table("client_id,branch,risk_score,risk_band\nc1,B-3c1f0a2b,80,High\nc1,B-3c1f0a2b,20,Low\n"))
        }
        #expect(duplicate == .duplicateClient(file: "scores.csv", line: 3, column: "client_id"))
        let empty = #expect(throws: RiskError.self) {
            try reader.clients(try Self.table("client_id,branch,risk_score,risk_band\n,B-3c1f0a2b,80,High\n"))
        }
        #expect(empty == .missingClient(file: "scores.csv", line: 2, column: "client_id"))
        // A score outside 0-100 is a bad cell.
        #expect(throws: HeatMLError.self) { try reader.clients(try Self.table("client_id,branch,risk_score,risk_band\nc1,B-3c1f0a2b,180,High\n")) }
    }
}
