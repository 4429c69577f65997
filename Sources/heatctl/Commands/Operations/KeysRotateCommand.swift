import ArgumentParser
import Foundation
import HeatCore

/// `heatctl keys rotate [--collector | --fhe] --store heat.db --keys DIR/keyholder --out NEWDIR --previous-head head.heat --head-out head.heat`.
struct KeysRotateCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Rotate the store signing key (key transition), the collector's ingestion key (--collector) or the BFV key (--fhe).",
        discussion: """
            Generates a fresh Ed25519 signing key into NEWDIR/keyholder/signing.key (mode 0600) \
            and NEWDIR/auditor/verification.key; then, in one transaction, verifies the store \
            under the current key against --previous-head (exit 1 and nothing changed when it \
            fails), appends a key transition signed by both keys that retires the current key \
            after the latest signed head, records the new key and signs the store with the new \
            key (the rotation and its signed head commit together: a kill leaves neither or \
            both); then writes --head-out. The new keys (here and with --fhe) are written first \
            into NEWDIR.partial-<random> next to NEWDIR and moved into NEWDIR only after the store \
            committed: a rotation the store refuses leaves no key files, and the same --out can \
            be used again. Old heads, collector endorsements and tombstones \
            keep verifying; heads signed later by the retired key are violations. After a \
            rotation, and always after a revocation, auditors and evaluators pin the NEW \
            auditor folder (NEWDIR/auditor: `audit verify --keys`, `evaluate --trust`; the \
            command prints that line): the old pin follows the signed transition, but cannot \
            see a key_transitions table truncated by a database writer holding the retired key \
            (`evaluate --expect-head` and `audit verify --expect-head` with the head file catch \
            it under either pin). Use --reason "revocation: <why>" (any case) when the current \
            key is compromised. Move the new signing.key into the key holder's folder \
            afterwards. See Docs/Operations.md.

            An evaluator accepts an evaluation key list (fhe-key.generation) signed by the store's \
            current signing key only. With --evaluator-keys DIR (the evaluator folder), the \
            rotation first checks that DIR's list verifies and is signed by the key being \
            retired (exit 65 otherwise, nothing written), then, once the rotation has \
            committed, writes it signed by the new key to NEWDIR/evaluator/fhe-key.generation: \
            copy that file over DIR's. Refused (exit 64) \
            with a --reason "revocation: ..." (the retired key may have signed a forged list): \
            then write fresh evaluation keys with `keys rotate --fhe --evaluator-keys DIR`.

            With --collector it rotates the collector's ingestion key instead: writes a fresh key \
            with its endorsement and generation id into NEWDIR/collector/ (ingestion.key, mode \
            0600, and ingestion.endorsement), verifies the store (exit 1 otherwise), appends a \
            retirement of the current collector key (or of --retire <id>, a fingerprint prefix \
            of at least 8 hex digits, when the store has several) signed by the key holder, \
            endorses the successor and signs the store, in one transaction. `ingest` then refuses the old key (exit \
            64), and its signatures after the retirement fail `audit verify`; its earlier runs \
            keep verifying. The two files are written before the store commits and removed if \
            it fails. When every collector key was revoked, it endorses a fresh key (generation \
            + 1) without retiring any. Copy both files into the collector's folder.

            With --fhe it rotates the BFV (FHE) key to a new key generation by re-encryption in \
            the vault: writes a fresh BFV key pair of the same parameters with its generation id \
            (fhe-key.generation) into NEWDIR/collector, NEWDIR/evaluator (with the trees' \
            relinearization key, and Galois keys when --aggregates or when the current evaluator \
            folder given with --evaluator-keys holds some; both bound to the generation by their \
            SHA-256 in fhe-key.generation, a list the key holder signs with its current signing \
            key) and NEWDIR/keyholder (secret key, mode 0600), never \
            replacing a file; \
            then, in one transaction, verifies the store (exit 1 and nothing changed otherwise), \
            decrypts every stored ciphertext of the current generation with the secret key in \
            --keys and encrypts it under the new public key (plaintexts never leave the process \
            and are wiped), appends them as the new generation's rows, records a signed FHE key \
            transition, and signs the store, all in that one transaction. `ingest` and `evaluate` then refuse the retired \
            generation's folders (exit 64); old runs decrypt only with the retired key holder \
            folder: keep it in escrow (`heatctl keys escrow split`) until retention has dropped \
            every week it encrypted. First copy the current key holder folder aside (or escrow \
            its secret key); then copy the new FHE files (bfv-*.heat, fhe-key.generation) into \
            the collector, evaluator and key holder folders, keeping their other keys. The \
            evaluator refuses (exit 64) any Galois or relinearization key its generation file \
            does not bind, so delete a stale one left there (Docs/Operations.md section 4b).

            Examples:
              heatctl keys rotate --store heat.db --keys keys/keyholder --out keys-gen2 \\
                --previous-head head.heat --head-out head.heat
              heatctl keys rotate --evaluator-keys keys/evaluator --store heat.db --keys keys/keyholder --out keys-gen2 \\
                --previous-head head.heat --head-out head.heat
              heatctl keys rotate --collector --store heat.db --keys keys/keyholder --out collector-gen2 \\
                --previous-head head.heat --head-out head.heat
              heatctl keys rotate --fhe --store heat.db --keys keys/keyholder --out keys-fhe2 \\
                --previous-head head.heat --head-out head.heat
              heatctl keys rotate --fhe --evaluator-keys keys/evaluator --store heat.db --keys keys/keyholder \\
                --out keys-fhe3 --previous-head head.heat --head-out head.heat
            """)

    @Flag(name: .long, help: "Rotate the collector's ingestion key instead of the store signing key.")
    var collector = false

    @Flag(name: .long, help: "Rotate the BFV (FHE) key to a new generation, re-encrypting the stored ciphertexts in the vault.")
    var fhe = false

    @Flag(name: .long, help: "With --fhe: also write Galois keys for encrypted group aggregates into NEWDIR/evaluator.")
    var aggregates = false

    @Option(name: .customLong("evaluator-keys"), help: "The current evaluator folder. With --fhe: when it holds Galois keys, the new generation gets them too (as --aggregates); without: its evaluation key list is re-signed with the new signing key into NEWDIR/evaluator.", completion: .directory)
    var evaluatorKeys: String?

    @Option(name: .long, help: "With --collector: the collector key to retire (fingerprint prefix, at least 8 hex digits); default: the only active one.")
    var retire: String?

    @Option(name: .long, help: "The store.", completion: .file())
    var store: String

    @Option(name: .long, help: "The key holder's folder with the current signing key.", completion: .directory)
    var keys: String

    @Option(name: .long, help: "A new folder for the new key (keyholder/signing.key, auditor/verification.key).", completion: .directory)
    var out: String

    @Option(name: .customLong("previous-head"), help: "The head file written by the previous `audit sign`.", completion: .file())
    var previousHead: String

    @Option(name: .customLong("head-out"), help: "Where to write the head signed with the new key.", completion: .file())
    var headOut: String

    @Option(name: .long, help: "Why: rotation (default) or \"revocation: <why>\".")
    var reason: String = "rotation"

    @OptionGroup var global: GlobalOptions

    func execute() async throws {
        if collector && fhe { throw ValidationError("--collector and --fhe cannot be combined") }
        if aggregates && !fhe { throw ValidationError("--aggregates is only for --fhe") }
        if evaluatorKeys != nil && collector { throw ValidationError("--evaluator-keys is for --fhe or a signing-key rotation, not --collector") }
        if fhe {
            if retire != nil { throw ValidationError("--retire is only for --collector") }
            return try rotateFHE()
        }
        if collector { return try rotateCollector() }
        if retire != nil { throw ValidationError("--retire is only for --collector") }
        let change = try KeyHolderStoreChange(keys: keys, store: store, previousHead: previousHead, action: SigningKeyRotation.auditAction)
        let old = change.key
        // Review s38 keys27c M1: evaluators accept a list signed by the current key only; the
        // list is checked before anything is written and re-signed by the new key.
        var list: FHEKeyGeneration?
        if let evaluatorKeys {
            guard !SigningKeyRotation.isRevocation(reason: reason) else {
                throw ValidationError("--evaluator-keys re-signs the list the key being retired signed, and a revoked key may have signed a forged one: rotate without --evaluator-keys, then write fresh evaluation keys signed by the new key with `heatctl keys rotate --fhe --evaluator-keys \(evaluatorKeys)`")
            }
            list = try FHEKeyGeneration.listToResign(in: KeyFolder(path: evaluatorKeys, role: .evaluator), signedBy: old.verificationKey)
        }
        // The re-signed list goes to a new file, never replacing one: refused here, before the
        // store changes, and written only after the rotation commits (review s39 keys27d L2), so
        // a failed rotation leaves no list signed by a key the store never recorded.
        let resignedPath = URL(filePath: out).appending(path: KeyRole.evaluator.folderName).appending(path: FHEKeyGeneration.fileName).path
        if list != nil, FileManager.default.fileExists(atPath: resignedPath) { throw KeyError.alreadyExists(path: resignedPath) }
        let generation = try change.store.read { db in try StoreSigningKey.nextGeneration(in: db) }
        // Review s40 keys27e (Operations.md 7 (f)): the new key is written into a staging folder
        // next to --out and moved into place only after the store committed; a refused or failed
        // rotation removes it, so NEWDIR never holds a key the store did not record.
        let staged = try StagedKeyFolder(target: out)
        let new: StoreSigningKey
        let files: [String]
        let signed: SignedStoreChange<KeyTransition>
        do {
            try staged.requireAbsent([
                "\(KeyRole.keyholder.folderName)/\(KeyFolder.signingKeyFile)", "\(KeyRole.auditor.folderName)/\(KeyFolder.verificationKeyFile)",
            ])
            let generated = try SigningKeyRotation.generateKey(at: staged.path, generation: generation)
            new = generated.key
            files = generated.files
            signed = try SigningKeyRotation.rotate(store: change.store, from: old, to: new, anchor: .previous(change.previous), reason: reason)
        } catch {
            staged.discard()
            throw error
        }
        // Review s42 ops27g H1: the store has rotated; the head is written even when the move fails.
        let moved = Result { () throws(KeyError) in try staged.commit() }
        // The head first: the store has rotated, and the head signed by the new key is what every
        // later command needs; the re-signed list (checked before the commit) comes after it
        // (review s40 keys27e MEDIUM 2).
        try change.writeHead(signed.head, to: headOut, fault: .rotateAfterCommit)
        try moved.get()
        let resigned = try list.map { try $0.writeResigned(with: new, under: out) }
        let transition = signed.record
        for file in files { Console.output("wrote \(staged.finalPath(of: file))") }
        if let resigned, let evaluatorKeys {
            Console.output("wrote \(resigned): the evaluation key list of \(evaluatorKeys) signed with the new key; copy it over \(evaluatorKeys)/\(FHEKeyGeneration.fileName)")
        }
        Console.output("key generation \(transition.generation): \(old.fingerprint.hex.prefix(16))… retired after signed head \(transition.finalHeadSeq); new key \(new.fingerprint.hex.prefix(16))…")
        Console.output("signed with the new key; wrote \(headOut)")
        // Review s39 keys27d M1: the original pin follows the chain, but cannot see a truncated
        // key_transitions (a database writer holding the retired key); the new pin can.
        let newAuditor = URL(filePath: out).appending(path: KeyRole.auditor.folderName).path
        if SigningKeyRotation.isRevocation(reason: reason) {
            // Review s40 keys27e L2: what is required is the new pin, on a line of its own.
            Console.output("required after a revocation: pin \(newAuditor) (audit verify --keys, evaluate --trust); the old pin accepts a store whose key_transitions a holder of the revoked key truncated")
        }
        Console.output("auditors and evaluators: pin the new auditor folder from now on (audit verify --keys \(newAuditor), evaluate --trust \(newAuditor)) and keep \(headOut) outside the store, where the store's writers cannot write, for --expect-head; copy \(newAuditor) to them")
    }

    /// `--fhe`: a new BFV key generation; the stored ciphertexts re-encrypted in the vault (issue 27).
    private func rotateFHE() throws {
        let change = try KeyHolderStoreChange(keys: keys, store: store, previousHead: previousHead, action: FHEKeyRotation.auditAction)
        let holder = try KeyHolder(keysAt: keys)
        let generations = try change.store.read { db in try FHEKeyGenerations.effective(in: db) }
        try generations.require(holder.fheIdentity, role: .keyholder, path: store)
        // The current evaluator folder's Galois keys are replaced by the new generation's, never left stale.
        var galois = aggregates
        if let evaluatorKeys { galois = try galois || FHEKeyRotation.holdsGaloisKeys(KeyFolder(path: evaluatorKeys, role: .evaluator)) }
        // The new keys are written before the store changes (never replacing a file), so a
        // committed rotation cannot lose them.
        // Review s40 keys27e: written into a staging folder next to --out, moved into place only
        // after the store committed, removed when the rotation is refused or fails.
        let staged = try StagedKeyFolder(target: out)
        let next: FHEKeyRotation.NewKeys
        let signed: SignedStoreChange<FHEKeyTransition>
        do {
            next = try FHEKeyRotation.generateKeys(
                at: staged.path, parameters: holder.context.parameters, generation: generations.currentGeneration + 1, aggregates: galois,
                signingKey: change.key)
            try staged.requireAbsent(next.files.map { String(staged.finalPath(of: $0).dropFirst(staged.target.path.count + 1)) })
            signed = try FHEKeyRotation.rotate(
                store: change.store, signingKey: change.key, old: holder, oldIdentity: holder.fheIdentity, newPublicKey: next.publicKey,
                newGeneration: next.generation, anchor: .previous(change.previous), reason: reason)
        } catch {
            staged.discard()
            throw error
        }
        let moved = Result { () throws(KeyError) in try staged.commit() }
        try change.writeHead(signed.head, to: headOut, fault: .rotateAfterCommit)
        try moved.get()
        let transition = signed.record
        for file in next.files { Console.output("wrote \(staged.finalPath(of: file))") }
        let rows = transition.lastSeq - transition.firstSeq + 1
        Console.output("FHE key generation \(transition.generation - 1) retired after ciphertexts row \(transition.finalSeq); \(rows) ciphertexts re-encrypted as rows \(transition.firstSeq)-\(transition.lastSeq) under generation \(transition.generation) (key \(transition.keyID.prefix(16))…)")
        Console.output("signed; wrote \(headOut)")
        Console.output("keep the retired key holder folder (\(keys)) in escrow to decrypt runs of generation \(transition.generation - 1)")
        Console.output("the evaluator now refuses evaluation keys of generation \(transition.generation - 1): replace them with those in \(out)/evaluator")
    }

    /// `--collector`: retire the collector's ingestion key and endorse a fresh successor (issue 27).
    private func rotateCollector() throws {
        let change = try KeyHolderStoreChange(keys: keys, store: store, previousHead: previousHead, action: CollectorKeyRotation.rotateAction)
        // Refuse before changing the store when a key file is already there (never replaced).
        for name in [KeyFolder.ingestionKeyFile, KeyFolder.ingestionEndorsementFile] {
            let path = URL(filePath: out).appending(path: KeyRole.collector.folderName).appending(path: name).path
            if FileManager.default.fileExists(atPath: path) { throw KeyError.alreadyExists(path: path) }
        }
        let new = IngestionKey()
        // The successor's files are written inside the transaction, before the commit, and
        // removed if it fails (never replacing a file), so the old key is never retired with the
        // new one lost. With no active collector key (the last one revoked) a fresh key is endorsed.
        let signed = try CollectorKeyRotation.rotate(
            store: change.store, keyholder: change.key, retiring: retire, to: new, anchor: .previous(change.previous), reason: reason,
            writingKeyTo: out)
        try change.writeHead(signed.head, to: headOut, fault: .rotateAfterCommit)
        let rotation = signed.record
        for file in rotation.files { Console.output("wrote \(file)") }
        if let retirement = rotation.retirement {
            Console.output("collector key \(retirement.retiredFingerprint.prefix(16))… (generation \(retirement.generation)) retired after ingestion signature \(retirement.finalSignatureSeq); new collector key \(new.fingerprint.hex.prefix(16))… (generation \(rotation.generation))")
        } else {
            Console.output("no active collector key (every one revoked): endorsed a fresh collector key \(new.fingerprint.hex.prefix(16))… (generation \(rotation.generation))")
        }
        Console.output("signed; wrote \(headOut)")
    }
}
