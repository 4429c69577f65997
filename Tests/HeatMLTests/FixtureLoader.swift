import Foundation
import Testing
@testable import HeatML

/// Reads the JSON fixtures produced by `Fixtures/make_fixtures.py` and the datasets in `Examples/data`.
enum FixtureLoader {
    struct FixtureError: Error, CustomStringConvertible {
        let description: String
    }

    static func json(_ name: String) throws -> [String: Any] {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures") else {
            throw FixtureError(description: "fixture \(name).json is missing")
        }
        let data = try Data(contentsOf: url)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FixtureError(description: "fixture \(name).json is not an object")
        }
        return object
    }

    /// The repository root (three levels above this file).
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func exampleData(_ name: String) -> URL {
        repositoryRoot.appending(path: "Examples/data/\(name)")
    }

    static func doubles(_ value: Any?) throws -> [Double] {
        guard let array = value as? [Any] else { throw FixtureError(description: "expected an array") }
        return array.map { ($0 as? NSNumber)?.doubleValue ?? .nan }
    }

    static func ints(_ value: Any?) throws -> [Int] {
        guard let array = value as? [NSNumber] else { throw FixtureError(description: "expected an integer array") }
        return array.map(\.intValue)
    }

    static func matrix(_ value: Any?) throws -> Matrix {
        guard let rows = value as? [[Any]] else { throw FixtureError(description: "expected a matrix") }
        return try Matrix(rows: rows.map { $0.map { ($0 as? NSNumber)?.doubleValue ?? .nan } })
    }

    /// A temporary directory removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appending(path: "heatml-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
