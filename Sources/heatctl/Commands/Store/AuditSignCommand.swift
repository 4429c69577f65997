import ArgumentParser
import Foundation
import HeatCore

/// `heatctl audit sign --store heat.db --keys DIR/keyholder --head-out head.heat`.
struct AuditSignCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign the store's chain heads (key holder).",
        discussion: """
            Appends an audit entry, signs the head of every hash chain with the key holder's \
            Ed25519 key, stores the signed head and writes it to --head-out. Keep the head file \
            outside the store: `audit verify --expect-head` uses it to catch rows deleted together \
            with their signed heads.

            Example:
              heatctl audit sign --store heat.db --keys keys/keyholder --head-out head.heat
            """)

    @Option(name: .long, help: "The store.")
    var store: String

    @Option(name: .long, help: "The key holder's folder (keys/keyholder).")
    var keys: String

    @Option(name: .customLong("head-out"), help: "Where to write the signed head.")
    var headOut: String

    @Flag(name: .long, help: "Print the signed head as one JSON document.")
    var json = false

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func execute() async throws {
        let key = try KeyFolder(path: keys, role: .keyholder).signingKey()
        let opened = try HeatStore(path: store)
        let head = try HeadSigner.sign(store: opened, with: key)
        try head.write(to: URL(filePath: headOut))
        if json {
            try StoreJSON.print(head)
            return
        }
        Console.output("signed \(head.chains.count) chain heads at \(head.signedAt) with key \(head.keyFingerprint.prefix(16))…")
        for chain in head.chains {
            Console.output("  \(chain.table): \(chain.rows) rows, head \(chain.hash.prefix(16))…")
        }
        Console.output("wrote \(headOut)")
    }
}
