import ArgumentParser
import Foundation
import HeatCore
import HeatEnvelope
import HeatML

/// `heatctl ml cluster`: k-means segments of a CSV table's numeric columns.
struct MLClusterCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Segment the rows of a CSV table with k-means on its numeric columns.",
        discussion: """
            Uses every numeric (and true/false) column except identifiers and --ignore'd ones, \
            median-imputed and standardised. k-means++ initialisation, Lloyd iterations, best of \
            10 seeded starts. Writes the input rows in order plus a `cluster` column (0 = the \
            largest cluster); prints the inertia, the silhouette and the cluster sizes (with \
            --json one JSON document with the standardised centres).

            Example:
              heatctl ml cluster --data Examples/data/telco_churn.csv --k 4 --seed 42 --out segments.csv --json
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "The CSV file to segment.", completion: .file())
    var data: String

    @Option(name: .long, help: "The number of clusters.")
    var k: Int

    @Option(name: .long, help: "Seed for the k-means++ initialisation.")
    var seed: UInt64 = 42

    @Option(name: .long, help: "Where to write the rows with their cluster.", completion: .file())
    var out: String

    @Option(name: .long, help: "A column that is not used (repeatable), e.g. a target or fold column.")
    var ignore: [String] = []

    @Option(name: .customLong("n-init"), help: "Seeded starts; the lowest inertia wins.")
    var initializations: Int = 10

    @Flag(name: .customLong("no-silhouette"), help: "Skip the silhouette (its cost is quadratic in the rows).")
    var noSilhouette = false

    @Flag(name: .long, help: "Print the clustering summary as one JSON document on stdout.")
    var json = false

    func validate() throws {
        guard k >= 1 else { throw ValidationError("--k must be at least 1, not \(k)") }
        guard initializations >= 1 else { throw ValidationError("--n-init must be at least 1, not \(initializations)") }
    }

    func execute() async throws {
        let table = try DataTable(contentsOf: URL(filePath: data))
        let features = try NumericFeatures(table, excluding: Set(ignore))
        Console.info("clustering \(Plural.count(table.rowCount, "row")) on \(Plural.count(features.columns.count, "standardised column")): \(features.columns.joined(separator: ", "))")
        var model = KMeans(k: k, initializations: initializations, seed: seed)
        let progress = ProgressBar(title: "Clustering", total: initializations, unit: "starts")
        do {
            defer { progress.finish() }
            try model.fit(features.matrix, progress: { progress.update(completed: $0, total: $1) })
        }
        // The silhouette needs 2 ... rows - 1 non-empty clusters (identical rows can leave fewer).
        let nonEmpty = model.sizes.filter { $0 > 0 }.count
        let silhouette = noSilhouette || nonEmpty < 2 || nonEmpty >= table.rowCount ? nil : try silhouetteScore(features.matrix, labels: model.labels)
        let text = table.csvText(appending: [(name: table.columnNames.contains("cluster") ? "cluster_k\(k)" : "cluster", values: model.labels.map(String.init))])
        try AtomicFile.write(text, to: URL(filePath: out))
        Console.info("wrote \(Plural.count(table.rowCount, "assignment")) to \(out)")
        let report = ClusterReport(model: model, features: features, silhouette: silhouette)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Console.output(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        Console.output(String(format: "k-means k=%d on %d rows: inertia %.2f", k, table.rowCount, report.inertia)
            + (silhouette.map { String(format: ", silhouette %.4f", $0) } ?? "") + ", \(report.iterations) iterations")
        for cluster in report.clusters {
            let share = Double(cluster.size) / Double(max(report.rows, 1)) * 100
            let traits = cluster.centroid.sorted { abs($0.value) > abs($1.value) }.prefix(3)
                .map { String(format: "%@ %+.2f", $0.key, $0.value) }.joined(separator: ", ")
            Console.output(String(format: "  cluster %d: %5d rows (%4.1f%%)  ", cluster.cluster, cluster.size, share) + traits)
        }
    }
}
