import Foundation
import GRDB
import HeatEnvelope

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The encrypted pipeline's end-to-end benchmark (`heatctl bench pipeline`, issue 14): a
/// generated bank of N clients is exported to CSV, read back, encrypted and appended by the
/// collector, evaluated (heat and trend, then the group aggregates), and decrypted and released
/// by the key holder, each phase timed in wall-clock and process CPU seconds.
///
/// ```swift
/// let report = try PipelineBenchmark.run(
///     options: .init(clients: 10_000), workFolder: folder) { phase in print(phase) }
/// report.targetWallSeconds   // encrypt + store + evaluate + aggregates + decrypt and release
/// ```
public enum PipelineBenchmark {
    /// What to generate.
    public struct Options: Sendable, Codable, Equatable {
        /// Clients.
        public var clients: Int
        /// Weeks of activity.
        public var weeks: Int
        /// Relationship managers.
        public var managers: Int
        /// Branches.
        public var branches: Int
        /// Segments (clients are assigned round-robin).
        public var segments: Int
        /// Regions (branches are assigned round-robin).
        public var regions: Int
        /// The generator's seed.
        public var seed: UInt64
        /// The policy's `k` for the aggregates.
        public var minGroupSize: Int

        /// Options; the defaults are the target shape scaled by `clients`.
        ///
        /// - Parameters:
        ///   - clients: clients (default 10,000).
        ///   - weeks: weeks (default 52).
        ///   - managers: managers (default `clients / 100`, at least 1).
        ///   - branches: branches (default 20).
        ///   - segments: segments (default 5).
        ///   - regions: regions (default 4).
        ///   - seed: seed (default 42).
        ///   - minGroupSize: `k` (default 5).
        public init(clients: Int = 10_000, weeks: Int = 52, managers: Int? = nil, branches: Int = 20, segments: Int = 5,
                    regions: Int = 4, seed: UInt64 = 42, minGroupSize: Int = 5) {
            self.clients = clients
            self.weeks = weeks
            self.managers = managers ?? max(1, clients / 100)
            self.branches = branches
            self.segments = segments
            self.regions = regions
            self.seed = seed
            self.minGroupSize = minGroupSize
        }
    }

    /// One timed phase.
    public struct Phase: Sendable, Codable, Equatable {
        /// The phase name.
        public var name: String
        /// Wall-clock seconds.
        public var wallSeconds: Double
        /// Process CPU seconds (user + system, all threads).
        public var cpuSeconds: Double
        /// Whether the phase counts towards the target (ingestion of the export does not).
        public var counted: Bool
        /// The process's peak resident memory during this phase in bytes (the kernel's high-water
        /// mark reset when the phase starts, `/proc/self/clear_refs`), or `nil` when per-phase
        /// peaks were not asked for (`phasePeaks`) or are not available. It includes what earlier
        /// phases still hold.
        public var peakMemoryBytes: Int?
    }

    /// The benchmark's result.
    public struct Report: Sendable, Codable, Equatable {
        /// What was generated.
        public var options: Options
        /// Interactions generated.
        public var interactions: Int
        /// The BFV preset (chosen from the largest possible group sum).
        public var preset: String
        /// The phases in order.
        public var phases: [Phase]
        /// Wall seconds of the counted phases.
        public var targetWallSeconds: Double
        /// CPU seconds of the counted phases.
        public var targetCPUSeconds: Double
        /// The process's peak resident memory in bytes: with per-phase peaks, the largest of the
        /// phases' high-water marks (a lower bound: the kernel updates the mark lazily, and the
        /// resets also lower what `getrusage` and `/usr/bin/time -v` report); otherwise `VmHWM`.
        public var peakMemoryBytes: Int
        /// The peak resident memory of the counted phases (encrypt and store append, evaluate,
        /// aggregates, decrypt and release), or `nil` when per-phase peaks were not asked for or
        /// are not available.
        public var countedPeakMemoryBytes: Int? = nil
        /// Ciphertexts stored.
        public var ciphertexts: Int
        /// Bytes of stored ciphertext blobs.
        public var ciphertextBytes: Int
        /// Ciphertexts per client.
        public var ciphertextsPerClient: Double
        /// Stored ciphertext bytes per client.
        public var bytesPerClient: Double
        /// The evaluation (Galois) keys file size in bytes.
        public var evaluationKeyBytes: Int
        /// Groups released in the aggregates.
        public var groupsReleased: Int
        /// Bytes of the aggregates file.
        public var aggregatesBytes: Int
        /// The smallest noise budget left in the aggregates (bits).
        public var aggregatesNoiseBudget: Int
        /// Key switches (rotations) the aggregates cost, heat and trend together.
        public var aggregatesKeySwitches: Int = 0
        /// Bytes of the heat run file (`run.heat`), its ciphertexts switched down to ``runLevel``
        /// (issue 14 item 3); 0 when decoding a report written before (no `runBytes` key).
        public var runBytes: Int = 0
        /// The number of ciphertext moduli of the run file's ciphertexts; 0 when decoding a
        /// report written before (no `runLevel` key).
        public var runLevel: Int = 0
        /// Logical CPUs available.
        public var processors: Int
    }

