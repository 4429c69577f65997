import Foundation
import HeatEnvelope
import Testing
@testable import heatctl

@Suite struct TerminalMannersTests {
    @Test func colourNeedsATerminalAndNoNO_COLOR() {
        #expect(TerminalStyle.colorAllowed(isTerminal: true, environment: [:]))
        #expect(!TerminalStyle.colorAllowed(isTerminal: false, environment: [:]))
        #expect(!TerminalStyle.colorAllowed(isTerminal: true, environment: ["NO_COLOR": "1"]))
        #expect(TerminalStyle.colorAllowed(isTerminal: true, environment: ["NO_COLOR": ""]), "no-color.org: empty means unset")
        #expect(!TerminalStyle.colorAllowed(isTerminal: true, environment: ["TERM": "dumb"]))
    }

    @Test func stylingIsTheIdentityWhenColourIsOff() {
        #expect(TerminalStyle.red("error:", enabled: false) == "error:")
        #expect(TerminalStyle.bold("x", enabled: true) == "\u{1B}[1mx\u{1B}[0m")
    }

    @Test func progressLineShowsBarPercentRateAndETA() {
        let line = ProgressBar.line(title: "Encrypting", completed: 2_500, total: 10_000, unit: "rows", elapsed: 2, width: 100)
        #expect(line == "Encrypting [#######-----------------------]  25%  2,500/10,000 rows  1,250 rows/s  ETA 0:06")
        let done = ProgressBar.line(title: "Encrypting", completed: 10_000, total: 10_000, unit: "rows", elapsed: 8, width: 100)
        #expect(done.hasSuffix("100%  10,000/10,000 rows  1,250 rows/s  done in 0:08"))
        let unknown = ProgressBar.line(title: "Reading", completed: 1_234_567, total: nil, unit: "rows", elapsed: 61, width: 100)
        #expect(unknown == "Reading  1,234,567 rows  20,239 rows/s  1:01")
        let narrow = ProgressBar.line(title: "Encrypting", completed: 1, total: 3, unit: "rows", elapsed: 1, width: 40)
        #expect(narrow.count <= 39)
        #expect(ProgressBar.duration(3_725) == "1:02:05")
    }

    @Test func progressIsThrottledAndSilentWhenDisabled() {
        final class Recorder: @unchecked Sendable {
            let lock = NSLock()
            var lines: [String] = []
            var time: TimeInterval = 0
            func add(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
        }
        let recorder = Recorder()
        let bar = ProgressBar(title: "Work", total: 100, unit: "items", enabled: true, showAfter: 0,
                              now: { recorder.time }, draw: { recorder.add($0) })
        for _ in 0..<50 { bar.advance() }          // all at t = 0: one draw
        recorder.time = 0.05
        bar.advance()                              // within 100 ms: throttled
        recorder.time = 0.2
        bar.advance()                              // drawn
        bar.finish()
        bar.finish()                               // idempotent
        #expect(recorder.lines.count == 4, "\(recorder.lines)")
        #expect(recorder.lines.last == "\n")
        #expect(recorder.lines[2].contains("52/100"))

        let silent = Recorder()
        let hidden = ProgressBar(title: "Work", total: 10, enabled: false, now: { 0 }, draw: { silent.add($0) })
        for _ in 0..<10 { hidden.advance() }
        hidden.finish()
        #expect(silent.lines.isEmpty)
    }

    @Test func progressAppearsOnlyOnceAStepHasRunAWhile() {
        final class Recorder: @unchecked Sendable {
            var lines: [String] = []
            var time: TimeInterval = 0
        }
        let quick = Recorder()
        let fast = ProgressBar(title: "Reading", total: 10, unit: "rows", enabled: true, showAfter: 0.5,
                               now: { quick.time }, draw: { quick.lines.append($0) })
        quick.time = 0.3
        fast.update(completed: 10)
        fast.finish()
        #expect(quick.lines.isEmpty, "a step done in 0.3 s leaves no bar: \(quick.lines)")

        let slow = Recorder()
        let bar = ProgressBar(title: "Reading", total: 10, unit: "rows", enabled: true, showAfter: 0.5,
                              now: { slow.time }, draw: { slow.lines.append($0) })
        slow.time = 0.4
        bar.update(completed: 4)                    // not yet shown
        slow.time = 0.6
        bar.update(completed: 6)                    // shown
        bar.finish()
        #expect(slow.lines.count == 3, "\(slow.lines)")
        #expect(slow.lines[0].contains("6/10 rows"))
        #expect(slow.lines.last == "\n")
    }

    @Test func progressTotalCanBeSetByALibraryCallback() {
        final class Recorder: @unchecked Sendable {
            var lines: [String] = []
            var time: TimeInterval = 0
        }
        let recorder = Recorder()
        let bar = ProgressBar(title: "Reading", total: nil, unit: "rows", enabled: true, showAfter: 0,
                              now: { recorder.time }, draw: { recorder.lines.append($0) })
        bar.update(completed: 0, total: 8_000)
        recorder.time = 2
        bar.update(completed: 4_000, total: 8_000)
        bar.finish()
        #expect(recorder.lines.count == 4, "\(recorder.lines)")     // two updates, the final state, "\n"
        #expect(recorder.lines.last == "\n")
        #expect(recorder.lines[0].contains("0/8,000 rows"))
        #expect(recorder.lines[1].contains("50%  4,000/8,000 rows  2,000 rows/s  ETA 0:02"), "\(recorder.lines[1])")
        #expect(bar.total == 8_000)
    }

    @Test func inputFileErrorsMapToDesignExitCodes() throws {
        #expect(throws: InputFileError.missing(path: "/nonexistent/results.json")) {
            try InputFile.read("/nonexistent/results.json")
        }
        #expect(InputFileError.missing(path: "x").category.exitCode == 66)
        #expect(throws: InputFileError.isFolder(path: "/tmp")) { try InputFile.read("/tmp") }
        #expect(InputFileError.unreadable(path: "x", reason: "y").category.exitCode == 74)
    }

    @Test func reportCommandParsesTheDesignForm() throws {
        let command = try ReportCommand.parse(["results.json", "--out", "report", "--format", "csv", "--format", "json"])
        #expect(command.results == "results.json")
        #expect(command.out == "report")
        #expect(command.format == [.csv, .json])
        #expect(throws: (any Error).self) { try ReportCommand.parse(["results.json", "--out", "r", "--format", "pdf"]) }
        #expect(throws: (any Error).self) { try ReportCommand.parse(["results.json"]) }
        #expect(ReportCommand.helpMessage().contains("Examples:"))
    }
}
