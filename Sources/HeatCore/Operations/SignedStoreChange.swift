import Foundation
import GRDB

/// A key holder's change to a signed store together with the head signed in the **same**
/// transaction (issue 27 s37): what `retention apply` (``RetentionCompactor``), `erase`
/// (``ClientEraser``), `keys rotate` (``SigningKeyRotation``, ``CollectorKeyRotation``,
/// ``FHEKeyRotation``), `keys revoke --collector` and `directory move | close`
/// (``DirectoryChanger``) return.
///
/// Every one of them runs ``commit(to:key:anchor:signingWith:refusal:faults:_:)``: one immediate
/// transaction committed with full durability that verifies the store, makes the change and
/// signs the chain heads, so a crash leaves either the store as it was (still verifying against
/// the previous head with no unsigned rows) or the change with its signed head, never an
/// unsigned tail. Write ``head`` to the head file only after the call returns (the commit).
///
/// ```swift
/// let change = try RetentionCompactor.apply(store: store, key: signingKey, anchor: .previous(previous),
///                                           before: try ISOWeek(parsing: "2025-W01"))
/// change.record.droppedRows                             // what the operation recorded
/// try change.head.write(to: URL(filePath: "head.heat")) // after the commit
/// ```
public struct SignedStoreChange<Record> {
    /// What the operation recorded: its summary, key transition, retirement or directory version.
    public var record: Record
    /// The signed head covering the change, committed with it (the last row of `signed_heads`).
    public var head: SignedHead

    /// The two fault points inside one operation's transaction (``FaultPoint``, the fault sweep):
    /// after the change, before the signature; and after the signature, before the commit.
    struct FaultPoints {
        /// The change written, the store not yet signed (`*.unsigned.before-commit`).
        var unsigned: FaultPoint
        /// The change and its signed head written, not committed (`*.before-commit`).
        var signed: FaultPoint
    }
}

extension SignedStoreChange: Sendable where Record: Sendable {}

extension SignedStoreChange {
    /// The one way a key holder's command changes a signed store: **verify, change, sign the
    /// heads, commit**, all in one immediate transaction committed with full durability.
    ///
    /// 1. Binds `key` to the store (``KeyRegistry/bind(_:in:path:)``: the current signing key).
    /// 2. Verifies the whole store under `key` against `anchor` with **no** unsigned rows allowed
    ///    (``StoreVerifier``); throws `refusal(violations)` otherwise, nothing changed.
    /// 3. Runs `change`, which appends its own signed rows (and drops rows under signed
    ///    tombstones) through ``ChainAppender`` and its audit entry.
    /// 4. Signs the chain heads with `signer` (default `key`) through
    ///    ``HeadSigner/signHeads(in:key:anchor:)``: an `audit.sign` entry and a signed head.
    ///
    /// **Why one verification is enough** (no second full verification before signing, unlike
    /// ``HeadSigner/sign(store:with:anchor:)``, which signs rows others appended): the
    /// transaction holds SQLite's write lock from step 1 to the commit, so no other writer adds
    /// a row in between; everything step 4 signs beyond the store verified in step 2 is what
    /// `change` itself appended in this transaction, with chain links computed by
    /// ``ChainAppender`` and records signed by the key holder's own key. A second walk of the
    /// whole store would only re-check this code's own rows, at the cost of a full verification
    /// per command; the tests verify the result strictly against the new head instead.
    ///
    /// - Parameters:
    ///   - store: the store.
    ///   - key: the key holder's current store signing key (verifies the store).
    ///   - anchor: the previous head file (as for `audit sign`).
    ///   - signer: the key that signs the new head; `nil` for `key`. A signing-key rotation signs
    ///     with its new key, which `change` must have made the store's current key (checked).
    ///   - refusal: the operation's typed refusal for a store that does not verify (exit 1).
    ///   - faults: the operation's fault points inside the transaction.
    ///   - change: the operation's rows, inside the transaction.
    /// - Returns: what `change` returned and the head signed with it.
    /// - Throws: `refusal(…)`, whatever `change` throws, ``StoreError`` (locked, key mismatch,
    ///   I/O) or ``AuditError/signingFailed(reason:)``; nothing is committed then.
    static func commit(
        to store: HeatStore, key: StoreSigningKey, anchor: HeadAnchor, signingWith signer: StoreSigningKey? = nil,
        refusal: ([String]) -> any Error, faults: FaultPoints, _ change: (Database) throws -> Record
    ) throws -> SignedStoreChange<Record> {
        try store.writeDurably { db in
            try KeyRegistry.bind(key, in: db, path: store.path)
            let report = try StoreVerifier.verify(in: db, pinnedKey: key.verificationKey, anchor: anchor, allowUnsignedTail: false)
            guard report.intact else { throw refusal(report.violations.map(\.message)) }
            let record = try change(db)
            faults.unsigned.reach()
            if let signer, signer.fingerprint != key.fingerprint {
                // The change (a key transition) must have made `signer` the current key.
                try KeyRegistry.bind(signer, in: db, path: store.path)
            }
            let head = try HeadSigner.signHeads(in: db, key: signer ?? key, anchor: anchor)
            faults.signed.reach()
            return SignedStoreChange(record: record, head: head)
        }
    }
}
