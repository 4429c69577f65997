import Crypto
import Foundation
import GRDB
import HeatEnvelope
import Testing
@testable import HeatCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The ingestor's spilled totals are sealed (issue 14, review s34 HIGH 1): a run past the
/// in-memory limit writes only AES-GCM ciphertext under a key made for that ingestion, so an
/// attacker reading every byte of the temporary file learns no per-client count or duration; the
/// merged totals equal the in-memory ones exactly; an altered file fails closed (exit 74).
@Suite(.serialized) struct SealedSpillTests {
    typealias Fixture = StreamingPipelineTests.Fixture

    /// Every way a plaintext total could show in the spill bytes: each record's encoding as the
    /// spill lays it out, and each non-zero value (counts, durations, replies, slots, week keys)
    /// as 8-byte little- and big-endian integers and, from six digits on, as decimal text.
    static func plaintextPatterns(of totals: [IngestedBucket], bySlot: Bool) -> Set<[UInt8]> {
        var patterns = Set<[UInt8]>()
        func integer(_ value: Int64) {
            guard value != 0 else { return }
            patterns.insert(withUnsafeBytes(of: value.littleEndian) { Array($0) })
            patterns.insert(withUnsafeBytes(of: value.bigEndian) { Array($0) })
            if abs(value) >= 100_000 { patterns.insert(Array(String(value).utf8)) }
        }
        for total in totals {
            let key = SpillKey(slot: total.slot, week: total.week, channel: total.channel, direction: total.direction, bySlot: bySlot)
            var record: [UInt8] = []
            for value in [key.first, key.second] { withUnsafeBytes(of: value.littleEndian) { record.append(contentsOf: $0) } }
            record += [key.channel, key.direction]
            for value in [total.events, total.durationSeconds, total.replies] {
                withUnsafeBytes(of: value.littleEndian) { record.append(contentsOf: $0) }
            }
            patterns.insert(record)
            for value in [total.events, total.durationSeconds, total.replies, total.slot, key.first, key.second] { integer(value) }
        }
        return patterns
    }

    /// The first pattern found in `bytes`, or `nil`.
    static func firstLeak(of patterns: Set<[UInt8]>, in bytes: [UInt8]) -> [UInt8]? {
        let byFirst = Dictionary(grouping: patterns, by: { $0[0] })
        for index in bytes.indices {
            guard let candidates = byFirst[bytes[index]] else { continue }
            for pattern in candidates where index + pattern.count <= bytes.count
                && bytes[index..<(index + pattern.count)].elementsEqual(pattern) {
                return pattern
            }
        }
        return nil
    }

    /// The totals as the in-memory path hands them to a sink (the reference).
    final class Recorder: IngestionBucketSink, @unchecked Sendable {
        let inner: Collector
        var seen: [IngestedBucket] = []

        init(_ inner: Collector) { self.inner = inner }

        func append(_ buckets: [IngestedBucket], run: Int64, in db: Database) throws -> IngestionBucketSinkResult {
            try inner.append(buckets, run: run, in: db)
        }

        func append(streaming buckets: IngestedBucketStream, run: Int64, in db: Database) throws -> IngestionBucketSinkResult {
            try buckets.forEach { seen.append($0) }
            return try inner.append(streaming: buckets, run: run, in: db)
        }
    }

