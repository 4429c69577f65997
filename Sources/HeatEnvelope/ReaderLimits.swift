import Foundation

/// One resource bound that a reader checks *before* it allocates what an input asks for.
///
/// Each bound has a documented default and an environment variable that raises (or lowers) it for
/// a process, listed in `Docs/Reliability.md`:
///
/// ```swift
/// // HEAT_MAX_LINE_BYTES=4194304 heatctl ingest wide.csv ...
/// let limit = ReaderLimits.current[.lineBytes]   // 4194304, or 1 MiB by default
/// ```
public enum ReaderLimit: String, CaseIterable, Sendable, Hashable {
    /// Bytes of one envelope file (keys, ciphertexts, models, run files).
    case envelopeBytes
    /// Bytes of one tabular input file (CSV or JSON Lines).
    case tabularFileBytes
    /// Bytes of one record (one line, or one quoted multi-line record) of a tabular file.
    case lineBytes
    /// Fields of one record of a tabular file.
    case fieldCount
    /// Bytes of one JSON configuration file (heat configuration, policy, rules, bands, shocks, XGBoost JSON).
    case configBytes
    /// The ring degree `N` in an FHE parameter header.
    case ringDegree
    /// The number of ciphertext moduli in an FHE parameter header.
    case modulusCount
    /// The number of polynomials in one ciphertext.
    case polynomialCount
    /// The number of trees in one model.
    case treeCount
    /// The depth of one tree.
    case treeDepth
    /// The number of nodes in one tree.
    case treeNodes

    /// The environment variable that overrides the bound (a positive decimal integer).
    public var environmentVariable: String {
        switch self {
        case .envelopeBytes: "HEAT_MAX_ENVELOPE_BYTES"
        case .tabularFileBytes: "HEAT_MAX_TABULAR_FILE_BYTES"
        case .lineBytes: "HEAT_MAX_LINE_BYTES"
        case .fieldCount: "HEAT_MAX_FIELD_COUNT"
        case .configBytes: "HEAT_MAX_CONFIG_BYTES"
        case .ringDegree: "HEAT_MAX_RING_DEGREE"
        case .modulusCount: "HEAT_MAX_MODULUS_COUNT"
        case .polynomialCount: "HEAT_MAX_POLYNOMIAL_COUNT"
        case .treeCount: "HEAT_MAX_TREE_COUNT"
        case .treeDepth: "HEAT_MAX_TREE_DEPTH"
        case .treeNodes: "HEAT_MAX_TREE_NODES"
        }
    }

    /// The default bound.
    public var defaultValue: Int {
        switch self {
        case .envelopeBytes: 4 << 30          // 4 GiB: the largest evaluation keys are well below.
        case .tabularFileBytes: 64 << 30      // 64 GiB: files are memory-mapped, not copied.
        case .lineBytes: 1 << 20              // 1 MiB per record.
        case .fieldCount: 4096
        case .configBytes: 64 << 20           // 64 MiB of JSON (large XGBoost models included).
        case .ringDegree: 32768               // The largest degree HeatFHE's parameters allow.
        case .modulusCount: 16
        case .polynomialCount: 16
        case .treeCount: 10_000
        case .treeDepth: 64
        case .treeNodes: 1 << 20
        }
    }

    /// A short phrase naming what is counted, for messages.
    public var noun: String {
        switch self {
        case .envelopeBytes: "envelope size in bytes"
        case .tabularFileBytes: "file size in bytes"
        case .lineBytes: "record length in bytes"
        case .fieldCount: "field count"
        case .configBytes: "configuration size in bytes"
        case .ringDegree: "ring degree"
        case .modulusCount: "modulus count"
        case .polynomialCount: "polynomial count"
        case .treeCount: "tree count"
        case .treeDepth: "tree depth"
        case .treeNodes: "node count"
        }
    }
}

/// The resource bounds in force: every reader checks the sizes and counts that an input claims
/// against these before allocating for them.
///
/// ``current`` is read once from the environment (see ``ReaderLimit/environmentVariable``); a
/// value that is not a positive integer is ignored and the default kept.
///
/// ```swift
/// let limits = ReaderLimits(environment: ["HEAT_MAX_FIELD_COUNT": "10000"])
/// try limits.check(.fieldCount, 12_000, source: "wide.csv", field: "line 1")   // throws
/// ```
public struct ReaderLimits: Sendable, Equatable {
    private var values: [ReaderLimit: Int]

