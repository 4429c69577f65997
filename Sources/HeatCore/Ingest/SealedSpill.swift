import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The compact key of one ingestion total (slot, ISO week, channel, direction), ordered either
/// by week first (the collector's order) or by slot first (the plaintext rows' order); channels
/// and directions are ranked by their raw values, so the order equals
/// ``IngestedBucketStream/weekOrder(_:_:)`` or ``IngestedBucketStream/slotOrder(_:_:)``.
struct SpillKey: Hashable, Comparable, Sendable {
    /// The week key (`year * 100 + week`) in week order, the slot in slot order.
    var first: Int64
    /// The slot in week order, the week key in slot order.
    var second: Int64
    /// The channel's rank among the channels' raw values.
    var channel: UInt8
    /// The direction's rank among the directions' raw values.
    var direction: UInt8

    static func < (a: SpillKey, b: SpillKey) -> Bool {
        (a.first, a.second, a.channel, a.direction) < (b.first, b.second, b.channel, b.direction)
    }

    /// Channels sorted by raw value (the rank is the index).
    static let channels = Channel.allCases.sorted { $0.rawValue < $1.rawValue }
    /// Directions sorted by raw value (the rank is the index).
    static let directions = Direction.allCases.sorted { $0.rawValue < $1.rawValue }
    static let channelRank = Dictionary(uniqueKeysWithValues: channels.enumerated().map { ($1, UInt8($0)) })
    static let directionRank = Dictionary(uniqueKeysWithValues: directions.enumerated().map { ($1, UInt8($0)) })

    /// The key of a total in the given order.
    init(slot: Int64, week: ISOWeek, channel: Channel, direction: Direction, bySlot: Bool) {
        let weekKey = Int64(week.year * 100 + week.week)
        first = bySlot ? slot : weekKey
        second = bySlot ? weekKey : slot
        self.channel = Self.channelRank[channel] ?? 0
        self.direction = Self.directionRank[direction] ?? 0
    }

    init(first: Int64, second: Int64, channel: UInt8, direction: UInt8) {
        self.first = first
        self.second = second
        self.channel = channel
        self.direction = direction
    }

    /// The total this key names, or `nil` for a key no total can have.
    func bucket(_ totals: SpillTotals, bySlot: Bool) -> IngestedBucket? {
        let slot = bySlot ? first : second
        let weekKey = bySlot ? second : first
        guard let week = ISOWeek(year: Int(weekKey / 100), week: Int(weekKey % 100)),
              Int(channel) < Self.channels.count, Int(direction) < Self.directions.count else { return nil }
        return IngestedBucket(
            slot: slot, week: week, channel: Self.channels[Int(channel)], direction: Self.directions[Int(direction)],
            events: totals.events, durationSeconds: totals.durationSeconds, replies: totals.replies)
    }
}

/// The counts of one ingestion total.
struct SpillTotals: Sendable, Equatable {
    var events: Int64 = 0
    var durationSeconds: Int64 = 0
    var replies: Int64 = 0

    mutating func add(durationSeconds seconds: Int64, reply: Bool) {
        events += 1
        durationSeconds += seconds
        if reply { replies += 1 }
    }

    mutating func add(_ other: SpillTotals) {
        events += other.events
        durationSeconds += other.durationSeconds
        replies += other.replies
    }
}

/// Records every byte a ``SealedSpill`` writes to its file (the tests' view of the disk, as an
/// attacker reading the collector's temporary directory would see it); `nil` outside tests.
final class SpillTap: @unchecked Sendable {
    /// Where one sealed chunk lies in the spill file.
    struct ChunkPlace: Sendable, Equatable {
        var run: Int
        var chunk: Int
        var offset: UInt64
        var length: Int
    }

    private let lock = NSLock()
    private var written: [UInt8] = []
    private var runCount = 0
    private var places: [ChunkPlace] = []
    /// Called once with the spill file's descriptor and its chunks after the last run was
    /// written and before anything is read back: the tests' attacker alters the file here.
    let beforeReading: (@Sendable (_ fileDescriptor: Int32, _ chunks: [ChunkPlace]) -> Void)?

    init(beforeReading: (@Sendable (_ fileDescriptor: Int32, _ chunks: [ChunkPlace]) -> Void)? = nil) {
        self.beforeReading = beforeReading
    }

    func record(_ bytes: some Sequence<UInt8>, newRun: Bool, place: ChunkPlace) {
        lock.lock()
        written.append(contentsOf: bytes)
        if newRun { runCount += 1 }
        places.append(place)
        lock.unlock()
    }

    /// Every chunk written, in order.
    var chunks: [ChunkPlace] {
        lock.lock()
        defer { lock.unlock() }
        return places
    }

    /// Every byte written to the spill files, in order.
    var bytes: [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        return written
    }

    /// The sorted runs written.
    var runs: Int {
        lock.lock()
        defer { lock.unlock() }
        return runCount
    }
}