    /// An encrypted ingestion forced to spill (limit 16) writes sealed runs only: none of the
    /// run's plaintext totals (record, count, duration, reply or slot) appears anywhere in the
    /// bytes written, the file is unlinked at once (the folder stays empty), the sink receives
    /// exactly the in-memory path's totals in the same order, and the stored ciphertexts decrypt
    /// to the same deltas. Two identical ingestions write different bytes (a fresh key each).
    @Test func theSpillWritesNoPlaintextTotalAndMergesExactly() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let dataset = StreamingFailureTests.bank
        let keyHolder = try fixture.keyHolder()
        var seen: [[IngestedBucket]] = []
        var taps: [SpillTap] = []
        var decrypted: [[[Int64]]] = []
        for (name, limit) in [("memory.db", 1 << 20), ("spilled-a.db", 16), ("spilled-b.db", 16)] {
            let store = try fixture.store(name)
            let collector = try fixture.collector()
            let recorder = Recorder(collector)
            var ingestor = collector.ingestor()
            ingestor.bucketSink = recorder
            ingestor.totalsInMemory = limit
            let tap = SpillTap()
            ingestor.spillTap = tap
            let folder = fixture.folder.appending(path: "spill-\(name)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            ingestor.spillDirectory = folder
            _ = try ingestor.ingest(dataset.interactions, clients: dataset.clients, into: store, source: StreamingFailureTests.source("all.csv"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty, "\(name): the spill file is unlinked")
            seen.append(recorder.seen)
            taps.append(tap)
            decrypted.append(try store.read { db in
                try Row.fetchAll(db, sql: "SELECT ciphertext FROM ciphertexts ORDER BY seq").map { row in
                    let ciphertext = try Evaluator.storedCiphertext(row["ciphertext"] as Data, context: collector.context, source: name)
                    return try keyHolder.decryptSlots(ciphertext, mask: nil, signed: true)
                }
            })
        }
        let reference = seen[0]
        #expect(reference.count > 16 * 8, "the bank has many more totals than the limit: \(reference.count)")
        #expect(taps[0].bytes.isEmpty, "below the limit nothing is written")
        let patterns = Self.plaintextPatterns(of: reference, bySlot: false)
        for (index, tap) in taps.enumerated().dropFirst() {
            #expect(seen[index] == reference, "the merged totals equal the in-memory ones, in the same order")
            #expect(decrypted[index] == decrypted[0], "the stored deltas decrypt to the same values")
            #expect(tap.runs >= reference.count / 16, "spilled in \(tap.runs) runs")
            // About the records' size plus 16 bytes of tag per chunk: every total was written, sealed.
            #expect(tap.bytes.count >= reference.count * SealedSpill.recordSize, "\(tap.bytes.count) bytes written")
            let leak = Self.firstLeak(of: patterns, in: tap.bytes)
            #expect(leak == nil, "a plaintext total is readable in the spill file: \(leak ?? [])")
        }
        #expect(taps[1].bytes.count == taps[2].bytes.count && taps[1].bytes != taps[2].bytes,
                "the same totals spilled twice give other bytes: the key is made per ingestion")
    }

    /// Sorted runs with overlapping keys merge into the exact per-key sums, in key order, in
    /// both orders; a chunk altered on disk fails closed with exit 74 and names the chunk.
    @Test func runsMergeToTheExactSumsAndAnAlteredChunkFailsClosed() throws {
        var random = SystemRandomNumberGenerator()
        let weeks = (1...6).compactMap { ISOWeek(year: 2025, week: $0) }
        for bySlot in [false, true] {
            let spill = try SealedSpill(bySlot: bySlot)
            var expected: [SpillKey: SpillTotals] = [:]
            for _ in 0..<7 {
                var run: [SpillKey: SpillTotals] = [:]
                for _ in 0..<(1 + Int.random(in: 0..<5000, using: &random)) {
                    let key = SpillKey(
                        slot: Int64.random(in: 0..<300, using: &random), week: weeks.randomElement(using: &random)!,
                        channel: Channel.allCases.randomElement(using: &random)!, direction: Direction.allCases.randomElement(using: &random)!,
                        bySlot: bySlot)
                    let value = SpillTotals(
                        events: Int64.random(in: 1..<50, using: &random), durationSeconds: Int64.random(in: 0..<1_000_000, using: &random),
                        replies: Int64.random(in: 0..<3, using: &random))
                    run[key, default: SpillTotals()].add(value)
                    expected[key, default: SpillTotals()].add(value)
                }
                try spill.write(run: run.sorted { $0.key < $1.key })
            }
            try spill.finish()
            #expect(spill.count == expected.count)
            var merged: [(SpillKey, SpillTotals)] = []
            try spill.merge { merged.append(($0, $1)) }
            let want = expected.sorted { $0.key < $1.key }
            #expect(merged.count == want.count)
            #expect(zip(merged, want).allSatisfy { $0.0 == $1.key && $0.1 == $1.value }, "exact sums in key order")
            // The order equals the streams' order of the buckets.
            let buckets = merged.compactMap { $0.0.bucket($0.1, bySlot: bySlot) }
            let order = bySlot ? IngestedBucketStream.slotOrder : IngestedBucketStream.weekOrder
            #expect(buckets.count == merged.count && zip(buckets, buckets.dropFirst()).allSatisfy { order($0, $1) })

            // Flip one byte in the middle of the file.
            var byte: UInt8 = 0
            #expect(pread(spill.fileDescriptor, &byte, 1, 10) == 1)
            byte ^= 0x01
            #expect(pwrite(spill.fileDescriptor, &byte, 1, 10) == 1)
            do {
                try spill.merge { _, _ in }
                Issue.record("an altered spill file must not be read")
            } catch let error as StoreIngestorError {
                #expect(error.category.exitCode == 74)
                #expect(error.description.contains("does not open under this ingestion's key"), "\(error)")
            }
        }
    }
}
