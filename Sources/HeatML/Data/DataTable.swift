import HeatEnvelope
import Foundation
import HeatTabular

/// A table of typed columns loaded from CSV.
///
/// Rules: the first record is the header; an empty (or all-blank) cell and the missing tokens
/// (`NA`, `N/A`, `NaN`, `null`, ...; see ``LoadOptions``) are missing values; `inf` and numbers too
/// large for a `Double` are read as missing and reported in ``loadReport``; hexadecimal is text;
/// a UTF-8 BOM, CRLF line ends and quoted fields are accepted; cells are trimmed of spaces. Column types are inferred from
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
    /// What loading the file inferred, re-typed or dropped (empty for tables built in memory).
    public let loadReport: LoadReport
    /// The source bytes of each row, for verbatim write-back (`nil` for tables built in memory
    /// or with columns dropped).
    let records: SourceRecords?

    /// Creates a table from columns of equal length.
    ///
    /// - Parameters:
    ///   - columns: the columns.
    ///   - source: a name for messages.
    ///   - lines: the source line of each row (defaults to row index + 2, as after a header line).
    /// - Throws: ``HeatMLError/shapeMismatch(context:expected:found:)`` if column or line-number
    ///   lengths differ, ``HeatMLError/duplicateColumn(source:column:)`` for a repeated name.
    public init(columns: [DataColumn], source: String = "table", lines: [Int]? = nil) throws(HeatMLError) {
        let count = columns.first?.count ?? 0
        var seen = Set<String>()
        for column in columns {
            guard column.count == count else {
                throw .shapeMismatch(context: "\(source): column '\(column.name)'", expected: "\(count) rows", found: "\(column.count)")
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
        self.loadReport = LoadReport()
        self.records = nil
    }

    /// Creates a table from columns already known to agree in length and names.
    init(uncheckedColumns: [DataColumn], rowCount: Int, source: String, lines: [Int], loadReport: LoadReport = LoadReport(), records: SourceRecords? = nil) {
        self.columns = uncheckedColumns
        self.rowCount = rowCount
        self.source = source
        self.lines = lines
        self.loadReport = loadReport
        self.records = records
    }

    /// The table without some columns (names that do not occur are ignored).
    ///
    /// - Parameter names: the columns to drop.
    /// - Returns: the remaining columns, all rows.
    public func droppingColumns(_ names: Set<String>) -> DataTable {
        DataTable(uncheckedColumns: columns.filter { !names.contains($0.name) }, rowCount: rowCount, source: source, lines: lines, loadReport: loadReport)
    }

    /// How a CSV file is read and typed.
    public struct LoadOptions: Sendable, Equatable {
        /// Column types that replace inference, by column name.
        public var overrides: [String: ColumnType]
        /// Accept a header without data rows (by default an error).
        public var allowEmpty: Bool
        /// The texts read as missing besides the empty cell (default `NA`, `N/A`, `NaN`, `null`,
        /// `None`, `#N/A`, any case).
        public var missingTokens: [String]
        /// The most distinct values an inferred categorical column may have (`nil`: no limit; default 100).
        /// A column above it is refused, naming it, unless its type is given in ``overrides``.
        public var categoryLimit: Int?
        /// The least share of distinct values among present cells for a text (or zero-padded digit)
        /// column to be inferred an identifier (default 0.95).
        public var identifierShare: Double
        /// The least number of distinct values of a text column inferred an identifier (default 20;
        /// zero-padded digit columns need no minimum).
        public var identifierMinimumDistinct: Int

        /// Creates options.
        ///
        /// - Parameters:
        ///   - overrides: column types that replace inference.
        ///   - allowEmpty: accept a header without data rows.
        ///   - missingTokens: the missing tokens.
        ///   - categoryLimit: the cardinality limit of inferred categorical columns.
        ///   - identifierShare: the distinct share that makes an identifier.
        ///   - identifierMinimumDistinct: the least distinct values of a text identifier.
        public init(overrides: [String: ColumnType] = [:], allowEmpty: Bool = false,
                    missingTokens: [String] = MissingTokens.standard.tokens, categoryLimit: Int? = 100,
                    identifierShare: Double = 0.95, identifierMinimumDistinct: Int = 20) {
            self.overrides = overrides
            self.allowEmpty = allowEmpty
            self.missingTokens = missingTokens
            self.categoryLimit = categoryLimit
            self.identifierShare = identifierShare
            self.identifierMinimumDistinct = identifierMinimumDistinct
        }
    }

    /// Loads a CSV file, inferring types (identifiers only for nearly unique columns, listed in
    /// ``loadReport``) without a cardinality limit on categorical columns; use
    /// ``init(contentsOf:options:)`` for the limit that `heatctl ml train` applies.
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - overrides: column types that replace inference, by column name.
    ///   - allowEmpty: accept a header without data rows (by default an error).
    /// - Throws: ``HeatMLError/missingFile(path:)``, ``HeatMLError/unreadableFile(path:reason:)``,
    ///   ``HeatMLError/emptyTable(source:)``, ``HeatMLError/wrongFieldCount(source:line:expected:found:)``,
    ///   ``HeatMLError/badCell(source:line:column:value:expected:)``, ``HeatMLError/missingColumn(source:column:)``
    ///   for an override naming no column, ``HeatMLError/tooManyCategories(source:column:distinct:limit:example:)``.
    public init(contentsOf url: URL, overrides: [String: ColumnType] = [:], allowEmpty: Bool = false) throws(HeatMLError) {
        try self.init(contentsOf: url, options: LoadOptions(overrides: overrides, allowEmpty: allowEmpty, categoryLimit: nil))
    }

    /// Loads a CSV file with reading options (see ``LoadOptions``), through the shared byte-level
    /// reader (``ColumnarReader``): no `String` per numeric cell.
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - options: how to read and type the columns.
    /// - Throws: as ``init(contentsOf:overrides:allowEmpty:)``.
    public init(contentsOf url: URL, options: LoadOptions) throws(HeatMLError) {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw .missingFile(path: path) }
        guard !isDirectory.boolValue else { throw .unreadableFile(path: path, reason: "it is a directory") }
        do {
            try ReaderLimits.current.checkFileSize(of: url, .tabularFileBytes)
        } catch {
            throw .tabular(.limitExceeded(error))
        }
        // Mapped, the pages already parsed dropped from memory as the reader goes (they are
        // read from the file again for a verbatim write-back of rows).
        let mapped: MappedFile
        do { mapped = try MappedFile(url: url) } catch { throw TableLoader.map(error, source: path) }
        try self.init(data: mapped.data, mapped: mapped, source: path, options: options)
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
        try self.init(data: Data(bytes), source: source, options: LoadOptions(overrides: overrides, allowEmpty: allowEmpty, categoryLimit: nil))
    }

    /// Parses CSV bytes with reading options.
    ///
    /// - Parameters:
    ///   - data: the CSV bytes (UTF-8).
    ///   - source: a name for messages.
    ///   - options: how to read and type the columns.
    /// - Throws: as ``init(contentsOf:overrides:allowEmpty:)``.
    public init(data: Data, source: String, options: LoadOptions) throws(HeatMLError) {
        try self.init(data: data, mapped: nil, source: source, options: options)
    }

    /// ``init(data:source:options:)`` reading through a mapping that drops parsed pages.
    init(data: Data, mapped: MappedFile?, source: String, options: LoadOptions) throws(HeatMLError) {
        let loaded = try TableLoader.load(data: data, mapped: mapped, source: source, options: options)
        if loaded.rowCount == 0 && !options.allowEmpty { throw .emptyTable(source: source) }
        self.columns = loaded.columns
        self.rowCount = loaded.rowCount
        self.lines = loaded.lines
        self.source = source
        self.loadReport = loaded.report
        self.records = loaded.records
    }

    /// Infers a column type from its cells.
    ///
    /// In order: all non-empty cells zero-padded digit strings with at least one leading zero
    /// (`00042`) and nearly all distinct -> identifier; all numbers -> numeric; all `true`/`false`
    /// -> boolean; all ISO dates -> date; nearly all distinct (at least 20 values) -> identifier;
    /// otherwise categorical. A column with no non-empty cell is numeric. Missing tokens
    /// (`NA`, `NaN`, ...) count as empty.
    ///
    /// - Parameter cells: the raw cells, `nil` for missing.
    /// - Returns: the inferred type.
    public static func inferType(of cells: [String?]) -> ColumnType {
        let options = LoadOptions()
        guard let column = try? DataColumn(name: "column", type: .categorical, raw: cells) else { return .categorical }
        return TableLoader.inferType(dictionary: column.dictionary, codes: column.codes, options: options).type
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
        let picked = columns.map { $0.selecting(indices) }
        return DataTable(uncheckedColumns: picked, rowCount: indices.count, source: source, lines: indices.map { lines[$0] },
                         loadReport: loadReport, records: records?.selecting(indices))
    }

    /// Renders the table as CSV text (header plus rows; missing cells empty; fields quoted as needed)
    /// through the project's one writer (``CSVWriter``), which neutralises spreadsheet formulas.
    /// A table read from a file writes its header and rows back exactly as they were read, except
    /// a record holding a formula cell, which is written again with the cell neutralised.
    ///
    /// - Parameter extraColumns: additional columns appended on the right, as (name, cell texts).
    /// - Returns: the CSV text with `\n` line ends.
    public func csvText(appending extraColumns: [(name: String, values: [String])] = []) -> String {
        if let records, records.rows.count == rowCount {
            // Rows read from a file are written back byte for byte unless they hold a formula.
            func record(_ range: Range<Int>) -> String {
                let bytes = records.data[range]
                if CSVWriter.mayHoldFormula(bytes),
                   let fields = (try? CSVParser.parse(Array(bytes), source: source))?.first?.fields,
                   fields.contains(where: { CSVWriter.isFormula($0) }) {
                    return fields.map { CSVWriter.field($0) }.joined(separator: ",")
                }
                return String(decoding: bytes, as: UTF8.self)
            }
            var out = record(records.header) + extraColumns.map { "," + CSVWriter.field($0.name) }.joined() + "\n"
            for row in 0..<rowCount {
                out += record(records.rows[row]) + extraColumns.map { "," + CSVWriter.field($0.values[row]) }.joined() + "\n"
            }
            return out
        }
        var writer = CSVWriter(reservingCapacity: rowCount * (columns.count + extraColumns.count) * 8)
        writer.writeRow(columnNames + extraColumns.map(\.name))
        for row in 0..<rowCount {
            writer.writeRow(columns.map { $0.text(at: row) ?? "" } + extraColumns.map { $0.values[row] })
        }
        return writer.text
    }
}
