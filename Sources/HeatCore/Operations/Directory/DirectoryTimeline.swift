import Foundation
import GRDB
import HeatEnvelope

/// The client directory week by week (issue 27, item 3): which manager and branch each client
/// (slot) belongs to in each ISO week, and whether their account is open, from the
/// `client_directory` rows and the signed ``DirectoryVersion``s.
///
/// The assignment of a slot in week `w` is its version with the latest `fromWeek <= w` (the
/// later row when two share a week), else its directory row (manager and branch of its first
/// ingestion, open). Segment and region are attributes of the client and do not move; a
/// closed account belongs to no group. Aggregates attribute **each week's contribution** to the
/// groups of that week: ``split(first:last:)`` cuts a heat window into periods at every version
/// week inside it (the assignment is constant within a period) and tells which groups keep the
/// same members in every period (summed as before) and which do not (summed period by period,
/// ``Evaluator/aggregates(of:store:configuration:galoisKeys:minGroupSize:)``).
///
/// ```swift
/// let timeline = try DirectoryTimeline.current(in: store)
/// let split = timeline.split(first: reference.advanced(by: -51), last: reference)
/// split.versioned.count   // groups whose members change inside the window
/// ```
public struct DirectoryTimeline: Sendable {
    /// A client's groups in one week.
    public struct Assignment: Sendable, Hashable {
        /// The manager pseudonym, when any.
        public var manager: Pseudonym?
        /// The branch pseudonym, when any.
        public var branch: Pseudonym?
        /// Whether the account is open.
        public var active: Bool
    }

    /// One client of the directory (pseudonymous).
    struct Client: Sendable {
        var pseudonym: Pseudonym
        var slot: Int64
        var base: Assignment
        var segment: String?
        var region: String?
    }

    /// A run of consecutive weeks in which no assignment changes.
    public struct Period: Sendable, Hashable {
        /// The first week.
        public var first: ISOWeek
        /// The last week.
        public var last: ISOWeek

        /// Whether `week` lies in the period.
        public func contains(_ week: ISOWeek) -> Bool { first <= week && week <= last }
    }

    /// A group whose members differ between the periods of a window, with its slots per period.
    public struct VersionedGroup: Sendable, Hashable {
        /// The group kind.
        public var kind: GroupSummary.Kind
        /// The display reference or label.
        public var ref: String
        /// Its members' slots in each period (ascending), in period order.
        public var slotsByPeriod: [[Int]]
        /// Distinct clients that belong to it in at least one period.
        public var clients: Int
    }

    /// What a window looks like under the directory's versions.
    public struct Split: Sendable {
        /// The window's periods, in order (one when nothing changes inside it).
        public var periods: [Period]
        /// The directory with each client's groups that keep the same members in every period;
        /// a group whose members change is `nil` in every entry (it is in ``versioned``).
        public var constantEntries: [ClientDirectoryEntry]
        /// The groups whose members change, by kind then reference.
        public var versioned: [VersionedGroup]
    }

    /// The clients in slot order.
    let clients: [Client]
    /// Per slot, the valid-looking versions sorted by week then seq.
    let versions: [Int64: [(week: ISOWeek, seq: Int64, assignment: Assignment)]]
    /// Display references of every manager and branch in the directory or a version.
    let displayRefs: [Pseudonym: String]
    /// The directory version this timeline was read at (``version(in:)``).
    public let version: String?

    /// Whether any version exists.
    public var isVersioned: Bool { !versions.isEmpty }

    /// The head of the `directory_versions` chain: `seq:row-hash-hex` of its last row, or `nil`
    /// when no version was ever recorded (then runs and aggregates carry no directory version and
    /// their bytes are those of a store without the table). Runs, aggregates and releases carry
    /// it, so a computation made before a move is refused after it (exit 65).
    ///
    /// - Parameter db: a connection.
    /// - Returns: the version.
    /// - Throws: a database error.
    public static func version(in db: Database) throws -> String? {
        guard try db.tableExists(ChainedTable.directoryVersions.name),
              let row = try Row.fetchOne(db, sql: "SELECT seq, row_hash FROM directory_versions ORDER BY seq DESC LIMIT 1"),
              let seq = row.lenientInteger(at: 0) else { return nil }
        return "\(seq):\(Hex.encode(row.lenientBlob(at: 1) ?? Data()))"
    }

