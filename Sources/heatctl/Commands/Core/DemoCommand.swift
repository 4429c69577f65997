import ArgumentParser
import Foundation
import HeatCore
import HeatEnvelope

/// `heatctl demo`: generates the default synthetic bank in memory, scores it and writes `results.json`.
struct DemoCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole pipeline on a synthetic bank (encrypted by default) and write results.json.",
        discussion: """
            Generates the default synthetic dataset in memory (2,000 clients, 40 managers, 5 branches, \
            52 weeks) and runs the encrypted pipeline end to end in a temporary folder: BFV keys for \
            the three roles, the collector pseudonymises, buckets and encrypts every client's weekly \
            scores into a store, the evaluator computes heat and trend on the ciphertexts only, and \
            the key holder decrypts and derives levels, cooling flags and the histogram. It also \
            scores the same data with the plaintext pipeline, compares every client's heat, trend, \
            level and cooling flag and the released population, histogram, groups and per-client \
            rows, prints how long each phase took, and states that the results matched for all N \
            clients; a mismatch prints the differences and exits 1. --plaintext runs only the \
            plaintext pipeline (the comparison run, with the weekly event counts section).

              heatctl demo --plaintext --out heat-report-plaintext/

            The results are released as --role (default executive) through the same policy code as \
            `heatctl release`, under --policy (default: the built-in policy, which `heatctl policy check` \
            describes with Examples/policy.json as a close relative): an executive receives aggregates \
            over groups of at least 5 clients and no per-client values; `--role manager --manager REF` \
            receives that manager's own clients; --epsilon adds differential-privacy noise.

            The released values are the key holder's decrypted ones (the plaintext values with \
            --plaintext).

            Form:
              heatctl demo [--clients N] [--weeks W] [--seed S] [--plaintext] [--out DIR] [--json]
                           [--role ROLE] [--policy FILE] [--manager REF] [--epsilon E]

            Examples:
              heatctl demo --clients 500 --out heat-report/
              heatctl demo --plaintext --out heat-report-plaintext/
              heatctl demo --role analyst --epsilon 1 --out noisy-report/
              heatctl demo --clients 300 --weeks 30 --score
              heatctl demo --clients 300 --weeks 30 --score --model-kind gbdt --tree-rounds 20

            --score (issue 15) also runs encrypted churn scoring: the collector encrypts the churn \
            feature streams, the evaluator computes the 42 churn features on ciphertexts, the key \
            holder decrypts them in the vault and trains a logistic churn model on the synthetic \
            bank's labels (joined by masked reference), the evaluator applies the model's integer \
            weights to the encrypted features, and the demo states that the decrypted features and \
            scores equal the plaintext ones for every client, and how often the integer model \
            decides as the float model does; a mismatch exits 1.
            """)

    @Option(help: "Number of clients.") var clients = 2_000
    @Option(help: "Number of weeks of interactions.") var weeks = 52
    @Option(help: "Random seed.") var seed: UInt64 = SyntheticBank.defaultSeed
    @Flag(help: "Run only the plaintext pipeline (the comparison run).") var plaintext = false
    @Option(help: "Folder for results.json and index.html (created when missing).", completion: .directory) var out = "heat-report"
    @Flag(help: "Print the results document as JSON on stdout.") var json = false
    @Option(help: "The role the results are released to.") var role = "executive"
    @OptionGroup var policyOption: PolicyOption
    /// The `--policy` path (declared once, in ``PolicyOption``).
    var policy: String? { policyOption.policy }
    @Option(help: "The requesting manager's reference (M-…), for a role that sees its own clients.") var manager: String?
    @Option(help: "Differential-privacy epsilon to spend (default: the role's default, else none).") var epsilon: Double?
    @Flag(help: "Also train a churn model and score it on encrypted features (checked against plaintext).") var score = false
    @Option(name: .customLong("model-kind"), help: "The --score model: logistic (on encrypted churn features) or gbdt (boosted trees on the collector's encrypted split bits).")
    var modelKind = "logistic"
    @Option(name: .customLong("tree-rounds"), help: "Boosting rounds (trees of depth 4) of the --model-kind gbdt model (default 20).")
    var treeRounds = 20
    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func execute() async throws {
        guard ["logistic", "gbdt"].contains(modelKind) else {
            throw ValidationError("--model-kind must be logistic or gbdt (found \(modelKind))")
        }
        guard (1...1000).contains(treeRounds) else { throw ValidationError("--tree-rounds must be in 1 ... 1000 (found \(treeRounds))") }
        let bank = SyntheticBank(clients: clients, managers: 40, branches: 5, weeks: weeks, seed: seed)
        try bank.validate()
        let started = Date()
        var timer = PhaseTimer()
        let dataset = bank.generate()
        timer.lap("generate")
        let configuration = HeatConfiguration()
        let key = PseudonymisationKey.insecureDerived(from: "demo")
        let run = try PlaintextHeatRun(interactions: dataset.interactions, clients: dataset.clients, configuration: configuration)
        let releasePolicy = try policyOption.load()
        let pseudonymizer = Pseudonymizer(key: key)
        let directory = Dictionary(uniqueKeysWithValues: dataset.clients.map { ($0.clientID, $0) })
        timer.lap("plaintext heat")
        // The released values: the key holder's decrypted ones, or the plaintext ones with --plaintext.
        var scores = run.scores
        var modelScores = run.scores
        var churned = Dictionary(uniqueKeysWithValues: dataset.labels.map { ($0.clientID, $0.churned) })
        var encryptedLines: [String] = []
        if !plaintext {
            let builder = ResultsBuilder(
                configuration: configuration, pseudonymizer: pseudonymizer, includeClients: true, policyName: "demo")
            let plaintextDocument = builder.build(
                scores: run.scores, ledger: run.ledger, directory: directory, asOf: run.asOf, generatedAt: Clock.now())
            let outcome = try EncryptedDemo.run(
                dataset: dataset, plaintextRun: run, plaintextDocument: plaintextDocument, key: key, configuration: configuration,
                showNoiseBudget: global.verbose, timer: &timer)
            if !outcome.mismatches.isEmpty {
                Console.error("encrypted and plaintext results differ for \(outcome.mismatchCount) of \(run.scores.count) clients:\n"
                    + outcome.mismatches.prefix(10).joined(separator: "\n"), hint: nil)
                throw ExitCode.failure
            }
            let decrypted = Dictionary(uniqueKeysWithValues: outcome.modelScores.map { ($0.clientID, $0) })
            scores = run.scores.map { plain in
                guard var score = decrypted[pseudonymizer.pseudonym(for: plain.clientID, kind: .client).hex] else { return plain }
                score.clientID = plain.clientID
                return score
            }
            modelScores = outcome.modelScores
            churned = outcome.churned
            encryptedLines = outcome.summary
        }
        var model: ModelSection?
        do {
            model = try ChurnRiskModel().evaluate(scores: modelScores, churned: churned)
        } catch {
            Console.info("note: no churn-risk model section (\(error))")
        }
        let through = run.asOf.isoWeek
        // Weekly event totals are sums over clients, not yet computed on ciphertexts (issue 14):
        // only the plaintext run releases them.
        var input = DemoRelease.input(
            run: run, scores: scores, directory: directory, pseudonymizer: pseudonymizer, model: model,
            weekly: plaintext ? run.ledger.weeklyEvents(from: through.advanced(by: -(configuration.windowWeeks - 1)), through: through) : [])
        if !plaintext {
            input.mode = .encrypted
            input.weekly = nil
        }
        let outcome = try ReleaseEngine(policy: releasePolicy, logger: Console.logger).release(
            input, request: ReleaseRequest(role: role, manager: manager, epsilon: epsilon), generatedAt: Clock.now())
        // Issue 18: the bank persona rules per client (counts through PersonaRelease: k with
        // complementary suppression, none in a noisy release).
        let document = BankPersonas.apply(
            to: outcome.document, input: input, scores: scores,
            features: BankPersonas.features(run: run, scores: scores, directory: directory), minGroupSize: releasePolicy.minGroupSize)
        for item in outcome.withheld where !json {
            Console.info("withheld \(item.item) (rule \(item.rule)): \(item.reason)")
        }
        let folder = URL(filePath: out, directoryHint: .isDirectory)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw AtomicFileError(path: folder.path, reason: "cannot create the folder (\((error as NSError).localizedDescription))")
        }
        let resultsURL = folder.appending(path: "results.json")
        let data = try document.jsonData()
        try AtomicFile.write(data, to: resultsURL)
        let reportFiles = try ReportRenderer().write(document, formats: [.html], to: folder)
        let page = reportFiles.first { $0.lastPathComponent == "index.html" }
        timer.lap("model and report")
        let seconds = Date().timeIntervalSince(started)
        if json {
            Console.output(String(decoding: data, as: UTF8.self))
            return
        }
        let mode = plaintext ? "plaintext" : "encrypted"
        Console.output("CustomerHeat demo (\(mode); synthetic bank: \(clients) clients, 40 managers, 5 branches, \(weeks) weeks, seed \(seed))")
        if let population = document.population {
            Console.output(CoreSummary.populationLine(population, asOf: run.asOf, interactions: run.ledger.interactionCount, duplicates: 0))
            Console.output("mean heat \(Int(population.meanHeat.rounded())) (largest possible \(configuration.maximumHeat))")
        }
        if let model = document.model {
            let auc = String(format: "%.3f", model.metrics["rocAuc"] ?? .nan)
            let ap = String(format: "%.3f", model.metrics["prAuc"] ?? .nan)
            Console.output("churn-risk model (logistic regression on heat features, \(ChurnRiskModel().folds)-fold CV): ROC-AUC \(auc), PR-AUC \(ap)")
        }
        let managers = (document.groups ?? []).filter { $0.kind == .manager }.sorted {
            ($0.meanHeat, $1.ref) > ($1.meanHeat, $0.ref)
        }
        if !managers.isEmpty {
            let shown = min(3, managers.count)
            func line(_ group: GroupSummary) -> String {
                "  \(group.ref)  mean heat \(Int(group.meanHeat.rounded()))  clients \(group.clients)  cooling \(group.cooling)"
            }
            Console.output("top managers by mean heat (groups of at least \(releasePolicy.minGroupSize) clients):")
            managers.prefix(shown).forEach { Console.output(line($0)) }
            Console.output("bottom managers:")
            managers.suffix(shown).forEach { Console.output(line($0)) }
        }
        Console.output("released to \(role) under policy \(releasePolicy.name) (sha256 \(releasePolicy.hash.prefix(16))…)\(outcome.epsilon.map { ", epsilon \($0)" } ?? ", no noise")")
        Console.output("references masked with the public demo key (derived from the word \"demo\", so anyone can recompute it: "
            + "fine for synthetic data, never for real clients)")
        Console.output("phases: " + timer.laps.map { "\($0.name) \(String(format: "%.2f", $0.seconds)) s" }.joined(separator: ", "))
        encryptedLines.forEach { Console.output($0) }
        if score && !plaintext {
            switch modelKind {
            case "gbdt": try await DemoScoring.runTrees(dataset: dataset, key: key, rounds: treeRounds)
            case "logistic": try DemoScoring.run(dataset: dataset, key: key, configuration: configuration)
            default: throw ValidationError("--model-kind must be logistic or gbdt (found \(modelKind))")
            }
        }
        Console.output("wrote \(resultsURL.path)\(page.map { " and \($0.path)" } ?? "") in \(String(format: "%.1f", seconds)) s")
    }
}

