import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A named commit point of a store operation where fault injection can kill the process.
///
/// Setting the environment variable `HEAT_FAULT_POINT` to a point's ``rawValue`` makes the
/// process kill itself with `SIGKILL` (no unwinding, no `defer`, no rollback by the program)
/// when it reaches that point. The fault sweep (`Tests/HeatCoreTests/FaultInjectionTests.swift`)
/// runs `heatctl` once per point and checks that the store still verifies and holds exactly the
/// old state (`*.before-commit`) or the new one (`*.after-commit`). See `Docs/Reliability.md`.
///
/// ```sh
/// HEAT_FAULT_POINT=ingest.before-commit heatctl ingest week.csv --store heat.db --keys keys/collector
/// # killed by SIGKILL; the store is unchanged and `heatctl audit verify` passes
/// ```
public enum FaultPoint: String, CaseIterable, Sendable {
    /// Ingestion: every row written, the transaction not yet committed.
    case ingestBeforeCommit = "ingest.before-commit"
    /// Ingestion: committed, the report not yet written.
    case ingestAfterCommit = "ingest.after-commit"
    /// Evaluation: the computation and audit rows written, not committed.
    case evaluateBeforeCommit = "evaluate.before-commit"
    /// Evaluation: committed, the run file not yet written.
    case evaluateAfterCommit = "evaluate.after-commit"
    /// Signing: the signed head and audit row written, not committed.
    case signBeforeCommit = "sign.before-commit"
    /// Signing: committed, the head file not yet written.
    case signAfterCommit = "sign.after-commit"
    /// Release: the audit and ledger rows written, not committed.
    case releaseBeforeCommit = "release.before-commit"
    /// Release: committed, the results file not yet written.
    case releaseAfterCommit = "release.after-commit"
    /// Risk-portfolio release (`heatctl risk portfolio --store`): the audit and ledger rows
    /// written, not committed.
    case riskReleaseBeforeCommit = "risk-release.before-commit"
    /// Risk-portfolio release: committed, the portfolio file not yet written.
    case riskReleaseAfterCommit = "risk-release.after-commit"
    /// Encrypted-score run (`heatctl evaluate --model`): the computation and audit rows of the
    /// `score` run written, not committed (the heat evaluation before it is already committed).
    case scoreBeforeCommit = "score.before-commit"
    /// Encrypted-score run: committed, the scores file not yet written.
    case scoreAfterCommit = "score.after-commit"
    /// Retention (`heatctl retention apply`, issue 27): rows deleted, tombstones and the audit
    /// entry written, the store not yet signed (issue 27 s37: the signature is in the same
    /// transaction, so a kill here leaves the old state).
    case retentionUnsignedBeforeCommit = "retention.unsigned.before-commit"
    /// Retention: the compaction and its signed head written, not committed.
    case retentionBeforeCommit = "retention.before-commit"
    /// Retention: committed with its signed head, the head file not yet written.
    case retentionAfterCommit = "retention.after-commit"
    /// Erasure (`heatctl erase`): rows deleted, tombstones, erasure records and the audit entry
    /// written, the store not yet signed (same transaction as the signature).
    case eraseUnsignedBeforeCommit = "erase.unsigned.before-commit"
    /// Erasure: the erasure and its signed head written, not committed.
    case eraseBeforeCommit = "erase.before-commit"
    /// Erasure: committed with its signed head, the head file not yet written.
    case eraseAfterCommit = "erase.after-commit"
    /// Key rotation (`heatctl keys rotate`, with `--collector` or `--fhe` too, and `keys revoke
    /// --collector`): the transition, retirement or re-encrypted rows and the audit entry
    /// written, the store not yet signed (same transaction as the signature).
    case rotateUnsignedBeforeCommit = "rotate.unsigned.before-commit"
    /// Rotation: the change and its signed head (by the new key for the signing key) written, not committed.
    case rotateBeforeCommit = "rotate.before-commit"
    /// Rotation: committed with its signed head, the head file not yet written.
    case rotateAfterCommit = "rotate.after-commit"
    /// FHE key rotation (`heatctl keys rotate --fhe`, issue 27): in the middle of the
    /// re-encryption loop, the first chunk of re-encrypted rows appended, the rest and the
    /// transition not yet (nothing committed: the old state must survive).
    case rotateFHEReencrypting = "rotate-fhe.reencrypting"
    /// Directory change: the signed version and its audit entry written, the store not yet signed
    /// (issue 27 s36: the signature is in the same transaction, so a kill here leaves the old state).
    case directoryUnsignedBeforeCommit = "directory.unsigned.before-commit"
    /// Directory change (`heatctl directory move | close`): the signed version and the signed
    /// head written, not committed.
    case directoryBeforeCommit = "directory.before-commit"
    /// Directory change: committed with its signed head, the head file not yet written.
    case directoryAfterCommit = "directory.after-commit"

    /// The environment variable that arms one point.
    public static let environmentVariable = "HEAT_FAULT_POINT"

    /// Whether this point should hold the state before the operation after the kill.
    public var keepsOldState: Bool { rawValue.hasSuffix(".before-commit") || self == .rotateFHEReencrypting }

    /// Kills the process with `SIGKILL` when `HEAT_FAULT_POINT` names this point; returns otherwise.
    ///
    /// The check reads one environment variable and costs nothing measurable at commit points.
    public func reach() {
        guard let armed = getenv(Self.environmentVariable), String(cString: armed) == rawValue else { return }
        kill(getpid(), SIGKILL)
        _exit(137)  // not reached: SIGKILL cannot be caught
    }
}
