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

            Band counts pass the same differencing check as every other release to the role \
            (`heatctl release`, the risk portfolio, earlier score releases): a group that could be \
            subtracted from a group released before to isolate fewer than minGroupSize clients is \
            withheld, or the release refused (exit 77) under `"differencing": "refuse"`. A role with \
            a differential-privacy budget gets noisy band counts with --epsilon (or its default \
            epsilon; always for a role with "required": true), spending its monthly budget; a \
            spent budget exits 77. Every release is recorded in the store: an audit entry \
            `release` (view scores) and the released groups (and per-client rows) in the release \
            ledger. Scores computed before clients were ingested are refused (exit 65): re-run \
            `heatctl evaluate --model`.

            Boosted-tree scores (`evaluate --model gbdt.model --tree-inputs bits.heat`) are released \
            the same way: only the clients `trees encode` encoded are decrypted, the release names \
            modelKind "gbdt" and the plan's columns as its features, and scores whose bits were \
            encoded against another directory are refused (exit 65): encode again.

            Examples:
              heatctl scores release --store heat.db --keys keys/keyholder --scores scores.heat --role executive --out scores.json
              heatctl scores release --store heat.db --keys keys/keyholder --scores scores.heat --role manager --manager M-19b0d4aa --out mine.json
              heatctl scores release --store heat.db --keys keys/keyholder --scores scores.heat --role analyst --epsilon 0.5 --groups branch,region --out bands.json
              heatctl scores release --store heat.db --keys keys/keyholder --scores tree-scores.heat --role executive --out tree-bands.json
            """)

    @Option(name: .long, help: "The store.", completion: .file())
    var store: String

    @Option(name: .long, help: "The key holder's folder (keys/keyholder).", completion: .directory)
    var keys: String

    @Option(name: .long, help: "The encrypted scores (from `evaluate --model`, logistic or boosted trees).", completion: .file())
    var scores: String

    @Option(name: .long, help: "The role the scores are released to.")
    var role: String

    @Option(name: .long, help: "The requesting manager's reference (M-…), for a role that sees its own clients.")
    var manager: String?

    @Option(name: .long, help: "Comma-separated group kinds to release score bands for (manager, branch, segment, region; default: every kind the role may receive).")
    var groups: String?

    @Option(name: .long, help: "The differential-privacy epsilon to spend on noisy band counts (default: the role's default epsilon, else exact counts).")
    var epsilon: Double?

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
        var kinds: [GroupSummary.Kind]?
        if let groups {
            kinds = try groups.split(separator: ",").map { name in
                let trimmed = name.trimmingCharacters(in: .whitespaces)
                guard let kind = GroupSummary.Kind(rawValue: trimmed) else {
                    throw ValidationError("--groups: '\(trimmed)' is not a group kind (manager, branch, segment, region)")
                }
                return kind
            }
        }
        // Logistic scores (kind 55) or boosted-tree scores (kind 57): the same release path.
        let envelope = try Envelope.read(from: URL(filePath: scores))
        let release: ScoreRelease
        switch envelope.kind {
        case .encryptedTreeScores:
            let run = try EncryptedTreeScoreRun(envelope: envelope, context: keyHolder.context, source: scores)
            try run.checkCoverage(of: opened, source: scores)
            let managerPseudonym = try manager.map { try KeyHolder.manager(matching: $0, in: opened) }
            release = try keyHolder.releaseScores(
                run: run, store: opened, policy: policy, role: role, manager: managerPseudonym, kinds: kinds, epsilon: epsilon)
        default:
            let run = try EncryptedScoreRun(envelope: envelope, context: keyHolder.context, source: scores)
            try run.checkDirectory(of: opened, source: scores)
            let managerPseudonym = try manager.map { try KeyHolder.manager(matching: $0, in: opened) }
            release = try keyHolder.releaseScores(
                run: run, store: opened, policy: policy, role: role, manager: managerPseudonym, kinds: kinds, epsilon: epsilon)
        }
        try AtomicFile.write(try release.jsonData(), to: URL(filePath: out))
        Console.output("wrote \(out): \(release.clients.map { "\($0.count) client scores, " } ?? "")\(release.groups.count) groups with score bands"
            + (release.epsilon.map { " (noisy, epsilon \($0))" } ?? "")
            + ", \(release.withheld?.count ?? 0) groups withheld (\(release.suppressedGroups) under \(policy.minGroupSize) clients); audit entry \(release.auditRun ?? "?")")
    }
}
