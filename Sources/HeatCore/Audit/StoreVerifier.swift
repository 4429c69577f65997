import Foundation
import GRDB
import HeatEnvelope

/// Checks every hash chain and every signed head of a store (`heatctl audit verify`).
///
/// For each chained table, rows are walked in `seq` order: a gap in `seq` is a deleted row, a
/// `prev_hash` that is not the previous row's hash is a broken link, and a `row_hash` that is
/// not `SHA-256(prev_hash || canonical row bytes)` is an edited row; the first bad row of each
/// chain is reported and the walk of that chain stops. Each stored signed head is then checked:
/// its signature (under the pinned key, or the key registered with the fingerprint it names)
/// and, for every chain it covers, that the chain still has that many rows and the same hash at
/// that row. An expected head file (kept outside the store) gets the same check, which catches
/// rows deleted from the end together with their signed heads.
///
/// ```swift
/// let report = try StoreVerifier.verify(store: store, expectedHead: try SignedHead.read(from: headURL))
/// print(report.intact ? "intact" : report.violations[0].message)
/// ```
public enum StoreVerifier {
    /// Verifies the store.
    ///
    /// - Parameters:
    ///   - store: the store.
    ///   - expectedHead: a head read from a file kept outside the store, if any.
    ///   - pinnedKey: the auditor's verification key; when given, every signature must be by it.
    ///   - progress: receives (rows verified, rows in all chained tables) before the walk, every
    ///     ``progressInterval`` rows, after each table and once at the end with both equal, for a
    ///     progress bar on large stores; `nil` for none. Example:
    ///     `StoreVerifier.verify(store: store, progress: { done, total in log("\(done)/\(total)") })`.
    /// - Returns: the report (violations included; verification itself does not throw on them).
    /// - Throws: ``StoreError`` if the store cannot be read.
    public static func verify(
        store: HeatStore, expectedHead: SignedHead? = nil, pinnedKey: StoreVerificationKey? = nil,
        progress: ((_ rowsVerified: Int64, _ totalRows: Int64) -> Void)? = nil
    ) throws -> VerificationReport {
        try store.read { db in
            var violations: [Violation] = []
            var chains: [ChainHead] = []
            var total: Int64 = 0
            if progress != nil {
                for table in ChainedTable.all {
                    total += try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table.name)") ?? 0
                }
                progress?(0, total)
            }
            var done: Int64 = 0
            for table in ChainedTable.all {
                let base = done
                let (head, violation) = try walk(table, in: db, progress: progress.map { report in
                    { rows in report(base + rows, max(total, base + rows)) }
                })
                chains.append(head)
                if let violation { violations.append(violation) }
                done = base + head.rows
                if violation != nil {
                    // The rest of a broken chain is not walked: count it as passed over.
                    done = max(done, base + (try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table.name)") ?? 0))
                }
                progress?(done, max(total, done))
            }
            progress?(done, done)
            let registered = try KeyRegistry.verificationKeys(in: db)
            let storedHeads = try Row.fetchAll(db, sql: "SELECT seq, head, signature FROM signed_heads ORDER BY seq")
            var latest: SignedHead?
            for row in storedHeads {
                let seq = row.lenientInteger("seq") ?? 0
                let label = "signed head \(seq) in signed_heads"
                let text = row.lenientText("head") ?? ""
                let signature = row.lenientBlob("signature") ?? Data()
                guard var head = try? SignedHead.decode(Data(text.utf8), source: label) else {
                    violations.append(Violation(kind: .badHead, table: "signed_heads", seq: seq,
                                                message: "\(label): the stored head cannot be parsed"))
                    continue
                }
                head.signature = Hex.encode(signature)
                violations += check(head, label: label, table: "signed_heads", seq: seq,
                                    registered: registered, pinnedKey: pinnedKey, db: db)
                latest = head
            }
            if let expectedHead {
                violations += check(expectedHead, label: "expected head (signed \(expectedHead.signedAt))",
                                    table: "signed_heads", seq: nil, registered: registered, pinnedKey: pinnedKey, db: db)
            }
            var unsigned: [String: Int64] = [:]
            if let latest {
                for head in latest.chains {
                    if let current = chains.first(where: { $0.table == head.table }), current.rows > head.rows {
                        unsigned[head.table] = current.rows - head.rows
                    }
                }
            }
            return VerificationReport(
                chains: chains, signedHeads: storedHeads.count, latestSignedAt: latest?.signedAt,
                unsignedRows: unsigned, checkedExpectedHead: expectedHead != nil, violations: violations)
        }
    }

    /// How many rows pass between two progress reports of ``verify(store:expectedHead:pinnedKey:progress:)``.
    public static let progressInterval: Int64 = 4096

