import Crypto
import Foundation
import GRDB
import HeatEnvelope

/// Where a verification starts from: the head file of the previous verification (or signature),
/// or an explicit first verification with no previous head.
///
/// ```swift
/// let anchor = HeadAnchor.previous(try SignedHead.read(from: URL(filePath: "head.heat")))
/// ```
public enum HeadAnchor: Sendable, Hashable {
    /// The head file kept outside the store (`--expect-head`, `--previous-head`).
    case previous(SignedHead)
    /// No previous head: the first verification or signature (`--first-head`); rollbacks to an
    /// earlier state cannot be detected without a previous head.
    case firstHead
}

/// Checks a store the way Certificate Transparency checks a log, failing closed
/// (`heatctl audit verify`, and `audit sign` before it signs).
///
/// Trust comes only from the pinned key (the key holder's public key from the auditor folder),
/// never from a key found in the store. In order:
/// 1. schema: the database text encoding is UTF-8, every chained table of the store's schema
///    version exists with its columns and its two append-only triggers;
/// 2. chains: each table's rows are walked in `seq` order over the **stored bytes** (`typeof` and
///    `CAST(col AS BLOB)`, never decoded values): a gap in `seq` is a deleted row, a `prev_hash`
///    that is not the previous row's hash a broken link, a `row_hash` that does not match the
///    canonical bytes an edited row, a TEXT value that is not valid UTF-8 or holds NUL tampering;
/// 3. signed heads: each must be signed by the pinned key, cover the chains as they are, and
///    never cover fewer rows than the one before; `audit.sign` entries and heads must agree;
/// 4. the anchor: the previous head must verify, match the chains, and still be in `signed_heads`
///    (this catches rollbacks and emptied heads);
/// 5. collector signatures: collector keys count only if endorsed by the pinned key; every
///    ingestion signature must verify and match its ranges; every row of each
///    ``ChainedTable/collectorSigned`` table must be covered by exactly one of them; a collector
///    key retired by a signed ``CollectorKeyRetirement`` counts only for its signatures up to the
///    retirement's final one (issue 27);
/// 6. the tail: rows not covered by the latest signed head are a violation unless
///    `allowUnsignedTail` (then they are counted in ``VerificationReport/unsignedRows``).
///
/// ```swift
/// let key = try KeyFolder(path: "keys/auditor", role: .auditor).verificationKey()
/// let head = try SignedHead.read(from: URL(filePath: "head.heat"))
/// let report = try StoreVerifier.verify(store: store, pinnedKey: key, anchor: .previous(head))
/// print(report.intact ? "intact" : report.violations[0].message)
/// ```
public enum StoreVerifier {
    /// Verifies the store in one read transaction (a consistent snapshot).
    ///
    /// - Parameters:
    ///   - store: the store (open it with ``HeatStore/init(readingFrom:)`` to verify read-only).
    ///   - pinnedKey: the auditor's verification key; every signature must be by it.
    ///   - anchor: the previous head, or ``HeadAnchor/firstHead``.
    ///   - allowUnsignedTail: accept rows appended after the latest signed head (counted).
    ///   - progress: receives (rows verified, rows in all chained tables) before the walk, every
    ///     ``progressInterval`` rows, after each table and once at the end with both equal; `nil`
    ///     for none. Example: `progress: { done, total in log("\(done)/\(total)") }`.
    /// - Returns: the report (violations included; verification itself does not throw on them).
    /// - Throws: ``StoreError`` if the store cannot be read.
    public static func verify(
        store: HeatStore, pinnedKey: StoreVerificationKey, anchor: HeadAnchor, allowUnsignedTail: Bool = false,
        progress: ((_ rowsVerified: Int64, _ totalRows: Int64) -> Void)? = nil
    ) throws -> VerificationReport {
        try store.read { db in
            try verify(in: db, pinnedKey: pinnedKey, anchor: anchor, allowUnsignedTail: allowUnsignedTail, progress: progress)
        }
    }

