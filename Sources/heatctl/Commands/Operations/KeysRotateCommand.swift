import ArgumentParser
import Foundation
import HeatCore

/// `heatctl keys rotate --store heat.db --keys DIR/keyholder --out NEWDIR --previous-head head.heat --head-out head.heat`.
struct KeysRotateCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Rotate (or revoke) the key holder's store signing key with a signed key transition.",
        discussion: """
            Generates a fresh Ed25519 signing key into NEWDIR/keyholder/signing.key (mode 0600) \
            and NEWDIR/auditor/verification.key; then, in one transaction, verifies the store \
            under the current key against --previous-head (exit 1 and nothing changed when it \
            fails), appends a key transition signed by both keys that retires the current key \
            after the latest signed head, records the new key, and finally signs the store with \
            the new key and writes --head-out. Old heads, collector endorsements and tombstones \
            keep verifying; heads signed later by the retired key are violations. Auditors may \
            keep the old verification key or switch to the new one. Use --reason \
            "revocation: <why>" when the current key is compromised. Move the new signing.key \
            into the key holder's folder afterwards. See Docs/Operations.md.

            Example:
              heatctl keys rotate --store heat.db --keys keys/keyholder --out keys-gen2 \\
                --previous-head head.heat --head-out head.heat
            """)

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
        let old = try KeyFolderRefusal.open(keys, role: .keyholder, store: store, action: SigningKeyRotation.auditAction).signingKey()
        let previous = try SignedHead.read(from: URL(filePath: previousHead))
        let opened = try HeatStore(path: store)
        let (new, files) = try SigningKeyRotation.generateKey(at: out)
        let transition = try SigningKeyRotation.rotate(store: opened, from: old, to: new, anchor: .previous(previous), reason: reason)
        let head = try HeadSigner.sign(store: opened, with: new, anchor: .previous(previous))
        FaultPoint.rotateAfterCommit.reach()
        try head.write(to: URL(filePath: headOut))
        for file in files { Console.output("wrote \(file)") }
        Console.output("key generation \(transition.generation): \(old.fingerprint.hex.prefix(16))… retired after signed head \(transition.finalHeadSeq); new key \(new.fingerprint.hex.prefix(16))…")
        Console.output("signed with the new key; wrote \(headOut)")
    }
}
