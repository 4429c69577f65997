import ArgumentParser
import Foundation
import HeatCore

/// `heatctl policy check --policy FILE --role ROLE [--json]`.
struct PolicyCheckCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a policy file and print what a role may receive.",
        discussion: """
            Validates --policy (an invalid policy exits 78 naming the rule and field) and prints what \
            --role may receive: sections, group kinds, the minimum group size k, per-client access, \
            the differential-privacy budget and the differencing action. A role the policy does not \
            name receives nothing (default-deny) and exits 77.

            Example:
              heatctl policy check --policy Examples/policy.json --role manager
              heatctl policy check --policy Examples/policy.json --role analyst --json
            """)

    @Option(name: .long, help: "The policy file.", completion: .file())
    var policy: String

    @Option(name: .long, help: "The role to describe.")
    var role: String

    @Flag(name: .long, help: "Print one JSON document.")
    var json = false

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func execute() async throws {
        let loaded = try PrivacyPolicy.load(from: URL(filePath: policy))
        let permissions = try loaded.permissions(for: role)
        let kinds = GroupSummary.Kind.allCases.filter { permissions.groups.contains($0) }.map(\.rawValue)
        if json {
            struct Budget: Encodable {
                var epsilon: Double?
                var maxEpsilon: Double
                var monthlyBudget: Double
                var required: Bool
            }
            struct Summary: Encodable {
                var policy: String
                var policyHash: String
                var role: String
                var minGroupSize: Int
                var sections: [String]
                var groups: [String]
                var clients: String
                var dp: Budget?
                var heatClip: Int
                var trendClip: Int
                var maxNoiseShare: Double
                var differencing: String
            }
            try StoreJSON.print(Summary(
                policy: loaded.name, policyHash: loaded.hash, role: role, minGroupSize: loaded.minGroupSize,
                sections: permissions.sectionNames, groups: kinds, clients: permissions.clients.rawValue,
                dp: permissions.budget.map { Budget(epsilon: $0.defaultEpsilon, maxEpsilon: $0.maxEpsilon, monthlyBudget: $0.monthlyBudget, required: $0.required) },
                heatClip: loaded.privacy.heatClip, trendClip: loaded.privacy.trendClip, maxNoiseShare: loaded.privacy.maxNoiseShare,
                differencing: loaded.differencing.rawValue))
            return
        }
        Console.output("policy \(loaded.name) (sha256 \(loaded.hash)) is valid")
        Console.output("role \(role) may receive:")
        Console.output("  sections: \(permissions.sectionNames.isEmpty ? "nothing" : permissions.sectionNames.joined(separator: ", "))")
        Console.output("  group aggregates: \(kinds.isEmpty ? "none" : kinds.joined(separator: ", ")) (groups of at least k = \(loaded.minGroupSize) clients)")
        switch permissions.clients {
        case .none: Console.output("  per-client values: none")
        case .own: Console.output("  per-client values: only a manager's own clients (--manager REF)")
        case .all: Console.output("  per-client values: any manager's clients")
        }
        if let budget = permissions.budget {
            Console.output("  differential privacy: epsilon \(budget.defaultEpsilon.map { "\($0) by default" } ?? "on request") (at most \(budget.maxEpsilon) per release, \(budget.monthlyBudget) per calendar month)\(budget.required ? ", required" : "")")
            Console.output("    two-sided geometric noise; heat clipped at \(loaded.privacy.heatClip), trend at \(loaded.privacy.trendClip); refused when the expected noise exceeds \(loaded.privacy.maxNoiseShare * 100)% of a value")
        } else {
            Console.output("  differential privacy: not available to this role (exact releases only)")
        }
        Console.output("  histogram bins of at least k clients; the open last bin ends at the largest possible heat")
        Console.output("  differencing against earlier releases to this role: \(loaded.differencing.rawValue)")
    }
}
