import Foundation
import Testing

/// The `heatctl` executable built next to the tests, and a way to run it as a user would.
///
/// Found at `$HEATCTL`, else `.build/release/heatctl` or `.build/debug/heatctl`; suites that need
/// it are enabled only when it exists (CI and `Scripts/test.sh` build it with `--build-tests`).
enum BuiltHeatctl {
    static let url: URL? = {
        if let path = ProcessInfo.processInfo.environment["HEATCTL"], FileManager.default.isExecutableFile(atPath: path) {
            return URL(filePath: path)
        }
        let root = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for configuration in ["release", "debug"] {
            let candidate = root.appending(path: ".build/\(configuration)/heatctl")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }()

    /// What one run of `heatctl` produced.
    struct Outcome {
        var status: Int32
        var stdout: Data
        var stderr: String
        var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs `heatctl` with `arguments` and extra environment variables, waiting for it to exit.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
        try run(executable: try #require(url), arguments, environment: environment)
    }

    /// Runs `executable` (for example `setpriv` wrapping a copy of `heatctl`) the same way.
    static func run(executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stdout: stdout, stderr: String(decoding: stderr, as: UTF8.self))
    }
}