    /// Walks one chain and returns its head and its first violation; `progress` receives the rows
    /// verified in this chain every ``progressInterval`` rows.
    static func walk(_ table: ChainedTable, in db: Database, progress: ((Int64) -> Void)? = nil) throws -> (ChainHead, Violation?) {
        let columns = (["seq"] + table.columns + ["prev_hash", "row_hash"]).joined(separator: ", ")
        let cursor = try Row.fetchCursor(db, sql: "SELECT \(columns) FROM \(table.name) ORDER BY seq")
        var expectedSeq: Int64 = 1
        var previousHash = table.genesisHash
        var values = [CanonicalValue]()
        values.reserveCapacity(table.columns.count)
        let name = table.name
        while let row = try cursor.next() {
            let seqValue: DatabaseValue = row[0]
            guard case .int64(let seq) = seqValue.storage else {
                return (head(table, expectedSeq - 1, previousHash),
                        Violation(kind: .badValue, table: name, seq: expectedSeq, message: "\(name) row after seq \(expectedSeq - 1): seq is not an integer"))
            }
            if seq != expectedSeq {
                let message = seq > expectedSeq
                    ? "\(name) row \(expectedSeq) is missing: row \(seq) follows row \(expectedSeq - 1) (rows deleted)"
                    : "\(name) row \(seq) is out of order after row \(expectedSeq - 1)"
                return (head(table, expectedSeq - 1, previousHash),
                        Violation(kind: .missingRow, table: name, seq: expectedSeq, message: message))
            }
            values.removeAll(keepingCapacity: true)
            for index in 0..<table.columns.count {
                guard let value = CanonicalValue(row[index + 1] as DatabaseValue) else {
                    return (head(table, expectedSeq - 1, previousHash),
                            Violation(kind: .badValue, table: name, seq: seq,
                                      message: "\(name) row \(seq): column \(table.columns[index]) holds a REAL, which the store never writes (edited)"))
                }
                values.append(value)
            }
            let prev = [UInt8](row.lenientBlob(at: table.columns.count + 1) ?? Data())
            let stored = [UInt8](row.lenientBlob(at: table.columns.count + 2) ?? Data())
            if prev != previousHash {
                return (head(table, expectedSeq - 1, previousHash),
                        Violation(kind: .brokenLink, table: name, seq: seq,
                                  message: "\(name) row \(seq): prev_hash is not the hash of row \(seq - 1) (rows removed, reordered or inserted)"))
            }
            let computed = table.rowHash(previousHash: previousHash, seq: seq, values: values)
            if computed != stored {
                return (head(table, expectedSeq - 1, previousHash),
                        Violation(kind: .rowHashMismatch, table: name, seq: seq,
                                  message: "\(name) row \(seq): contents do not match row_hash (the row was edited or reordered)"))
            }
            previousHash = stored
            if let progress, expectedSeq % progressInterval == 0 { progress(expectedSeq) }
            expectedSeq += 1
        }
        return (head(table, expectedSeq - 1, previousHash), nil)
    }

    private static func head(_ table: ChainedTable, _ rows: Int64, _ hash: [UInt8]) -> ChainHead {
        ChainHead(table: table.name, rows: rows, hash: Hex.encode(hash))
    }

    /// Checks one signed head's signature and its agreement with the chains.
    static func check(
        _ head: SignedHead, label: String, table: String, seq: Int64?, registered: [String: StoreVerificationKey],
        pinnedKey: StoreVerificationKey?, db: Database
    ) -> [Violation] {
        let key: StoreVerificationKey
        if let pinnedKey {
            guard pinnedKey.fingerprint.hex == head.keyFingerprint else {
                return [Violation(kind: .unknownSigningKey, table: table, seq: seq,
                                  message: "\(label): signed by key \(head.keyFingerprint.prefix(16))…, not by the auditor's key \(pinnedKey.fingerprint.hex.prefix(16))…")]
            }
            key = pinnedKey
        } else {
            guard let found = registered[head.keyFingerprint] else {
                return [Violation(kind: .unknownSigningKey, table: table, seq: seq,
                                  message: "\(label): signed by key \(head.keyFingerprint.prefix(16))…, which is not registered in the store")]
            }
            key = found
        }
        guard head.isValid(under: key) else {
            return [Violation(kind: .badSignature, table: table, seq: seq,
                              message: "\(label): the Ed25519 signature does not verify (the head was altered or forged)")]
        }
        var violations: [Violation] = []
        for chain in head.chains {
            guard ChainedTable.named(chain.table) != nil else {
                violations.append(Violation(kind: .badHead, table: table, seq: seq, message: "\(label): names unknown table \(chain.table)"))
                continue
            }
            guard chain.rows > 0 else { continue }
            let row = try? Row.fetchOne(db, sql: "SELECT row_hash FROM \(chain.table) WHERE seq = ?", arguments: [chain.rows])
            let count = (try? Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM \(chain.table)")) ?? 0
            guard let row else {
                violations.append(Violation(
                    kind: .rowsDeleted, table: chain.table, seq: chain.rows,
                    message: "\(chain.table) has \(count) rows but the \(label) covers \(chain.rows): rows were deleted (rollback)"))
                continue
            }
            let stored = row.lenientBlob(at: 0) ?? Data()
            if Hex.encode(stored) != chain.hash {
                violations.append(Violation(
                    kind: .headMismatch, table: chain.table, seq: chain.rows,
                    message: "\(chain.table) row \(chain.rows): hash differs from the \(label): the chain was rewritten after signing"))
            }
        }
        return violations
    }
}
