import ArgumentParser
import Foundation
import HeatCore

/// `heatctl directory move | close | history`: directory changes versioned by week (issue 27, item 3).
struct DirectoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "directory",
        abstract: "Record directory changes from a week on: moves between managers or branches, closures (key holder).",
        discussion: """
            The slot layout never changes; each change is a signed directory version effective \
            from an ISO week, and aggregates attribute each week's contribution to the groups of \
            that week (history stays with the manager who held the client). New clients need no \
            command: ingestion adds them from their first week.

            Examples:
              heatctl directory move --store heat.db --keys keys/keyholder --client C-7f3a9c2e \\
                --manager M-19b0d4aa --from-week 2026-W10 --previous-head head.heat --head-out head.heat
              heatctl directory close --store heat.db --keys keys/keyholder --client C-7f3a9c2e \\
                --from-week 2026-W14 --previous-head head.heat --head-out head.heat
              heatctl directory history --store heat.db --client C-7f3a9c2e
            """,
        subcommands: [DirectoryMoveCommand.self, DirectoryCloseCommand.self, DirectoryHistoryCommand.self])
}

/// The options `move` and `close` share: store, key holder folder, client, week and head files.
struct DirectoryChangeOptions: ParsableArguments {
    @Option(name: .long, help: "The store.", completion: .file())
    var store: String

    @Option(name: .long, help: "The key holder's folder (keys/keyholder): signs the directory version and the new head.", completion: .directory)
    var keys: String

    @Option(name: .long, help: "The client's masked reference (C- and at least 8 hex digits, from `heatctl clients`).")
    var client: String

    @Option(name: .customLong("from-week"), help: "The first ISO week (YYYY-Www) the change holds for.")
    var fromWeek: String

    @Option(name: .customLong("previous-head"), help: "The head file written by the previous `audit sign`.", completion: .file())
    var previousHead: String

    @Option(name: .customLong("head-out"), help: "Where to write the new signed head (may be the --previous-head file).", completion: .file())
    var headOut: String

    @Flag(name: .long, help: "Print the version and the head as one JSON document.")
    var json = false

    /// The week, or a usage error naming the option.
    func week() throws -> ISOWeek {
        do {
            return try ISOWeek(parsing: fromWeek)
        } catch {
            throw ValidationError("--from-week: \(error) (expected YYYY-Www, for example 2026-W10)")
        }
    }

    struct Output: Encodable {
        var version: DirectoryVersion
        var signedHead: SignedHead
    }

    /// Records `change` under the key holder's key and signs the store in one transaction, then
    /// writes the head file and reports.
    func run(_ change: DirectoryChanger.Change, action: String) throws {
        let week = try week()
        let keyHolder = try KeyHolderStoreChange(keys: keys, store: store, previousHead: previousHead, action: action)
        let recorded = try DirectoryChanger.apply(
            change, from: week, store: keyHolder.store, key: keyHolder.key, anchor: .previous(keyHolder.previous))
        try keyHolder.writeHead(recorded.head, to: headOut, fault: .directoryAfterCommit)
        let (version, head) = (recorded.record, recorded.head)
        if json {
            try StoreJSON.print(Output(version: version, signedHead: head))
            return
        }
        let what = version.status == .closed ? "account closed" : "client moved"
        Console.output("\(what) from \(version.fromWeek) on as \(version.versionID) (slot \(version.slot)); weeks before stay with the earlier assignment")
        Console.output("signed \(head.chains.count) chain heads at \(head.signedAt); wrote \(headOut)")
        Console.output("re-run `heatctl evaluate` before the next release: runs and aggregates of the earlier directory version are refused")
    }
}

