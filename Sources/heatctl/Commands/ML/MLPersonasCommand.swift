import ArgumentParser
import Foundation
import HeatEnvelope
import HeatCore
import HeatML

/// `heatctl ml personas`: label each row of a CSV with the first persona rule that fires.
struct MLPersonasCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "personas",
        abstract: "Label each row of a CSV with a persona from ordered rules, and name the rule that fired.",
        discussion: """
            Rules are tried in order; the first whose conditions all hold gives the row its \
            persona (else the file's fallback). Writes the input rows in order plus `persona` and \
            `persona_rule` (the id of the rule that fired), and prints the count per persona. \
            --rules takes a rule file (format customerheat.personas/1, Docs/ML.md) or a built-in \
            set: `bank` (heat, trend, level, cooling, tenure_weeks, personal_share) or `retail` \
            (spend, frequency, discount_share, avg_rating, avg_order_value). A bad rule file \
            exits 78 naming the rule and field; a missing column exits 65.

            Examples:
              heatctl ml personas --data clients.csv --rules bank --out personas.csv
              heatctl ml personas --data shoppers.csv --rules Examples/personas/retail.json --out personas.csv --json
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "The CSV file to label.")
    var data: String

    @Option(name: .long, help: "A persona rule file (JSON), or the built-in set `bank` or `retail`.")
    var rules: String

    @Option(name: .long, help: "Where to write the rows with their persona.")
    var out: String

    @Flag(name: .long, help: "Print the counts per persona as JSON on stdout.")
    var json = false

    struct Count: Encodable {
        var label: String
        var rule: String
        var rows: Int
    }

    struct Summary: Encodable {
        var rules: String
        var rows: Int
        var personas: [Count]
    }

    func execute() async throws {
        let ruleSet: PersonaRules
        switch rules {
        case "bank" where !FileManager.default.fileExists(atPath: rules): ruleSet = .bank
        case "retail" where !FileManager.default.fileExists(atPath: rules): ruleSet = .retail
        default: ruleSet = try PersonaRules(contentsOf: URL(filePath: rules))
        }
        let table = try DataTable(contentsOf: URL(filePath: data), options: .init(categoryLimit: nil))
        let assignments = try ruleSet.assign(table)
        var extra: [(name: String, values: [String])] = [
            (name: "persona", values: assignments.map { $0.label ?? "" }),
            (name: "persona_rule", values: assignments.map { $0.ruleID ?? "" }),
        ]
        // Never write two columns with one name (for example when run on its own output).
        let taken = Set(table.columnNames)
        func free(_ candidates: [String]) -> String {
            if let name = candidates.first(where: { !taken.contains($0) }) { return name }
            let base = candidates.last ?? "persona"
            return (2...).lazy.map { "\(base)_\($0)" }.first { !taken.contains($0) } ?? base
        }
        extra[0].name = free(["persona", "persona_label"])
        extra[1].name = free(["persona_rule"])
        try AtomicFile.write(table.csvText(appending: extra), to: URL(filePath: out))
        var counts: [String: Count] = [:]
        for assignment in assignments {
            let key = assignment.ruleID ?? ""
            counts[key, default: Count(label: assignment.label ?? "(none)", rule: assignment.ruleID ?? "", rows: 0)].rows += 1
        }
        let order = (ruleSet.rules + (ruleSet.fallback.map { [$0] } ?? [])).map(\.id) + [""]
        let sorted = order.compactMap { counts[$0] }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Console.output(String(decoding: try encoder.encode(Summary(rules: ruleSet.name, rows: table.rowCount, personas: sorted)), as: UTF8.self))
        } else {
            for count in sorted {
                Console.output("\(count.label) (rule \(count.rule.isEmpty ? "-" : count.rule)): \(Plural.count(count.rows, "row"))")
            }
        }
        Console.info("wrote \(Plural.count(table.rowCount, "row")) with their persona to \(out)")
    }
}

