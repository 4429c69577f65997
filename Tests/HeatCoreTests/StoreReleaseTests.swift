import Crypto
import Foundation
import GRDB
import HeatEnvelope
import Testing
@testable import HeatCore

/// Releases from a store: every release and refusal in the audit log, the monthly budget enforced
/// across releases, the differencing history kept in `release_groups`.
@Suite struct StoreReleaseTests {
    static let march = try! UTCTimestamp(iso8601: "2026-03-10T12:00:00Z")
    static let april = try! UTCTimestamp(iso8601: "2026-04-01T00:00:01Z")

    /// A store with a synthetic bank ingested (60 clients, 4 managers, 2 branches).
    static func ingestedStore() throws -> (HeatStore, URL) {
        let (store, directory) = try StoreTestSupport.makeStore()
        let dataset = SyntheticBank(clients: 60, managers: 4, branches: 2, weeks: 12, seed: 4).generate()
        _ = try StoreIngestor(key: .insecureDerived(from: "store-release-tests")).ingest(
            dataset.interactions, clients: dataset.clients, into: store, source: .init(name: "bank.csv", inputHash: ""))
        return (store, directory)
    }

    static func input(_ count: Int, manager: (Int) -> String = { "M-\($0 % 4)" }) -> ReleaseInput {
        ReleaseInput(clients: (0..<count).map {
            ReleaseEngineTests.client($0, manager: manager($0), branch: "B-\($0 % 2)", segment: nil, heat: 100 + $0 % 50)
        }, asOf: ReleaseEngineTests.asOf, configuration: HeatConfiguration())
    }

