import Crypto
import Foundation
import HeatEnvelope
import Logging
import ServiceLifecycle
import Synchronization

/// One line of the server's access log: who asked for what and what the server answered.
///
/// The line never holds a token, a query string or a client identifier: the path only, the role,
/// the token's subject and id, the status and, for refusals, the stable error code.
///
/// Lines written by this version are hash-chained: ``seq`` numbers them from 1, ``prev`` is the
/// ``hash`` of the line before (64 zeros for the first) and ``hash`` is SHA-256 of `prev` and the
/// line's own JSON without `hash` (``AccessLogChain``). Lines of older versions have none of the
/// three and are reported as unchained by ``AccessLogVerifier``.
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
    /// The line's position in the chain (1, 2, …), set when the line is written.
    public var seq: Int? = nil
    /// The previous line's ``hash`` (64 zeros for the first line of a chain).
    public var prev: String? = nil
    /// SHA-256 (hex) of ``prev`` and this line's JSON without `hash`.
    public var hash: String? = nil
    /// On a gap record (``outcome`` `gap`): how many lines were lost before it.
    public var dropped: Int? = nil
    /// On a gap record: why the lines were lost, and the times of the first and last of them.
    public var reason: String? = nil

    /// The ``outcome`` of a gap record: a chained line the server writes in place of lines it
    /// had to drop (the queue was full while the file could not be written), so the loss is in
    /// the chain and `heatctl serve verify-log` reports it.
    public static let gapOutcome = "gap"
}

/// The hash chain of the access log and the HMAC of its signed head.
///
/// `hash(n) = SHA-256(prev(n) || "\n" || JSON(line n without hash))` with the JSON encoded with
/// sorted keys, so editing any field of a line, deleting a line or swapping two lines breaks
/// the chain at a line ``AccessLogVerifier`` names. Deleting the last lines is caught by the head
/// file (`<log>.head`): the last `seq` and `hash`, written after every batch and authenticated
/// with an HMAC-SHA256 key derived (HKDF) from the server's own token key.
public enum AccessLogChain {
    /// The `prev` of the first line of a chain.
    public static let genesis = String(repeating: "0", count: 64)
    /// The head file's schema.
    public static let headSchema = "customerheat.access-log-head/1"

    nonisolated(unsafe) static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// The chained hash of `record` (its own `hash` field ignored) after `prev`.
    ///
    /// - Parameters:
    ///   - record: the line.
    ///   - prev: the previous line's hash.
    /// - Returns: the hex digest.
    public static func hash(of record: AccessRecord, prev: String) -> String {
        var unsigned = record
        unsigned.hash = nil
        let body = (try? encoder.encode(unsigned)) ?? Data()
        var hasher = SHA256()
        hasher.update(data: Array(prev.utf8))
        hasher.update(data: [UInt8(ascii: "\n")])
        hasher.update(data: body)
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// The head key: HKDF-SHA256 of the token key's secret, so the head is signed with the
    /// server's own key and nothing else (never a key of the bank's role folders).
    ///
    /// - Parameter key: a token key of the server.
    /// - Returns: the HMAC key.
    public static func headKey(from key: TokenKey) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: key.secret), salt: Data(headSchema.utf8),
                               info: Data("access-log head".utf8), outputByteCount: 32)
    }

    /// The head's MAC over its fields.
    static func mac(seq: Int, hash: String, keyID: String, time: String, key: SymmetricKey) -> String {
        let text = "\(headSchema)\n\(seq)\n\(hash)\n\(keyID)\n\(time)"
        return Data(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key)).map { String(format: "%02x", $0) }.joined()
    }

    /// The signed head of the log: its last line's position and hash.
    public struct Head: Sendable, Codable, Equatable {
        /// ``AccessLogChain/headSchema``.
        public var schema: String
        /// The last line's ``AccessRecord/seq``.
        public var seq: Int
        /// The last line's ``AccessRecord/hash``.
        public var hash: String
        /// The id of the token key whose derived key made ``mac``.
        public var keyID: String
        /// When the head was written.
        public var time: String
        /// HMAC-SHA256 (hex) of the fields above.
        public var mac: String
    }
}

/// The access log's timestamps: `Date.formatted(.iso8601)` (`2026-11-30T12:00:00Z`, whole
/// seconds), formatted once per second rather than once per request (the formatter was a
/// visible share of each request's time under load).
enum AccessTime {
    private static let cache = Mutex<(second: Int64, text: String)>((Int64.min, ""))

    /// The current time as the access log writes it.
    static func now() -> String { string(for: Date()) }

    /// `date` as the access log writes it (the same text as `date.formatted(.iso8601)`).
    static func string(for date: Date) -> String {
        let second = Int64(date.timeIntervalSince1970.rounded(.down))
        if let hit = cache.withLock({ $0.second == second ? $0.text : nil }) { return hit }
        let text = Date(timeIntervalSince1970: TimeInterval(second)).formatted(.iso8601)
        cache.withLock { $0 = (second, text) }
        return text
    }
}

