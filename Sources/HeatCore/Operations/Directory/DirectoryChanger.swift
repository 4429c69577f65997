import Foundation
import GRDB
import HeatEnvelope

/// Records directory changes from an ISO week on (issue 27, item 3): a client moving to another
/// manager or branch, or an account closing. New clients need no record: ingestion gives them a
/// new slot, and their weeks before the first ingested one are zero in every ciphertext.
///
/// In one immediate transaction committed with full durability (key holder, like erasure):
/// binds the store signing key; **verifies the whole store** under it against the anchor with no
/// unsigned rows allowed (``DirectoryError/refused(violations:)`` otherwise, nothing changed);
/// resolves the client by masked reference (at least 8 hex digits, unique) and the target
/// manager or branch by masked reference among those the directory and its versions know, or a
/// new manager from a raw id with the collector's pseudonymisation key; fills what the change
/// leaves out from the assignment in force that week (a manager move keeps the branch); refuses
/// a change that alters nothing; appends a signed ``DirectoryVersion``; and logs
/// `directory.move` or `directory.close` with the version id and week (never a reference or id);
/// then, **in the same transaction** (issue 27 s36), signs the store's chain heads
/// (``HeadSigner``, an `audit.sign` entry and a signed head covering the change). A kill at any
/// point leaves either the old store or the change with its signed head, never an unsigned change.
/// The store is verified **once**, before the change, and signed without a second verification:
/// sound because the transaction holds the write lock throughout and the only rows added since
/// the verification are the version and audit entries appended here (``SignedStoreChange``, the
/// one "verify, change, sign, commit" path every key holder change shares).
///
/// ```swift
/// let recorded = try DirectoryChanger.apply(.move(client: "C-7f3a9c2e", manager: .reference("M-19b0d4aa"), branch: nil),
///                                           from: try ISOWeek(parsing: "2026-W10"), store: store, key: key,
///                                           anchor: .previous(head))
/// recorded.record.versionID   // "V-…"
/// try recorded.head.write(to: URL(filePath: "head.heat"))
/// ```
public enum DirectoryChanger {
    /// The audit action of a move.
    public static let moveAction = "directory.move"
    /// The audit action of a closure.
    public static let closeAction = "directory.close"

    /// A manager or branch a client moves to.
    public enum Target: Sendable {
        /// A masked reference (`M-…` / `B-…`, at least 8 hex digits) the directory or a version already holds.
        case reference(String)
        /// A raw id (for example a manager new to the store), pseudonymised with the collector's key.
        case rawID(String, key: PseudonymisationKey)
    }

    /// One change.
    public enum Change: Sendable {
        /// The client (masked reference) moves to another manager and/or branch.
        case move(client: String, manager: Target?, branch: Target?)
        /// The client's account (masked reference) closes.
        case close(client: String)

        var client: String {
            switch self {
            case .move(let client, _, _), .close(let client): client
            }
        }
    }

    /// Records `change` from `week` on and signs the store, in one durable transaction.
    ///
    /// - Parameters:
    ///   - change: the move or closure.
    ///   - week: the first ISO week the change holds for.
    ///   - store: the store.
    ///   - key: the key holder's store signing key.
    ///   - anchor: the previous head file (as for `audit sign`).
    /// - Returns: the version appended (``SignedStoreChange/record``) and the head signed in the
    ///   same transaction.
    /// - Throws: ``DirectoryError``, ``StoreError`` (locked, key mismatch, I/O) or
    ///   ``AuditError/signingFailed(reason:)``.
    public static func apply(
        _ change: Change, from week: ISOWeek, store: HeatStore, key: StoreSigningKey, anchor: HeadAnchor
    ) throws -> SignedStoreChange<DirectoryVersion> {
        if case .move(_, .none, .none) = change { throw DirectoryError.emptyMove }
        // One verification, the change, the signature, one commit (SignedStoreChange): signing
        // without a second verification is sound because only this transaction's own rows were
        // appended since the store verified, under the write lock.
        return try SignedStoreChange.commit(
            to: store, key: key, anchor: anchor, refusal: DirectoryError.refused(violations:),
            faults: .init(unsigned: .directoryUnsignedBeforeCommit, signed: .directoryBeforeCommit)
        ) { db in
            // Issue 27 review: a change backdated into weeks a release already covered would let the
            // same group, re-evaluated and released again at that reference week, be subtracted
            // from the earlier release (the differencing guard sees the members at the reference
            // week, not the weeks a move re-attributes).
            if let through = try latestReleasedWeek(in: db), week <= through {
                throw DirectoryError.releasedWeek(fromWeek: week.description, releasedThrough: through.description)
            }
            let timeline = try DirectoryTimeline.read(in: db)
            let client = try resolveClient(change.client, in: timeline)
            let now = timeline.assignment(of: client, week: week)
            var next = now
            switch change {
            case .close:
                guard now.active else { throw DirectoryError.noChange(fromWeek: week.description, reason: "the account is already closed that week") }
                next = DirectoryTimeline.Assignment(manager: nil, branch: nil, active: false)
            case .move(_, let manager, let branch):
                if let manager { next.manager = try resolve(manager, kind: .manager, option: "--manager", in: timeline) }
                if let branch { next.branch = try resolve(branch, kind: .branch, option: "--branch", in: timeline) }
                next.active = true
                guard next != now else {
                    throw DirectoryError.noChange(fromWeek: week.description, reason: "the client already has that manager and branch that week")
                }
            }
            let version = try DirectoryVersion.signed(
                versionID: "V-" + Hex.encode((0..<4).map { _ in UInt8.random(in: 0...255) }), slot: client.slot, fromWeek: week,
                status: next.active ? .active : .closed, manager: next.manager?.bytes, branch: next.branch?.bytes, with: key)
            _ = try ChainAppender(db, table: .directoryVersions).append(version.rowValues)
            let action = next.active ? moveAction : closeAction
            try AuditLog.append(AuditEntry(
                role: KeyRole.keyholder.rawValue, action: action,
                parameters: ["version": version.versionID, "fromWeek": week.description, "status": version.status.rawValue]), in: db)
            return version
        }
    }

