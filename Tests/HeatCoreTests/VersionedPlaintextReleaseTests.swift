import Foundation
import GRDB
import HeatEnvelope
import HeatFHE
import Testing
@testable import HeatCore

/// Issue 27 (s36): plaintext releases attribute group totals week by week under the directory
/// versions, exactly as the encrypted aggregates do, and every reader that lists or groups
/// clients (client listings and `--manager`, the encrypted listing, scenarios) follows the
/// version in force at its reference week.
@Suite(.serialized) struct VersionedPlaintextReleaseTests {
    /// One dataset ingested twice with the same keys, into an encrypted store and a plaintext one,
    /// then the same directory changes recorded (signed) in both: X moves from A to B at the
    /// fourth week, Y (of B) closes at the sixth, Z (of A) moves to B's branch at the fifth, and
    /// a new client of A joins in the last two weeks.
    struct Twin {
        var folder: URL
        var encrypted: HeatStore
        var plain: HeatStore
        var keys: String
        var generated: GeneratedKeys
        var dataset: SyntheticDataset
        var newcomer: Client
        var late: [Interaction]
        var weeks: [ISOWeek]
        var moves: [(client: String, manager: String?, branch: String?, from: ISOWeek)]
        var closures: [(client: String, from: ISOWeek)]

        func ref(_ id: String, _ kind: Pseudonym.Kind) -> String {
            Pseudonymizer(key: generated.pseudonymisationKey).pseudonym(for: id, kind: kind).displayRef
        }

        /// - Parameter changeWeek: when given, every change takes effect from the week it picks
        ///   out of the stored weeks (the window's edges, review s37 MEDIUM 6); otherwise X moves at
        ///   the fourth week, Z at the fifth and Y closes at the sixth.
        init(seed: UInt64, clients: Int, managers: Int, changeWeek: ((_ weeks: [ISOWeek]) -> ISOWeek)? = nil) throws {
            let dataset = SyntheticBank(clients: clients, managers: managers, branches: 2, weeks: 8, seed: seed).generate()
            let folder = try StoreTestSupport.temporaryDirectory()
            let encrypted = try HeatStore.initialize(path: folder.appending(path: "heat.db").path).store
            let plain = try HeatStore.initialize(path: folder.appending(path: "plain.db").path).store
            let keys = folder.appending(path: "keys").path
            let generated = try KeyFolder.generate(at: keys)
            try KeyRegistry.recordGenerated(generated, in: encrypted)
            try KeyRegistry.recordGenerated(generated, in: plain)
            _ = try PipelineKeys.generate(at: keys, preset: EncryptedAggregateTests.preset, aggregates: true)
            let pseudonymizer = Pseudonymizer(key: generated.pseudonymisationKey)
            func ref(_ id: String, _ kind: Pseudonym.Kind) -> String { pseudonymizer.pseudonym(for: id, kind: kind).displayRef }
            let weeks = Set(dataset.interactions.map(\.week)).sorted()
            let managerIDs = Array(Set(dataset.clients.map(\.managerID))).sorted()
            let (a, b) = (managerIDs[0], managerIDs[1])
            let newcomer = Client(clientID: "CL-NEW-0001", segment: "retail", region: dataset.clients[0].region, openedOn: nil,
                                  managerID: a, branch: dataset.clients.first { $0.managerID == a }?.branch ?? "")
            let late = try weeks.suffix(2).enumerated().map { index, week in
                try StoreTestSupport.interaction(event: "NEW-\(index)", client: newcomer.clientID, manager: a, branch: newcomer.branch,
                                                 at: "\(week.monday.adding(days: 2))T10:00:00Z")
            }
            let collector = try Collector(folder: KeyFolder(path: "\(keys)/collector", role: .collector))
            let plainIngestor = StoreIngestor(key: generated.pseudonymisationKey, signer: StoreTestSupport.signer(generated))
            for (batch, clients, name) in [(dataset.interactions, dataset.clients, "export.csv"), (late, [newcomer], "late.csv")] {
                let source = StoreIngestor.Source(name: name, inputHash: String(repeating: name == "late.csv" ? "1" : "0", count: 64))
                _ = try collector.ingestor(signer: StoreTestSupport.signer(generated)).ingest(batch, clients: clients, into: encrypted, source: source)
                _ = try plainIngestor.ingest(batch, clients: clients, into: plain, source: source)
            }
            // The most active clients after each change week, so the changes move real weeks.
            func activity(_ id: String, from week: ISOWeek) -> Int { dataset.interactions.filter { $0.clientID == id && $0.week >= week }.count }
            let ofA = dataset.clients.filter { $0.managerID == a }
            let ofB = dataset.clients.filter { $0.managerID == b }
            let x = try #require(ofA.max { activity($0.clientID, from: weeks[3]) < activity($1.clientID, from: weeks[3]) })
            let y = try #require(ofB.max { activity($0.clientID, from: weeks[5]) < activity($1.clientID, from: weeks[5]) })
            let z = try #require(ofA.filter { $0.clientID != x.clientID }
                .max { activity($0.clientID, from: weeks[4]) < activity($1.clientID, from: weeks[4]) })
            let otherBranch = try #require(Set(dataset.clients.map(\.branch)).sorted().first { $0 != z.branch })
            let fixed = changeWeek?(weeks)
            let moves: [(client: String, manager: String?, branch: String?, from: ISOWeek)] =
                [(x.clientID, b, nil, fixed ?? weeks[3]), (z.clientID, nil, otherBranch, fixed ?? weeks[4])]
            let closures: [(client: String, from: ISOWeek)] = [(y.clientID, fixed ?? weeks[5])]
            for store in [encrypted, plain] {
                var head = try HeadSigner.sign(store: store, with: generated.signingKey, anchor: .firstHead)
                for move in moves {
                    head = try DirectoryChanger.apply(
                        .move(client: ref(move.client, .client), manager: move.manager.map { .reference(ref($0, .manager)) },
                              branch: move.branch.map { .reference(ref($0, .branch)) }),
                        from: move.from, store: store, key: generated.signingKey, anchor: .previous(head)).head
                }
                for closure in closures {
                    head = try DirectoryChanger.apply(.close(client: ref(closure.client, .client)), from: closure.from, store: store,
                                                      key: generated.signingKey, anchor: .previous(head)).head
                }
            }
            (self.folder, self.encrypted, self.plain, self.keys, self.generated) = (folder, encrypted, plain, keys, generated)
            (self.dataset, self.newcomer, self.late, self.weeks, self.moves, self.closures) = (dataset, newcomer, late, weeks, moves, closures)
        }

