import Foundation
import GRDB
import HeatEnvelope

/// A signed operation record as stored in its chained table (issue 27): retention and erasure
/// tombstones, erasure records, directory versions, FHE and signing key transitions, collector
/// key retirements and collector key endorsements.
///
/// Every such record signs its time as text. The one reader, ``stored(in:)``, parses a row only
/// when that time is written exactly as ``UTCTimestamp/iso8601`` renders it (`2026-03-02T10:00:00Z`):
/// a time rewritten in another form that parses to the same instant (`…+00:00`, fractional
/// seconds) would be re-rendered canonically here and verify, while `Scripts/verify-store.py`
/// checks the signature over the stored text and would refuse it; both verifiers therefore treat
/// such a row as one that cannot be parsed. Text columns are strict UTF-8 for the same reason.
protocol StoredSignedRecord {
    /// The chained table holding the records.
    static var storedTable: ChainedTable { get }
    /// The selected columns after `seq`: the signed time first (column 1), then whatever
    /// ``init(stored:)`` reads (texts as `CAST(… AS BLOB)`, so their bytes are read as stored).
    static var storedColumns: String { get }
    /// Builds the record from a row whose signed time is canonical (``StoredSignedRow/signedAt``);
    /// `nil` when any other value cannot be parsed.
    init?(stored row: StoredSignedRow)
}

/// One row of a ``StoredSignedRecord`` table with its signed time already checked to be canonical.
struct StoredSignedRow {
    /// The row (column 0 is `seq`, column 1 the signed time).
    let row: Row
    /// The signed time, in its canonical form.
    let signedAt: UTCTimestamp

    /// The column as strict UTF-8 text (`nil` when absent or not UTF-8).
    func text(_ column: Int) -> String? { row.lenientBlob(at: column).flatMap { String(bytes: $0, encoding: .utf8) } }
    /// The column as an integer.
    func integer(_ column: Int) -> Int64? { row.lenientInteger(at: column) }
    /// The column as bytes.
    func blob(_ column: Int) -> Data? { row.lenientBlob(at: column) }
    /// A nullable blob column: `.some(nil)` for SQL NULL, `nil` for a value of another type.
    func optionalBlob(_ column: Int) -> [UInt8]?? {
        if row.hasNull(atIndex: column) { return .some(nil) }
        return row.lenientBlob(at: column).map { .some([UInt8]($0)) }
    }

    /// The canonical timestamp written in `bytes`, or `nil` when it does not parse or is not
    /// written exactly as ``UTCTimestamp/iso8601`` renders it.
    ///
    /// - Parameter bytes: the stored text's bytes.
    /// - Returns: the time.
    static func canonicalTimestamp(_ bytes: Data?) -> UTCTimestamp? {
        guard let bytes, let raw = String(bytes: bytes, encoding: .utf8), let time = try? UTCTimestamp(iso8601: raw),
              time.iso8601 == raw else { return nil }
        return time
    }
}

extension StoredSignedRecord {
    /// The records as stored, in seq order, with `nil` for a row that cannot be parsed (a
    /// non-canonical time included); not verified. Empty when the schema predates the table.
    ///
    /// - Parameter db: a connection.
    /// - Returns: `(seq, record)` per row.
    /// - Throws: a database error.
    static func stored(in db: Database) throws -> [(seq: Int64, record: Self?)] {
        guard try db.tableExists(storedTable.name) else { return [] }
        return try Row.fetchAll(db, sql: "SELECT seq, \(storedColumns) FROM \(storedTable.name) ORDER BY seq").map { row in
            let seq = row.lenientInteger(at: 0) ?? 0
            guard let time = StoredSignedRow.canonicalTimestamp(row.lenientBlob(at: 1)) else { return (seq, nil) }
            return (seq, Self(stored: StoredSignedRow(row: row, signedAt: time)))
        }
    }
}

extension KeyHolderSignedRecord where Self: StoredSignedRecord {
    /// Reads every stored record (``stored(in:)``) and checks it under the trusted signing keys:
    /// a row that cannot be parsed, a record whose ``problem(under:)`` (key fingerprint, Ed25519
    /// signature over the rebuilt signed bytes, shape) or `precheck` finds something is a `kind`
    /// violation; one signed by a key retired before it is a ``Violation/Kind/retiredSigningKey``
    /// violation. The records that pass are returned in seq order for the caller's own checks.
    ///
    /// - Parameters:
    ///   - db: a connection.
    ///   - trusted: the pinned key and the keys it rotated to.
    ///   - kind: the violation kind of this record type.
    ///   - unparsable: what a row that cannot be parsed is (`the tombstone cannot be parsed`).
    ///   - suffix: appended to every message (`; it is ignored`).
    ///   - label: a record's label in messages (`directory_versions row 3 (V-…, slot 4 from 2026-W10)`).
    ///   - precheck: a check made before the signature's (a repeated id), or `nil`.
    /// - Returns: the accepted records and the violations.
    /// - Throws: a database error.
    static func checked(
        in db: Database, trusted: TrustedSigningKeys, kind: Violation.Kind, unparsable: String, suffix: String = "",
        label: (Int64, Self) -> String, precheck: ((Int64, Self) -> String?)? = nil
    ) throws -> (accepted: [(seq: Int64, record: Self)], violations: [Violation]) {
        let name = storedTable.name
        var accepted: [(seq: Int64, record: Self)] = []
        var violations: [Violation] = []
        for (seq, record) in try stored(in: db) {
            guard let record else {
                violations.append(Violation(kind: kind, table: name, seq: seq, message: "\(name) row \(seq): \(unparsable)\(suffix)"))
                continue
            }
            let described = label(seq, record)
            if let problem = precheck?(seq, record) ?? record.problem(under: trusted.key(record.keyFingerprint) ?? trusted.pinned) {
                violations.append(Violation(kind: kind, table: name, seq: seq, message: "\(described): \(problem)\(suffix)"))
                continue
            }
            if let problem = trusted.retiredProblem(record.keyFingerprint, table: name, seq: seq) {
                violations.append(Violation(kind: .retiredSigningKey, table: name, seq: seq, message: "\(described): \(problem)\(suffix)"))
                continue
            }
            accepted.append((seq, record))
        }
        return (accepted, violations)
    }
}