/// Builds the release input of the demo's in-memory synthetic bank.
enum DemoRelease {
    static func input(
        run: PlaintextHeatRun, scores: [HeatScore], directory: [String: Client], pseudonymizer: Pseudonymizer, model: ModelSection?, weekly: [WeeklyCount]
    ) -> ReleaseInput {
        let clientPseudonyms = scores.map { pseudonymizer.pseudonym(for: $0.clientID, kind: .client) }
        let clientRefs = Pseudonymizer.displayRefs(for: clientPseudonyms)
        var managers: [String: Pseudonym] = [:]
        var branches: [String: Pseudonym] = [:]
        func manager(_ id: String) -> Pseudonym {
            if let known = managers[id] { return known }
            let pseudonym = pseudonymizer.pseudonym(for: id, kind: .manager)
            managers[id] = pseudonym
            return pseudonym
        }
        func branch(_ id: String) -> Pseudonym {
            if let known = branches[id] { return known }
            let pseudonym = pseudonymizer.pseudonym(for: id, kind: .branch)
            branches[id] = pseudonym
            return pseudonym
        }
        var raw: [(HeatScore, Pseudonym, [GroupSummary.Kind: Pseudonym], segment: String?, region: String?)] = []
        for (score, pseudonym) in zip(scores, clientPseudonyms) {
            var groups: [GroupSummary.Kind: Pseudonym] = [:]
            var segment: String?
            var region: String?
            if let client = directory[score.clientID] {
                groups[.manager] = manager(client.managerID)
                groups[.branch] = branch(client.branch)
                segment = client.segment
                region = client.region
            } else if let seen = run.ledger.assignments[score.clientID] {
                groups[.manager] = manager(seen.managerID)
                groups[.branch] = branch(seen.branch)
            }
            raw.append((score, pseudonym, groups, segment, region))
        }
        let groupRefs = Pseudonymizer.displayRefs(for: Array(managers.values) + Array(branches.values))
        let clients = raw.map { score, pseudonym, groups, segment, region in
            var refs: [GroupSummary.Kind: String] = [:]
            for (kind, group) in groups { refs[kind] = groupRefs[group] ?? group.displayRef }
            refs[.segment] = segment
            refs[.region] = region
            return ReleaseClient(id: pseudonym.hex, ref: clientRefs[pseudonym] ?? pseudonym.displayRef, heat: score.heat,
                                 trend: score.trend, level: score.level, cooling: score.cooling, groups: refs)
        }
        return ReleaseInput(clients: clients, asOf: run.asOf, configuration: run.configuration, weekly: weekly, model: model)
    }
}

