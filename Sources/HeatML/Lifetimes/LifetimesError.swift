import HeatEnvelope

/// Failures of the customer-lifetime models (``BetaGeoModel``, ``GammaGammaModel``) and of
/// the transaction-log reader (``TransactionLogReader``), each naming the file, line, column or
/// parameter at fault. Raw customer identifiers are never part of a message.
///
/// ```swift
/// do { _ = try BetaGeoModel.fit([]) }
/// catch { print(error.description) }   // "BG/NBD fit: no customers to fit"
/// ```
public enum LifetimesError: ClassifiedError, Equatable {
    /// The transaction file does not exist.
    case missingFile(path: String)
    /// The transaction file could not be read.
    case unreadableFile(path: String, reason: String)
    /// The transaction file lacks a column the reader needs.
    case missingColumn(source: String, column: String, available: [String])
    /// The file has no usable transaction (every row was rejected, or there were none).
    case noTransactions(source: String, rejectedRows: Int)
    /// Rows were rejected in strict mode (the first is named).
    case rejectedRow(source: String, line: Int, column: String, reason: String)
    /// A customer summary is inconsistent (for example recency above T).
    case invalidSummary(index: Int, reason: String)
    /// A model has nothing to fit.
    case nothingToFit(model: String, reason: String)
    /// The optimizer did not reach a maximum of the likelihood.
    case notConverged(model: String, iterations: Int)
    /// A parameter or option is out of range.
    case invalidParameter(name: String, value: String, reason: String)
    /// A holdout evaluation was asked without a holdout period.
    case noHoldout
    /// The file, a record or its field count is above a ``ReaderLimits`` bound.
    case limitExceeded(ReaderLimitExceeded)

    /// The exit-code category: 65 for data, 64 for options, 66 / 74 for files.
    public var category: ErrorCategory {
        switch self {
        case .missingFile: .noInput
        case .unreadableFile: .ioError
        case .invalidParameter, .noHoldout: .usage
        default: .dataError
        }
    }

    /// A one-sentence description naming what was wrong and where.
    public var description: String {
        switch self {
        case let .missingFile(path): "\(path): no such file"
        case let .unreadableFile(path, reason): "\(path): cannot read the file (\(reason))"
        case let .missingColumn(source, column, available):
            "\(source): no column named '\(column)' (columns: \(available.joined(separator: ", ")))"
        case let .noTransactions(source, rejected):
            "\(source): no usable transaction" + (rejected > 0 ? " (\(rejected) rows rejected)" : "")
        case let .rejectedRow(source, line, column, reason): "\(source):\(line): column '\(column)': \(reason)"
        case let .invalidSummary(index, reason): "customer summary row \(index + 1): \(reason)"
        case let .nothingToFit(model, reason): "\(model) fit: \(reason)"
        case let .notConverged(model, iterations):
            "\(model) fit: the likelihood maximisation did not converge after \(iterations) iterations"
        case let .invalidParameter(name, value, reason): "\(name) = \(value): \(reason)"
        case .noHoldout: "a holdout evaluation needs a calibration end date before the last transaction"
        case let .limitExceeded(error): error.description
        }
    }

    /// A short suggestion for fixing the failure.
    public var hint: String? {
        switch self {
        case .missingFile: "check the path"
        case .missingColumn: "name the columns with --customer-column, --date-column and --amount-column"
        case .rejectedRow: "fix the row, or drop --strict to keep the good rows and get a reject report"
        case .noHoldout: "pass --calibration-end DATE with transactions after DATE"
        case .notConverged: "check the summary for extreme values; the data may not fit the model"
        case .nothingToFit: "the model needs customers with repeat purchases (frequency > 0)"
        default: nil
        }
    }
}
