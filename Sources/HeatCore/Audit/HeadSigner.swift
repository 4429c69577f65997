import Foundation
import GRDB
import HeatEnvelope

/// Signs the store's chain heads with the key holder's key (`heatctl audit sign`).
///
/// In one immediate transaction committed with full durability (``HeatStore/writeDurably(_:)``):
/// checks the key against the store's registered signing key (registering it on first use);
/// **verifies the whole store** with ``StoreVerifier`` against the anchor (the previous head file,
/// or an explicit first signature) under the key's own public key, accepting only the unsigned
/// tail it is about to sign, and refuses with ``AuditError/refusedToSign(violations:)`` (exit 1)
/// when anything fails, so forged rows never receive the key holder's signature; then appends an
/// `audit.sign` audit entry, reads the head of every chain in ``ChainedTable/signedChains`` (so the
/// head covers its own audit entry), signs them and appends the signed head to `signed_heads`.
/// Every refusal is recorded in its own committed audit entry (`audit.sign.refused`).
///
/// ```swift
/// let key = try KeyFolder(path: "keys/keyholder", role: .keyholder).signingKey()
/// let previous = try SignedHead.read(from: URL(filePath: "head.heat"))
/// let head = try HeadSigner.sign(store: store, with: key, anchor: .previous(previous))
/// try head.write(to: URL(filePath: "head.heat"))
/// ```
public enum HeadSigner {
    /// Verifies the store and signs the current chain heads.
    ///
    /// - Parameters:
    ///   - store: the store.
    ///   - key: the key holder's signing key.
    ///   - anchor: the previous head (the file written by the last `audit sign`), or
    ///     ``HeadAnchor/firstHead`` for the store's very first signature.
    /// - Returns: the signed head (also stored in `signed_heads`).
    /// - Throws: ``AuditError/refusedToSign(violations:)`` when the store does not verify,
    ///   ``AuditError/previousHeadRequired(signedHeads:)`` for `firstHead` on a signed store,
    ///   ``StoreError`` (locked, key mismatch, I/O) or ``AuditError/signingFailed(reason:)``.
    public static func sign(store: HeatStore, with key: StoreSigningKey, anchor: HeadAnchor) throws -> SignedHead {
        do {
            let signed = try store.writeDurably { db in
                try KeyRegistry.bind(key, in: db, path: store.path)
                if case .firstHead = anchor {
                    let heads = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM signed_heads") ?? 0
                    if heads > 0 { throw AuditError.previousHeadRequired(signedHeads: heads) }
                }
                let report = try StoreVerifier.verify(
                    in: db, pinnedKey: key.verificationKey, anchor: anchor, allowUnsignedTail: true)
                guard report.intact else { throw AuditError.refusedToSign(violations: report.violations.map(\.message)) }
                let head = try signHeads(in: db, key: key, anchor: anchor)
                FaultPoint.signBeforeCommit.reach()
                return head
            }
            FaultPoint.signAfterCommit.reach()
            return signed
        } catch let error as AuditError {
            if case .signingFailed = error { throw error }
            AuditLog.recordRefusal(in: store, role: KeyRole.keyholder.rawValue, action: AuditAction.sign, reason: error.description)
            throw error
        } catch let error as StoreError {
            if case .keyMismatch = error {
                AuditLog.recordRefusal(in: store, role: KeyRole.keyholder.rawValue, action: AuditAction.sign, reason: error.description)
            }
            throw error
        } catch let error as KeyError {
            // Issue 27 (s37): a signing-key file of another generation (the retired key) is audited like a key mismatch.
            if case .signingKeyGeneration = error {
                AuditLog.recordRefusal(in: store, role: KeyRole.keyholder.rawValue, action: AuditAction.sign, reason: error.description)
            }
            throw error
        }
    }

    /// Appends the `audit.sign` entry, signs the current head of every chain in
    /// ``ChainedTable/signedChains`` (so the head covers its own entry) and appends it to
    /// `signed_heads`, inside the caller's write transaction. Only for a caller that has verified
    /// the store in the same transaction: ``sign(store:with:anchor:)``, and the key holder's store
    /// changes through ``SignedStoreChange`` (issue 27 s36/s37), which sign with their change
    /// (a signing-key rotation with the new key its transition has just made current).
    ///
    /// - Parameters:
    ///   - db: the write transaction's connection.
    ///   - key: the key holder's signing key (bound to the store).
    ///   - anchor: the anchor the store was verified against (recorded in the audit entry).
    /// - Returns: the signed head.
    /// - Throws: ``AuditError/signingFailed(reason:)``, a database error.
    static func signHeads(in db: Database, key: StoreSigningKey, anchor: HeadAnchor) throws -> SignedHead {
        try AuditLog.append(AuditEntry(
            role: KeyRole.keyholder.rawValue, action: AuditAction.sign,
            parameters: ["keyFingerprint": key.fingerprint.hex, "anchor": anchor.auditDescription]), in: db)
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

    /// The current head of a chain.
    ///
    /// - Parameters:
    ///   - table: the chained table.
    ///   - db: a connection.
    /// - Returns: its row count and last hash (the genesis hash when empty).
    /// - Throws: a database error.
    public static func currentHead(of table: ChainedTable, in db: Database) throws -> ChainHead {
        // The last stored row, or the anchor of rows dropped at the end under a tombstone (issue 27).
        let link = try table.lastLink(in: db)
        return ChainHead(table: table.name, rows: link.seq, hash: Hex.encode(link.hash))
    }
}

extension HeadAnchor {
    /// How the anchor is named in the `audit.sign` entry.
    var auditDescription: String {
        switch self {
        case .previous(let head): "previous head signed \(head.signedAt.iso8601)"
        case .firstHead: "first head"
        }
    }
}
