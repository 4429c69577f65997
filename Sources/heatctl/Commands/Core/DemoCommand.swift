import ArgumentParser
import Foundation
import HeatCore
import HeatEnvelope

/// `heatctl demo`: generates the default synthetic bank in memory, scores it and writes `results.json`.
struct DemoCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Generate a synthetic bank, score it and write results.json (plaintext).",
        discussion: """
            Generates the default synthetic dataset in memory (2,000 clients, 40 managers, 5 branches, \
            52 weeks), scores it with the default heat model, prints a short summary (clients per \
            level, cooling clients, the top and bottom managers by mean heat over groups of at least \
            5 clients, as masked references), evaluates a churn-risk model (logistic regression on heat \
            features against the generator's churn labels, 5-fold cross-validation) and writes \
            results.json and the HTML report (index.html, as `heatctl report` renders it) into --out. --json prints the results document on stdout \
            instead of the summary (the files are written as well).

            Plaintext is the only mode until the encrypted pipeline lands; --plaintext is accepted \
            and is the default. References are masked with an insecure key derived from the public \
            label "demo": fine for synthetic data, never for real clients.

            Form:
              heatctl demo [--clients N] [--weeks W] [--seed S] [--plaintext] [--out DIR] [--json]

            Example:
              heatctl demo --clients 500 --out heat-report/
            """)

    @Option(help: "Number of clients.") var clients = 2_000
    @Option(help: "Number of weeks of interactions.") var weeks = 52
    @Option(help: "Random seed.") var seed: UInt64 = SyntheticBank.defaultSeed
    @Flag(help: "Compute on plaintext (the only mode for now).") var plaintext = false
    @Option(help: "Folder for results.json and index.html (created when missing).") var out = "heat-report"
    @Flag(help: "Print the results document as JSON on stdout.") var json = false
    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func execute() async throws {
        let bank = SyntheticBank(clients: clients, managers: 40, branches: 5, weeks: weeks, seed: seed)
        try bank.validate()
        let started = Date()
        let dataset = bank.generate()
        let configuration = HeatConfiguration()
        let run = try PlaintextHeatRun(interactions: dataset.interactions, clients: dataset.clients, configuration: configuration)
        let builder = ResultsBuilder(
            configuration: configuration, pseudonymizer: Pseudonymizer(key: .insecureDerived(from: "demo")),
            includeClients: true, policyName: "demo")
        let directory = Dictionary(uniqueKeysWithValues: dataset.clients.map { ($0.clientID, $0) })
        var document = builder.build(scores: run.scores, ledger: run.ledger, directory: directory, asOf: run.asOf, generatedAt: Clock.now())
        let churned = Dictionary(uniqueKeysWithValues: dataset.labels.map { ($0.clientID, $0.churned) })
        do {
            let (section, risks) = try ChurnRiskModel().evaluateWithRisks(scores: run.scores, churned: churned)
            document.model = section
            document.clients = builder.clientRows(run.scores, churnRisk: risks)
        } catch {
            Console.info("note: no churn-risk model section (\(error))")
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
        let seconds = Date().timeIntervalSince(started)
        if json {
            Console.output(String(decoding: data, as: UTF8.self))
            return
        }
        Console.output("CustomerHeat demo (plaintext; synthetic bank: \(clients) clients, 40 managers, 5 branches, \(weeks) weeks, seed \(seed))")
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
            Console.output("top managers by mean heat (groups of at least \(builder.minGroupSize) clients):")
            managers.prefix(shown).forEach { Console.output(line($0)) }
            Console.output("bottom managers:")
            managers.suffix(shown).forEach { Console.output(line($0)) }
        }
        Console.output("references masked with the public demo key (derived from the word \"demo\", so anyone can recompute it: "
            + "fine for synthetic data, never for real clients)")
        Console.output("wrote \(resultsURL.path)\(page.map { " and \($0.path)" } ?? "") in \(String(format: "%.1f", seconds)) s")
    }
}
