import Foundation

/// A table of typed columns loaded from CSV.
///
/// Rules: the first record is the header; an empty (or all-blank) cell is a missing value;
/// a UTF-8 BOM, CRLF line ends and quoted fields are accepted. Column types are inferred from
/// the non-empty cells (``inferType(of:)``) unless overridden. Every bad cell is reported with
/// the file, line, column and value.
///
/// ```swift
/// let table = try DataTable(contentsOf: URL(filePath: "customers.csv"),
///                           overrides: ["cv_fold": .numeric])
/// print(table.rowCount, table.columnNames)
/// ```
public struct DataTable: Sendable, Equatable {
    /// The columns, in header order.
    public let columns: [DataColumn]
    /// The number of data rows.
    public let rowCount: Int
    /// The 1-based source line of each data row.
    public let lines: [Int]
    /// The file name used in messages.
    public let source: String

    /// Creates a table from columns of equal length.
    ///
    /// - Parameters:
    ///   - columns: the columns.
    ///   - source: a name for messages.
    ///   - lines: the source line of each row (defaults to row index + 2, as after a header line).
    /// - Throws: ``HeatMLError/shapeMismatch(context:expected:found:)`` if column or line-number
    ///   lengths differ, ``HeatMLError/duplicateColumn(source:column:)`` for a repeated name.
    public init(columns: [DataColumn], source: String = "table", lines: [Int]? = nil) throws(HeatMLError) {
        let count = columns.first?.raw.count ?? 0
        var seen = Set<String>()
        for column in columns {
            guard column.raw.count == count else {
                throw .shapeMismatch(context: "\(source): column '\(column.name)'", expected: "\(count) rows", found: "\(column.raw.count)")
            }
            guard seen.insert(column.name).inserted else { throw .duplicateColumn(source: source, column: column.name) }
        }
        if let lines, lines.count != count {
            throw .shapeMismatch(context: "\(source): line numbers", expected: "\(count) (one per row)", found: "\(lines.count)")
        }
        self.columns = columns
        self.rowCount = count
        self.lines = lines ?? (0..<count).map { $0 + 2 }
        self.source = source
    }

    /// Creates a table from columns already known to agree in length and names.
    init(uncheckedColumns: [DataColumn], rowCount: Int, source: String, lines: [Int]) {
        self.columns = uncheckedColumns
        self.rowCount = rowCount
        self.source = source
        self.lines = lines
    }

    /// The table without some columns (names that do not occur are ignored).
    ///
    /// - Parameter names: the columns to drop.
    /// - Returns: the remaining columns, all rows.
    public func droppingColumns(_ names: Set<String>) -> DataTable {
        DataTable(uncheckedColumns: columns.filter { !names.contains($0.name) }, rowCount: rowCount, source: source, lines: lines)
    }

