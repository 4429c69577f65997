import Crypto
import Foundation
import HeatML
import Logging
import GRDB
import HeatEnvelope

/// The collector's store-side ingestion: validated interactions in, pseudonymised,
/// de-duplicated weekly buckets out, committed in one transaction or not at all.
///
/// For each interaction the event id (``Interaction/derivedEventID``) is replaced by
/// HMAC(pseudonymisation key, event id); an event whose HMAC is already stored (from an earlier
/// run or earlier in the same input) is skipped and counted, so overlapping exports never count
/// twice. New events are summed per client x ISO week (UTC) x channel x direction into
/// plaintext delta rows of `weekly_buckets` (events, total duration in seconds, replies within 48 h: the heat model's ``ActivityBucket``) marked
/// `plaintext-test-only`; clients not yet in the directory are added with their pseudonym, a
/// slot index and masked manager and branch. The run, its input and output hashes and its
/// counts are recorded in `computation_runs` and the audit log in the same transaction. No raw
/// identifier is written.
///
/// Setting ``faultAbortAfterRows`` (from `HEAT_FAULT_ABORT_AFTER_ROWS`) aborts after that many
/// rows, to prove that an interrupted ingestion leaves the store unchanged.
///
/// ```swift
/// let key = try KeyFolder(path: "keys/collector", role: .collector).pseudonymisationKey()
/// let ingestor = StoreIngestor(key: key)
/// let report = try ingestor.ingest(interactions, clients: [], into: store,
///                                  source: .init(name: "march.csv", inputHash: hash))
/// ```
public struct StoreIngestor: Sendable {
    /// The environment variable of the fault-injection switch.
    public static let faultEnvironmentVariable = "HEAT_FAULT_ABORT_AFTER_ROWS"
    /// The marker stored in `weekly_buckets.encoding` for plaintext buckets.
    public static let plaintextEncoding = "plaintext-test-only"
    /// A reply counts when it came within this many hours.
    public static let replyWindowHours = 48.0

    /// The pseudonymizer built from the collector's key.
    public let pseudonymizer: Pseudonymizer
    /// The collector's ingestion key and its endorsement, which sign every run; without it runs
    /// are unsigned and `audit verify` reports their rows as forged.
    public let signer: CollectorSigner?
    /// Abort (throwing ``StoreIngestorError/faultInjected(afterRows:)``) after this many rows.
    public var faultAbortAfterRows: Int?
    /// Where the new bucket totals go instead of plaintext `weekly_buckets` rows (the encrypted
    /// pipeline's ``Collector``); `nil` stores plaintext test-and-demo buckets.
    public var bucketSink: (any IngestionBucketSink)?
    /// Where the ingestor logs (run numbers and row counts only: never keys, raw identifiers
    /// or values); silent by default.
    public var logger: Logger = .silent
    /// How new clients of the clients file get their slots (``SlotLayout``); dense arrival order
    /// by default, ``SlotLayout/hierarchy`` for the encrypted pipeline's group aggregates.
    public var slotLayout: SlotLayout = .arrival
    /// How many (slot, week, channel, direction) totals the ingestor keeps in memory before it
    /// writes them as one sorted run sealed under an ephemeral key (``SealedSpill``; issue 14,
    /// streaming, and review s34 HIGH 1): memory holds at most this many, whatever the number of
    /// clients times weeks; a run that never reaches it stays in memory. The rows appended do
    /// not depend on it. Default 1,048,576.
    var totalsInMemory = 1 << 20
    /// Counts the totals held in memory (the streaming tests' bound); `nil` outside tests.
    var totalsProbe: InFlightProbe?
    /// Records every byte the spill writes to disk (the tests' attacker view); `nil` outside tests.
    var spillTap: SpillTap?
    /// Where the spill file is made (`nil`: `$TMPDIR`); the tests' way to watch the folder.
    var spillDirectory: URL?
    /// Rows of the export read between two cancellation checks of the read loop.
    static let rowsPerCancellationCheck = 4096
    /// For the signal tests only (a test switch like `HEAT_FAULT_POINT`, unset in normal use): a
    /// positive integer that replaces ``totalsInMemory``, so that a small export run by the built
    /// `heatctl` spills sealed runs and its merge can be interrupted.
    static let totalsInMemoryEnvironmentVariable = "HEAT_TEST_TOTALS_IN_MEMORY"

