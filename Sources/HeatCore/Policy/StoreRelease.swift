import Crypto
import Foundation
import GRDB
import HeatEnvelope

/// Releases results from a store to a role (`heatctl release`): reads the per-client values
/// (plaintext buckets today; the encrypted pipeline passes its decrypted ``ReleaseInput`` to
/// ``release(_:in:policy:request:now:)`` instead), runs the ``ReleaseEngine`` against the role's
/// differencing history and monthly budget, and records the release in one transaction: an audit
/// entry `release` (role, policy hash, epsilon, budget spent, SHA-256 of the released document's
/// bytes) and the released groups' membership tags. A refused request is recorded in its own
/// committed `release.refused` entry naming the rule, and then thrown (exit 77).
///
/// ```swift
/// let store = try HeatStore(path: "heat.db")
/// let released = try StoreRelease.release(in: store, policy: policy, request: ReleaseRequest(role: "executive"))
/// try AtomicFile.write(released.data, to: URL(filePath: "results.json"))
/// ```
public enum StoreRelease {
    /// A recorded release.
    public struct Released: Sendable {
        /// The engine's outcome (document with `auditRun` set, withheld items, groups).
        public var outcome: ReleaseOutcome
        /// The document's JSON bytes, exactly as hashed in the audit log.
        public var data: Data
        /// SHA-256 (hex) of ``data``.
        public var outputHash: String
        /// The release's audit entry.
        public var auditSeq: Int64
        /// Epsilon the role has spent this calendar month, this release included.
        public var spentThisMonth: Double
        /// The role's monthly budget, when it has one.
        public var monthlyBudget: Double?
    }

    /// The exact per-client values of a store's plaintext buckets, ready for release.
    ///
    /// Clients are grouped by the directory version in force at the reference week (issue 27):
    /// a moved client's row goes to the manager holding it that week, and an account closed by
    /// then has no row. On a plaintext store with directory versions, the group totals are
    /// attributed **week by week** (``weekAttributedAggregates(buckets:timeline:referenceWeek:configuration:minGroupSize:)``,
    /// set as ``ReleaseInput/groupAggregates``), exactly as the encrypted aggregates are. For
    /// values the key holder decrypted (`entries`), the groups whose members change inside the
    /// heat window are named in ``ReleaseInput/changingGroups``: their totals must come from the
    /// evaluator's aggregates (issue 27, s37).
    ///
    /// ```swift
    /// let input = try StoreRelease.input(from: store, asOf: CalendarDate(year: 2026, month: 3, day: 29)!,
    ///                                    minGroupSize: policy.minGroupSize)
    /// ```
    ///
    /// - Parameters:
    ///   - store: the store.
    ///   - configuration: the heat configuration.
    ///   - asOf: the reference date (default: the latest stored week); heat runs through
    ///     ``StoreHeat/referenceWeek(asOf:)``.
    ///   - entries: the entries decrypted by the key holder (encrypted pipeline), or `nil` to score
    ///     the plaintext buckets (then, on a versioned store, the group totals are week-attributed).
    ///   - minGroupSize: the policy's `k` (default ``PrivacyPolicy/defaultMinGroupSize``): a week-attributed
    ///     group is released only with at least `k` members (in every period of the window when its
    ///     members change). Pass the policy's own `k`.
    /// - Returns: the input (mode plaintext, with weekly event totals over the heat window).
    /// - Throws: ``StoreError``.
    public static func input(
        from store: HeatStore, configuration: HeatConfiguration = HeatConfiguration(), asOf: CalendarDate? = nil,
        entries decrypted: [ClientDirectoryEntry]? = nil, minGroupSize: Int = PrivacyPolicy.defaultMinGroupSize
    ) throws -> ReleaseInput {
        let entries = try decrypted ?? ClientDirectory.entries(in: store, scoring: configuration, asOf: asOf)
        let buckets = try ClientDirectory.buckets(in: store)
        let latest = buckets.filter { $0.events > 0 }.map(\.week).max()
        let reference = asOf ?? latest.map { $0.monday.adding(days: 6) } ?? UTCTimestamp.now().date
        // The week heat runs through (``StoreHeat``, and the evaluator's `asOfWeek`).
        let through = StoreHeat.referenceWeek(asOf: reference)
        let from = through.advanced(by: -(configuration.windowWeeks - 1))
        var totals: [ISOWeek: [Channel: Int]] = [:]
        for bucket in buckets where bucket.week >= from && bucket.week <= through {
            totals[bucket.week, default: [:]][bucket.channel, default: 0] += Int(bucket.events)
        }
        var weekly: [WeeklyCount] = []
        var week = from
        while week <= through {
            for channel in Channel.allCases {
                weekly.append(WeeklyCount(week: week, channel: channel, events: totals[week]?[channel] ?? 0))
            }
            week = week.advanced(by: 1)
        }
        // Issue 27 (directory versions): a client's manager and branch are those in force at the
        // reference week, and an account closed by then has no row (nor any group).
        let timeline = try DirectoryTimeline.current(in: store)
        let clients = timeline.inForce(entries, week: through).map { entry -> ReleaseClient in
            var groups: [GroupSummary.Kind: String] = [:]
            groups[.manager] = entry.manager
            groups[.branch] = entry.branch
            groups[.segment] = entry.segment
            groups[.region] = entry.region
            return ReleaseClient(id: entry.pseudonym, ref: entry.ref, heat: entry.heat ?? 0, trend: entry.trend ?? 0,
                                 level: entry.level ?? .cold, cooling: entry.cooling ?? false, groups: groups)
        }
        var input = ReleaseInput(clients: clients, asOf: reference, configuration: configuration, weekly: weekly)
        // Review s39 erase27d M3: always an explicit set (empty when no group changes), so the
        // release engine's fail-closed rule for inputs without it never fires on a store's input.
        input.changingGroups = ReleaseInput.ChangingGroups(groups: [], changeWeek: through, referenceWeek: through)
        if timeline.isVersioned {
            // Issue 27: the groups whose members change inside the window, from the directory
            // alone (s39: also on a plaintext store, where the DP rule `dp.versionedGroup` reads
            // this data-independent flag instead of comparing totals).
            let split = timeline.split(first: through.advanced(by: -(Evaluator.windowSpan(configuration) - 1)), last: through)
            if split.periods.count > 1, !split.versioned.isEmpty {
                input.changingGroups = ReleaseInput.ChangingGroups(
                    groups: Set(split.versioned.map { "\($0.kind.rawValue) \($0.ref)" }), changeWeek: split.periods[1].first,
                    referenceWeek: through)
            }
        }
        if decrypted == nil && timeline.isVersioned {
            // Issue 27: group totals attributed week by week, as the encrypted aggregates are.
            // (Decrypted per-client values cannot be attributed by week: the changing groups then
            // need the evaluator's aggregates, s37.)
            input.groupAggregates = weekAttributedAggregates(
                buckets: buckets, timeline: timeline, referenceWeek: through, configuration: configuration, minGroupSize: minGroupSize)
            input.groupAggregatesMinGroupSize = minGroupSize
        }
        return input
    }

