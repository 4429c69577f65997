import Foundation
import HeatTabular

/// Turns the shared reader's columns (``ColumnarReader``) into typed ``DataColumn``s: applies the
/// overrides, infers the types, enforces the categorical cardinality limit and records what it
/// decided in a ``LoadReport``.
enum TableLoader {
    struct Loaded {
        var columns: [DataColumn]
        var rowCount: Int
        var lines: [Int]
        var report: LoadReport
        var records: SourceRecords
    }

    static func read(data: Data, mapped: MappedFile?, source: String, options: DataTable.LoadOptions, textColumns: Set<String>) throws(HeatMLError) -> ColumnarReader.Table {
        let readerOptions = ColumnarReader.Options(missingTokens: MissingTokens(options.missingTokens), textColumns: textColumns)
        do {
            if let mapped { return try ColumnarReader.read(mapped: mapped, file: source, options: readerOptions) }
            return try ColumnarReader.read(data: data, file: source, options: readerOptions)
        } catch {
            throw map(error, source: source)
        }
    }

    static func map(_ error: TabularError, source: String) -> HeatMLError {
        switch error {
        case let .missingFile(path): .missingFile(path: path)
        case let .unreadableFile(path, reason): .unreadableFile(path: path, reason: reason)
        case .noHeader: .emptyTable(source: source)
        case let .duplicateColumn(_, column): .duplicateColumn(source: source, column: column)
        case let .wrongFieldCount(_, line, expected, found): .wrongFieldCount(source: source, line: line, expected: expected, found: found)
        case let .unterminatedQuote(_, line, _): .unterminatedQuote(source: source, line: line)
        case .textAfterQuote, .notText, .limitExceeded: .tabular(error)
        }
    }

    static func load(data: Data, mapped: MappedFile? = nil, source: String, options: DataTable.LoadOptions) throws(HeatMLError) -> Loaded {
        let textTypes: Set<ColumnType> = [.categorical, .identifier, .boolean, .date]
        var textColumns = Set(options.overrides.filter { textTypes.contains($0.value) }.keys)
        var table = try read(data: data, mapped: mapped, source: source, options: options, textColumns: textColumns)
        let names = table.columns.map(\.name)
        for name in options.overrides.keys.sorted() where !names.contains(name) {
            throw .missingColumn(source: source, column: name)
        }
        // Zero-padded digit columns that are nearly unique are identifiers: re-read them as text.
        let paddedIdentifiers = table.columns.filter { column in
            guard options.overrides[column.name] == nil, case let .numbers(values) = column.values, column.digitsOnly, column.anyZeroPadded else { return false }
            let present = values.filter { !$0.isNaN }
            return Double(Set(present).count) >= options.identifierShare * Double(present.count)
        }.map(\.name)
        if !paddedIdentifiers.isEmpty {
            textColumns.formUnion(paddedIdentifiers)
            table = try read(data: data, mapped: mapped, source: source, options: options, textColumns: textColumns)
        }
        var report = LoadReport()
        var columns: [DataColumn] = []
        for column in table.columns {
            let name = column.name
            if column.missingTokenCells > 0 {
                report.notes.append(.init(column: name, kind: "missingTokens", cells: column.missingTokenCells,
                                          message: "\(column.missingTokenCells) cell(s) holding a missing token (\(options.missingTokens.joined(separator: ", "))) read as missing"))
            }
            if column.infiniteCells > 0 {
                report.notes.append(.init(column: name, kind: "infiniteAsMissing", cells: column.infiniteCells,
                                          message: "\(column.infiniteCells) infinite or overflowing number(s) (inf, 1e400) read as missing"))
            }
            switch column.values {
            case let .numbers(values):
                let type = options.overrides[name] ?? .numeric
                if type == .numeric {
                    columns.append(DataColumn(name: name, numbers: values))
                } else {
                    // Only numeric overrides reach here as numbers; other overrides were read as text.
                    columns.append(DataColumn(name: name, numbers: values))
                }
            case let .text(dictionary, codes):
                if let type = options.overrides[name] {
                    columns.append(try DataColumn(name: name, type: type, dictionary: dictionary, codes: codes, lines: table.lines, source: source))
                    report.notes.append(.init(column: name, kind: "override", cells: 0, message: "typed \(type.rawValue) as requested"))
                    continue
                }
                if paddedIdentifiers.contains(name) {
                    columns.append(try DataColumn(name: name, type: .identifier, dictionary: dictionary, codes: codes, lines: table.lines, source: source))
                    report.identifierColumns.append(name)
                    report.notes.append(.init(column: name, kind: "identifier", cells: 0, message: "zero-padded digits, nearly all distinct: an identifier, not a feature"))
                    continue
                }
                let inferred = inferType(dictionary: dictionary, codes: codes, options: options)
                if inferred.type == .identifier {
                    report.identifierColumns.append(name)
                    report.notes.append(.init(column: name, kind: "identifier", cells: 0, message: "\(inferred.distinct) distinct values in \(inferred.present) cells: an identifier, not a feature"))
                } else if inferred.type == .categorical, let limit = options.categoryLimit, inferred.distinct > limit {
                    throw .tooManyCategories(source: source, column: name, distinct: inferred.distinct, limit: limit,
                                             example: dictionary.contains(where: { CellParser.number($0) != nil }) ? column.firstText.map { "line \($0.line)" } : nil)
                }
                columns.append(try DataColumn(name: name, type: inferred.type, dictionary: dictionary, codes: codes, lines: table.lines, source: source))
            }
        }
        return Loaded(columns: columns, rowCount: table.rowCount, lines: table.lines, report: report,
                      records: SourceRecords(data: data, header: table.headerRange, rows: table.recordRanges))
    }