/// `heatctl directory move --store heat.db --keys DIR/keyholder --client C-… (--manager M-… | --manager-id ID --collector-keys DIR) [--branch B-…] --from-week W …`.
struct DirectoryMoveCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "move",
        abstract: "Move a client to another manager and/or branch from a week on, signing the store in the same transaction.",
        discussion: """
            In one transaction: verifies the whole store under the key holder's key against the \
            previous head (no unsigned rows: exit 1 otherwise, nothing recorded), resolves the \
            client and the target by masked reference (a manager new to the store by raw id \
            with --manager-id and the collector's pseudonymisation key), keeps what the move does \
            not name from the assignment in force that week, appends a signed directory version, \
            logs `directory.move` and signs the store (the change and its signed head commit \
            together: a kill leaves neither or both); then writes --head-out. Weeks before \
            --from-week stay attributed to the earlier manager and branch. A move that changes \
            nothing is refused (exit 64); an unknown or ambiguous reference exits 65 naming the \
            option, never the reference.

            Examples:
              heatctl directory move --store heat.db --keys keys/keyholder --client C-7f3a9c2e \\
                --manager M-19b0d4aa --from-week 2026-W10 --previous-head head.heat --head-out head.heat
              heatctl directory move --store heat.db --keys keys/keyholder --client C-7f3a9c2e \\
                --manager-id RM-0042 --collector-keys keys/collector --branch B-2c81aa07 \\
                --from-week 2026-W10 --previous-head head.heat --head-out head.heat
            """)

    @OptionGroup var change: DirectoryChangeOptions

    @Option(name: .long, help: "The new manager's masked reference (M- and at least 8 hex digits).")
    var manager: String?

    @Option(name: .customLong("manager-id"), help: "The new manager's raw id (a manager new to the store; needs --collector-keys).")
    var managerID: String?

    @Option(name: .long, help: "The new branch's masked reference (B- and at least 8 hex digits).")
    var branch: String?

    @Option(name: .customLong("collector-keys"), help: "The collector's folder (keys/collector), to pseudonymise --manager-id.", completion: .directory)
    var collectorKeys: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if manager != nil && managerID != nil { throw ValidationError("pass --manager or --manager-id, not both") }
        if manager == nil && managerID == nil && branch == nil { throw ValidationError("a move needs --manager, --manager-id or --branch") }
        if managerID != nil && collectorKeys == nil {
            throw ValidationError("--manager-id needs --collector-keys DIR/collector to compute the manager's pseudonym")
        }
    }

    func execute() async throws {
        var target: DirectoryChanger.Target?
        if let manager { target = .reference(manager) }
        if let managerID, let collectorKeys {
            let key = try KeyFolderRefusal.open(collectorKeys, role: .collector, store: change.store, action: DirectoryChanger.moveAction)
                .pseudonymisationKey()
            target = .rawID(managerID, key: key)
        }
        try change.run(.move(client: change.client, manager: target, branch: branch.map { .reference($0) }), action: DirectoryChanger.moveAction)
    }
}

/// `heatctl directory close --store heat.db --keys DIR/keyholder --client C-… --from-week W …`.
struct DirectoryCloseCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "close",
        abstract: "Close a client's account from a week on (no group sums it afterwards), signing the store in the same transaction.",
        discussion: """
            As `directory move`, but the signed version marks the account closed: from \
            --from-week on the client's weeks are summed into no manager, branch, segment or \
            region; earlier weeks stay with the groups of their time. Logged as `directory.close`. \
            Closing an account that is already closed that week is refused (exit 64). To remove \
            a client's data on request use `heatctl erase` instead.

            Example:
              heatctl directory close --store heat.db --keys keys/keyholder --client C-7f3a9c2e \\
                --from-week 2026-W14 --previous-head head.heat --head-out head.heat
            """)

    @OptionGroup var change: DirectoryChangeOptions

    @OptionGroup var global: GlobalOptions

    func execute() async throws {
        try change.run(.close(client: change.client), action: DirectoryChanger.closeAction)
    }
}

/// `heatctl directory history --store heat.db --client C-… [--json]`.
struct DirectoryHistoryCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List a client's assignment week by week: the directory row, then each signed version.",
        discussion: """
            Masked references only (never a raw id). Reads the store; changes nothing.

            Example:
              heatctl directory history --store heat.db --client C-7f3a9c2e --json
            """)

    @Option(name: .long, help: "The store.", completion: .file())
    var store: String

    @Option(name: .long, help: "The client's masked reference (C- and at least 8 hex digits).")
    var client: String

    @Flag(name: .long, help: "Print the history as one JSON document.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func execute() async throws {
        let lines = try DirectoryChanger.history(of: client, in: HeatStore(readingFrom: store))
        if json {
            try StoreJSON.print(lines)
            return
        }
        for line in lines {
            let from = line.fromWeek.map { "from \($0)" } ?? "directory row"
            let version = line.version.map { " (\($0))" } ?? ""
            Console.output("\(from)\(version): \(line.status), manager \(line.manager ?? "-"), branch \(line.branch ?? "-")")
        }
    }
}