    /// The store's directory version now (see ``version(in:)``).
    ///
    /// - Parameter store: the store.
    /// - Returns: the version, `nil` when none was recorded.
    /// - Throws: ``StoreError``.
    public static func version(in store: HeatStore) throws -> String? {
        try store.read { db in try version(in: db) }
    }

    /// Reads the directory and its versions inside a transaction. Versions are read as stored
    /// (the evaluator does not hold the auditor's key); the key holder verifies the store
    /// (`audit verify`) and checks the directory version of what it decrypts.
    ///
    /// - Parameter db: a connection.
    /// - Returns: the timeline.
    /// - Throws: a database error.
    public static func read(in db: Database) throws -> DirectoryTimeline {
        let rows = try Row.fetchAll(db, sql: """
            SELECT pseudonym, slot, manager_pseudonym, branch_pseudonym, segment, region FROM client_directory ORDER BY slot
            """)
        var clients: [Client] = []
        var pseudonyms: [Pseudonym] = []
        for row in rows {
            guard let bytes = row.lenientBlob(at: 0), let slot = row.lenientInteger(at: 1), slot >= 0 else { continue }
            let manager = row.lenientBlob(at: 2).map { Pseudonym(kind: .manager, bytes: [UInt8]($0)) }
            let branch = row.lenientBlob(at: 3).map { Pseudonym(kind: .branch, bytes: [UInt8]($0)) }
            clients.append(Client(
                pseudonym: Pseudonym(kind: .client, bytes: [UInt8](bytes)), slot: slot,
                base: Assignment(manager: manager, branch: branch, active: true), segment: row.lenientText(at: 4), region: row.lenientText(at: 5)))
            pseudonyms += [manager, branch].compactMap { $0 }
        }
        var versions: [Int64: [(week: ISOWeek, seq: Int64, assignment: Assignment)]] = [:]
        for (seq, version) in try DirectoryVersion.stored(in: db) {
            guard let version else { continue }
            let assignment = Assignment(
                manager: version.manager.map { Pseudonym(kind: .manager, bytes: $0) },
                branch: version.branch.map { Pseudonym(kind: .branch, bytes: $0) }, active: version.status == .active)
            versions[version.slot, default: []].append((version.fromWeek, seq, assignment))
            pseudonyms += [assignment.manager, assignment.branch].compactMap { $0 }
        }
        for slot in versions.keys { versions[slot]?.sort { ($0.week, $0.seq) < ($1.week, $1.seq) } }
        let managers = Array(Set(pseudonyms.filter { $0.kind == .manager }))
        let branches = Array(Set(pseudonyms.filter { $0.kind == .branch }))
        let refs = Pseudonymizer.displayRefs(for: managers).merging(Pseudonymizer.displayRefs(for: branches)) { a, _ in a }
        return DirectoryTimeline(clients: clients, versions: versions, displayRefs: refs, version: try version(in: db))
    }

    /// The store's timeline now.
    ///
    /// - Parameter store: the store.
    /// - Returns: the timeline.
    /// - Throws: ``StoreError``.
    public static func current(in store: HeatStore) throws -> DirectoryTimeline {
        try store.read { db in try read(in: db) }
    }

    /// The assignment of `slot` in `week` (`nil` for a slot not in the directory).
    ///
    /// - Parameters:
    ///   - slot: the client's slot.
    ///   - week: the week.
    /// - Returns: the manager, branch and status in force that week.
    public func assignment(slot: Int64, week: ISOWeek) -> Assignment? {
        // `clients` is in slot order (``read(in:)``): a binary search keeps listings linear-log.
        var low = 0
        var high = clients.count
        while low < high {
            let middle = (low + high) / 2
            if clients[middle].slot < slot { low = middle + 1 } else { high = middle }
        }
        guard low < clients.count, clients[low].slot == slot else { return nil }
        return assignment(of: clients[low], week: week)
    }

    func assignment(of client: Client, week: ISOWeek) -> Assignment {
        versions[client.slot]?.last { $0.week <= week }?.assignment ?? client.base
    }

