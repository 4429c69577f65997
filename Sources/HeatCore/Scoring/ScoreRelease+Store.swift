import Crypto
import Foundation
import GRDB
import HeatEnvelope

extension ReleaseLedger {
    /// The ledger kind of a per-client score release (`scores release` to a role allowed
    /// per-client rows). Such rows record which clients' values went to the role; they are not
    /// aggregates, so ``history(role:in:)`` leaves them out of the differencing check.
    public static let perClientKind = "clients"
}

extension AuditAction {
    /// The `view` parameter of a score release's `release` audit entry.
    public static let scoreReleaseView = "scores"
}

/// A scores header whose files the key holder can release (``KeyHolder/releaseScores(run:store:policy:role:manager:bandCuts:kinds:epsilon:now:)``):
/// logistic scores (``LogisticScoresHeader``) and boosted-tree scores (``TreeScoresHeader``).
/// Each says what the one release path needs of its files (``ScoresToRelease``: the link, the
/// features, which clients to decrypt and the directory re-check inside the release's write).
///
/// ```swift
/// let release = try keyHolder.releaseScores(run: treeScores, store: store, policy: policy, role: "executive")
/// ```
public protocol ReleasableScoresHeader: EncryptedScoresHeader {
    /// What the release needs of `run`, decrypted by `keyHolder` from `store` (made inside HeatCore only).
    static func releasable(_ run: EncryptedScores<Self>, keyHolder: KeyHolder, store: HeatStore) -> ScoresToRelease
}

extension LogisticScoresHeader: ReleasableScoresHeader {
    /// Logistic scores: every client of the directory, re-checked against the scores' snapshot.
    public static func releasable(_ run: EncryptedScoreRun, keyHolder: KeyHolder, store: HeatStore) -> ScoresToRelease {
        .logistic(run, keyHolder: keyHolder, store: store)
    }
}

extension TreeScoresHeader: ReleasableScoresHeader {
    /// Boosted-tree scores: the encoded clients only (``TreeEncodingCoverage``), re-checked
    /// against the collector's record of the directory.
    public static func releasable(_ run: EncryptedTreeScoreRun, keyHolder: KeyHolder, store: HeatStore) -> ScoresToRelease {
        .trees(run, keyHolder: keyHolder, store: store)
    }
}

extension KeyHolder {
    /// Decrypts the scores (logistic or boosted trees) and releases what the policy allows the
    /// role, recording the release in the store like every other release (``StoreRelease``):
    /// noise from the system CSPRNG.
    ///
    /// See ``releaseScores(run:store:policy:role:manager:bandCuts:kinds:epsilon:now:using:)``.
    ///
    /// - Parameters:
    ///   - run: the evaluator's scores (``EncryptedScoreRun`` or ``EncryptedTreeScoreRun``).
    ///   - store: the store (client directory, audit log, release ledger).
    ///   - policy: the release policy.
    ///   - role: the requesting role.
    ///   - manager: for a role with `clients: own`, the manager whose clients are released.
    ///   - bandCuts: two ascending probability cut points (default 0.3 and 0.6).
    ///   - kinds: the group kinds to release (default: every kind the role may receive).
    ///   - epsilon: the differential-privacy epsilon to spend on noisy band counts (default: the
    ///     role's default epsilon, if any).
    ///   - now: the release time (its UTC month is the budget's month; default: now).
    /// - Returns: the release (with ``ScoreRelease/auditRun`` set).
    /// - Throws: as the overload with a generator.
    public func releaseScores<Header: ReleasableScoresHeader>(
        run: EncryptedScores<Header>, store: HeatStore, policy: PrivacyPolicy, role: String, manager: Pseudonym? = nil,
        bandCuts: [Double] = ScoreRelease.defaultCuts, kinds: [GroupSummary.Kind]? = nil, epsilon: Double? = nil,
        now: UTCTimestamp? = nil
    ) throws -> ScoreRelease {
        var generator = SystemRandomNumberGenerator()
        return try releaseScores(run: run, store: store, policy: policy, role: role, manager: manager, bandCuts: bandCuts,
                                 kinds: kinds, epsilon: epsilon, now: now, using: &generator)
    }

