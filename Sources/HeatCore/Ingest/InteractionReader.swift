import Foundation

/// Reads interaction exports (DESIGN.md section 3): CSV with a header or JSON Lines with the same
/// keys, UTF-8 with an optional BOM, LF or CRLF line ends, with or without a final newline.
///
/// Each row is validated and normalised: ids trimmed, `channel` and `direction` lower-cased,
/// `occurred_at` converted to UTC, `duration_seconds` a number of seconds >= 0 (decimals such as
/// `540.0` or `12.5` are rounded half to even to whole seconds; required for calls and meetings,
/// may be empty for email and message), `replied_within_hours` a number >= 0 or empty.
/// Columns (CSV) or keys (JSON Lines, whatever their value, nested objects included) that are not
/// part of the format are ignored and listed in the report's `ignoredFields`.
/// `event_id` is optional; when absent, ``Interaction/derivedEventID`` derives one from the
/// normalised fields. A bad row becomes a ``RowReject`` naming file, line, column and reason; by
/// default the good rows are kept, in strict mode any reject fails the whole read.
///
/// Parsing works on the file's bytes (memory-mapped) and decodes timestamps without date
/// formatters, so a million rows take seconds in a release build.
///
/// ```swift
/// let report = try InteractionReader().read(contentsOf: URL(filePath: "interactions.csv"))
/// if !report.isClean { print(report.rejectReport) }
/// let interactions = report.records
/// ```
public struct InteractionReader: Sendable {
    /// The columns of the interaction format, in the generator's order.
    public static let columns = [
        "event_id", "client_id", "manager_id", "branch", "channel", "direction", "occurred_at",
        "duration_seconds", "replied_within_hours",
    ]
    /// The columns a CSV header must contain (all but `event_id`).
    public static let requiredColumns: Set<String> = Set(columns.dropFirst())
    /// The keys every JSON Lines object must contain (absent duration and reply keys mean empty).
    public static let requiredKeys: Set<String> = ["client_id", "manager_id", "branch", "channel", "direction", "occurred_at"]

    /// The largest accepted duration in seconds (31 days).
    public static let maximumDurationSeconds = 31 * 86_400

    /// The format to read, or `nil` to choose from the extension, then the content.
    public var format: InputFormat?
    /// Whether any rejected row fails the whole read (nothing is kept).
    public var strict: Bool
    /// How many ``RowReject`` entries a report keeps (all rejected rows are counted).
    public var maximumRejectsKept: Int

    /// Creates a reader.
    ///
    /// - Parameters:
    ///   - format: the format, or `nil` to detect it.
    ///   - strict: fail on the first bad row instead of keeping the good ones.
    ///   - maximumRejectsKept: the number of reject entries to keep (default 1,000).
    public init(format: InputFormat? = nil, strict: Bool = false, maximumRejectsKept: Int = 1000) {
        self.format = format
        self.strict = strict
        self.maximumRejectsKept = maximumRejectsKept
    }

    /// Reads a whole file into memory.
    ///
    /// - Parameter url: the file.
    /// - Returns: the accepted interactions and the rejects.
    /// - Throws: ``IngestError`` when the file is missing, unreadable, empty, has a bad header,
    ///   or (strict mode) has any bad row.
    public func read(contentsOf url: URL) throws(IngestError) -> ReadReport<Interaction> {
        try TabularInput.readFile(url) { bytes, file in try read(bytes: bytes, file: file) }
    }

    /// Reads interactions from bytes in memory.
    ///
    /// - Parameters:
    ///   - data: the file's contents.
    ///   - file: the name used in messages (and for format detection by extension).
    /// - Returns: the accepted interactions and the rejects.
    /// - Throws: ``IngestError`` as ``read(contentsOf:)``.
    public func read(data: Data, file: String) throws(IngestError) -> ReadReport<Interaction> {
        try TabularInput.readData(data, file: file) { bytes, file in try read(bytes: bytes, file: file) }
    }

