import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// One line of the server's access log: who asked for what and what the server answered.
///
/// The line never holds a token, a query string or a client identifier: the path only, the role,
/// the token's subject and id, the status and, for refusals, the stable error code.
public struct AccessRecord: Sendable, Codable, Equatable {
    /// When the request arrived (ISO 8601, UTC).
    public var time: String
    /// `allowed` or `refused`.
    public var outcome: String
    /// The HTTP method.
    public var method: String
    /// The path, without the query string.
    public var path: String
    /// The HTTP status answered.
    public var status: Int
    /// The stable error code of a refusal.
    public var code: String?
    /// The token's role, when a token was verified.
    public var role: String?
    /// The token's subject.
    public var subject: String?
    /// The token's id.
    public var tokenID: String?
    /// The handling time in microseconds.
    public var micros: Int
}

/// The append-only access log: every access and every refusal, written as JSON Lines in batches
/// (group commits) so that auditing does not cap throughput.
///
/// The server holds no store (`DESIGN.md` section 1: it holds released documents only), so its
/// audit trail is this file, opened with `O_APPEND` and mode 0600; ``record(_:)`` only appends to
/// an in-memory batch, and the service's `run()` writes the batch every ``flushInterval`` or as soon
/// as it holds ``batchSize`` lines, and once more on graceful shutdown.
///
/// ```swift
/// let log = try AccessLog(path: "access.log")
/// log.record(record)
/// try await log.flush()
/// ```
public final class AccessLog: Service, Sendable {
    /// Lines per write at most.
    public static let batchSize = 512
    /// The longest a line waits in memory.
    public static let flushInterval: Duration = .milliseconds(200)

    private let descriptor: Int32
    private let pending = Mutex<[AccessRecord]>([])
    /// The file's path.
    public let path: String

    /// Opens (creating with mode 0600) the log for appending.
    ///
    /// - Parameter path: the file.
    /// - Throws: ``ServerError/unwritable(path:reason:)`` when it cannot be opened.
    public init(path: String) throws(ServerError) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw .unwritable(path: path, reason: String(cString: strerror(errno))) }
        descriptor = fd
        self.path = path
    }

    deinit { close(descriptor) }

    /// Queues a record; it reaches the file with the next batch.
    ///
    /// - Parameter record: the record.
    public func record(_ record: AccessRecord) {
        pending.withLock { $0.append(record) }
    }

    /// Writes every queued record now.
    public func flush() {
        let batch = pending.withLock { lines -> [AccessRecord] in
            let taken = lines
            lines.removeAll(keepingCapacity: true)
            return taken
        }
        guard !batch.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bytes: [UInt8] = []
        for record in batch {
            guard let line = try? encoder.encode(record) else { continue }
            bytes.append(contentsOf: line)
            bytes.append(UInt8(ascii: "\n"))
        }
        var offset = 0
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            while offset < buffer.count {
                let written = write(descriptor, base + offset, buffer.count - offset)
                if written <= 0 { if errno == EINTR { continue }; break }
                offset += written
            }
        }
    }

    /// Writes batches until graceful shutdown, then the last batch.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.flushInterval)
                self.flush()
            }
        }
        flush()
    }
}

/// A per-token request budget: a token bucket of ``burst`` requests refilled at ``ratePerSecond``.
///
/// ```swift
/// let limiter = RateLimiter(ratePerSecond: 100, burst: 200)
/// limiter.acquire(key: identity.tokenID)   // nil, or the seconds to wait
/// ```
public final class RateLimiter: Sendable {
    /// Requests per second refilled.
    public let ratePerSecond: Double
    /// The bucket's size.
    public let burst: Double
    /// The most tokens tracked at once (older full buckets are dropped beyond it).
    public static let maximumKeys = 100_000
    private let buckets = Mutex<[String: (tokens: Double, stamp: ContinuousClock.Instant)]>([:])

    /// Creates a limiter.
    ///
    /// - Parameters:
    ///   - ratePerSecond: the refill rate.
    ///   - burst: the bucket's size.
    public init(ratePerSecond: Double, burst: Double) {
        self.ratePerSecond = ratePerSecond
        self.burst = max(1, burst)
    }

    /// Takes one request from `key`'s bucket.
    ///
    /// - Parameter key: the token's id.
    /// - Returns: `nil` when allowed, else the whole seconds until a request is allowed again.
    public func acquire(key: String, now: ContinuousClock.Instant = .now) -> Int? {
        buckets.withLock { buckets -> Int? in
            if buckets.count >= Self.maximumKeys { buckets.removeAll(keepingCapacity: true) }
            var bucket = buckets[key] ?? (tokens: burst, stamp: now)
            let elapsed = now - bucket.stamp
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(burst, bucket.tokens + max(0, seconds) * ratePerSecond)
            bucket.stamp = now
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                buckets[key] = bucket
                return nil
            }
            buckets[key] = bucket
            return max(1, Int(((1 - bucket.tokens) / max(ratePerSecond, 1e-9)).rounded(.up)))
        }
    }
}
