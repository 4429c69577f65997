import Foundation

/// The layout of an input file: comma-separated values with a header, or JSON Lines with the same keys.
///
/// Readers choose the format from the file's extension (`.csv`, `.jsonl` / `.ndjson`) and otherwise
/// from its content (a first non-blank character `{` means JSON Lines).
///
/// ```swift
/// InputFormat(pathExtension: "jsonl")        // .jsonLines
/// InputFormat.detect(in: Array("{\"a\":1}".utf8))  // .jsonLines
/// ```
public enum InputFormat: String, Sendable, Codable, CaseIterable {
    /// RFC 4180 CSV with a header row.
    case csv
    /// One JSON object per line, keys as in the CSV header.
    case jsonLines

    /// The format named by a file extension, or `nil` when the extension says nothing.
    ///
    /// - Parameter pathExtension: the extension without its dot, in any case.
    public init?(pathExtension: String) {
        switch pathExtension.lowercased() {
        case "csv": self = .csv
        case "jsonl", "ndjson", "jsonlines": self = .jsonLines
        default: return nil
        }
    }

    /// Guesses the format from the first bytes: JSON Lines when the first character that is
    /// not white space (after an optional BOM) is `{`, CSV otherwise.
    ///
    /// - Parameter bytes: the start of the file (any length).
    /// - Returns: the detected format.
    public static func detect<Bytes: Collection<UInt8>>(in bytes: Bytes) -> InputFormat {
        var skippedBOM = false
        var index = 0
        for byte in bytes {
            defer { index += 1 }
            if !skippedBOM, index < 3, byte == [0xEF, 0xBB, 0xBF][index] { if index == 2 { skippedBOM = true }; continue }
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D: continue
            case UInt8(ascii: "{"): return .jsonLines
            default: return .csv
            }
        }
        return .csv
    }
}