    /// Verifies the store through an open connection (inside a read or write transaction); see
    /// ``verify(store:pinnedKey:anchor:allowUnsignedTail:progress:)``.
    ///
    /// - Parameters:
    ///   - db: the connection.
    ///   - pinnedKey: the auditor's verification key.
    ///   - anchor: the previous head, or ``HeadAnchor/firstHead``.
    ///   - allowUnsignedTail: accept rows after the latest signed head.
    ///   - progress: the progress callback, or `nil`.
    /// - Returns: the report.
    /// - Throws: a database error.
    public static func verify(
        in db: Database, pinnedKey: StoreVerificationKey, anchor: HeadAnchor, allowUnsignedTail: Bool,
        progress: ((_ rowsVerified: Int64, _ totalRows: Int64) -> Void)? = nil
    ) throws -> VerificationReport {
        var violations: [Violation] = []
        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        let encoding = try String.fetchOne(db, sql: "PRAGMA encoding") ?? ""
        if encoding.uppercased() != "UTF-8" {
            violations.append(Violation(kind: .schemaChanged, table: "", seq: nil,
                                        message: "the database text encoding is \(encoding), not UTF-8 (the file was rewritten)"))
        }
        // 1. Schema.
        let tables = ChainedTable.all.filter { $0.introducedIn <= version }
        var walkable: [ChainedTable] = []
        for table in tables {
            if let violation = try checkSchema(of: table, in: db) {
                violations.append(violation)
                if violation.kind == .missingTable || violation.kind == .schemaChanged { continue }
            }
            walkable.append(table)
        }
        // Key transitions (issue 27): the pinned key and the keys valid transitions link it to.
        var trusted = TrustedSigningKeys(pinned: pinnedKey)
        if walkable.contains(.keyTransitions) {
            let (keys, found) = try TrustedSigningKeys.load(in: db, pinned: pinnedKey, signedHeadsUsable: walkable.contains(.signedHeads))
            trusted = keys
            violations += found
        }
        // Retention tombstones (issue 27): only those signed by a trusted key bridge chain gaps.
        var tombstones = TombstoneIndex.empty
        if walkable.contains(.retentionTombstones) {
            let (index, found) = try TombstoneIndex.load(in: db, trusted: trusted)
            tombstones = index
            violations += found
        }
        // Client erasures (issue 27, v6-lifecycle): each record must be signed by a trusted key
        // and pair with exactly one directory tombstone; erased slots must stay empty.
        var erasures: [String] = []
        var erasedSlots: [Int64] = []
        if walkable.contains(.clientErasures) {
            let (summaries, found, slots) = try ClientErasure.verify(in: db, trusted: trusted, tombstones: tombstones)
            erasures = summaries
            erasedSlots = slots
            violations += found
        }
        // Directory versions (issue 27, v7-directory): each signed by a trusted key.
        if walkable.contains(.directoryVersions) {
            let (summaries, found) = try DirectoryVersion.verify(in: db, trusted: trusted, erasedSlots: Set(erasedSlots))
            erasures += summaries
            violations += found
        }
        // FHE key transitions (issue 27, v9-fhe-keys): each signed by a trusted key and on the
        // store's chain of generations; they cover the ciphertext rows they re-encrypted.
        var fheTransitions: [FHEKeyTransition] = []
        if walkable.contains(.fheKeyTransitions) {
            let (chain, summaries, found) = try FHEKeyTransition.chain(in: db, trusted: trusted, tombstones: tombstones)
            fheTransitions = chain.map(\.record)
            erasures += summaries
            violations += found
        }
        // 2. Chains.
        var total: Int64 = 0
        var counts: [String: Int64] = [:]
        var lastSeqs: [String: Int64] = [:]
        for table in walkable {
            let count = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table.name)") ?? 0
            counts[table.name] = count
            lastSeqs[table.name] = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM \(table.name)") ?? count
            total += count
        }
        progress?(0, total)
        var chains: [ChainHead] = []
        var done: Int64 = 0
        for table in walkable {
            let base = done
            let (head, violation) = try walk(table, in: db, tombstones: tombstones, progress: progress.map { report in
                { rows in report(base + rows, max(total, base + rows)) }
            })
            chains.append(head)
            if let violation { violations.append(violation) }
            done = base + max(head.rows, violation == nil ? head.rows : counts[table.name] ?? 0)
            progress?(done, max(total, done))
        }
        progress?(done, done)
        if walkable.contains(.clientDirectory), let reused = try ClientErasure.reusedSlotViolation(in: db, slots: erasedSlots) {
            violations.append(reused)
        }