    /// Streams a file: each accepted interaction goes to `body` as soon as it is decoded, so
    /// memory stays bounded whatever the file's size.
    ///
    /// In strict mode the error is thrown after the scan, when `body` has already seen the good
    /// rows: discard them (for example roll back the transaction) when it throws.
    ///
    /// `progress`, when given, is called with the rows read so far (accepted and rejected) and the
    /// expected total (the file's line count, a fast byte scan done first; raised to the rows read
    /// if the file has quoted line breaks), every few thousand rows and once at the end with both
    /// equal to the rows read. Use it to draw a progress bar:
    ///
    /// ```swift
    /// let summary = try reader.stream(contentsOf: url, progress: { read, total in
    ///     log("\(read) of \(total) rows")
    /// }) { ledger.add($0) }
    /// ```
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - progress: receives (rows read, expected rows) as the scan advances; `nil` for none.
    ///   - body: receives each accepted interaction in file order.
    /// - Returns: counts and rejects.
    /// - Throws: ``IngestError`` as ``read(contentsOf:)``, or what `body` throws.
    public func stream(
        contentsOf url: URL, progress: ((_ rowsRead: Int, _ expectedRows: Int) -> Void)? = nil,
        _ body: (Interaction) throws -> Void
    ) throws -> ReadSummary {
        try TabularInput.withContents(of: url) { bytes in try stream(bytes: bytes, file: url.path, progress: progress, body) }
    }

    private func read(bytes: UnsafeBufferPointer<UInt8>, file: String) throws -> ReadReport<Interaction> {
        var records: [Interaction] = []
        let summary = try stream(bytes: bytes, file: file, progress: nil) { records.append($0) }
        return ReadReport(file: file, format: summary.format, records: records, rejects: summary.rejects,
                          rejectedRows: summary.rejectedRows, rowsRead: summary.accepted + summary.rejectedRows,
                          ignoredFields: summary.ignoredFields)
    }

    private func stream(
        bytes: UnsafeBufferPointer<UInt8>, file: String, progress: ((Int, Int) -> Void)?, _ body: (Interaction) throws -> Void
    ) throws -> ReadSummary {
        guard !bytes.isEmpty else { throw IngestError.emptyFile(file: file) }
        let format = TabularInput.format(requested: format, file: file, bytes: bytes)
        var rowProgress: ((Int) -> Void)?
        if let progress {
            let expected = TabularInput.estimatedRowCount(bytes: bytes, format: format)
            progress(0, expected)
            var last = 0
            rowProgress = { rows in
                guard rows > last else { return }
                last = rows
                progress(rows, max(expected, rows))
            }
        }
        var accepted = 0
        let outcome = try TabularInput.scan(
            bytes: bytes, file: file, format: format, schema: Self.columns, required: Self.requiredColumns,
            maximumRejectsKept: maximumRejectsKept,
            decode: { row in Self.decode(row, file: file, format: format) },
            emit: { interaction in
                accepted += 1
                try body(interaction)
            },
            progress: rowProgress)
        progress?(outcome.rows, outcome.rows)
        if strict, let first = outcome.rejects.first {
            throw IngestError.rejectedInStrictMode(file: file, rejectedRows: outcome.rejected, first: first)
        }
        return ReadSummary(file: file, format: format, accepted: accepted, rejects: outcome.rejects, rejectedRows: outcome.rejected,
                           ignoredFields: outcome.ignored)
    }

    private enum Column: Int {
        case eventID, clientID, managerID, branch, channel, direction, occurredAt, duration, replied
        var name: String { InteractionReader.columns[rawValue] }
    }

