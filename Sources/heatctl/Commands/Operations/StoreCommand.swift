import ArgumentParser
import Foundation
import HeatCore

/// `heatctl store backup | restore | measure`: verified copies of the store and its size.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Back up, restore and measure the store (every copy verified).",
        discussion: """
            Example:
              heatctl store backup --store heat.db --keys keys/auditor --expect-head head.heat --out backups/heat-2026-W10.db
            """,
        subcommands: [StoreBackupCommand.self, StoreRestoreCommand.self, StoreMeasureCommand.self])
}

/// Options shared by backup and restore: the pinned key and the head to verify against.
struct StoreVerificationOptions: ParsableArguments {
    @Option(name: .long, help: "The auditor's folder (keys/auditor): the pinned verification key.", completion: .directory)
    var keys: String

    @Option(name: .customLong("expect-head"), help: "The head file to verify the copy against (keep one with each backup).", completion: .file())
    var expectHead: String

    func pinned() throws -> (StoreVerificationKey, HeadAnchor) {
        let key = try KeyFolder(path: keys, role: .auditor).verificationKey()
        return (key, .previous(try SignedHead.read(from: URL(filePath: expectHead))))
    }
}

/// Prints a backup or restore result.
private func describe(_ result: StoreBackup.Result, wrote path: String, json: Bool) throws {
    if json {
        try StoreJSON.print(result.measurement)
        return
    }
    Console.output("wrote \(path) (\(result.measurement.bytes) bytes), verified: intact")
    for line in result.report.retention { Console.output("retention: \(line)") }
    if result.report.unsignedRowCount > 0 {
        Console.output("\(result.report.unsignedRowCount) rows are not yet covered by a signed head")
    }
    let m = result.measurement
    if let perClientWeek = m.bytesPerClientWeek {
        Console.output("\(m.clients) clients x \(m.weeks) weeks: \(Int(perClientWeek.rounded())) bytes per client-week")
    }
}

/// `heatctl store backup --store heat.db --keys DIR/auditor --expect-head head.heat --out FILE`.
struct StoreBackupCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write a compacted (VACUUM INTO), verified copy of the store.",
        discussion: """
            Takes a consistent snapshot with `VACUUM INTO` (free pages dropped, every row's bytes, \
            triggers and schema version unchanged, so all chains and signatures carry over), \
            verifies the copy against the pinned key and --expect-head (exit 1 and nothing \
            written when it fails), then renames it to --out, never replacing a file (exit 64). \
            Prints the size per client-week. Save the head file next to the backup.

            Example:
              heatctl store backup --store heat.db --keys keys/auditor --expect-head head.heat --out backups/heat-2026-W10.db
            """)

    @Option(name: .long, help: "The store.", completion: .file())
    var store: String

    @OptionGroup var verification: StoreVerificationOptions

    @Option(name: .long, help: "The backup file to create.", completion: .file())
    var out: String

    @Flag(name: .long, help: "Print the measurement as one JSON document.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func execute() async throws {
        let (key, anchor) = try verification.pinned()
        let result = try StoreBackup.backup(store: store, to: out, pinnedKey: key, anchor: anchor)
        try describe(result, wrote: out, json: json)
    }
}

/// `heatctl store restore --from FILE --store heat.db --keys DIR/auditor --expect-head head.heat`.
struct StoreRestoreCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a verified backup to a new store file.",
        discussion: """
            Verifies the backup against the pinned key and --expect-head (the head file saved \
            with the backup), copies it next to --store under a temporary name, verifies the copy \
            and renames it to --store. --store must not exist (move a damaged store aside first; \
            exit 64). Rows written after the backup are not in it: verifying the restored store \
            against a newer head file reports the rollback, as it should.

            Example:
              heatctl store restore --from backups/heat-2026-W10.db --store heat.db --keys keys/auditor --expect-head backups/head-2026-W10.heat
            """)

    @Option(name: .long, help: "The backup file.", completion: .file())
    var from: String

    @Option(name: .long, help: "The store file to create.", completion: .file())
    var store: String

    @OptionGroup var verification: StoreVerificationOptions

    @Flag(name: .long, help: "Print the measurement as one JSON document.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func execute() async throws {
        let (key, anchor) = try verification.pinned()
        let result = try StoreBackup.restore(from: from, to: store, pinnedKey: key, anchor: anchor)
        try describe(result, wrote: store, json: json)
    }
}

/// `heatctl store measure --store heat.db [--json]`.
struct StoreMeasureCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "measure",
        abstract: "Print the store's size, rows per table and bytes per client-week.",
        discussion: """
            Example:
              heatctl store measure --store heat.db --json
            """)

    @Option(name: .long, help: "The store.", completion: .file())
    var store: String

    @Flag(name: .long, help: "Print one JSON document.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func execute() async throws {
        let m = try StoreBackup.measure(store)
        if json {
            try StoreJSON.print(m)
            return
        }
        Console.output("\(store): \(m.bytes) bytes, \(m.clients) clients, \(m.weeks) weeks")
        if let perClientWeek = m.bytesPerClientWeek { Console.output("\(Int(perClientWeek.rounded())) bytes per client-week") }
        for (table, rows) in m.rows.sorted(by: { $0.key < $1.key }) { Console.output("  \(table): \(rows) rows") }
    }
}