/// The append-only, hash-chained access log: every access and every refusal, written as JSON
/// Lines in batches (group commits) so that auditing does not cap throughput.
///
/// The server holds no store (`DESIGN.md` section 1: it holds released documents only), so its
/// audit trail is this file, opened with `O_APPEND` and mode 0600; ``record(_:)`` only appends to
/// an in-memory batch, and the service's `run()` has a thread of its own (off the cooperative
/// pool) write the batch every ``flushInterval``, and writes it once more on graceful shutdown. Each line is chained to the one before (``AccessLogChain``);
/// after each batch the signed head (`<log>.head`) is replaced atomically.
///
/// A failed write is never dropped silently: the batch stays queued (up to ``maximumPending``
/// lines; lines beyond are counted in ``droppedLines``), ``failedWrites`` counts the failure,
/// ``isHealthy`` turns false (so `/readyz` answers 503 `audit_unavailable`) until a write
/// succeeds again, and `/metrics` shows both counters.
///
/// ```swift
/// let log = try AccessLog(path: "access.log", headKey: AccessLogChain.headKey(from: key), keyID: key.keyID)
/// log.record(record)
/// log.flush()
/// ```
public final class AccessLog: Service, Sendable {
    /// The longest a line waits in memory.
    public static let flushInterval: Duration = .milliseconds(200)
    /// The default most lines held in memory while the file cannot be written.
    public static let defaultMaximumPending = 100_000
    /// The most lines held in memory while the file cannot be written; beyond, the oldest are
    /// dropped, counted, and recorded by a gap record in the chain once a write succeeds.
    public let maximumPending: Int

    struct State {
        var pending: [AccessRecord] = []
        var seq = 0
        var last = AccessLogChain.genesis
        var failedWrites = 0
        var droppedLines = 0
        var healthy = true
        var tornWrite = false
        /// The head does not authenticate the file's tail: nothing is written over it.
        var sealed = false
        /// Lines dropped since the last gap record (written before the next batch).
        var unrecordedDrops = 0
        /// The times of the first and last of those lines.
        var firstDropped: String?
        var lastDropped: String?
        /// Fault injection for tests: the next writes that fail as if the disk were full.
        var failNextWrites = 0
        /// Fault injection for tests: the next write stops after this many bytes (a short write).
        var shortNextWrite: Int?
    }

    private let descriptor: Int32
    private let state = Mutex(State())
    private let writing = Mutex(())
    /// The head's signing key and its id; replaced when the revocation list changes
    /// (``replaceHeadKey(_:)``). `withdrawn`: every generation is revoked, no head is signed.
    private struct HeadSigner {
        var key: SymmetricKey?
        var keyID: String
        var withdrawn = false
    }
    private let signer: Mutex<HeadSigner>
    /// The file's path.
    public let path: String
    /// The signed head's path (`<path>.head`).
    public let headPath: String
    /// Bytes of a torn last line (a crash in the middle of a write) cut at open.
    public let cutBytes: Int
    /// Why the log was not continued at open (its head does not authenticate its tail), if so:
    /// nothing is written over such a log and ``isHealthy`` stays false.
    public let sealedReason: String?
    private let logger: Logger?