    private static func decode(_ row: TabularScanner.Row, file: String, format: InputFormat) -> TabularInput.Decoded<Interaction> {
        func reject(_ column: Column, _ reason: String) -> TabularInput.Decoded<Interaction> {
            .reject(RowReject(file: file, line: row.line, column: row.column(column.rawValue), field: column.name, reason: reason))
        }
        if format == .jsonLines {
            for column in [Column.clientID, .managerID, .branch, .channel, .direction, .occurredAt] where !row.isPresent(column.rawValue) {
                return .reject(RowReject(file: file, line: row.line, column: nil, field: column.name,
                                         reason: "missing key \"\(column.name)\""))
            }
        }
        var ids: [String] = []
        for column in [Column.clientID, .managerID, .branch] {
            let value = row.trimmed(column.rawValue)
            guard !value.isEmpty else { return reject(column, "empty \(column.name)") }
            ids.append(String(decoding: value, as: UTF8.self))
        }
        let channelBytes = row.trimmed(Column.channel.rawValue)
        guard let channel = FieldParsing.channel(channelBytes) else {
            return reject(.channel, "unknown channel \(FieldParsing.quoted(channelBytes)) (valid: \(Channel.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let directionBytes = row.trimmed(Column.direction.rawValue)
        guard let direction = FieldParsing.direction(directionBytes) else {
            return reject(.direction, "unknown direction \(FieldParsing.quoted(directionBytes)) (valid: inbound, outbound)")
        }
        let timeBytes = row.trimmed(Column.occurredAt.rawValue)
        let occurredAt: UTCTimestamp
        if let fast = FieldParsing.timestamp(timeBytes) {
            occurredAt = fast
        } else {
            do {
                occurredAt = try UTCTimestamp(iso8601: String(decoding: timeBytes, as: UTF8.self))
            } catch {
                return reject(.occurredAt, "bad date-time: \(error.description)")
            }
        }
        let durationBytes = row.trimmed(Column.duration.rawValue)
        var duration: Int?
        if durationBytes.isEmpty {
            guard !channel.hasDuration else {
                return reject(.duration, "empty duration_seconds (required for \(channel.rawValue); may be empty only for email and message)")
            }
        } else {
            var parsed = FieldParsing.nonNegativeInteger(durationBytes, limit: maximumDurationSeconds)
            if parsed == .invalid, let seconds = FieldParsing.decimal(durationBytes), seconds.isFinite {
                // Decimal seconds ("540.0", "12.5") are rounded half to even to whole seconds.
                let rounded = seconds.rounded(.toNearestOrEven)
                parsed = rounded < 0 ? .negative : (rounded > Double(maximumDurationSeconds) ? .tooLarge : .value(Int(rounded)))
            }
            switch parsed {
            case .value(let seconds): duration = seconds
            case .negative: return reject(.duration, "negative duration \(FieldParsing.quoted(durationBytes)) (must be a number of seconds >= 0)")
            case .invalid:
                return reject(.duration, "duration \(FieldParsing.quoted(durationBytes)) is not a number of seconds (use e.g. 540 or 540.5)")
            case .tooLarge: return reject(.duration, "duration \(FieldParsing.quoted(durationBytes)) exceeds \(maximumDurationSeconds) seconds (31 days)")
            }
        }
        let replyBytes = row.trimmed(Column.replied.rawValue)
        var replied: Double?
        if !replyBytes.isEmpty {
            guard let hours = FieldParsing.decimal(replyBytes), hours.isFinite else {
                return reject(.replied, "replied_within_hours \(FieldParsing.quoted(replyBytes)) is not a number (use e.g. 3.5, or leave it empty)")
            }
            guard hours >= 0 else { return reject(.replied, "negative replied_within_hours \(FieldParsing.quoted(replyBytes)) (must be >= 0 or empty)") }
            replied = hours
        }
        let eventBytes = row.trimmed(Column.eventID.rawValue)
        let eventID: String? = eventBytes.isEmpty ? nil : String(decoding: eventBytes, as: UTF8.self)
        return .record(Interaction(
            eventID: eventID, clientID: ids[0], managerID: ids[1], branch: ids[2], channel: channel, direction: direction,
            occurredAt: occurredAt, durationSeconds: duration, repliedWithinHours: replied))
    }
}