    /// The type of a dictionary-encoded column (see ``DataTable/inferType(of:)`` for the rules).
    static func inferType(dictionary: [String], codes: [Int32], options: DataTable.LoadOptions) -> (type: ColumnType, distinct: Int, present: Int) {
        var used = [Bool](repeating: false, count: dictionary.count)
        var present = 0
        for code in codes where code >= 0 {
            used[Int(code)] = true
            present += 1
        }
        let values = dictionary.indices.filter { used[$0] }.map { dictionary[$0] }
        let distinct = values.count
        if values.isEmpty { return (.numeric, 0, 0) }
        let nearlyUnique = Double(distinct) >= options.identifierShare * Double(present)
        var allNumeric = true, allBoolean = true, allDate = true, allDigits = true, anyPadded = false
        for value in values {
            if allNumeric && CellParser.number(value) == nil { allNumeric = false }
            if allBoolean && CellParser.boolean(value, allowDigits: false) == nil { allBoolean = false }
            if allDate && CellParser.date(value) == nil { allDate = false }
            if allDigits && !value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) { allDigits = false }
            if !anyPadded && CellParser.isZeroPaddedInteger(value) { anyPadded = true }
        }
        if allDigits && anyPadded && nearlyUnique { return (.identifier, distinct, present) }
        if allNumeric { return (.numeric, distinct, present) }
        if allBoolean { return (.boolean, distinct, present) }
        if allDate { return (.date, distinct, present) }
        if nearlyUnique && distinct >= options.identifierMinimumDistinct { return (.identifier, distinct, present) }
        return (.categorical, distinct, present)
    }
}

/// The bytes a table was read from and where each record lies, so rows can be written back
/// exactly as they were (`DataTable.csvText(appending:)`). Equal when the ranges are equal.
struct SourceRecords: Sendable, Equatable {
    let data: Data
    let header: Range<Int>
    let rows: [Range<Int>]

    static func == (a: SourceRecords, b: SourceRecords) -> Bool { a.header == b.header && a.rows == b.rows }

    /// The records of some rows, in the given order.
    func selecting(_ indices: [Int]) -> SourceRecords {
        SourceRecords(data: data, header: header, rows: indices.map { rows[$0] })
    }
}