    /// Describes the input of an ingestion for the audit log.
    public struct Source: Sendable, Hashable {
        /// The input's name (its file name).
        public var name: String
        /// SHA-256 (hex) of the input bytes.
        public var inputHash: String
        /// Rows the reader rejected.
        public var rejectedRows: Int
        /// The clients file's name, if one was given.
        public var clientsName: String?

        /// Creates a source description.
        ///
        /// - Parameters:
        ///   - name: the input's file name.
        ///   - inputHash: SHA-256 hex of the input bytes.
        ///   - rejectedRows: rows the reader rejected.
        ///   - clientsName: the clients file's name, if any.
        public init(name: String, inputHash: String, rejectedRows: Int = 0, clientsName: String? = nil) {
            self.name = name
            self.inputHash = inputHash
            self.rejectedRows = rejectedRows
            self.clientsName = clientsName
        }
    }

    /// Creates an ingestor.
    ///
    /// - Parameters:
    ///   - key: the collector's pseudonymisation key.
    ///   - signer: the collector's ingestion key and endorsement (`nil` only in tests of unsigned rows).
    ///   - faultAbortAfterRows: the fault-injection row count, or `nil`.
    ///   - logger: where to log (default: ``Logging/Logger/silent``).
    public init(key: PseudonymisationKey, signer: CollectorSigner? = nil, faultAbortAfterRows: Int? = nil, logger: Logger = .silent) {
        self.pseudonymizer = Pseudonymizer(key: key)
        self.signer = signer
        self.faultAbortAfterRows = faultAbortAfterRows
        self.logger = logger
    }

    /// The chained tables an ingestion run appends to and signs, in signature order.
    public static let signedTables: [ChainedTable] = [
        .clientDirectory, .eventHMACs, .weeklyBuckets, .computationRuns, .ciphertexts, .collectorState,
    ]

    /// Reads the fault-injection switch from the environment.
    ///
    /// - Parameter environment: the process environment.
    /// - Returns: the row count, or `nil` when the variable is unset or empty.
    /// - Throws: ``StoreIngestorError/badFaultSetting(value:)`` for a value that is not a non-negative integer.
    public static func faultSetting(from environment: [String: String]) throws(StoreIngestorError) -> Int? {
        guard let text = environment[faultEnvironmentVariable], !text.isEmpty else { return nil }
        guard let value = Int(text), value >= 0 else { throw .badFaultSetting(value: text) }
        return value
    }

    /// SHA-256 (hex) of a file's bytes, read in chunks.
    ///
    /// - Parameter path: the file.
    /// - Returns: the hash hex, or `nil` when the file cannot be read.
    public static func sha256Hex(ofFile path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return Hex.encode(hasher.finalize())
    }

    /// The seconds an interaction adds to its bucket's duration.
    ///
    /// - Parameter interaction: the interaction.
    /// - Returns: `duration_seconds`, or 0 without a duration.
    public static func durationSeconds(of interaction: Interaction) -> Int64 {
        Int64(max(0, interaction.durationSeconds ?? 0))
    }

    /// Whether an interaction counts as replied within ``replyWindowHours``.
    ///
    /// - Parameter interaction: the interaction.
    /// - Returns: `true` when it has a reply time of at most 48 hours.
    public static func isReply(_ interaction: Interaction) -> Bool {
        guard let hours = interaction.repliedWithinHours else { return false }
        return hours <= replyWindowHours
    }

