import Foundation
import GRDB
import HeatEnvelope

/// Rotation (or revocation) of the key holder's store signing key (issue 27).
///
/// ``rotate(store:from:to:anchor:reason:)`` runs in one immediate transaction committed with full
/// durability: binds the old key; **verifies the whole store** under it against the anchor with no
/// unsigned rows (refusing with ``KeyLifecycleError/refused(violations:)`` otherwise); requires at
/// least one signed head; appends a ``KeyTransition`` signed by both keys that retires the old key
/// after the latest signed head; records the new key in `key_fingerprints` and the audit log
/// (`keys.rotate`); and, **in the same transaction** (issue 27 s37, ``SignedStoreChange``),
/// signs the chain heads with the **new** key, which the transition has just made current: a
/// crash leaves the old store or the rotation with its head signed by the new key, never an
/// unsigned transition. Write the returned head to the head file after the call (`heatctl keys
/// rotate` does). From then on `audit sign` accepts the new key and refuses the retired one.
/// Auditors and evaluators should switch their pin to the new key (its auditor folder): the old
/// pin follows the chain, but cannot see a `key_transitions` truncated by a database writer
/// holding the retired key (review s39 keys27d M1; pin the head file too, `--expect-head`).
///
/// ```swift
/// let rotation = try SigningKeyRotation.rotate(store: store, from: oldKey, to: newKey,
///                                               anchor: .previous(head), reason: "rotation")
/// rotation.record.generation                              // 2
/// try rotation.head.write(to: URL(filePath: "head.heat"))  // signed by newKey
/// ```
public enum SigningKeyRotation {
    /// The audit action recorded.
    public static let auditAction = "keys.rotate"

    /// Whether a rotation's or revocation's `reason` declares the retired key compromised: it
    /// starts with `revocation`, in any case and after any leading whitespace (`revocation:
    /// laptop stolen`, `Revocation: …`, ` revocation: …` since session 42). The
    /// one test `heatctl keys rotate` and ``CollectorKeyRotation/revoke(store:keyholder:key:anchor:reason:)``
    /// share, so they cannot disagree (issue 27, review s39 keys27d L3).
    ///
    /// ```swift
    /// SigningKeyRotation.isRevocation(reason: "Revocation: laptop stolen")   // true
    /// SigningKeyRotation.isRevocation(reason: "rotation")                    // false
    /// ```
    ///
    /// - Parameter reason: the `--reason` text.
    /// - Returns: `true` for a revocation.
    public static func isRevocation(reason: String) -> Bool {
        reason.drop(while: \.isWhitespace).lowercased().hasPrefix("revocation")
    }