        /// The membership of `client` in `week`, from the raw dataset and the changes, computed
        /// without the library's timeline.
        func membership(_ client: String, _ week: ISOWeek) -> DirectoryVersionTests.Membership? {
            guard let raw = (dataset.clients + [newcomer]).first(where: { $0.clientID == client }) else { return nil }
            if closures.contains(where: { $0.client == client && week >= $0.from }) { return nil }
            var manager = raw.managerID
            var branch = raw.branch
            for move in moves where move.client == client && week >= move.from {
                if let moved = move.manager { manager = moved }
                if let moved = move.branch { branch = moved }
            }
            return .init(manager: ref(manager, .manager), branch: ref(branch, .branch), segment: raw.segment, region: raw.region)
        }

        /// The independent reference's totals for the groups with at least `k` members in every
        /// week of the window (every period), as the aggregates release them.
        func expected(reference: ISOWeek, k: Int) -> [String: GroupAggregate] {
            let ids = (dataset.clients + [newcomer]).map(\.clientID)
            let totals = DirectoryVersionTests.reference(
                interactions: dataset.interactions + late, clients: ids, reference: reference, membership: membership)
            let span = Evaluator.windowSpan(HeatConfiguration())
            return totals.filter { key, _ in
                (0..<span).allSatisfy { age in
                    ids.filter { membership($0, reference.advanced(by: -age))?.keys.contains(key) == true }.count >= k
                }
            }
        }
    }

    static func keyed(_ totals: [GroupAggregate]) -> [String: GroupAggregate] {
        Dictionary(uniqueKeysWithValues: totals.map { ("\($0.kind.rawValue) \($0.ref)", $0) })
    }

    /// The decisive test: after moves (of manager and of branch), a join and a closure, a
    /// plaintext release and an encrypted release of the same store give identical group
    /// totals, equal to an independent week-by-week reference, with k at the smallest period size
    /// of the moved manager's group (released) and one above it (suppressed in both).
    @Test(arguments: [(UInt64(5), 60, 3), (UInt64(2027), 48, 4)])
    func plaintextAndEncryptedReleasesGiveIdenticalWeekAttributedTotals(seed: UInt64, clients: Int, managers: Int) throws {
        let twin = try Twin(seed: seed, clients: clients, managers: managers)
        defer { try? FileManager.default.removeItem(at: twin.folder) }
        let evaluator = try Evaluator(folder: KeyFolder(path: "\(twin.keys)/evaluator", role: .evaluator))
        let galoisKeys = try evaluator.galoisKeys(in: KeyFolder(path: "\(twin.keys)/evaluator", role: .evaluator))
        let keyHolder = try KeyHolder(keysAt: "\(twin.keys)/keyholder")
        let run = try evaluator.evaluate(store: twin.encrypted, configuration: HeatConfiguration())
        let reference = try ISOWeek(parsing: run.header.asOfWeek)
        // k at the moved-to manager's smallest period (X joins B, Y leaves B): released at k,
        // suppressed at k + 1.
        let timeline = try DirectoryTimeline.current(in: twin.plain)
        let split = timeline.split(first: reference.advanced(by: -(Evaluator.windowSpan(HeatConfiguration()) - 1)), last: reference)
        let managerB = twin.ref(try #require(twin.moves.first?.manager), .manager)
        let groupB = try #require(split.versioned.first { $0.kind == .manager && $0.ref == managerB })
        let smallest = try #require(groupB.slotsByPeriod.map(\.count).min())
        #expect(split.periods.count >= 3, "the changes cut the window")

        let entries = try EncryptedClientDirectory.entries(in: twin.encrypted, keyHolder: keyHolder, run: run)
        for k in [smallest, smallest + 1] {
            let aggregates = try evaluator.aggregates(of: run, store: twin.encrypted, galoisKeys: galoisKeys, minGroupSize: k)
            let decrypted = Self.keyed(try keyHolder.decrypt(aggregates: aggregates, minGroupSize: k, store: twin.encrypted))
            let plainInput = try StoreRelease.input(from: twin.plain, asOf: run.header.asOf, minGroupSize: k)
            let plain = Self.keyed(try #require(plainInput.groupAggregates, "a versioned plaintext store attributes by week"))
            #expect(plain == decrypted, "k = \(k)")
            let expected = twin.expected(reference: reference, k: k)
            #expect(plain == expected, "k = \(k): plaintext \(plain) vs reference \(expected)")
            #expect((plain["manager \(managerB)"] != nil) == (k == smallest))

            // Through the release engine: the same released groups and totals.
            var encryptedInput = try StoreRelease.input(from: twin.encrypted, asOf: run.header.asOf, entries: entries, minGroupSize: k)
            encryptedInput.mode = .encrypted
            encryptedInput.groupAggregates = Array(decrypted.values)
            var plainEncryptedMode = plainInput
            plainEncryptedMode.mode = .encrypted
            var policy = PrivacyPolicy.default
            policy.minGroupSize = k
            let engine = ReleaseEngine(policy: policy)
            let request = ReleaseRequest(role: "executive", sections: [.groups])
            let now = UTCTimestamp(secondsSinceEpoch: 0)
            let a = try engine.release(encryptedInput, request: request, generatedAt: now)
            let b = try engine.release(plainEncryptedMode, request: request, generatedAt: now)
            #expect(a.document.groups?.isEmpty == false)
            #expect(a.document.groups == b.document.groups, "k = \(k)")
            #expect(Set(a.withheld.map(\.item)) == Set(b.withheld.map(\.item)))
        }
        // The attribution matters: summing members' heat at the reference week differs.
        let naive = try StoreRelease.input(from: twin.plain, asOf: run.header.asOf, minGroupSize: smallest)
        let attributed = Self.keyed(try #require(naive.groupAggregates))
        let memberSum = naive.clients.filter { $0.groups[.manager] == managerB }.reduce(0) { $0 + $1.heat }
        #expect(attributed["manager \(managerB)"].map(\.heatSum) != memberSum)
    }

    /// Several seeds and sizes (plaintext only, cheap): the plaintext release's week-attributed
    /// totals equal the independent reference for k at and just under each versioned group's
    /// smallest period; a store without versions keeps per-client sums (no aggregates).
    @Test(arguments: [UInt64(1), 2, 3, 4, 6])
    func plaintextTotalsEqualTheWeekByWeekReference(seed: UInt64) throws {
        let twin = try Twin(seed: seed, clients: 30 + Int(seed) * 7, managers: 3 + Int(seed % 3))
        defer { try? FileManager.default.removeItem(at: twin.folder) }
        let latest = try #require(twin.weeks.last)
        let reference = latest
        let split = try DirectoryTimeline.current(in: twin.plain)
            .split(first: reference.advanced(by: -(Evaluator.windowSpan(HeatConfiguration()) - 1)), last: reference)
        let sizes = Set(split.versioned.compactMap { $0.slotsByPeriod.map(\.count).min() })
        #expect(!sizes.isEmpty)
        for size in sizes.sorted() {
            for k in [size, size + 1] {
                let input = try StoreRelease.input(from: twin.plain, asOf: reference.monday.adding(days: 6), minGroupSize: k)
                let totals = Self.keyed(try #require(input.groupAggregates))
                #expect(totals == twin.expected(reference: reference, k: k), "seed \(seed), k = \(k)")
            }
        }
        // Totals computed with a smaller k than the release's policy are never used.
        let loose = try StoreRelease.input(from: twin.plain, asOf: reference.monday.adding(days: 6), minGroupSize: 1)
        var strict = PrivacyPolicy.default
        strict.minGroupSize = 2
        let outcome = try ReleaseEngine(policy: strict).release(
            loose, request: ReleaseRequest(role: "executive", sections: [.groups]), generatedAt: UTCTimestamp(secondsSinceEpoch: 0))
        #expect((outcome.document.groups ?? []).isEmpty, "\(String(describing: outcome.document.groups))")
        #expect(outcome.withheld.contains { $0.rule == "minGroupSize" && $0.reason.contains("computed with k = 1") })
        // Review s37 HIGH 3: under DP the noise would go on the reference-week members' own heat,
        // so a group whose members change inside the window is withheld (dp.versionedGroup); s39:
        // decided by the directory's flag alone, and every group released with noise is one whose
        // attributed total is that sum.
        let input = try StoreRelease.input(from: twin.plain, asOf: reference.monday.adding(days: 6), minGroupSize: 2)
        let dp = try ReleaseEngine(policy: strict).release(
            input, request: ReleaseRequest(role: "executive", epsilon: 2.0, sections: [.groups]), generatedAt: UTCTimestamp(secondsSinceEpoch: 0))
        let attributed = Self.keyed(try #require(input.groupAggregates))
        var moved = 0
        for (key, aggregate) in attributed {
            let members = input.clients.filter { $0.groups[aggregate.kind] == aggregate.ref }
            let sameTotal = aggregate.clients == members.count && aggregate.heatSum == members.reduce(0) { $0 + $1.heat }
            let withheldAsVersioned = dp.withheld.contains { $0.item == key && $0.rule == "dp.versionedGroup" }
            let changes = split.versioned.contains { "\($0.kind.rawValue) \($0.ref)" == key }
            #expect(withheldAsVersioned == changes, "seed \(seed): \(key)")
            #expect(changes || sameTotal, "seed \(seed): \(key) keeps its members, so its total is their sum")
            if !sameTotal {
                moved += 1
                #expect(!(dp.document.groups ?? []).contains { "\($0.kind.rawValue) \($0.ref)" == key }, "seed \(seed): \(key) released with noise")
            }
        }
        #expect(moved > 0, "seed \(seed): the changes move some group's total")
        let (unversioned, folder) = try StoreTestSupport.makeStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try StoreIngestor(key: twin.generated.pseudonymisationKey).ingest(
            twin.dataset.interactions, clients: twin.dataset.clients, into: unversioned,
            source: .init(name: "export.csv", inputHash: String(repeating: "0", count: 64)))
        #expect(try StoreRelease.input(from: unversioned).groupAggregates == nil)
    }

    /// Review s37 MEDIUM 6: changes at the window's edges. A change taking effect in the
    /// reference week itself, one before the window's first week and one after the reference
    /// week are each attributed exactly as the independent week-by-week reference says, for every
    /// k from 1 to 6 (the groups the release holds, and their totals).
    @Test(arguments: ["in the reference week", "before the window", "after the reference week"])
    func changesAtTheWindowsEdgesAreAttributedExactly(edge: String) throws {
        let span = Evaluator.windowSpan(HeatConfiguration())
        let twin = try Twin(seed: 7, clients: 40, managers: 3, changeWeek: { weeks in
            switch edge {
            case "in the reference week": weeks[weeks.count - 1]
            case "before the window": weeks[weeks.count - 1].advanced(by: -span - 3)
            default: weeks[weeks.count - 1]
            }
        })
        defer { try? FileManager.default.removeItem(at: twin.folder) }
        let latest = try #require(twin.weeks.last)
        // After the reference week: the change is dated in the last stored week, the release one week earlier.
        let reference = edge == "after the reference week" ? latest.advanced(by: -1) : latest
        let first = reference.advanced(by: -(span - 1))
        #expect(twin.moves.allSatisfy { edge == "before the window" ? $0.from < first : edge == "in the reference week" ? $0.from == reference : $0.from > reference })
        var versionedSeen = false
        for k in 1...6 {
            let input = try StoreRelease.input(from: twin.plain, asOf: reference.monday.adding(days: 6), minGroupSize: k)
            let expected = twin.expected(reference: reference, k: k)
            if let aggregates = input.groupAggregates {
                #expect(Self.keyed(aggregates) == expected, "\(edge), k = \(k)")
                versionedSeen = true
            } else {
                // No change inside the window: the per-client sums at the reference week are the attributed totals.
                for (key, total) in expected {
                    let members = input.clients.filter { $0.groups[total.kind] == total.ref }
                    #expect(members.count == total.clients && members.reduce(0) { $0 + $1.heat } == total.heatSum, "\(edge), k = \(k): \(key)")
                }
            }
        }
        if edge == "in the reference week" { #expect(versionedSeen, "a change inside the window gives week-attributed totals") }
    }

    /// Listings follow the version in force at their reference week: after a move, the moved
    /// client is listed (and matched by `--manager`) under the new manager from the move week on
    /// and under the old one before; a closed account is left out from its closure week; the
    /// scenario portfolio and the encrypted listing do the same.
    @Test func listingsScenariosAndTheEncryptedDirectoryFollowTheVersionInForce() throws {
        let twin = try Twin(seed: 5, clients: 40, managers: 3)
        defer { try? FileManager.default.removeItem(at: twin.folder) }
        let move = try #require(twin.moves.first)
        let closure = try #require(twin.closures.first)
        let moved = twin.ref(move.client, .client)
        let closed = twin.ref(closure.client, .client)
        let oldManager = try #require(twin.dataset.clients.first { $0.clientID == move.client }).managerID
        let (old, new) = (twin.ref(oldManager, .manager), twin.ref(try #require(move.manager), .manager))
        func listed(_ store: HeatStore, manager: String, week: ISOWeek) throws -> [String] {
            try ClientDirectory.entries(in: store, filter: ClientFilter(manager: manager), versionsAt: week).map(\.ref)
        }
        let before = move.from.advanced(by: -1)
        #expect(try listed(twin.plain, manager: new, week: move.from).contains(moved))
        #expect(try !listed(twin.plain, manager: old, week: move.from).contains(moved))
        #expect(try listed(twin.plain, manager: old, week: before).contains(moved))
        #expect(try !listed(twin.plain, manager: new, week: before).contains(moved))
        #expect(try ClientDirectory.entries(in: twin.plain, versionsAt: closure.from).allSatisfy { $0.ref != closed })
        #expect(try ClientDirectory.entries(in: twin.plain, versionsAt: closure.from.advanced(by: -1)).contains { $0.ref == closed })
        // The directory rows as first ingested, for readers that apply the versions themselves.
        #expect(try ClientDirectory.entries(in: twin.plain, filter: ClientFilter(manager: old)).contains { $0.ref == moved })
        #expect(try ClientDirectory.referenceWeek(in: twin.plain, asOf: nil) == twin.weeks.last)
        #expect(try ClientDirectory.referenceWeek(in: twin.encrypted, asOf: nil) == twin.weeks.last)

        // Scenarios group by the version in force at their reference week.
        // Review s37 MEDIUM 4: the same reference week as `clients` and `release` (the last
        // complete week): on the move week's Monday the move is not in force yet, on its Sunday it is.
        let pinned = twin.generated.signingKey.verificationKey
        let monday = try ScenarioPortfolio(store: twin.plain, asOf: move.from.monday, trustedKey: pinned)
        #expect(monday.members.first { $0.ref == moved }?.manager == old)
        #expect(try ClientDirectory.entries(in: twin.plain, versionsAt: ClientDirectory.referenceWeek(in: twin.plain, asOf: move.from.monday))
            .first { $0.ref == moved }?.manager == old, "clients --as-of agrees")
        let after = try ScenarioPortfolio(store: twin.plain, asOf: move.from.monday.adding(days: 6), trustedKey: pinned)
        #expect(after.members.first { $0.ref == moved }?.manager == new)
        #expect(after.members.contains { $0.ref == closed }, "closed later than the move")
        let earlier = try ScenarioPortfolio(store: twin.plain, asOf: before.monday, trustedKey: pinned)
        #expect(earlier.members.first { $0.ref == moved }?.manager == old)
        let latest = try ScenarioPortfolio(store: twin.plain, trustedKey: pinned)
        #expect(!latest.members.contains { $0.ref == closed })
        // Review s37 MEDIUM 5: versions group clients only once verified. Without the key a store
        // with versions is refused; a version signed by another key (chained correctly) moving the
        // client back is refused with the key, exit 1, before it regroups anyone.
        #expect(throws: DirectoryError.self) { _ = try ScenarioPortfolio(store: twin.plain) }
        let thief = try KeyFolder.generate(at: twin.folder.appending(path: "thief").path)
        let slot = try #require(try DirectoryTimeline.current(in: twin.plain).clients.first { $0.pseudonym.displayRef == moved }).slot
        let forged = try DirectoryVersion.signed(
            versionID: "V-0badf00d", slot: slot, fromWeek: move.from, status: .active,
            manager: Pseudonymizer(key: twin.generated.pseudonymisationKey).pseudonym(for: oldManager, kind: .manager).bytes,
            branch: nil, with: thief.signingKey)
        try StoreTestSupport.attacker(twin.plain.path).write { db in _ = try ChainAppender(db, table: .directoryVersions).append(forged.rowValues) }
        let refused = #expect(throws: DirectoryError.self) { _ = try ScenarioPortfolio(store: twin.plain, trustedKey: pinned) }
        if case .unverifiedVersions = refused { #expect(refused?.category.exitCode == 1) } else { Issue.record("\(String(describing: refused))") }

        // The encrypted listing (`heatctl clients --keys`, `release` on an encrypted store) at the
        // run's reference week, with a manager filter and with the key holder's manager mask.
        let evaluator = try Evaluator(folder: KeyFolder(path: "\(twin.keys)/evaluator", role: .evaluator))
        let keyHolder = try KeyHolder(keysAt: "\(twin.keys)/keyholder")
        let now = try evaluator.evaluate(store: twin.encrypted, configuration: HeatConfiguration())
        let filtered = try EncryptedClientDirectory.entries(in: twin.encrypted, keyHolder: keyHolder, run: now, filter: ClientFilter(manager: new))
        #expect(filtered.contains { $0.ref == moved } && filtered.allSatisfy { $0.manager == new })
        #expect(try !EncryptedClientDirectory.entries(in: twin.encrypted, keyHolder: keyHolder, run: now, filter: ClientFilter(manager: old))
            .contains { $0.ref == moved })
        #expect(try !EncryptedClientDirectory.entries(in: twin.encrypted, keyHolder: keyHolder, run: now).contains { $0.ref == closed })
        let managerB = try KeyHolder.manager(matching: new, in: twin.encrypted)
        let masked = try EncryptedClientDirectory.entries(in: twin.encrypted, keyHolder: keyHolder, run: now, manager: managerB)
        #expect(masked.contains { $0.ref == moved } && masked.allSatisfy { $0.manager == new })
        let then = try evaluator.evaluate(store: twin.encrypted, configuration: HeatConfiguration(), asOf: before.monday.adding(days: 6))
        let earlierListing = try EncryptedClientDirectory.entries(in: twin.encrypted, keyHolder: keyHolder, run: then, filter: ClientFilter(manager: old))
        #expect(earlierListing.contains { $0.ref == moved })
    }
}
