import Foundation
import Testing
@testable import HeatCore

/// Issue 27 (s39, review s38 erase27c LOW 8): under differential privacy a group whose members
/// change inside the heat window is withheld (rule `dp.versionedGroup`) by the directory's
/// data-independent flag (``ReleaseInput/changingGroups``), never by comparing its
/// week-attributed total with its members' sum: that comparison's outcome told one bit about the
/// data outside the epsilon accounting.
@Suite struct VersionedGroupNoiseRuleTests {
    typealias Engine = ReleaseEngineTests

    /// Two managers of 400 clients each (heat 5000, so noise at epsilon 2 stays under the share).
    static let clients = (0..<400).map { Engine.client($0, manager: "M-moved0000", branch: "B-bbbb0001", segment: nil, heat: 5_000) }
        + (400..<800).map { Engine.client($0, manager: "M-steady000", branch: "B-bbbb0002", segment: nil, heat: 5_000) }

    static func release(aggregates: [GroupAggregate], changing: Set<String>?) throws -> ReleaseOutcome {
        var input = Engine.input(clients)
        input.mode = .encrypted
        input.groupAggregates = aggregates
        let week = try ISOWeek(parsing: "2026-W09")
        input.changingGroups = changing.map { ReleaseInput.ChangingGroups(groups: $0, changeWeek: week.advanced(by: -2), referenceWeek: week) }
        var generator = SeededGenerator(seed: 7)
        return try ReleaseEngine(policy: Engine.only([.manager])).release(
            input, request: ReleaseRequest(role: "executive", epsilon: 2, sections: [.groups]), history: [], spentThisMonth: 0,
            generatedAt: Engine.now, using: &generator)
    }

    static func withheldAsVersioned(_ outcome: ReleaseOutcome) -> Set<String> {
        Set(outcome.withheld.filter { $0.rule == "dp.versionedGroup" }.map(\.item))
    }

    @Test func theDirectoryFlagDecidesNotTheTotals() throws {
        let members = 400 * 5_000
        // A changing group whose attributed total happens to equal its members' sum: withheld.
        let equal = try Self.release(
            aggregates: [GroupAggregate(kind: .manager, ref: "M-moved0000", clients: 400, heatSum: members, trendSum: 0),
                         GroupAggregate(kind: .manager, ref: "M-steady000", clients: 400, heatSum: members, trendSum: 0)],
            changing: ["manager M-moved0000"])
        #expect(Self.withheldAsVersioned(equal) == ["manager M-moved0000"])
        #expect(equal.document.groups?.map(\.ref) == ["M-steady000"], "the group that does not change is released with noise")

        // The same directory, other totals (the moved member active on the other side): the same
        // decision, so the withholding says nothing about the data.
        let different = try Self.release(
            aggregates: [GroupAggregate(kind: .manager, ref: "M-moved0000", clients: 400, heatSum: members - 12_345, trendSum: 0),
                         GroupAggregate(kind: .manager, ref: "M-steady000", clients: 400, heatSum: members, trendSum: 0)],
            changing: ["manager M-moved0000"])
        #expect(Self.withheldAsVersioned(different) == Self.withheldAsVersioned(equal))
        #expect(different.document.groups?.map(\.ref) == equal.document.groups?.map(\.ref))

        // No group flagged (an explicit empty set): none withheld by the rule, whatever the totals.
        let unflagged = try Self.release(
            aggregates: [GroupAggregate(kind: .manager, ref: "M-moved0000", clients: 400, heatSum: members - 12_345, trendSum: 0),
                         GroupAggregate(kind: .manager, ref: "M-steady000", clients: 400, heatSum: members, trendSum: 0)],
            changing: [])
        #expect(Self.withheldAsVersioned(unflagged).isEmpty)
        #expect(unflagged.document.groups?.map(\.ref) == ["M-moved0000", "M-steady000"])
    }

    /// Review s39 erase27d M3: a hand-built input with group totals but without the flag fails
    /// closed under noise: every group withheld (rule `dp.versionedGroup`), none released with
    /// noise on a total that may be a changing group's; without noise the totals are released.
    @Test func totalsWithoutTheFlagAreWithheldUnderNoise() throws {
        let members = 400 * 5_000
        let totals = [GroupAggregate(kind: .manager, ref: "M-moved0000", clients: 400, heatSum: members - 12_345, trendSum: 0),
                      GroupAggregate(kind: .manager, ref: "M-steady000", clients: 400, heatSum: members, trendSum: 0)]
        let unset = try Self.release(aggregates: totals, changing: nil)
        #expect(Self.withheldAsVersioned(unset) == ["manager M-moved0000", "manager M-steady000"])
        #expect(unset.document.groups?.isEmpty ?? true)
        #expect(unset.withheld.allSatisfy { $0.rule != "dp.versionedGroup" || $0.reason.contains("changingGroups not given") })
        // Without noise the flag is not needed: exact totals.
        var input = Engine.input(Self.clients)
        input.mode = .encrypted
        input.groupAggregates = totals
        var generator = SeededGenerator(seed: 7)
        let exact = try ReleaseEngine(policy: Engine.only([.manager])).release(
            input, request: ReleaseRequest(role: "executive", sections: [.groups]), history: [], spentThisMonth: 0,
            generatedAt: Engine.now, using: &generator)
        #expect(exact.document.groups?.map(\.ref) == ["M-moved0000", "M-steady000"])
        // A store-built input always carries the flag (empty when nothing changes).
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try HeatStore.initialize(path: folder.appending(path: "heat.db").path).store
        #expect(try StoreRelease.input(from: store).changingGroups?.groups.isEmpty == true)
    }
}
