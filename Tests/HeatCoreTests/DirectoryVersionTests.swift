import Foundation
import GRDB
import HeatEnvelope
import HeatFHE
import Testing
@testable import HeatCore

/// Issue 27, item 3 (directory changes versioned by week): a client moving from manager A to B at
/// week W has weeks before W summed into A and weeks from W into B; a closed account adds nothing
/// after its closure; a new client appears from its first week; forged or altered versions fail
/// `audit verify`; runs and aggregates of an earlier directory version are refused (exit 65).
@Suite(.serialized) struct DirectoryVersionTests {
    /// The group keys (`kind ref`) of one client in one week, from the raw directory and the
    /// changes, computed here without the library's timeline.
    struct Membership {
        var manager: String?
        var branch: String?
        var segment: String?
        var region: String?
        var keys: [String] {
            [("manager", manager), ("branch", branch), ("segment", segment), ("region", region)].compactMap { kind, ref in
                ref.map { "\(kind) \($0)" }
            }
        }
    }

    /// Per group, the heat and trend sums of every client's weekly scores attributed week by week
    /// with `membership(client, week)`, and the distinct clients assigned in any window week.
    static func reference(
        interactions: [Interaction], clients: [String], reference: ISOWeek, membership: (String, ISOWeek) -> Membership?
    ) -> [String: GroupAggregate] {
        let configuration = HeatConfiguration()
        var ledger = ActivityLedger(replyWithinHours: configuration.replyWithinHours)
        for interaction in interactions { _ = ledger.add(interaction) }
        let scorer = HeatScorer(configuration: configuration)
        let decay = configuration.decayFactors
        let span = max(decay.count, 2 * configuration.trendWeeks)
        var totals: [String: GroupAggregate] = [:]
        var members: [String: Set<String>] = [:]
        for client in clients {
            for age in 0..<span {
                let week = reference.advanced(by: -age)
                guard let groups = membership(client, week) else { continue }
                let score = ledger.clients[client]?[week].map(scorer.weeklyScore) ?? 0
                let heat = age < decay.count ? decay[age] * score : 0
                let trend = age < configuration.trendWeeks ? configuration.decayScale * score
                    : age < 2 * configuration.trendWeeks ? -configuration.decayScale * score : 0
                for key in groups.keys {
                    members[key, default: []].insert(client)
                    let parts = key.split(separator: " ", maxSplits: 1).map(String.init)
                    var total = totals[key] ?? GroupAggregate(
                        kind: GroupSummary.Kind(rawValue: parts[0]) ?? .manager, ref: parts[1], clients: 0, heatSum: 0, trendSum: 0)
                    total.heatSum += heat
                    total.trendSum += trend
                    totals[key] = total
                }
            }
        }
        for key in totals.keys { totals[key]?.clients = members[key]?.count ?? 0 }
        return totals
    }

