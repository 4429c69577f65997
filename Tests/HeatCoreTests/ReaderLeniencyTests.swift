import Foundation
import Testing
@testable import HeatCore

/// Decimal durations and unknown fields: the readers forgive what carries no wrong meaning
/// (Docs/InputFormats.md).
@Suite struct ReaderLeniencyTests {
    static let header = "event_id,client_id,manager_id,branch,channel,direction,occurred_at,duration_seconds,replied_within_hours"

    func read(_ text: String, file: String = "in.csv") throws -> ReadReport<Interaction> {
        try InteractionReader().read(data: Data(text.utf8), file: file)
    }

    @Test(arguments: [("540.0", 540), ("540", 540), ("12.5", 12), ("13.5", 14), ("0.49", 0), ("59.51", 60), ("+7.5", 8), ("-0.2", 0)])
    func decimalDurationsRoundHalfToEven(text: String, seconds: Int) throws {
        let report = try read("\(Self.header)\nE1,C1,M1,North,call,inbound,2026-03-02T09:30:00Z,\(text),\n")
        #expect(report.rejects.isEmpty, "\(report.rejectReport)")
        #expect(report.records.first?.durationSeconds == seconds)
    }

    @Test func badDecimalDurationsAreStillRejected() throws {
        let report = try read("""
            \(Self.header)
            E1,C1,M1,North,call,inbound,2026-03-02T09:30:00Z,-3.5,
            E2,C1,M1,North,call,inbound,2026-03-02T09:30:00Z,2678400.6,
            E3,C1,M1,North,call,inbound,2026-03-02T09:30:00Z,1e3,
            E4,C1,M1,North,call,inbound,2026-03-02T09:30:00Z,2678400.4,
            """)
        #expect(report.records.map(\.eventID) == ["E4"])
        #expect(report.rejects.map(\.line) == [2, 3, 4])
        #expect(report.rejects[0].reason.contains("negative duration"))
        #expect(report.rejects[1].reason.contains("exceeds"))
        #expect(report.rejects[2].reason.contains("is not a number of seconds"))
    }

    @Test func unknownCSVColumnsAreIgnoredAndListedOnce() throws {
        let report = try read("""
            \(Self.header),note,Score
            E1,C1,M1,North,call,inbound,2026-03-02T09:30:00Z,60,,hello,3
            E2,C1,M1,North,email,inbound,2026-03-02T09:30:00Z,,,bye,4
            """)
        #expect(report.records.count == 2)
        #expect(report.ignoredFields == ["note", "score"])
        #expect(report.ignoredFieldsNote == "in.csv: ignored 2 unknown columns (not part of the format): \"note\", \"score\"")
        let clean = try read("\(Self.header)\nE1,C1,M1,North,call,inbound,2026-03-02T09:30:00Z,60,\n")
        #expect(clean.ignoredFields.isEmpty && clean.ignoredFieldsNote == nil)
    }

    @Test func unknownJSONKeysAreIgnoredWhateverTheirValue() throws {
        let text = """
            {"client_id":"C1","manager_id":"M1","branch":"North","channel":"call","direction":"inbound","occurred_at":"2026-03-02T09:30:00Z","duration_seconds":60,"meta":{"source":"crm","tags":["a","}]"],"n":{"x":[1,2,{"y":null}]}}}
            {"client_id":"C2","extra":[1,2,3],"manager_id":"M1","branch":"North","channel":"email","direction":"outbound","occurred_at":"2026-03-02T09:30:00Z","meta":{}}
            {"client_id":"C3","manager_id":"M1","branch":"North","channel":"email","direction":"outbound","occurred_at":"2026-03-02T09:30:00Z","flag":true}
            """
        let report = try read(text, file: "in.jsonl")
        #expect(report.rejects.isEmpty, "\(report.rejectReport)")
        #expect(report.records.map(\.clientID) == ["C1", "C2", "C3"])
        #expect(report.records.first?.durationSeconds == 60)
        #expect(report.ignoredFields == ["meta", "extra", "flag"])
        #expect(report.ignoredFieldsNote?.contains("ignored 3 unknown keys") == true)
    }

    @Test func nestedValuesOfFormatKeysAndBrokenNestingAreStillRejected() throws {
        let text = """
            {"client_id":{"id":"C1"},"manager_id":"M1","branch":"North","channel":"call","direction":"inbound","occurred_at":"2026-03-02T09:30:00Z","duration_seconds":60}
            {"client_id":"C2","manager_id":"M1","branch":"North","channel":"call","direction":"inbound","occurred_at":"2026-03-02T09:30:00Z","duration_seconds":60,"meta":{"a":[1,2}
            """
        let report = try read(text, file: "in.jsonl")
        #expect(report.records.isEmpty)
        #expect(report.rejects.count == 2)
        #expect(report.rejects[0].reason.contains("nested object or array"))
        #expect(report.rejects[1].field == "meta")
    }

    @Test func clientReaderListsUnknownColumnsToo() throws {
        let report = try ClientReader().read(
            data: Data("client_id,segment,region,opened_on,manager_id,branch,email\nC1,retail,North,,M1,B1,x@example.com\n".utf8),
            file: "clients.csv")
        #expect(report.records.count == 1)
        #expect(report.ignoredFields == ["email"])
        #expect(report.ignoredFieldsNote == "clients.csv: ignored 1 unknown column (not part of the format): \"email\"")
    }
}
