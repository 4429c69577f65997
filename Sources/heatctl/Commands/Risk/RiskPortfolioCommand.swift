import ArgumentParser
import Foundation
import HeatCore
import HeatEnvelope
import HeatML

/// `heatctl risk portfolio`: the population view of risk, released through the privacy policy.
struct RiskPortfolioCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "portfolio",
        abstract: "Portfolio risk by branch, region and segment, released through the privacy policy.",
        discussion: """
            Reads a file written by `risk score` (risk_score and risk_band columns plus the group \
            columns) and, optionally, the previous period's, and writes a results document with a \
            riskPortfolio section: per group the share at High risk, the band distribution, the \
            mean score, the group's share of all High-risk clients (concentration, with the \
            Herfindahl index per grouping), the change of the High share against the previous \
            period, and heat levels when --level-column is given. Groups under the policy's k \
            (in either period) are withheld; a role the policy does not name, or one without \
            group figures, is refused (exit 77). `heatctl report` renders it with a chart per metric.

            Differencing: the totals and every group go through the release's differencing guard \
            (a region whose released branches leave fewer than k of its clients uncovered is \
            withheld). With --store the guard also checks the role's earlier releases recorded in \
            the store's release ledger, and this release is recorded there (audit entry `release`); \
            --store needs --id-column, the column with a stable client id (hashed, never shown).

            --model adds the risk model's calibration (out-of-fold Brier score and log loss, the \
            reliability table with bins under k withheld) and --fraud-metrics the fraud models' \
            cross-validated comparison, for roles the policy lets receive model statistics.

            Branch labels must be masked references (B- and hex digits, as `heatctl clients` \
            shows them); with --keys keys/collector raw branch ids are masked with the collector's \
            key instead. An unmasked label is exit 65 naming file, line and column, never the label.

            Example:
              heatctl risk portfolio --scores scores.csv --previous last-month.csv --policy Examples/policy.json \\
                --role executive --group segment=contract --group region=internet_service --out portfolio.json
              heatctl risk portfolio --scores scores.csv --policy Examples/policy.json --role executive \\
                --group branch=branch --keys keys/collector --store heat.db --id-column client_id --out portfolio.json
              heatctl risk portfolio --scores scores.csv --policy Examples/policy.json --role executive \\
                --model churn.risk --fraud-metrics fraud.json --out portfolio.json
              heatctl report portfolio.json --out report/
            """
    )

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    @Option(name: .long, help: "The scored CSV (from `risk score`).")
    var scores: String

    @Option(name: .long, help: "The previous period's scored CSV, for the change.")
    var previous: String?

    @Option(name: .long, help: "The privacy policy (JSON).")
    var policy: String

    @Option(name: .long, help: "The role receiving the view.")
    var role: String

    @Option(name: .long, help: "A grouping KIND=COLUMN, KIND one of branch, region, segment (repeatable; default: the columns branch, region and segment that exist).")
    var group: [String] = []

    @Option(name: .customLong("level-column"), help: "A column with heat levels (cold, cool, warm, hot).")
    var levelColumn: String?

    @Option(name: .long, help: "The band thresholds the scores were made with (reported; default 70 / 40).")
    var bands: String?

    @Option(name: .long, help: "Where to write the results document (JSON).")
    var out: String

    @Option(name: .long, help: "A risk model written by `risk fit`: adds its calibration and reliability table (riskModel).", completion: .file())
    var model: String?

    @Option(name: .customLong("fraud-metrics"), help: "Metrics written by `fraud score --metrics-out`: adds the fraud models' comparison (fraudMetrics).", completion: .file())
    var fraudMetrics: String?

    @Option(name: .customLong("id-column"), help: "A column with a stable client id, for the differencing guard across releases (hashed, never shown).")
    var idColumn: String?

    @Option(name: .long, help: "A store whose release ledger holds the role's earlier releases; this release is recorded there (needs --id-column).", completion: .file())
    var store: String?

    @Option(name: .long, help: "The collector's key folder, to mask raw branch ids (default: branch labels must already be B- references).", completion: .directory)
    var keys: String?

    func validate() throws {
        if store != nil && idColumn == nil {
            throw ValidationError("--store needs --id-column COLUMN: releases are compared by client, so each row needs a stable id")
        }
    }

    func execute() async throws {
        let privacy = try PrivacyPolicy.load(from: URL(filePath: policy))
        let bandConfig = try bands.map { path throws(RiskError) in try RiskBands.load(from: URL(filePath: path)) } ?? .standard
        var mapping: [(GroupSummary.Kind, String)] = []
        for item in group {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let kind = GroupSummary.Kind(rawValue: parts[0]), kind != .manager, !parts[1].isEmpty else {
                throw ValidationError("--group must be KIND=COLUMN with KIND branch, region or segment, not \(item)")
            }
            mapping.append((kind, parts[1]))
        }
        let current = try DataTable(contentsOf: URL(filePath: scores), options: .init(categoryLimit: nil))
        if mapping.isEmpty {
            mapping = [GroupSummary.Kind.branch, .region, .segment].filter { current.columnNames.contains($0.rawValue) }.map { ($0, $0.rawValue) }
        }
        let pseudonymizer = try keys.map { Pseudonymizer(key: try KeyFolder(path: $0, role: .collector).pseudonymisationKey()) }
        let reader = PortfolioScoresReader(mapping: mapping, levelColumn: levelColumn, idColumn: idColumn, pseudonymizer: pseudonymizer)
        let clients = try reader.clients(current)
        let prior = try previous.map { path in try reader.clients(try DataTable(contentsOf: URL(filePath: path), options: .init(categoryLimit: nil))) }
        let release = RiskPortfolioRelease(policy: privacy)
        let source = URL(filePath: scores).lastPathComponent
        let section: RiskPortfolioSection
        if let store {
            let recorded = try release.release(clients, previous: prior, role: role, kinds: mapping.map(\.0), bands: bandConfig, source: source,
                                               in: try HeatStore(path: store))
            section = recorded.outcome.section
            Console.info("recorded in \(store): audit entry \(recorded.auditSeq), \(Plural.count(recorded.outcome.groups.count, "group")) in the release ledger")
        } else {
            section = try release.release(clients, previous: prior, role: role, kinds: mapping.map(\.0), bands: bandConfig, source: source)
        }
        let now = UTCTimestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970))
        var document = ResultsDocument(generatedAt: now, mode: .plaintext, asOf: now.date, role: role, policy: privacy.summary(epsilon: nil))
        document.riskPortfolio = section
        if let model {
            // Model statistics go only to roles the policy lets receive model scores.
            if try privacy.permissions(for: role).model {
                let fitted = try CalibratedModel.load(from: URL(filePath: model))
                document.riskModel = try RiskModelSection(model: fitted, source: URL(filePath: model).lastPathComponent, minGroupSize: privacy.minGroupSize)
            } else {
                Console.info("withheld riskModel: roles.\(role).model (the role may not receive model statistics)")
            }
        }
        if let fraudMetrics {
            if try privacy.permissions(for: role).model {
                document.fraudMetrics = try Self.fraudEvaluation(at: fraudMetrics)
            } else {
                Console.info("withheld fraudMetrics: roles.\(role).model (the role may not receive model statistics)")
            }
        }
        try AtomicFile.write(try document.jsonData(), to: URL(filePath: out))
        Console.output("released \(section.groups.count) groups to \(role); withheld \(section.withheld.count)")
        for item in section.withheld { Console.info("withheld \(item.item): \(item.rule) (\(item.reason))") }
        Console.info("wrote \(out)")
    }


    /// Reads a file written by `fraud score --metrics-out`.
    static func fraudEvaluation(at path: String) throws -> FraudEvaluation {
        let name = URL(filePath: path).lastPathComponent
        guard let data = FileManager.default.contents(atPath: path) else { throw RiskError.noSuchFile(file: name) }
        do {
            return try JSONDecoder().decode(FraudEvaluation.self, from: data)
        } catch {
            throw RiskError.invalidField(file: name, rule: nil, field: "measuredOn",
                                         reason: "not a fraud metrics document written by `heatctl fraud score --metrics-out`")
        }
    }
}