    /// Decrypts the scores (logistic or boosted trees) and releases what the policy allows the
    /// role, drawing noise from `generator` (tests pass a seeded generator).
    ///
    /// Band counts go through the same checks as every other release to the role: groups under
    /// `minGroupSize` are withheld; each group is checked by the release's ``DifferencingGuard``
    /// against every group released to the role before (score bands of either model kind,
    /// `heatctl release`, the risk portfolio, across kinds) and earlier in this release, and
    /// withheld (policy `differencing: suppress`) or refused (`refuse`, exit 77) when subtraction
    /// would isolate fewer than `k` clients. A role whose policy gives it a differential-privacy
    /// budget gets noisy band counts when it asks for an epsilon (or has a default one; a role
    /// with `required: true` always does): two-sided geometric noise per band count, the epsilon
    /// split evenly over the group kinds (each kind's band counts partition the clients, so one
    /// client changes one count per kind), the per-release maximum and the monthly budget checked
    /// against the epsilon already spent this month by every release to the role. Noisy counts
    /// are not checked for differencing (the noise protects them) but identical groups are still
    /// released once.
    ///
    /// Boosted-tree scores decrypt only the clients the collector encoded
    /// (``TreeEncodingCoverage``); their release's ``ScoreRelease/modelKind`` is `gbdt` and its
    /// ``ScoreRelease/features`` are the plan's columns.
    ///
    /// The release is recorded in one transaction: an audit entry `release` (`view` = `scores`,
    /// role, policy hash, epsilon, month's spending, the SHA-256 of ``ScoreRelease/jsonData()``
    /// and of the scores file) and the released groups' membership tags in the
    /// ``ReleaseLedger`` (per-client rows as one ``ReleaseLedger/perClientKind`` entry). A
    /// refusal is recorded as `release.refused` and thrown.
    ///
    /// - Parameters:
    ///   - run: the evaluator's scores.
    ///   - store: the store.
    ///   - policy: the release policy.
    ///   - role: the requesting role.
    ///   - manager: for a role with `clients: own`, the manager whose clients are released.
    ///   - bandCuts: two ascending probability cut points.
    ///   - kinds: the group kinds to release (default: every kind the role may receive).
    ///   - epsilon: the epsilon to spend (default: the role's default epsilon).
    ///   - now: the release time.
    ///   - generator: the noise source.
    /// - Returns: the release.
    /// - Throws: ``PolicyRefusal`` (exit 77) when the role may receive neither clients nor groups,
    ///   asks for its own clients without `manager`, asks for a kind it may not receive, requires
    ///   noise without a budget, exceeds its epsilon limits, or (`differencing: refuse`) a group
    ///   could be subtracted; ``ScoringError/staleDirectory(source:reason:)`` (exit 65) when
    ///   clients were ingested after logistic scores were computed; ``TreeScoringError`` (exit 65)
    ///   when tree scores carry no coverage record, another model's plan, or the directory changed
    ///   since `trees encode`; ``PipelineError``, ``StoreError``.
    public func releaseScores<Header: ReleasableScoresHeader, G: RandomNumberGenerator>(
        run: EncryptedScores<Header>, store: HeatStore, policy: PrivacyPolicy, role: String, manager: Pseudonym? = nil,
        bandCuts: [Double] = ScoreRelease.defaultCuts, kinds: [GroupSummary.Kind]? = nil, epsilon: Double? = nil,
        now: UTCTimestamp? = nil, using generator: inout G
    ) throws -> ScoreRelease {
        try release(Header.releasable(run, keyHolder: self, store: store), store: store, policy: policy, role: role, manager: manager,
                    bandCuts: bandCuts, kinds: kinds, epsilon: epsilon, now: now, using: &generator)
    }

    /// The one score release (logistic or trees); records a refusal as every release does and rethrows it.
    func release<G: RandomNumberGenerator>(
        _ scored: ScoresToRelease, store: HeatStore, policy: PrivacyPolicy, role: String, manager: Pseudonym?,
        bandCuts: [Double], kinds: [GroupSummary.Kind]?, epsilon: Double?, now: UTCTimestamp?, using generator: inout G
    ) throws -> ScoreRelease {
        let time = now ?? UTCTimestamp.now()
        let request = ReleaseRequest(role: role, manager: manager?.displayRef, epsilon: epsilon)
        do {
            return try recordedScoreRelease(
                scored, store: store, policy: policy, role: role, manager: manager, bandCuts: bandCuts, kinds: kinds,
                epsilon: epsilon, time: time, using: &generator)
        } catch let refusal as PolicyRefusal {
            try StoreRelease.recordRefusal(refusal, in: store, policy: policy, request: request, now: time)
            throw refusal
        }
    }