    /// Ingests interactions (and optionally client records) in one transaction.
    ///
    /// - Parameters:
    ///   - interactions: the validated interactions, in file order.
    ///   - clients: client records from the optional clients file (directory details).
    ///   - store: the store.
    ///   - source: the input description for the audit log.
    /// - Returns: what was added and skipped.
    /// - Throws: ``StoreIngestorError/faultInjected(afterRows:)``, ``StoreError`` (locked, key
    ///   mismatch, I/O). On any error nothing is committed.
    public func ingest<S: Sequence>(
        _ interactions: S, clients: [Client], into store: HeatStore, source: Source
    ) throws -> StoreIngestReport where S.Element == Interaction {
        try ingest(clients: clients, into: store, source: source, strict: false) { sink in
            for interaction in interactions { try sink(interaction) }
            return source.rejectedRows
        }
    }

    /// Ingests interactions pushed by a streaming reader, in one transaction.
    ///
    /// `feed` receives a sink, calls it once per valid interaction in file order, and returns
    /// the number of rows the reader rejected (recorded in the audit log). With `strict`, any
    /// rejected row rolls the whole ingestion back.
    ///
    /// ```swift
    /// let report = try ingestor.ingest(clients: [], into: store, source: source, strict: false) { sink in
    ///     try reader.stream(contentsOf: url) { try sink($0) }.rejectedRows
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - clients: client records from the optional clients file.
    ///   - store: the store.
    ///   - source: the input description (its `rejectedRows` is replaced by what `feed` returns).
    ///   - strict: roll back when any row was rejected.
    ///   - feed: pushes the interactions into the sink and returns the rejected-row count.
    /// - Returns: what was added and skipped.
    /// - Throws: ``StoreIngestorError``, ``StoreError``, or what `feed` throws. On any error
    ///   nothing is committed.
    public func ingest(
        clients: [Client], into store: HeatStore, source: Source, strict: Bool,
        streaming feed: (_ sink: (Interaction) throws -> Void) throws -> Int
    ) throws -> StoreIngestReport {
        do {
            let report = try ingestOnce(clients: clients, into: store, source: source, strict: strict, streaming: feed)
            FaultPoint.ingestAfterCommit.reach()
            return report
        } catch let error as StoreError {
            if case .keyMismatch = error {
                AuditLog.recordRefusal(in: store, role: KeyRole.collector.rawValue, action: AuditAction.ingest,
                                       reason: error.description, parameters: ["input": source.name])
            }
            throw error
        } catch let error as CollectorKeyError {
            // Issue 27: an attempt with a retired (rotated or revoked) collector key is audited.
            AuditLog.recordRefusal(in: store, role: KeyRole.collector.rawValue, action: AuditAction.ingest,
                                   reason: error.description, parameters: ["input": source.name])
            throw error
        } catch let error as FHEKeyError {
            // Issue 27: an attempt with a retired FHE key generation's public key is audited too.
            AuditLog.recordRefusal(in: store, role: KeyRole.collector.rawValue, action: AuditAction.ingest,
                                   reason: error.description, parameters: ["input": source.name])
            throw error
        }
    }

