import ArgumentParser
import Foundation
import HeatCore

extension ReportFormat: ExpressibleByArgument {}

/// `heatctl report RESULTS.json --out DIR [--format html|json|csv]`: renders a results document.
struct ReportCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Render a results document as an HTML report, JSON tables or CSV files.",
        discussion: """
            Reads a results.json (written by `heatctl demo`, or `heatctl heat FILE --json`) and \
            writes into the --out folder, which is created if missing: index.html, a \
            self-contained page with inline SVG charts (opens from the file system, loads nothing \
            from the network) plus a copy of the document as results.json (html); tables.json \
            (json); <table>.csv, one file per table (csv), directly in --out as well. Only \
            sections present in the document are shown. Repeat --format to write several formats; \
            the command prints the path of every file it wrote.

            With --role (and --policy, default the built-in policy) the document is first narrowed \
            to what that role may receive, through the same policy code as `heatctl release`: \
            sections the role may not receive are dropped, groups and histogram bins under k are \
            withheld or merged. The footer names the role, the policy and its hash, and epsilon.

            Examples:
              heatctl report results.json --out report/
              heatctl report results.json --out report/ --format html --format csv
              heatctl report results.json --out exports/ --format json --json
              heatctl report results.json --out board/ --role executive --policy Examples/policy.json
            """
    )

    @Argument(help: ArgumentHelp("The results document to render.", valueName: "RESULTS.json"), completion: .file())
    var results: String

    @Option(name: .long, help: ArgumentHelp("The folder to write into (created if missing).", valueName: "DIR"), completion: .directory)
    var out: String

    @Option(name: .long, help: ArgumentHelp("Output format: html, json or csv; repeat for several (default: html).", valueName: "FORMAT"))
    var format: [ReportFormat] = []

    @Option(name: .long, help: "Render only what this role may receive under the policy.")
    var role: String?

    @OptionGroup var policyOption: PolicyOption
    /// The `--policy` path (declared once, in ``PolicyOption``).
    var policy: String? { policyOption.policy }

    @Flag(name: .long, help: "Print one JSON document (files written, sections shown) on stdout.")
    var json = false

    @OptionGroup var global: GlobalOptions

    var globalOptions: GlobalOptions? { global }

    func execute() async throws {
        let data = try InputFile.read(results)
        var document = try ResultsDocument.decode(data, source: results)
        if role != nil || policy != nil {
            let loaded = try policyOption.load()
            let narrowed = try ReleaseEngine(policy: loaded).restrict(document, to: role ?? document.role)
            document = narrowed.document
            for item in narrowed.withheld { Console.info("withheld \(item.item) (rule \(item.rule)): \(item.reason)") }
        }
        let formats = Set(format.isEmpty ? [.html] : format)
        let sections = ReportSection.present(in: document)
        Console.info("Rendering \(Plural.count(sections.count, "section")) (\(formats.sorted().map(\.rawValue).joined(separator: ", "))) into \(out)")
        let written = try ReportRenderer().write(document, formats: formats, to: URL(filePath: out))
        if json {
            struct Summary: Encodable {
                var out: String
                var formats: [ReportFormat]
                var sections: [String]
                var files: [String]
            }
            let summary = Summary(
                out: out, formats: formats.sorted(), sections: sections.map(\.elementID), files: written.map(\.path))
            let encoded = try ResultsDocument.jsonEncoder().encode(summary)
            Console.output(String(decoding: encoded, as: UTF8.self))
        } else {
            for file in written { Console.output(file.path) }
            if formats.contains(.html) {
                Console.success("Open \(URL(filePath: out).appending(path: "index.html").path) in a browser.")
            }
        }
    }
}