/// The encrypted half of `heatctl demo`: runs ``PipelineDemo`` in a temporary folder and phrases its outcome.
enum EncryptedDemo {
    struct Outcome {
        var document: ResultsDocument
        var modelScores: [HeatScore]
        var churned: [String: Bool]
        var mismatches: [String]
        var mismatchCount: Int
        var summary: [String]
    }

    static func run(
        dataset: SyntheticDataset, plaintextRun: PlaintextHeatRun, plaintextDocument: ResultsDocument, key: PseudonymisationKey,
        configuration: HeatConfiguration, showNoiseBudget: Bool, timer: inout PhaseTimer
    ) throws -> Outcome {
        let work = FileManager.default.temporaryDirectory.appending(path: "customerheat-demo-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw AtomicFileError(path: work.path, reason: "cannot create the work folder (\((error as NSError).localizedDescription))")
        }
        defer { try? FileManager.default.removeItem(at: work) }
        var laps = timer
        let result = try PipelineDemo.run(
            dataset: dataset, plaintext: plaintextRun, plaintextDocument: plaintextDocument, key: key,
            configuration: configuration, workFolder: work) { laps.lap($0) }
        timer = laps
        let megabytes = String(format: "%.1f", Double(result.ciphertextBytes) / 1_048_576)
        // The noise budget depends on the secret key: shown only on request (--verbose), as
        // `fhe decrypt --noise-budget` does.
        var summary = [
            "encrypted pipeline: \(result.preset), \(result.ciphertexts) ciphertexts (\(megabytes) MiB) in the store"
                + (showNoiseBudget
                    ? "; noise budget left \(result.noiseBudget) bits (\(result.maskedNoiseBudget) bits after a manager's release mask)"
                    : ""),
        ]
        if result.mismatches.isEmpty {
            summary.append("encrypted and plaintext results matched for all \(result.clients) clients "
                + "(heat, trend, level, cooling; population, histogram, groups, per-client rows)")
            summary.append("encrypted group aggregates: \(result.aggregateGroups) groups of at least 5 clients summed on ciphertexts "
                + "(\(result.aggregateKeySwitches) key switches) matched the clients' sums")
        }
        return Outcome(
            document: result.document, modelScores: result.scores, churned: result.churned, mismatches: result.mismatches,
            mismatchCount: result.mismatches.count, summary: summary)
    }
}
