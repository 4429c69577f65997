import Foundation

/// Maps training labels keyed by raw client id to masked references, for the collector
/// (`heatctl labels pseudonymise --keys keys/collector`), so that no role ever joins raw ids with
/// features: the key holder's feature file (`heatctl features`) and these masked labels share
/// only the client's pseudonymous reference `C-<64 hex digits>` (the full HMAC).
///
/// Input: CSV with a header holding `client_id` and `churned` (`true` / `false`, `1` / `0`, any
/// case); the only other columns accepted are the label columns (``defaultLabelColumns``, or an
/// explicit `keep` list): any other column (a name, an e-mail address ...) is refused with exit
/// 65 naming the column, never its values, so nothing joinable with the features is carried
/// over. A UTF-8 BOM and CRLF line ends are accepted; quoted fields may not span lines. Output:
/// `client_ref` then the label columns in input order. Errors name the line and field, never
/// the raw id.
///
/// ```swift
/// let masked = try LabelPseudonymiser(key: key).pseudonymise(csv: text, source: "labels.csv")
/// ```
public struct LabelPseudonymiser: Sendable {
    /// The column holding the masked reference in the output (and in `heatctl features`).
    public static let referenceColumn = "client_ref"
    /// The label columns kept by default besides `client_id`: `churned` and `churn_week`.
    public static let defaultLabelColumns = ["churned", "churn_week"]
    let pseudonymizer: Pseudonymizer
    /// The columns carried over (lowercased); `churned` is always among them.
    let labelColumns: Set<String>
    /// Whether the columns were listed explicitly (then each must be in the header).
    let explicitKeep: Bool