    /// The directory entries as they stand in `week`: each entry's manager and branch are those
    /// of the assignment in force that week (``assignment(slot:week:)``), and an account closed by
    /// then is left out (it belongs to no group and has no row). Segment, region, scores and every
    /// other field are kept. Without any version this returns `entries` unchanged.
    ///
    /// Every reader that lists or groups clients at a reference week goes through this (client
    /// listings and `--manager` filters, releases, scenarios), so a moved client is listed under
    /// its new manager from the move week on and under the old one before it.
    ///
    /// ```swift
    /// let timeline = try DirectoryTimeline.current(in: store)
    /// let listed = timeline.inForce(try ClientDirectory.entries(in: store), week: reference)
    /// ```
    ///
    /// - Parameters:
    ///   - entries: entries read from the directory rows (``ClientDirectory/entries(in:filter:scoring:asOf:versionsAt:)``
    ///     without a week).
    ///   - week: the reference week.
    /// - Returns: the entries in force that week, in the same order, closed accounts left out.
    public func inForce(_ entries: [ClientDirectoryEntry], week: ISOWeek) -> [ClientDirectoryEntry] {
        guard isVersioned else { return entries }
        return entries.compactMap { entry -> ClientDirectoryEntry? in
            guard let assignment = assignment(slot: entry.slot, week: week) else { return entry }
            guard assignment.active else { return nil }
            var entry = entry
            entry.manager = assignment.manager.map(ref)
            entry.branch = assignment.branch.map(ref)
            return entry
        }
    }

    /// The display reference of a manager or branch pseudonym (widened on collisions over every
    /// manager and branch of the directory and its versions).
    func ref(_ pseudonym: Pseudonym) -> String { displayRefs[pseudonym] ?? pseudonym.displayRef }

    /// Cuts the window `first...last` into periods at every version week inside it and sorts the
    /// groups into those with the same members in every period and those without.
    ///
    /// - Parameters:
    ///   - first: the window's first week.
    ///   - last: the window's last (reference) week.
    /// - Returns: the periods, the constant directory and the versioned groups.
    public func split(first: ISOWeek, last: ISOWeek) -> Split {
        var starts = Set([first])
        for list in versions.values { for item in list where item.week > first && item.week <= last { starts.insert(item.week) } }
        let sorted = starts.sorted()
        let periods = sorted.indices.map { index in
            Period(first: sorted[index], last: index + 1 < sorted.count ? sorted[index + 1].advanced(by: -1) : last)
        }
        struct Key: Hashable { var kind: GroupSummary.Kind; var ref: String }
        // Each client's groups per period, and each group's members per period.
        var groupsOf: [[[Key]]] = []
        var members: [Key: [[Int]]] = [:]
        for client in clients {
            var perPeriod: [[Key]] = []
            for (index, period) in periods.enumerated() {
                let assignment = assignment(of: client, week: period.first)
                var keys: [Key] = []
                if assignment.active {
                    if let manager = assignment.manager { keys.append(Key(kind: .manager, ref: ref(manager))) }
                    if let branch = assignment.branch { keys.append(Key(kind: .branch, ref: ref(branch))) }
                    if let segment = client.segment { keys.append(Key(kind: .segment, ref: segment)) }
                    if let region = client.region { keys.append(Key(kind: .region, ref: region)) }
                }
                for key in keys {
                    members[key, default: Array(repeating: [], count: periods.count)][index].append(Int(client.slot))
                }
                perPeriod.append(keys)
            }
            groupsOf.append(perPeriod)
        }
        let constant = Set(members.filter { _, slots in slots.allSatisfy { $0 == slots[0] } }.keys)
        var entries: [ClientDirectoryEntry] = []
        for (client, perPeriod) in zip(clients, groupsOf) {
            func constantRef(_ kind: GroupSummary.Kind) -> String? {
                perPeriod.first?.first { $0.kind == kind && constant.contains($0) }?.ref
            }
            entries.append(ClientDirectoryEntry(
                ref: client.pseudonym.displayRef, pseudonym: client.pseudonym.hex, slot: client.slot, manager: constantRef(.manager),
                branch: constantRef(.branch), segment: constantRef(.segment), region: constantRef(.region), openedOn: nil, events: 0,
                lastWeek: nil))
        }
        let kindOrder = Dictionary(uniqueKeysWithValues: GroupSummary.Kind.allCases.enumerated().map { ($1, $0) })
        let versioned = members.filter { !constant.contains($0.key) }
            .sorted { (kindOrder[$0.key.kind] ?? 0, $0.key.ref) < (kindOrder[$1.key.kind] ?? 0, $1.key.ref) }
            .map { key, slots in
                VersionedGroup(kind: key.kind, ref: key.ref, slotsByPeriod: slots, clients: Set(slots.joined()).count)
            }
        return Split(periods: periods, constantEntries: entries, versioned: versioned)
    }
}
