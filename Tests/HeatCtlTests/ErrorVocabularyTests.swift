import ArgumentParser
import Foundation
import HeatEnvelope
import Testing
@testable import heatctl

/// A command whose `execute()` throws the error named by `--kind`, to drive heatctl's catch-all.
private struct FailingCommand: HeatCommand {
    static let configuration = CommandConfiguration(commandName: "failing")

    @Option var kind: String = "plain"

    struct PlainError: Error {}

    func execute() async throws {
        switch kind {
        case "cocoa-missing": throw CocoaError(.fileNoSuchFile)
        case "posix": throw POSIXError(.EACCES)
        case "classified": throw EnvelopeError.checksumMismatch(source: "x.heat")
        case "exit1": throw ExitCode(1)
        case "validation": throw ValidationError("bad option")
        default: throw PlainError()
        }
    }
}

@Suite struct ErrorVocabularyTests {
    /// Runs the failing command and returns the error `run()` threw.
    private func failure(_ kind: String) async throws -> any Error {
        let command = try FailingCommand.parse(["--kind", kind])
        do {
            try await command.run()
        } catch {
            return error
        }
        Issue.record("the command did not fail")
        return CancellationError()
    }

    @Test func theCatchAllNeverExitsWithOneForAnUnclassifiedError() async throws {
        let plain = try await failure("plain")
        #expect((plain as? ExitCode)?.rawValue == 70)
        #expect((try await failure("cocoa-missing") as? ExitCode)?.rawValue == 66)
        #expect((try await failure("posix") as? ExitCode)?.rawValue == 74)
        #expect((try await failure("classified") as? ExitCode)?.rawValue == 65)
        // What swift-argument-parser owns keeps its handling: an explicit exit 1 (audit verify)
        // and a validation error (exit 64).
        #expect((try await failure("exit1") as? ExitCode)?.rawValue == 1)
        let validation = try await failure("validation")
        #expect(validation is ValidationError)
        #expect(HeatCtl.exitCode(for: validation).rawValue == 64)
    }

    @Test func onlyIntegrityViolationsExitWithOne() {
        for category in ErrorCategory.allCases {
            #expect((category.exitCode == 1) == (category == .integrityViolation), "\(category)")
            #expect(category.exitCode != 0)
        }
        #expect(ErrorReport.category(of: FailingCommand.PlainError()) == .internalFailure)
        #expect(ErrorCategory.internalFailure.exitCode == 70)
    }

    @Test func everyCategoryHasTheServersHTTPStatus() {
        let expected: [ErrorCategory: Int] = [
            .usage: 400, .integrityViolation: 500, .dataError: 422, .noInput: 404, .unavailable: 422,
            .ioError: 500, .temporaryFailure: 503, .permissionDenied: 403, .configuration: 500, .internalFailure: 500,
        ]
        for category in ErrorCategory.allCases { #expect(category.httpStatus == expected[category], "\(category)") }
    }

    @Test func safeDescriptionsNameNoPathOrValue() {
        let errors: [any ClassifiedError] = [
            InputFileError.missingFile(path: "/secret/clients-of-ACME.csv"),
            EnvelopeError.unreadableFile(path: "/secret/k.heat", reason: "EACCES on /secret/k.heat"),
            EnvelopeError.wrongKind(source: "/secret/k.heat", expected: .fheSecretKey, found: .fheCiphertext),
        ]
        for error in errors {
            #expect(error.description.contains("/secret"))
            #expect(!error.safeDescription.contains("/secret"), "\(error.safeDescription)")
            #expect(!error.safeDescription.contains("ACME"))
            #expect(error.safeDescription == error.category.safeDescription)
        }
        for category in ErrorCategory.allCases { #expect(!category.safeDescription.contains("/")) }
    }

    @Test func theSameFailureHasTheSameCaseNameAndCodeEverywhere() {
        let missing: [any ClassifiedError] = [
            InputFileError.missingFile(path: "x"), EnvelopeError.missingFile(path: "x"),
        ]
        for error in missing { #expect(error.category.exitCode == 66) }
        #expect(InputFileError.unreadableFile(path: "x", reason: "y").category.exitCode == 74)
        #expect(EnvelopeError.unreadableFile(path: "x", reason: "y").category.exitCode == 74)
    }

    @available(*, deprecated, message: "exercises the deprecated forwarders")
    @Test func deprecatedNamesForwardToTheSharedCases() {
        #expect(InputFileError.missing(path: "x") == .missingFile(path: "x"))
        #expect(InputFileError.unreadable(path: "x", reason: "y") == .unreadableFile(path: "x", reason: "y"))
        #expect(EnvelopeError.unreadable(path: "x", reason: "y") == .unreadableFile(path: "x", reason: "y"))
    }
}
