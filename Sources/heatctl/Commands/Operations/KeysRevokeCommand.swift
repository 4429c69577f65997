import ArgumentParser
import Foundation
import HeatCore

/// `heatctl keys revoke --collector ID --store heat.db --keys DIR/keyholder --previous-head head.heat --head-out head.heat`.
struct KeysRevokeCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a collector ingestion key with a signed retirement (issue 27).",
        discussion: """
            Verifies the store under the key holder's key against --previous-head (exit 1 and \
            nothing changed when it fails), then appends a retirement of the collector key ID \
            (a unique prefix, at least 8 hex digits, of its fingerprint) with no successor, \
            signed by the key holder, after the store's last ingestion signature, and signs the \
            store in the same transaction (a kill leaves neither or both); then writes --head-out. From then on `ingest` refuses the key (exit 64) and every ingestion signature \
            it makes fails `audit verify` (retiredCollectorKey); its earlier runs keep \
            verifying. A key already retired, and an unknown, malformed or ambiguous ID, are refused \
            (exit 64). To replace the key rather than only revoke it, use `heatctl keys rotate \
            --collector`. (The store signing key is revoked by rotating it with --reason \
            "revocation: …".) See Docs/Operations.md.

            Example:
              heatctl keys revoke --collector 1a2b3c4d --store heat.db --keys keys/keyholder \\
                --previous-head head.heat --head-out head.heat --reason "laptop stolen"
            """)

    @Option(name: .long, help: "The collector key to revoke: a fingerprint prefix of at least 8 hex digits.")
    var collector: String

    @Option(name: .long, help: "The store.", completion: .file())
    var store: String

    @Option(name: .long, help: "The key holder's folder with the current signing key.", completion: .directory)
    var keys: String

    @Option(name: .customLong("previous-head"), help: "The head file written by the previous `audit sign`.", completion: .file())
    var previousHead: String

    @Option(name: .customLong("head-out"), help: "Where to write the new signed head.", completion: .file())
    var headOut: String

    @Option(name: .long, help: "Why (recorded as \"revocation: <why>\").")
    var reason: String = "revocation"

    @OptionGroup var global: GlobalOptions

    func execute() async throws {
        let change = try KeyHolderStoreChange(keys: keys, store: store, previousHead: previousHead, action: CollectorKeyRotation.revokeAction)
        let signed = try CollectorKeyRotation.revoke(
            store: change.store, keyholder: change.key, key: collector, anchor: .previous(change.previous), reason: reason)
        try change.writeHead(signed.head, to: headOut, fault: .rotateAfterCommit)
        let retirement = signed.record
        Console.output("collector key \(retirement.retiredFingerprint.prefix(16))… (generation \(retirement.generation)) revoked after ingestion signature \(retirement.finalSignatureSeq) (\(retirement.reason))")
        Console.output("signed; wrote \(headOut)")
    }
}