    /// Opens (creating with mode 0600) the log for appending and continues the chain of its last
    /// line.
    ///
    /// - Parameters:
    ///   - path: the file.
    ///   - headKey: the key of the signed head (``AccessLogChain/headKey(from:)``); `nil` writes no head.
    ///   - keyID: the token key id named in the head.
    ///   - headPath: where the head goes (default `<path>.head`).
    ///   - verificationKeys: the server's other token keys, to check a head an earlier
    ///     generation signed.
    ///   - logger: where the cut of a torn line, a head that does not authenticate the log and
    ///     each batch's head are logged.
    ///   - maximumPending: the most lines held in memory while the file cannot be written.
    /// - Throws: ``ServerError/unwritable(path:reason:)`` when it cannot be opened.
    ///
    /// At open, a torn last line (no final newline: a crash in the middle of a write) is cut
    /// back to the last newline, so the file keeps verifying. With a head key, the file's tail
    /// must be within the existing signed head's reach (the head's line, then a chain to the
    /// end); otherwise the log is sealed: unhealthy, and nothing is written over it.
    public init(path: String, headKey: SymmetricKey? = nil, keyID: String = "", headPath: String? = nil,
                verificationKeys: [TokenKey] = [], logger: Logger? = nil, maximumPending: Int = AccessLog.defaultMaximumPending) throws(ServerError) {
        self.maximumPending = max(1, maximumPending)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw .unwritable(path: path, reason: String(cString: strerror(errno))) }
        descriptor = fd
        self.path = path
        let headFile = headPath ?? path + ".head"
        self.headPath = headFile
        self.signer = Mutex(HeadSigner(key: headKey, keyID: keyID))
        self.logger = logger
        let cut = Self.cutTornTail(path: path)
        guard cut >= 0 else {
            close(fd)
            throw .unwritable(path: path, reason: "the torn last line could not be cut: \(String(cString: strerror(errno)))")
        }
        cutBytes = cut
        if cut > 0 {
            logger?.warning("access log: cut a torn last line (a crash in the middle of a write)", metadata: ["bytes": "\(cut)", "path": "\(path)"])
        }
        var lastSeq = 0
        var lastHash = AccessLogChain.genesis
        if let last = Self.lastLine(of: path),
           let record = try? JSONDecoder().decode(AccessRecord.self, from: Data(last.utf8)),
           let seq = record.seq, let hash = record.hash {
            lastSeq = seq
            lastHash = hash
        }
        var sealed: String?
        if let headKey {
            var keys: [String: SymmetricKey] = [keyID: headKey]
            for key in verificationKeys where keys[key.keyID] == nil { keys[key.keyID] = AccessLogChain.headKey(from: key) }
            sealed = Self.headProblem(path: path, headPath: headFile, lastSeq: lastSeq, lastHash: lastHash, keys: keys)
        }
        sealedReason = sealed
        if let sealed {
            logger?.error("access log: the signed head does not authenticate the log's tail; nothing will be written over it (readyz 503 audit_unavailable)",
                          metadata: ["path": "\(path)", "reason": "\(sealed)"])
        }
        state.withLock {
            $0.seq = lastSeq
            $0.last = lastHash
            if sealed != nil { $0.sealed = true; $0.healthy = false }
        }
    }

    /// Cuts the file at `path` back to its last newline (a torn last line); returns the bytes
    /// cut, or -1 when the file cannot be read or cut. A missing file has nothing to cut.
    static func cutTornTail(path: String) -> Int {
        let fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return errno == ENOENT ? 0 : -1 }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return -1 }
        let size = Int(info.st_size)
        guard size > 0 else { return 0 }
        var end = size
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var keep = 0
        search: while end > 0 {
            let start = max(0, end - chunk.count)
            let count = end - start
            let read = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(start)) }
            guard read == count else { return -1 }
            if end == size && chunk[count - 1] == UInt8(ascii: "\n") { return 0 }
            for index in stride(from: count - 1, through: 0, by: -1) where chunk[index] == UInt8(ascii: "\n") {
                keep = start + index + 1
                break search
            }
            end = start
        }
        guard ftruncate(fd, off_t(keep)) == 0, fsync(fd) == 0 else { return -1 }
        return size - keep
    }

    /// Why the head at `headPath` does not authenticate the log's tail, or `nil` when it does
    /// (or when there is neither a head nor a chained line).
    static func headProblem(path: String, headPath: String, lastSeq: Int, lastHash: String, keys: [String: SymmetricKey]) -> String? {
        guard let data = FileManager.default.contents(atPath: headPath) else {
            return lastSeq == 0 ? nil : "the log has chained lines but its signed head is missing"
        }
        guard let head = try? JSONDecoder().decode(AccessLogChain.Head.self, from: data), head.schema == AccessLogChain.headSchema else {
            return "the head file is not a signed head"
        }
        guard let key = keys[head.keyID] else { return "the head is signed with key \(head.keyID), which is not one of the server's" }
        guard AccessLogChain.mac(seq: head.seq, hash: head.hash, keyID: head.keyID, time: head.time, key: key) == head.mac else {
            return "the head's MAC does not verify"
        }
        if lastSeq == head.seq { return lastHash == head.hash ? nil : "the last line is not the head's line (the end of the log was replaced)" }
        guard lastSeq > head.seq else { return "the head records \(head.seq) lines, the log ends at \(lastSeq) (lines cut at the end)" }
        // Lines written after the head (a crash before the head was replaced): the head's line
        // must be in the tail, and the chain must run from it to the end.
        guard let handle = FileHandle(forReadingAtPath: path) else { return "the log cannot be read" }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd() else { return "the log cannot be read" }
        let reach: UInt64 = 4 << 20
        try? handle.seek(toOffset: size > reach ? size - reach : 0)
        guard let tail = try? handle.readToEnd() else { return "the log cannot be read" }
        let decoder = JSONDecoder()
        var seq: Int?
        var last = ""
        for raw in tail.split(separator: UInt8(ascii: "\n")) {
            guard let record = try? decoder.decode(AccessRecord.self, from: Data(raw)), let lineSeq = record.seq,
                  let prev = record.prev, let hash = record.hash else { continue }
            if let current = seq {
                guard lineSeq == current + 1, prev == last, AccessLogChain.hash(of: record, prev: prev) == hash else {
                    return "the lines after the head's line do not chain (line seq \(lineSeq))"
                }
                seq = lineSeq
                last = hash
            } else if lineSeq == head.seq {
                guard hash == head.hash else { return "the head's line (seq \(head.seq)) does not carry the head's hash" }
                seq = lineSeq
                last = hash
            }
        }
        guard seq == lastSeq else { return "the head's line (seq \(head.seq)) is not within reach of the log's end" }
        return nil
    }

    deinit { close(descriptor) }

    /// The last complete line of a file (read from its last 64 KiB), if any.
    static func lastLine(of path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let end = try? handle.seekToEnd(), end > 0 else { return nil }
        let start = end > 65_536 ? end - 65_536 : 0
        try? handle.seek(toOffset: start)
        guard let data = try? handle.readToEnd() else { return nil }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
        return lines.last.map(String.init)
    }

    /// Queues a record; it reaches the file with the next batch.
    ///
    /// - Parameter record: the record.
    public func record(_ record: AccessRecord) {
        let limit = maximumPending
        state.withLock { state in
            if state.pending.count >= limit { Self.drop(state.pending.count - limit + 1, from: &state) }
            state.pending.append(record)
        }
    }

    /// Drops the `count` oldest queued lines, counting them for the next gap record.
    static func drop(_ count: Int, from state: inout State) {
        guard count > 0 else { return }
        let lost = state.pending.prefix(count)
        if state.unrecordedDrops == 0 { state.firstDropped = lost.first?.time }
        state.lastDropped = lost.last?.time ?? state.lastDropped
        state.pending.removeFirst(min(count, state.pending.count))
        state.droppedLines += count
        state.unrecordedDrops += count
        state.healthy = false
    }

    /// Makes the next `count` writes fail as if the disk were full (tests).
    func failNextWrites(_ count: Int) {
        state.withLock { $0.failNextWrites = count }
    }

    /// Makes the next write stop after `bytes` bytes, as a disk that fills up mid-write (tests).
    func shortenNextWrite(to bytes: Int) {
        state.withLock { $0.shortNextWrite = bytes }
    }

    /// The gap record written before the next batch for lines dropped since the last one.
    static func gapRecord(dropped: Int, first: String?, last: String?, failedWrites: Int, limit: Int) -> AccessRecord {
        var record = AccessRecord(time: Date().formatted(.iso8601), outcome: AccessRecord.gapOutcome, method: "-", path: "-", status: 0,
                                  code: nil, role: nil, subject: nil, tokenID: nil, micros: 0)
        record.dropped = dropped
        record.reason = "the queue held \(limit) lines while the log could not be written (\(failedWrites) failed writes so far); "
            + "the \(dropped) oldest queued lines were dropped (requests from \(first ?? "?") to \(last ?? "?"))"
        return record
    }

    /// Whether the last write succeeded and every lost line is recorded by a gap record in the
    /// chain (`/readyz` answers 503 otherwise).
    public var isHealthy: Bool { state.withLock { $0.healthy } }
    /// Batches that could not be written (kept queued and retried).
    public var failedWrites: Int { state.withLock { $0.failedWrites } }
    /// Lines dropped because the queue was full while the file could not be written (each loss
    /// is recorded in the chain by a gap record once a write succeeds).
    public var droppedLines: Int { state.withLock { $0.droppedLines } }
    /// Lines written so far in the current chain (the last ``AccessRecord/seq``).
    public var lastSequence: Int { state.withLock { $0.seq } }

    /// Writes every queued record now, chained, then the signed head. On failure the batch stays
    /// queued for the next attempt and the log turns unhealthy.
    public func flush() {
        writing.withLock { _ in
            let limit = maximumPending
            let (batch, startSeq, startHash, torn, gap, failNow, shortWrite) = state.withLock { state -> ([AccessRecord], Int, String, Bool, AccessRecord?, Bool, Int?) in
                let taken = state.pending
                state.pending.removeAll(keepingCapacity: true)
                let gap = state.unrecordedDrops > 0
                    ? Self.gapRecord(dropped: state.unrecordedDrops, first: state.firstDropped, last: state.lastDropped,
                                     failedWrites: state.failedWrites, limit: limit)
                    : nil
                let failNow = state.failNextWrites > 0
                if failNow { state.failNextWrites -= 1 }
                let shortWrite = state.shortNextWrite
                state.shortNextWrite = nil
                return (taken, state.seq, state.last, state.tornWrite, gap, failNow, shortWrite)
            }
            guard !batch.isEmpty || gap != nil else { return }
            if sealedReason != nil {
                // The head does not authenticate the file: write nothing over it. The lines stay
                // queued (up to maximumPending) for the operator to see in the metrics.
                state.withLock { state in
                    state.pending.insert(contentsOf: batch, at: 0)
                    Self.drop(state.pending.count - limit, from: &state)
                }
                return
            }
            var seq = startSeq
            var last = startHash
            var bytes: [UInt8] = torn ? [UInt8(ascii: "\n")] : []
            // Lines lost since the last batch: a gap record in their place, before the batch.
            for var record in (gap.map { [$0] } ?? []) + batch {
                seq += 1
                record.seq = seq
                record.prev = last
                record.hash = AccessLogChain.hash(of: record, prev: last)
                last = record.hash ?? last
                guard let line = try? AccessLogChain.encoder.encode(record) else { continue }
                bytes.append(contentsOf: line)
                bytes.append(UInt8(ascii: "\n"))
            }
            // The file's size before the write: a short write (disk full) is cut back to it, so
            // the retry writes the same lines after the last whole one and the chain stays
            // verifiable. Only if that cut fails is the fragment left, and ended by a newline.
            var before = stat()
            let sizeKnown = fstat(descriptor, &before) == 0
            let written: Int
            if failNow {
                written = 0
            } else if let shortWrite {
                written = Self.writeAll(descriptor, Array(bytes.prefix(max(0, min(shortWrite, bytes.count - 1)))))
            } else {
                written = Self.writeAll(descriptor, bytes)
            }
            guard written == bytes.count else {
                let cut = written > 0 && sizeKnown && ftruncate(descriptor, before.st_size) == 0
                state.withLock { state in
                    state.pending.insert(contentsOf: batch, at: 0)
                    state.failedWrites += 1
                    state.healthy = false
                    if written > 0 && !cut { state.tornWrite = true }
                    Self.drop(state.pending.count - limit, from: &state)
                }
                return
            }
            // The lines reach the disk before the head that names them.
            let synced = fsync(descriptor) == 0
            let headOK = synced && writeHead(seq: seq, hash: last)
            state.withLock { state in
                state.seq = seq
                state.last = last
                state.tornWrite = false
                if let dropped = gap?.dropped {
                    // The gap is in the chain now; lines dropped meanwhile wait for the next one.
                    state.unrecordedDrops -= dropped
                    if state.unrecordedDrops == 0 { state.firstDropped = nil; state.lastDropped = nil }
                }
                if headOK {
                    state.healthy = state.unrecordedDrops == 0
                } else {
                    state.failedWrites += 1
                    state.healthy = false
                }
            }
        }
    }

    /// Writes `bytes` fully, retrying on `EINTR`; returns the bytes written.
    static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Int {
        var offset = 0
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            while offset < buffer.count {
                let written = write(descriptor, base + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { return }
                offset += written
            }
        }
        return offset
    }

    /// Replaces the signed head atomically (write then rename); `true` when it worked or no head
    /// key was given.
    func writeHead(seq: Int, hash: String) -> Bool {
        let current = signer.withLock { $0 }
        guard !current.withdrawn else { return false }
        guard let headKey = current.key else { return true }
        let keyID = current.keyID
        let time = Date().formatted(.iso8601)
        let head = AccessLogChain.Head(schema: AccessLogChain.headSchema, seq: seq, hash: hash, keyID: keyID, time: time,
                                       mac: AccessLogChain.mac(seq: seq, hash: hash, keyID: keyID, time: time, key: headKey))
        guard let data = try? AccessLogChain.encoder.encode(head) else { return false }
        let temporary = headPath + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return false }
        let bytes = Array(data) + [UInt8(ascii: "\n")]
        let written = Self.writeAll(fd, bytes)
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced else { return false }
        guard rename(temporary, headPath) == 0 else { return false }
        // Also through swift-log, so a copy of every head leaves the machine with the logs: an
        // old head put back with a log cut to match can then be told from the latest one.
        logger?.info("access log head", metadata: ["seq": "\(seq)", "hash": "\(hash)", "keyID": "\(keyID)", "time": "\(time)", "mac": "\(head.mac)"])
        return true
    }

    /// The key id the next head is signed with (`nil` when no head is signed).
    public var headKeyID: String? {
        signer.withLock { $0.withdrawn || $0.key == nil ? nil : $0.keyID }
    }

    /// Signs the heads with `key` from now on (the newest generation still not revoked, after the
    /// revocation list changed) and re-signs the current head with it at once, so no head stays
    /// signed by a revoked generation; `nil` (every generation revoked) signs no more heads and
    /// turns the log unhealthy (`/readyz` 503). A log that writes no head is left as it is.
    public func replaceHeadKey(_ key: TokenKey?) {
        writing.withLock { _ in
            let changed = signer.withLock { signer -> Bool in
                guard signer.key != nil else { return false }
                guard let key else {
                    defer { signer.withdrawn = true }
                    return !signer.withdrawn
                }
                guard signer.withdrawn || signer.keyID != key.keyID else { return false }
                signer = HeadSigner(key: AccessLogChain.headKey(from: key), keyID: key.keyID)
                return true
            }
            guard changed, sealedReason == nil else { return }
            let (seq, last) = state.withLock { ($0.seq, $0.last) }
            let headOK = key != nil && (seq == 0 || writeHead(seq: seq, hash: last))
            // A failure turns the log unhealthy; health returns with the next batch written.
            if !headOK {
                state.withLock { state in
                    if key != nil { state.failedWrites += 1 }
                    state.healthy = false
                }
            }
        }
    }

    /// Writes batches until graceful shutdown, then the last batch.
    ///
    /// The batches are written (write, then `fsync`, then the signed head) by a thread of the
    /// log's own (``AccessLogFlusher``) every ``flushInterval``, never on the cooperative pool:
    /// a slow disk cannot hold a pool thread the server's request handling needs, and a pool held
    /// by synchronous work cannot delay the audit trail.
    public func run() async throws {
        let flusher = AccessLogFlusher(interval: Self.flushInterval) { [self] in self.flush() }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3_600)) }
        }
        await flusher.stop()
        flush()
    }
}