    /// Process CPU seconds so far (all threads, `CLOCK_PROCESS_CPUTIME_ID`).
    static func cpuSeconds() -> Double {
        var spec = timespec()
        guard clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec) == 0 else { return 0 }
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// The process's peak resident set in bytes (`VmHWM` of `/proc/self/status`; 0 where absent).
    static func peakMemory() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let digits = line.filter(\.isNumber)
            return (Int(digits) ?? 0) * 1024
        }
        return 0
    }

    /// How many times this process asked to reset the peak mark (the test of review s34 MEDIUM
    /// 10: without `phasePeaks` a benchmark run never resets it).
    static let peakResets = ResetCounter()

    /// A thread-safe counter of ``resetPeakMemory()`` calls.
    final class ResetCounter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0

        func increment() {
            lock.lock()
            count += 1
            lock.unlock()
        }

        /// The calls so far.
        var value: Int {
            lock.lock()
            defer { lock.unlock() }
            return count
        }
    }

    /// Resets the kernel's peak-resident-set mark to the current resident set (writes `5` to
    /// `/proc/self/clear_refs`, Linux 4.0 and later), so the next ``peakMemory()`` is the peak
    /// since now (freed heap the allocator keeps still counts as resident).
    ///
    /// - Returns: whether the mark could be reset.
    static func resetPeakMemory() -> Bool {
        peakResets.increment()
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do {
            try handle.write(contentsOf: Data("5".utf8))
            return true
        } catch {
            return false
        }
    }

    /// Writes the generated bank's interactions export to `url` a few megabytes at a time, as the
    /// generator streams them (the export is never held in memory whole).
    ///
    /// - Parameters:
    ///   - bank: the generator.
    ///   - url: the CSV file to write.
    /// - Returns: the clients and the number of interactions written.
    /// - Throws: ``PipelineError/malformed(source:reason:)`` naming the file when it cannot be written.
    static func writeExport(of bank: SyntheticBank, to url: URL) throws -> (clients: [Client], interactions: Int) {
        guard FileManager.default.createFile(atPath: url.path, contents: nil),
              let handle = FileHandle(forWritingAtPath: url.path) else {
            throw PipelineError.malformed(source: url.path, reason: "the benchmark's export cannot be created")
        }
        defer { try? handle.close() }
        var buffer = [UInt8](SyntheticCSV.interactions([Interaction]()))   // the header line
        var count = 0
        var failure: Error?
        let flushAt = 4 << 20
        let (clients, _) = bank.streamInteractions { interaction in
            guard failure == nil else { return }
            SyntheticCSV.appendRow(interaction, to: &buffer)
            count += 1
            if buffer.count >= flushAt {
                do { try handle.write(contentsOf: buffer) } catch { failure = error }
                buffer.removeAll(keepingCapacity: true)
            }
        }
        do {
            if let failure { throw failure }
            try handle.write(contentsOf: buffer)
        } catch {
            throw PipelineError.malformed(source: url.path, reason: "the benchmark's export cannot be written: \(error)")
        }
        return (clients, count)
    }

    /// Runs the benchmark in `workFolder` (keys, CSV export and stores are written there).
    ///
    /// - Parameters:
    ///   - options: what to generate.
    ///   - workFolder: an empty folder.
    ///   - phasePeaks: measure each phase's own peak memory by resetting the kernel's high-water
    ///     mark at every phase (`heatctl bench pipeline --phase-peaks`, Linux only). Off by
    ///     default: the reset also lowers the process's `ru_maxrss`, so `/usr/bin/time -v` no
    ///     longer shows the true peak of such a run; the report's ``Report/peakMemoryBytes`` is then
    ///     the largest phase peak. Never compare a run with resets against one without.
    ///   - progress: called with each phase as it finishes.
    /// - Returns: the report.
    /// - Throws: ``PipelineError``, ``KeyError``, ``StoreError``, ``IngestError``.
    public static func run(options: Options, workFolder: URL, phasePeaks: Bool = false, progress: (Phase) -> Void) throws -> Report {
        var phases: [Phase] = []
        var perPhasePeaks = phasePeaks && resetPeakMemory()
        var wall = Date()
        var cpu = cpuSeconds()
        func finish(_ name: String, counted: Bool) {
            let phase = Phase(
                name: name, wallSeconds: Date().timeIntervalSince(wall), cpuSeconds: cpuSeconds() - cpu, counted: counted,
                peakMemoryBytes: perPhasePeaks ? peakMemory() : nil)
            phases.append(phase)
            progress(phase)
            perPhasePeaks = perPhasePeaks && resetPeakMemory()
            wall = Date()
            cpu = cpuSeconds()
        }
        // Generate: the shape (segments and regions reassigned round-robin), streamed to
        // the CSV export.
        let exportURL = workFolder.appending(path: "interactions.csv")
        let bank = SyntheticBank(
            clients: options.clients, managers: options.managers, branches: options.branches, weeks: options.weeks, seed: options.seed)
        let export = try writeExport(of: bank, to: exportURL)
        var clients = export.clients
        let generatedInteractions = export.interactions
        let branches = Array(Set(clients.map(\.branch))).sorted()
        let regionOf = Dictionary(uniqueKeysWithValues: branches.enumerated().map { ($0.element, "region-\($0.offset % max(options.regions, 1))") })
        for index in clients.indices {
            clients[index].segment = "segment-\(index % max(options.segments, 1))"
            clients[index].region = regionOf[clients[index].branch] ?? "region-0"
        }
        finish("generate", counted: false)

        let keys = workFolder.appending(path: "keys").path
        let generated = try KeyFolder.generate(at: keys)
        let preset = try Evaluator.preset(forAggregatesOf: HeatConfiguration(), largestGroup: options.clients)
        _ = try PipelineKeys.generate(at: keys, preset: preset.name, aggregates: true)
        let store = try HeatStore.initialize(path: workFolder.appending(path: "heat.db").path).store
        try KeyRegistry.recordGenerated(generated, in: store)
        finish("keygen", counted: false)

        let collector = try Collector(folder: KeyFolder(path: "\(keys)/collector", role: .collector))
        let timed = TimedSink(collector, resetsPeaks: perPhasePeaks)
        var ingestor = collector.ingestor()
        ingestor.bucketSink = timed
        let collectWall = Date()
        let collectCPU = cpuSeconds()
        // The export is streamed from the file into the ingestor (never parsed whole).
        _ = try ingestor.ingest(
            clients: clients, into: store, source: .init(name: "interactions.csv", inputHash: String(repeating: "0", count: 64)), strict: false
        ) { sink in
            try InteractionReader().stream(contentsOf: exportURL) { try sink($0) }.rejectedRows
        }
        // Split the collector's run: the sink's share (pack, encrypt, append) counts towards the
        // target; pseudonymising, de-duplicating and bucketing the events is ingestion.
        let (sinkWall, sinkCPU) = timed.elapsed
        wall = collectWall
        cpu = collectCPU
        let ingestPhase = Phase(
            name: "ingest: read (streamed), pseudonymise, de-duplicate, bucket", wallSeconds: Date().timeIntervalSince(collectWall) - sinkWall,
            cpuSeconds: cpuSeconds() - collectCPU - sinkCPU, counted: false, peakMemoryBytes: perPhasePeaks ? timed.peakBefore : nil)
        let encryptPhase = Phase(
            name: "encrypt and store append", wallSeconds: sinkWall, cpuSeconds: sinkCPU, counted: true,
            peakMemoryBytes: perPhasePeaks ? peakMemory() : nil)
        for phase in [ingestPhase, encryptPhase] {
            phases.append(phase)
            progress(phase)
        }
        perPhasePeaks = perPhasePeaks && resetPeakMemory()
        wall = Date()
        cpu = cpuSeconds()

        let evaluatorFolder = try KeyFolder(path: "\(keys)/evaluator", role: .evaluator)
        let evaluator = try Evaluator(folder: evaluatorFolder)
        let (run, _) = try evaluator.evaluateAndRecord(store: store, configuration: HeatConfiguration())
        finish("evaluate heat", counted: true)

        let galoisKeys = try evaluator.galoisKeys(in: evaluatorFolder)
        let aggregates = try evaluator.aggregates(of: run, store: store, galoisKeys: galoisKeys, minGroupSize: options.minGroupSize)
        finish("aggregates", counted: true)

        let keyHolder = try KeyHolder(folder: KeyFolder(path: "\(keys)/keyholder", role: .keyholder))
        // The key holder decrypts the run as `run.heat` gives it: switched down (issue 14 item 3).
        let runEnvelope = run.envelope()
        let runFile = try EncryptedHeatRun(envelope: runEnvelope, context: keyHolder.context, source: "run.heat")
        let entries = try EncryptedClientDirectory.entries(in: store, keyHolder: keyHolder, run: runFile)
        var input = try StoreRelease.input(from: store, configuration: HeatConfiguration(), asOf: run.header.asOf, entries: entries)
        input.mode = .encrypted
        input.groupAggregates = try keyHolder.decrypt(aggregates: aggregates, minGroupSize: PrivacyPolicy.default.minGroupSize)
        _ = try StoreRelease.release(input, in: store, policy: .default, request: ReleaseRequest(role: "executive"))
        finish("decrypt and release", counted: true)

        let budget = try keyHolder.noiseBudget(of: aggregates)
        let (count, bytes) = try store.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ciphertexts") ?? 0,
             try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(LENGTH(ciphertext)), 0) FROM ciphertexts") ?? 0)
        }
        let keySize = (try? FileManager.default.attributesOfItem(atPath: "\(keys)/evaluator/\(Evaluator.galoisKeysFile)")[.size] as? Int) ?? 0
        let counted = phases.filter(\.counted)
        let n = Double(max(options.clients, 1))
        var report = Report(
            options: options, interactions: generatedInteractions, preset: preset.name, phases: phases,
            targetWallSeconds: counted.reduce(0) { $0 + $1.wallSeconds }, targetCPUSeconds: counted.reduce(0) { $0 + $1.cpuSeconds },
            peakMemoryBytes: max(peakMemory(), phases.compactMap(\.peakMemoryBytes).max() ?? 0), ciphertexts: count, ciphertextBytes: bytes, ciphertextsPerClient: Double(count) / n,
            bytesPerClient: Double(bytes) / n, evaluationKeyBytes: keySize, groupsReleased: aggregates.header.groups.count,
            aggregatesBytes: aggregates.envelope().serialized().count, aggregatesNoiseBudget: budget,
            processors: ProcessInfo.processInfo.activeProcessorCount)
        report.aggregatesKeySwitches = aggregates.header.keySwitches ?? 0
        report.runBytes = runEnvelope.serialized().count
        report.runLevel = runFile.header.level ?? keyHolder.context.topLevel
        if perPhasePeaks {
            report.countedPeakMemoryBytes = counted.compactMap(\.peakMemoryBytes).max()
        }
        return report
    }
}

