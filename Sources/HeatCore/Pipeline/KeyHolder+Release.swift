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
    /// - Throws: ``PipelineError/configurationMismatch(expected:found:)`` (78),
    ///   ``PipelineError/unknownManager(ref:matches:)`` (64), ``PipelineError``, ``StoreError``.
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
}