/// The access log's writer thread: calls `flush` every `interval` on a thread of its own (named
/// `heat-access-log`) until ``stop()``, which returns once the thread has finished its last call.
final class AccessLogFlusher: @unchecked Sendable {
    // State guarded by `condition`.
    private let condition = NSCondition()
    private var stopping = false
    private var stopped = false
    private var onStopped: (@Sendable () -> Void)?

    /// Starts the thread.
    init(interval: Duration, flush: @escaping @Sendable () -> Void) {
        let seconds = max(0.001, Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18)
        let thread = Thread { [self] in
            condition.lock()
            while !stopping {
                _ = condition.wait(until: Date().addingTimeInterval(seconds))
                if stopping { break }
                condition.unlock()
                flush()
                condition.lock()
            }
            stopped = true
            let done = onStopped
            onStopped = nil
            condition.unlock()
            done?()
        }
        thread.name = "heat-access-log"
        thread.start()
    }

    /// Stops the thread; returns after its current flush, if any, has finished.
    func stop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            if stopped {
                condition.unlock()
                continuation.resume()
                return
            }
            onStopped = { continuation.resume() }
            stopping = true
            condition.signal()
            condition.unlock()
        }
    }
}

/// Why an access log does not verify (`heatctl serve verify-log`). Every case names the file and,
/// for a line, its number (1-based) and the field at fault.
public enum AccessLogError: ClassifiedError, Equatable {
    /// The log (or its head) cannot be read (exit 66).
    case unreadable(path: String, reason: String)
    /// A line breaks the chain: edited, deleted, inserted or moved (exit 1, an integrity violation).
    case brokenChain(path: String, line: Int, field: String, reason: String)
    /// The signed head does not match the log or its MAC does not verify (exit 1).
    case badHead(path: String, field: String, reason: String)
    /// The server recorded lost lines (a gap record: the queue overflowed while the file could
    /// not be written) and gaps were not allowed (exit 1).
    case gap(path: String, line: Int, dropped: Int, reason: String)
    /// Lines without a place in the chain before its first line (an earlier version's lines, or
    /// lines put there) and such a prefix was not allowed (exit 1).
    case unchainedPrefix(path: String, line: Int)

