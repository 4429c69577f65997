import Foundation
import HeatEnvelope

/// Reads an input file named on the command line, mapping failures to DESIGN.md exit codes.
///
/// ```swift
/// let data = try InputFile.read("results.json")   // exit 66 when missing, 74 when unreadable
/// ```
enum InputFile {
    /// The contents of the file at `path`.
    ///
    /// - Parameter path: the path as given by the user.
    /// - Returns: the file's bytes.
    /// - Throws: ``InputFileError``: `missingFile` (exit 66), `isFolder` (exit 66), `unreadableFile` (exit 74).
    static func read(_ path: String) throws(InputFileError) -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw .missingFile(path: path) }
        guard !isDirectory.boolValue else { throw .isFolder(path: path) }
        do {
            return try Data(contentsOf: URL(filePath: path))
        } catch {
            throw .unreadableFile(path: path, reason: (error as NSError).localizedDescription)
        }
    }
}

/// An input file named on the command line that could not be read.
enum InputFileError: ClassifiedError, Equatable {
    /// Nothing exists at the path.
    case missingFile(path: String)
    /// The path is a folder where a file was expected.
    case isFolder(path: String)
    /// The file exists but could not be read.
    case unreadableFile(path: String, reason: String)

    var category: ErrorCategory {
        switch self {
        case .missingFile, .isFolder: .noInput
        case .unreadableFile: .ioError
        }
    }

    var description: String {
        switch self {
        case .missingFile(let path): "\(path): no such file"
        case .isFolder(let path): "\(path): is a folder, not a file"
        case .unreadableFile(let path, let reason): "\(path): cannot read the file (\(reason))"
        }
    }

    var hint: String? {
        switch self {
        case .missingFile: "check the path; `heatctl demo --out DIR` or `heatctl heat FILE --json > results.json` writes a results.json"
        case .isFolder: "name the file inside the folder, for example DIR/results.json"
        case .unreadableFile: "check the file's permissions"
        }
    }
}

extension InputFileError {
    /// The old name of ``missingFile(path:)``.
    @available(*, deprecated, renamed: "missingFile(path:)")
    static func missing(path: String) -> InputFileError { .missingFile(path: path) }

    /// The old name of ``unreadableFile(path:reason:)``.
    @available(*, deprecated, renamed: "unreadableFile(path:reason:)")
    static func unreadable(path: String, reason: String) -> InputFileError { .unreadableFile(path: path, reason: reason) }
}
