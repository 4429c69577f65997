import Foundation
import GRDB
import HeatEnvelope
import Testing
@testable import HeatCore

/// Issue 27 (s36): every signed operation record is read through one reader
/// (``StoredSignedRecord``) that refuses a signed time not written in its canonical `…Z` form.
/// An attacker with file access rewrites a record's time as another form of the same instant
/// (`+00:00`) and recomputes the table's chain: `audit verify` must report the row as one that
/// cannot be parsed (as `Scripts/verify-store.py` does, which checks the signature over the stored
/// text), for every record kind.
@Suite(.serialized) struct SignedRecordTimestampTests {
    /// A record kind, the table and column of its signed time, and its violation kind.
    enum Kind: String, CaseIterable, Sendable {
        case retentionTombstone, clientErasure, keyTransition, fheKeyTransition, collectorKeyRetirement, collectorEndorsement, directoryVersion

        var table: ChainedTable {
            switch self {
            case .retentionTombstone: .retentionTombstones
            case .clientErasure: .clientErasures
            case .keyTransition: .keyTransitions
            case .fheKeyTransition: .fheKeyTransitions
            case .collectorKeyRetirement: .collectorKeyRetirements
            case .collectorEndorsement: .collectorKeys
            case .directoryVersion: .directoryVersions
            }
        }

        var column: String { self == .collectorEndorsement ? "endorsed_at" : "recorded_at" }

        var violation: Violation.Kind {
            switch self {
            case .retentionTombstone: .badTombstone
            case .clientErasure: .badErasure
            case .keyTransition: .badKeyTransition
            case .fheKeyTransition: .badFHEKeyTransition
            case .collectorKeyRetirement: .badCollectorKeyRetirement
            case .collectorEndorsement: .unendorsedCollectorKey
            case .directoryVersion: .badDirectoryVersion
            }
        }
    }

    /// Appends one validly signed record of `kind` after the head (the moved store already holds
    /// a directory version and the collector key's endorsement) and returns its seq.
    static func append(_ kind: Kind, to store: HeatStore, keys: GeneratedKeys) throws -> Int64 {
        let key = keys.signingKey
        let values: [CanonicalValue]
        switch kind {
        case .directoryVersion, .collectorEndorsement:
            return 1
        case .retentionTombstone:
            let hash = try store.read { db in try Data.fetchOne(db, sql: "SELECT row_hash FROM weekly_buckets WHERE seq = 1") }
            values = try RetentionTombstone.signed(
                table: "weekly_buckets", firstSeq: 1, lastSeq: 1, policy: "weeks before 2026-W09",
                anchors: [.init(seq: 1, hash: Hex.encode(try #require(hash)))], with: key).rowValues
        case .clientErasure:
            values = try ClientErasure.signed(erasureID: "E-0000abcd", slot: 3, directorySeq: 4, reason: "request", with: key).rowValues
        case .keyTransition:
            values = try KeyTransition.signed(from: key, to: StoreSigningKey(), generation: 2, finalHeadSeq: 1, reason: "rotation").rowValues
        case .fheKeyTransition:
            var record = FHEKeyTransition(
                recordedAt: .now(), generation: 2, keyID: String(repeating: "a", count: 64), previousKeyID: String(repeating: "b", count: 64),
                parametersFingerprint: String(repeating: "0", count: 64), sourceFirstSeq: 1, finalSeq: 0, firstSeq: 1, lastSeq: 0,
                endHash: "", reason: "rotation", keyFingerprint: "", signature: "")
            try record.sign(with: key)
            values = record.rowValues
        case .collectorKeyRetirement:
            values = try CollectorKeyRetirement.signed(
                retiring: keys.ingestionKey.publicKey, generation: 1, successor: nil, finalSignatureSeq: 1,
                reason: "revoked", with: key).rowValues
        }
        return try store.write { db in try ChainAppender(db, table: kind.table).append(values).seq }
    }

    /// The violations `audit verify` reports at `seq` of the record's table.
    static func violations(_ kind: Kind, seq: Int64, in path: String, keys: GeneratedKeys, head: SignedHead) throws -> [Violation] {
        let report = try StoreVerifier.verify(
            store: HeatStore(readingFrom: path), pinnedKey: keys.signingKey.verificationKey, anchor: .previous(head), allowUnsignedTail: true)
        return report.violations.filter { $0.table == kind.table.name && $0.seq == seq }
    }

    @Test(arguments: Kind.allCases)
    func aNonCanonicalSignedTimeIsReportedByAuditVerify(kind: Kind) throws {
        let (store, folder, keys, head, _) = try DirectoryVersionTests.movedStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let seq = try Self.append(kind, to: store, keys: keys)
        let before = try Self.violations(kind, seq: seq, in: store.path, keys: keys, head: head)
        #expect(!before.contains { $0.message.contains("cannot be parsed") }, "\(kind): \(before)")

        // The attacker rewrites the time as the same instant in another form and recomputes the chain.
        let attacker = try StoreTestSupport.attacker(store.path)
        let original = try attacker.write { db -> String in
            let value = try #require(try String.fetchOne(db, sql: "SELECT \(kind.column) FROM \(kind.table.name) WHERE seq = ?", arguments: [seq]))
            try StoreTestSupport.dropTriggers(db, kind.table.name)
            try db.execute(sql: "UPDATE \(kind.table.name) SET \(kind.column) = ? WHERE seq = ?",
                           arguments: [String(value.dropLast()) + "+00:00", seq])
            try StoreTestSupport.recomputeChain(db, kind.table)
            for trigger in StoreSchema.triggerStatements(for: kind.table) { try db.execute(sql: trigger) }
            return value
        }
        #expect(original.hasSuffix("Z"))
        let rewritten = String(original.dropLast()) + "+00:00"
        #expect(try UTCTimestamp(iso8601: rewritten) == UTCTimestamp(iso8601: original), "the same instant")
        let after = try Self.violations(kind, seq: seq, in: store.path, keys: keys, head: head)
        #expect(after.contains { $0.kind == kind.violation && $0.message.contains("cannot be parsed") }, "\(kind): \(after)")
    }

    @Test func onlyTheCanonicalFormIsATimestamp() {
        func time(_ text: String) -> UTCTimestamp? { StoredSignedRow.canonicalTimestamp(Data(text.utf8)) }
        #expect(time("2026-03-02T10:00:00Z")?.iso8601 == "2026-03-02T10:00:00Z")
        for text in ["2026-03-02T10:00:00+00:00", "2026-03-02T11:00:00+01:00", "2026-03-02T10:00:00.000Z", "2026-03-02 10:00:00Z",
                     "2026-03-02T10:00:00z", " 2026-03-02T10:00:00Z", "2026-02-30T10:00:00Z", ""] {
            #expect(time(text) == nil, "\(text)")
        }
        #expect(StoredSignedRow.canonicalTimestamp(Data([0xFF, 0xFE])) == nil)
        #expect(StoredSignedRow.canonicalTimestamp(nil) == nil)
    }
}