    /// The category that decides the exit code.
    public var category: ErrorCategory {
        switch self {
        case .unreadable: .noInput
        case .brokenChain, .badHead, .gap, .unchainedPrefix: .integrityViolation
        }
    }

    /// A one-line description naming the file, line and field at fault.
    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): cannot be read: \(reason)"
        case .brokenChain(let path, let line, let field, let reason): "\(path):\(line): field \(field): \(reason)"
        case .badHead(let path, let field, let reason): "\(path): field \(field): \(reason)"
        case .gap(let path, let line, let dropped, let reason):
            "\(path):\(line): field dropped: the server lost \(dropped) lines here: \(reason)"
        case .unchainedPrefix(let path, let line):
            "\(path):\(line): field seq: an unchained line before the chain (no seq, prev, hash): nothing proves it was written by the server or that lines around it are complete"
        }
    }

    /// A suggestion for the operator.
    public var hint: String? {
        switch self {
        case .unreadable: "give the access log the server wrote (--access-log) and its token-keys folder"
        case .brokenChain, .badHead: "the access log was altered after the server wrote it: keep this copy as evidence and restore the log from a backup"
        case .gap: "the log is authentic but incomplete (the disk was full or failing); pass --allow-gaps to accept recorded gaps and have them counted"
        case .unchainedPrefix: "lines of an earlier server version start the log; pass --allow-unchained-prefix to accept them and have them counted"
        }
    }
}

