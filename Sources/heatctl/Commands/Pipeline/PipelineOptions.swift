import ArgumentParser
import Foundation
import HeatCore

/// Option parsing shared by the encrypted-pipeline commands.
enum PipelineOptions {
    /// The heat configuration of `--config`, or the built-in one.
    static func configuration(_ path: String?) throws -> HeatConfiguration {
        try path.map { try HeatConfiguration.load(from: URL(filePath: $0)) } ?? HeatConfiguration()
    }

    /// The date of `--as-of`, if given.
    static func date(_ text: String?) throws -> CalendarDate? {
        guard let text else { return nil }
        do {
            return try CalendarDate(iso8601: text)
        } catch {
            throw ValidationError("--as-of \(text): \(error)")
        }
    }
}
