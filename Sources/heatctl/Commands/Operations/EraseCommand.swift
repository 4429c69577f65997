import ArgumentParser
import Foundation
import HeatCore

/// `heatctl erase --store heat.db --keys DIR/keyholder (--client REF | --client-file F --collector-keys DIR/collector)
/// --previous-head head.heat --head-out head.heat`: erase clients on request (issue 27).
struct EraseCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase",
        abstract: "Erase clients on request: drop their directory entry under a signed tombstone (key holder).",
        discussion: """
            In one transaction: verifies the whole store under the key holder's key against the \
            previous head (no unsigned rows allowed: exit 1 otherwise, nothing erased), finds \
            each client's directory row (by masked reference with --client, or by recomputing \
            the pseudonym of each raw id of --client-file with the collector's pseudonymisation \
            key from --collector-keys), drops that row and the client's plaintext weekly buckets \
            under signed tombstones (policy "erasure E-…"), records a signed erasure with the \
            freed slot, logs `client.erase` and signs the store (the erasure and its signed \
            head commit together: a kill leaves neither or both); then writes --head-out. Every \
            later evaluation zeroes the slot, aggregates leave it out, the slot is never reused, \
            and the pseudonym is gone from the store. Output names erasure ids and line numbers, \
            never a client id. `heatctl audit verify` accepts and names each erasure; a forged \
            one is a violation. Run `heatctl store backup` first: erased rows are gone for good \
            (and keep backups under the same erasure duty).

            The client file holds one raw client id per line, or is a CSV whose header has a \
            client_id column (unquoted fields).

            Examples:
              heatctl erase --store heat.db --keys keys/keyholder --client C-7f3a9c2e \\
                --previous-head head.heat --head-out head.heat --reason "ticket 4711"
              heatctl erase --store heat.db --keys keys/keyholder --collector-keys keys/collector \\
                --client-file erase-request.csv --previous-head head.heat --head-out head.heat
            """)

    @Option(name: .long, help: "The store.", completion: .file())
    var store: String

    @Option(name: .long, help: "The key holder's folder (keys/keyholder): signs the tombstones and the erasure.", completion: .directory)
    var keys: String

    @Option(name: .long, help: "A masked client reference (C- and at least 8 hex digits); repeatable.")
    var client: [String] = []

    @Option(name: .customLong("client-file"), help: "A file of raw client ids to erase (needs --collector-keys).", completion: .file())
    var clientFile: String?

    @Option(name: .customLong("collector-keys"), help: "The collector's folder (keys/collector), to pseudonymise --client-file.", completion: .directory)
    var collectorKeys: String?

    @Option(name: .long, help: "Why (for example a ticket number; never the client's id). Default: request.")
    var reason: String = "request"

    @Option(name: .customLong("previous-head"), help: "The head file written by the previous `audit sign`.", completion: .file())
    var previousHead: String

    @Option(name: .customLong("head-out"), help: "Where to write the new signed head (may be the --previous-head file).", completion: .file())
    var headOut: String

    @Flag(name: .long, help: "Print the summary as one JSON document.")
    var json = false

    @OptionGroup var global: GlobalOptions

    struct Output: Encodable {
        var erasure: ClientEraser.Summary
        var notFoundLines: [Int]
        var signedHead: SignedHead
    }

    func validate() throws {
        guard client.isEmpty != (clientFile == nil) else {
            throw ValidationError("pass either --client REF (repeatable) or --client-file FILE, not both and not neither")
        }
        if clientFile != nil, collectorKeys == nil {
            throw ValidationError("--client-file needs --collector-keys DIR/collector to recompute the pseudonyms")
        }
    }

    func execute() async throws {
        let change = try KeyHolderStoreChange(keys: keys, store: store, previousHead: previousHead, action: ClientEraser.auditAction)
        let request: ClientEraser.Request
        var lines: [Int] = []
        var source = "--client"
        if let clientFile, let collectorKeys {
            let pseudonymKey = try KeyFolderRefusal.open(collectorKeys, role: .collector, store: store, action: ClientEraser.auditAction)
                .pseudonymisationKey()
            let ids = try ClientEraser.clientIDs(in: try InputFile.read(clientFile), file: clientFile)
            lines = ids.map(\.line)
            source = clientFile
            request = .rawIDs(ids.map(\.id), key: pseudonymKey)
        } else {
            request = .references(client)
        }
        let signed = try ClientEraser.erase(
            request, store: change.store, key: change.key, anchor: .previous(change.previous), reason: reason, source: source)
        try change.writeHead(signed.head, to: headOut, fault: .eraseAfterCommit)
        let (summary, head) = (signed.record, signed.head)
        let notFoundLines = summary.notFound.compactMap { lines.isEmpty ? nil : lines[$0 - 1] }
        if json {
            try StoreJSON.print(Output(erasure: summary, notFoundLines: notFoundLines, signedHead: head))
            return
        }
        for record in summary.erasures {
            Console.output("erased one client as \(record.erasureID) (slot \(record.slot) zeroed in later evaluations, never reused)")
        }
        for (table, rows) in summary.droppedRows.sorted(by: { $0.key < $1.key }) {
            Console.output("dropped \(rows) \(table) row\(rows == 1 ? "" : "s") under \(summary.tombstones.filter { $0.table == table }.count) signed tombstone(s)")
        }
        if !notFoundLines.isEmpty {
            Console.output("\(source): lines \(notFoundLines.map(String.init).joined(separator: ", ")) match no client of the directory (never ingested, or already erased)")
        }
        Console.output("signed \(head.chains.count) chain heads at \(head.signedAt); wrote \(headOut)")
    }
}
