import Foundation
import HeatCore

/// JSON output shared by the store commands: one document on stdout, sorted keys.
enum StoreJSON {
    /// Prints `value` as one pretty-printed JSON document on stdout.
    static func print<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        Console.output(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