    private func ingestOnce(
        clients: [Client], into store: HeatStore, source: Source, strict: Bool,
        streaming feed: (_ sink: (Interaction) throws -> Void) throws -> Int
    ) throws -> StoreIngestReport {
        let startedAt = UTCTimestamp.now()
        var source = source
        return try store.write { db in
            try KeyRegistry.bind(pseudonymizer.key, in: db, path: store.path)
            if let signer { try KeyRegistry.bind(signer.key, endorsement: signer.endorsement, in: db, path: store.path) }
            let startHeads = try IngestionSignature.startHeads(of: Self.signedTables, in: db)
            let run = (try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM computation_runs") ?? 0) + 1
            let directory = try ChainAppender(db, table: .clientDirectory)
            let events = try ChainAppender(db, table: .eventHMACs)
            let buckets = try ChainAppender(db, table: .weeklyBuckets)
            var slots: [Data: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT pseudonym, slot FROM client_directory") {
                guard let pseudonym = row.lenientBlob(at: 0), let slot = row.lenientInteger(at: 1) else { continue }
                slots[pseudonym] = slot
            }
            var nextSlot = (try Int64.fetchOne(db, sql: "SELECT MAX(slot) FROM client_directory") ?? -1) + 1
            // An erased client's slot (issue 27) is never given to anyone else: its old weeks still hold their counts.
            if let erased = try ClientErasure.erasedSlots(in: db).last, erased < Int64.max { nextSlot = max(nextSlot, erased + 1) }
            var clientsAdded = 0
            var slotByRawID: [String: Int64] = [:]

            func slot(for clientID: String, managerID: String, branch: String, client: Client?) throws -> Int64 {
                if let known = slotByRawID[clientID] { return known }
                let pseudonym = pseudonymizer.pseudonym(for: clientID, kind: .client)
                let key = Data(pseudonym.bytes)
                if let existing = slots[key] {
                    slotByRawID[clientID] = existing
                    return existing
                }
                let slot = nextSlot
                nextSlot += 1
                try directory.append([
                    .blob(pseudonym.bytes), .text(pseudonym.displayRef), .integer(slot),
                    managerID.isEmpty ? .null : .blob(pseudonymizer.pseudonym(for: managerID, kind: .manager).bytes),
                    branch.isEmpty ? .null : .blob(pseudonymizer.pseudonym(for: branch, kind: .branch).bytes),
                    client.map { .text($0.segment) } ?? .null,
                    client.map { .text($0.region) } ?? .null,
                    client?.openedOn.map { .text($0.description) } ?? .null,
                    .integer(run),
                ])
                slots[key] = slot
                slotByRawID[clientID] = slot
                clientsAdded += 1
                return slot
            }

            if slotLayout == .hierarchy {
                // New clients sorted region > branch > manager (pseudonyms, not raw identifiers),
                // each manager's block padded to a power of two inside a row (``SlotLayout``).
                var seen = Set<String>()
                var fresh: [(key: [String], client: Client)] = []
                for client in clients where seen.insert(client.clientID).inserted {
                    let pseudonym = pseudonymizer.pseudonym(for: client.clientID, kind: .client)
                    guard slots[Data(pseudonym.bytes)] == nil else { continue }
                    let branch = client.branch.isEmpty ? "" : pseudonymizer.pseudonym(for: client.branch, kind: .branch).hex
                    let manager = client.managerID.isEmpty ? "" : pseudonymizer.pseudonym(for: client.managerID, kind: .manager).hex
                    fresh.append(([client.region, branch, manager, pseudonym.hex], client))
                }
                fresh.sort { $0.key.lexicographicallyPrecedes($1.key) }
                if !fresh.isEmpty, nextSlot > 0 {
                    // Step over the padding of the block holding the last slot (its manager's
                    // window must stay free of later clients).
                    let last = nextSlot - 1
                    if let manager = try Data.fetchOne(db, sql: "SELECT manager_pseudonym FROM client_directory WHERE slot = ?", arguments: [last]),
                        let low = try Int64.fetchOne(
                            db, sql: "SELECT MIN(slot) FROM client_directory WHERE manager_pseudonym = ? AND slot > ?",
                            arguments: [manager, last - Int64(SlotLayout.rowGranularity)])
                    {
                        nextSlot = max(nextSlot, low + Int64(SlotLayout.paddedSize(Int(last - low + 1))))
                    }
                }
                var index = 0
                while index < fresh.count {
                    var end = index + 1
                    while end < fresh.count && fresh[end].key.prefix(3) == fresh[index].key.prefix(3) { end += 1 }
                    let block = SlotLayout.place(count: end - index, at: nextSlot)
                    nextSlot = block.start
                    for item in fresh[index..<end] {
                        _ = try slot(for: item.client.clientID, managerID: item.client.managerID, branch: item.client.branch, client: item.client)
                    }
                    nextSlot = max(nextSlot, block.end)
                    index = end
                }
            }
            for client in clients {
                _ = try slot(for: client.clientID, managerID: client.managerID, branch: client.branch, client: client)
            }

            let lookup = try db.cachedStatement(sql: "SELECT 1 FROM event_hmacs WHERE event_hmac = ?")
            // Streaming (issue 14): past `totalsInMemory` totals, the dictionary is written as one
            // sorted run sealed under an ephemeral key (``SealedSpill``) and emptied, so memory
            // stays bounded whatever the number of clients times weeks, and no plaintext total
            // reaches the disk. The runs are in the order the consumer reads: week-first for a
            // sink (the collector), slot-first for the plaintext rows.
            let bySlot = bucketSink == nil
            var totals: [SpillKey: SpillTotals] = [:]
            let testLimit = ProcessInfo.processInfo.environment[Self.totalsInMemoryEnvironmentVariable].flatMap { Int($0) }
            let inMemoryLimit = max(1, testLimit ?? totalsInMemory)
            let probe = totalsProbe
            var spill: SealedSpill?
            func spillTotals() throws {
                if spill == nil { spill = try SealedSpill(bySlot: bySlot, directory: spillDirectory, tap: spillTap) }
                let count = totals.count
                // Sorted in place in one array, then the dictionary is freed before the run is written.
                var run = Array(totals)
                totals = [:]
                run.sort { $0.key < $1.key }
                try spill?.write(run: run)
                probe?.leave(count: count)
            }
            var rowsRead = 0
            var eventsAdded = 0
            var duplicates = 0
            source.rejectedRows = try feed { interaction in
                if let limit = faultAbortAfterRows, rowsRead >= limit {
                    throw StoreIngestorError.faultInjected(afterRows: rowsRead)
                }
                // Cancellation (issue 14): the read loop stops every few thousand rows when its
                // task is cancelled (`heatctl ingest` on SIGINT or SIGTERM); the transaction rolls back.
                if rowsRead % Self.rowsPerCancellationCheck == 0 {
                    try CancellationPoint.check(stage: "ingestion", done: rowsRead, total: 0)
                }
                rowsRead += 1
                let eventHMAC = pseudonymizer.eventKey(clientID: interaction.clientID, eventID: interaction.derivedEventID)
                if try Bool.fetchOne(lookup, arguments: [Data(eventHMAC)]) == true {
                    duplicates += 1
                    return
                }
                try events.append([.blob(eventHMAC), .integer(run)])
                eventsAdded += 1
                let clientSlot = try slot(
                    for: interaction.clientID, managerID: interaction.managerID, branch: interaction.branch, client: nil)
                let key = SpillKey(slot: clientSlot, week: interaction.week, channel: interaction.channel,
                                   direction: interaction.direction, bySlot: bySlot)
                if totals[key] == nil {
                    if totals.count >= inMemoryLimit { try spillTotals() }
                    try probe?.enter()
                }
                totals[key, default: SpillTotals()].add(
                    durationSeconds: Self.durationSeconds(of: interaction), reply: Self.isReply(interaction))
            }
            if strict, source.rejectedRows > 0 {
                throw StoreIngestorError.strictRejected(file: source.name, rejected: source.rejectedRows)
            }
            if let limit = faultAbortAfterRows, rowsRead >= limit {
                throw StoreIngestorError.faultInjected(afterRows: rowsRead)
            }

            var pseudonymBySlot: [Int64: Data] = [:]
            for (pseudonym, slot) in slots { pseudonymBySlot[slot] = pseudonym }
            // The run's totals, in memory or (past the limit) in the sealed runs.
            let stream: IngestedBucketStream
            if let spill {
                try spillTotals()
                try spill.finish()
                stream = IngestedBucketStream(spill: spill)
            } else {
                let count = totals.count
                var sorted = Array(totals)
                totals = [:]
                sorted.sort { $0.key < $1.key }
                stream = IngestedBucketStream(sorted: sorted, bySlot: bySlot)
                probe?.leave(count: count)
            }
            var sunk: IngestionBucketSinkResult?
            if let bucketSink {
                sunk = try bucketSink.append(streaming: stream, run: run, in: db)
            } else {
                try stream.forEach(bySlot: bySlot) { total in
                    guard let pseudonym = pseudonymBySlot[total.slot] else { return }
                    try buckets.append([
                        .blob([UInt8](pseudonym)), .text(total.week.description), .text(total.channel.rawValue),
                        .text(total.direction.rawValue), .integer(total.events), .integer(total.durationSeconds),
                        .integer(total.replies), .text(Self.plaintextEncoding), .integer(run),
                    ])
                }
            }
            let bucketRows = sunk == nil ? stream.count : 0

            var output = SHA256()
            for appender in [directory, events, buckets] {
                output.update(data: Array("\(appender.table.name):\(appender.lastSeq):".utf8))
                output.update(data: appender.lastHash)
            }
            for chain in sunk?.chains ?? [] {
                output.update(data: Array("\(chain.table):\(chain.seq):".utf8))
                output.update(data: chain.hash)
            }
            let outputHash = Hex.encode(output.finalize())
            var parameters: [String: String] = [
                "input": source.name, "mode": sunk?.mode ?? "plaintext", "rowsRead": String(rowsRead),
                "rowsRejected": String(source.rejectedRows), "eventsAdded": String(eventsAdded),
                "duplicatesSkipped": String(duplicates), "clientsAdded": String(clientsAdded),
                "bucketRowsAdded": String(bucketRows), "run": String(run),
                "keyFingerprint": pseudonymizer.key.fingerprint.hex,
            ]
            if let clientsName = source.clientsName { parameters["clients"] = clientsName }
            for (key, value) in sunk?.parameters ?? [:] { parameters[key] = value }
            let recorded = try ComputationLog.append(
                ComputationRun(startedAt: startedAt, finishedAt: .now(), kind: "ingest", inputHash: source.inputHash,
                               outputHash: outputHash, parameters: parameters), in: db)
            guard recorded == run else {
                throw StoreError.io(path: store.path, reason: "computation run \(recorded) recorded, \(run) expected")
            }
            if let signer {
                try IngestionSignature.sign(run: run, tables: Self.signedTables, from: startHeads, key: signer.key, in: db)
                parameters["ingestionKey"] = signer.key.fingerprint.hex
            }
            try AuditLog.append(AuditEntry(
                role: KeyRole.collector.rawValue, action: AuditAction.ingest, inputHash: source.inputHash,
                outputHash: outputHash, parameters: parameters), in: db)
            FaultPoint.ingestBeforeCommit.reach()
            var report = StoreIngestReport(
                run: run, rowsRead: rowsRead, rowsRejected: source.rejectedRows, eventsAdded: eventsAdded,
                duplicatesSkipped: duplicates, clientsAdded: clientsAdded, bucketRowsAdded: bucketRows,
                inputHash: source.inputHash, outputHash: outputHash)
            report.ciphertextsAdded = sunk?.ciphertexts ?? 0
            report.mode = sunk?.mode ?? "plaintext"
            logger.info("ingestion run recorded", metadata: [
                "run": "\(run)", "rowsRead": "\(rowsRead)", "rowsRejected": "\(source.rejectedRows)",
                "eventsAdded": "\(eventsAdded)", "duplicatesSkipped": "\(duplicates)", "clientsAdded": "\(clientsAdded)",
                "mode": "\(report.mode)", "signed": "\(signer != nil)",
            ])
            return report
        }
    }
}
