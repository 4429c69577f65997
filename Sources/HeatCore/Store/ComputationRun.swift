/// One logged computation on the store (an ingestion, later an evaluation), with the hashes an
/// auditor needs to re-run it and compare.
///
/// ```swift
/// let run = ComputationRun(startedAt: start, finishedAt: .now(), kind: "evaluate",
///                          inputHash: inputHex, outputHash: outputHex, parameters: ["asOf": "2026-03-02"])
/// try store.write { db in try ComputationLog.append(run, in: db) }
/// ```
public struct ComputationRun: Sendable, Hashable, Codable {
    /// The run's number (`computation_runs.seq`), `nil` before it is appended.
    public var seq: Int64?
    /// When the run started (UTC).
    public var startedAt: UTCTimestamp
    /// When it finished (UTC).
    public var finishedAt: UTCTimestamp
    /// What ran (`ingest`, `evaluate`, …).
    public var kind: String
    /// SHA-256 (hex) of the input.
    public var inputHash: String?
    /// SHA-256 (hex) of the output.
    public var outputHash: String?
    /// Settings and counts.
    public var parameters: [String: String]

    /// Creates a run record.
    ///
    /// - Parameters:
    ///   - startedAt: the start time.
    ///   - finishedAt: the end time.
    ///   - kind: what ran.
    ///   - inputHash: SHA-256 hex of the input.
    ///   - outputHash: SHA-256 hex of the output.
    ///   - parameters: settings and counts (no raw identifiers).
    public init(
        startedAt: UTCTimestamp, finishedAt: UTCTimestamp, kind: String, inputHash: String?, outputHash: String?,
        parameters: [String: String]
    ) {
        self.seq = nil
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.kind = kind
        self.inputHash = inputHash
        self.outputHash = outputHash
        self.parameters = parameters
    }
}
