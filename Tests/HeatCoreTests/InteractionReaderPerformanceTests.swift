import Foundation
import Testing
@testable import HeatCore

@Suite struct InteractionReaderPerformanceTests {
    /// A million-row CSV (built directly, ids and channels cycling) streams in seconds in release.
    @Test func readsAMillionRowsInSeconds() throws {
        let rows = 1_000_000
        var out = [UInt8]()
        out.reserveCapacity(rows * 100)
        out.append(contentsOf: (InteractionReader.columns.joined(separator: ",") + "\n").utf8)
        let start = UTCTimestamp(secondsSinceEpoch: 1_767_225_600)  // 2026-01-01T00:00:00Z
        for i in 0..<rows {
            let channel = Channel.allCases[i % 4]
            let interaction = Interaction(
                eventID: "EV\(i)", clientID: "CL\(i % 20_000)", managerID: "M\(i % 40)", branch: "BR\(i % 5)", channel: channel,
                direction: i % 3 == 0 ? .inbound : .outbound, occurredAt: start.adding(seconds: Int64(i * 29)),
                durationSeconds: channel.hasDuration ? 60 + i % 900 : nil, repliedWithinHours: channel.hasDuration ? nil : 2.5)
            SyntheticCSV.appendRow(interaction, to: &out)
        }
        let folder = FileManager.default.temporaryDirectory.appending(path: "heat-perf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appending(path: "million.csv")
        try Data(out).write(to: url)
        out = []
        let clock = ContinuousClock()
        var calls = 0
        var seconds = 0
        let elapsed = try clock.measure {
            let summary = try InteractionReader().stream(contentsOf: url) { interaction in
                if interaction.channel == .call { calls += 1 }
                seconds += interaction.durationSeconds ?? 0
            }
            #expect(summary.accepted == rows)
            #expect(summary.rejectedRows == 0)
        }
        print("InteractionReaderPerformance: \(rows) rows in \(elapsed)")
        #expect(calls == rows / 4)
        #expect(elapsed < .seconds(20), "a million rows should stream in a few seconds in release (took \(elapsed))")
    }
}
