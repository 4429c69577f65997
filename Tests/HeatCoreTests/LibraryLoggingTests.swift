import Foundation
import HeatEnvelope
import Logging
import Testing
@testable import HeatCore

/// Collects every message a logger receives (message text and metadata, rendered).
final class CapturedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(level: Logger.Level, text: String)] = []

    /// A logger at `level` whose messages land here.
    func logger(level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: "test", factory: { _ in Handler(log: self) })
        logger.logLevel = level
        return logger
    }

    /// Everything captured, one rendered line per message.
    var lines: [(level: Logger.Level, text: String)] { lock.withLock { entries } }

    fileprivate func append(_ level: Logger.Level, _ text: String) { lock.withLock { entries.append((level, text)) } }

    private struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
            let merged = self.metadata.merging(metadata ?? [:]) { $1 }
            log.append(level, "\(message) \(merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
        }
    }
}

@Suite struct LibraryLoggingTests {
    @Test func ingestionLogsCountsThroughTheInjectedLoggerAndNoRawIdentifier() throws {
        let (store, _) = try StoreTestSupport.makeStore()
        let captured = CapturedLog()
        let key = PseudonymisationKey.insecureDerived(from: "logging-tests")
        let ingestor = StoreIngestor(key: key, logger: captured.logger())
        let rows = try StoreTestSupport.interactions(0..<20)
        let source = StoreIngestor.Source(name: "in.csv", inputHash: String(repeating: "0", count: 64))
        let report = try ingestor.ingest(rows, clients: [], into: store, source: source)
        let lines = captured.lines
        #expect(lines.contains { $0.level == .info && $0.text.contains("ingestion run recorded") && $0.text.contains("eventsAdded=\(report.eventsAdded)") })
        for line in lines {
            #expect(!line.text.contains("RAW"), "a raw identifier reached the log: \(line.text)")
            #expect(!line.text.contains(Hex.encode(key.bytes)), "key material reached the log")
        }
    }

    @Test func librariesAreSilentByDefault() throws {
        let (store, _) = try StoreTestSupport.makeStore()
        let ingestor = StoreIngestor(key: PseudonymisationKey.insecureDerived(from: "logging-tests"))
        _ = try ingestor.ingest(try StoreTestSupport.interactions(0..<3), clients: [], into: store,
                                source: StoreIngestor.Source(name: "in.csv", inputHash: String(repeating: "0", count: 64)))
        #expect(ingestor.logger.label == "customerheat.silent")
    }
}
