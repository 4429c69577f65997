import Foundation
import Testing
@testable import HeatCore

/// Issue 27 (s38, item 4): `KeyHolder.release(role: .executive)` groups decrypted per-client heat
/// by the directory at the run's reference week. A client's heat is one weighted sum over the
/// whole window and cannot be split by week, so after a manager move and a branch move inside the
/// window that release is refused (exit 64, naming a changing group, the change week and the way
/// out, nothing recorded); the evaluator's aggregates give the week-attributed totals, equal to
/// the plaintext pipeline's; a window that holds no change releases as before.
@Suite(.serialized) struct ExecutiveReleaseAttributionTests {
    typealias Twin = VersionedPlaintextReleaseTests.Twin

    @Test func theSDKExecutiveReleaseIsRefusedAfterAMoveInsideTheWindow() throws {
        let twin = try Twin(seed: 5, clients: 60, managers: 3)
        defer { try? FileManager.default.removeItem(at: twin.folder) }
        let evaluatorFolder = try KeyFolder(path: "\(twin.keys)/evaluator", role: .evaluator)
        let evaluator = try Evaluator(folder: evaluatorFolder)
        let keyHolder = try KeyHolder(keysAt: "\(twin.keys)/keyholder")
        let store = twin.encrypted
        let run = try evaluator.evaluate(store: store, configuration: HeatConfiguration())
        let reference = try ISOWeek(parsing: run.header.asOfWeek)
        let z = try #require(twin.moves.first { $0.branch != nil }, "the twin moves a client to another branch")
        let changing = Set(
            (twin.moves.compactMap { $0.manager.map { "manager \(twin.ref($0, .manager))" } })
                + twin.moves.compactMap { $0.branch.map { "branch \(twin.ref($0, .branch))" } })
        let zBranch = try #require(z.branch)
        #expect(changing.contains("branch \(twin.ref(zBranch, .branch))"))

        // Refused before anything is recorded: exit 64, a changing group named, the way out given.
        let before = try StoreTestSupport.dump(store.path)
        let refused = #expect(throws: DirectoryError.self) {
            _ = try keyHolder.release(run: run, store: store, configuration: HeatConfiguration(), role: .executive)
        }
        #expect(refused?.category.exitCode == 64)
        if case .groupTotalsNotWeekAttributed(let group, let change, let through)? = refused {
            #expect(group.hasPrefix("manager ") || group.hasPrefix("branch "), "\(group)")
            #expect(change == twin.weeks[3].description && through == reference.description, "\(change) \(through)")
        } else {
            Issue.record("expected groupTotalsNotWeekAttributed, got \(String(describing: refused))")
        }
        #expect(refused?.hint?.contains("--aggregates") == true)
        #expect(try StoreTestSupport.dump(store.path) == before, "nothing recorded")

        // The week-attributed totals: the evaluator's aggregates, every changing group's total
        // (the branch moved to included) equal to the plaintext pipeline's week by week.
        let policy = PrivacyPolicy.default
        let aggregates = try evaluator.aggregates(
            of: run, store: store, galoisKeys: try evaluator.galoisKeys(in: evaluatorFolder), minGroupSize: policy.minGroupSize)
        let totals = try keyHolder.decrypt(aggregates: aggregates, minGroupSize: policy.minGroupSize, store: store)
        let expected = twin.expected(reference: reference, k: policy.minGroupSize)
        var compared = 0
        for total in totals where changing.contains("\(total.kind.rawValue) \(total.ref)") {
            let plain = try #require(expected["\(total.kind.rawValue) \(total.ref)"], "\(total.kind.rawValue) \(total.ref)")
            #expect(total.heatSum == plain.heatSum && total.clients == plain.clients, "\(total.kind.rawValue) \(total.ref)")
            compared += 1
        }
        #expect(compared >= 2, "a manager and a branch that change are released with the aggregates")

        // A manager's release is not a group total: unchanged.
        let movedTo = try #require(twin.moves.first { $0.manager != nil }?.manager)
        let managerRef = twin.ref(movedTo, .manager)
        let own = try keyHolder.release(run: run, store: store, configuration: HeatConfiguration(), role: .manager, manager: managerRef)
        #expect(own.clients?.isEmpty == false)

        // Heat through the week before the first change: released as before.
        let early = try evaluator.evaluate(store: store, configuration: HeatConfiguration(), asOf: twin.weeks[2].monday.adding(days: 6))
        let executive = try keyHolder.release(run: early, store: store, configuration: HeatConfiguration(), role: .executive)
        #expect(executive.groups?.isEmpty == false)
    }
}
