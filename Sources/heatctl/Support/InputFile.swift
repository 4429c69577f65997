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
    /// - Throws: ``InputFileError``: `missing` (exit 66), `isFolder` (exit 66), `unreadable` (exit 74).
    static func read(_ path: String) throws(InputFileError) -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw .missing(path: path) }
        guard !isDirectory.boolValue else { throw .isFolder(path: path) }
        do {
            return try Data(contentsOf: URL(filePath: path))
        } catch {
            throw .unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
    }
}

/// An input file named on the command line that could not be read.
enum InputFileError: ClassifiedError, Equatable {
    /// Nothing exists at the path.
    case missing(path: String)
    /// The path is a folder where a file was expected.
    case isFolder(path: String)
    /// The file exists but could not be read.
    case unreadable(path: String, reason: String)

    var category: ErrorCategory {
        switch self {
        case .missing, .isFolder: .noInput
        case .unreadable: .ioError
        }
    }

    var description: String {
        switch self {
        case .missing(let path): "\(path): no such file"
        case .isFolder(let path): "\(path): is a folder, not a file"
        case .unreadable(let path, let reason): "\(path): cannot read the file (\(reason))"
        }
    }

    var hint: String? {
        switch self {
        case .missing: "check the path; `heatctl demo --out DIR` or `heatctl heat FILE --json > results.json` writes a results.json"
        case .isFolder: "name the file inside the folder, for example DIR/results.json"
        case .unreadable: "check the file's permissions"
        }
    }
}
