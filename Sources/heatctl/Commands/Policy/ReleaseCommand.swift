import ArgumentParser
import Foundation
import HeatCore
import HeatEnvelope

extension ReleaseRequest.Section: ExpressibleByArgument {}

/// `heatctl release --store DB --keys DIR/keyholder [--run run.heat] --role ROLE --policy FILE [--manager REF] [--epsilon E] --out results.json`.
struct ReleaseCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Release results from the store to a role, as the policy allows (audited).",
        discussion: """
            Run by the key holder. Computes what --role may receive under --policy from the store, \
            adds differential-privacy noise when an epsilon is spent \
            (--epsilon, or the role's default), writes the results document to --out and records the \
            release in the audit log: role, policy hash, epsilon, budget spent this month and the \
            SHA-256 of the written document. Groups under the policy's k, or that could be subtracted \
            from earlier releases to the same role to isolate fewer than k clients, are withheld and \
            listed. A request the policy does not allow (unknown role, another manager's clients, a \
            section the role may not receive, an epsilon over the role's maximum or monthly budget) \
            is refused with exit 77 naming the rule, and the refusal is recorded in the audit log.

            Values: with --run, the key holder decrypts the evaluator's run file (`heatctl evaluate \
            --out`, or its `--merge` of logged shards) inside the vault. Before anything is \
            decrypted the run must be a logged evaluation of the store: an `evaluate` row of the \
            computation log with the run's output hash and its inputs (input hash, as-of, \
            ciphertexts read, configuration, directory version, erased slots), on a \
            computation_runs chain that verifies as `audit verify` walks it, and no other logged \
            run with the same inputs and another output; otherwise exit 65 naming the file (a \
            part of a sharded run is named as one: merge it first; a run logged before session \
            41 must be evaluated again). This binds the file to the log; the log binds to the \
            evaluator only through the chain, the signed heads and an auditor's re-run. When \
            the directory changes a group inside \
            the run's heat window, the run carries each directory period's partial heat and trend, \
            and the groups' totals are attributed week by week from them (exactly the plaintext \
            pipeline's figures; --aggregates is not needed). An --aggregates file must be the \
            output `evaluate --aggregates-out` logged for the run it names: with --run, computed \
            from that run; without it, for the week --as-of names (by default the release is of \
            the file's week); otherwise exit 65 naming the file, nothing decrypted. After \
            decryption every group it holds must equal the key holder's own total (size, heat, \
            trend): the periods' week-attributed total for a run that carries periods, else the \
            sum of its members' decrypted values (a group whose members change inside the window \
            is attributed by week only by the file when there is no run); otherwise exit 65 \
            naming the file and the first group that differs by its pseudonymous label, nothing \
            written or recorded (also when clients joined or were erased, or without --run \
            ciphertexts arrived, since the file was computed: re-run `evaluate --aggregates-out`). On a store holding ciphertexts without --run, the key holder \
            evaluates the stored ciphertexts itself; on a plaintext store (`ingest --plaintext`), \
            the plaintext buckets are scored. For a role that sees only a manager's own clients, \
            every other client's slot is multiplied by zero on the ciphertext before decryption, and \
            only the clients section is released.

            Form:
              heatctl release --store heat.db --keys DIR/keyholder [--run run.heat] --role ROLE \\
                --policy policy.json [--manager REF] [--epsilon E] [--section NAME ...] --out results.json [--json]

            Examples:
              heatctl release --store heat.db --keys keys/keyholder --run run.heat --role executive --policy Examples/policy.json --out results.json
              heatctl release --store heat.db --keys keys/keyholder --run run.heat --aggregates groups.heat --role executive --out results.json
              heatctl release --store heat.db --keys keys/keyholder --role manager --manager M-19b0d4aa --policy Examples/policy.json --out mine.json
              heatctl release --store heat.db --keys keys/keyholder --role analyst --epsilon 1 --policy Examples/policy.json --out noisy.json
            """)

    @Option(name: .long, help: "The store.", completion: .file())
    var store: String

    @Option(name: .long, help: "The key holder's key folder (keys/keyholder).", completion: .directory)
    var keys: String

    @Option(name: .long, help: "The evaluator's run file to decrypt (heatctl evaluate --out).", completion: .file())
    var run: String?

    @Option(name: .long, help: "The evaluator's encrypted group aggregates to decrypt (the file heatctl evaluate --aggregates-out wrote and logged); group sums then come from them, checked against the key holder's own.", completion: .file())
    var aggregates: String?

    @Option(name: .long, help: "The role released to (a role named in the policy).")
    var role: String

    @OptionGroup var policyOption: PolicyOption
    /// The `--policy` path (declared once, in ``PolicyOption``).
    var policy: String? { policyOption.policy }

    @Option(name: .long, help: "The requesting manager's reference (M-…), for a role that sees its own clients.")
    var manager: String?

    @Option(name: .customLong("clients-of"), help: "The manager whose clients are asked for (default: --manager).")
    var clientsOf: String?

    @Option(name: .long, help: "The differential-privacy epsilon to spend (default: the role's default, else no noise).")
    var epsilon: Double?

    @Option(name: .long, help: "Ask only for this section (population, histogram, weekly, groups, clients, model); repeatable.")
    var section: [ReleaseRequest.Section] = []

    @Option(name: .long, help: "Heat configuration file (default: the built-in configuration).", completion: .file())
    var config: String?

    @OptionGroup var asOfOption: AsOfOption
    /// The `--as-of` text (declared once, in ``AsOfOption``).
    var asOf: String? { asOfOption.asOf }

    @Option(name: .long, help: "The results document to write.", completion: .file())
    var out: String

    @Flag(name: .long, help: "Print a JSON summary of the release on stdout.")
    var json = false

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func execute() async throws {
        let folder = try KeyFolder(path: keys, role: .keyholder)
        let loaded = try policyOption.load()
        let opened = try HeatStore(path: store)
        let configuration = try config.map { try HeatConfiguration.load(from: URL(filePath: $0)) } ?? HeatConfiguration()
        // Issue 27: every directory version must verify under the key holder's key before anything
        // attributed by it (client rows, group totals) is decrypted or released (exit 1 otherwise).
        _ = try DirectoryVersion.verifiedVersion(in: opened, key: try? folder.signingKey().verificationKey)
        var reference = try asOfOption.date()
        var sections = section.isEmpty ? nil : Set(section)
        var decrypted: [ClientDirectoryEntry]?
        var periodTotals: [GroupAggregate]?
        var evaluation: EncryptedHeatRun?
        var keyHolder: KeyHolder?
        let encryptedStore = try EncryptedClientDirectory.ciphertextCount(in: opened) > 0
        if run != nil || encryptedStore || aggregates != nil { keyHolder = try KeyHolder(folder: folder) }
        if let run, let keyHolder {
            let read = try EncryptedHeatRun.read(from: URL(filePath: run), context: keyHolder.context)
            // Review s39 erase27d M1, s40 erase27e M2: only a run the store's computation log holds
            // (an `evaluate` row with the run's inputs and output, or the merge of its logged
            // shards, on a chain that verifies) is decrypted and released; a part is named as one.
            guard try read.loggedEvaluation(in: opened, source: run) != nil else {
                throw PipelineError.unloggedRun(source: run, outputHash: read.outputHash)
            }
            reference = reference ?? read.header.asOf
            evaluation = read
        }
        // Review s40 erase27e H1: an aggregates file is checked before anything is decrypted: it
        // must come from --run and be the output `evaluate --aggregates-out` logged for its run.
        var aggregatesFile: EncryptedAggregates?
        if let aggregates, let keyHolder {
            let file = try EncryptedAggregates.read(from: URL(filePath: aggregates), context: keyHolder.context)
            if let evaluation, let run {
                try KeyHolder.requireComputed(file, from: evaluation, source: aggregates, runSource: run)
            } else if let reference {
                // Review s42 agg27f M3: without a run, the file's week is the release's.
                try file.requireReferenceWeek(of: reference, source: aggregates)
            } else {
                reference = file.header.asOf
            }
            _ = try file.loggedComputation(in: opened, source: aggregates)
            // The policy's k, not the evaluator's, decides: refused (exit 77, audited) before
            // anything is decrypted when the file was computed for smaller groups.
            if let refusal = file.refusal(minGroupSize: loaded.minGroupSize) {
                let request = ReleaseRequest(role: role, manager: manager, clientsOf: clientsOf, epsilon: epsilon, sections: sections)
                try StoreRelease.recordRefusal(refusal, in: opened, policy: loaded, request: request)
                throw refusal
            }
            aggregatesFile = file
        }
        if let keyHolder, run != nil || encryptedStore {
            // The encrypted pipeline: the key holder decrypts inside the vault.
            var mask: Pseudonym?
            if case .own = try loaded.permissions(for: role).clients, let ref = clientsOf ?? manager {
                // Only that manager's slots are decrypted; aggregates would need every slot.
                mask = try KeyHolder.manager(matching: ref, in: opened)
                sections = [.clients]
            }
            decrypted = try EncryptedClientDirectory.entries(
                in: opened, keyHolder: keyHolder, run: evaluation, configuration: configuration, asOf: reference, manager: mask)
            // Review s39 erase27d M2: a run with directory periods gives the groups' week-attributed
            // totals itself (no --aggregates, no Galois keys): each period's partial heat and trend
            // counted in the group in force that period, as the plaintext pipeline counts them.
            if aggregatesFile == nil, mask == nil, let evaluation, let run {
                periodTotals = try keyHolder.weekAttributedAggregates(
                    of: evaluation, store: opened, configuration: configuration, minGroupSize: loaded.minGroupSize, source: run)
            }
        }
        var input = try StoreRelease.input(
            from: opened, configuration: configuration, asOf: reference, entries: decrypted, minGroupSize: loaded.minGroupSize)
        if decrypted != nil { input.mode = .encrypted }
        if let periodTotals {
            input.groupAggregates = periodTotals
            input.groupAggregatesMinGroupSize = loaded.minGroupSize
        }
        if let aggregatesFile, let aggregates, let keyHolder, sections?.contains(.groups) ?? true {
            // Refused (exit 65) when computed under another directory version (a move since,
            // issue 27), or when a group's totals differ from the key holder's own: the run's
            // week-attributed ones, or its members' decrypted values (review s40 erase27e H1,
            // s42 agg27f M1). A release without the groups section (a role that sees only its own
            // clients, or --section without groups) does not decrypt it (review s42 agg27f L3).
            input.groupAggregates = try keyHolder.releasedAggregates(
                aggregatesFile, run: evaluation, store: opened, configuration: configuration, minGroupSize: loaded.minGroupSize,
                members: input, source: aggregates, runSource: run ?? "the run")
            input.mode = .encrypted
        }
        let request = ReleaseRequest(role: role, manager: manager, clientsOf: clientsOf, epsilon: epsilon, sections: sections)
        let released = try StoreRelease.release(input, in: opened, policy: loaded, request: request)
        try AtomicFile.write(released.data, to: URL(filePath: out))
        let outcome = released.outcome
        if json {
            struct Summary: Encodable {
                var out: String
                var role: String
                var policy: String
                var policyHash: String
                var epsilon: Double?
                var countNoiseScale: Double?
                var heatNoiseScale: Double?
                var spentThisMonth: Double
                var monthlyBudget: Double?
                var auditEntry: Int64
                var outputHash: String
                var sections: [String]
                var withheld: [Withholding]
            }
            try StoreJSON.print(Summary(
                out: out, role: role, policy: loaded.name, policyHash: loaded.hash, epsilon: outcome.epsilon,
                countNoiseScale: outcome.countNoise?.scale, heatNoiseScale: outcome.heatNoise?.scale,
                spentThisMonth: released.spentThisMonth, monthlyBudget: released.monthlyBudget, auditEntry: released.auditSeq,
                outputHash: released.outputHash, sections: ReleaseEngine.sectionNames(of: outcome.document), withheld: outcome.withheld))
            return
        }
        Console.output("released to \(role) under policy \(loaded.name) (sha256 \(loaded.hash.prefix(16))…): \(ReleaseEngine.sectionNames(of: outcome.document).joined(separator: ", "))")
        if let epsilon = outcome.epsilon, let count = outcome.countNoise, let heat = outcome.heatNoise {
            Console.output("differential privacy: epsilon \(epsilon), two-sided geometric noise, scale \(String(format: "%.3g", count.scale)) per count and \(String(format: "%.3g", heat.scale)) per heat sum (heat clipped at \(loaded.privacy.heatClip))")
            Console.output("budget: spent \(String(format: "%.4g", released.spentThisMonth)) of \(released.monthlyBudget.map { String(format: "%.4g", $0) } ?? "-") this month")
        } else {
            Console.output("no noise (exact values)")
        }
        for item in outcome.withheld {
            Console.output("withheld \(item.item) (rule \(item.rule)): \(item.reason)")
        }
        Console.info("wrote \(out) (sha256 \(released.outputHash)); audit log entry \(released.auditSeq)")
    }
}
