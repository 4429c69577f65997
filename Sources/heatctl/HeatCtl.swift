import ArgumentParser
import HeatCore

@main
struct HeatCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "heatctl",
        abstract: "Privacy-preserving relationship heat analytics.",
        discussion: """
            Scores client relationship "heat" from interaction metadata (never content), in plaintext \
            or on data encrypted with BFV homomorphic encryption, and renders reports.

            Results go to stdout (with --json: one JSON document and nothing else); progress bars, \
            logs and errors go to stderr. Progress bars and colour appear only on a terminal, and \
            colour never when NO_COLOR is set. Every command takes --help (with examples) and --quiet.

            Exit codes: 0 success; 1 audit verify found a violation; 64 usage; 65 bad input data; \
            66 missing input; 69 no parameter preset fits; 74 I/O error; 75 database locked (try \
            again); 77 policy refused; 78 bad configuration file.

            Examples:
              heatctl demo --out demo/
              heatctl report demo/results.json --out report/
              heatctl help report
              heatctl --generate-completion-script zsh > _heatctl
            """,
        version: CustomerHeat.version,
        subcommands: [
            // Registered commands, one line each (keep sorted by area).
            DemoCommand.self,
            GenerateCommand.self,
            HeatScoreCommand.self,
            ReportCommand.self,
            InitCommand.self,
            KeysCommand.self,
            IngestCommand.self,
            EvaluateCommand.self,
            ReleaseCommand.self,
            ClientsCommand.self,
            PolicyCommand.self,
            AuditCommand.self,
            MLCommand.self,
            FHECommand.self,
            BenchCommand.self,
            CLVCommand.self,
            ScenarioCommand.self,
            RiskCommand.self,
            FraudCommand.self,
            AskCommand.self,
            SummarizeCommand.self,
            FeaturesCommand.self,
            LabelsCommand.self,
            ScoresCommand.self,
            TreesCommand.self,
        ] + serverCommands + [
            RetentionCommand.self,
            StoreCommand.self,
            EraseCommand.self,
            DirectoryCommand.self,
        ]
    )

    /// The HTTP server's commands (`serve`, `token`), left out of a build with
    /// `HEAT_WITHOUT_SERVER=1` (a contributor's inner-loop switch, see Package.swift).
    static var serverCommands: [any ParsableCommand.Type] {
        #if HEAT_SERVER
        [ServeCommand.self, TokenCommand.self]
        #else
        []
        #endif
    }

    /// Parses and runs the command like swift-argument-parser's default entry point, but sends
    /// every error through ``ErrorReport`` (also those thrown while validating options), so no
    /// failure exits with 1 unless it is an integrity violation.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: ErrorReport.report(error))
        }
    }
}
