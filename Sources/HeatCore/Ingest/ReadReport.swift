/// The outcome of reading a file: the accepted records and the rejected rows.
///
/// A reader in the default (lenient) mode keeps every good row and lists the bad ones here; the
/// command-line tool prints ``rejects`` and exits 65 when ``rejectedRows`` is not zero. In strict
/// mode a reader throws instead of returning a report with rejects.
///
/// ```swift
/// let report = try InteractionReader().read(contentsOf: url)
/// for reject in report.rejects { print(reject) }
/// let interactions = report.records
/// ```
public struct ReadReport<Record: Sendable>: Sendable {
    /// The file name as given to the reader.
    public var file: String
    /// The detected or requested format.
    public var format: InputFormat
    /// The accepted records, in file order.
    public var records: [Record]
    /// The rejected rows, in file order (at most the reader's `maximumRejectsKept`).
    public var rejects: [RowReject]
    /// The number of rejected rows (may exceed `rejects.count`).
    public var rejectedRows: Int
    /// The number of data rows seen (accepted plus rejected; blank lines are not rows).
    public var rowsRead: Int
    /// CSV columns or JSON Lines keys that are not part of the format: ignored, each listed once,
    /// in order of first appearance.
    public var ignoredFields: [String]

    /// Creates a report.
    ///
    /// - Parameters:
    ///   - file: the file name.
    ///   - format: the format read.
    ///   - records: the accepted records.
    ///   - rejects: the kept reject entries.
    ///   - rejectedRows: the total number of rejected rows.
    ///   - rowsRead: the number of data rows seen.
    ///   - ignoredFields: the columns or keys outside the format (default none).
    public init(
        file: String, format: InputFormat, records: [Record], rejects: [RowReject], rejectedRows: Int, rowsRead: Int,
        ignoredFields: [String] = []
    ) {
        self.file = file
        self.format = format
        self.records = records
        self.rejects = rejects
        self.rejectedRows = rejectedRows
        self.rowsRead = rowsRead
        self.ignoredFields = ignoredFields
    }

    /// One line naming the ignored columns or keys, for stderr, or `nil` when there are none.
    public var ignoredFieldsNote: String? { Self.ignoredFieldsNote(file: file, format: format, fields: ignoredFields) }

    static func ignoredFieldsNote(file: String, format: InputFormat, fields: [String]) -> String? {
        guard !fields.isEmpty else { return nil }
        let what = format == .csv ? Plural.noun(fields.count, "column") : Plural.noun(fields.count, "key")
        let shown = fields.prefix(20).map { "\"\($0.count > 40 ? String($0.prefix(40)) + "…" : $0)\"" }.joined(separator: ", ")
        return "\(file): ignored \(fields.count) unknown \(what) (not part of the format): \(shown)"
            + (fields.count > 20 ? ", ..." : "")
    }

    /// Whether every row was accepted.
    public var isClean: Bool { rejectedRows == 0 }

    /// A multi-line reject report: a summary line, then one line per kept reject.
    ///
    /// - Returns: an empty string when nothing was rejected.
    public var rejectReport: String {
        Self.rejectReport(file: file, rejects: rejects, rejectedRows: rejectedRows, rowsRead: rowsRead, kept: records.count)
    }

    static func rejectReport(file: String, rejects: [RowReject], rejectedRows: Int, rowsRead: Int, kept: Int) -> String {
        guard rejectedRows > 0 else { return "" }
        var lines = ["\(file): rejected \(rejectedRows) of \(Plural.count(rowsRead, "row")) (\(kept) kept)"]
        lines += rejects.map { "  \($0.description)" }
        if rejectedRows > rejects.count { lines.append("  ... and \(rejectedRows - rejects.count) more") }
        return lines.joined(separator: "\n")
    }
}

/// The outcome of streaming a file with ``InteractionReader/stream(contentsOf:progress:_:)``: counts and
/// rejects, the records having gone to the caller's closure.
public struct ReadSummary: Sendable {
    /// The file name as given to the reader.
    public var file: String
    /// The format read.
    public var format: InputFormat
    /// The number of records delivered to the closure.
    public var accepted: Int
    /// The rejected rows (at most the reader's `maximumRejectsKept`).
    public var rejects: [RowReject]
    /// The number of rejected rows.
    public var rejectedRows: Int
    /// CSV columns or JSON Lines keys that are not part of the format (ignored), each once.
    public var ignoredFields: [String]

    /// Creates a summary.
    ///
    /// - Parameters:
    ///   - file: the file name.
    ///   - format: the format read.
    ///   - accepted: records delivered.
    ///   - rejects: kept reject entries.
    ///   - rejectedRows: total rejected rows.
    ///   - ignoredFields: the columns or keys outside the format (default none).
    public init(
        file: String, format: InputFormat, accepted: Int, rejects: [RowReject], rejectedRows: Int, ignoredFields: [String] = []
    ) {
        self.file = file
        self.format = format
        self.accepted = accepted
        self.rejects = rejects
        self.rejectedRows = rejectedRows
        self.ignoredFields = ignoredFields
    }

    /// One line naming the ignored columns or keys, for stderr, or `nil` when there are none.
    public var ignoredFieldsNote: String? {
        ReadReport<Interaction>.ignoredFieldsNote(file: file, format: format, fields: ignoredFields)
    }

    /// Whether every row was accepted.
    public var isClean: Bool { rejectedRows == 0 }

    /// The same multi-line reject report as ``ReadReport/rejectReport``; empty when nothing was rejected.
    public var rejectReport: String {
        ReadReport<Interaction>.rejectReport(file: file, rejects: rejects, rejectedRows: rejectedRows,
                                             rowsRead: accepted + rejectedRows, kept: accepted)
    }
}
