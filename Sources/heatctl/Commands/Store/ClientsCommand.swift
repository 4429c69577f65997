import ArgumentParser
import Foundation
import HeatCore

/// `heatctl clients --store heat.db [--branch REF] [--manager REF] [--segment S] [--level L] [--search REF-PREFIX] [--json]`
/// and `heatctl clients --reveal --keys DIR/collector --clients clients.csv --store heat.db [REF ...]`.
struct ClientsCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "clients",
        abstract: "List the store's pseudonymous client directory, or reveal references (audited).",
        discussion: """
            Lists clients by masked reference with their masked manager and branch, segment, \
            region, opening date, stored event count and heat. For a store with encrypted activity \
            heat comes through the key holder: pass --keys keys/keyholder (and optionally the \
            evaluator's --run run.heat; without it the key holder evaluates the ciphertexts in the \
            vault) and the values are decrypted there; a plaintext store (test and demo data) is \
            scored from its buckets. Manager, branch and search take reference prefixes \
            (M-19b0, B-3c, C-7f3a); segment matches exactly; level is cold, cool, warm or hot.

            The store keeps weekly buckets, not days: with --as-of DATE, heat is computed through \
            the last complete ISO week (Monday to Sunday, UTC) on or before DATE, and the command \
            says which week that is. Without --as-of, through the latest stored week. Managers and \
            branches (and --manager / --branch) are those in force that week under the store's \
            directory versions (`heatctl directory move`), and accounts closed by then are not \
            listed: a moved client is listed under its new manager from the move week on, e.g. \
            `heatctl clients --store heat.db --manager M-19b0 --as-of 2026-03-08` for the week before.

            With --reveal, maps references back to raw ids by recomputing the HMACs of the ids in \
            your own clients file with the collector key; each use is recorded in the audit log \
            with the masked references revealed, and each refusal in its own entry.

            With --role (and --policy, default the built-in policy) the listing is checked against \
            that role's rights: --segment needs segment aggregates, and per-client rows need client \
            access (a manager role only with --manager). Segment and region are stored as coarse \
            labels in clear (Docs/Privacy.md).

            Examples:
              heatctl clients --store heat.db --keys keys/keyholder --manager M-19b0 --level cool
              heatctl clients --store plain.db --level warm
              heatctl clients --store heat.db --segment retail --role relationship-office --policy Examples/policy.json
              heatctl clients --reveal --keys keys/collector --clients clients.csv --store heat.db C-7f3a9c2e
            """)

    @Option(name: .long, help: "The store.", completion: .file())
    var store: String

    @Option(name: .long, help: "Only clients of this branch (reference prefix, e.g. B-3c1f).")
    var branch: String?

    @Option(name: .long, help: "Only clients of this manager (reference prefix, e.g. M-19b0d4aa).")
    var manager: String?

    @Option(name: .long, help: "Only clients of this segment.")
    var segment: String?

    @Option(name: .long, help: "Only clients at this heat level (cold, cool, warm, hot).")
    var level: HeatLevel?

    @Option(name: .long, help: "Only clients whose reference starts with this prefix (e.g. C-7f3a).")
    var search: String?

    @Option(name: .long, help: "Heat configuration file (default: the built-in configuration).", completion: .file())
    var config: String?

    @OptionGroup var asOfOption: AsOfOption
    /// The `--as-of` text (declared once, in ``AsOfOption``).
    var asOf: String? { asOfOption.asOf }

    @Option(name: .long, help: "List as this role of the policy: --segment needs segment access, per-client rows need client access.")
    var role: String?

    @OptionGroup var policyOption: PolicyOption
    /// The `--policy` path (declared once, in ``PolicyOption``).
    var policy: String? { policyOption.policy }

    @Flag(name: .long, help: "Reveal raw ids for references, using your own clients file (audited).")
    var reveal = false

    @Option(name: .long, help: "The key holder's folder (encrypted store), or with --reveal the collector's.", completion: .directory)
    var keys: String?

    @Option(name: .long, help: "With --keys DIR/keyholder: the evaluator's run file to decrypt (default: evaluate in the vault).", completion: .file())
    var run: String?

    @Option(name: .long, help: "With --reveal: your clients file with the raw ids.", completion: .file())
    var clients: String?

    @Argument(help: "With --reveal: references (or prefixes) to reveal; all when none.")
    var refs: [String] = []

    @Flag(name: .long, help: "Print one JSON document.")
    var json = false

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func validate() throws {
        if reveal {
            guard keys != nil, clients != nil else { throw ValidationError("--reveal needs --keys DIR/collector and --clients FILE") }
        } else if !refs.isEmpty {
            throw ValidationError("references as arguments are only accepted with --reveal; use --search to filter")
        }
    }

    func execute() async throws {
        if reveal { return try revealClients() }
        let configuration = try config.map { try HeatConfiguration.load(from: URL(filePath: $0)) } ?? HeatConfiguration()
        let reference = try asOfOption.date()
        if let role {
            // Issue 12: the listing as a policy role (segment filtering and per-client rows are role rights).
            let loaded = try policyOption.load()
            let permissions = try loaded.permissions(for: role)
            if segment != nil && !permissions.groups.contains(.segment) {
                throw PolicyRefusal(rule: "roles.\(role).groups", reason: "the role \"\(role)\" may not filter or group by segment")
            }
            switch permissions.clients {
            case .none: throw PolicyRefusal(rule: "roles.\(role).clients", reason: "the role \"\(role)\" may not list per-client values")
            case .own where manager == nil:
                throw PolicyRefusal(rule: "roles.\(role).clients", reason: "the role sees only a manager's own clients: pass --manager REF")
            case .own, .all: break
            }
        }
        if let reference {
            let week = StoreHeat.referenceWeek(asOf: reference)
            let sunday = week.monday.adding(days: 6)
            let reason = sunday == reference ? "\(reference) is the Sunday that ends it" : "the store keeps whole weeks and \(reference) falls part-way through \(reference.isoWeek)"
            Console.info("--as-of \(reference): heat runs through \(week) (\(week.monday) to \(sunday)), the last complete ISO week on or before it (\(reason))")
        }
        let filter = ClientFilter(branch: branch, manager: manager, segment: segment, search: search, level: level)
        // Listing only reads: open the store read-only (no migration, no write lock, no -wal file).
        let opened = try HeatStore(readingFrom: store)
        let encrypted = try EncryptedClientDirectory.ciphertextCount(in: opened) > 0
        if keys == nil, try DirectoryTimeline.version(in: opened) != nil {
            // Review s37 MEDIUM 5: without the key holder the versions' signatures cannot be checked.
            Console.warning("the store has directory versions, applied as stored: their signatures are checked only with --keys keys/keyholder (or `heatctl audit verify`)")
        }
        let entries: [ClientDirectoryEntry]
        if let keys {
            let folder = try KeyFolder(path: keys, role: .keyholder)
            // Review s37 MEDIUM 5: directory versions verify before they move clients between managers (exit 1).
            _ = try DirectoryVersion.verifiedVersion(in: opened, key: try? folder.signingKey().verificationKey)
            let keyHolder = try KeyHolder(folder: folder)
            let evaluation = try run.map { try EncryptedHeatRun.read(from: URL(filePath: $0), context: keyHolder.context) }
            entries = try EncryptedClientDirectory.entries(
                in: opened, keyHolder: keyHolder, run: evaluation, configuration: configuration, asOf: reference, filter: filter)
        } else if encrypted {
            if level != nil {
                throw PipelineError.modeMismatch(
                    path: store, reason: "this store holds encrypted activity: --level needs the key holder (--keys keys/keyholder)")
            }
            // Issue 27: managers, branches and closed accounts as they stand at the reference week.
            entries = try ClientDirectory.entries(
                in: opened, filter: filter, versionsAt: ClientDirectory.referenceWeek(in: opened, asOf: reference))
        } else {
            entries = try ClientDirectory.entries(
                in: opened, filter: filter, scoring: configuration, asOf: reference,
                versionsAt: ClientDirectory.referenceWeek(in: opened, asOf: reference))
        }
        if json {
            try StoreJSON.print(entries)
            return
        }
        Console.output(["ref", "manager", "branch", "segment", "region", "opened_on", "events", "last_week", "heat",
                        "trend", "level", "cooling"].joined(separator: "\t"))
        for entry in entries {
            Console.output([
                entry.ref, entry.manager ?? "-", entry.branch ?? "-", entry.segment ?? "-", entry.region ?? "-",
                entry.openedOn?.description ?? "-", String(entry.events), entry.lastWeek?.description ?? "-",
                entry.heat.map(String.init) ?? "-", entry.trend.map(String.init) ?? "-", entry.level?.rawValue ?? "-",
                entry.cooling.map { $0 ? "yes" : "no" } ?? "-",
            ].joined(separator: "\t"))
        }
        Console.info("\(Plural.count(entries.count, "client")) (\(keys != nil ? "heat decrypted by the key holder" : encrypted ? "encrypted store: heat needs --keys keys/keyholder" : "heat from plaintext test-and-demo buckets"))")
    }

    private func revealClients() throws {
        guard let keys, let clients else { throw ValidationError("--reveal needs --keys and --clients") }
        let key = try KeyFolderRefusal.open(keys, role: .collector, store: store, action: AuditAction.reveal).pseudonymisationKey()
        let opened = try HeatStore(path: store)
        let report = try ClientReader().read(contentsOf: URL(filePath: clients))
        if !report.isClean { Console.warning(report.rejectReport) }
        let source = StoreIngestor.Source(
            name: (clients as NSString).lastPathComponent, inputHash: StoreIngestor.sha256Hex(ofFile: clients) ?? "")
        let matches = try ClientReveal.reveal(in: opened, key: key, clients: report.records, refs: refs, source: source)
        if json {
            try StoreJSON.print(matches)
        } else {
            Console.output("ref\tclient_id")
            for match in matches { Console.output("\(match.ref)\t\(match.clientID)") }
        }
        Console.info("revealed \(Plural.count(matches.count, "client")); recorded in the audit log")
    }
}

extension HeatLevel: ExpressibleByArgument {}
