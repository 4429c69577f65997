import HeatEnvelope

/// What can go wrong when computing churn features or scoring a model on ciphertexts (issue 15).
///
/// Every case names the file, line or field at fault and maps to an exit code of DESIGN.md
/// section 8. Messages never contain a raw client identifier (a label file's bad row is named by
/// its line number only).
///
/// ```swift
/// do {
///     _ = try ChurnFeatureSet(windows: [0])
/// } catch {
///     print(error.category.exitCode)   // 78
/// }
/// ```
public enum ScoringError: ClassifiedError, Equatable {
    /// A feature window is not a whole number of weeks in `1 ... 520`, or windows repeat.
    case invalidWindows([Int])
    /// The store holds no feature-stream ciphertexts (the collector ingested without `--features`).
    case noFeatureStreams(path: String)
    /// A model this scorer cannot run on ciphertexts (`source` the model file, `reason` which field).
    case unsupportedModel(source: String, reason: String)
    /// The largest possible score does not fit the plaintext modulus of the keys' preset.
    case scoreTooLarge(preset: String, bound: String, fitting: String?)
    /// A labels file is missing a column or has a bad cell (`line` from 1, the header being line 1).
    case badLabels(path: String, line: Int, field: String, reason: String)
    /// A file could not be read or written.
    case io(path: String, reason: String)
    /// Encrypted features or scores were computed on another client directory than the store's
    /// now (clients ingested or removed since `heatctl evaluate --model`), or carry none.
    case staleDirectory(source: String, reason: String)
    /// A score release that selects or groups clients by manager or branch on a store whose client
    /// directory has versions (moves or closures, issue 27), from scores that carry no reference
    /// week (tree scores encoded before the header recorded it): their clients cannot be placed
    /// in the versions, so the release is refused rather than guess (exit 65).
    case versionedDirectory(source: String)

    public var category: ErrorCategory {
        switch self {
        case .invalidWindows: .configuration
        case .noFeatureStreams: .noInput
        case .unsupportedModel, .badLabels: .dataError
        case .staleDirectory: .dataError
        case .versionedDirectory: .dataError
        case .scoreTooLarge: .unavailable
        case .io: .ioError
        }
    }

    public var description: String {
        switch self {
        case .invalidWindows(let windows):
            "the feature windows \(windows) must be distinct whole numbers of weeks in 1 ... 520"
        case .noFeatureStreams(let path):
            "\(path) holds no churn feature ciphertexts (packing activity.*): the collector ingested without feature streams"
        case .unsupportedModel(let source, let reason):
            "\(source): the model cannot be scored on ciphertexts: \(reason)"
        case .scoreTooLarge(let preset, let bound, let fitting):
            "preset \(preset) cannot hold the model's largest possible score (|score| <= \(bound))\(fitting == nil ? "; no preset can" : "")"
        case .badLabels(let path, let line, let field, let reason):
            "\(path):\(line): field \(field): \(reason)"
        case .io(let path, let reason):
            "\(path): \(reason)"
        case .staleDirectory(let source, let reason):
            "\(source): refusing stale encrypted results: \(reason)"
        case .versionedDirectory(let source):
            "\(source): field asOfWeek: the scores carry no reference week, and the store's client directory has versions (a client moved or an account closed), so their clients cannot be given to the manager or group that held them that week"
        }
    }

    public var hint: String? {
        switch self {
        case .invalidWindows: "use windows such as 4, 13, 26 and 52 weeks"
        case .noFeatureStreams: "ingest with `heatctl ingest FILE --store DB --keys keys/collector --features`"
        case .unsupportedModel: "train a logistic model on `heatctl features` output with `heatctl ml train --model logistic`"
        case .scoreTooLarge(_, _, let fitting):
            fitting.map { "generate keys with `heatctl keys generate --preset \($0)`, or use fewer features" }
                ?? "use fewer features or smaller feature windows"
        case .badLabels: "the labels file needs a header with client_id and churned (true/false or 1/0)"
        case .io: nil
        case .staleDirectory:
            "re-run `heatctl evaluate --store DB --keys keys/evaluator --model FILE --out run.heat --scores-out scores.heat` on the current store, then release again"
        case .versionedDirectory:
            "re-encode with `heatctl trees encode` and re-run `heatctl evaluate --model` (new scores record their reference week), then release again; Docs/Operations.md section 6"
        }
    }
}