/// Checks an access log's hash chain and signed head.
///
/// ```swift
/// let report = try AccessLogVerifier.verify(path: "access.log", keys: [try TokenKey.load(fromFolder: "token-keys")])
/// print(report.chained, report.unchained)
/// ```
public enum AccessLogVerifier {
    /// What a verified log holds.
    public struct Report: Sendable, Equatable {
        /// Lines checked in the chain.
        public var chained: Int
        /// Lines of older versions (before the first chained line), not covered by the chain.
        public var unchained: Int
        /// Whether a signed head was found and verified.
        public var headVerified: Bool
        /// The gap records found (with `allowGaps`): where the server lost lines, and why.
        public var gaps: [Gap] = []

        /// A gap record: lines the server lost and recorded in the chain.
        public struct Gap: Sendable, Equatable {
            /// The gap record's line number (1-based).
            public var line: Int
            /// How many lines were lost.
            public var dropped: Int
            /// The server's reason.
            public var reason: String
        }

        /// The lines lost in all gaps.
        public var droppedLines: Int { gaps.reduce(0) { $0 + $1.dropped } }
    }

    /// Verifies the log at `path` and its head at `headPath` (default `<path>.head`).
    ///
    /// - Parameters:
    ///   - path: the access log.
    ///   - keys: the server's token keys (the head names the one it was signed with).
    ///   - headPath: the head file.
    ///   - requireHead: refuse a log without a head (the default).
    ///   - allowUnchainedPrefix: accept (and count) lines without `seq` / `prev` / `hash` before the
    ///     first chained line, written by an earlier version; by default they are a violation,
    ///     since nothing proves who wrote them.
    ///   - allowGaps: accept (and list) gap records, where the server recorded lines it lost;
    ///     by default a gap is a violation: the log is authentic but incomplete.
    ///   - revokedKids: key generations revoked in `revoked.json`: a head signed by one of them
    ///     is refused (field `keyID`).
    /// - Returns: the counts.
    /// - Throws: ``AccessLogError`` naming the first line or field at fault.
    public static func verify(path: String, keys: [TokenKey], headPath: String? = nil, requireHead: Bool = true,
                              allowUnchainedPrefix: Bool = false, allowGaps: Bool = false,
                              revokedKids: Set<String> = []) throws(AccessLogError) -> Report {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(path: path, reason: "no such file or not readable")
        }
        let decoder = JSONDecoder()
        var chained = 0
        var unchained = 0
        var seq = 0
        var last = AccessLogChain.genesis
        var lineNumber = 0
        var gaps: [Report.Gap] = []
        for raw in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if raw.isEmpty { continue }
            guard let record = try? decoder.decode(AccessRecord.self, from: Data(raw)) else {
                throw .brokenChain(path: path, line: lineNumber, field: "(line)", reason: "not an access record (torn or edited)")
            }
            guard let lineSeq = record.seq, let prev = record.prev, let hash = record.hash else {
                guard chained == 0 else {
                    throw .brokenChain(path: path, line: lineNumber, field: "seq", reason: "an unchained line after the chain started (inserted)")
                }
                guard allowUnchainedPrefix else { throw .unchainedPrefix(path: path, line: lineNumber) }
                unchained += 1
                continue
            }
            if chained > 0 && lineSeq == 1 && prev == AccessLogChain.genesis {
                throw .brokenChain(path: path, line: lineNumber, field: "seq", reason: "a new chain starts inside the log (a previous server lost its place; lines before may be missing)")
            }
            guard lineSeq == seq + 1 else {
                throw .brokenChain(path: path, line: lineNumber, field: "seq",
                                   reason: "expected \(seq + 1), found \(lineSeq) (\(lineSeq > seq + 1 ? "lines deleted before it" : "lines reordered or repeated"))")
            }
            guard prev == last else {
                throw .brokenChain(path: path, line: lineNumber, field: "prev", reason: "does not name the previous line's hash (a line before it was changed, deleted or moved)")
            }
            guard AccessLogChain.hash(of: record, prev: prev) == hash else {
                throw .brokenChain(path: path, line: lineNumber, field: "hash", reason: "the line's content does not match its hash (edited)")
            }
            // The hash covers the decoded record: the raw line must be exactly its encoding, so
            // an added, duplicated or reordered key (invisible to the decoder) is caught too.
            guard let canonical = try? AccessLogChain.encoder.encode(record), canonical.elementsEqual(raw) else {
                throw .brokenChain(path: path, line: lineNumber, field: "(line)",
                                   reason: "the line is not byte for byte the record the server wrote (a key added, duplicated or reordered)")
            }
            if record.outcome == AccessRecord.gapOutcome {
                let gap = Report.Gap(line: lineNumber, dropped: record.dropped ?? 0, reason: record.reason ?? "(no reason recorded)")
                guard allowGaps else { throw .gap(path: path, line: gap.line, dropped: gap.dropped, reason: gap.reason) }
                gaps.append(gap)
            }
            seq = lineSeq
            last = hash
            chained += 1
        }
        let headFile = headPath ?? path + ".head"
        guard let headData = FileManager.default.contents(atPath: headFile) else {
            if requireHead { throw .badHead(path: headFile, field: "(file)", reason: "missing: the log's signed head is required") }
            return Report(chained: chained, unchained: unchained, headVerified: false, gaps: gaps)
        }
        guard let head = try? decoder.decode(AccessLogChain.Head.self, from: headData) else {
            throw .badHead(path: headFile, field: "(file)", reason: "not a signed head")
        }
        guard head.schema == AccessLogChain.headSchema else {
            throw .badHead(path: headFile, field: "schema", reason: "expected \"\(AccessLogChain.headSchema)\"")
        }
        guard let key = keys.first(where: { $0.keyID == head.keyID }) else {
            throw .badHead(path: headFile, field: "keyID", reason: "signed with key \(head.keyID), which is not in the token-keys folder")
        }
        guard !revokedKids.contains(head.keyID) else {
            throw .badHead(path: headFile, field: "keyID", reason: "signed with key \(head.keyID), which is revoked in revoked.json")
        }
        let expected = AccessLogChain.mac(seq: head.seq, hash: head.hash, keyID: head.keyID, time: head.time, key: AccessLogChain.headKey(from: key))
        guard expected == head.mac else {
            throw .badHead(path: headFile, field: "mac", reason: "the head's MAC does not verify with key \(head.keyID)")
        }
        guard head.seq == seq else {
            throw .badHead(path: headFile, field: "seq", reason: "the head records \(head.seq) lines, the log's chain ends at \(seq) (\(head.seq > seq ? "lines deleted at the end" : "lines appended without the server"))")
        }
        guard head.hash == last else {
            throw .badHead(path: headFile, field: "hash", reason: "the head's hash is not the last line's hash (the end of the log was replaced)")
        }
        return Report(chained: chained, unchained: unchained, headVerified: true, gaps: gaps)
    }
}

