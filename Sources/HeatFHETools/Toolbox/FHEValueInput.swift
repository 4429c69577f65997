import Foundation
import HeatFHE

/// Reads the integers to encrypt from a JSON array or one CSV column.
///
/// - JSON (`.json`): a top-level array of integers, for example `[3, -1, 4]`.
/// - CSV (anything else): a header row, then one value per row in the chosen column (the only
///   column by default, `--column NAME` otherwise); a BOM and CRLF line ends are accepted, empty
///   trailing lines ignored, fields may be double-quoted.
///
/// Errors name the element index (JSON) or the line and column (CSV).
///
/// ```swift
/// let values = try FHEValueInput.read(URL(filePath: "heat.csv"), column: "heat")
/// ```
public enum FHEValueInput {
    /// Reads the values from a file.
    ///
    /// - Parameters:
    ///   - url: a `.json` or CSV file.
    ///   - column: the CSV column (required when the CSV has several columns; ignored for JSON).
    /// - Returns: the integers, in order.
    /// - Throws: ``FHEError/invalidInput(source:reason:)`` naming the index or line, or
    ///   ``FHEError/envelope(_:)`` with `missingFile` when absent.
    public static func read(_ url: URL, column: String?) throws(FHEError) -> [Int64] {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw .envelope(.missingFile(path: path)) }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .io(path: path, reason: "cannot read the file (\(error.localizedDescription))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .invalidInput(source: path, reason: "the file is not UTF-8 text")
        }
        if url.pathExtension.lowercased() == "json" { return try parseJSON(text, source: path) }
        return try parseCSV(text, column: column, source: path)
    }

    /// Parses a JSON array of integers.
    ///
    /// - Parameters:
    ///   - text: the JSON text.
    ///   - source: a name for messages.
    /// - Returns: the integers.
    /// - Throws: ``FHEError/invalidInput(source:reason:)`` naming the bad index.
    public static func parseJSON(_ text: String, source: String) throws(FHEError) -> [Int64] {
        // A small exact parser: JSON numbers through Double would round integers above 2^53.
        let bytes = Array(text.utf8)
        var position = 0
        func skipSpace() {
            while position < bytes.count, [0x20, 0x09, 0x0a, 0x0d, 0xef, 0xbb, 0xbf].contains(bytes[position]) {
                position += 1
            }
        }
        skipSpace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: "[") else {
            throw .invalidInput(source: source, reason: "expected a JSON array of integers such as [3, -1, 4]")
        }
        position += 1
        var values: [Int64] = []
        skipSpace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
        } else {
            while true {
                skipSpace()
                let start = position
                while position < bytes.count, !",] \t\r\n".utf8.contains(bytes[position]) { position += 1 }
                let token = String(decoding: bytes[start..<position], as: UTF8.self)
                guard let value = Int64(token) else {
                    let shown = token.isEmpty ? "nothing" : token
                    throw .invalidInput(
                        source: source, reason: "element \(values.count): \(shown) is not an integer in the Int64 range")
                }
                values.append(value)
                skipSpace()
                guard position < bytes.count else {
                    throw .invalidInput(source: source, reason: "the array is not closed after element \(values.count - 1)")
                }
                if bytes[position] == UInt8(ascii: "]") {
                    position += 1
                    break
                }
                guard bytes[position] == UInt8(ascii: ",") else {
                    throw .invalidInput(source: source, reason: "expected , or ] after element \(values.count - 1)")
                }
                position += 1
            }
        }
        skipSpace()
        guard position == bytes.count else {
            throw .invalidInput(source: source, reason: "unexpected text after the array at byte \(position)")
        }
        return values
    }

    /// Parses one CSV column of integers.
    ///
    /// - Parameters:
    ///   - text: the CSV text with a header row.
    ///   - column: the column name, or `nil` when the file has exactly one column.
    ///   - source: a name for messages.
    /// - Returns: the integers.
    /// - Throws: ``FHEError/invalidInput(source:reason:)`` naming the line and column.
    public static func parseCSV(_ text: String, column: String?, source: String) throws(FHEError) -> [Int64] {
        var body = Substring(text)
        if body.hasPrefix("\u{FEFF}") { body = body.dropFirst() }
        // "\r\n" is one Character in Swift, so split on both forms.
        let lines = body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map {
            $0.hasSuffix("\r") ? $0.dropLast() : $0
        }
        guard let headerLine = lines.first, !headerLine.isEmpty else {
            throw .invalidInput(source: source, reason: "line 1: the CSV header is missing")
        }
        let header = fields(headerLine)
        let columnIndex: Int
        if let column {
            guard let index = header.firstIndex(of: column) else {
                throw .invalidInput(
                    source: source, reason: "line 1: no column \"\(column)\" (columns: \(header.joined(separator: ", ")))")
            }
            columnIndex = index
        } else {
            guard header.count == 1 else {
                throw .invalidInput(
                    source: source,
                    reason: "line 1: \(header.count) columns (\(header.joined(separator: ", "))); choose one with --column")
            }
            columnIndex = 0
        }
        var values: [Int64] = []
        for (offset, line) in lines.enumerated().dropFirst() {
            let lineNumber = offset + 1
            if line.isEmpty {
                // Only trailing empty lines are allowed.
                if lines[offset...].allSatisfy(\.isEmpty) { break }
                throw .invalidInput(source: source, reason: "line \(lineNumber): empty line")
            }
            let row = fields(line)
            guard row.count == header.count else {
                throw .invalidInput(
                    source: source, reason: "line \(lineNumber): \(row.count) fields, the header has \(header.count)")
            }
            let field = row[columnIndex].trimmingCharacters(in: .whitespaces)
            guard let value = Int64(field) else {
                throw .invalidInput(
                    source: source,
                    reason: "line \(lineNumber), column \"\(header[columnIndex])\": \"\(field)\" is not an integer")
            }
            values.append(value)
        }
        return values
    }

    /// Splits a CSV line on commas, honouring double quotes (`""` inside quotes is a quote).
    static func fields(_ line: Substring) -> [String] {
        var out: [String] = []
        var current = ""
        var quoted = false
        var iterator = line.makeIterator()
        var pending: Character? = nil
        while let character = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if character == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { current.append("\"") } else { quoted = false; pending = next }
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                out.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        out.append(current)
        return out
    }
}
