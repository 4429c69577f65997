import Foundation

/// Builds the results document (DESIGN.md section 7) from per-client scores of the store's
/// clients, the same way for both pipelines: the key holder's decrypted scores
/// (``KeyHolder/scores(_:configuration:store:)``) and the plaintext store scores
/// (``StoreHeat/scores(in:configuration:asOf:)``) give documents that differ only in `mode`.
///
/// The population summary and the histogram use ``ResultsBuilder``; groups (manager, branch,
/// segment, region) come from the store's pseudonymous directory and are released only with at
/// least `minGroupSize` clients; per-client rows carry display references only.
///
/// ```swift
/// let document = try PipelineRelease.document(
///     scores: scores, store: store, configuration: configuration, asOf: run.header.asOf,
///     mode: .encrypted, role: "executive", includeClients: false, generatedAt: .now())
/// ```
public enum PipelineRelease {
    /// Builds a document.
    ///
    /// - Parameters:
    ///   - scores: scores by pseudonym hex (clients absent from it are left out).
    ///   - store: the store (its client directory).
    ///   - configuration: the heat configuration (copied into the document).
    ///   - asOf: the reference date.
    ///   - mode: plaintext or encrypted.
    ///   - role: the role released to.
    ///   - policyName: the policy name recorded.
    ///   - minGroupSize: the smallest released group (default 5).
    ///   - includeGroups: whether to release group aggregates.
    ///   - includeClients: whether to release per-client rows.
    ///   - auditRun: the computation run number, when known.
    ///   - generatedAt: the timestamp.
    ///   - changingKinds: kinds with a group whose members change inside the heat window (issue
    ///     27, s39): never noted as the duplicate of another kind, nor another kind as theirs,
    ///     since a changing group's week-attributed total is not its reference-week twin's
    ///     (review s38 erase27c LOW 5). Default: none.
    /// - Returns: the document (no `weekly` section: weekly counts are aggregates over clients,
    ///   computed on ciphertexts in the next pipeline issue).
    /// - Throws: ``StoreError``.
    public static func document(
        scores: [String: HeatScore], store: HeatStore, configuration: HeatConfiguration, asOf: CalendarDate,
        mode: ResultsDocument.Mode, role: String, policyName: String = "pipeline-default", minGroupSize: Int = 5,
        includeGroups: Bool = true, includeClients: Bool, auditRun: String? = nil, generatedAt: UTCTimestamp,
        changingKinds: Set<GroupSummary.Kind> = []
    ) throws -> ResultsDocument {
        var entries = try ClientDirectory.entries(in: store).filter { scores[$0.pseudonym] != nil }
        // Issue 27 (review s35 HIGH 1): with directory versions, a client's manager and branch are
        // those in force at the reference week, and an account closed by then is left out, as in
        // `StoreRelease.input`.
        let timeline = try DirectoryTimeline.current(in: store)
        if timeline.isVersioned {
            entries = entries.compactMap { entry in
                guard let assignment = timeline.assignment(slot: entry.slot, week: asOf.isoWeek) else { return entry }
                guard assignment.active else { return nil }
                var moved = entry
                moved.manager = assignment.manager.map(timeline.ref)
                moved.branch = assignment.branch.map(timeline.ref)
                return moved
            }
        }
        let released = entries.compactMap { scores[$0.pseudonym] }
        let builder = ResultsBuilder(
            configuration: configuration, pseudonymizer: Pseudonymizer(key: .insecureDerived(from: "unused")),
            minGroupSize: minGroupSize, policyName: policyName, role: role)
        var document = ResultsDocument(
            generatedAt: generatedAt, mode: mode, asOf: asOf, role: role,
            policy: PolicySummary(name: policyName, minGroupSize: minGroupSize, epsilon: nil), auditRun: auditRun,
            heatConfig: configuration)
        document.population = builder.population(released)
        document.heatHistogram = builder.histogram(released)
        if includeGroups {
            // Group kinds with identical members are released once, as in the plaintext builder;
            // the directory already holds display references, so no renaming.
            var memberships: [GroupSummary.Kind: [String?]] = [:]
            for entry in entries {
                memberships[.manager, default: []].append(entry.manager)
                memberships[.branch, default: []].append(entry.branch)
                memberships[.segment, default: []].append(entry.segment)
                memberships[.region, default: []].append(entry.region)
            }
            let duplicates = Self.duplicateKinds(memberships, changingKinds: changingKinds)
            document.groupDuplicates = duplicates.isEmpty ? nil : duplicates
            document.groups = ResultsBuilder.summaries(
                released, memberships: memberships, skipping: Set(duplicates.map(\.kind)), minGroupSize: minGroupSize)
        }
        if includeClients {
            document.clients = entries.compactMap { entry in
                scores[entry.pseudonym].map {
                    ClientResult(ref: entry.ref, heat: $0.heat, trend: $0.trend, level: $0.level, cooling: $0.cooling)
                }
            }.sorted { $0.ref < $1.ref }
        }
        return document
    }

    /// The kinds left out as duplicates of another (``ResultsBuilder/duplicateKinds(_:)``), except
    /// a pair in which either kind has a group whose members change inside the heat window
    /// (issue 27, s39, review s38 erase27c LOW 5): identical at the reference week, such groups
    /// have different week-attributed totals, so both kinds are released.
    ///
    /// - Parameters:
    ///   - memberships: per kind, each client's group at the reference week.
    ///   - changingKinds: the kinds with a changing group.
    /// - Returns: the duplicates noted.
    static func duplicateKinds(
        _ memberships: [GroupSummary.Kind: [String?]], changingKinds: Set<GroupSummary.Kind>
    ) -> [GroupDuplicate] {
        ResultsBuilder.duplicateKinds(memberships).filter { !changingKinds.contains($0.kind) && !changingKinds.contains($0.sameAs) }
    }
}