/// A per-token request budget: a token bucket of ``burst`` requests refilled at ``ratePerSecond``.
///
/// At most ``maximumKeys`` buckets are tracked. When a new key arrives at the limit, buckets that
/// have refilled completely (equivalent to a fresh bucket, so forgetting them changes nothing)
/// are evicted first, then the least recently used; a spent bucket in use is never reset.
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
    /// The default most tokens tracked at once.
    public static let defaultMaximumKeys = 100_000
    /// The most tokens tracked at once.
    public let maximumKeys: Int
    private let buckets = Mutex<[String: (tokens: Double, stamp: ContinuousClock.Instant)]>([:])

    /// Creates a limiter.
    ///
    /// - Parameters:
    ///   - ratePerSecond: the refill rate.
    ///   - burst: the bucket's size.
    ///   - maximumKeys: the most buckets tracked at once.
    public init(ratePerSecond: Double, burst: Double, maximumKeys: Int = defaultMaximumKeys) {
        self.ratePerSecond = ratePerSecond
        self.burst = max(1, burst)
        self.maximumKeys = max(1, maximumKeys)
    }

    /// The number of buckets tracked.
    public var trackedKeys: Int { buckets.withLock { $0.count } }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Takes one request from `key`'s bucket.
    ///
    /// - Parameters:
    ///   - key: the token's id.
    ///   - now: the time of the request.
    /// - Returns: `nil` when allowed, else the whole seconds until a request is allowed again.
    public func acquire(key: String, now: ContinuousClock.Instant = .now) -> Int? {
        buckets.withLock { buckets -> Int? in
            if buckets[key] == nil && buckets.count >= maximumKeys { evict(&buckets, now: now) }
            var bucket = buckets[key] ?? (tokens: burst, stamp: now)
            let seconds = Self.seconds(now - bucket.stamp)
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

    /// Drops the buckets that have refilled completely; if none has, the least recently used
    /// tenth (at least one).
    private func evict(_ buckets: inout [String: (tokens: Double, stamp: ContinuousClock.Instant)], now: ContinuousClock.Instant) {
        let refillSeconds = burst / max(ratePerSecond, 1e-9)
        let full = buckets.filter { $0.value.tokens + Self.seconds(now - $0.value.stamp) * ratePerSecond >= burst }
        if !full.isEmpty && refillSeconds.isFinite {
            for key in full.keys { buckets[key] = nil }
            return
        }
        let count = max(1, buckets.count / 10)
        let oldest = buckets.sorted { $0.value.stamp < $1.value.stamp }.prefix(count)
        for (key, _) in oldest { buckets[key] = nil }
    }
}