    /// The latest reference week any recorded release covered: each `release` audit entry's
    /// `asOfWeek` parameter, or, for an entry without one (recorded before issue 27's review fix),
    /// the ISO week it was recorded in. `nil` when nothing was released.
    ///
    /// - Parameter db: a connection.
    /// - Returns: the week.
    /// - Throws: a database error.
    static func latestReleasedWeek(in db: Database) throws -> ISOWeek? {
        var latest: ISOWeek?
        for row in try Row.fetchAll(db, sql: "SELECT recorded_at, parameters FROM audit_log WHERE action = ?", arguments: [AuditAction.release]) {
            let parameters = (row.lenientText("parameters")).flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) }
            let week = parameters?["asOfWeek"].flatMap { try? ISOWeek(parsing: $0) }
                ?? row.lenientText("recorded_at").flatMap { try? UTCTimestamp(iso8601: $0) }?.date.isoWeek
            if let week, latest.map({ week > $0 }) ?? true { latest = week }
        }
        return latest
    }

    /// The client with masked reference `ref` (`C-` and at least 8 hex digits, one match).
    static func resolveClient(_ ref: String, in timeline: DirectoryTimeline) throws -> DirectoryTimeline.Client {
        let prefix = ref.lowercased()
        guard prefix.hasPrefix("c-"), prefix.count >= 10 else { throw DirectoryError.badReference(option: "--client", matches: 0) }
        let matches = timeline.clients.filter { $0.pseudonym.hex.hasPrefix(prefix.dropFirst(2)) }
        guard matches.count == 1, let client = matches.first else {
            throw DirectoryError.badReference(option: "--client", matches: matches.count)
        }
        return client
    }

    /// The manager or branch pseudonym a target names.
    static func resolve(_ target: Target, kind: Pseudonym.Kind, option: String, in timeline: DirectoryTimeline) throws -> Pseudonym {
        switch target {
        case .rawID(let id, let key):
            return Pseudonymizer(key: key).pseudonym(for: id, kind: kind)
        case .reference(let ref):
            let prefix = ref.lowercased()
            let kindPrefix = kind.prefix.lowercased()
            guard prefix.hasPrefix(kindPrefix), prefix.count >= kindPrefix.count + 8 else {
                throw DirectoryError.badReference(option: option, matches: 0)
            }
            let known = Set(timeline.displayRefs.keys.filter { $0.kind == kind })
            let matches = known.filter { $0.hex.hasPrefix(prefix.dropFirst(kindPrefix.count)) }
            guard matches.count == 1, let match = matches.first else { throw DirectoryError.badReference(option: option, matches: matches.count) }
            return match
        }
    }

    /// One client's assignment week by week, for `heatctl directory history`: the directory row
    /// and each version, as masked references (never a raw id).
    public struct HistoryLine: Sendable, Codable, Hashable {
        /// The first week (`nil` for the directory row, which holds from the client's first week).
        public var fromWeek: String?
        /// The version id (`nil` for the directory row).
        public var version: String?
        /// `active` or `closed`.
        public var status: String
        /// The masked manager reference.
        public var manager: String?
        /// The masked branch reference.
        public var branch: String?
    }

    /// The history of the client with masked reference `ref`.
    ///
    /// - Parameters:
    ///   - ref: the client's masked reference.
    ///   - store: the store.
    /// - Returns: the directory row's assignment, then each version in force order (week, then row).
    /// - Throws: ``DirectoryError/badReference(option:matches:)``, ``StoreError``.
    public static func history(of ref: String, in store: HeatStore) throws -> [HistoryLine] {
        let timeline = try DirectoryTimeline.current(in: store)
        let client = try resolveClient(ref, in: timeline)
        func line(_ assignment: DirectoryTimeline.Assignment, week: ISOWeek?, version: String?) -> HistoryLine {
            HistoryLine(fromWeek: week?.description, version: version, status: assignment.active ? "active" : "closed",
                        manager: assignment.manager.map(timeline.ref), branch: assignment.branch.map(timeline.ref))
        }
        let ids = try store.read { db in
            Dictionary(try DirectoryVersion.stored(in: db).compactMap { seq, version in version.map { (seq, $0.versionID) } }) { a, _ in a }
        }
        return [line(client.base, week: nil, version: nil)]
            + (timeline.versions[client.slot] ?? []).map { line($0.assignment, week: $0.week, version: ids[$0.seq]) }
    }
}
