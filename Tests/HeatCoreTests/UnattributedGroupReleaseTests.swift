import Foundation
import GRDB
import HeatEnvelope
import Testing
@testable import HeatCore

/// Issue 27 (s37): an encrypted release without the evaluator's aggregates sums each group's
/// members' per-client heat at the reference week. When a group's members change inside the heat
/// window (a move or a closure there) that sum is not the week-attributed figure, so such a
/// release is refused (exit 64, nothing recorded) and the user is told to pass the aggregates;
/// with them it releases the week-attributed totals, and a release whose window holds no change
/// (or that asks for no groups) works as before.
@Suite(.serialized) struct UnattributedGroupReleaseTests {
    typealias Twin = VersionedPlaintextReleaseTests.Twin

    @Test func aGroupThatChangesInsideTheWindowIsReleasedOnlyWithTheAggregates() throws {
        let twin = try Twin(seed: 5, clients: 60, managers: 3)
        defer { try? FileManager.default.removeItem(at: twin.folder) }
        let p = try twin.pipeline()
        let (evaluatorFolder, evaluator, keyHolder, run, reference) = (p.evaluatorFolder, p.evaluator, p.keyHolder, p.run, p.reference)
        let store = twin.encrypted
        let managerB = twin.ref(try #require(twin.moves.first?.manager), .manager)
        let policy = PrivacyPolicy.default
        let entries = try EncryptedClientDirectory.entries(in: store, keyHolder: keyHolder, run: run)
        var input = try StoreRelease.input(from: store, asOf: run.header.asOf, entries: entries, minGroupSize: policy.minGroupSize)
        input.mode = .encrypted
        let changing = try #require(input.changingGroups, "the moves and the closure lie inside the window")
        #expect(changing.contains(kind: "manager", ref: managerB))
        #expect(changing.changeWeek == twin.weeks[3] && changing.referenceWeek == reference)

        // 1. Without the aggregates: refused, exit 64, naming the group and the way out; nothing recorded.
        let before = try StoreTestSupport.dump(store.path)
        let request = ReleaseRequest(role: "executive", sections: [.groups])
        let refused = #expect(throws: DirectoryError.self) { _ = try StoreRelease.release(input, in: store, policy: policy, request: request) }
        if case .groupTotalsNotWeekAttributed(let group, let change, let through)? = refused {
            #expect(input.changingGroups?.groups.contains(group) == true, "\(group)")
            #expect(change == twin.weeks[3].description && through == reference.description)
        } else {
            Issue.record("expected groupTotalsNotWeekAttributed, got \(String(describing: refused))")
        }
        #expect(refused?.category.exitCode == 64)
        #expect(refused?.hint?.contains("--aggregates") == true)
        let message = refused?.description ?? ""
        #expect(!input.clients.contains { message.contains($0.ref) || message.contains($0.id) }, "no client is named")
        #expect(try StoreTestSupport.dump(store.path) == before, "nothing recorded: no release entry, no ledger rows")

        // 2. Sections without groups are released as before (per-client values only).
        let population = try StoreRelease.release(input, in: store, policy: policy, request: ReleaseRequest(role: "executive", sections: [.population]))
        #expect(population.outcome.document.population != nil && population.outcome.document.groups == nil)

        // 3. With the evaluator's aggregates: released, each group's total the week-attributed one.
        let galoisKeys = try evaluator.galoisKeys(in: evaluatorFolder)
        let aggregates = try evaluator.aggregates(of: run, store: store, galoisKeys: galoisKeys, minGroupSize: policy.minGroupSize)
        let totals = try keyHolder.decrypt(aggregates: aggregates, minGroupSize: policy.minGroupSize, store: store)
        input.groupAggregates = totals
        let released = try StoreRelease.release(input, in: store, policy: policy, request: request)
        let groups = try #require(released.outcome.document.groups)
        let expected = twin.expected(reference: reference, k: policy.minGroupSize)
        let groupB = try #require(groups.first { $0.kind == .manager && $0.ref == managerB }, "B holds k members in every week")
        let totalB = try #require(expected["manager \(managerB)"])
        #expect(groupB.clients == totalB.clients)
        #expect(abs(groupB.meanHeat * Double(groupB.clients) - Double(totalB.heatSum)) < 1e-6, "the week-attributed total, not the members' sum")
        let memberSum = input.clients.filter { $0.groups[.manager] == managerB }.reduce(0) { $0 + $1.heat }
        #expect(memberSum != totalB.heatSum, "the attribution matters on this store")
    }

    @Test func aReleaseWhoseWindowHoldsNoChangeIsUnchanged() throws {
        let twin = try Twin(seed: 2027, clients: 48, managers: 4)
        defer { try? FileManager.default.removeItem(at: twin.folder) }
        // Heat through the week before the first change: every change lies after the window.
        let p = try twin.pipeline(asOf: twin.weeks[2].monday.adding(days: 6))
        let (keyHolder, run) = (p.keyHolder, p.run)
        let entries = try EncryptedClientDirectory.entries(in: twin.encrypted, keyHolder: keyHolder, run: run)
        var input = try StoreRelease.input(from: twin.encrypted, asOf: run.header.asOf, entries: entries)
        input.mode = .encrypted
        #expect(input.changingGroups?.groups.isEmpty == true, "an explicit empty set (review s39 erase27d M3)")
        let released = try StoreRelease.release(input, in: twin.encrypted, policy: .default, request: ReleaseRequest(role: "executive", sections: [.groups]))
        let groups = try #require(released.outcome.document.groups)
        #expect(!groups.isEmpty)
        // Per-client sums, as before: each manager group's mean is its members' mean.
        for group in groups where group.kind == .manager {
            let members = input.clients.filter { $0.groups[.manager] == group.ref }
            #expect(group.clients == members.count)
            #expect(abs(group.meanHeat - Double(members.reduce(0) { $0 + $1.heat }) / Double(members.count)) < 1e-9)
        }
    }
}

/// Issue 27 (s37) through the built `heatctl`: `release` on an encrypted store whose directory
/// changed inside the heat window, without `--aggregates`: with `--run` (a run carrying its
/// directory periods, s39/s40) the groups are attributed by period and released; without `--run`
/// (the key holder evaluates in the vault) it exits 64 naming `--aggregates` and writes nothing;
/// a release without groups works.
@Suite(.enabled(if: BuiltHeatctl.url != nil, "heatctl is not built"))
struct UnattributedGroupReleaseCLITests {
    func run(_ arguments: [String]) throws -> BuiltHeatctl.Outcome { try BuiltHeatctl.run(arguments) }

