import ArgumentParser
import HeatCore

/// `heatctl init --store heat.db`: creates the store.
struct InitCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create an append-only, hash-chained store.",
        discussion: """
            Creates the SQLite store (WAL mode, schema version \(StoreSchema.currentVersion)) with its \
            append-only tables and records the creation in the audit log. Running it on an existing \
            store only checks it.

            Example:
              heatctl init --store heat.db
            """)

    @Option(name: .long, help: "The store file to create.", completion: .file())
    var store: String

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func execute() async throws {
        let (opened, created) = try HeatStore.initialize(path: store)
        let version = try opened.schemaVersion()
        Console.output(created
            ? "created \(store) (schema version \(version))"
            : "\(store) is already a store (schema version \(version)); nothing to do")
    }
}
