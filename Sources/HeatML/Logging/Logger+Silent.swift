import Logging

extension Logger {
    /// A logger that drops every message: the default of every CustomerHeat library entry point
    /// that logs, so a caller that passes no logger sees no output and pays almost nothing.
    ///
    /// Libraries never log secrets, raw identifiers or plaintext values; `heatctl` passes its
    /// stderr logger (`--verbose`, `--log-level`), and the API server will pass its request logger:
    ///
    /// ```swift
    /// var logger = Logger(label: "heatctl", factory: { StreamLogHandler.standardError(label: $0) })
    /// logger.logLevel = .debug
    /// let ingestor = StoreIngestor(key: key, logger: logger)
    /// ```
    public static let silent = Logger(label: "customerheat.silent", factory: { _ in SwiftLogNoOpLogHandler() })
}
