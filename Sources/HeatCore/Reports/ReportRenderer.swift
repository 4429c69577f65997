#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HeatEnvelope

/// Renders a results document (DESIGN.md section 7) as a report folder: a self-contained HTML
/// page with inline SVG charts, and JSON and CSV exports of the same tables.
///
/// Files written into the output folder, each atomically (``AtomicFile``):
/// - ``ReportFormat/html``: `index.html` and `results.json` (the document the page shows, which
///   the browser check reads to know which sections to expect);
/// - ``ReportFormat/json``: `tables.json`, `{"schema": "customerheat.report-tables/1", "tables":
///   {"<name>": [{column: value, …}, …]}}`;
/// - ``ReportFormat/csv``: `<name>.csv` for every table of ``ReportTables``, directly in the
///   folder (no file name of a table collides with `index.html`, `results.json` or `tables.json`).
///
/// ```swift
/// let document = try ResultsDocument.decode(Data(contentsOf: input), source: input.path)
/// let written = try ReportRenderer().write(document, formats: [.html, .csv], to: URL(filePath: "report"))
/// ```
public struct ReportRenderer: Sendable {
    /// The schema identifier of `tables.json`.
    public static let tablesSchema = "customerheat.report-tables/1"

    /// The colours of the page.
    public var palette: ReportPalette
    /// The most rows the HTML client table shows (attention first), unless more clients need
    /// attention (they are always all shown); the exports keep all rows.
    public var maximumClientRows: Int

    /// Creates a renderer.
    ///
    /// - Parameters:
    ///   - palette: the page colours (default ``ReportPalette/standard``).
    ///   - maximumClientRows: the most client rows shown in the page (default 1000).
    public init(palette: ReportPalette = .standard, maximumClientRows: Int = 1000) {
        self.palette = palette
        self.maximumClientRows = max(1, maximumClientRows)
    }

    /// The HTML page of a document.
    ///
    /// - Parameters:
    ///   - document: the results document.
    ///   - linkingCSV: whether to link each table to `<name>.csv` beside the page (set when those are written too).
    /// - Returns: the complete `index.html` text.
    public func html(for document: ResultsDocument, linkingCSV: Bool = false) -> String {
        HTMLReport(document: document, palette: palette, maximumClientRows: maximumClientRows, linksCSV: linkingCSV).render()
    }

    /// The JSON export of every table.
    ///
    /// - Parameter document: the results document.
    /// - Returns: UTF-8 JSON with sorted keys, so equal documents give equal bytes.
    /// - Throws: ``ReportError/cannotEncode(table:reason:)`` if encoding fails.
    public func tablesJSON(for document: ResultsDocument) throws(ReportError) -> Data {
        struct Export: Encodable {
            var schema: String
            var tables: [String: [[String: ReportTable.Cell]]]
        }
        let tables = ReportTables.make(from: document)
        let export = Export(
            schema: Self.tablesSchema,
            tables: Dictionary(tables.map { ($0.name, $0.records) }, uniquingKeysWith: { first, _ in first }))
        do {
            return try ResultsDocument.jsonEncoder().encode(export)
        } catch {
            throw .cannotEncode(table: "tables.json", reason: "\(error)")
        }
    }

    /// Writes the report files of the chosen formats into `folder`, creating it if needed.
    ///
    /// - Parameters:
    ///   - document: the results document.
    ///   - formats: the formats to write; empty means ``ReportFormat/html``.
    ///   - folder: the output folder.
    /// - Returns: the files written, in a stable order.
    /// - Throws: ``ReportError`` naming the folder or file that could not be created or written.
    @discardableResult
    public func write(_ document: ResultsDocument, formats: Set<ReportFormat>, to folder: URL) throws(ReportError) -> [URL] {
        let formats = formats.isEmpty ? [.html] : formats
        try createFolder(folder)
        var written: [URL] = []
        for format in formats.sorted() {
            switch format {
            case .html:
                let page = folder.appending(path: "index.html")
                try write(Data(html(for: document, linkingCSV: formats.contains(.csv)).utf8), to: page)
                let copy = folder.appending(path: "results.json")
                let data: Data
                do { data = try document.jsonData() } catch {
                    throw .cannotEncode(table: "results.json", reason: "\(error)")
                }
                try write(data, to: copy)
                written += [page, copy]
            case .json:
                let file = folder.appending(path: "tables.json")
                try write(tablesJSON(for: document), to: file)
                written.append(file)
            case .csv:
                // Into the folder the user named, next to index.html and tables.json.
                for table in ReportTables.make(from: document) {
                    let file = folder.appending(path: table.name + ".csv")
                    try write(Data(table.csv().utf8), to: file)
                    written.append(file)
                }
            }
        }
        return written
    }

    private func write(_ data: Data, to url: URL) throws(ReportError) {
        do {
            try AtomicFile.write(data, to: url)
        } catch {
            throw .cannotWrite(path: url.path, reason: error.reason)
        }
    }

    private func createFolder(_ url: URL) throws(ReportError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw .cannotCreateFolder(path: url.path, reason: "a file is in the way") }
            return
        }
        // mkdir -p with POSIX calls, so the reason is the system's own (strerror), not a generic one.
        var prefix = url.path.hasPrefix("/") ? "" : "."
        for component in url.path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) != 0, errno != EEXIST {
                throw .cannotCreateFolder(path: url.path, reason: String(cString: strerror(errno)))
            }
        }
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .cannotCreateFolder(path: url.path, reason: "a file is in the way")
        }
    }
}