    private func recordedScoreRelease<G: RandomNumberGenerator>(
        _ run: ScoresToRelease, store: HeatStore, policy: PrivacyPolicy, role: String, manager: Pseudonym?,
        bandCuts: [Double], kinds: [GroupSummary.Kind]?, epsilon requested: Double?, time: UTCTimestamp, using generator: inout G
    ) throws -> ScoreRelease {
        let rule = "roles.\(role)"
        let permissions = try policy.permissions(for: role)
        guard permissions.clients != .none || !permissions.groups.isEmpty else {
            throw PolicyRefusal(rule: rule, reason: "the role may receive neither per-client scores nor group summaries")
        }
        if permissions.clients == .own && manager == nil && permissions.groups.isEmpty {
            throw PolicyRefusal(rule: "\(rule).clients", reason: "the role sees only its own clients: name the manager")
        }
        if let kinds {
            for kind in kinds where !permissions.groups.contains(kind) {
                throw PolicyRefusal(rule: "\(rule).groups", reason: "the role \"\(role)\" may not receive \(kind.rawValue) groups")
            }
        }
        let wantedKinds = GroupSummary.Kind.allCases.filter { permissions.groups.contains($0) && (kinds?.contains($0) ?? true) }
        let epsilon = wantedKinds.isEmpty ? nil : (requested ?? permissions.budget?.defaultEpsilon)
        if let requested, wantedKinds.isEmpty {
            throw PolicyRefusal(rule: "\(rule).dp", reason: "epsilon \(requested) was given but no score bands are released to the role")
        }
        if epsilon == nil && permissions.budget?.required == true && !wantedKinds.isEmpty {
            throw PolicyRefusal(rule: "\(rule).dp.required", reason: "every release to the role \"\(role)\" must be noisy: pass --epsilon E")
        }
        // Issue 27: clients are selected and grouped by the directory versions at the scores'
        // reference week, as heat releases are: a moved client goes to the manager (and branch)
        // holding it that week, a closed account has no row and is in no group. Every version is
        // verified first (exit 1), and the directory version is re-checked inside the write.
        let entries = try ClientDirectory.entries(in: store)
        let (assignments, directoryVersion) = try store.read { db in
            (try DirectoryTimeline.scoreAssignments(in: db, key: trustedKey, asOfWeek: run.asOfWeek, source: "the score release"),
             try DirectoryTimeline.version(in: db))
        }
        let byPseudonym = Dictionary(entries.map { ($0.pseudonym, $0) }, uniquingKeysWith: { first, _ in first })
        /// Whether the client in `slot` is an open account at the reference week.
        func isOpen(_ slot: Int64) -> Bool { assignments.map { $0[slot]?.active == true } ?? true }

        // Decrypt first (reads the store), then decide and record in one write transaction.
        var members: [GroupSummary.Kind: [String: [(id: String, band: String)]]] = [:]
        if !wantedKinds.isEmpty {
            for score in try run.decrypt(nil) {
                guard let entry = byPseudonym[score.pseudonym.hex], isOpen(score.slot) else { continue }
                let band = ScoreRelease.band(of: run.probability(score.score), cuts: bandCuts)
                let assignment = assignments?[score.slot]
                let refs: [GroupSummary.Kind: String?] = [
                    .manager: assignments == nil ? entry.manager : assignment?.managerRef,
                    .branch: assignments == nil ? entry.branch : assignment?.branchRef,
                    .segment: entry.segment, .region: entry.region,
                ]
                for kind in wantedKinds {
                    guard let ref = refs[kind] ?? nil else { continue }
                    members[kind, default: [:]][ref, default: []].append((id: score.pseudonym.hex, band: band))
                }
            }
        }
        var clientRows: [ScoreRelease.ClientScore]?
        var clientGroup: ReleasedGroup?
        if permissions.clients == .all || (permissions.clients == .own && manager != nil) {
            let scores = try run.decrypt(permissions.clients == .own ? manager : nil).filter { isOpen($0.slot) }
            clientRows = scores.map { score in
                let probability = run.probability(score.score)
                return ScoreRelease.ClientScore(
                    ref: byPseudonym[score.pseudonym.hex]?.ref ?? score.pseudonym.displayRef, score: score.score,
                    probability: probability, band: ScoreRelease.band(of: probability, cuts: bandCuts))
            }
            clientGroup = ReleasedGroup(kind: ReleaseLedger.perClientKind, ref: permissions.clients == .own ? (manager?.displayRef ?? "own") : "all",
                                        memberIDs: scores.map(\.pseudonym.hex))
        }
        let scoresHash = run.outputHash
        let month = String(time.iso8601.prefix(7))
        return try store.write { db -> ScoreRelease in
            // The directory the scores were decrypted for must still be the store's inside this
            // write: a client ingested since the decryption would otherwise be left out of (or
            // misattributed in) the groups recorded in the ledger.
            try run.recheck(db)
            let current = try DirectoryTimeline.version(in: db)
            guard current == directoryVersion else {
                throw PipelineError.directoryVersionMismatch(source: "the score release", computed: directoryVersion, current: current)
            }
            let history = try ReleaseLedger.history(role: role, in: db)
            let spent = try ReleaseLedger.spent(role: role, month: month, in: db)
            if let epsilon {
                guard let budget = permissions.budget else {
                    throw PolicyRefusal(rule: "\(rule).dp", reason: "the role \"\(role)\" has no differential-privacy budget, so it may not request an epsilon")
                }
                guard epsilon > 0, epsilon.isFinite else {
                    throw PolicyRefusal(rule: "\(rule).dp.maxEpsilon", reason: "epsilon must be positive (found \(epsilon))")
                }
                guard epsilon <= budget.maxEpsilon else {
                    throw PolicyRefusal(rule: "\(rule).dp.maxEpsilon", reason: "epsilon \(epsilon) exceeds the role's maximum of \(budget.maxEpsilon) per release")
                }
                guard spent + epsilon <= budget.monthlyBudget + 1e-9 else {
                    throw PolicyRefusal(rule: "\(rule).dp.monthlyBudget", reason: "the role has spent epsilon \(ReleaseEngine.format(spent)) of its monthly budget \(ReleaseEngine.format(budget.monthlyBudget)) this calendar month; \(ReleaseEngine.format(epsilon)) more would exceed it")
                }
            }
            let noise = epsilon.map { DiscreteLaplace(epsilon: $0 / Double(max(wantedKinds.count, 1)), sensitivity: 1) }
            var release = ScoreRelease(
                role: role, policy: policy.name, asOfWeek: run.asOfWeek, features: run.features, bandCuts: bandCuts,
                clients: clientRows, groups: [], suppressedGroups: 0)
            release.modelKind = run.modelKind
            release.epsilon = epsilon
            release.mechanism = noise.map { _ in DiscreteLaplace.mechanismName }
            release.noiseScale = noise?.scale
            var withheld: [Withholding] = []
            var guardian = DifferencingGuard(k: policy.minGroupSize, history: history)
            var released: [ReleasedGroup] = []
            for kind in wantedKinds {
                // Largest first (ties by reference), so that a subtraction risk falls on the smallest groups.
                let groups = (members[kind] ?? [:]).sorted { ($0.value.count, $1.key) > ($1.value.count, $0.key) }
                for (ref, clients) in groups {
                    let item = "\(kind.rawValue) \(ref)"
                    guard clients.count >= policy.minGroupSize else {
                        release.suppressedGroups += 1
                        withheld.append(Withholding(item: item, rule: "minGroupSize", reason: "fewer than k = \(policy.minGroupSize) clients"))
                        continue
                    }
                    let group = ReleasedGroup(kind: kind.rawValue, ref: ref, memberIDs: clients.map(\.id))
                    if let risk = guardian.risk(of: group, differencing: noise == nil) {
                        let ruleName: String = if case .identical = risk { "differencing.identical" } else { "differencing" }
                        if policy.differencing == .refuse && ruleName == "differencing" {
                            throw PolicyRefusal(rule: ruleName, reason: "releasing score bands of \(item) would let releases be subtracted: \(risk.description)")
                        }
                        withheld.append(Withholding(item: item, rule: ruleName, reason: risk.publicDescription))
                        continue
                    }
                    var counts = Dictionary(uniqueKeysWithValues: ScoreRelease.bandNames.map { ($0, 0) })
                    for client in clients { counts[client.band, default: 0] += 1 }
                    var size = clients.count
                    if let noise {
                        if noise.expectedAbsoluteNoise > policy.privacy.maxNoiseShare * Double(clients.count) {
                            withheld.append(Withholding(item: item, rule: "dp.maxNoiseShare", reason: "the expected noise exceeds \(ReleaseEngine.format(policy.privacy.maxNoiseShare * 100))% of the group's size at this epsilon"))
                            continue
                        }
                        for band in ScoreRelease.bandNames { counts[band] = max(0, (counts[band] ?? 0) + noise.sample(using: &generator)) }
                        size = counts.values.reduce(0, +)
                    }
                    release.groups.append(.init(kind: kind.rawValue, ref: ref, clients: size, bands: counts))
                    released.append(group)
                    guardian.remember(group)
                }
            }
            release.groups.sort { ($0.kind, $0.ref) < ($1.kind, $1.ref) }
            release.withheld = withheld
            let ledger = released + (clientGroup.map { [$0] } ?? [])
            let nextSeq = (try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM audit_log") ?? 0) + 1
            release.auditRun = String(nextSeq)
            let data = try release.jsonData()
            let total = spent + (epsilon ?? 0)
            var parameters: [String: String] = [
                "releasedTo": role, "policy": policy.name, "policyHash": policy.hash, "view": AuditAction.scoreReleaseView,
                "epsilon": epsilon.map { String($0) } ?? "none", "month": month, "spentThisMonth": String(total),
                "minGroupSize": String(policy.minGroupSize), "groups": String(release.groups.count),
                "clients": String(clientRows?.count ?? 0), "withheld": String(withheld.count),
                "groupsDigest": ReleaseLedger.digest(ledger), "scoresHash": scoresHash, "asOfWeek": run.asOfWeek,
                "bandCuts": bandCuts.map { String($0) }.joined(separator: ","),
            ]
            if let budget = permissions.budget { parameters["monthlyBudget"] = String(budget.monthlyBudget) }
            if let manager { parameters["manager"] = manager.displayRef }
            if let kind = run.modelKind { parameters["model"] = kind }
            if let noise {
                parameters["mechanism"] = DiscreteLaplace.mechanismName
                parameters["countNoiseScale"] = String(noise.scale)
            }
            let seq = try AuditLog.append(AuditEntry(
                role: KeyRole.keyholder.rawValue, action: AuditAction.release, inputHash: run.inputHash,
                outputHash: Hex.encode(Array(SHA256.hash(data: data))), parameters: parameters, recordedAt: time), in: db)
            guard seq == nextSeq else {
                throw StoreError.io(path: store.path, reason: "audit log sequence moved during the score release")
            }
            try ReleaseLedger.record(ledger, role: role, auditSeq: seq, recordedAt: time, in: db)
            return release
        }
    }
}

/// What a score release needs of a scores file, logistic or boosted trees: the one path of
/// ``KeyHolder/releaseScores(run:store:policy:role:manager:bandCuts:kinds:epsilon:now:using:)``.
/// Public only as the result of ``ReleasableScoresHeader/releasable(_:keyHolder:store:)``: its
/// contents and initializers are internal to HeatCore.
public struct ScoresToRelease {
    /// `nil` for logistic scores, `gbdt` for trees (recorded in the release and its audit entry).
    var modelKind: String?
    /// The model's features (logistic) or the plan's columns (trees).
    var features: [String]
    /// The reference ISO week.
    var asOfWeek: String
    /// The scores' input hash.
    var inputHash: String
    /// The SHA-256 of the scores' payload.
    var outputHash: String
    /// The link.
    var probability: (Int) -> Double
    /// Decrypts the scores of every client released (`nil`) or of one manager's clients.
    var decrypt: (Pseudonym?) throws -> [DecryptedScore]
    /// Re-checks, inside the release's write transaction, that the store's directory is the one
    /// the scores were computed (or the bits encoded) on.
    var recheck: (Database) throws -> Void
}

extension ScoresToRelease {
    /// Logistic scores: every client of the directory, re-checked against the scores' snapshot.
    static func logistic(_ run: EncryptedScoreRun, keyHolder: KeyHolder, store: HeatStore) -> ScoresToRelease {
        let model = run.header.model
        return ScoresToRelease(
            modelKind: nil, features: model.features, asOfWeek: run.header.asOfWeek, inputHash: run.header.inputHash,
            outputHash: run.outputHash, probability: model.probability(score:),
            decrypt: { manager in try keyHolder.decrypt(scores: run, store: store, manager: manager) },
            recheck: { db in try run.checkDirectory(current: DirectorySnapshot.read(in: db), source: "the scores") })
    }

    /// Boosted-tree scores: the encoded clients only, re-checked against the collector's record
    /// of the directory it encoded against.
    static func trees(_ run: EncryptedTreeScoreRun, keyHolder: KeyHolder, store: HeatStore) -> ScoresToRelease {
        let model = run.header.model
        return ScoresToRelease(
            modelKind: "gbdt", features: model.plan.columns, asOfWeek: run.header.asOfWeek ?? "unknown", inputHash: run.header.inputHash,
            outputHash: run.outputHash, probability: model.probability(score:),
            decrypt: { manager in try keyHolder.decrypt(treeScores: run, store: store, manager: manager) },
            recheck: { db in
                try run.coverageRecord(source: "the tree scores").check(current: DirectorySnapshot.read(in: db), source: "the tree scores")
            })
    }
}