/// A bucket sink that times the sink it wraps (the benchmark's split of the collector's run).
final class TimedSink: IngestionBucketSink, @unchecked Sendable {
    let inner: any IngestionBucketSink
    private let lock = NSLock()
    private var wall: Double = 0
    private var cpu: Double = 0
    private var peak = 0

    /// Whether the sink resets the kernel's peak mark when it starts (``PipelineBenchmark/run(options:workFolder:phasePeaks:progress:)``'s `phasePeaks`).
    let resetsPeaks: Bool

    init(_ inner: any IngestionBucketSink, resetsPeaks: Bool) {
        self.inner = inner
        self.resetsPeaks = resetsPeaks
    }

    /// The peak resident memory before the (last) sink call started: reading, pseudonymising
    /// and bucketing; the mark is reset when the sink starts, so the sink's own peak follows.
    var peakBefore: Int {
        lock.lock()
        defer { lock.unlock() }
        return peak
    }

    /// Wall and CPU seconds spent in the wrapped sink.
    var elapsed: (wall: Double, cpu: Double) {
        lock.lock()
        defer { lock.unlock() }
        return (wall, cpu)
    }

    func append(_ buckets: [IngestedBucket], run: Int64, in db: Database) throws -> IngestionBucketSinkResult {
        try timed { try inner.append(buckets, run: run, in: db) }
    }

