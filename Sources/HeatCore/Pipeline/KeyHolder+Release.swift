import Crypto
import Foundation
import HeatEnvelope

extension KeyHolder {
    /// The roles a minimal key-holder release serves (the policy engine refines them).
    public enum ReleaseRole: String, Sendable, CaseIterable, Codable {
        /// Population, histogram and groups of at least five clients; no per-client values.
        case executive
        /// One manager's own clients, per client (every other slot masked before decryption).
        case manager
    }

    /// Decrypts a run and releases a results document to a role, recording the release in the
    /// audit log (role `keyholder`, action `release`, input hash = the run's output hash).
    ///
    /// - Parameters:
    ///   - run: the evaluator's output.
    ///   - store: the store.
    ///   - configuration: the key holder's heat configuration; it must be the one the run used.
    ///   - role: the role released to.
    ///   - manager: for ``ReleaseRole/manager``, the manager's reference (prefix of `M-…`).
    ///   - generatedAt: the document timestamp (default: now).
    /// - Returns: the results document (mode `encrypted`); a manager's release records the manager
    ///   (``ResultsDocument/manager``) and names it on every client row.
    /// An executive release groups the decrypted per-client heat by the directory in force at
    /// the run's reference week. A client's heat is one weighted sum over the whole window, so it
    /// cannot be split by week: when a released group's members change inside the heat window (a
    /// move or a closure there, Docs/Operations.md section 6), its total would attribute every
    /// week to the group of the reference week, unlike the manager releases and the plaintext
    /// pipeline. Such a release is refused (exit 64, nothing recorded, issue 27 session 38): the
    /// week-attributed totals are the evaluator's aggregates (`heatctl evaluate --aggregates-out`,
    /// then `heatctl release --run … --aggregates …`), whose versioned groups are computed per
    /// period with their own masks and rotations.
    ///
    /// - Throws: ``PipelineError/configurationMismatch(expected:found:)`` (78),
    ///   ``PipelineError/unknownManager(ref:matches:)`` (64),
    ///   ``DirectoryError/groupTotalsNotWeekAttributed(group:changeWeek:referenceWeek:)`` (64) for
    ///   an executive release with a group whose members change inside the window,
    ///   ``PipelineError``, ``StoreError``.
    public func release(
        run: EncryptedHeatRun, store: HeatStore, configuration: HeatConfiguration, role: ReleaseRole,
        manager: String? = nil, generatedAt: UTCTimestamp? = nil
    ) throws -> ResultsDocument {
        let hash = HeatPacking.configurationHash(of: configuration)
        guard hash == run.header.configurationHash else {
            throw PipelineError.configurationMismatch(expected: run.header.configurationHash, found: hash)
        }
        var managerPseudonym: Pseudonym?
        if role == .manager {
            guard let manager else { throw PipelineError.unknownManager(ref: "(none given)", matches: 0) }
            managerPseudonym = try Self.manager(matching: manager, in: store)
        }
        let values = try decrypt(run: run, store: store, manager: managerPseudonym)
        let scores = try Self.scores(values, configuration: configuration, store: store)
        let runNumber = try ComputationLog.runs(in: store).last { $0.kind == "evaluate" && $0.outputHash == run.outputHash }?.seq
        var document = try PipelineRelease.document(
            scores: scores, store: store, configuration: configuration, asOf: run.header.asOf, mode: .encrypted,
            role: role.rawValue, policyName: "pipeline-default", includeGroups: role == .executive,
            includeClients: role == .manager, auditRun: runNumber.map { String($0) }, generatedAt: generatedAt ?? .now())
        if role == .executive {
            try Self.requireWeekAttributedGroups(document, run: run, store: store, configuration: configuration)
        }
        if let managerPseudonym {
            // Issue 21: a manager's release names its manager, on the document and on every row
            // (the directory's display reference, as in the executive's manager groups), so
            // `heatctl serve` hands it to that manager's tokens by the field, whatever the file's name.
            let managers = Array(Set(try Self.directory(in: store).compactMap { $0.manager }))
            let ref = Pseudonymizer.displayRefs(for: managers)[managerPseudonym] ?? managerPseudonym.displayRef
            document.manager = ref
            document.clients = document.clients?.map { row in
                var row = row
                row.manager = ref
                return row
            }
        }
        let output = Hex.encode(SHA256.hash(data: try document.jsonData()))
        var parameters = ["role": role.rawValue, "clients": String(values.count), "asOf": run.header.asOf.description]
        if let managerPseudonym { parameters["manager"] = managerPseudonym.displayRef }
        try store.write { db in
            try AuditLog.append(AuditEntry(
                role: KeyRole.keyholder.rawValue, action: "release", inputHash: run.outputHash, outputHash: output,
                parameters: parameters), in: db)
            FaultPoint.releaseBeforeCommit.reach()
        }
        FaultPoint.releaseAfterCommit.reach()
        return document
    }

    /// Refuses an executive document whose groups include one whose members change inside the
    /// run's heat window (issue 27, session 38): its total, a sum of per-client heat grouped at the
    /// reference week, is not the week-attributed figure the plaintext pipeline and the
    /// evaluator's aggregates give.
    ///
    /// - Parameters:
    ///   - document: the executive document about to be released.
    ///   - run: the run (its reference week).
    ///   - store: the store (its directory versions).
    ///   - configuration: the heat configuration (the window's length).
    /// - Throws: ``DirectoryError/groupTotalsNotWeekAttributed(group:changeWeek:referenceWeek:)``
    ///   (exit 64); ``PipelineError/malformed(source:reason:)`` (exit 65) for a reference week
    ///   that does not parse on a versioned store.
    static func requireWeekAttributedGroups(
        _ document: ResultsDocument, run: EncryptedHeatRun, store: HeatStore, configuration: HeatConfiguration
    ) throws {
        let timeline = try DirectoryTimeline.current(in: store)
        guard timeline.isVersioned, let groups = document.groups, !groups.isEmpty else { return }
        guard let reference = try? ISOWeek(parsing: run.header.asOfWeek) else {
            throw PipelineError.malformed(source: "the run", reason: "field asOfWeek: \"\(run.header.asOfWeek)\" is not an ISO week, so the groups cannot be placed in the directory versions")
        }
        let split = timeline.split(first: reference.advanced(by: -(Evaluator.windowSpan(configuration) - 1)), last: reference)
        guard split.periods.count > 1 else { return }
        let changing = Set(split.versioned.map { "\($0.kind.rawValue) \($0.ref)" })
        if let group = groups.first(where: { changing.contains("\($0.kind.rawValue) \($0.ref)") }) {
            throw DirectoryError.groupTotalsNotWeekAttributed(
                group: "\(group.kind.rawValue) \(group.ref)", changeWeek: split.periods[1].first.description,
                referenceWeek: reference.description)
        }
    }
}
