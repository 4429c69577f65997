import Foundation
import Testing
@testable import HeatCore

@Suite struct HeatModelTests {
    static let asOf = ISOWeek(year: 2026, week: 10)!

    /// An interaction on the Wednesday of the week `age` weeks before `asOf`.
    func event(
        _ id: String, client: String = "C1", _ channel: Channel, _ direction: Direction, age: Int,
        seconds: Int? = nil, replied: Double? = nil
    ) -> Interaction {
        let day = Self.asOf.advanced(by: -age).monday.adding(days: 2)
        return Interaction(eventID: id, clientID: client, managerID: "M1", branch: "B1", channel: channel, direction: direction,
                           occurredAt: day.startOfDay.adding(seconds: 36_000), durationSeconds: seconds, repliedWithinHours: replied)
    }

    func score(_ events: [Interaction], configuration: HeatConfiguration = HeatConfiguration()) -> HeatScore {
        var ledger = ActivityLedger(replyWithinHours: configuration.replyWithinHours)
        events.forEach { ledger.add($0) }
        return HeatScorer(configuration: configuration).score(clientID: "C1", weeks: ledger.clients["C1"] ?? [:], asOf: Self.asOf)
    }

    @Test func defaultMaximumHeatIsBelowTwoToThe23() {
        let configuration = HeatConfiguration()
        #expect(configuration.decayFactors.count == 52)
        #expect(configuration.decayFactors.prefix(5) == [64, 60, 56, 52, 49])
        #expect(configuration.decayFactors.reduce(0, +) == 929)
        #expect(configuration.maximumWeeklyScore == 6552)  // 64 x 63 + 8 x (63 + 4 x 63)
        #expect(configuration.maximumHeat == 6_086_808)
        #expect(configuration.maximumHeat < 1 << 23)
        #expect(configuration.maximumTrendMagnitude < configuration.maximumHeat)
    }

    @Test func oneCallThisWeek() {
        // 12 (inbound call) + 1 x (600 s / 300 s) = 14; heat = 64 x 14; trend = 64 x (14 - 0).
        let result = score([event("E1", .call, .inbound, age: 0, seconds: 600)])
        #expect(result.heat == 896)
        #expect(result.trend == 896)
        #expect(result.level == .cold)
        #expect(!result.cooling)
    }

    @Test func repliedEmailTwoWeeksAgo() {
        // 3 (outbound email) + 4 (reply within 48 h) = 7; d(2) = 56.
        let result = score([event("E1", .email, .outbound, age: 2, replied: 48)])
        #expect(result.heat == 392)
        #expect(result.trend == 448)
    }

    @Test func lateReplyDoesNotCount() {
        #expect(score([event("E1", .email, .outbound, age: 0, replied: 48.5)]).heat == 64 * 3)
    }

    @Test func capsEachBucketAndFlagsCooling() {
        // 100 inbound calls five weeks ago: count capped at 63 -> 12 x 63 = 756; d(5) = 45.
        let events = (0..<100).map { event("E\($0)", .call, .inbound, age: 5, seconds: 0) }
        let result = score(events)
        #expect(result.heat == 45 * 756)
        #expect(result.trend == -64 * 756)
        #expect(result.level == .warm)
        #expect(result.cooling)  // 100 x trend + 25 x heat < 0 and heat >= 4000
    }

    @Test func capsDurationUnits() {
        // Two meetings of 4 hours: 28,800 s / 300 = 96 units, capped at 63; 2 x 16 + 63 = 95.
        let result = score([event("E1", .meeting, .outbound, age: 0, seconds: 14_400), event("E2", .meeting, .outbound, age: 0, seconds: 14_400)])
        #expect(result.heat == 64 * 95)
    }

    @Test func ignoresEventsOutsideTheWindowAndDuplicates() {
        let result = score([
            event("E1", .message, .inbound, age: 0),
            event("E1", .message, .inbound, age: 0),   // duplicate event id
            event("E2", .message, .inbound, age: -1),  // after the reference week
            event("E3", .message, .inbound, age: 52),  // outside the 52-week window
            event("E4", .message, .inbound, age: 51),  // last week of the window: d(51) = 2
        ])
        #expect(result.heat == 64 * 3 + 2 * 3)
    }

    @Test func smallCustomConfiguration() throws {
        let json = #"{"windowWeeks": 8, "trendWeeks": 2, "halfLifeWeeks": 1, "decayScale": 4, "levels": {"cool": 10, "warm": 20, "hot": 30}, "cooling": {"trendPercent": 10, "minimumHeat": 5}}"#
        let configuration = try HeatConfiguration.decode(Data(json.utf8), source: "heat.json")
        // 4 x 2^(-a): 4, 2, 1, 0.5 -> 1 (rounded away from zero), 0.25 -> 0, ...
        #expect(configuration.decayFactors == [4, 2, 1, 1, 0, 0, 0, 0])
        let steady = (0..<8).map { event("E\($0)", .message, .inbound, age: $0) }
        let result = score(steady, configuration: configuration)
        #expect(result.heat == 3 * (4 + 2 + 1 + 1))
        #expect(result.trend == 0)
        #expect(result.level == .warm)
        #expect(!result.cooling)
        let fading = [event("A", .message, .inbound, age: 2), event("B", .message, .inbound, age: 3)]
        let faded = score(fading, configuration: configuration)
        #expect(faded.heat == 3 * (1 + 1))
        #expect(faded.trend == 4 * (0 - 6))
        #expect(faded.cooling)  // heat 6 >= 5, 100 x (-24) + 10 x 6 < 0
        #expect(faded.level == .cold)
    }