    func append(streaming buckets: IngestedBucketStream, run: Int64, in db: Database) throws -> IngestionBucketSinkResult {
        try timed { try inner.append(streaming: buckets, run: run, in: db) }
    }

    /// Times `body`, resetting the peak-memory mark first when ``resetsPeaks``.
    private func timed(_ body: () throws -> IngestionBucketSinkResult) throws -> IngestionBucketSinkResult {
        let before = PipelineBenchmark.peakMemory()
        if resetsPeaks { _ = PipelineBenchmark.resetPeakMemory() }
        lock.lock()
        peak = before
        lock.unlock()
        let started = Date()
        let startedCPU = PipelineBenchmark.cpuSeconds()
        defer {
            lock.lock()
            wall += Date().timeIntervalSince(started)
            cpu += PipelineBenchmark.cpuSeconds() - startedCPU
            lock.unlock()
        }
        return try body()
    }
}

extension PipelineBenchmark.Report {
    /// Decodes a report, also one written before a field was added: a missing
    /// `countedPeakMemoryBytes` is `nil`, a missing `aggregatesKeySwitches`, `runBytes` or
    /// `runLevel` is 0 (review s37 LOW 12; the synthesized decoder required every key).
    ///
    /// - Parameter decoder: the decoder.
    /// - Throws: `DecodingError` when a field of the first reports is missing or of another type.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        options = try c.decode(PipelineBenchmark.Options.self, forKey: .options)
        interactions = try c.decode(Int.self, forKey: .interactions)
        preset = try c.decode(String.self, forKey: .preset)
        phases = try c.decode([PipelineBenchmark.Phase].self, forKey: .phases)
        targetWallSeconds = try c.decode(Double.self, forKey: .targetWallSeconds)
        targetCPUSeconds = try c.decode(Double.self, forKey: .targetCPUSeconds)
        peakMemoryBytes = try c.decode(Int.self, forKey: .peakMemoryBytes)
        countedPeakMemoryBytes = try c.decodeIfPresent(Int.self, forKey: .countedPeakMemoryBytes)
        ciphertexts = try c.decode(Int.self, forKey: .ciphertexts)
        ciphertextBytes = try c.decode(Int.self, forKey: .ciphertextBytes)
        ciphertextsPerClient = try c.decode(Double.self, forKey: .ciphertextsPerClient)
        bytesPerClient = try c.decode(Double.self, forKey: .bytesPerClient)
        evaluationKeyBytes = try c.decode(Int.self, forKey: .evaluationKeyBytes)
        groupsReleased = try c.decode(Int.self, forKey: .groupsReleased)
        aggregatesBytes = try c.decode(Int.self, forKey: .aggregatesBytes)
        aggregatesNoiseBudget = try c.decode(Int.self, forKey: .aggregatesNoiseBudget)
        aggregatesKeySwitches = try c.decodeIfPresent(Int.self, forKey: .aggregatesKeySwitches) ?? 0
        runBytes = try c.decodeIfPresent(Int.self, forKey: .runBytes) ?? 0
        runLevel = try c.decodeIfPresent(Int.self, forKey: .runLevel) ?? 0
        processors = try c.decode(Int.self, forKey: .processors)
    }
}
