import ArgumentParser
import Foundation
import HeatCore

/// `heatctl audit verify --store heat.db [--expect-head head.heat] [--keys DIR/auditor] [--json]`.
struct AuditVerifyCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every hash chain and signed head; exit 1 on a violation.",
        discussion: """
            Walks every chain (a deleted, edited, reordered or inserted row breaks it), checks \
            every stored signed head's Ed25519 signature and that the chains still match it, and \
            with --expect-head also the head file kept outside the store (which catches rows \
            deleted from the end together with their signed heads). With --keys, signatures must \
            be by that auditor's key rather than by a key registered in the store. Names the first \
            bad row or signature. Exit 0 when intact, 1 on a violation.

            Example:
              heatctl audit verify --store heat.db --expect-head head.heat --keys keys/auditor
            """)

    @Option(name: .long, help: "The store.")
    var store: String

    @Option(name: .customLong("expect-head"), help: "A head file written by `audit sign --head-out`.")
    var expectHead: String?

    @Option(name: .long, help: "The auditor's folder (keys/auditor) to pin the verification key.")
    var keys: String?

    @Flag(name: .long, help: "Print the report as one JSON document.")
    var json = false

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func execute() async throws {
        let pinned = try keys.map { try KeyFolder(path: $0, role: .auditor).verificationKey() }
        let expected = try expectHead.map { try SignedHead.read(from: URL(filePath: $0)) }
        let opened = try HeatStore(path: store)
        let progress = ProgressBar(title: "Verifying", total: nil, unit: "rows")
        let report: VerificationReport
        do {
            defer { progress.finish() }
            report = try StoreVerifier.verify(store: opened, expectedHead: expected, pinnedKey: pinned, progress: {
                progress.update(completed: Int($0), total: Int($1))
            })
        }
        if json {
            try StoreJSON.print(report)
        } else {
            let broken = Set(report.violations.filter { $0.kind != .rowsDeleted && $0.kind != .headMismatch }.map(\.table))
            for chain in report.chains {
                Console.output(broken.contains(chain.table)
                    ? "\(chain.table): \(chain.rows) rows verified, then a violation"
                    : "\(chain.table): \(chain.rows) rows")
            }
            if report.signedHeads == 0 {
                Console.output("no signed head yet (sign with `heatctl audit sign`)")
            } else if let latest = report.latestSignedAt {
                Console.output("\(report.signedHeads) signed heads, latest \(latest)")
            }
            for (table, rows) in report.unsignedRows.sorted(by: { $0.key < $1.key }) {
                Console.output("\(table): \(rows) rows appended since the latest signed head")
            }
            if report.intact {
                Console.output(expected == nil ? "intact" : "intact (expected head matches)")
            } else {
                for violation in report.violations { Console.output("VIOLATION: \(violation.message)") }
            }
        }
        if !report.intact {
            Console.error("\(Plural.count(report.violations.count, "violation")); first: \(report.violations[0].message)")
            throw ExitCode(1)
        }
    }
}
