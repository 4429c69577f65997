import Logging
import Testing
@testable import heatctl

@Suite struct LogOptionsTests {
    @Test func verboseAndLogLevelChooseTheStderrLevel() throws {
        #expect(try GlobalOptions.parse([]).effectiveLogLevel == .warning)
        #expect(try GlobalOptions.parse(["--verbose"]).effectiveLogLevel == .debug)
        #expect(try GlobalOptions.parse(["--quiet"]).effectiveLogLevel == .error)
        #expect(try GlobalOptions.parse(["--log-level", "trace"]).effectiveLogLevel == .trace)
        #expect(try GlobalOptions.parse(["--verbose", "--log-level", "notice"]).effectiveLogLevel == .notice)
        #expect(throws: (any Error).self) { try GlobalOptions.parse(["--log-level", "loud"]) }
        #expect(Console.makeLogger(level: .info).logLevel == .info)
    }
}
