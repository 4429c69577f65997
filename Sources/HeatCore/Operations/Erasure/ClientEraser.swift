import Foundation
import GRDB
import HeatEnvelope

/// Erases clients on request (issue 27, item 2): a signed directory tombstone per client.
///
/// In one immediate transaction committed with full durability (key holder, like retention):
/// binds the store signing key; **verifies the whole store** under it against the anchor with no
/// unsigned rows allowed (``ErasureError/refused(violations:)`` otherwise, nothing changed);
/// finds each requested client's `client_directory` row (by the HMAC pseudonym recomputed from a
/// raw id with the collector's pseudonymisation key, or by masked reference); drops that row and
/// the client's plaintext `weekly_buckets` rows, one signed ``RetentionTombstone`` (policy
/// `erasure E-…`) per contiguous range, anchored like retention so older heads and collector
/// signatures keep verifying (also when the dropped rows end a chain); appends a signed
/// ``ClientErasure`` with the freed slot; logs `client.erase` with the erasure ids and row
/// counts (never a reference or id); and, **in the same transaction** (issue 27 s37,
/// ``SignedStoreChange``), signs the chain heads: a crash leaves the old store or the erasure
/// with its signed head, never an unsigned tail. Write the returned head to the head file after
/// the call (`heatctl erase` does).
///
/// After erasure the client is in no later result: the directory no longer lists them (heat
/// release, features, scores, `clients`), their slot is zeroed in every later heat run, the
/// aggregate plan never sums a window holding it, and a later ingestion of the same raw id gets
/// a new slot with no history. Their pseudonym is gone from the store, so recomputing it from
/// the raw id matches nothing.
///
/// ```swift
/// let change = try ClientEraser.erase(.rawIDs(["CL-000123"], key: pseudonymKey), store: store,
///                                     key: signingKey, anchor: .previous(head), reason: "ticket 4711")
/// change.record.erasures.count   // 1
/// try change.head.write(to: URL(filePath: "head.heat"))
/// ```
public enum ClientEraser {
    /// The tables erasure drops a client's rows from.
    public static let tables: [ChainedTable] = [.clientDirectory, .weeklyBuckets]
    /// The policy prefix of erasure tombstones (`erasure E-1a2b3c4d`).
    public static let policyPrefix = "erasure "
    /// The audit action recorded.
    public static let auditAction = "client.erase"

    /// Whom to erase.
    public enum Request: Sendable {
        /// Raw client ids (from the bank's request), hashed with the collector's pseudonymisation key.
        case rawIDs([String], key: PseudonymisationKey)
        /// Masked references (`C-` and at least 8 hex digits) of the directory.
        case references([String])
    }

    /// What one erasure run did.
    public struct Summary: Sendable, Hashable, Codable {
        /// One signed record per erased client.
        public var erasures: [ClientErasure]
        /// The tombstones written (directory and bucket ranges).
        public var tombstones: [RetentionTombstone]
        /// Rows dropped per table.
        public var droppedRows: [String: Int64]
        /// The 1-based positions, in the request, of raw ids found in no directory row.
        public var notFound: [Int]
    }