    /// Releases `input` to the request's role and records the release (or the refusal) in `store`.
    ///
    /// This is the entry point the encrypted pipeline calls after decryption.
    ///
    /// - Parameters:
    ///   - input: the exact per-client values.
    ///   - store: the store holding the audit log and the release history.
    ///   - policy: the policy.
    ///   - request: role, manager, epsilon, sections.
    ///   - now: the release time (its UTC month is the budget's month; default: now).
    /// - Returns: the recorded release.
    /// - Throws: ``PolicyRefusal`` (exit 77, after recording it) or ``StoreError``;
    ///   ``DirectoryError/groupTotalsNotWeekAttributed(group:changeWeek:referenceWeek:)`` (exit 64,
    ///   nothing recorded) when the release would include a group of ``ReleaseInput/changingGroups``
    ///   without ``ReleaseInput/groupAggregates``.
    public static func release(
        _ input: ReleaseInput, in store: HeatStore, policy: PrivacyPolicy, request: ReleaseRequest, now: UTCTimestamp? = nil
    ) throws -> Released {
        let time = now ?? UTCTimestamp.now()
        let month = String(time.iso8601.prefix(7))
        let engine = ReleaseEngine(policy: policy)
        do {
            let released = try store.write { db -> Released in
                let history = try ReleaseLedger.history(role: request.role, in: db)
                let spent = try ReleaseLedger.spent(role: request.role, month: month, in: db)
                var outcome = try engine.release(input, request: request, history: history, spentThisMonth: spent, generatedAt: time)
                // Issue 27 (s37): a group whose members change inside the window is released only
                // with week-attributed totals; nothing is recorded otherwise.
                if input.groupAggregates == nil, let changing = input.changingGroups,
                   let group = outcome.groups.first(where: { changing.contains(kind: $0.kind, ref: $0.ref) }) {
                    throw DirectoryError.groupTotalsNotWeekAttributed(
                        group: "\(group.kind) \(group.ref)", changeWeek: changing.changeWeek.description,
                        referenceWeek: changing.referenceWeek.description)
                }
                let nextSeq = (try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM audit_log") ?? 0) + 1
                outcome.document.auditRun = String(nextSeq)
                let data = try outcome.document.jsonData()
                let outputHash = Hex.encode(Array(SHA256.hash(data: data)))
                let total = spent + (outcome.epsilon ?? 0)
                let budget = policy.roles[request.role]?.budget
                var parameters: [String: String] = [
                    "releasedTo": request.role, "policy": policy.name, "policyHash": policy.hash,
                    "epsilon": outcome.epsilon.map { String($0) } ?? "none", "month": month,
                    "spentThisMonth": String(total), "minGroupSize": String(policy.minGroupSize),
                    "groups": String(outcome.document.groups?.count ?? 0), "clients": String(outcome.document.clients?.count ?? 0),
                    "withheld": String(outcome.withheld.count), "groupsDigest": ReleaseLedger.digest(outcome.groups),
                    "sections": ReleaseEngine.sectionNames(of: outcome.document).joined(separator: ","),
                    "mode": input.mode.rawValue,
                    // Issue 27: directory changes may not start at or before a released reference week.
                    "asOfWeek": input.asOf.isoWeek.description,
                ]
                if let budget { parameters["monthlyBudget"] = String(budget.monthlyBudget) }
                if let manager = request.manager { parameters["manager"] = manager }
                if let noise = outcome.countNoise, let heat = outcome.heatNoise {
                    parameters["mechanism"] = DiscreteLaplace.mechanismName
                    parameters["countNoiseScale"] = String(noise.scale)
                    parameters["heatNoiseScale"] = String(heat.scale)
                    parameters["heatClip"] = String(policy.privacy.heatClip)
                    parameters["trendClip"] = String(policy.privacy.trendClip)
                }
                let seq = try AuditLog.append(AuditEntry(
                    role: KeyRole.keyholder.rawValue, action: AuditAction.release, inputHash: input.digest,
                    outputHash: outputHash, parameters: parameters, recordedAt: time), in: db)
                guard seq == nextSeq else {
                    throw StoreError.io(path: store.path, reason: "audit log sequence moved during the release")
                }
                try ReleaseLedger.record(outcome.groups, role: request.role, auditSeq: seq, recordedAt: time, in: db)
                FaultPoint.releaseBeforeCommit.reach()
                return Released(outcome: outcome, data: data, outputHash: outputHash, auditSeq: seq,
                                spentThisMonth: total, monthlyBudget: budget?.monthlyBudget)
            }
            FaultPoint.releaseAfterCommit.reach()
            return released
        } catch let refusal as PolicyRefusal {
            try recordRefusal(refusal, in: store, policy: policy, request: request, now: time)
            throw refusal
        }
    }

    /// Records a refused request in its own committed audit entry `release.refused`.
    ///
    /// - Parameters:
    ///   - refusal: the refusal.
    ///   - store: the store.
    ///   - policy: the policy (its hash is recorded), or `nil` when the policy itself could not be used.
    ///   - request: the request.
    ///   - now: the time.
    /// - Throws: ``StoreError``.
    public static func recordRefusal(
        _ refusal: PolicyRefusal, in store: HeatStore, policy: PrivacyPolicy?, request: ReleaseRequest, now: UTCTimestamp? = nil
    ) throws {
        var parameters = ["releasedTo": request.role, "rule": refusal.rule, "reason": refusal.reason]
        if let policy {
            parameters["policy"] = policy.name
            parameters["policyHash"] = policy.hash
        }
        if let epsilon = request.epsilon { parameters["epsilon"] = String(epsilon) }
        if let manager = request.manager { parameters["manager"] = manager }
        let entry = AuditEntry(role: KeyRole.keyholder.rawValue, action: AuditAction.releaseRefused, parameters: parameters,
                               recordedAt: now)
        try store.write { db in _ = try AuditLog.append(entry, in: db) }
    }
}

extension ReleaseInput {
    /// SHA-256 (hex) of the exact input values in a canonical text form (one line per client,
    /// sorted by id), recorded as the release's input hash so a re-run can be compared.
    public var digest: String {
        var hasher = SHA256()
        hasher.update(data: Array("customerheat.release-input/1 \(asOf) \(mode.rawValue)\n".utf8))
        for client in clients.sorted(by: { $0.id < $1.id }) {
            let groups = GroupSummary.Kind.allCases.map { client.groups[$0] ?? "" }.joined(separator: ",")
            hasher.update(data: Array("\(client.id),\(client.ref),\(client.heat),\(client.trend),\(client.level.rawValue),\(client.cooling),\(groups)\n".utf8))
        }
        return Hex.encode(Array(hasher.finalize()))
    }
}

extension ReleaseEngine {
    /// The names of the sections present in a document, in schema order.
    ///
    /// - Parameter document: a results document.
    /// - Returns: names such as `population`, `heatHistogram`, `groups`.
    public static func sectionNames(of document: ResultsDocument) -> [String] {
        var names: [String] = []
        if document.population != nil { names.append("population") }
        if document.heatHistogram != nil { names.append("heatHistogram") }
        if document.weekly != nil { names.append("weekly") }
        if document.groups != nil { names.append("groups") }
        if document.clients != nil { names.append("clients") }
        if document.personas != nil { names.append("personas") }
        if document.model != nil { names.append("model") }
        return names
    }
}
