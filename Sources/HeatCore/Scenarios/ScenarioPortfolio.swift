import Foundation

/// The portfolio a scenario stresses: every client's weekly activity with masked references and
/// their manager, branch and segment. It is always a copy: building it from a store reads a
/// temporary copy of the database file, so a scenario can never change the store.
///
/// ```swift
/// let portfolio = try ScenarioPortfolio(storeAt: "heat.db")
/// let fromExport = ScenarioPortfolio(ledger: ledger, directory: clientsByID,
///                                    pseudonymizer: Pseudonymizer(key: .random()), asOf: nil)
/// ```
public struct ScenarioPortfolio: Sendable {
    /// One client of the portfolio.
    public struct Member: Sendable, Hashable {
        /// The masked client reference (`C-…`).
        public var ref: String
        /// The masked manager reference, when known.
        public var manager: String?
        /// The masked branch reference, when known.
        public var branch: String?
        /// The segment label, when known.
        public var segment: String?
        /// Weekly activity.
        public var weeks: [ISOWeek: WeekActivity]

        /// Creates a member.
        public init(ref: String, manager: String?, branch: String?, segment: String?, weeks: [ISOWeek: WeekActivity]) {
            self.ref = ref
            self.manager = manager
            self.branch = branch
            self.segment = segment
            self.weeks = weeks
        }
    }

    /// The clients, sorted by reference (the order fixes each client's random stream).
    public var members: [Member]
    /// The reference week.
    public var asOf: ISOWeek
    /// `store` or `export`.
    public var source: String

    /// Creates a portfolio from members (sorted here by reference).
    ///
    /// - Parameters:
    ///   - members: the clients.
    ///   - asOf: the reference week.
    ///   - source: a label for the results document.
    public init(members: [Member], asOf: ISOWeek, source: String) {
        self.members = members.sorted { $0.ref < $1.ref }
        self.asOf = asOf
        self.source = source
    }

    /// Builds a portfolio from an interaction export's ledger.
    ///
    /// - Parameters:
    ///   - ledger: the bucketed interactions.
    ///   - directory: clients by raw id (segment, manager and branch); clients missing from it
    ///     take the manager and branch of their latest interaction and no segment.
    ///   - pseudonymizer: masks client, manager and branch ids.
    ///   - asOf: the reference date, or `nil` for the latest interaction's.
    public init(ledger: ActivityLedger, directory: [String: Client], pseudonymizer: Pseudonymizer, asOf: CalendarDate?) {
        let ids = Set(ledger.clients.keys).union(directory.keys).sorted()
        func refs(_ raw: [String], _ kind: Pseudonym.Kind) -> [String: String] {
            let pseudonyms = Dictionary(raw.map { ($0, pseudonymizer.pseudonym(for: $0, kind: kind)) }, uniquingKeysWith: { a, _ in a })
            let display = Pseudonymizer.displayRefs(for: Array(pseudonyms.values))
            return pseudonyms.mapValues { display[$0] ?? $0.displayRef }
        }
        var managers: [String: String] = [:], branches: [String: String] = [:]
        for id in ids {
            if let client = directory[id] {
                managers[id] = client.managerID
                branches[id] = client.branch
            } else if let seen = ledger.assignments[id] {
                managers[id] = seen.managerID
                branches[id] = seen.branch
            }
        }
        let clientRefs = refs(ids, .client)
        let managerRefs = refs(Array(Set(managers.values)), .manager)
        let branchRefs = refs(Array(Set(branches.values)), .branch)
        let members = ids.map { id in
            Member(ref: clientRefs[id] ?? id, manager: managers[id].flatMap { managerRefs[$0] },
                   branch: branches[id].flatMap { branchRefs[$0] }, segment: directory[id]?.segment,
                   weeks: ledger.clients[id] ?? [:])
        }
        let reference = asOf?.isoWeek ?? ledger.latestWeek ?? UTCTimestamp.now().isoWeek
        self.init(members: members, asOf: reference, source: "export")
    }