        // 3. Signed heads, all under the pinned key.
        var storedHeads: [(seq: Int64, head: SignedHead)] = []
        var latest: SignedHead?
        if walkable.contains(.signedHeads) {
            let rows = try Row.fetchAll(db, sql: "SELECT seq, CAST(head AS BLOB), CAST(signature AS BLOB) FROM signed_heads ORDER BY seq")
            var previous: SignedHead?
            for row in rows {
                let seq = row.lenientInteger(at: 0) ?? 0
                let label = "signed head \(seq) in signed_heads"
                let text = row.lenientBlob(at: 1) ?? Data()
                guard var head = try? SignedHead.decode(text, source: label) else {
                    violations.append(Violation(kind: .badHead, table: "signed_heads", seq: seq,
                                                message: "\(label): the stored head cannot be parsed"))
                    continue
                }
                head.signature = Hex.encode(row.lenientBlob(at: 2) ?? Data())
                let found = check(head, label: label, table: "signed_heads", seq: seq, pinnedKey: pinnedKey, db: db, tombstones: tombstones,
                                  trusted: trusted)
                violations += found
                if found.contains(where: { $0.kind == .unknownSigningKey || $0.kind == .badSignature }) { continue }
                if let previous, let shrunk = head.chains.first(where: { chain in
                    previous.chains.contains { $0.table == chain.table && $0.rows > chain.rows }
                }) {
                    violations.append(Violation(kind: .badHead, table: "signed_heads", seq: seq,
                                                message: "\(label) covers fewer \(shrunk.table) rows than the head before it (inconsistent heads)"))
                }
                storedHeads.append((seq, head))
                previous = head
                latest = head
            }
            let signatures = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM audit_log WHERE CAST(action AS BLOB) = CAST(? AS BLOB)",
                arguments: [AuditAction.sign]) ?? 0
            if signatures > rows.count {
                violations.append(Violation(
                    kind: .headsDeleted, table: "signed_heads", seq: nil,
                    message: "audit_log records \(signatures) signatures but signed_heads holds \(rows.count) heads: signed heads were deleted"))
            }
        }

        // 4. The anchor.
        if case .previous(let expected) = anchor {
            let label = "expected head (signed \(expected.signedAt))"
            let found = check(expected, label: label, table: "signed_heads", seq: nil, pinnedKey: pinnedKey, db: db, tombstones: tombstones,
                              trusted: trusted)
            violations += found
            let authentic = !found.contains { $0.kind == .unknownSigningKey || $0.kind == .badSignature }
            if authentic, !storedHeads.contains(where: { $0.head.signature == expected.signature }) {
                violations.append(Violation(
                    kind: .headsDeleted, table: "signed_heads", seq: nil,
                    message: "\(label) is not in signed_heads: signed heads were deleted or replaced"))
            }
        }

        // 5. Collector keys and ingestion signatures.
        let collector = try checkCollectorSignatures(in: db, pinnedKey: pinnedKey, walkable: walkable, tombstones: tombstones, trusted: trusted,
                                                     fheTransitions: fheTransitions)
        violations += collector.violations

        // 6. Rows after the latest signed head.
        var unsigned: [String: Int64] = [:]
        for table in walkable where table != .signedHeads {
            let rows = lastSeqs[table.name] ?? 0
            let covered = latest?.chains.first { $0.table == table.name }?.rows ?? 0
            if rows > covered { unsigned[table.name] = rows - covered }
        }
        if !allowUnsignedTail, let first = ChainedTable.registered.first(where: { unsigned[$0.name] != nil }),
           let count = unsigned[first.name] {
            let rows = lastSeqs[first.name] ?? 0
            let total = unsigned.values.reduce(0, +)
            let since = latest.map { "the latest signed head is of \($0.signedAt)" } ?? "the store has no valid signed head"
            violations.append(Violation(
                kind: .unsignedRows, table: first.name, seq: rows - count + 1,
                message: "\(first.name) rows \(rows - count + 1)-\(rows) are not covered by a signed head (\(total) unsigned rows in all; \(since)); sign them with `heatctl audit sign` or pass --allow-unsigned-tail"))
        }
        var checkedAnchor = false
        if case .previous = anchor { checkedAnchor = true }
        return VerificationReport(
            chains: chains, signedHeads: storedHeads.count, latestSignedAt: latest?.signedAt,
            unsignedRows: unsigned, checkedExpectedHead: checkedAnchor, violations: violations,
            collectorKeys: collector.keys, ingestionSignatures: collector.signatures, allowedUnsignedTail: allowUnsignedTail,
            retention: tombstones.summaries + erasures + collector.summaries)
    }

    /// How many rows pass between two progress reports of ``verify(store:pinnedKey:anchor:allowUnsignedTail:progress:)``.
    public static let progressInterval: Int64 = 4096

    /// One chained table checked as `audit verify` checks it, without keys or signed heads: its
    /// columns and append-only triggers (``checkSchema(of:in:)``), then its hash chain over the
    /// stored bytes (``walk(_:in:tombstones:progress:)``). The chain is walked first when the
    /// schema is intact or only a trigger is missing, so that an edited row is named.
    ///
    /// Used where one table must be trusted before a store is verified whole (issue 27): the
    /// computation log a release checks a file against (``EncryptedHeatRun/loggedEvaluation(in:source:)``)
    /// and the registered signing key without a pin (``FHEKeyGeneration/requireTrustedSigner(_:path:generation:pinnedKey:storePath:in:)``).
    /// A chain recomputed over a forged row passes: only signed heads and the pinned key tell it
    /// from a genuine one.
    ///
    /// ```swift
    /// if let broken = try StoreVerifier.chainViolation(of: .computationRuns, in: db, through: 12) { print(broken.message) }
    /// ```
    ///
    /// - Parameters:
    ///   - table: the table.
    ///   - db: a connection.
    ///   - seq: when given, a chain violation at a later row is not reported (the rows up to `seq`
    ///     are intact); a schema or trigger violation always is.
    /// - Returns: the first violation, or `nil`.
    /// - Throws: a database error.
    static func chainViolation(of table: ChainedTable, in db: Database, through seq: Int64? = nil) throws -> Violation? {
        var broken = try checkSchema(of: table, in: db)
        if broken == nil || broken?.kind == .appendOnlyTriggerMissing {
            if let walked = try walk(table, in: db).1, seq == nil || (walked.seq ?? 0) <= (seq ?? 0) {
                broken = walked
            }
        }
        return broken
    }

    /// The table's existence, columns and append-only triggers.
    static func checkSchema(of table: ChainedTable, in db: Database) throws -> Violation? {
        let name = table.name
        guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [name]) == 1 else {
            return Violation(kind: .missingTable, table: name, seq: nil, message: "table \(name) is missing (dropped)")
        }
        let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(\(name))").compactMap { $0.lenientText("name") }
        let expected = ["seq"] + table.columns + ["prev_hash", "row_hash"]
        guard columns == expected else {
            return Violation(kind: .schemaChanged, table: name, seq: nil,
                             message: "table \(name) has columns \(columns.joined(separator: ", ")), not \(expected.joined(separator: ", ")) (the table was rebuilt)")
        }
        for (operation, sql) in zip(["update", "delete"], StoreSchema.triggerStatements(for: table)) {
            let trigger = "\(name)_no_\(operation)"
            let stored = try String.fetchOne(
                db, sql: "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ? AND tbl_name = ?", arguments: [trigger, name])
            if stored != sql {
                return Violation(kind: .appendOnlyTriggerMissing, table: name, seq: nil,
                                 message: "table \(name): the append-only trigger \(trigger) was \(stored == nil ? "dropped" : "altered") (someone wrote to the file outside heatctl)")
            }
        }
        return nil
    }

    /// Walks one chain over the stored bytes and returns its verified head and its first
    /// violation; `progress` receives the rows verified in this chain every ``progressInterval`` rows.
    static func walk(
        _ table: ChainedTable, in db: Database, tombstones: TombstoneIndex = .empty, progress: ((Int64) -> Void)? = nil
    ) throws -> (ChainHead, Violation?) {
        var select = ["seq"]
        for column in table.columns {
            select.append("typeof(\(column))")
            select.append("CASE typeof(\(column)) WHEN 'integer' THEN \(column) ELSE CAST(\(column) AS BLOB) END")
        }
        select += ["typeof(prev_hash)", "CAST(prev_hash AS BLOB)", "typeof(row_hash)", "CAST(row_hash AS BLOB)"]
        let cursor = try Row.fetchCursor(db, sql: "SELECT \(select.joined(separator: ", ")) FROM \(table.name) ORDER BY seq")
        var expectedSeq: Int64 = 1
        var previousHash = table.genesisHash
        var bytes = [UInt8]()
        let name = table.name
        let hashIndex = 1 + 2 * table.columns.count
        func stop(_ kind: Violation.Kind, _ seq: Int64, _ message: String) -> (ChainHead, Violation?) {
            (head(table, expectedSeq - 1, previousHash), Violation(kind: kind, table: name, seq: seq, message: message))
        }
        while let row = try cursor.next() {
            guard let seq = row.lenientInteger(at: 0) else {
                return stop(.badValue, expectedSeq, "\(name) row after seq \(expectedSeq - 1): seq is not an integer")
            }
            // A gap is bridged only by valid retention tombstones covering it exactly; the next
            // row must then link to the last dropped row's anchored hash.
            while seq > expectedSeq, let stone = tombstones.range(name, startingAt: expectedSeq), stone.lastSeq < seq,
                  let hash = stone.anchorHash(stone.lastSeq) {
                expectedSeq = stone.lastSeq + 1
                previousHash = hash
            }
            // A stored row inside a valid tombstone's range: dropped or erased rows re-inserted.
            if let stone = tombstones.containing(name, seq: seq) {
                return stop(.reinsertedRow, seq, "\(name) row \(seq) lies in rows \(stone.firstSeq)-\(stone.lastSeq), which a signed tombstone dropped (\(stone.policy)): dropped or erased rows were re-inserted")
            }
            if seq != expectedSeq {
                return stop(.missingRow, expectedSeq, seq > expectedSeq
                    ? "\(name) row \(expectedSeq) is missing: row \(seq) follows row \(expectedSeq - 1) (rows deleted)"
                    : "\(name) row \(seq) is out of order after row \(expectedSeq - 1)")
            }
            bytes.removeAll(keepingCapacity: true)
            CanonicalValue.integer(seq).append(to: &bytes)
            for index in 0..<table.columns.count {
                let type = row.lenientText(at: 1 + 2 * index) ?? ""
                let value: DatabaseValue = row[2 + 2 * index]
                let column = table.columns[index]
                switch (type, value.storage) {
                case ("null", _):
                    CanonicalValue.null.append(to: &bytes)
                case ("integer", .int64(let integer)):
                    CanonicalValue.integer(integer).append(to: &bytes)
                case ("text", .blob(let data)):
                    if let problem = textProblem(data) {
                        return stop(.badText, seq, "\(name) row \(seq): column \(column) holds text \(problem), which the store never writes (tampering)")
                    }
                    appendStored(tag: 2, data, to: &bytes)
                case ("blob", .blob(let data)):
                    appendStored(tag: 3, data, to: &bytes)
                case ("text", .null), ("blob", .null):
                    // CAST of an empty TEXT or BLOB can read back as NULL in some SQLite builds.
                    appendStored(tag: type == "text" ? 2 : 3, Data(), to: &bytes)
                default:
                    return stop(.badValue, seq, "\(name) row \(seq): column \(column) holds a \(type.uppercased()) value, which the store never writes (edited)")
                }
            }
            let prevType = row.lenientText(at: hashIndex) ?? ""
            let prev = [UInt8](row.lenientBlob(at: hashIndex + 1) ?? Data())
            let hashType = row.lenientText(at: hashIndex + 2) ?? ""
            let stored = [UInt8](row.lenientBlob(at: hashIndex + 3) ?? Data())
            if prevType != "blob" || prev != previousHash {
                return stop(.brokenLink, seq, "\(name) row \(seq): prev_hash is not the hash of row \(seq - 1) (rows removed, reordered or inserted)")
            }
            var hasher = SHA256()
            hasher.update(data: previousHash)
            hasher.update(data: bytes)
            let computed = Array(hasher.finalize())
            if hashType != "blob" || computed != stored {
                return stop(.rowHashMismatch, seq, "\(name) row \(seq): contents do not match row_hash (the row was edited or reordered)")
            }
            previousHash = stored
            if let progress, expectedSeq % progressInterval == 0 { progress(expectedSeq) }
            expectedSeq += 1
        }
        // Rows dropped at the end of a chain (a client erased whose rows were the last ones,
        // issue 27): the chain ends at the last valid tombstone's anchored hash, where the next
        // append continues (``ChainedTable/lastLink(in:)``).
        while let stone = tombstones.range(name, startingAt: expectedSeq), stone.lastSeq < Int64.max,
              let hash = stone.anchorHash(stone.lastSeq) {
            expectedSeq = stone.lastSeq + 1
            previousHash = hash
        }
        return (head(table, expectedSeq - 1, previousHash), nil)
    }

    /// Appends a TEXT (tag 2) or BLOB (tag 3) canonical value from its stored bytes.
    private static func appendStored(tag: UInt8, _ data: Data, to bytes: inout [UInt8]) {
        bytes.append(tag)
        bytes.appendBigEndian(UInt32(data.count))
        bytes.append(contentsOf: data)
    }

    /// Why stored TEXT bytes are not what the store writes (`nil` when they are valid UTF-8 without NUL).
    static func textProblem(_ data: Data) -> String? {
        if data.contains(0) { return "with a NUL byte" }
        var iterator = data.makeIterator()
        var decoder = Unicode.UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return nil
            case .error: return "that is not valid UTF-8"
            }
        }
    }

    private static func head(_ table: ChainedTable, _ rows: Int64, _ hash: [UInt8]) -> ChainHead {
        ChainHead(table: table.name, rows: rows, hash: Hex.encode(hash))
    }

    /// The stored `row_hash` of row `seq` of `table` (the genesis hash for seq 0), or `nil`.
    static func storedHash(_ table: String, seq: Int64, in db: Database, tombstones: TombstoneIndex = .empty) -> [UInt8]? {
        if seq == 0 { return ChainedTable.named(table)?.genesisHash }
        guard let row = try? Row.fetchOne(db, sql: "SELECT CAST(row_hash AS BLOB) FROM \(table) WHERE seq = ?", arguments: [seq]),
              let data = row.lenientBlob(at: 0) else { return tombstones.hash(table, seq: seq) }
        return [UInt8](data)
    }

    /// Checks one signed head's signature (by the pinned key only) and its agreement with the chains.
    static func check(
        _ head: SignedHead, label: String, table: String, seq: Int64?, pinnedKey: StoreVerificationKey, db: Database,
        tombstones: TombstoneIndex = .empty, trusted: TrustedSigningKeys? = nil
    ) -> [Violation] {
        let trusted = trusted ?? TrustedSigningKeys(pinned: pinnedKey)
        guard let signer = trusted.key(head.keyFingerprint) else {
            return [Violation(kind: .unknownSigningKey, table: table, seq: seq,
                              message: "\(label): signed by key \(head.keyFingerprint.prefix(16))…, not by the pinned auditor key \(pinnedKey.fingerprint.hex.prefix(16))…")]
        }
        guard head.isValid(under: signer) else {
            return [Violation(kind: .badSignature, table: table, seq: seq,
                              message: "\(label): the Ed25519 signature does not verify (the head was altered or forged)")]
        }
        var violations: [Violation] = []
        if let seq, let last = trusted.retiredAfter[head.keyFingerprint], seq > last {
            violations.append(Violation(
                kind: .retiredSigningKey, table: table, seq: seq,
                message: "\(label): signed by key \(head.keyFingerprint.prefix(16))…, which a key transition retired after signed head \(last) (a stolen or revoked key)"))
        }
        for chain in head.chains {
            guard ChainedTable.named(chain.table) != nil else {
                violations.append(Violation(kind: .badHead, table: table, seq: seq, message: "\(label): names unknown table \(chain.table)"))
                continue
            }
            guard chain.rows > 0 else { continue }
            let count = (try? Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM \(chain.table)")) ?? 0
            guard let stored = storedHash(chain.table, seq: chain.rows, in: db, tombstones: tombstones) else {
                violations.append(Violation(
                    kind: .rowsDeleted, table: chain.table, seq: chain.rows,
                    message: "\(chain.table) has \(count) rows but the \(label) covers \(chain.rows): rows were deleted (rollback)"))
                continue
            }
            if Hex.encode(stored) != chain.hash {
                violations.append(Violation(
                    kind: .headMismatch, table: chain.table, seq: chain.rows,
                    message: "\(chain.table) row \(chain.rows): hash differs from the \(label): the chain was rewritten after signing"))
            }
        }
        return violations
    }

    /// Checks collector key endorsements and ingestion signatures, and that every row of the
    /// collector-signed tables is covered by exactly one valid signature.
    static func checkCollectorSignatures(
        in db: Database, pinnedKey: StoreVerificationKey, walkable: [ChainedTable], tombstones: TombstoneIndex = .empty,
        trusted: TrustedSigningKeys? = nil, fheTransitions: [FHEKeyTransition] = []
    ) throws -> (violations: [Violation], keys: Int, signatures: Int, summaries: [String]) {
        let trustedKeys = trusted ?? TrustedSigningKeys(pinned: pinnedKey)
        guard walkable.contains(.collectorKeys), walkable.contains(.ingestionSignatures) else {
            // A schema-1 store has no collector signatures; its ingested rows are not covered.
            var violations: [Violation] = []
            for table in walkable where table.collectorSigned {
                let count = (try? Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table.name)")) ?? 0
                if count > 0 {
                    violations.append(Violation(kind: .unsignedIngestion, table: table.name, seq: 1,
                                                message: "\(table.name) rows 1-\(count) carry no collector signature (schema version 1 store)"))
                    break
                }
            }
            return (violations, 0, 0, [])
        }
        var violations: [Violation] = []
        var trusted: [String: StoreVerificationKey] = [:]
        for (seq, stored) in try IngestionKeyEndorsement.stored(in: db) {
            guard let endorsement = stored else {
                // Issue 27: a row that cannot be parsed (an `endorsed_at` rewritten in a
                // non-canonical form included) endorses nothing.
                violations.append(Violation(
                    kind: .unendorsedCollectorKey, table: ChainedTable.collectorKeys.name, seq: seq,
                    message: "collector_keys row \(seq): the endorsement cannot be parsed (forged or altered); its signatures are ignored"))
                continue
            }
            guard let endorser = trustedKeys.key(endorsement.endorsedBy), endorsement.isValid(under: endorser),
                  let key = endorsement.collectorKey else {
                violations.append(Violation(
                    kind: .unendorsedCollectorKey, table: ChainedTable.collectorKeys.name, seq: seq,
                    message: "collector_keys row \(seq): the key \(endorsement.keyFingerprint.prefix(16))… is not endorsed by the pinned auditor key (added by someone else); its signatures are ignored"))
                continue
            }
            // An endorsement by a retired key after its final signed head (issue 27) is refused.
            if let problem = trustedKeys.retiredProblem(endorsement.endorsedBy, table: ChainedTable.collectorKeys.name, seq: seq) {
                violations.append(Violation(
                    kind: .retiredSigningKey, table: ChainedTable.collectorKeys.name, seq: seq,
                    message: "collector_keys row \(seq): the endorsement of collector key \(endorsement.keyFingerprint.prefix(16))… is \(problem); its signatures are ignored"))
                continue
            }
            trusted[key.fingerprint.hex] = key
        }
        // Issue 27: collector keys retired (rotated or revoked) by a signed retirement.
        let retirements: (retired: [String: (seq: Int64, record: CollectorKeyRetirement)], summaries: [String], violations: [Violation])
            = walkable.contains(.collectorKeyRetirements) ? try CollectorKeyRetirement.verify(in: db, trusted: trustedKeys) : ([:], [], [])
        violations += retirements.violations
        var coverage: [String: [(first: Int64, last: Int64)]] = [:]
        let rows = try Row.fetchAll(db, sql: """
            SELECT seq, run, CAST(signed_at AS BLOB), CAST(key_fingerprint AS BLOB), CAST(ranges AS BLOB), CAST(signature AS BLOB)
            FROM ingestion_signatures ORDER BY seq
            """)
        for row in rows {
            let seq = row.lenientInteger(at: 0) ?? 0
            let label = "ingestion_signatures row \(seq)"
            func bad(_ message: String) {
                violations.append(Violation(kind: .badIngestionSignature, table: ChainedTable.ingestionSignatures.name, seq: seq,
                                            message: "\(label): \(message)"))
            }
            guard let run = row.lenientInteger(at: 1),
                  let signedAtText = row.lenientBlob(at: 2).map({ String(decoding: $0, as: UTF8.self) }),
                  let signedAt = try? UTCTimestamp(iso8601: signedAtText),
                  let fingerprint = row.lenientBlob(at: 3).map({ String(decoding: $0, as: UTF8.self) }),
                  let rangesData = row.lenientBlob(at: 4),
                  let ranges = try? JSONDecoder().decode([IngestionSignature.Range].self, from: rangesData),
                  let signature = row.lenientBlob(at: 5) else {
                bad("cannot be parsed")
                continue
            }
            let record = IngestionSignature(run: run, signedAt: signedAt, keyFingerprint: fingerprint, ranges: ranges,
                                            signature: Hex.encode(signature))
            guard let key = trusted[fingerprint] else {
                bad("signed by collector key \(fingerprint.prefix(16))…, which the key holder did not endorse")
                continue
            }
            guard record.isValid(under: key) else {
                bad("the collector's Ed25519 signature does not verify (the run record was altered or forged)")
                continue
            }
            if let entry = retirements.retired[fingerprint], seq > entry.record.finalSignatureSeq {
                let (retiredBy, retirement) = (entry.seq, entry.record)
                violations.append(Violation(
                    kind: .retiredCollectorKey, table: ChainedTable.ingestionSignatures.name, seq: seq,
                    message: "\(label): signed by collector key \(fingerprint.prefix(16))… (generation \(retirement.generation)), which collector_key_retirements row \(retiredBy) retired after ingestion signature \(retirement.finalSignatureSeq) (\(retirement.reason)): a rotated or revoked, possibly stolen, key; its rows count as unsigned"))
                continue
            }
            var matches = true
            for range in ranges {
                guard ChainedTable.named(range.table) != nil, range.first >= 1, range.last >= range.first - 1 else {
                    bad("names an invalid range of \(range.table)")
                    matches = false
                    break
                }
                let start = storedHash(range.table, seq: range.first - 1, in: db, tombstones: tombstones)
                let end = storedHash(range.table, seq: range.last, in: db, tombstones: tombstones)
                if start.map(Hex.encode) != range.startHash || end.map(Hex.encode) != range.endHash {
                    bad("\(range.table) rows \(range.first)-\(range.last) no longer match the hashes the collector signed (rows changed after ingestion)")
                    matches = false
                    break
                }
            }
            guard matches else { continue }
            for range in ranges where range.last >= range.first {
                coverage[range.table, default: []].append((range.first, range.last))
            }
        }
        // Issue 27: ciphertext rows re-encrypted by a valid FHE key rotation are covered by its
        // signed transition instead of a collector signature.
        for transition in fheTransitions where transition.lastSeq >= transition.firstSeq {
            coverage[ChainedTable.ciphertexts.name, default: []].append((transition.firstSeq, transition.lastSeq))
        }
        for table in walkable where table.collectorSigned {
            let count = (try? Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM \(table.name)")) ?? 0
            var next: Int64 = 1
            var problem: (Int64, Int64, String)?
            for range in (coverage[table.name] ?? []).sorted(by: { $0.first < $1.first }) {
                if range.first > next { problem = (next, range.first - 1, "carry no valid collector signature"); break }
                if range.first < next { problem = (range.first, min(range.last, next - 1), "are claimed by two ingestion signatures"); break }
                next = range.last + 1
            }
            if problem == nil, next <= count { problem = (next, count, "carry no valid collector signature") }
            if case let (first, last, what)? = problem {
                violations.append(Violation(
                    kind: .unsignedIngestion, table: table.name, seq: first,
                    message: "\(table.name) rows \(first)-\(last) \(what) (added outside a signed ingestion run: forged)"))
            }
        }
        return (violations, trusted.count, rows.count, retirements.summaries)
    }
}