    @Test func levelsAndCoolingRuleUseTheThresholds() {
        let configuration = HeatConfiguration()
        #expect(configuration.level(forHeat: 3_999) == .cold)
        #expect(configuration.level(forHeat: 4_000) == .cool)
        #expect(configuration.level(forHeat: 16_000) == .warm)
        #expect(configuration.level(forHeat: 48_000) == .hot)
        #expect(configuration.isCooling(heat: 10_000, trend: -2_501))
        #expect(!configuration.isCooling(heat: 10_000, trend: -2_500))
        #expect(!configuration.isCooling(heat: 3_999, trend: -3_999))
    }

    @Test func scoresIncludeDirectoryClientsWithoutActivity() {
        var ledger = ActivityLedger()
        ledger.add(event("E1", client: "C2", .call, .inbound, age: 0, seconds: 0))
        let scores = HeatScorer().scores(of: ledger, asOf: Self.asOf, additionalClients: ["C1"])
        #expect(scores.map(\.clientID) == ["C1", "C2"])
        #expect(scores.map(\.heat) == [0, 64 * 12])
        #expect(ledger.latestWeek == Self.asOf)
    }

    @Test func weeklyEventsCoverEveryWeekAndChannel() {
        var ledger = ActivityLedger()
        ledger.add(event("E1", .call, .inbound, age: 0, seconds: 0))
        ledger.add(event("E2", .call, .outbound, age: 0, seconds: 0))
        ledger.add(event("E3", .email, .outbound, age: 1))
        let weekly = ledger.weeklyEvents(from: Self.asOf.advanced(by: -1), through: Self.asOf)
        #expect(weekly.count == 8)
        #expect(weekly.first == WeeklyCount(week: Self.asOf.advanced(by: -1), channel: .call, events: 0))
        #expect(weekly[1].events == 1)
        #expect(weekly[4] == WeeklyCount(week: Self.asOf, channel: .call, events: 2))
    }
}

@Suite struct HeatConfigurationTests {
    @Test func partialFileKeepsDefaults() throws {
        let configuration = try HeatConfiguration.decode(Data(#"{"halfLifeWeeks": 8, "weights": {"call": {"inbound": 20}}}"#.utf8), source: "h.json")
        #expect(configuration.halfLifeWeeks == 8)
        #expect(configuration.weights.call.inbound == 20)
        #expect(configuration.weights.call.outbound == 8)
        #expect(configuration.windowWeeks == 52)
    }

    @Test func roundTripsThroughJSONWithMaximumHeat() throws {
        let configuration = HeatConfiguration(halfLifeWeeks: 12)
        let data = try JSONEncoder().encode(configuration)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"maximumHeat\""))
        #expect(try HeatConfiguration.decode(data, source: "x") == configuration)
    }

    @Test func rejectsAnUnknownKeyNamingIt() {
        #expect(throws: HeatConfigurationError.unknownKey(file: "h.json", key: "levels.warmm")) {
            try HeatConfiguration.decode(Data(#"{"levels": {"warmm": 3}}"#.utf8), source: "h.json")
        }
    }

    @Test func rejectsBadValuesNamingTheKey() throws {
        let cases: [(String, String)] = [
            (#"{"levels": {"cool": 100, "warm": 50}}"#, "levels.warm"),
            (#"{"halfLifeWeeks": 0}"#, "halfLifeWeeks"),
            (#"{"windowWeeks": "many"}"#, "windowWeeks"),
            (#"{"caps": {"count": 0}}"#, "caps.count"),
            (#"{"weights": {"email": {"inbound": -1}}}"#, "weights.email.inbound"),
            (#"{"cooling": {"trendPercent": 101}}"#, "cooling.trendPercent"),
            (#"{"windowWeeks": 6}"#, "windowWeeks"),
        ]
        for (json, key) in cases {
            do {
                _ = try HeatConfiguration.decode(Data(json.utf8), source: "h.json")
                Issue.record("accepted \(json)")
            } catch {
                guard case .invalidValue(let file, let badKey, _) = error else { Issue.record("wrong error \(error)"); continue }
                #expect(file == "h.json")
                #expect(badKey == key, "for \(json)")
                #expect(error.category.exitCode == 78)
            }
        }
    }

    @Test func rejectsNonJSON() {
        #expect(throws: HeatConfigurationError.notJSONObject(file: "h.json")) {
            try HeatConfiguration.decode(Data("[1]".utf8), source: "h.json")
        }
    }
}