    /// Replaces the store signing key and signs the store with the new one, in one durable transaction.
    ///
    /// - Parameters:
    ///   - store: the store.
    ///   - old: the current signing key.
    ///   - new: its successor (a fresh key).
    ///   - anchor: the previous head file.
    ///   - reason: `rotation`, or `revocation: <why>` when the old key is compromised.
    /// - Returns: the recorded transition and the head signed with `new` in the same transaction.
    /// - Throws: ``KeyLifecycleError``, ``StoreError`` or ``AuditError/signingFailed(reason:)``.
    public static func rotate(
        store: HeatStore, from old: StoreSigningKey, to new: StoreSigningKey, anchor: HeadAnchor, reason: String
    ) throws -> SignedStoreChange<KeyTransition> {
        guard old.fingerprint != new.fingerprint else { throw KeyLifecycleError.sameKey(fingerprint: old.fingerprint.hex) }
        return try SignedStoreChange.commit(
            to: store, key: old, anchor: anchor, signingWith: new, refusal: KeyLifecycleError.refused(violations:),
            faults: .init(unsigned: .rotateUnsignedBeforeCommit, signed: .rotateBeforeCommit)
        ) { db in
            guard let finalHead = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM signed_heads"), finalHead >= 1 else {
                throw KeyLifecycleError.noSignedHead(path: store.path)
            }
            let generation = try StoreSigningKey.nextGeneration(in: db)
            // s37: the new key's file must name the generation recorded here (a rotation raced in between otherwise).
            try new.requireGeneration(generation)
            let transition: KeyTransition
            do {
                transition = try KeyTransition.signed(from: old, to: new, generation: generation, finalHeadSeq: finalHead, reason: reason)
            } catch {
                throw AuditError.signingFailed(reason: String(describing: error))
            }
            try ChainAppender(db, table: .keyTransitions).append(transition.rowValues)
            try ChainAppender(db, table: .keyFingerprints).append([
                .text(transition.recordedAt.iso8601), .text(KeyRole.keyholder.rawValue), .text(EnvelopeKind.signingKey.name),
                .text(new.fingerprint.hex), .blob(new.verificationKey.rawRepresentation),
            ])
            try AuditLog.append(AuditEntry(
                role: KeyRole.keyholder.rawValue, action: auditAction,
                parameters: ["oldKey": old.fingerprint.hex, "newKey": new.fingerprint.hex, "generation": String(generation),
                             "finalHeadSeq": String(finalHead), "reason": reason]), in: db)
            return transition
        }
    }

    /// Writes a fresh signing key as `out/keyholder/signing.key` (mode 0600), naming its
    /// `generation` (issue 27, s37: ``StoreSigningKey/nextGeneration(in:)``), and its verification
    /// key as `out/auditor/verification.key`, never replacing a file.
    ///
    /// - Parameters:
    ///   - out: the folder for the new generation's keys.
    ///   - generation: the generation the rotation will record.
    /// - Returns: the key (with its file) and the paths written.
    /// - Throws: ``KeyError``.
    public static func generateKey(at out: String, generation: Int64) throws(KeyError) -> (key: StoreSigningKey, files: [String]) {
        var key = StoreSigningKey()
        var files: [String] = []
        let root = URL(filePath: out)
        for (role, name, envelope) in [
            (KeyRole.keyholder, KeyFolder.signingKeyFile, Envelope(kind: .signingKey, payload: key.payload(generation: generation))),
            (KeyRole.auditor, KeyFolder.verificationKeyFile, Envelope(kind: .verificationKey, payload: key.verificationKey.payload)),
        ] {
            let folder = root.appending(path: role.rawValue)
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw .unwritable(path: folder.path, reason: error.localizedDescription)
            }
            let url = folder.appending(path: name)
            do {
                try envelope.create(at: url)
            } catch {
                if case .alreadyExists = error { throw .alreadyExists(path: url.path) }
                throw .envelope(error)
            }
            files.append(url.path)
            if role == .keyholder { key.file = StoreSigningKey.File(path: url.path, generation: generation) }
        }
        return (key, files)
    }
}

/// What can go wrong rotating or revoking a key.
///
/// ```swift
/// do { _ = try SigningKeyRotation.rotate(store: store, from: key, to: key, anchor: .firstHead, reason: "rotation") }
/// catch let error as KeyLifecycleError { print(error) }   // "the new key is the current key …"
/// ```
public enum KeyLifecycleError: ClassifiedError, Equatable {
    /// The store does not verify (or has unsigned rows): no key is rotated over it (exit 1).
    case refused(violations: [String])
    /// The store has no signed head yet: there is nothing for the old key to hand over.
    case noSignedHead(path: String)
    /// The new key is the old one.
    case sameKey(fingerprint: String)

    public var category: ErrorCategory {
        switch self {
        case .refused: .integrityViolation
        case .noSignedHead, .sameKey: .usage
        }
    }

    public var description: String {
        switch self {
        case .refused(let violations):
            "refusing to rotate the signing key: the store does not verify (\(violations.count) violation\(violations.count == 1 ? "" : "s"); first: \(violations.first ?? "none"))"
        case .noSignedHead(let path):
            "\(path): the store has no signed head yet; sign it with the current key first"
        case .sameKey(let fingerprint):
            "the new key is the current key (\(fingerprint.prefix(16))…)"
        }
    }

    public var hint: String? {
        switch self {
        case .refused: "run `heatctl audit verify`, then `heatctl audit sign`, and rotate a store that verifies"
        case .noSignedHead: "run `heatctl audit sign --first-head` first"
        case .sameKey: "generate a fresh key with --out"
        }
    }
}