    /// Loads a CSV file.
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - overrides: column types that replace inference, by column name.
    ///   - allowEmpty: accept a header without data rows (by default an error).
    /// - Throws: ``HeatMLError/missingFile(path:)``, ``HeatMLError/unreadableFile(path:reason:)``,
    ///   ``HeatMLError/emptyTable(source:)``, ``HeatMLError/wrongFieldCount(source:line:expected:found:)``,
    ///   ``HeatMLError/badCell(source:line:column:value:expected:)``, ``HeatMLError/missingColumn(source:column:)``
    ///   for an override naming no column.
    public init(contentsOf url: URL, overrides: [String: ColumnType] = [:], allowEmpty: Bool = false) throws(HeatMLError) {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw .missingFile(path: path) }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw .unreadableFile(path: path, reason: error.localizedDescription) }
        try self.init(csv: [UInt8](data), source: path, overrides: overrides, allowEmpty: allowEmpty)
    }

    /// Parses CSV text already in memory.
    ///
    /// - Parameters:
    ///   - bytes: the CSV bytes (UTF-8).
    ///   - source: a name for messages.
    ///   - overrides: column types that replace inference.
    ///   - allowEmpty: accept a header without data rows.
    /// - Throws: as ``init(contentsOf:overrides:allowEmpty:)``.
    public init(csv bytes: [UInt8], source: String, overrides: [String: ColumnType] = [:], allowEmpty: Bool = false) throws(HeatMLError) {
        let records = try CSVParser.parse(bytes, source: source)
        guard let header = records.first else { throw .emptyTable(source: source) }
        if records.count == 1 && !allowEmpty { throw .emptyTable(source: source) }
        let width = header.fields.count
        for name in overrides.keys where !header.fields.contains(name) {
            throw .missingColumn(source: source, column: name)
        }
        var cells = [[String?]](repeating: [], count: width)
        var lines: [Int] = []
        lines.reserveCapacity(records.count - 1)
        for c in 0..<width { cells[c].reserveCapacity(records.count - 1) }
        for record in records.dropFirst() {
            guard record.fields.count == width else {
                throw .wrongFieldCount(source: source, line: record.line, expected: width, found: record.fields.count)
            }
            lines.append(record.line)
            for (c, field) in record.fields.enumerated() {
                cells[c].append(field.allSatisfy { $0 == " " || $0 == "\t" } ? nil : field)
            }
        }
        var columns: [DataColumn] = []
        for (c, rawName) in header.fields.enumerated() {
            let name = rawName.trimmingCharacters(in: .whitespaces)
            let type = overrides[name] ?? Self.inferType(of: cells[c])
            columns.append(try DataColumn(name: name, type: type, raw: cells[c], lines: lines, source: source))
        }
        try self.init(columns: columns, source: source, lines: lines)
    }

    /// Infers a column type from its cells.
    ///
    /// In order: all non-empty cells zero-padded digit strings with at least one leading zero
    /// (`00042`) -> identifier; all numbers -> numeric; all `true`/`false` -> boolean; all ISO
    /// dates -> date; otherwise categorical. A column with no non-empty cell is numeric.
    ///
    /// - Parameter cells: the raw cells, `nil` for missing.
    /// - Returns: the inferred type.
    public static func inferType(of cells: [String?]) -> ColumnType {
        var allNumeric = true, allBoolean = true, allDate = true, anyPadded = false, allDigits = true
        for case let cell? in cells {
            if allNumeric && CellParser.number(cell) == nil { allNumeric = false }
            if allBoolean && CellParser.boolean(cell, allowDigits: false) == nil { allBoolean = false }
            if allDate && CellParser.date(cell) == nil { allDate = false }
            if allDigits && !cell.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) { allDigits = false }
            if !anyPadded && CellParser.isZeroPaddedInteger(cell) { anyPadded = true }
            if !allNumeric && !allBoolean && !allDate && !allDigits { break }
        }
        if allDigits && anyPadded { return .identifier }
        if allNumeric { return .numeric }
        if allBoolean { return .boolean }
        if allDate { return .date }
        return .categorical
    }

    /// The header names in order.
    public var columnNames: [String] { columns.map(\.name) }

    /// The column with a name.
    ///
    /// - Parameter name: the header name.
    /// - Returns: the column.
    /// - Throws: ``HeatMLError/missingColumn(source:column:)`` when absent.
    public func column(named name: String) throws(HeatMLError) -> DataColumn {
        guard let column = columns.first(where: { $0.name == name }) else { throw .missingColumn(source: source, column: name) }
        return column
    }

    /// The table restricted to some rows, in the given order.
    ///
    /// - Parameter indices: row indices.
    /// - Returns: a table with `indices.count` rows and the same columns.
    public func selectingRows(_ indices: [Int]) -> DataTable {
        let picked = columns.map { column in
            DataColumn(
                name: column.name, type: column.type, raw: indices.map { column.raw[$0] },
                numbers: column.numbers.isEmpty ? [] : indices.map { column.numbers[$0] })
        }
        return DataTable(uncheckedColumns: picked, rowCount: indices.count, source: source, lines: indices.map { lines[$0] })
    }

    /// Renders the table as CSV text (header plus rows; missing cells empty; fields quoted as needed).
    ///
    /// - Parameter extraColumns: additional columns appended on the right, as (name, cell texts).
    /// - Returns: the CSV text with `\n` line ends.
    public func csvText(appending extraColumns: [(name: String, values: [String])] = []) -> String {
        var out = (columnNames + extraColumns.map(\.name)).map(CSVParser.escape).joined(separator: ",") + "\n"
        out.reserveCapacity(rowCount * (columns.count + extraColumns.count) * 8)
        for row in 0..<rowCount {
            var fields = columns.map { CSVParser.escape($0.raw[row] ?? "") }
            fields += extraColumns.map { CSVParser.escape($0.values[row]) }
            out += fields.joined(separator: ",") + "\n"
        }
        return out
    }
}