    /// Creates a mapper.
    ///
    /// - Parameters:
    ///   - key: the collector's pseudonymisation key.
    ///   - keep: the label columns to carry over (`churned` is always kept); `nil` for
    ///     ``defaultLabelColumns``. Each name must be letters, digits and `_`, and not `client_id`
    ///     or `client_ref`.
    /// - Throws: ``ScoringError/badLabels(path:line:field:reason:)`` (exit 65, path `--keep`) for a
    ///   malformed or repeated name.
    public init(key: PseudonymisationKey, keep: [String]? = nil) throws(ScoringError) {
        self.pseudonymizer = Pseudonymizer(key: key)
        var columns: Set<String> = ["churned"]
        for raw in keep ?? Self.defaultLabelColumns {
            let name = raw.trimmingCharacters(in: .whitespaces).lowercased()
            guard !name.isEmpty, name.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" }) else {
                throw .badLabels(path: "--keep", line: 1, field: "keep", reason: "a label column name must be letters, digits and _")
            }
            guard name != "client_id", name != Self.referenceColumn else {
                throw .badLabels(path: "--keep", line: 1, field: name, reason: "the client id is never carried over")
            }
            guard columns.insert(name).inserted || name == "churned" else {
                throw .badLabels(path: "--keep", line: 1, field: name, reason: "the column is listed twice")
            }
        }
        self.labelColumns = columns
        self.explicitKeep = keep != nil
    }

    /// The masked reference of a client's pseudonym: `C-` and the 64 hex digits of its HMAC.
    ///
    /// - Parameter pseudonym: a client pseudonym.
    /// - Returns: the reference used to join features and labels.
    public static func reference(of pseudonym: Pseudonym) -> String { "C-" + pseudonym.hex }

    /// Pseudonymises a labels file's text.
    ///
    /// - Parameters:
    ///   - csv: the file's text.
    ///   - source: the file's path, for messages.
    /// - Returns: the output CSV text (LF line ends) and the number of label rows.
    /// - Throws: ``ScoringError/badLabels(path:line:field:reason:)`` (exit 65) for a missing
    ///   column, a bad `churned` cell, an empty id or a repeated client.
    public func pseudonymise(csv: String, source: String) throws(ScoringError) -> (csv: String, rows: Int) {
        var text = csv
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
        guard let headerLine = lines.first, !headerLine.isEmpty else {
            throw .badLabels(path: source, line: 1, field: "header", reason: "the file is empty")
        }
        let header = try Self.fields(headerLine, source: source, line: 1).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let idColumn = header.firstIndex(of: "client_id") else {
            throw .badLabels(path: source, line: 1, field: "client_id", reason: "the header has no client_id column")
        }
        guard let churnedColumn = header.firstIndex(of: "churned") else {
            throw .badLabels(path: source, line: 1, field: "churned", reason: "the header has no churned column")
        }
        for (index, name) in header.enumerated() where index != idColumn {
            guard labelColumns.contains(name) else {
                throw .badLabels(
                    path: source, line: 1, field: name,
                    reason: "not a label column: only client_id and \(labelColumns.sorted().joined(separator: ", ")) are accepted (list extra label columns with --keep)")
            }
            guard header.firstIndex(of: name) == index else {
                throw .badLabels(path: source, line: 1, field: name, reason: "the column appears twice in the header")
            }
        }
        if explicitKeep, let keep = labelColumns.sorted().first(where: { !header.contains($0) }) {
            throw .badLabels(path: source, line: 1, field: keep, reason: "the header has no such column (named by --keep)")
        }
        let others = header.indices.filter { $0 != idColumn }
        var out = ([Self.referenceColumn] + others.map { header[$0] }).joined(separator: ",") + "\n"
        var seen = Set<Pseudonym>()
        var rows = 0
        for (index, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let number = index + 1
            let cells = try Self.fields(line, source: source, line: number)
            guard cells.count == header.count else {
                throw .badLabels(path: source, line: number, field: "row", reason: "\(cells.count) fields where the header has \(header.count)")
            }
            let id = cells[idColumn].trimmingCharacters(in: .whitespaces)
            guard !id.isEmpty else { throw .badLabels(path: source, line: number, field: "client_id", reason: "the client id is empty") }
            switch cells[churnedColumn].trimmingCharacters(in: .whitespaces).lowercased() {
            case "true", "false", "1", "0": break
            default: throw .badLabels(path: source, line: number, field: "churned", reason: "expected true/false or 1/0")
            }
            let pseudonym = pseudonymizer.pseudonym(for: id, kind: .client)
            guard seen.insert(pseudonym).inserted else {
                throw .badLabels(path: source, line: number, field: "client_id", reason: "the client already has a label on an earlier line")
            }
            let values = [Self.reference(of: pseudonym)] + others.map { Self.quoted(cells[$0]) }
            out += values.joined(separator: ",") + "\n"
            rows += 1
        }
        return (out, rows)
    }

    /// Splits one CSV line (RFC 4180 quotes, no line breaks inside fields).
    static func fields(_ line: String, source: String, line number: Int) throws(ScoringError) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var iterator = Array(line).makeIterator()
        var pending: Character? = iterator.next()
        while let character = pending {
            pending = iterator.next()
            if quoted {
                if character == "\"" {
                    if pending == "\"" {
                        current.append("\"")
                        pending = iterator.next()
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(character)
                }
            } else if character == "\"" && current.isEmpty {
                quoted = true
            } else if character == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        guard !quoted else { throw .badLabels(path: source, line: number, field: "row", reason: "a quoted field is not closed") }
        fields.append(current)
        return fields
    }

    /// A CSV cell, quoted when needed; a cell starting with `=`, `+`, `-` or `@` is prefixed with
    /// `'` so spreadsheets do not run it as a formula.
    static func quoted(_ cell: String) -> String {
        var value = cell
        if let first = value.first, "=+-@".contains(first), Double(value) == nil { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// Writes decrypted churn features keyed by masked reference (`heatctl features`), optionally
/// joined with masked labels (``LabelPseudonymiser``) into one table for `heatctl ml train`.
///
/// ```swift
/// let csv = FeatureTable.csv(rows: rows, names: set.names, labels: nil)
/// ```
public enum FeatureTable {
    /// The CSV text: header `client_ref` and the feature names (then the label columns), one row
    /// per client in slot order. With labels, only labelled clients are written.
    ///
    /// - Parameters:
    ///   - rows: decrypted features.
    ///   - names: the feature names.
    ///   - labels: masked labels: header cells (after `client_ref`) and each reference's cells.
    /// - Returns: the text and the number of rows written.
    public static func csv(rows: [ClientFeatures], names: [String], labels: (header: [String], rows: [String: [String]])?) -> (csv: String, rows: Int) {
        var out = ([LabelPseudonymiser.referenceColumn] + names + (labels?.header ?? [])).joined(separator: ",") + "\n"
        var written = 0
        for row in rows {
            let ref = LabelPseudonymiser.reference(of: row.pseudonym)
            var cells = [ref] + row.values.map(String.init)
            if let labels {
                guard let extra = labels.rows[ref] else { continue }
                cells += extra
            }
            out += cells.joined(separator: ",") + "\n"
            written += 1
        }
        return (out, written)
    }

    /// Reads a masked labels file (``LabelPseudonymiser`` output).
    ///
    /// - Parameters:
    ///   - csv: the text.
    ///   - source: the path, for messages.
    /// - Returns: the header cells after `client_ref` and each reference's cells.
    /// - Throws: ``ScoringError/badLabels(path:line:field:reason:)``.
    public static func maskedLabels(csv: String, source: String) throws(ScoringError) -> (header: [String], rows: [String: [String]]) {
        var text = csv
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
        guard let first = lines.first else { throw .badLabels(path: source, line: 1, field: "header", reason: "the file is empty") }
        let header = try LabelPseudonymiser.fields(first, source: source, line: 1)
        guard header.first == LabelPseudonymiser.referenceColumn else {
            throw .badLabels(path: source, line: 1, field: LabelPseudonymiser.referenceColumn, reason: "the first column must be client_ref (run `heatctl labels pseudonymise` first)")
        }
        var rows: [String: [String]] = [:]
        for (index, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let cells = try LabelPseudonymiser.fields(line, source: source, line: index + 1)
            guard cells.count == header.count, let ref = cells.first, ref.hasPrefix("C-"), ref.count == 66 else {
                throw .badLabels(path: source, line: index + 1, field: LabelPseudonymiser.referenceColumn, reason: "expected C- and 64 hex digits, and \(header.count) fields")
            }
            rows[ref] = Array(cells.dropFirst()).map(LabelPseudonymiser.quoted)
        }
        return (Array(header.dropFirst()), rows)
    }
}