    @Test func releaseWithoutAggregatesAfterAMoveInsideTheWindow() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appending(path: "heat.db").path
        let keys = folder.appending(path: "keys").path
        let head = folder.appending(path: "head.heat").path
        let out = folder.appending(path: "results.json").path
        let runFile = folder.appending(path: "run.heat").path
        var csv = "event_id,client_id,manager_id,branch,channel,direction,occurred_at,duration_seconds,replied_within_hours\n"
        for (n, day) in ["2026-03-02", "2026-03-09", "2026-03-16"].enumerated() {
            for client in 1...12 { csv += "E\(n)-\(client),CL-SECRET-\(client),RM-\(client <= 6 ? 1 : 2),North,call,outbound,\(day)T09:30:00Z,600,\n" }
        }
        let input = folder.appending(path: "in.csv").path
        try Data(csv.utf8).write(to: URL(filePath: input))
        #expect(try run(["init", "--store", db]).status == 0)
        #expect(try run(["keys", "generate", "--out", keys, "--store", db]).status == 0)
        #expect(try run(["ingest", input, "--store", db, "--keys", "\(keys)/collector", "--quiet"]).status == 0)
        #expect(try run(["audit", "sign", "--store", db, "--keys", "\(keys)/keyholder", "--first-head", "--head-out", head]).status == 0)
        let pseudonymizer = Pseudonymizer(key: try KeyFolder(path: "\(keys)/collector", role: .collector).pseudonymisationKey())
        let client = pseudonymizer.pseudonym(for: "CL-SECRET-1", kind: .client).displayRef
        let manager = pseudonymizer.pseudonym(for: "RM-2", kind: .manager).displayRef
        let moved = try run(["directory", "move", "--store", db, "--keys", "\(keys)/keyholder", "--client", client, "--manager", manager,
                             "--from-week", "2026-W11", "--previous-head", head, "--head-out", head])
        #expect(moved.status == 0, "\(moved.stderr)")
        let evaluated = try run(["evaluate", "--store", db, "--keys", "\(keys)/evaluator", "--out", runFile])
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        // Review s39 erase27d M2: the run's periods give the week-attributed totals.
        let withRun = try run(["release", "--store", db, "--keys", "\(keys)/keyholder", "--run", runFile, "--role", "executive", "--out", out])
        #expect(withRun.status == 0, "\(withRun.stderr)")
        let groups = try ResultsDocument.decode(Data(contentsOf: URL(filePath: out))).groups ?? []
        #expect(groups.first { $0.kind == .manager && $0.ref == manager }?.clients == 7, "RM-2's distinct members over the window: \(groups)")
        try FileManager.default.removeItem(atPath: out)
        let release = ["release", "--store", db, "--keys", "\(keys)/keyholder", "--role", "executive", "--out", out]
        let refused = try run(release)
        #expect(refused.status == 64, "\(refused.stderr)")
        #expect(refused.stderr.contains("--aggregates") && refused.stderr.contains("week"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("CL-SECRET") && !refused.stderr.contains(client))
        #expect(!FileManager.default.fileExists(atPath: out), "nothing written")
        let population = try run(release + ["--section", "population"])
        #expect(population.status == 0, "\(population.stderr)")
    }
}
