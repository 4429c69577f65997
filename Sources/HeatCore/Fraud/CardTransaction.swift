import Foundation

/// One row of a transaction log (`Docs/Analytics.md`, "Transaction log format").
public struct CardTransaction: Sendable, Equatable {
    /// The customer's own identifier (never printed in messages).
    public var customerID: String
    /// When it happened, in seconds since the Unix epoch (UTC).
    public var occurredAt: Int64
    /// The amount (>= 0).
    public var amount: Double
    /// The channel or merchant category (lower-cased).
    public var channel: String
    /// The counterparty (payee or merchant id), or empty when unknown.
    public var counterparty: String
    /// The fraud label when the log carries one (`is_fraud`), else `nil`.
    public var isFraud: Bool?

    /// Creates a transaction.
    ///
    /// - Parameters:
    ///   - customerID: the customer id.
    ///   - occurredAt: seconds since the epoch (UTC).
    ///   - amount: the amount.
    ///   - channel: the channel or merchant category.
    ///   - counterparty: the counterparty, or empty.
    ///   - isFraud: the label, if known.
    public init(customerID: String, occurredAt: Int64, amount: Double, channel: String, counterparty: String = "", isFraud: Bool? = nil) {
        self.customerID = customerID
        self.occurredAt = occurredAt
        self.amount = amount
        self.channel = channel
        self.counterparty = counterparty
        self.isFraud = isFraud
    }
}

/// Reads a transaction log (CSV with a header, or JSON Lines with the same keys; UTF-8, BOM and
/// CRLF accepted) with the same validation as the interaction reader: each bad row is rejected
/// with its file, line, column and field and the good rows are kept; `strict` fails instead.
/// Customer ids are never quoted in messages.
///
/// Columns: `transaction_id` (optional, ignored), `customer_id`, `occurred_at` (ISO-8601 with `Z`
/// or an offset), `amount` (decimal >= 0), `channel` (channel or merchant category, free text),
/// `counterparty` (optional), `is_fraud` (optional: `0` / `1` / `true` / `false`, empty = unknown).
///
/// ```swift
/// let report = try TransactionLogFormatReader().read(contentsOf: URL(filePath: "transactions.csv"))
/// if !report.isClean { log(report.rejectReport) }
/// ```
public struct TransactionLogFormatReader: Sendable {
    /// The columns of the format, in order.
    public static let columns = ["transaction_id", "customer_id", "occurred_at", "amount", "channel", "counterparty", "is_fraud"]
    /// The required columns.
    public static let requiredColumns: Set<String> = ["customer_id", "occurred_at", "amount", "channel"]

    /// Fail on the first bad row instead of keeping the good ones.
    public var strict: Bool
    /// The number of reject entries kept in the report.
    public var maximumRejectsKept: Int

    /// Creates a reader.
    ///
    /// - Parameters:
    ///   - strict: fail on any bad row.
    ///   - maximumRejectsKept: reject entries to keep (default 1,000).
    public init(strict: Bool = false, maximumRejectsKept: Int = 1000) {
        self.strict = strict
        self.maximumRejectsKept = maximumRejectsKept
    }

    /// Reads a file.
    ///
    /// - Parameter url: the file.
    /// - Returns: the accepted transactions and the rejects.
    /// - Throws: ``IngestError`` for a missing, empty or unreadable file, a bad header, or (strict)
    ///   any bad row.
    public func read(contentsOf url: URL) throws -> ReadReport<CardTransaction> {
        try TabularInput.withContents(of: url) { bytes in try read(bytes: bytes, file: url.path) }
    }

    /// Reads bytes in memory.
    ///
    /// - Parameters:
    ///   - data: the contents.
    ///   - file: the name for messages (and format detection by extension).
    /// - Returns: the accepted transactions and the rejects.
    /// - Throws: as ``read(contentsOf:)``.
    public func read(data: Data, file: String) throws -> ReadReport<CardTransaction> {
        try data.withUnsafeBytes { raw in try read(bytes: raw.bindMemory(to: UInt8.self), file: file) }
    }

    private enum Column: Int {
        case transactionID, customerID, occurredAt, amount, channel, counterparty, isFraud
        var name: String { TransactionLogFormatReader.columns[rawValue] }
    }

