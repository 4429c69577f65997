import ArgumentParser
import Foundation
import HeatCore
import HeatEnvelope

/// `heatctl generate`: writes a deterministic synthetic bank's interactions (and optionally its
/// client directory and churn labels) as CSV.
struct GenerateCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate a deterministic synthetic interaction export (CSV).",
        discussion: """
            Writes interactions of a synthetic bank: clients with segment, region and opening date, \
            managers, branches, weekly seasonality, a few hot relationships and some cooling toward \
            churn. The same arguments and seed give the same bytes on any machine; the period ends \
            at a fixed week (\(SyntheticBank.defaultEndWeek) unless --end-week is given), never today.

            Form:
              heatctl generate --clients N [--managers M] [--branches B] [--weeks W] [--seed S] --out interactions.csv
                               [--clients-out clients.csv] [--labels-out labels.csv]

            Example:
              heatctl generate --clients 500 --seed 7 --out interactions.csv --clients-out clients.csv --labels-out labels.csv
            """)

    @Option(help: "Number of clients.") var clients: Int
    @Option(help: "Number of relationship managers.") var managers = 40
    @Option(help: "Number of branches (at most the number of managers).") var branches = 5
    @Option(help: "Number of weeks of interactions.") var weeks = 52
    @Option(help: "Random seed.") var seed: UInt64 = SyntheticBank.defaultSeed
    @Option(name: .customLong("end-week"), help: "Last ISO week of the period (YYYY-Www).")
    var endWeek = SyntheticBank.defaultEndWeek.description
    @Option(help: "Interactions CSV to write.", completion: .file()) var out: String
    @Option(name: .customLong("clients-out"), help: "Client directory CSV to write.", completion: .file()) var clientsOut: String?
    @Option(name: .customLong("labels-out"), help: "Churn labels CSV to write (client_id,churned,churn_week).", completion: .file()) var labelsOut: String?
    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func validate() throws {
        do {
            _ = try ISOWeek(parsing: endWeek)
        } catch {
            throw ValidationError("--end-week: \(error.description)")
        }
    }

    func execute() async throws {
        let end = (try? ISOWeek(parsing: endWeek)) ?? SyntheticBank.defaultEndWeek
        let bank = SyntheticBank(clients: clients, managers: managers, branches: branches, weeks: weeks, seed: seed, endWeek: end)
        try bank.validate()
        var rows = [UInt8]()
        rows.append(contentsOf: (InteractionReader.columns.joined(separator: ",") + "\n").utf8)
        var count = 0
        let progress = ProgressBar(title: "Generating", total: weeks, unit: "weeks")
        let directory = bank.streamInteractions(progress: { progress.update(completed: $0, total: $1) }) { interaction in
            SyntheticCSV.appendRow(interaction, to: &rows)
            count += 1
        }
        progress.finish()
        try AtomicFile.write(Data(rows), to: URL(filePath: out))
        if let clientsOut { try AtomicFile.write(SyntheticCSV.clients(directory.clients), to: URL(filePath: clientsOut)) }
        if let labelsOut { try AtomicFile.write(SyntheticCSV.labels(directory.labels), to: URL(filePath: labelsOut)) }
        let churned = directory.labels.filter(\.churned).count
        Console.info("wrote \(Plural.count(count, "interaction")) of \(Plural.count(clients, "client")), weeks \(bank.startWeek) to \(bank.endWeek), to \(out)")
        if let clientsOut { Console.info("wrote \(Plural.count(clients, "client")) to \(clientsOut)") }
        if let labelsOut { Console.info("wrote \(Plural.count(clients, "label")) (\(churned) churned) to \(labelsOut)") }
    }
}