/// An ingestion's spilled totals (issue 14, review s34 HIGH 1): sorted runs written to an
/// unlinked temporary file, every chunk sealed with AES-256-GCM under an **ephemeral** key made
/// for this ingestion and held only in memory (never written, gone with the process), then read
/// back by a k-way merge that adds up equal keys.
///
/// Nothing written to the disk is a plaintext per-client value: the file holds, per chunk, its
/// sealed records and the GCM tag (the record count and offsets stay in memory). A chunk's nonce is its run and chunk number
/// (unique under the key) and the same numbers are its associated data, so a chunk moved,
/// replayed or altered fails to open (exit 74, ``StoreIngestorError/spillUnreadable(reason:)``).
final class SealedSpill {
    /// Records per sealed chunk (at most 168 KiB of plaintext per chunk: 4,096 x 42 bytes).
    static let recordsPerChunk = 4096
    /// Bytes per encoded record: first and second key (8 + 8), channel and direction ranks (1 + 1),
    /// events, duration and replies (3 x 8).
    static let recordSize = 42

    private struct Chunk {
        var offset: UInt64
        var length: Int
        var records: Int
    }

    /// Whether keys are slot-first (the plaintext rows' order) or week-first (the collector's).
    let bySlot: Bool
    private let key = SymmetricKey(size: .bits256)
    private let handle: FileHandle
    /// The spill file's descriptor (the tests alter the file through it).
    let fileDescriptor: Int32
    private let path: String
    private var runs: [[Chunk]] = []
    private var end: UInt64 = 0
    private let tap: SpillTap?
    /// Distinct keys over all runs, counted by ``finish()``.
    private(set) var count = 0
    /// The sorted runs written.
    var runCount: Int { runs.count }

    /// Opens a new spill file in `directory` (`$TMPDIR` by default), readable by the owner only,
    /// and unlinks it at once: only this process's descriptor reaches it.
    ///
    /// - Throws: ``StoreIngestorError/spillUnreadable(reason:)`` when the file cannot be made.
    init(bySlot: Bool, directory: URL? = nil, tap: SpillTap? = nil) throws(StoreIngestorError) {
        self.bySlot = bySlot
        self.tap = tap
        let folder = directory ?? FileManager.default.temporaryDirectory
        let path = folder.appending(path: "heat-ingest-spill-\(UUID().uuidString)").path
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw .spillUnreadable(reason: "cannot create a temporary file in \(folder.path) (errno \(errno))")
        }
        unlink(path)
        self.path = folder.path
        self.fileDescriptor = fd
        self.handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    deinit { try? handle.close() }