    @Test func movesAndClosuresAreAttributedWeekByWeekExactlyAsThePlaintextReference() throws {
        let dataset = SyntheticBank(clients: 60, managers: 3, branches: 2, weeks: 8, seed: 5).generate()
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (store, keys, generated) = try StoreTestSupport.encryptedStore(in: folder, preset: EncryptedAggregateTests.preset)
        let collector = try Collector(folder: KeyFolder(path: "\(keys)/collector", role: .collector))
        _ = try collector.ingestor(signer: StoreTestSupport.signer(generated)).ingest(
            dataset.interactions, clients: dataset.clients, into: store, source: .init(name: "export.csv", inputHash: String(repeating: "0", count: 64)))
        let pseudonymizer = Pseudonymizer(key: generated.pseudonymisationKey)
        func ref(_ id: String, _ kind: Pseudonym.Kind) -> String { pseudonymizer.pseudonym(for: id, kind: kind).displayRef }
        let weeks = Set(dataset.interactions.map(\.week)).sorted()
        let moveWeek = weeks[3]
        let closeWeek = weeks[5]
        // A new client joins in the last two weeks (a second ingestion): no record, it appears from its first week.
        let managers = Array(Set(dataset.clients.map(\.managerID))).sorted()
        let (a, b) = (managers[0], managers[1])
        let newcomer = Client(clientID: "CL-NEW-0001", segment: "retail", region: dataset.clients[0].region, openedOn: nil,
                              managerID: a, branch: dataset.clients.first { $0.managerID == a }?.branch ?? "")
        let late = try weeks.suffix(2).enumerated().map { index, week in
            try StoreTestSupport.interaction(event: "NEW-\(index)", client: newcomer.clientID, manager: a, branch: newcomer.branch,
                                             at: "\(week.monday.adding(days: 2))T10:00:00Z")
        }
        _ = try collector.ingestor(signer: StoreTestSupport.signer(generated)).ingest(
            late, clients: [newcomer], into: store, source: .init(name: "late.csv", inputHash: String(repeating: "1", count: 64)))
        let head = try HeadSigner.sign(store: store, with: generated.signingKey, anchor: .firstHead)

        let evaluator = try Evaluator(folder: KeyFolder(path: "\(keys)/evaluator", role: .evaluator))
        let galoisKeys = try evaluator.galoisKeys(in: KeyFolder(path: "\(keys)/evaluator", role: .evaluator))
        let keyHolder = try KeyHolder(keysAt: "\(keys)/keyholder")
        let before = try evaluator.evaluate(store: store, configuration: HeatConfiguration())
        #expect(before.header.directoryVersion == nil, "no version yet: the run's bytes are those of a store without versions")
        let staleAggregates = try evaluator.aggregates(of: before, store: store, galoisKeys: galoisKeys, minGroupSize: 1)

        // X (of manager A) moves to B from moveWeek; Y (of B) closes from closeWeek.
        // The most active clients after the change weeks, so the changes move real weeks.
        func activity(_ id: String, from week: ISOWeek) -> Int { dataset.interactions.filter { $0.clientID == id && $0.week >= week }.count }
        let x = try #require(dataset.clients.filter { $0.managerID == a }.max { activity($0.clientID, from: moveWeek) < activity($1.clientID, from: moveWeek) })
        let y = try #require(dataset.clients.filter { $0.managerID == b }.max { activity($0.clientID, from: closeWeek) < activity($1.clientID, from: closeWeek) })
        #expect(activity(x.clientID, from: moveWeek) > 0 && activity(y.clientID, from: closeWeek) > 0)
        let moveRecorded = try DirectoryChanger.apply(
            .move(client: ref(x.clientID, .client), manager: .reference(ref(b, .manager)), branch: nil), from: moveWeek, store: store,
            key: generated.signingKey, anchor: .previous(head))
        let (moved, afterMove) = (moveRecorded.record, moveRecorded.head)
        let closeRecorded = try DirectoryChanger.apply(
            .close(client: ref(y.clientID, .client)), from: closeWeek, store: store, key: generated.signingKey, anchor: .previous(afterMove))
        let (closed, signed) = (closeRecorded.record, closeRecorded.head)
        #expect(moved.status == .active && closed.status == .closed && closed.manager == nil)
        let report = try StoreVerifier.verify(store: store, pinnedKey: generated.signingKey.verificationKey, anchor: .previous(signed))
        #expect(report.intact, "\(report.violations)")
        #expect(report.retention.contains { $0.hasPrefix("directory: client moved from \(moveWeek) (\(moved.versionID)") })
        #expect(report.retention.contains { $0.hasPrefix("directory: account closed from \(closeWeek) (\(closed.versionID)") })
        try store.read { db in
            let logged = try String.fetchAll(db, sql: "SELECT parameters FROM audit_log WHERE action LIKE 'directory.%'")
            #expect(logged.count == 2 && logged.allSatisfy { !$0.contains(x.clientID) && !$0.contains(ref(x.clientID, .client)) })
        }

        // The run and the aggregates of the earlier directory version are refused (exit 65).
        let staleRun = #expect(throws: PipelineError.self) {
            _ = try evaluator.aggregates(of: before, store: store, galoisKeys: galoisKeys, minGroupSize: 1)
        }
        #expect(staleRun?.category.exitCode == 65)
        guard case .directoryVersionMismatch(_, .none, let current)? = staleRun else { Issue.record("\(String(describing: staleRun))"); return }
        #expect(current == (try DirectoryTimeline.version(in: store)))
        let staleFile = #expect(throws: PipelineError.self) {
            _ = try keyHolder.decrypt(aggregates: staleAggregates, minGroupSize: 1, store: store)
        }
        #expect(staleFile?.category.exitCode == 65)

        // The aggregates of the current version equal the week-by-week plaintext reference.
        let run = try evaluator.evaluate(store: store, configuration: HeatConfiguration())
        #expect(run.header.directoryVersion == (try DirectoryTimeline.version(in: store)))
        let aggregates = try evaluator.aggregates(of: run, store: store, galoisKeys: galoisKeys, minGroupSize: 1)
        let decrypted = try keyHolder.decrypt(aggregates: aggregates, minGroupSize: 1, store: store)
        let released = Dictionary(uniqueKeysWithValues: decrypted.map { ("\($0.kind.rawValue) \($0.ref)", $0) })
        let byID = Dictionary(uniqueKeysWithValues: (dataset.clients + [newcomer]).map { ($0.clientID, $0) })
        let reference = try ISOWeek(parsing: run.header.asOfWeek)
        let expected = Self.reference(
            interactions: dataset.interactions + late, clients: Array(byID.keys), reference: reference
        ) { id, week in
            guard let client = byID[id] else { return nil }
            if id == y.clientID && week >= closeWeek { return nil }
            let manager = id == x.clientID && week >= moveWeek ? b : client.managerID
            return Membership(manager: ref(manager, .manager), branch: ref(client.branch, .branch), segment: client.segment, region: client.region)
        }
        #expect(Set(released.keys) == Set(expected.keys))
        for (key, total) in expected {
            #expect(released[key] == total, "\(key): encrypted \(String(describing: released[key])) vs plaintext \(total)")
        }
        // The move matters: A keeps X's weeks before moveWeek only, B gets the rest.
        let naive = Self.reference(interactions: dataset.interactions + late, clients: Array(byID.keys), reference: reference) { id, _ in
            byID[id].map { Membership(manager: ref($0.managerID, .manager), branch: nil, segment: nil, region: nil) }
        }
        let managerA = "manager \(ref(a, .manager))"
        let managerB = "manager \(ref(b, .manager))"
        #expect(released[managerA]?.heatSum != naive[managerA]?.heatSum && released[managerB]?.heatSum != naive[managerB]?.heatSum)
        #expect(released[managerA].map(\.heatSum).map { $0 + (released[managerB]?.heatSum ?? 0) }
                != naive[managerA].map(\.heatSum).map { $0 + (naive[managerB]?.heatSum ?? 0) },
                "Y's closed weeks are summed into no manager")
        let methods = Dictionary(uniqueKeysWithValues: aggregates.header.groups.map { ("\($0.kind.rawValue) \($0.ref)", $0.method) })
        #expect(methods[managerA] == "versioned" && methods[managerB] == "versioned")
        #expect(methods.values.contains { $0 != "versioned" }, "groups whose members never change keep the plain path")
        #expect(aggregates.header.directoryVersion == run.header.directoryVersion)

        // History lists masked references only.
        let history = try DirectoryChanger.history(of: ref(x.clientID, .client), in: store)
        #expect(history.count == 2 && history[1].manager == ref(b, .manager) && history[1].fromWeek == moveWeek.description)
        #expect(history[0].manager == ref(a, .manager))
    }

    /// A plaintext store with one signed move.
    static func movedStore() throws -> (store: HeatStore, folder: URL, keys: GeneratedKeys, head: SignedHead, version: DirectoryVersion) {
        let (store, folder) = try StoreTestSupport.makeStore()
        let keys = try KeyFolder.generate(at: folder.appending(path: "keys").path)
        try KeyRegistry.recordGenerated(keys, in: store)
        let interactions = try (0..<12).map { index in
            try StoreTestSupport.interaction(event: "E-\(index)", client: "CLIENT-RAW-\(index % 4)", manager: index % 2 == 0 ? "MGR-A" : "MGR-B",
                                             at: "2026-03-0\(2 + index % 5)T10:00:00Z")
        }
        _ = try StoreIngestor(key: keys.pseudonymisationKey, signer: StoreTestSupport.signer(keys))
            .ingest(interactions, clients: [], into: store, source: .init(name: "a.csv", inputHash: String(repeating: "a", count: 64)))
        let head = try HeadSigner.sign(store: store, with: keys.signingKey, anchor: .firstHead)
        let client = Pseudonymizer(key: keys.pseudonymisationKey).pseudonym(for: "CLIENT-RAW-0", kind: .client).displayRef
        let manager = Pseudonymizer(key: keys.pseudonymisationKey).pseudonym(for: "MGR-B", kind: .manager).displayRef
        let recorded = try DirectoryChanger.apply(.move(client: client, manager: .reference(manager), branch: nil),
                                                  from: try ISOWeek(parsing: "2026-W11"), store: store, key: keys.signingKey,
                                                  anchor: .previous(head))
        let (version, signed) = (recorded.record, recorded.head)
        return (store, folder, keys, signed, version)
    }

    /// Issue 27 (s35): score releases place clients in the directory versions at the scores'
    /// reference week; a store without versions keeps the directory rows (`nil`), and scores that
    /// carry no reference week (tree scores from before the header recorded it) are refused on a
    /// versioned store (exit 65) rather than guess.
    @Test func scoreAssignmentsFollowTheVersionsAndNeedAReferenceWeek() throws {
        let (plain, plainFolder) = try StoreTestSupport.makeStore()
        defer { try? FileManager.default.removeItem(at: plainFolder) }
        #expect(try DirectoryTimeline.scoreAssignments(in: plain, key: nil, asOfWeek: nil, source: "the scores") == nil)
        let (moved, folder, keys, _, version) = try Self.movedStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let key = keys.signingKey.verificationKey
        let refused = #expect(throws: ScoringError.self) {
            _ = try DirectoryTimeline.scoreAssignments(in: moved, key: key, asOfWeek: nil, source: "the tree scores")
        }
        #expect(refused == .versionedDirectory(source: "the tree scores") && refused?.category.exitCode == 65)
        #expect(refused?.description.contains("field asOfWeek") == true && refused?.description.contains("CLIENT-RAW") == false)
        let pseudonymizer = Pseudonymizer(key: keys.pseudonymisationKey)
        let managerB = pseudonymizer.pseudonym(for: "MGR-B", kind: .manager)
        let before = try #require(try DirectoryTimeline.scoreAssignments(in: moved, key: key, asOfWeek: "2026-W10", source: "s"))
        let after = try #require(try DirectoryTimeline.scoreAssignments(in: moved, key: key, asOfWeek: "2026-W11", source: "s"))
        #expect(before[version.slot]?.manager != managerB && after[version.slot]?.manager == managerB)
        #expect(after[version.slot]?.managerRef == managerB.displayRef && after[version.slot]?.active == true)
    }

    @Test func aForgedOrAlteredDirectoryVersionFailsAuditVerify() throws {
        let (store, folder, keys, head, version) = try Self.movedStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let pinned = keys.signingKey.verificationKey
        #expect(try StoreVerifier.verify(store: store, pinnedKey: pinned, anchor: .previous(head)).intact)
        #expect(try DirectoryTimeline.current(in: store).assignment(slot: version.slot, week: try ISOWeek(parsing: "2026-W10"))?.manager
                != (try DirectoryTimeline.current(in: store).assignment(slot: version.slot, week: try ISOWeek(parsing: "2026-W11"))?.manager))

        // A version signed by another key, chained correctly after the head.
        let thief = try KeyFolder.generate(at: folder.appending(path: "thief").path)
        let forged = try DirectoryVersion.signed(
            versionID: "V-0badf00d", slot: version.slot, fromWeek: try ISOWeek(parsing: "2026-W09"), status: .closed, manager: nil,
            branch: nil, with: thief.signingKey)
        try store.write { db in _ = try ChainAppender(db, table: .directoryVersions).append(forged.rowValues) }
        let report = try StoreVerifier.verify(store: store, pinnedKey: pinned, anchor: .previous(head), allowUnsignedTail: true)
        #expect(report.violations.contains { $0.kind == .badDirectoryVersion && $0.table == "directory_versions" && $0.seq == 2 },
                "\(report.violations)")
        // Changing the stored manager and recomputing the chain (no signing key) breaks the signature.
        let attacker = try StoreTestSupport.attacker(store.path)
        try attacker.write { db in
            try StoreTestSupport.forgeDirectoryVersion(db, deleting: [2], recomputeChain: true)
            for trigger in StoreSchema.triggerStatements(for: .directoryVersions) { try db.execute(sql: trigger) }
        }
        let altered = try StoreVerifier.verify(store: HeatStore(readingFrom: store.path), pinnedKey: pinned, anchor: .previous(head))
        #expect(altered.violations.contains { $0.kind == .badDirectoryVersion && $0.seq == 1 }, "\(altered.violations)")
    }

    @Test func changesThatNameNothingOrChangeNothingAreRefusedWithoutEchoingTheReference() throws {
        let (store, folder, keys, head, version) = try Self.movedStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let pseudonymizer = Pseudonymizer(key: keys.pseudonymisationKey)
        let client = pseudonymizer.pseudonym(for: "CLIENT-RAW-0", kind: .client).displayRef
        let week = version.fromWeek
        func refusal(_ change: DirectoryChanger.Change) -> DirectoryError? {
            #expect(throws: DirectoryError.self) {
                _ = try DirectoryChanger.apply(change, from: week, store: store, key: keys.signingKey, anchor: .previous(head))
            }
        }
        let unknown = refusal(.move(client: "C-00000000", manager: .reference("M-00000000"), branch: nil))
        #expect(unknown == .badReference(option: "--client", matches: 0) && unknown?.category.exitCode == 65)
        #expect(unknown?.description.contains("C-00000000") == false)
        let badManager = refusal(.move(client: client, manager: .reference("M-12"), branch: nil))
        #expect(badManager == .badReference(option: "--manager", matches: 0))
        let same = refusal(.move(client: client, manager: .reference(pseudonymizer.pseudonym(for: "MGR-B", kind: .manager).displayRef), branch: nil))
        #expect(same?.category.exitCode == 64)
        #expect(refusal(.move(client: client, manager: nil, branch: nil)) == .emptyMove)
        // A manager new to the store, by raw id: recorded; then closing twice is refused.
        let signed = try DirectoryChanger.apply(.move(client: client, manager: .rawID("MGR-NEW", key: keys.pseudonymisationKey), branch: nil),
                                                from: week.advanced(by: 1), store: store, key: keys.signingKey, anchor: .previous(head)).head
        let again = try DirectoryChanger.apply(.close(client: client), from: week.advanced(by: 2), store: store, key: keys.signingKey,
                                               anchor: .previous(signed)).head
        #expect(throws: DirectoryError.noChange(fromWeek: week.advanced(by: 3).description, reason: "the account is already closed that week")) {
            _ = try DirectoryChanger.apply(.close(client: client), from: week.advanced(by: 3), store: store, key: keys.signingKey,
                                           anchor: .previous(again))
        }
        let timeline = try DirectoryTimeline.current(in: store)
        #expect(timeline.assignment(slot: version.slot, week: week.advanced(by: 1))?.manager == pseudonymizer.pseudonym(for: "MGR-NEW", kind: .manager))
        #expect(timeline.assignment(slot: version.slot, week: week.advanced(by: 2))?.active == false)
        // An unsigned tail refuses the change (exit 1), nothing recorded.
        _ = try StoreIngestor(key: keys.pseudonymisationKey, signer: StoreTestSupport.signer(keys)).ingest(
            [try StoreTestSupport.interaction(event: "TAIL", client: "CLIENT-RAW-9", at: "2026-03-04T10:00:00Z")], clients: [], into: store,
            source: .init(name: "b.csv", inputHash: String(repeating: "b", count: 64)))
        let rows = try store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM directory_versions") }
        let unsigned = #expect(throws: DirectoryError.self) {
            _ = try DirectoryChanger.apply(.close(client: client), from: week.advanced(by: 5), store: store, key: keys.signingKey,
                                           anchor: .previous(again))
        }
        #expect(unsigned?.category.exitCode == 1)
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM directory_versions") } == rows)
    }

    // MARK: Review fixes (issue 27 review, HIGH 1-4)

    /// HIGH 3 and HIGH 1: B has k members and k-1 of them move to A (which had fewer than k) from
    /// the window's third week. Neither group has k members in every period, so the evaluator
    /// suppresses both (B had k distinct members, A has k at the reference week) and the release
    /// withholds A instead of summing its members' unattributed heat. Then a forged, unsigned
    /// version (chain recomputed) makes the key holder refuse to decrypt (exit 1), and the
    /// evaluator with a trusted key refuses to compute.
    @Test func aVersionedGroupUnderKInSomeWeekIsSuppressedAndAForgedVersionIsRefusedBeforeDecryption() throws {
        let dataset = SyntheticBank(clients: 30, managers: 3, branches: 2, weeks: 8, seed: 7).generate()
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (store, keys, generated) = try StoreTestSupport.encryptedStore(in: folder, preset: EncryptedAggregateTests.preset)
        let collector = try Collector(folder: KeyFolder(path: "\(keys)/collector", role: .collector))
        _ = try collector.ingestor(signer: StoreTestSupport.signer(generated)).ingest(
            dataset.interactions, clients: dataset.clients, into: store, source: .init(name: "export.csv", inputHash: String(repeating: "0", count: 64)))
        var head = try HeadSigner.sign(store: store, with: generated.signingKey, anchor: .firstHead)
        let pseudonymizer = Pseudonymizer(key: generated.pseudonymisationKey)
        func ref(_ id: String, _ kind: Pseudonym.Kind) -> String { pseudonymizer.pseudonym(for: id, kind: kind).displayRef }
        let counts = Dictionary(grouping: dataset.clients, by: \.managerID).mapValues(\.count).sorted { ($0.value, $0.key) < ($1.value, $1.key) }
        let (a, small) = (try #require(counts.first).key, try #require(counts.first).value)
        let (b, k) = (try #require(counts.last).key, try #require(counts.last).value)
        try #require(small < k && k > 1)
        let weeks = Set(dataset.interactions.map(\.week)).sorted()
        let moveWeek = weeks[2]
        for mover in dataset.clients.filter({ $0.managerID == b }).dropFirst() {
            head = try DirectoryChanger.apply(
                .move(client: ref(mover.clientID, .client), manager: .reference(ref(a, .manager)), branch: nil), from: moveWeek, store: store,
                key: generated.signingKey, anchor: .previous(head)).head
        }
        let evaluator = try Evaluator(folder: KeyFolder(path: "\(keys)/evaluator", role: .evaluator))
        let galoisKeys = try evaluator.galoisKeys(in: KeyFolder(path: "\(keys)/evaluator", role: .evaluator))
        let keyHolder = try KeyHolder(keysAt: "\(keys)/keyholder")
        #expect(keyHolder.trustedKey == generated.signingKey.verificationKey)
        let run = try evaluator.evaluate(store: store, configuration: HeatConfiguration())
        let reference = try ISOWeek(parsing: run.header.asOfWeek)
        #expect(reference.advanced(by: -(Evaluator.windowSpan(HeatConfiguration()) - 1)) < moveWeek, "the window starts before the move")
        let managerA = "manager \(ref(a, .manager))"
        let managerB = "manager \(ref(b, .manager))"
        let aggregates = try evaluator.aggregates(of: run, store: store, galoisKeys: galoisKeys, minGroupSize: k, trustedKey: generated.signingKey.verificationKey)
        let planned = Set(aggregates.header.groups.map { "\($0.kind.rawValue) \($0.ref)" })
        #expect(!planned.contains(managerB), "B keeps 1 of its k members from the move on")
        #expect(!planned.contains(managerA), "A had \(small) < k members before the move")
        #expect((aggregates.header.suppressed["manager"] ?? 0) >= 2)

        // The release withholds A (k members at the reference week, but not in every week).
        let decrypted = try keyHolder.decrypt(aggregates: aggregates, minGroupSize: k, store: store)
        let entries = try EncryptedClientDirectory.entries(in: store, keyHolder: keyHolder, run: run, configuration: HeatConfiguration(), asOf: run.header.asOf)
        var input = try StoreRelease.input(from: store, asOf: run.header.asOf, entries: entries)
        #expect(input.clients.filter { $0.groups[.manager] == ref(a, .manager) }.count == small + k - 1, "the movers are A's at the reference week")
        let ownOfA = try keyHolder.decrypt(run: run, store: store, manager: pseudonymizer.pseudonym(for: a, kind: .manager))
        #expect(ownOfA.count == small + k - 1, "a manager's own-clients decryption follows the assignment at the reference week")
        input.groupAggregates = decrypted
        input.mode = .encrypted
        var policy = PrivacyPolicy.default
        policy.minGroupSize = k
        let outcome = try ReleaseEngine(policy: policy).release(input, request: ReleaseRequest(role: "executive"), generatedAt: .now())
        let released = Set((outcome.document.groups ?? []).map { "\($0.kind.rawValue) \($0.ref)" })
        #expect(!released.contains(managerA) && !released.contains(managerB), "\(released)")
        #expect(outcome.withheld.contains { $0.item == managerA && $0.rule == "minGroupSize" }, "\(outcome.withheld)")

        // HIGH 1: a forged, unsigned version (closing a client from the window's first week), its
        // chain recomputed by ChainAppender as anyone who can write the database can.
        let forged = DirectoryVersion(
            recordedAt: .now(), versionID: "V-0badf00d", slot: 0, fromWeek: weeks[0], status: .closed, manager: nil, branch: nil,
            keyFingerprint: generated.signingKey.verificationKey.fingerprint.hex, signature: String(repeating: "0", count: 128))
        try StoreTestSupport.attacker(store.path).write { db in _ = try ChainAppender(db, table: .directoryVersions).append(forged.rowValues) }
        let forgedRun = try evaluator.evaluate(store: store, configuration: HeatConfiguration())
        // An evaluator without a trusted key computes; the key holder refuses before decrypting.
        let forgedAggregates = try evaluator.aggregates(of: forgedRun, store: store, galoisKeys: galoisKeys, minGroupSize: k)
        #expect(forgedAggregates.header.directoryVersion == (try DirectoryTimeline.version(in: store)), "the chain head matches: only the signature tells")
        let refused = #expect(throws: DirectoryError.self) {
            _ = try keyHolder.decrypt(aggregates: forgedAggregates, minGroupSize: k, store: store)
        }
        #expect(refused?.category.exitCode == 1)
        guard case .unverifiedVersions(let violations)? = refused else { Issue.record("\(String(describing: refused))"); return }
        #expect(violations.count == 1 && violations[0].contains("V-0badf00d"), "\(violations)")
        let computing = #expect(throws: DirectoryError.self) {
            _ = try evaluator.aggregates(of: forgedRun, store: store, galoisKeys: galoisKeys, minGroupSize: k,
                                         trustedKey: generated.signingKey.verificationKey)
        }
        #expect(computing?.category.exitCode == 1)
        #expect(throws: DirectoryError.self) { _ = try DirectoryVersion.verifiedVersion(in: store, key: nil) }
    }

    /// HIGH 4 and HIGH 2: client rows follow the assignment at the release's reference week (a
    /// moved client's row goes to the new manager only; a closed account has no row after its
    /// closure), and a change starting at or before a released reference week is refused (exit 64).
    @Test func clientRowsFollowTheReferenceWeekAndABackdatedChangeIsRefused() throws {
        let (store, folder, keys, head, version) = try Self.movedStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let pseudonymizer = Pseudonymizer(key: keys.pseudonymisationKey)
        let moved = pseudonymizer.pseudonym(for: "CLIENT-RAW-0", kind: .client)
        let (managerA, managerB) = (pseudonymizer.pseudonym(for: "MGR-A", kind: .manager).displayRef,
                                    pseudonymizer.pseudonym(for: "MGR-B", kind: .manager).displayRef)
        #expect(version.fromWeek.description == "2026-W11")
        let week11 = try CalendarDate(iso8601: "2026-03-15")
        func rows(_ manager: String, asOf: CalendarDate) throws -> Set<String> {
            let input = try StoreRelease.input(from: store, asOf: asOf)
            let outcome = try ReleaseEngine(policy: .default).release(
                input, request: ReleaseRequest(role: "manager", manager: manager), generatedAt: .now())
            return Set((outcome.document.clients ?? []).map(\.ref))
        }
        // Before the move (2026-W10) the client is A's; from W11 on, B's and not A's.
        #expect(try rows(managerA, asOf: try CalendarDate(iso8601: "2026-03-08")).contains(moved.displayRef))
        #expect(try !rows(managerA, asOf: week11).contains(moved.displayRef), "the old manager gets no row after the move")
        #expect(try rows(managerB, asOf: week11).contains(moved.displayRef), "the new manager gets the moved client's row")

        // Encrypted aggregates that hold no group: no group is released from per-client sums.
        var anyK = PrivacyPolicy.default
        anyK.minGroupSize = 1
        var withoutGroups = try StoreRelease.input(from: store, asOf: week11)
        withoutGroups.groupAggregates = []
        let noGroups = try ReleaseEngine(policy: anyK).release(withoutGroups, request: ReleaseRequest(role: "executive"), generatedAt: .now())
        #expect((noGroups.document.groups ?? []).isEmpty, "\(String(describing: noGroups.document.groups))")
        #expect(noGroups.withheld.contains { $0.item == "manager \(managerB)" && $0.rule == "minGroupSize" }, "\(noGroups.withheld)")

        // A recorded release at W11, then a change from W11 (or before) is refused; from W12 it is recorded.
        _ = try StoreRelease.release(try StoreRelease.input(from: store, asOf: week11), in: store, policy: .default,
                                     request: ReleaseRequest(role: "manager", manager: managerB))
        #expect(try store.read { db in try DirectoryChanger.latestReleasedWeek(in: db) }?.description == "2026-W11")
        let signed = try HeadSigner.sign(store: store, with: keys.signingKey, anchor: .previous(head))
        let backdated = #expect(throws: DirectoryError.self) {
            _ = try DirectoryChanger.apply(.close(client: moved.displayRef), from: try ISOWeek(parsing: "2026-W11"), store: store,
                                           key: keys.signingKey, anchor: .previous(signed))
        }
        #expect(backdated == .releasedWeek(fromWeek: "2026-W11", releasedThrough: "2026-W11") && backdated?.category.exitCode == 64)
        #expect(backdated?.description.contains("--from-week") == true)
        _ = try DirectoryChanger.apply(.close(client: moved.displayRef), from: try ISOWeek(parsing: "2026-W12"), store: store,
                                       key: keys.signingKey, anchor: .previous(signed))
        // After the closure (W12) the account has no row for either manager, and is in no release input.
        let week12 = try CalendarDate(iso8601: "2026-03-22")
        #expect(try !rows(managerA, asOf: week12).contains(moved.displayRef) && !rows(managerB, asOf: week12).contains(moved.displayRef))
        #expect(try !StoreRelease.input(from: store, asOf: week12).clients.contains { $0.id == moved.hex })
        #expect(try StoreRelease.input(from: store, asOf: week11).clients.contains { $0.id == moved.hex })
    }
}

