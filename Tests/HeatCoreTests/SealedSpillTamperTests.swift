import Foundation
import GRDB
import Testing
@testable import HeatCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Review s35: the sealed spill against an attacker who can write the collector's temporary
/// file while an ingestion runs. A chunk swapped with another, a chunk replayed over another
/// (of the same run or of another run), a truncated file, and a chunk that was sealed under
/// another chunk's nonce are each refused with ``StoreIngestorError/spillUnreadable(reason:)``
/// (exit 74) naming the chunk; in an ingestion nothing is stored. The writer never reuses a nonce
/// (two chunks' ciphertexts do not differ by their plaintexts' difference). And SQLite's own
/// temporary storage is memory-only on every store connection, so no plaintext total reaches a
/// temporary file through SQLite either.
@Suite(.serialized) struct SealedSpillTamperTests {
    /// The plaintext bytes of a run's chunks, encoded as ``SealedSpill`` encodes them.
    static func plaintextChunks(_ run: [(key: SpillKey, value: SpillTotals)]) -> [[UInt8]] {
        stride(from: 0, to: run.count, by: SealedSpill.recordsPerChunk).map { start in
            var bytes: [UInt8] = []
            for (key, value) in run[start..<min(start + SealedSpill.recordsPerChunk, run.count)] {
                for v in [key.first, key.second] { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
                bytes += [key.channel, key.direction]
                for v in [value.events, value.durationSeconds, value.replies] { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
            }
            return bytes
        }
    }

    /// `count` sorted records with distinct keys and values from `seed`.
    static func run(_ count: Int, seed: Int64) -> [(key: SpillKey, value: SpillTotals)] {
        (0..<Int64(count)).map { index in
            (SpillKey(first: 202_501 + index / 4_000, second: index % 4_000 + seed, channel: UInt8(index % 4), direction: UInt8(index % 2)),
             SpillTotals(events: 1 + (index * 7 + seed) % 60, durationSeconds: (index * 131 + seed) % 9_000, replies: index % 3))
        }
    }

    /// A spill of two runs of three chunks each (4,096 + 4,096 + 100 records), and its chunks.
    static func spill(tap: SpillTap) throws -> SealedSpill {
        let spill = try SealedSpill(bySlot: false, tap: tap)
        let records = 2 * SealedSpill.recordsPerChunk + 100
        try spill.write(run: run(records, seed: 0))
        try spill.write(run: run(records, seed: 7))
        return spill
    }

    static func bytes(_ fd: Int32, _ place: SpillTap.ChunkPlace) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: place.length)
        _ = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, place.length, off_t(place.offset)) }
        return buffer
    }

    static func write(_ fd: Int32, _ bytes: [UInt8], at place: SpillTap.ChunkPlace) {
        _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, bytes.count, off_t(place.offset)) }
    }

    /// Each attack on the file, and the chunk the refusal must name.
    enum Attack: String, CaseIterable, Sendable {
        case swapTwoChunksOfARun, replayAnEarlierChunk, replayAChunkOfAnotherRun, truncateTheLastChunk, dropTheLastChunk

        /// Alters the file; returns `run R chunk C` of the first chunk that must fail.
        func apply(_ fd: Int32, _ chunks: [SpillTap.ChunkPlace]) -> String {
            func place(_ run: Int, _ chunk: Int) -> SpillTap.ChunkPlace { chunks.first { $0.run == run && $0.chunk == chunk }! }
            switch self {
            case .swapTwoChunksOfARun:
                let (a, b) = (place(0, 0), place(0, 1))
                let (x, y) = (SealedSpillTamperTests.bytes(fd, a), SealedSpillTamperTests.bytes(fd, b))
                SealedSpillTamperTests.write(fd, y, at: a)
                SealedSpillTamperTests.write(fd, x, at: b)
                return "run 0 chunk 0"
            case .replayAnEarlierChunk:
                SealedSpillTamperTests.write(fd, SealedSpillTamperTests.bytes(fd, place(0, 0)), at: place(0, 1))
                return "run 0 chunk 1"
            case .replayAChunkOfAnotherRun:
                SealedSpillTamperTests.write(fd, SealedSpillTamperTests.bytes(fd, place(0, 0)), at: place(1, 0))
                return "run 1 chunk 0"
            case .truncateTheLastChunk:
                let last = chunks[chunks.count - 1]
                _ = ftruncate(fd, off_t(last.offset) + off_t(last.length / 2))
                return "run \(last.run) chunk \(last.chunk)"
            case .dropTheLastChunk:
                let last = chunks[chunks.count - 1]
                _ = ftruncate(fd, off_t(last.offset))
                return "run \(last.run) chunk \(last.chunk)"
            }
        }
    }

    @Test(arguments: Attack.allCases)
    func anAlteredSpillIsRefusedNamingTheChunk(attack: Attack) throws {
        let tap = SpillTap()
        let spill = try Self.spill(tap: tap)
        try #require(tap.chunks.count == 6 && tap.chunks[0].length == tap.chunks[1].length)
        let named = attack.apply(spill.fileDescriptor, tap.chunks)
        do {
            try spill.merge { _, _ in }
            Issue.record("\(attack): an altered spill must not be read")
        } catch let error as StoreIngestorError {
            #expect(error.category.exitCode == 74, "\(attack): \(error)")
            guard case .spillUnreadable(let reason) = error else {
                Issue.record("\(attack): expected spillUnreadable, got \(error)")
                return
            }
            #expect(reason.contains(named + " does not open"), "\(attack): names \(named): \(reason)")
        }
    }

    /// A nonce used twice under one key would make two chunks' ciphertexts differ by exactly their
    /// plaintexts' difference (GCM is a stream cipher): no pair of chunks written may.
    @Test func noTwoChunksShareANonce() throws {
        let tap = SpillTap()
        let spill = try SealedSpill(bySlot: false, tap: tap)
        let records = 2 * SealedSpill.recordsPerChunk + 100
        let runs = [Self.run(records, seed: 0), Self.run(records, seed: 7), Self.run(records, seed: 0)]
        for run in runs { try spill.write(run: run) }
        let plain = runs.flatMap(Self.plaintextChunks)
        let sealed = tap.chunks.map { Self.bytes(spill.fileDescriptor, $0) }
        try #require(plain.count == sealed.count && sealed.count == 9)
        for i in sealed.indices {
            for j in sealed.indices where j > i {
                let length = min(64, plain[i].count, plain[j].count)
                let keystreamsEqual = (0..<length).allSatisfy { sealed[i][$0] ^ sealed[j][$0] == plain[i][$0] ^ plain[j][$0] }
                #expect(!keystreamsEqual, "chunks \(tap.chunks[i]) and \(tap.chunks[j]) were sealed under the same nonce")
            }
        }
        // Runs 0 and 2 hold the same records: their chunks must still differ.
        #expect(sealed[0] != sealed[6])
    }

    /// In an ingestion: the file altered between the last run written and the merge fails the
    /// whole ingestion with exit 74 and stores nothing (the store's digest is unchanged).
    @Test(arguments: [Attack.swapTwoChunksOfARun, .replayAChunkOfAnotherRun, .truncateTheLastChunk])
    func anIngestionWhoseSpillIsAlteredStoresNothing(attack: Attack) throws {
        let fixture = try StreamingPipelineTests.Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let store = try fixture.store("tamper.db")
        let before = try StreamingFailureTests.digest(store)
        final class Named: @unchecked Sendable { var chunk = "" }
        let named = Named()
        var ingestor = try fixture.collector().ingestor()
        ingestor.totalsInMemory = 16
        ingestor.spillTap = SpillTap { fd, chunks in
            // Runs of 16 totals are one chunk each: the first two runs' chunks have the same length.
            switch attack {
            case .swapTwoChunksOfARun:
                let (a, b) = (chunks[0], chunks[1])
                let (x, y) = (Self.bytes(fd, a), Self.bytes(fd, b))
                Self.write(fd, y, at: a)
                Self.write(fd, x, at: b)
                named.chunk = "run 0 chunk 0"
            case .replayAChunkOfAnotherRun:
                Self.write(fd, Self.bytes(fd, chunks[0]), at: chunks[1])
                named.chunk = "run 1 chunk 0"
            default:
                named.chunk = attack.apply(fd, chunks)
            }
        }
        let dataset = StreamingFailureTests.bank
        do {
            _ = try ingestor.ingest(dataset.interactions, clients: dataset.clients, into: store, source: StreamingFailureTests.source("all.csv"))
            Issue.record("\(attack): an ingestion over an altered spill must fail")
        } catch let error as StoreIngestorError {
            #expect(error.category.exitCode == 74, "\(attack): \(error)")
            #expect(error.description.contains(named.chunk), "\(attack): names \(named.chunk): \(error)")
        }
        #expect(try StreamingFailureTests.digest(store) == before, "\(attack): nothing was stored")
    }

    /// DESIGN / Pipeline.md: plaintext totals never reach a temporary file. The ingestor's own
    /// spill is sealed (above); SQLite's temporary tables, indices and sorts stay in memory on
    /// every connection a store opens for writing (`PRAGMA temp_store = MEMORY`), and this SQLite
    /// is not built to force them to disk (`SQLITE_TEMP_STORE=0`).
    @Test func sqliteTemporaryStorageIsMemoryOnly() throws {
        let folder = try StoreTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appending(path: "heat.db").path
        let created = try HeatStore.initialize(path: path).store
        for store in [created, try HeatStore(path: path)] {
            let (pragma, options) = try store.write { db in
                (try Int.fetchOne(db, sql: "PRAGMA temp_store") ?? -1, try String.fetchAll(db, sql: "PRAGMA compile_options"))
            }
            // temp_store: 0 default, 1 file, 2 memory. SQLITE_TEMP_STORE (default 1) decides what
            // the pragma may choose: 0 always file, 1 file unless 2, 2 memory unless 1, 3 always memory.
            let compiled = options.first { $0.hasPrefix("TEMP_STORE=") }.flatMap { Int($0.dropFirst("TEMP_STORE=".count)) } ?? 1
            let inMemory = compiled == 3 || (compiled == 1 && pragma == 2) || (compiled == 2 && pragma != 1)
            #expect(pragma == 2, "PRAGMA temp_store is \(pragma), not 2 (MEMORY)")
            #expect(inMemory, "temporary storage goes to files (SQLITE_TEMP_STORE=\(compiled), temp_store=\(pragma))")
        }
    }
}
