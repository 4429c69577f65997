import Foundation
import HeatCLITesting
import Testing

/// `heatctl fhe pbs-bench` with a bad TFHE parameter choice: a TFHE message naming the set or the
/// option, the documented exit code (64, usage), nothing about BFV.
@Suite(.enabled(if: HeatctlRunner.url != nil, "heatctl is not built"))
struct TfheParameterErrorCLITests {
    @Test("an insecure TFHE test set without the test flag: exit 64, a TFHE message naming the set")
    func insecureSetIsRefusedWithATfheMessage() throws {
        let outcome = try HeatctlRunner.run(["fhe", "pbs-bench", "--preset", "tfhe-4bit-insecure-test", "--bootstraps", "1"])
        #expect(outcome.status == 64)
        #expect(outcome.stderr.contains("insecure TFHE parameters: tfhe-4bit-insecure-test"), "\(outcome.stderr)")
        #expect(!outcome.stderr.contains("BFV"), "\(outcome.stderr)")
        #expect(outcome.stdout.isEmpty)
    }

    @Test("an unknown TFHE preset: exit 64, the TFHE presets listed")
    func unknownPresetListsTheTfhePresets() throws {
        let outcome = try HeatctlRunner.run(["fhe", "pbs-bench", "--preset", "tfhe-5bit", "--bootstraps", "1"])
        #expect(outcome.status == 64)
        #expect(outcome.stderr.contains("unknown preset \"tfhe-5bit\""), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("tfhe-4bit-2m17-ks32"), "\(outcome.stderr)")
        #expect(!outcome.stderr.contains("invalid BFV"), "\(outcome.stderr)")
        // The hint points at both preset lists (heatctl fhe params lists only the BFV presets).
        #expect(outcome.stderr.contains("Docs/TFHE.md"), "\(outcome.stderr)")
    }
}
