import ArgumentParser

/// `heatctl audit ...`: sign, verify and list the store's audit trail.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Sign, verify and list the store's hash chains and audit log.",
        discussion: """
            Example:
              heatctl audit sign --store heat.db --keys keys/keyholder --previous-head head.heat --head-out head.heat
              heatctl audit verify --store heat.db --keys keys/auditor --expect-head head.heat
            """,
        subcommands: [AuditSignCommand.self, AuditVerifyCommand.self, AuditLogCommand.self])
}