    /// The defaults (``ReaderLimit/defaultValue``).
    public static let defaults = ReaderLimits(environment: [:])

    /// The bounds of this process: the defaults, overridden by the environment variables.
    public static let current = ReaderLimits(environment: ProcessInfo.processInfo.environment)

    /// Reads the bounds from environment variables, keeping the default for absent or invalid values.
    ///
    /// - Parameter environment: variable names and values (usually the process's environment).
    public init(environment: [String: String]) {
        var values: [ReaderLimit: Int] = [:]
        for limit in ReaderLimit.allCases {
            if let text = environment[limit.environmentVariable], let value = Int(text), value > 0 {
                values[limit] = value
            } else {
                values[limit] = limit.defaultValue
            }
        }
        self.values = values
    }

    /// The bound for `limit`.
    public subscript(_ limit: ReaderLimit) -> Int {
        get { values[limit] ?? limit.defaultValue }
        set { values[limit] = newValue }
    }

    /// Checks a claimed size or count against its bound.
    ///
    /// - Parameters:
    ///   - limit: the bound.
    ///   - value: what the input claims or holds.
    ///   - source: the file (or input) name for the message.
    ///   - field: where in the input (a field name, `line 7`, `tree 3`).
    ///   - category: the exit-code category (data error by default; configuration for config files).
    /// - Throws: ``ReaderLimitExceeded`` when `value` is above the bound.
    public func check(
        _ limit: ReaderLimit, _ value: Int, source: String, field: String, category: ErrorCategory = .dataError
    ) throws(ReaderLimitExceeded) {
        let maximum = self[limit]
        guard value <= maximum else {
            throw ReaderLimitExceeded(limit: limit, value: value, maximum: maximum, source: source, field: field, category: category)
        }
    }

    /// Checks the size of a file before it is read.
    ///
    /// - Parameters:
    ///   - url: the file (a missing or unreadable file passes: the caller's read reports it).
    ///   - limit: the byte bound (``ReaderLimit/envelopeBytes``, ``ReaderLimit/tabularFileBytes`` or
    ///     ``ReaderLimit/configBytes``).
    ///   - category: the exit-code category.
    /// - Throws: ``ReaderLimitExceeded`` when the file is larger than the bound.
    public func checkFileSize(of url: URL, _ limit: ReaderLimit, category: ErrorCategory = .dataError) throws(ReaderLimitExceeded) {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
              let size = (attributes[.size] as? NSNumber)?.intValue
        else { return }
        try check(limit, size, source: url.path, field: "the file", category: category)
    }
}

/// An input claimed or held more than a ``ReaderLimits`` bound allows; nothing was allocated for it.
///
/// Exit code 65 for data (78 for configuration files); the hint names the variable that raises
/// the bound.
public struct ReaderLimitExceeded: ClassifiedError, Equatable, Sendable {
    /// The bound exceeded.
    public var limit: ReaderLimit
    /// The size or count the input claims or holds.
    public var value: Int
    /// The bound in force.
    public var maximum: Int
    /// The file or input name.
    public var source: String
    /// Where in the input.
    public var field: String
    /// The exit-code category.
    public var category: ErrorCategory

    /// Creates the error.
    ///
    /// - Parameters:
    ///   - limit: the bound exceeded.
    ///   - value: the claimed size or count.
    ///   - maximum: the bound in force.
    ///   - source: the file or input name.
    ///   - field: where in the input.
    ///   - category: the exit-code category.
    public init(limit: ReaderLimit, value: Int, maximum: Int, source: String, field: String, category: ErrorCategory = .dataError) {
        self.limit = limit
        self.value = value
        self.maximum = maximum
        self.source = source
        self.field = field
        self.category = category
    }

    /// The reason without the source (for wrapping into another error's message).
    public var reason: String {
        "\(field): \(limit.noun) \(value) is above the limit of \(maximum) (\(limit.environmentVariable))"
    }

    /// What was too large, where, and the bound.
    public var description: String { "\(source): \(reason)" }

    /// How to proceed.
    public var hint: String? {
        "if the input is genuine, raise the bound with \(limit.environmentVariable)=N; otherwise the file is corrupt or crafted"
    }
}