    @Test func releaseFromTheStoreIsLoggedWithTheOutputHash() throws {
        let (store, directory) = try Self.ingestedStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = try StoreRelease.input(from: store)
        #expect(input.clients.count == 60)
        #expect(input.clients.allSatisfy { $0.groups[.manager]?.hasPrefix("M-") == true && $0.groups[.segment] != nil })
        let policy = PrivacyPolicy.default
        let released = try StoreRelease.release(input, in: store, policy: policy, request: ReleaseRequest(role: "executive"), now: Self.march)
        let document = try ResultsDocument.decode(released.data)
        #expect(document == released.outcome.document)
        #expect(document.role == "executive" && document.policy.hash == policy.hash)
        #expect(document.auditRun == String(released.auditSeq))
        #expect(document.clients == nil)
        let entry = try #require(try AuditLog.entries(in: store, action: AuditAction.release).last)
        #expect(entry.seq == released.auditSeq)
        #expect(entry.outputHash == Hex.encode(Array(SHA256.hash(data: released.data))))
        #expect(entry.parameters["releasedTo"] == "executive")
        #expect(entry.parameters["policyHash"] == policy.hash)
        #expect(entry.parameters["epsilon"] == "none")
        #expect(entry.inputHash == input.digest)
        // The groups' membership tags are stored and digested in the entry.
        let history = try store.read { db in try ReleaseLedger.history(role: "executive", in: db) }
        #expect(history.count == released.outcome.groups.count)
        #expect(entry.parameters["groupsDigest"] == ReleaseLedger.digest(history))
        #expect(try StoreTestSupport.chainViolations(store).isEmpty)
        #expect(throws: (any Error).self) {
            try store.write { db in try db.execute(sql: "DELETE FROM release_groups") }
        }
    }

    @Test func refusalsAreLoggedInTheirOwnEntry() throws {
        let (store, directory) = try StoreTestSupport.makeStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        let before = try AuditLog.entries(in: store).count
        #expect(throws: PolicyRefusal.self) {
            try StoreRelease.release(Self.input(40), in: store, policy: .default,
                                     request: ReleaseRequest(role: "manager", manager: "M-0", clientsOf: "M-1"))
        }
        #expect(throws: PolicyRefusal.self) {
            try StoreRelease.release(Self.input(40), in: store, policy: .default, request: ReleaseRequest(role: "intern"))
        }
        let entries = try AuditLog.entries(in: store)
        #expect(entries.count == before + 2)
        let refused = entries.filter { $0.action == AuditAction.releaseRefused }
        #expect(refused.map { $0.parameters["rule"] } == ["roles.manager.clients", "roles.intern"])
        #expect(refused.allSatisfy { $0.parameters["policyHash"] == PrivacyPolicy.default.hash && $0.role == "keyholder" })
        // Nothing was released.
        #expect(try AuditLog.entries(in: store, action: AuditAction.release).allSatisfy { $0.action != AuditAction.release })
        #expect(try store.read { db in try ReleaseLedger.history(role: "manager", in: db) }.isEmpty)
    }

    @Test func monthlyBudgetIsEnforcedAcrossReleases() throws {
        let (store, directory) = try StoreTestSupport.makeStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        var policy = PrivacyPolicy.default
        policy.privacy.heatClip = 200
        let request = ReleaseRequest(role: "analyst", epsilon: 2)
        for _ in 0..<5 {
            _ = try StoreRelease.release(Self.input(600), in: store, policy: policy, request: request, now: Self.march)
        }
        do {
            _ = try StoreRelease.release(Self.input(600), in: store, policy: policy, request: request, now: Self.march)
            Issue.record("released beyond the monthly budget")
        } catch let refusal as PolicyRefusal {
            #expect(refusal.rule == "roles.analyst.dp.monthlyBudget")
            #expect(refusal.category.exitCode == 77)
        }
        let spent = try store.read { db in try ReleaseLedger.spent(role: "analyst", month: "2026-03", in: db) }
        #expect(spent == 10)
        // Other roles have their own budget; a new calendar month starts a new one.
        _ = try StoreRelease.release(Self.input(600), in: store, policy: policy, request: ReleaseRequest(role: "executive", epsilon: 2), now: Self.march)
        let april = try StoreRelease.release(Self.input(600), in: store, policy: policy, request: request, now: Self.april)
        #expect(april.spentThisMonth == 2)
        let log = try AuditLog.entries(in: store, action: "release", includingSubkinds: true)
        #expect(try AuditLog.entries(in: store, action: "release").allSatisfy { $0.action == AuditAction.release })
        #expect(log.filter { $0.action == AuditAction.release }.count == 7)
        #expect(log.filter { $0.action == AuditAction.releaseRefused }.count == 1)
        #expect(log.filter { $0.action == AuditAction.release }.allSatisfy { $0.parameters["mechanism"] == "two-sided-geometric" })
    }

    @Test func differencingHistoryComesFromTheStore() throws {
        let (store, directory) = try StoreTestSupport.makeStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        let policy = ReleaseEngineTests.only([.manager])
        let first = try StoreRelease.release(Self.input(24), in: store, policy: policy,
                                             request: ReleaseRequest(role: "executive", sections: [.groups]))
        #expect(first.outcome.document.groups?.count == 4)
        // One client of M-0 leaves: M-0 shrinks from 6 to 5 and would isolate them.
        let second = try StoreRelease.release(Self.input(24, manager: { $0 == 0 ? "M-gone" : "M-\($0 % 4)" }), in: store, policy: policy,
                                              request: ReleaseRequest(role: "executive", sections: [.groups]))
        #expect(second.outcome.document.groups?.map(\.ref) == ["M-1", "M-2", "M-3"])
        #expect(second.outcome.withheld.contains { $0.item == "manager M-0" && $0.rule == "differencing" })
        // Another role has its own history.
        let analyst = try StoreRelease.release(Self.input(24, manager: { $0 == 0 ? "M-gone" : "M-\($0 % 4)" }), in: store,
                                               policy: Self.analystExact(policy), request: ReleaseRequest(role: "analyst", sections: [.groups]))
        #expect(analyst.outcome.document.groups?.contains { $0.ref == "M-0" } == true)
    }

    static func analystExact(_ policy: PrivacyPolicy) -> PrivacyPolicy {
        var policy = policy
        policy.roles["analyst"]?.budget = nil
        policy.roles["analyst"]?.groups = [.manager]
        return policy
    }
}