    /// Builds a portfolio from a store, reading a temporary copy of its database file (and its
    /// write-ahead log), which is deleted afterwards: the store's own files are only read.
    ///
    /// - Parameters:
    ///   - path: the store's database file.
    ///   - asOf: the reference date, or `nil` for the latest stored week.
    ///   - trustedKey: the key holder's store verification key, which every directory version
    ///     must verify under (``init(store:asOf:trustedKey:)``).
    /// - Throws: ``StoreError`` for a missing or unusable store, an I/O error copying it, or
    ///   ``DirectoryError/unverifiedVersions(violations:)`` (exit 1).
    public init(storeAt path: String, asOf: CalendarDate? = nil, trustedKey: StoreVerificationKey? = nil) throws {
        let manager = FileManager.default
        guard manager.fileExists(atPath: path) else { throw StoreError.missingFile(path: path) }
        let folder = manager.temporaryDirectory.appending(path: "heat-scenario-\(UUID().uuidString)")
        do {
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw StoreError.io(path: folder.path, reason: "cannot create a temporary folder for the store copy")
        }
        defer { try? manager.removeItem(at: folder) }
        let copy = folder.appending(path: "copy.db")
        do {
            try manager.copyItem(at: URL(filePath: path), to: copy)
            if manager.fileExists(atPath: path + "-wal") {
                try manager.copyItem(at: URL(filePath: path + "-wal"), to: URL(filePath: copy.path + "-wal"))
            }
        } catch {
            throw StoreError.io(path: path, reason: "cannot copy the store for the scenario (\((error as NSError).localizedDescription))")
        }
        let store = try HeatStore(path: copy.path)
        try self.init(store: store, asOf: asOf, trustedKey: trustedKey)
    }

    /// Builds a portfolio from an open store (read only). Prefer ``init(storeAt:asOf:)``, which
    /// reads a copy. Each client's manager and branch are those in force at the reference week
    /// under the store's directory versions (``DirectoryTimeline/inForce(_:week:)``); accounts
    /// closed by then are left out.
    ///
    /// - Parameters:
    ///   - store: the store.
    ///   - asOf: the reference date, or `nil` for the latest stored week.
    ///   - trustedKey: the key holder's store verification key. Review s37 MEDIUM 5: when the
    ///     store has directory versions, every one must verify under it (or a key it rotated to)
    ///     before it moves a client between groups, as for releases
    ///     (``DirectoryVersion/verifiedVersion(in:key:)``); `nil` refuses a store with versions.
    /// - Throws: ``StoreError``, ``DirectoryError/unverifiedVersions(violations:)`` (exit 1) for a
    ///   forged, unsigned or altered version, or versions and no key.
    public init(store: HeatStore, asOf: CalendarDate? = nil, trustedKey: StoreVerificationKey? = nil) throws {
        _ = try DirectoryVersion.verifiedVersion(in: store, key: trustedKey)
        let raw = try ClientDirectory.entries(in: store)
        let buckets = try ClientDirectory.buckets(in: store)
        var weeks: [String: [ISOWeek: WeekActivity]] = [:]
        var latest: ISOWeek?
        for bucket in buckets {
            weeks[bucket.client.hex, default: [:]][bucket.week, default: WeekActivity()][bucket.channel, bucket.direction] = bucket.activityBucket
            if bucket.events > 0, latest.map({ bucket.week > $0 }) ?? true { latest = bucket.week }
        }
        let reference = asOf?.isoWeek ?? latest ?? UTCTimestamp.now().isoWeek
        // Issue 27: each client under the manager and branch in force at the reference week;
        // accounts closed by then are left out (as releases do). Review s37 MEDIUM 4: that week is
        // the one `clients --as-of` and `release` take (the last complete week on or before the
        // date, ClientDirectory.referenceWeek), so the three group a client alike on any day.
        let directoryWeek = asOf.map(StoreHeat.referenceWeek(asOf:)) ?? reference
        let entries = try DirectoryTimeline.current(in: store).inForce(raw, week: directoryWeek)
        let members = entries.map { entry in
            Member(ref: entry.ref, manager: entry.manager, branch: entry.branch, segment: entry.segment, weeks: weeks[entry.pseudonym] ?? [:])
        }
        self.init(members: members, asOf: reference, source: "store")
    }
}
