import Crypto
import Foundation
import GRDB
import HeatEnvelope

extension RiskPortfolioRelease {
    /// A portfolio release recorded in a store.
    public struct Recorded: Sendable {
        /// The released section and groups.
        public var outcome: RiskPortfolioOutcome
        /// The release's audit entry.
        public var auditSeq: Int64
    }

    /// Releases the portfolio view against the role's release history in `store` and records it
    /// there, in one transaction, the way ``StoreRelease`` records every other release: an audit
    /// entry `release` (role, policy hash, `view` = `riskPortfolio`, the groups' digest) and the
    /// released groups' membership tags in the ``ReleaseLedger``, so that a later release to the
    /// same role (a portfolio view or a store release) cannot be subtracted from this one to
    /// isolate fewer than `k` clients. A refusal is recorded as `release.refused` and thrown.
    ///
    /// Membership across releases needs stable ids: pass clients with ``PortfolioClient/id`` set
    /// (clients without one are tagged by position, which is meaningful within one release only).
    ///
    /// ```swift
    /// let recorded = try RiskPortfolioRelease(policy: policy).release(clients, role: "executive",
    ///                                                                 source: "scores.csv", in: store)
    /// ```
    ///
    /// - Parameters:
    ///   - clients: the current period's scored clients.
    ///   - previous: the previous period's, if any.
    ///   - role: the receiving role.
    ///   - kinds: the groupings.
    ///   - bands: the band thresholds (reported).
    ///   - source: where the scores came from.
    ///   - store: the store holding the audit log and the ledger.
    ///   - now: the release time (default: now).
    /// - Returns: the outcome and its audit entry.
    /// - Throws: ``PolicyRefusal`` (exit 77, after recording it) or ``StoreError``.
    public func release(_ clients: [PortfolioClient], previous: [PortfolioClient]? = nil, role: String,
                        kinds: [GroupSummary.Kind] = [.branch, .region, .segment], bands: RiskBands = .standard, source: String,
                        in store: HeatStore, now: UTCTimestamp? = nil) throws -> Recorded {
        let time = now ?? UTCTimestamp.now()
        do {
            let recorded = try store.write { db -> Recorded in
                let history = try ReleaseLedger.history(role: role, in: db)
                let released = try self.outcome(clients, previous: previous, role: role, kinds: kinds, bands: bands, source: source, history: history)
                let data = try JSONEncoder().encode(released.section)
                let parameters: [String: String] = [
                    "releasedTo": role, "policy": policy.name, "policyHash": policy.hash, "epsilon": "none",
                    "view": "riskPortfolio", "minGroupSize": String(policy.minGroupSize),
                    "groups": String(released.section.groups.count), "withheld": String(released.section.withheld.count),
                    "groupsDigest": ReleaseLedger.digest(released.groups), "month": String(time.iso8601.prefix(7)),
                ]
                let seq = try AuditLog.append(AuditEntry(
                    role: KeyRole.keyholder.rawValue, action: AuditAction.release, inputHash: nil,
                    outputHash: Hex.encode(Array(SHA256.hash(data: data))), parameters: parameters, recordedAt: time), in: db)
                try ReleaseLedger.record(released.groups, role: role, auditSeq: seq, recordedAt: time, in: db)
                FaultPoint.riskReleaseBeforeCommit.reach()
                return Recorded(outcome: released, auditSeq: seq)
            }
            FaultPoint.riskReleaseAfterCommit.reach()
            return recorded
        } catch let refusal as PolicyRefusal {
            try StoreRelease.recordRefusal(refusal, in: store, policy: policy, request: ReleaseRequest(role: role), now: time)
            throw refusal
        }
    }
}
