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
    /// the run's reference week, except for the groups whose members change inside the heat
    /// window (a move or a closure there, Docs/Operations.md section 6): their totals are
    /// attributed **week by week** (issue 27, session 39). The evaluator's run then carries, per
    /// batch and directory period, the partial heat and trend restricted to that period's weeks
    /// (``EncryptedHeatRun/Header/periods``); the key holder decrypts them and adds each period's
    /// part of each client to the group the client belongs to in that period, exactly the
    /// plaintext pipeline's attribution (``StoreRelease/weekAttributedAggregates(buckets:timeline:referenceWeek:configuration:minGroupSize:)``).
    /// Such a group is released with at least five members in **every** period, its size being
    /// its distinct members over the window; its cooling count is that of its members at the
    /// reference week. The periods are checked against the verified directory before anything is
    /// decrypted. A kind is noted as a duplicate of another (``ResultsDocument/groupDuplicates``)
    /// only when neither has a changing group.
    ///
    /// - Throws: ``PipelineError/configurationMismatch(expected:found:)`` (78),
    ///   ``PipelineError/unknownManager(ref:matches:)`` (64),
    ///   ``DirectoryError/groupTotalsNotWeekAttributed(group:changeWeek:referenceWeek:)`` (64) for
    ///   an executive release of a run without periods (written before session 39, or by hand)
    ///   when a group of at least five members changes inside the window;
    ///   ``PipelineError/malformed(source:reason:)`` (65) when the run's periods are not the
    ///   directory's (altered, or missing or present where the directory says otherwise), or
    ///   when a batch's period parts do not add up to its heat and trend (a consistency check,
    ///   not an integrity check: parts swapped between periods keep every sum);
    ///   ``PipelineError/unloggedRun(source:outputHash:)`` (65) for an executive release of a run
    ///   that is not a logged evaluation (``EncryptedHeatRun/loggedEvaluation(in:source:)``, review s39
    ///   M1), before anything is decrypted; for every role, the refusals of that check (a part of a
    ///   sharded run, a computation log whose chain does not verify, two logged runs with the same
    ///   inputs and different outputs, a run logged before session 41: exit 65, review s40 M2);
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
        // Issue 27 (s39, review s38 LOW 4): the window's split is checked against the run before
        // anything is decrypted, so a release that will be refused costs no decryption.
        let attribution = role == .executive
            ? try weekAttribution(of: run, store: store, configuration: configuration, minGroupSize: Self.executiveMinGroupSize) : nil
        // Review s39 erase27d M1: the per-period sum check below is a consistency check only (two
        // periods' parts swapped keep every sum), so an executive release takes only a run the
        // store's computation log holds; an auditor re-runs the logged evaluations.
        let runNumber = try run.loggedEvaluation(in: store)
        if role == .executive, runNumber == nil {
            throw PipelineError.unloggedRun(source: "the run", outputHash: run.outputHash)
        }
        let values = try decrypt(run: run, store: store, manager: managerPseudonym)
        let scores = try Self.scores(values, configuration: configuration, store: store)
        var document = try PipelineRelease.document(
            scores: scores, store: store, configuration: configuration, asOf: run.header.asOf, mode: .encrypted,
            role: role.rawValue, policyName: "pipeline-default", minGroupSize: Self.executiveMinGroupSize,
            includeGroups: role == .executive, includeClients: role == .manager, auditRun: runNumber.map { String($0) },
            generatedAt: generatedAt ?? .now(), changingKinds: attribution?.changingKinds ?? [])
        if let attribution {
            // A run without periods reaches here only when no changing group could be released
            // (``WeekAttribution/releasable(_:)``): every changing group is then left out.
            let parts = run.header.periods == nil ? PeriodParts(periods: 0) : try decryptPeriods(of: run, checkedAgainst: values)
            document.groups = document.groups.map { attribution.attributed($0, parts: parts.heat) }
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

    /// The smallest group an executive release of ``release(run:store:configuration:role:manager:generatedAt:)`` shows.
    static let executiveMinGroupSize = 5

    /// What an executive release needs to attribute the changing groups week by week: the
    /// window's split under the verified directory.
    struct WeekAttribution {
        /// The window's periods and its changing groups.
        var split: DirectoryTimeline.Split
        /// The smallest group released (in every period for a changing group).
        var minGroupSize: Int

        /// The kinds with a group whose members change inside the window.
        var changingKinds: Set<GroupSummary.Kind> { Set(split.versioned.map(\.kind)) }

        /// Whether a changing group can be released: at least ``minGroupSize`` members in every
        /// period (and a member at all). The one predicate both the refusal of a run without
        /// periods and ``attributed(_:parts:)`` use (review s39 erase27d L2).
        func releasable(_ group: DirectoryTimeline.VersionedGroup) -> Bool {
            group.clients > 0 && group.slotsByPeriod.allSatisfy { $0.count >= minGroupSize }
        }

        /// `groups` (built at the reference week) with every changing group's size and heat
        /// replaced by its week-attributed ones, or left out when it has fewer than
        /// ``minGroupSize`` members in some period.
        ///
        /// - Parameters:
        ///   - groups: the document's groups.
        ///   - parts: per period, per slot, the decrypted partial heat.
        /// - Returns: the groups released.
        func attributed(_ groups: [GroupSummary], parts: [[Int64: Int]]) -> [GroupSummary] {
            var versioned: [String: DirectoryTimeline.VersionedGroup] = [:]
            for group in split.versioned { versioned["\(group.kind.rawValue) \(group.ref)"] = group }
            return groups.compactMap { summary -> GroupSummary? in
                guard let group = versioned["\(summary.kind.rawValue) \(summary.ref)"] else { return summary }
                guard releasable(group) else { return nil }
                var heat = 0
                for (period, slots) in group.slotsByPeriod.enumerated() where period < parts.count {
                    for slot in slots { heat += parts[period][Int64(slot)] ?? 0 }
                }
                var released = summary
                released.clients = group.clients
                released.meanHeat = Double(heat) / Double(group.clients)
                return released
            }
        }
    }

    /// The week attribution an executive release of `run` needs, checked before anything is
    /// decrypted (issue 27, s39): `nil` when no group's members change inside the window.
    ///
    /// The directory versions are verified under the key holder's key and must be the run's
    /// (as ``decrypt(run:store:manager:)`` checks); the window is cut as the evaluator cuts it,
    /// and the run's ``EncryptedHeatRun/Header/periods`` must be exactly those periods.
    ///
    /// - Parameters:
    ///   - run: the run.
    ///   - store: the store.
    ///   - configuration: the heat configuration (the window).
    ///   - minGroupSize: the smallest group released.
    /// - Returns: the attribution, or `nil` when no group changes inside the window. A run
    ///   without periods gets an attribution only when none of its changing groups could be
    ///   released (every one is then left out).
    /// - Throws: ``PipelineError/parameterMismatch(source:expected:found:)``,
    ///   ``FHEKeyError/runGeneration(source:runGeneration:folderGeneration:)``,
    ///   ``DirectoryError/unverifiedVersions(violations:)`` (exit 1),
    ///   ``PipelineError/directoryVersionMismatch(source:computed:current:)`` (65),
    ///   ``PipelineError/malformed(source:reason:)`` (65) for an unparsable reference week or
    ///   periods that are not the directory's,
    ///   ``DirectoryError/groupTotalsNotWeekAttributed(group:changeWeek:referenceWeek:)`` (64)
    ///   for a run without periods whose window holds a change to a group of at least
    ///   `minGroupSize` members.
    func weekAttribution(
        of run: EncryptedHeatRun, store: HeatStore, configuration: HeatConfiguration, minGroupSize: Int
    ) throws -> WeekAttribution? {
        guard run.header.parametersFingerprint == context.fingerprint.hex else {
            throw PipelineError.parameterMismatch(
                source: "the run", expected: context.fingerprint.hex, found: run.header.parametersFingerprint)
        }
        try requireGeneration(of: run.header)
        let key = trustedKey
        let split = try store.read { db -> DirectoryTimeline.Split? in
            guard try DirectoryTimeline.version(in: db) != nil else { return nil }
            let current = try DirectoryVersion.verifiedVersion(in: db, key: key)
            guard run.header.directoryVersion == current else {
                throw PipelineError.directoryVersionMismatch(source: "the run", computed: run.header.directoryVersion, current: current)
            }
            guard let reference = try? ISOWeek(parsing: run.header.asOfWeek) else {
                throw PipelineError.malformed(source: "the run", reason: "field asOfWeek: \"\(run.header.asOfWeek)\" is not an ISO week, so the groups cannot be placed in the directory versions")
            }
            return try DirectoryTimeline.read(in: db)
                .split(first: reference.advanced(by: -(Evaluator.windowSpan(configuration) - 1)), last: reference)
        }
        let changing = split.map { $0.periods.count > 1 && !$0.versioned.isEmpty } ?? false
        let expected = changing ? split?.periods.map(EncryptedHeatRun.Header.Period.init) : nil
        guard let split, changing else {
            if let periods = run.header.periods {
                throw PipelineError.malformed(source: "the run", reason: "field periods: \(periods.map(\.description).joined(separator: ", ")), but the directory changes no group inside the window; the periods were altered")
            }
            return nil
        }
        let attribution = WeekAttribution(split: split, minGroupSize: minGroupSize)
        guard let periods = run.header.periods else {
            // A run written before session 39 (or by hand): per-client heat only, refused as before
            // when a changing group would be released (the predicate ``WeekAttribution/attributed``
            // keeps); otherwise every changing group is left out (review s39 L2).
            if let group = split.versioned.first(where: attribution.releasable) {
                throw DirectoryError.groupTotalsNotWeekAttributed(
                    group: "\(group.kind.rawValue) \(group.ref)", changeWeek: split.periods[1].first.description,
                    referenceWeek: run.header.asOfWeek)
            }
            return attribution
        }
        guard periods == expected else {
            throw PipelineError.malformed(source: "the run", reason: "field periods: \(periods.map(\.description).joined(separator: ", ")) are not the directory's periods of the window, \((expected ?? []).map(\.description).joined(separator: ", ")); the periods were altered or the run belongs to another directory")
        }
        return attribution
    }

    /// Decrypts every batch's period parts (no mask: an executive release) and checks that they
    /// add up, slot by slot, to the heat and trend already decrypted (`values`); returns per
    /// period the partial heat and trend by slot.
    ///
    /// The sum check is a consistency check (a part lost, truncated or replaced by another
    /// ciphertext), not an integrity check: parts swapped between two periods, or a plaintext
    /// added to one part and subtracted from another, keep every sum. Integrity rests on the
    /// computation log (``EncryptedHeatRun/loggedEvaluation(in:source:)``, checked by the callers).
    ///
    /// - Parameters:
    ///   - run: a run with periods.
    ///   - values: its decrypted per-client values (``decrypt(run:store:manager:)``).
    /// - Returns: per period, the partial heat and trend by slot (clients of batches without
    ///   ciphertexts: none).
    /// - Throws: ``PipelineError/malformed(source:reason:)`` (65) when the parts do not add up;
    ///   the no-budget refusals (65).
    func decryptPeriods(of run: EncryptedHeatRun, checkedAgainst values: [DecryptedHeat]) throws -> PeriodParts {
        let periods = run.header.periods?.count ?? 0
        let n = context.degree
        var parts = PeriodParts(periods: periods)
        var byBatch: [Int: [DecryptedHeat]] = [:]
        for value in values { byBatch[Int(value.slot) / n, default: []].append(value) }
        for batch in run.header.batches {
            // Only batches holding directory clients are decrypted (the others release nothing).
            guard let members = byBatch[batch] else { continue }
            guard let heats = run.periodHeat[batch], let trends = run.periodTrend[batch], heats.count == periods, trends.count == periods else {
                throw PipelineError.malformed(source: "the run", reason: "batch \(batch): no partial heat and trend for each of the \(periods) directory periods")
            }
            var heatSum = [Int64](repeating: 0, count: members.count)
            var trendSum = [Int64](repeating: 0, count: members.count)
            for period in 0..<periods {
                let heat = try decryptSlots(heats[period], mask: nil, signed: false, refusal: .runLevel(name: "batch \(batch) period \(period + 1) heat"))
                let trend = try decryptSlots(trends[period], mask: nil, signed: true, refusal: .runLevel(name: "batch \(batch) period \(period + 1) trend"))
                slotObserver?(heat)
                slotObserver?(trend)
                for (index, member) in members.enumerated() {
                    let offset = Int(member.slot) % n
                    heatSum[index] += heat[offset]
                    trendSum[index] += trend[offset]
                    parts.heat[period][member.slot] = Int(heat[offset])
                    parts.trend[period][member.slot] = Int(trend[offset])
                }
            }
            for (index, member) in members.enumerated() where heatSum[index] != Int64(member.heat) || trendSum[index] != Int64(member.trend) {
                throw PipelineError.malformed(source: "the run", reason: "batch \(batch): the directory periods' partial heat and trend do not add up to the batch's heat and trend; the period ciphertexts were altered or truncated")
            }
        }
        return parts
    }
}