/// The review fixes through the built `heatctl`: `release` refuses a store holding a forged,
/// unsigned directory version (exit 1), and `directory move` refuses a week a release covered (exit 64).
@Suite(.enabled(if: BuiltHeatctl.url != nil, "heatctl is not built"))
struct DirectoryVersionCLITests {
    func run(_ arguments: [String]) throws -> BuiltHeatctl.Outcome { try BuiltHeatctl.run(arguments) }

    @Test func releaseRefusesAForgedVersionAndMoveRefusesAReleasedWeek() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appending(path: "heat.db").path
        let keys = folder.appending(path: "keys").path
        let head = folder.appending(path: "head.heat").path
        let out = folder.appending(path: "results.json").path
        var csv = "event_id,client_id,manager_id,branch,channel,direction,occurred_at,duration_seconds,replied_within_hours\n"
        for (n, day) in ["2026-03-02", "2026-03-03"].enumerated() {
            for client in 1...6 { csv += "E\(n)-\(client),CL-SECRET-\(client),RM-\(client <= 3 ? 1 : 2),North,call,outbound,\(day)T09:30:00Z,600,\n" }
        }
        let input = folder.appending(path: "in.csv").path
        try Data(csv.utf8).write(to: URL(filePath: input))
        #expect(try run(["init", "--store", db]).status == 0)
        #expect(try run(["keys", "generate", "--out", keys, "--store", db]).status == 0)
        #expect(try run(["ingest", input, "--store", db, "--keys", "\(keys)/collector", "--plaintext"]).status == 0)
        #expect(try run(["audit", "sign", "--store", db, "--keys", "\(keys)/keyholder", "--first-head", "--head-out", head]).status == 0)
        let pseudonymizer = Pseudonymizer(key: try KeyFolder(path: "\(keys)/collector", role: .collector).pseudonymisationKey())
        let client = pseudonymizer.pseudonym(for: "CL-SECRET-1", kind: .client).displayRef
        let manager = pseudonymizer.pseudonym(for: "RM-2", kind: .manager).displayRef
        let release = ["release", "--store", db, "--keys", "\(keys)/keyholder", "--role", "executive", "--out", out]
        #expect(try run(release).status == 0)   // reference week 2026-W10
        #expect(try run(["audit", "sign", "--store", db, "--keys", "\(keys)/keyholder", "--previous-head", head, "--head-out", head]).status == 0)
        let move = ["directory", "move", "--store", db, "--keys", "\(keys)/keyholder", "--client", client, "--manager", manager,
                    "--previous-head", head, "--head-out", head, "--from-week"]
        let backdated = try run(move + ["2026-W10"])
        #expect(backdated.status == 64 && backdated.stderr.contains("--from-week"), "\(backdated.stderr)")
        #expect(try run(move + ["2026-W11"]).status == 0)
        #expect(try run(release).status == 0, "signed versions verify")
        // A forged, unsigned version appended with a valid chain: the release is refused (exit 1).
        let verification = try KeyFolder(path: "\(keys)/keyholder", role: .keyholder).signingKey().verificationKey
        let forged = DirectoryVersion(
            recordedAt: .now(), versionID: "V-0badf00d", slot: 0, fromWeek: try ISOWeek(parsing: "2026-W09"), status: .closed, manager: nil,
            branch: nil, keyFingerprint: verification.fingerprint.hex, signature: String(repeating: "0", count: 128))
        try StoreTestSupport.attacker(db).write { db in _ = try ChainAppender(db, table: .directoryVersions).append(forged.rowValues) }
        let refused = try run(release)
        #expect(refused.status == 1 && refused.stderr.contains("directory version"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("CL-SECRET"))
    }
}
