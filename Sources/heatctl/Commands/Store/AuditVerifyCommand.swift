import ArgumentParser
import Foundation
import HeatCore

/// `heatctl audit verify --store heat.db --keys DIR/auditor (--expect-head head.heat | --first-head) [--allow-unsigned-tail] [--json]`.
struct AuditVerifyCommand: HeatCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every hash chain and signature, failing closed; exit 1 on a violation.",
        discussion: """
            Opens the store read-only and checks, as Certificate Transparency checks a log: the \
            append-only triggers and columns of every table; every chain over the stored bytes (a \
            deleted, edited, reordered or inserted row, or text that is not valid UTF-8 or holds \
            NUL, breaks it); every signed head, which must be signed by the key pinned from \
            --keys DIR/auditor (keys in the store are never trusted) and match the chains; the head \
            file given with --expect-head, which must verify, match, and still be in the store \
            (catching rollbacks and deleted heads); the collector's signature over every \
            ingestion run, under collector keys endorsed by the pinned key. Rows not covered by a \
            signed head are a violation unless --allow-unsigned-tail (then they are counted). \
            Names the first bad row or signature. Exit 0 when intact, 1 on a violation, 64 when \
            --keys or the head anchor is missing.

            Examples:
              heatctl audit verify --store heat.db --keys keys/auditor --expect-head head.heat
              heatctl audit verify --store heat.db --keys keys/auditor --first-head --allow-unsigned-tail
            """)

    @Option(name: .long, help: "The store (opened read-only).", completion: .file())
    var store: String

    @Option(name: .long, help: "Required: the auditor's folder (keys/auditor); pins the key holder's public key.", completion: .directory)
    var keys: String?

    @Option(name: .customLong("expect-head"), help: "The head file of the previous signature (from `audit sign --head-out`).", completion: .file())
    var expectHead: String?

    @Flag(name: .customLong("first-head"), help: "There is no previous head file: this is the first verification.")
    var firstHead = false

    @Flag(name: .customLong("allow-unsigned-tail"), help: "Accept (and count) rows appended after the latest signed head.")
    var allowUnsignedTail = false

    @Flag(name: .long, help: "Print the report as one JSON document.")
    var json = false

    @OptionGroup var global: GlobalOptions
    var globalOptions: GlobalOptions? { global }

    func validate() throws {
        guard keys != nil else {
            throw ValidationError("missing --keys DIR/auditor: verification pins the key holder's public key from the auditor's folder and never trusts a key found in the store")
        }
        if expectHead == nil && !firstHead {
            throw ValidationError("missing --expect-head FILE (the head file written by the last `heatctl audit sign`); for a first verification with no head file, pass --first-head")
        }
        if expectHead != nil && firstHead {
            throw ValidationError("--expect-head and --first-head exclude each other")
        }
    }

    func execute() async throws {
        guard let keys else { throw ValidationError("missing --keys DIR/auditor") }
        let pinned = try KeyFolder(path: keys, role: .auditor).verificationKey()
        let anchor: HeadAnchor = try expectHead.map { HeadAnchor.previous(try SignedHead.read(from: URL(filePath: $0))) } ?? .firstHead
        let opened = try HeatStore(readingFrom: store)
        let progress = ProgressBar(title: "Verifying", total: nil, unit: "rows")
        let report: VerificationReport
        do {
            defer { progress.finish() }
            report = try StoreVerifier.verify(
                store: opened, pinnedKey: pinned, anchor: anchor, allowUnsignedTail: allowUnsignedTail,
                progress: { progress.update(completed: Int($0), total: Int($1)) })
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
                Console.output("no signed head yet (sign with `heatctl audit sign --first-head`)")
            } else if let latest = report.latestSignedAt {
                Console.output("\(report.signedHeads) signed heads by the pinned key, latest \(latest)")
            }
            Console.output("\(report.ingestionSignatures) ingestion runs signed by \(report.collectorKeys) endorsed collector keys")
            for line in report.retention { Console.output("retention: \(line)") }
            if report.allowedUnsignedTail && report.unsignedRowCount > 0 {
                for (table, rows) in report.unsignedRows.sorted(by: { $0.key < $1.key }) {
                    Console.output("\(table): \(rows) rows appended since the latest signed head")
                }
                Console.output("\(report.unsignedRowCount) unsigned rows accepted (--allow-unsigned-tail): they are protected by the chains and collector signatures only until the next `audit sign`")
            }
            if report.intact {
                Console.output(firstHead ? "intact (first verification: no previous head to compare)" : "intact (expected head matches)")
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
