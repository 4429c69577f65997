import Foundation

/// Reads the optional client directory (DESIGN.md section 3): `client_id`, `segment`, `region`,
/// `opened_on` (a `YYYY-MM-DD` date, may be empty), `manager_id`, `branch`; CSV with a header or
/// JSON Lines with the same keys, with the same encoding rules and reject reporting as
/// ``InteractionReader``.
///
/// Ids and labels are trimmed; every field but `opened_on` must be non-empty; a `client_id`
/// seen before in the file is rejected (naming the line of its first appearance). Columns or
/// JSON keys outside the format are ignored and listed in the report's `ignoredFields`.
///
/// ```swift
/// let report = try ClientReader().read(contentsOf: URL(filePath: "clients.csv"))
/// let directory = Dictionary(uniqueKeysWithValues: report.records.map { ($0.clientID, $0) })
/// ```
public struct ClientReader: Sendable {
    /// The columns of the client format, in the generator's order.
    public static let columns = ["client_id", "segment", "region", "opened_on", "manager_id", "branch"]
    /// The columns a CSV header (or a JSON object, except `opened_on`) must contain.
    public static let requiredColumns: Set<String> = Set(columns)

    /// The format to read, or `nil` to choose from the extension, then the content.
    public var format: InputFormat?
    /// Whether any rejected row fails the whole read.
    public var strict: Bool
    /// How many ``RowReject`` entries a report keeps.
    public var maximumRejectsKept: Int

    /// Creates a reader.
    ///
    /// - Parameters:
    ///   - format: the format, or `nil` to detect it.
    ///   - strict: fail when any row is bad instead of keeping the good ones.
    ///   - maximumRejectsKept: the number of reject entries to keep (default 1,000).
    public init(format: InputFormat? = nil, strict: Bool = false, maximumRejectsKept: Int = 1000) {
        self.format = format
        self.strict = strict
        self.maximumRejectsKept = maximumRejectsKept
    }

    /// Reads a client file.
    ///
    /// - Parameter url: the file.
    /// - Returns: the accepted clients (in file order) and the rejects.
    /// - Throws: ``IngestError`` when the file is missing, unreadable, empty, has a bad header,
    ///   or (strict mode) has any bad row.
    public func read(contentsOf url: URL) throws(IngestError) -> ReadReport<Client> {
        try TabularInput.readFile(url) { bytes, file in try read(bytes: bytes, file: file) }
    }

    /// Reads clients from bytes in memory.
    ///
    /// - Parameters:
    ///   - data: the file's contents.
    ///   - file: the name used in messages (and for format detection by extension).
    /// - Returns: the accepted clients and the rejects.
    /// - Throws: ``IngestError`` as ``read(contentsOf:)``.
    public func read(data: Data, file: String) throws(IngestError) -> ReadReport<Client> {
        try TabularInput.readData(data, file: file) { bytes, file in try read(bytes: bytes, file: file) }
    }

    private func read(bytes: UnsafeBufferPointer<UInt8>, file: String) throws -> ReadReport<Client> {
        guard !bytes.isEmpty else { throw IngestError.emptyFile(file: file) }
        let format = TabularInput.format(requested: format, file: file, bytes: bytes)
        var records: [Client] = []
        var firstLine: [String: Int] = [:]
        let outcome = try TabularInput.scan(
            bytes: bytes, file: file, format: format, schema: Self.columns, required: Self.requiredColumns,
            maximumRejectsKept: maximumRejectsKept,
            decode: { row -> TabularInput.Decoded<Client> in
                let decoded = Self.decode(row, file: file, format: format)
                if case .record(let client) = decoded {
                    if let seen = firstLine[client.clientID] {
                        return .reject(RowReject(file: file, line: row.line, column: row.column(0), field: "client_id",
                                                 reason: "duplicate client_id (first on line \(seen))"))
                    }
                    firstLine[client.clientID] = row.line
                }
                return decoded
            },
            emit: { records.append($0) })
        if strict, let first = outcome.rejects.first {
            throw IngestError.rejectedInStrictMode(file: file, rejectedRows: outcome.rejected, first: first)
        }
        return ReadReport(file: file, format: format, records: records, rejects: outcome.rejects,
                          rejectedRows: outcome.rejected, rowsRead: outcome.rows, ignoredFields: outcome.ignored)
    }

    private static func decode(_ row: TabularScanner.Row, file: String, format: InputFormat) -> TabularInput.Decoded<Client> {
        func reject(_ index: Int, _ reason: String) -> TabularInput.Decoded<Client> {
            .reject(RowReject(file: file, line: row.line, column: row.column(index), field: columns[index], reason: reason))
        }
        var values: [String] = []
        for index in columns.indices {
            if format == .jsonLines, index != 3, !row.isPresent(index) {
                return .reject(RowReject(file: file, line: row.line, column: nil, field: columns[index],
                                         reason: "missing key \"\(columns[index])\""))
            }
            if index == 3 { values.append(""); continue }
            let value = row.trimmed(index)
            guard !value.isEmpty else { return reject(index, "empty \(columns[index])") }
            values.append(String(decoding: value, as: UTF8.self))
        }
        var openedOn: CalendarDate?
        let dateBytes = row.trimmed(3)
        if !dateBytes.isEmpty {
            guard let date = FieldParsing.date(dateBytes) else {
                return reject(3, "bad date \(FieldParsing.quoted(dateBytes)) (expected a real date as YYYY-MM-DD)")
            }
            openedOn = date
        }
        return .record(Client(clientID: values[0], segment: values[1], region: values[2], openedOn: openedOn,
                              managerID: values[4], branch: values[5]))
    }
}