    /// Erases the requested clients, writes the signed records and signs the store, in one
    /// durable transaction.
    ///
    /// - Parameters:
    ///   - request: the clients.
    ///   - store: the store.
    ///   - key: the key holder's store signing key.
    ///   - anchor: the previous head file (as for `audit sign`).
    ///   - reason: the operator's reason (for example a ticket number; never the client's id).
    ///   - source: how the request is named in errors (the file name).
    /// - Returns: what was erased and the head signed with it.
    /// - Throws: ``ErasureError``, ``StoreError`` (locked, key mismatch, I/O) or
    ///   ``AuditError/signingFailed(reason:)``.
    public static func erase(
        _ request: Request, store: HeatStore, key: StoreSigningKey, anchor: HeadAnchor, reason: String = "request",
        source: String = "the request"
    ) throws -> SignedStoreChange<Summary> {
        let wanted: [(position: Int, pseudonym: [UInt8]?)]
        switch request {
        case .rawIDs(let ids, let pseudonymKey):
            guard !ids.isEmpty else { throw ErasureError.emptyRequest(source: source) }
            let pseudonymizer = Pseudonymizer(key: pseudonymKey)
            wanted = ids.enumerated().map { ($0.offset + 1, pseudonymizer.pseudonym(for: $0.element, kind: .client).bytes) }
        case .references(let refs):
            guard !refs.isEmpty else { throw ErasureError.emptyRequest(source: source) }
            let entries = try ClientDirectory.entries(in: store)
            wanted = try refs.enumerated().map { index, ref in
                let prefix = ref.lowercased()
                let matches = entries.filter { $0.ref.lowercased().hasPrefix(prefix) }
                guard prefix.hasPrefix("c-"), prefix.count >= 10, matches.count == 1, let bytes = Hex.decode(matches[0].pseudonym) else {
                    throw ErasureError.badReference(position: index + 1, matches: prefix.count >= 10 && prefix.hasPrefix("c-") ? matches.count : 0)
                }
                return (index + 1, bytes)
            }
        }
        return try SignedStoreChange.commit(
            to: store, key: key, anchor: anchor, refusal: ErasureError.refused(violations:),
            faults: .init(unsigned: .eraseUnsignedBeforeCommit, signed: .eraseBeforeCommit)
        ) { db in
            var targets: [(seq: Int64, slot: Int64, pseudonym: Data)] = []
            var notFound: [Int] = []
            var seen = Set<Data>()
            for item in wanted {
                guard let bytes = item.pseudonym else { notFound.append(item.position); continue }
                let pseudonym = Data(bytes)
                guard !seen.contains(pseudonym) else { continue }
                seen.insert(pseudonym)
                guard let row = try Row.fetchOne(db, sql: "SELECT seq, slot FROM client_directory WHERE pseudonym = ?", arguments: [pseudonym]),
                      let seq = row.lenientInteger(at: 0), let slot = row.lenientInteger(at: 1) else {
                    notFound.append(item.position)
                    continue
                }
                targets.append((seq, slot, pseudonym))
            }
            guard !targets.isEmpty else { throw ErasureError.noClientFound(source: source, requested: wanted.count) }

            let references = try RetentionCompactor.referencedSeqs(in: db)
            var summary = Summary(erasures: [], tombstones: [], droppedRows: [:], notFound: notFound)
            let tombstoneAppender = try ChainAppender(db, table: .retentionTombstones)
            let erasureAppender = try ChainAppender(db, table: .clientErasures)
            for target in targets {
                let erasureID = "E-" + Hex.encode((0..<4).map { _ in UInt8.random(in: 0...255) })
                let policy = policyPrefix + erasureID
                let bucketSeqs = try Int64.fetchAll(
                    db, sql: "SELECT seq FROM weekly_buckets WHERE client_pseudonym = ? ORDER BY seq", arguments: [target.pseudonym])
                for (table, seqs) in [(ChainedTable.clientDirectory, [target.seq]), (ChainedTable.weeklyBuckets, bucketSeqs)] {
                    let stones = try RetentionCompactor.drop(
                        seqs, of: table, policy: policy, references: references, key: key, appender: tombstoneAppender, in: db)
                    summary.tombstones += stones
                    for stone in stones { summary.droppedRows[table.name, default: 0] += stone.rowCount }
                }
                let record = try ClientErasure.signed(
                    erasureID: erasureID, slot: target.slot, directorySeq: target.seq, reason: reason, with: key)
                try erasureAppender.append(record.rowValues)
                summary.erasures.append(record)
            }
            var parameters = [
                "erasures": summary.erasures.map(\.erasureID).joined(separator: " "), "reason": reason,
                "tombstones": String(summary.tombstones.count), "notFound": String(notFound.count),
            ]
            for (table, rows) in summary.droppedRows { parameters["dropped.\(table)"] = String(rows) }
            try AuditLog.append(AuditEntry(role: KeyRole.keyholder.rawValue, action: auditAction, parameters: parameters), in: db)
            return summary
        }
    }

    /// Reads the raw client ids of an erasure request: one id per line, or a CSV whose header has
    /// a `client_id` column (unquoted fields). Blank lines are skipped; a BOM and CRLF are accepted.
    ///
    /// - Parameters:
    ///   - data: the file's bytes.
    ///   - file: its name, for errors.
    /// - Returns: the ids with their line numbers.
    /// - Throws: ``ErasureError/badClientFile(file:line:reason:)`` naming the line (never the id),
    ///   ``ErasureError/emptyRequest(source:)``.
    public static func clientIDs(in data: Data, file: String) throws -> [(line: Int, id: String)] {
        var bytes = data
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        guard let text = String(data: bytes, encoding: .utf8) else {
            throw ErasureError.badClientFile(file: file, line: 1, reason: "the file is not UTF-8 text")
        }
        // "\r\n" is one Character in Swift: split on either line ending.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        var column: Int?
        var ids: [(line: Int, id: String)] = []
        for (index, line) in lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            if trimmed.contains("\"") {
                throw ErasureError.badClientFile(file: file, line: index + 1, reason: "quoted fields are not supported")
            }
            let fields = trimmed.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            if ids.isEmpty && column == nil, let header = fields.firstIndex(of: "client_id") {
                column = header
                continue
            }
            let id: String
            if let column {
                guard column < fields.count, !fields[column].isEmpty else {
                    throw ErasureError.badClientFile(file: file, line: index + 1, reason: "the client_id field is missing or empty")
                }
                id = fields[column]
            } else {
                guard fields.count == 1 else {
                    throw ErasureError.badClientFile(file: file, line: index + 1, reason: "several fields but no client_id header")
                }
                id = fields[0]
            }
            ids.append((index + 1, id))
        }
        guard !ids.isEmpty else { throw ErasureError.emptyRequest(source: file) }
        return ids
    }
}
