import Foundation
import GRDB

/// A client's groups at a score release's reference week (issue 27): the assignment in force
/// that week (``DirectoryTimeline/assignment(slot:week:)``), with the display references the
/// heat release uses for the same pseudonyms.
struct ReferenceWeekAssignment: Sendable, Hashable {
    /// Whether the account is open that week (a closed account has no row and is in no group).
    var active: Bool
    /// The manager pseudonym, when any.
    var manager: Pseudonym?
    /// The manager's display reference, when any.
    var managerRef: String?
    /// The branch's display reference, when any.
    var branchRef: String?
}

extension DirectoryTimeline {
    /// Each directory slot's manager, branch and status at the scores' reference week, for the
    /// releases that select a manager's clients or group clients (`scores release`,
    /// ``KeyHolder/decrypt(scores:store:manager:)``, ``KeyHolder/decrypt(treeScores:store:manager:)``),
    /// as heat releases do (``StoreRelease/input(from:configuration:asOf:entries:)``).
    ///
    /// Every version is verified first under the key holder's key (or a key its key transitions
    /// link to): a forged or unsigned version could otherwise move any client into a manager's
    /// mask.
    ///
    /// - Parameters:
    ///   - db: a connection (the caller's transaction, so the directory rows and their versions
    ///     are read together).
    ///   - key: the key holder's store verification key.
    ///   - asOfWeek: the scores' reference ISO week (`2026-W10`).
    ///   - source: what is released, for messages.
    /// - Returns: the assignments by slot, or `nil` when the directory has no versions (the
    ///   directory rows hold, as before issue 27).
    /// - Throws: ``DirectoryError/unverifiedVersions(violations:)`` (exit 1),
    ///   ``ScoringError/versionedDirectory(source:)`` (exit 65) when the scores carry no
    ///   reference week to place their clients in the versions, a database error.
    static func scoreAssignments(
        in db: Database, key: StoreVerificationKey?, asOfWeek: String?, source: String
    ) throws -> [Int64: ReferenceWeekAssignment]? {
        guard try version(in: db) != nil else { return nil }
        _ = try DirectoryVersion.verifiedVersion(in: db, key: key)
        guard let asOfWeek, let week = try? ISOWeek(parsing: asOfWeek) else { throw ScoringError.versionedDirectory(source: source) }
        let timeline = try read(in: db)
        var result: [Int64: ReferenceWeekAssignment] = [:]
        for client in timeline.clients {
            let assignment = timeline.assignment(of: client, week: week)
            result[client.slot] = ReferenceWeekAssignment(
                active: assignment.active, manager: assignment.manager, managerRef: assignment.manager.map(timeline.ref),
                branchRef: assignment.branch.map(timeline.ref))
        }
        return result
    }

    /// ``scoreAssignments(in:key:asOfWeek:source:)`` in one read of `store`.
    static func scoreAssignments(
        in store: HeatStore, key: StoreVerificationKey?, asOfWeek: String?, source: String
    ) throws -> [Int64: ReferenceWeekAssignment]? {
        try store.read { db in try scoreAssignments(in: db, key: key, asOfWeek: asOfWeek, source: source) }
    }

    /// Whether the client in `slot` (whose directory row names `rowManager`) is one of `manager`'s
    /// clients: every client when `manager` is `nil`; else the directory row's manager when the
    /// directory has no versions, and the open account's manager at the reference week when it has.
    static func isClient(
        slot: Int64, rowManager: Pseudonym?, of manager: Pseudonym?, at assignments: [Int64: ReferenceWeekAssignment]?
    ) -> Bool {
        guard let manager else { return true }
        guard let assignments else { return rowManager == manager }
        guard let assignment = assignments[slot] else { return false }
        return assignment.active && assignment.manager == manager
    }
}
