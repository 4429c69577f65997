import ArgumentParser
import Foundation
import HeatCore
import HeatEnvelope

/// `heatctl scores ...`: encrypted churn-model scores.
struct ScoresCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scores",
        abstract: "Release encrypted churn-model scores as policy allows (key holder).",
        discussion: """
            Example:
              heatctl scores release --store heat.db --keys keys/keyholder --scores scores.heat --role executive --out scores.json
            """,
        subcommands: [ScoresReleaseCommand.self])
}

/// `heatctl scores release --store heat.db --keys DIR/keyholder --scores scores.heat --role ROLE [--manager REF] [--policy FILE] --out FILE`.
struct ScoresReleaseCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Decrypt only the scores and release per-client scores or score-band counts per group.",
        discussion: """
            Runs in the vault with the key holder folder: decrypts the scores of `heatctl evaluate \
            --model` (nothing else), applies the link p = 1 / (1 + exp(-score / scale)) and releases \
            what --policy allows --role: per-client scores (reference, integer score, probability, \
            band) to a role with clients "all", or "own" with --manager (whose clients alone are \
            decrypted, through a slot mask); and for the role's group kinds, the number of clients \
            per score band (low < 0.3 <= medium < 0.6 <= high) in each group of at least \
            minGroupSize clients (smaller groups are withheld and counted). A role allowed neither \
            exits 77.

            Examples:
              heatctl scores release --store heat.db --keys keys/keyholder --scores scores.heat --role executive --out scores.json
              heatctl scores release --store heat.db --keys keys/keyholder --scores scores.heat --role manager --manager M-19b0d4aa --out mine.json
            """)

    @Option(name: .long, help: "The store.", completion: .file())
    var store: String

    @Option(name: .long, help: "The key holder's folder (keys/keyholder).", completion: .directory)
    var keys: String

    @Option(name: .long, help: "The encrypted scores (from `evaluate --model`).", completion: .file())
    var scores: String

    @Option(name: .long, help: "The role the scores are released to.")
    var role: String

    @Option(name: .long, help: "The requesting manager's reference (M-…), for a role that sees its own clients.")
    var manager: String?

    @OptionGroup var policyOption: PolicyOption

    @Option(name: .long, help: "The release JSON to write.", completion: .file())
    var out: String

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func execute() async throws {
        let folder = try KeyFolderRefusal.open(keys, role: .keyholder, store: store, action: "scores.release")
        let keyHolder = try KeyHolder(folder: folder)
        let opened = try HeatStore(path: store)
        let policy = try policyOption.load()
        let run = try EncryptedScoreRun.read(from: URL(filePath: scores), context: keyHolder.context)
        let managerPseudonym = try manager.map { try KeyHolder.manager(matching: $0, in: opened) }
        let release = try keyHolder.releaseScores(run: run, store: opened, policy: policy, role: role, manager: managerPseudonym)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(release), to: URL(filePath: out))
        Console.output("wrote \(out): \(release.clients.map { "\($0.count) client scores, " } ?? "")\(release.groups.count) groups with score bands"
            + " (\(release.suppressedGroups) groups under \(policy.minGroupSize) clients withheld)")
    }
}
