import HeatEnvelope

/// A report that could not be rendered or written.
///
/// Every case names the file or folder at fault, so `heatctl report` can print one sentence and a
/// hint and exit with the code of DESIGN.md section 8.
///
/// ```swift
/// do {
///     try ReportRenderer().write(document, formats: [.html], to: URL(filePath: "out"))
/// } catch {
///     print(error.description, error.hint ?? "")
/// }
/// ```
public enum ReportError: ClassifiedError, Equatable {
    /// The output folder could not be created (or a file is in its place).
    case cannotCreateFolder(path: String, reason: String)
    /// A report file could not be written.
    case cannotWrite(path: String, reason: String)
    /// The results document could not be encoded (should not happen for decoded documents).
    case cannotEncode(table: String, reason: String)

    /// The exit-code category: I/O for files and folders, data for encoding.
    public var category: ErrorCategory {
        switch self {
        case .cannotCreateFolder, .cannotWrite: .ioError
        case .cannotEncode: .dataError
        }
    }

    /// One sentence naming the path or table at fault.
    public var description: String {
        switch self {
        case .cannotCreateFolder(let path, let reason): "\(path): cannot create the report folder (\(reason))"
        case .cannotWrite(let path, let reason): "\(path): cannot write the report file (\(reason))"
        case .cannotEncode(let table, let reason): "cannot encode the report table \"\(table)\" (\(reason))"
        }
    }

    /// What to do next.
    public var hint: String? {
        switch self {
        case .cannotCreateFolder, .cannotWrite: "choose an --out folder you can write to"
        case .cannotEncode: "check the results document for non-finite numbers"
        }
    }
}