    private func read(bytes: UnsafeBufferPointer<UInt8>, file: String) throws -> ReadReport<CardTransaction> {
        guard !bytes.isEmpty else { throw IngestError.emptyFile(file: file) }
        let format = TabularInput.format(requested: nil, file: file, bytes: bytes)
        var records: [CardTransaction] = []
        var channels: [String: String] = [:]
        let outcome = try TabularInput.scan(
            bytes: bytes, file: file, format: format, schema: Self.columns, required: Self.requiredColumns,
            maximumRejectsKept: maximumRejectsKept,
            decode: { row in Self.decode(row, file: file, format: format, channels: &channels) },
            emit: { records.append($0) })
        if strict, let first = outcome.rejects.first {
            throw IngestError.rejectedInStrictMode(file: file, rejectedRows: outcome.rejected, first: first)
        }
        return ReadReport(file: file, format: format, records: records, rejects: outcome.rejects, rejectedRows: outcome.rejected,
                          rowsRead: outcome.rows, ignoredFields: outcome.ignored)
    }

    private static func decode(_ row: TabularScanner.Row, file: String, format: InputFormat, channels: inout [String: String]) -> TabularInput.Decoded<CardTransaction> {
        func reject(_ column: Column, _ reason: String) -> TabularInput.Decoded<CardTransaction> {
            .reject(RowReject(file: file, line: row.line, column: row.column(column.rawValue), field: column.name, reason: reason))
        }
        if format == .jsonLines {
            for column in [Column.customerID, .occurredAt, .amount, .channel] where !row.isPresent(column.rawValue) {
                return .reject(RowReject(file: file, line: row.line, column: nil, field: column.name, reason: "missing key \"\(column.name)\""))
            }
        }
        let customer = row.trimmed(Column.customerID.rawValue)
        guard !customer.isEmpty else { return reject(.customerID, "empty customer_id") }
        let timeBytes = row.trimmed(Column.occurredAt.rawValue)
        guard !timeBytes.isEmpty else { return reject(.occurredAt, "empty occurred_at") }
        guard let time = FieldParsing.timestamp(timeBytes) ?? (try? UTCTimestamp(iso8601: String(decoding: timeBytes, as: UTF8.self))) else {
            return reject(.occurredAt, "\(FieldParsing.quoted(timeBytes)) is not an ISO-8601 timestamp with Z or an offset")
        }
        let amountBytes = row.trimmed(Column.amount.rawValue)
        guard !amountBytes.isEmpty else { return reject(.amount, "empty amount") }
        guard let amount = FieldParsing.decimal(amountBytes), amount.isFinite else {
            return reject(.amount, "\(FieldParsing.quoted(amountBytes)) is not a decimal number")
        }
        guard amount >= 0 else { return reject(.amount, "negative amount \(FieldParsing.quoted(amountBytes)) (refunds are not part of the format)") }
        let channelBytes = row.trimmed(Column.channel.rawValue)
        guard !channelBytes.isEmpty else { return reject(.channel, "empty channel") }
        let channelKey = String(decoding: channelBytes, as: UTF8.self)
        let channel: String
        if let known = channels[channelKey] { channel = known } else { channel = channelKey.lowercased(); channels[channelKey] = channel }
        var label: Bool?
        let labelBytes = row.trimmed(Column.isFraud.rawValue)
        if !labelBytes.isEmpty {
            if FieldParsing.equalsLowercased(labelBytes, "1") || FieldParsing.equalsLowercased(labelBytes, "true") { label = true }
            else if FieldParsing.equalsLowercased(labelBytes, "0") || FieldParsing.equalsLowercased(labelBytes, "false") { label = false }
            else { return reject(.isFraud, "\(FieldParsing.quoted(labelBytes)) is not 0, 1, true or false") }
        }
        return .record(CardTransaction(customerID: String(decoding: customer, as: UTF8.self), occurredAt: time.secondsSinceEpoch, amount: amount,
                                       channel: channel, counterparty: String(decoding: row.trimmed(Column.counterparty.rawValue), as: UTF8.self), isFraud: label))
    }
}