    private func nonce(run: Int, chunk: Int) -> (nonce: AES.GCM.Nonce, data: [UInt8]) {
        var bytes = [UInt8](repeating: 0, count: 12)
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: run).littleEndian) { bytes.replaceSubrange(0..<4, with: $0) }
        withUnsafeBytes(of: UInt64(chunk).littleEndian) { bytes.replaceSubrange(4..<12, with: $0) }
        // 12 bytes is the GCM nonce size, so this cannot fail.
        return ((try? AES.GCM.Nonce(data: bytes)) ?? AES.GCM.Nonce(), Array("heat-spill-v1".utf8) + bytes)
    }

    /// Writes one sorted run (keys strictly increasing, each key once).
    ///
    /// - Parameter records: the run, sorted by key.
    /// - Throws: ``StoreIngestorError/spillUnreadable(reason:)`` when sealing or writing fails.
    func write(run records: [(key: SpillKey, value: SpillTotals)]) throws(StoreIngestorError) {
        guard !records.isEmpty else { return }
        let runIndex = runs.count
        var chunks: [Chunk] = []
        var plain = [UInt8]()
        plain.reserveCapacity(Self.recordsPerChunk * Self.recordSize)
        var start = 0
        while start < records.count {
            let stop = min(start + Self.recordsPerChunk, records.count)
            plain.removeAll(keepingCapacity: true)
            for (key, value) in records[start..<stop] {
                Self.append(key.first, to: &plain)
                Self.append(key.second, to: &plain)
                plain.append(key.channel)
                plain.append(key.direction)
                Self.append(value.events, to: &plain)
                Self.append(value.durationSeconds, to: &plain)
                Self.append(value.replies, to: &plain)
            }
            let (nonce, associated) = nonce(run: runIndex, chunk: chunks.count)
            // Only the ciphertext and the tag are written: the nonce is the run and chunk number.
            let sealed: Data
            do {
                let box = try AES.GCM.seal(plain, using: key, nonce: nonce, authenticating: associated)
                sealed = box.ciphertext + box.tag
            } catch {
                throw .spillUnreadable(reason: "sealing a chunk failed: \(error)")
            }
            do {
                try handle.seek(toOffset: end)
                try handle.write(contentsOf: sealed)
            } catch {
                throw .spillUnreadable(reason: "writing \(sealed.count) bytes to the temporary file in \(path) failed: \(error)")
            }
            tap?.record(sealed, newRun: chunks.isEmpty, place: .init(run: runIndex, chunk: chunks.count, offset: end, length: sealed.count))
            chunks.append(Chunk(offset: end, length: sealed.count, records: stop - start))
            end += UInt64(sealed.count)
            start = stop
        }
        runs.append(chunks)
    }

    /// Counts the distinct keys over all runs (one merge pass), for ``count``.
    ///
    /// - Throws: as ``merge(_:)``.
    func finish() throws {
        tap?.beforeReading?(fileDescriptor, tap?.chunks ?? [])
        var distinct = 0
        try merge { _, _ in distinct += 1 }
        count = distinct
    }

    /// Calls `body` once per distinct key, in key order, with the sum of its totals over all runs.
    ///
    /// - Parameter body: the work per total.
    /// - Throws: ``StoreIngestorError/spillUnreadable(reason:)`` for a chunk that does not open
    ///   (altered, moved, or the disk failed), or what `body` throws.
    func merge(_ body: (SpillKey, SpillTotals) throws -> Void) throws {
        var cursors: [Cursor] = []
        for (index, chunks) in runs.enumerated() {
            var cursor = Cursor(run: index, chunks: chunks)
            try load(&cursor)
            if cursor.current != nil { cursors.append(cursor) }
        }
        // A binary min-heap of cursor indices by current key.
        var heap = Array(cursors.indices)
        func less(_ a: Int, _ b: Int) -> Bool {
            guard let x = cursors[a].current?.key, let y = cursors[b].current?.key else { return cursors[a].current != nil }
            return x < y
        }
        func down(_ start: Int) {
            var index = start
            while true {
                let left = 2 * index + 1
                guard left < heap.count else { return }
                var smallest = left
                if left + 1 < heap.count, less(heap[left + 1], heap[left]) { smallest = left + 1 }
                guard less(heap[smallest], heap[index]) else { return }
                heap.swapAt(index, smallest)
                index = smallest
            }
        }
        for index in stride(from: heap.count / 2 - 1, through: 0, by: -1) { down(index) }
        var pending: (key: SpillKey, value: SpillTotals)?
        while let top = heap.first, let record = cursors[top].current {
            if pending?.key == record.key {
                pending?.value.add(record.value)
            } else {
                if let done = pending { try body(done.key, done.value) }
                pending = record
            }
            try advance(&cursors[top])
            if cursors[top].current == nil {
                heap.swapAt(0, heap.count - 1)
                heap.removeLast()
            }
            down(0)
        }
        if let done = pending { try body(done.key, done.value) }
    }

    private struct Cursor {
        var run: Int
        var chunks: [Chunk]
        var chunk = 0
        var records: [(key: SpillKey, value: SpillTotals)] = []
        var position = 0
        var current: (key: SpillKey, value: SpillTotals)? { position < records.count ? records[position] : nil }

        init(run: Int, chunks: [Chunk]) {
            self.run = run
            self.chunks = chunks
        }
    }

    private func advance(_ cursor: inout Cursor) throws(StoreIngestorError) {
        cursor.position += 1
        if cursor.position >= cursor.records.count {
            cursor.chunk += 1
            try load(&cursor)
        }
    }

    /// Reads and opens the cursor's chunk (empty records past the run's last chunk).
    private func load(_ cursor: inout Cursor) throws(StoreIngestorError) {
        cursor.records.removeAll(keepingCapacity: true)
        cursor.position = 0
        guard cursor.chunk < cursor.chunks.count else { return }
        let chunk = cursor.chunks[cursor.chunk]
        let bytes: Data
        do {
            try handle.seek(toOffset: chunk.offset)
            bytes = try handle.read(upToCount: chunk.length) ?? Data()
        } catch {
            throw .spillUnreadable(reason: "reading run \(cursor.run) chunk \(cursor.chunk) back from the temporary file failed: \(error)")
        }
        let (nonce, associated) = nonce(run: cursor.run, chunk: cursor.chunk)
        let plain: Data
        do {
            guard bytes.count == chunk.length, chunk.length >= 16 else { throw CryptoKitError.incorrectParameterSize }
            let box = try AES.GCM.SealedBox(nonce: nonce, ciphertext: bytes.prefix(chunk.length - 16), tag: bytes.suffix(16))
            plain = try AES.GCM.open(box, using: key, authenticating: associated)
        } catch {
            throw .spillUnreadable(reason: "run \(cursor.run) chunk \(cursor.chunk) does not open under this ingestion's key (altered or truncated)")
        }
        guard plain.count == chunk.records * Self.recordSize else {
            throw .spillUnreadable(reason: "run \(cursor.run) chunk \(cursor.chunk) holds \(plain.count) bytes, \(chunk.records * Self.recordSize) expected")
        }
        plain.withUnsafeBytes { raw in
            var offset = 0
            func int() -> Int64 {
                defer { offset += 8 }
                return Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int64.self))
            }
            cursor.records.reserveCapacity(chunk.records)
            for _ in 0..<chunk.records {
                let first = int()
                let second = int()
                let channel = raw[offset]
                let direction = raw[offset + 1]
                offset += 2
                let events = int()
                let duration = int()
                let replies = int()
                cursor.records.append((
                    SpillKey(first: first, second: second, channel: channel, direction: direction),
                    SpillTotals(events: events, durationSeconds: duration, replies: replies)))
            }
        }
    }

    private static func append(_ value: Int64, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
