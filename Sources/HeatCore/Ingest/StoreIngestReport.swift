/// What one ``StoreIngestor`` run did.
///
/// ```swift
/// let report = try ingestor.ingest(rows, clients: clients, into: store, source: source)
/// print("\(report.eventsAdded) new, \(report.duplicatesSkipped) already stored")
/// ```
public struct StoreIngestReport: Sendable, Hashable, Codable {
    /// The computation run number of this ingestion (`computation_runs.seq`).
    public var run: Int64
    /// Interaction rows read (valid rows offered to the store).
    public var rowsRead: Int
    /// Rows the reader rejected (not stored).
    public var rowsRejected: Int
    /// New events stored.
    public var eventsAdded: Int
    /// Events skipped because an event with the same id HMAC was already stored (earlier run or
    /// earlier in the same file).
    public var duplicatesSkipped: Int
    /// Clients added to the directory.
    public var clientsAdded: Int
    /// Weekly bucket delta rows appended.
    public var bucketRowsAdded: Int
    /// SHA-256 (hex) of the input file.
    public var inputHash: String
    /// SHA-256 (hex) over the new heads of the chains this run appended to.
    public var outputHash: String
    /// Ciphertexts appended by the encrypted pipeline's collector (0 for plaintext ingestion).
    public var ciphertextsAdded: Int = 0
    /// `plaintext` or `encrypted`.
    public var mode: String = "plaintext"

    /// Creates a report.
    ///
    /// - Parameters:
    ///   - run: the computation run number.
    ///   - rowsRead: valid rows read.
    ///   - rowsRejected: rows rejected by the reader.
    ///   - eventsAdded: new events.
    ///   - duplicatesSkipped: events already stored.
    ///   - clientsAdded: new directory entries.
    ///   - bucketRowsAdded: bucket rows appended.
    ///   - inputHash: the input's SHA-256 hex.
    ///   - outputHash: the output's SHA-256 hex.
    public init(
        run: Int64, rowsRead: Int, rowsRejected: Int, eventsAdded: Int, duplicatesSkipped: Int, clientsAdded: Int,
        bucketRowsAdded: Int, inputHash: String, outputHash: String
    ) {
        self.run = run
        self.rowsRead = rowsRead
        self.rowsRejected = rowsRejected
        self.eventsAdded = eventsAdded
        self.duplicatesSkipped = duplicatesSkipped
        self.clientsAdded = clientsAdded
        self.bucketRowsAdded = bucketRowsAdded
        self.inputHash = inputHash
        self.outputHash = outputHash
    }
}
