import ArgumentParser
import Foundation
import HeatCore

/// `heatctl audit sign --store heat.db --keys DIR/keyholder (--previous-head head.heat | --first-head) --head-out head.heat`.
struct AuditSignCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Verify the store, then sign its chain heads (key holder).",
        discussion: """
            In one transaction committed with full durability: verifies the whole store against \
            the previous head file and the key holder's own public key (as `audit verify` does, \
            accepting only the unsigned rows it is about to sign) and refuses, exit 1 naming the \
            violation, to sign a store that fails; then appends an audit entry, signs the head of \
            every hash chain with the Ed25519 key, stores the signed head and writes it to \
            --head-out (flushed to disk with its folder). Keep the head file outside the store and \
            pass it as --previous-head next time; the very first signature says so with \
            --first-head. Refusals are recorded in the audit log.

            Examples:
              heatctl audit sign --store heat.db --keys keys/keyholder --first-head --head-out head.heat
              heatctl audit sign --store heat.db --keys keys/keyholder --previous-head head.heat --head-out head.heat
            """)

    @Option(name: .long, help: "The store.", completion: .file())
    var store: String

    @Option(name: .long, help: "The key holder's folder (keys/keyholder).", completion: .directory)
    var keys: String

    @Option(name: .customLong("previous-head"), help: "The head file written by the previous `audit sign`.", completion: .file())
    var previousHead: String?

    @Flag(name: .customLong("first-head"), help: "This is the store's first signature (there is no previous head).")
    var firstHead = false

    @Option(name: .customLong("head-out"), help: "Where to write the signed head (may be the --previous-head file).", completion: .file())
    var headOut: String

    @Flag(name: .long, help: "Print the signed head as one JSON document.")
    var json = false

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func validate() throws {
        if previousHead == nil && !firstHead {
            throw ValidationError("missing --previous-head FILE (the head file written by the last `heatctl audit sign`); for the store's very first signature, pass --first-head")
        }
        if previousHead != nil && firstHead {
            throw ValidationError("--previous-head and --first-head exclude each other")
        }
    }

    func execute() async throws {
        let key = try KeyFolderRefusal.open(keys, role: .keyholder, store: store, action: AuditAction.sign).signingKey()
        let anchor: HeadAnchor = try previousHead.map { HeadAnchor.previous(try SignedHead.read(from: URL(filePath: $0))) } ?? .firstHead
        let opened = try HeatStore(path: store)
        let head = try HeadSigner.sign(store: opened, with: key, anchor: anchor)
        try head.write(to: URL(filePath: headOut))
        if json {
            try StoreJSON.print(head)
            return
        }
        Console.output("verified the store, then signed \(head.chains.count) chain heads at \(head.signedAt) with key \(head.keyFingerprint.prefix(16))…")
        for chain in head.chains {
            Console.output("  \(chain.table): \(chain.rows) rows, head \(chain.hash.prefix(16))…")
        }
        Console.output("wrote \(headOut)")
    }
}
