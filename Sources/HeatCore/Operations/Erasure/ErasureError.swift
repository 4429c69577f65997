import HeatEnvelope

/// What can go wrong erasing clients (``ClientEraser``). Messages name the file and line of a
/// bad request, never a raw client id.
///
/// ```swift
/// do {
///     _ = try ClientEraser.erase(.references(["C-7f3a9c2e"]), store: store, key: key, anchor: .previous(head))
/// } catch let error as ErasureError {
///     print(error, error.category.exitCode)
/// }
/// ```
public enum ErasureError: ClassifiedError, Equatable {
    /// The store does not verify (or has unsigned rows): nothing is erased (exit 1).
    case refused(violations: [String])
    /// No client of the request is in the directory (never ingested, or already erased) (exit 65).
    case noClientFound(source: String, requested: Int)
    /// The `position`-th masked reference (1-based, as given with `--client`) is malformed,
    /// matches no client, or several (exit 65). The reference itself is never echoed.
    case badReference(position: Int, matches: Int)
    /// A line of the client file cannot be read (exit 65).
    case badClientFile(file: String, line: Int, reason: String)
    /// The request names no client at all (exit 64).
    case emptyRequest(source: String)

    public var category: ErrorCategory {
        switch self {
        case .refused: .integrityViolation
        case .noClientFound, .badReference, .badClientFile: .dataError
        case .emptyRequest: .usage
        }
    }

    public var description: String {
        switch self {
        case .refused(let violations):
            "refusing to erase: the store does not verify (\(violations.count) violation\(violations.count == 1 ? "" : "s"); first: \(violations.first ?? "none"))"
        case .noClientFound(let source, let requested):
            "\(source): none of the \(requested) client\(requested == 1 ? "" : "s") requested is in the store's directory (never ingested, or already erased)"
        case .badReference(let position, let matches):
            matches == 0
                ? "--client #\(position): the masked reference is malformed or matches no client of the directory (unknown or already erased)"
                : "--client #\(position): the masked reference matches \(matches) clients; give more digits"
        case .badClientFile(let file, let line, let reason):
            "\(file):\(line): client_id: \(reason)"
        case .emptyRequest(let source):
            "\(source): no client to erase"
        }
    }

    public var hint: String? {
        switch self {
        case .refused: "run `heatctl audit verify` and `heatctl audit sign` first; erasure drops only rows covered by a signed head"
        case .noClientFound: "check the file is the one the collector ingested; `heatctl audit log --kind client.erase` lists earlier erasures"
        case .badReference: "a reference is C- and at least 8 hex digits; list them with `heatctl clients --store heat.db --search C-…`"
        case .badClientFile: "one raw client id per line, or a CSV with a client_id column (no quoted fields)"
        case .emptyRequest: "pass --client REF or --client-file FILE"
        }
    }
}
