import Foundation
import HeatCore
import HeatEnvelope
import HeatML
import HeatTabular
import Testing

@Suite struct ErrorVocabularyCoreTests {
    @Test func missingAndUnreadableFilesShareTheirCaseNamesAcrossModules() throws {
        let missing = URL(filePath: "/nonexistent/\(UUID().uuidString).csv")
        #expect(throws: IngestError.missingFile(path: missing.path)) { try InteractionReader().read(contentsOf: missing) }
        #expect(throws: HeatConfigurationError.missingFile(path: missing.path)) { try HeatConfiguration.load(from: missing) }
        #expect(throws: PolicyError.missingFile(path: missing.path)) { try PrivacyPolicy.load(from: missing) }
        #expect(throws: HeatMLError.missingFile(path: missing.path)) { try DataTable(contentsOf: missing) }
        let codes: [Int32] = [
            IngestError.missingFile(path: "x").category.exitCode, HeatConfigurationError.missingFile(path: "x").category.exitCode,
            PolicyError.missingFile(path: "x").category.exitCode, StoreError.missingFile(path: "x").category.exitCode,
            HeatMLError.missingFile(path: "x").category.exitCode, TabularError.missingFile(path: "x").category.exitCode,
            EnvelopeError.missingFile(path: "x").category.exitCode, ScenarioError.missingFile(path: "x").category.exitCode,
            LifetimesError.missingFile(path: "x").category.exitCode,
        ]
        #expect(codes.allSatisfy { $0 == 66 })
        let unreadable: [Int32] = [
            IngestError.unreadableFile(path: "x", reason: "r").category.exitCode, TabularError.unreadableFile(path: "x", reason: "r").category.exitCode,
            HeatMLError.unreadableFile(path: "x", reason: "r").category.exitCode, EnvelopeError.unreadableFile(path: "x", reason: "r").category.exitCode,
            ScenarioError.unreadableFile(path: "x", reason: "r").category.exitCode, LifetimesError.unreadableFile(path: "x", reason: "r").category.exitCode,
        ]
        #expect(unreadable.allSatisfy { $0 == 74 })
    }

    @Test func lowerLayerErrorsAreWrappedAsCasesNotStrings() throws {
        // Text after a closing quote is the shared CSV reader's error, wrapped by HeatML.
        let text = "a,b\n\"1\"x,2\n"
        let error = #expect(throws: HeatMLError.self) { try DataTable(csv: Array(text.utf8), source: "q.csv") }
        guard case .tabular(let inner)? = error else {
            Issue.record("expected HeatMLError.tabular, got \(String(describing: error))")
            return
        }
        guard case .textAfterQuote(file: "q.csv", line: 2, column: _) = inner else {
            Issue.record("expected textAfterQuote at q.csv line 2, got \(inner)")
            return
        }
        #expect(error?.description == inner.description)
        #expect(error?.category == .dataError)
    }

    @available(*, deprecated, message: "exercises the deprecated forwarders")
    @Test func oldCaseNamesStillBuildTheSharedCases() {
        #expect(IngestError.noSuchFile(file: "x") == .missingFile(path: "x"))
        #expect(IngestError.unreadable(file: "x", reason: "r") == .unreadableFile(path: "x", reason: "r"))
        #expect(HeatConfigurationError.noSuchFile(file: "x") == .missingFile(path: "x"))
        #expect(PolicyError.missing(path: "x") == .missingFile(path: "x"))
        #expect(StoreError.missingStore(path: "x") == .missingFile(path: "x"))
        #expect(TabularError.unreadable(path: "x", reason: "r") == .unreadableFile(path: "x", reason: "r"))
    }
}
