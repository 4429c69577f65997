import Foundation
import GRDB
import HeatEnvelope

/// Signs the store's chain heads with the key holder's key (`heatctl audit sign`).
///
/// In one transaction: checks the key against the store's registered signing key (registering
/// it on first use), appends an `audit.sign` audit entry, reads the head of every chain in
/// ``ChainedTable/signedChains`` (so the head covers its own audit entry), signs them and
/// appends the signed head to `signed_heads`.
///
/// ```swift
/// let key = try KeyFolder(path: "keys/keyholder", role: .keyholder).signingKey()
/// let head = try HeadSigner.sign(store: store, with: key)
/// try head.write(to: URL(filePath: "head.json"))
/// ```
public enum HeadSigner {
    /// Signs the current chain heads.
    ///
    /// - Parameters:
    ///   - store: the store.
    ///   - key: the key holder's signing key.
    /// - Returns: the signed head (also stored in `signed_heads`).
    /// - Throws: ``StoreError`` (locked, key mismatch, I/O) or ``AuditError/signingFailed(reason:)``.
    public static func sign(store: HeatStore, with key: StoreSigningKey) throws -> SignedHead {
        try store.write { db in
            try KeyRegistry.bind(key, in: db, path: store.path)
            try AuditLog.append(AuditEntry(
                role: KeyRole.keyholder.rawValue, action: AuditAction.sign,
                parameters: ["keyFingerprint": key.fingerprint.hex]), in: db)
            let chains = try ChainedTable.signedChains.map { try currentHead(of: $0, in: db) }
            var head = SignedHead(
                signedAt: .now(), schemaVersion: StoreSchema.currentVersion, keyFingerprint: key.fingerprint.hex,
                chains: chains, signature: "")
            do {
                head.signature = Hex.encode(try key.signature(for: head.signedMessage))
            } catch {
                throw AuditError.signingFailed(reason: String(describing: error))
            }
            var unsigned = head
            unsigned.signature = ""
            try ChainAppender(db, table: .signedHeads).append([
                .text(head.signedAt.iso8601),
                .text(String(decoding: try unsigned.jsonData(), as: UTF8.self)),
                .text(head.keyFingerprint),
                .blob(Hex.decode(head.signature) ?? []),
            ])
            return head
        }
    }

    /// The current head of a chain.
    ///
    /// - Parameters:
    ///   - table: the chained table.
    ///   - db: a connection.
    /// - Returns: its row count and last hash (the genesis hash when empty).
    /// - Throws: a database error.
    public static func currentHead(of table: ChainedTable, in db: Database) throws -> ChainHead {
        if let row = try Row.fetchOne(db, sql: "SELECT seq, row_hash FROM \(table.name) ORDER BY seq DESC LIMIT 1") {
            let hash = row.lenientBlob(at: 1) ?? Data()
            return ChainHead(table: table.name, rows: row.lenientInteger(at: 0) ?? 0, hash: Hex.encode(hash))
        }
        return ChainHead(table: table.name, rows: 0, hash: Hex.encode(table.genesisHash))
    }
}
