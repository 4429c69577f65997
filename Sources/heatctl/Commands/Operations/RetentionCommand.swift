import ArgumentParser
import Foundation
import HeatCore

/// `heatctl retention apply ...`: drop weeks past the retention window with signed tombstones.
struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Apply the retention policy: drop old weeks with signed tombstones (key holder).",
        discussion: """
            Example:
              heatctl retention apply --store heat.db --keys keys/keyholder --before 2025-W01 \\
                --previous-head head.heat --head-out head.heat
            """,
        subcommands: [RetentionApplyCommand.self])
}

/// `heatctl retention apply --store heat.db --keys DIR/keyholder --before WEEK --previous-head head.heat --head-out head.heat`.
struct RetentionApplyCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Drop the rows of weeks before --before, record signed tombstones, then sign the store.",
        discussion: """
            In one transaction: verifies the whole store under the key holder's key against the \
            previous head (no unsigned rows allowed: exit 1 otherwise, nothing dropped), drops \
            the weekly_buckets, ciphertexts and collector_state rows of weeks before --before \
            (never a table's last row), and appends one tombstone per dropped range, signed with \
            the store signing key and carrying the hashes later checks need, and signs the \
            store (the compaction and its signed head commit together: a kill leaves neither or \
            both); then writes --head-out. `heatctl audit verify` (and \
            Scripts/verify-store.py) accept the gaps and name each tombstone; a forged or \
            unsigned tombstone fails verification. --window-weeks (default 52) refuses a \
            cutoff that would drop weeks of the heat window ending at the newest stored week. \
            Run `heatctl store backup` first: dropped rows are gone for good.

            Example:
              heatctl retention apply --store heat.db --keys keys/keyholder --before 2025-W01 \\
                --previous-head head.heat --head-out head.heat
            """)

    @Option(name: .long, help: "The store.", completion: .file())
    var store: String

    @Option(name: .long, help: "The key holder's folder (keys/keyholder).", completion: .directory)
    var keys: String

    @Option(name: .long, help: "The first ISO week kept (YYYY-Www); older weeks are dropped.")
    var before: String

    @Option(name: .customLong("window-weeks"), help: "Weeks that must stay before the newest stored week (default 52, the heat window).")
    var windowWeeks: Int = 52

    @Option(name: .customLong("previous-head"), help: "The head file written by the previous `audit sign`.", completion: .file())
    var previousHead: String

    @Option(name: .customLong("head-out"), help: "Where to write the new signed head (may be the --previous-head file).", completion: .file())
    var headOut: String

    @Flag(name: .long, help: "Print the summary as one JSON document.")
    var json = false

    @OptionGroup var global: GlobalOptions

    struct Output: Encodable {
        var retention: RetentionCompactor.Summary
        var signedHead: SignedHead
    }

    func execute() async throws {
        let cutoff: ISOWeek
        do {
            cutoff = try ISOWeek(parsing: before)
        } catch {
            throw ValidationError("--before \(before): expected an ISO week such as 2025-W01")
        }
        guard windowWeeks >= 1 else { throw ValidationError("--window-weeks must be at least 1") }
        let change = try KeyHolderStoreChange(keys: keys, store: store, previousHead: previousHead, action: RetentionCompactor.auditAction)
        if let latest = try RetentionCompactor.newestWeek(in: change.store), cutoff > latest.advanced(by: 1 - windowWeeks) {
            throw RetentionError.cutoffInsideWindow(cutoff: cutoff.description, latest: latest.description, windowWeeks: windowWeeks)
        }
        let signed = try RetentionCompactor.apply(store: change.store, key: change.key, anchor: .previous(change.previous), before: cutoff)
        try change.writeHead(signed.head, to: headOut, fault: .retentionAfterCommit)
        let (summary, head) = (signed.record, signed.head)
        if json {
            try StoreJSON.print(Output(retention: summary, signedHead: head))
            return
        }
        if summary.tombstones.isEmpty {
            Console.output("no rows of weeks before \(cutoff) (the store keeps every table's last row)")
        }
        for stone in summary.tombstones {
            Console.output("dropped \(stone.table) rows \(stone.firstSeq)-\(stone.lastSeq) (\(stone.policy)); signed tombstone with \(stone.anchors.count) anchors")
        }
        Console.output("signed \(head.chains.count) chain heads at \(head.signedAt); wrote \(headOut)")
    }
}