extension KeyHolder {
    /// The decrypted partial heat and trend of a run's directory periods, per period, by slot.
    struct PeriodParts {
        /// Per period, the partial heat by slot.
        var heat: [[Int64: Int]]
        /// Per period, the partial trend by slot (signed).
        var trend: [[Int64: Int]]

        /// No part yet for `periods` periods.
        init(periods: Int) {
            heat = Array(repeating: [:], count: periods)
            trend = Array(repeating: [:], count: periods)
        }
    }

    /// The group totals of a run attributed week by week to the directory version in force, from
    /// its directory periods' partial heat and trend (issue 27, review s39 erase27d M2): what
    /// `heatctl release --run` uses for the groups when the run carries periods, so a group whose
    /// members change inside the window is released without the evaluator's `--aggregates`
    /// (and without Galois keys).
    ///
    /// The run is checked as ``release(run:store:configuration:role:manager:generatedAt:)``
    /// checks it before anything is decrypted (parameters, generation, verified directory
    /// versions, the run's periods are the directory's), and must be a logged evaluation
    /// (``EncryptedHeatRun/loggedEvaluation(in:source:)``). The parts are decrypted and checked to add up
    /// to each client's heat and trend, then summed exactly as
    /// ``StoreRelease/weekAttributedAggregates(buckets:timeline:referenceWeek:configuration:minGroupSize:)``
    /// sums the plaintext weekly scores: a group with the same members in every period over the
    /// whole window (at least `minGroupSize` members), every other group period by period over
    /// that period's members (at least `minGroupSize` in **every** period; its size is its
    /// distinct members). The totals equal the plaintext pipeline's on the same data.
    ///
    /// ```swift
    /// if let totals = try keyHolder.weekAttributedAggregates(of: run, store: store, configuration: HeatConfiguration(), minGroupSize: 5) {
    ///     input.groupAggregates = totals
    ///     input.groupAggregatesMinGroupSize = 5
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - run: the evaluator's run.
    ///   - store: the store it was evaluated on.
    ///   - configuration: the heat configuration (the run's).
    ///   - minGroupSize: the policy's `k`.
    ///   - source: the run's file, for messages.
    /// - Returns: the released groups' totals, or `nil` when the run has no periods (no group
    ///   changes inside its window, or a run written before session 39).
    /// - Throws: ``PipelineError/configurationMismatch(expected:found:)`` (78),
    ///   ``PipelineError/unloggedRun(source:outputHash:)`` (65), the refusals of the checks
    ///   before decryption (65, 64, 1) and of the sum check (65); ``StoreError``.
    public func weekAttributedAggregates(
        of run: EncryptedHeatRun, store: HeatStore, configuration: HeatConfiguration, minGroupSize: Int, source: String = "the run"
    ) throws -> [GroupAggregate]? {
        guard run.header.periods != nil else { return nil }
        let hash = HeatPacking.configurationHash(of: configuration)
        guard hash == run.header.configurationHash else {
            throw PipelineError.configurationMismatch(expected: run.header.configurationHash, found: hash)
        }
        guard let attribution = try weekAttribution(of: run, store: store, configuration: configuration, minGroupSize: minGroupSize) else {
            return nil
        }
        guard try run.loggedEvaluation(in: store, source: source) != nil else {
            throw PipelineError.unloggedRun(source: source, outputHash: run.outputHash)
        }
        let values = try decrypt(run: run, store: store)
        let parts = try decryptPeriods(of: run, checkedAgainst: values)
        var partial: [Int: [(heat: Int, trend: Int)]] = [:]
        for value in values {
            partial[Int(value.slot)] = (0..<parts.heat.count).map { period in
                (parts.heat[period][value.slot] ?? 0, parts.trend[period][value.slot] ?? 0)
            }
        }
        return StoreRelease.weekAttributedAggregates(partial: partial, split: attribution.split, minGroupSize: minGroupSize)
    }
}
