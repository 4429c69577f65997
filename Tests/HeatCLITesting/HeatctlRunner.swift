import Foundation

/// The one way test targets run the built `heatctl` as a user would (shared by HeatCoreTests
/// and HeatCtlTests).
///
/// The executable is `$HEATCTL`, else `.build/release/heatctl` or `.build/debug/heatctl`; suites
/// that need it are enabled only when it exists (CI and `Scripts/test.sh` build it with
/// `--build-tests`):
///
/// ```swift
/// @Suite(.enabled(if: HeatctlRunner.url != nil, "heatctl is not built"))
/// struct MyCLITests {
///     @Test func help() throws {
///         let outcome = try HeatctlRunner.run(["--help"])
///         #expect(outcome.status == 0)
///     }
/// }
/// ```
public enum HeatctlRunner {
    /// The repository root (for `Examples/data` and fixtures).
    public static let root = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The built `heatctl`, or `nil` when it has not been built.
    public static let url: URL? = {
        if let path = ProcessInfo.processInfo.environment["HEATCTL"], FileManager.default.isExecutableFile(atPath: path) {
            return URL(filePath: path)
        }
        for configuration in ["release", "debug"] {
            let candidate = root.appending(path: ".build/\(configuration)/heatctl")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }()

    /// What one run of `heatctl` produced.
    public struct Outcome: Sendable {
        /// The exit status.
        public var status: Int32
        /// Everything written to stdout.
        public var stdout: Data
        /// Everything written to stderr, as text.
        public var stderr: String
        /// stdout as UTF-8 text.
        public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        /// stdout as UTF-8 text (the name the ML command tests use).
        public var text: String { stdoutText }
    }

    /// The runner could not start `heatctl`.
    public struct NotBuilt: Error, CustomStringConvertible {
        /// Says what to build.
        public var description: String { "heatctl is not built: run swift build --build-tests first, or set HEATCTL" }
    }

    /// Runs `heatctl` with `arguments` and extra environment variables, waiting for it to exit.
    ///
    /// - Parameters:
    ///   - arguments: the command line after `heatctl`.
    ///   - environment: variables added to (or replacing) the test process's environment.
    /// - Returns: the exit status and output.
    /// - Throws: ``NotBuilt`` when there is no executable, or the error starting the process.
    public static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
        guard let url else { throw NotBuilt() }
        return try run(executable: url, arguments, environment: environment)
    }

    /// Runs `executable` (for example `setpriv` wrapping a copy of `heatctl`) the same way.
    ///
    /// - Parameters:
    ///   - executable: the program to start.
    ///   - arguments: its arguments.
    ///   - environment: variables added to the test process's environment.
    /// - Returns: the exit status and output.
    public static func run(executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
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

    /// A fresh temporary folder.
    ///
    /// - Parameter prefix: the folder name's prefix.
    /// - Returns: the folder's URL.
    public static func makeFolder(prefix: String = "heatctl-test") throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appending(path: "\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}
