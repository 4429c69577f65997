import HeatEnvelope

/// What can stop a store ingestion (the store is then unchanged).
///
/// ```swift
/// do { _ = try ingestor.ingest(rows, clients: [], into: store, source: source) }
/// catch StoreIngestorError.faultInjected(let rows) { print("aborted after \(rows) rows") }
/// ```
public enum StoreIngestorError: ClassifiedError, Equatable {
    /// The fault-injection switch (`HEAT_FAULT_ABORT_AFTER_ROWS`) aborted the ingestion.
    case faultInjected(afterRows: Int)
    /// The environment variable holds something other than a non-negative integer.
    case badFaultSetting(value: String)
    /// Encrypted ingestion was requested, which is not available yet.
    case encryptedPipelineUnavailable
    /// `--strict` was given and the reader rejected rows.
    case strictRejected(file: String, rejected: Int)
    /// The ingestion's sealed temporary totals (a run past the in-memory limit, issue 14) could
    /// not be written or read back: the temporary directory's disk failed or is full, or the file
    /// was altered (exit 74; nothing was committed).
    case spillUnreadable(reason: String)

    public var category: ErrorCategory {
        switch self {
        case .faultInjected, .spillUnreadable: .ioError
        case .badFaultSetting, .encryptedPipelineUnavailable: .usage
        case .strictRejected: .dataError
        }
    }

    public var description: String {
        switch self {
        case .faultInjected(let rows):
            "ingestion aborted by HEAT_FAULT_ABORT_AFTER_ROWS after \(rows) rows; nothing was committed"
        case .badFaultSetting(let value):
            "HEAT_FAULT_ABORT_AFTER_ROWS=\"\(value)\" is not a non-negative integer"
        case .encryptedPipelineUnavailable:
            "the encrypted ingestion pipeline is not available yet; only plaintext ingestion (test and demo data) is"
        case .strictRejected(let file, let rejected):
            "\(file): \(Plural.count(rejected, "row")) rejected and --strict given; nothing was committed"
        case .spillUnreadable(let reason):
            "the ingestion's sealed temporary totals: \(reason); nothing was committed"
        }
    }

    public var hint: String? {
        switch self {
        case .faultInjected, .badFaultSetting: "unset HEAT_FAULT_ABORT_AFTER_ROWS (it exists for tests)"
        case .encryptedPipelineUnavailable: "pass --plaintext to ingest test or demo data in plaintext buckets"
        case .strictRejected: "fix the rejected rows listed above, or drop --strict to keep the good rows"
        case .spillUnreadable: "check the disk holding TMPDIR (free space, I/O errors; point TMPDIR elsewhere if needed) and run the ingestion again"
        }
    }
}
