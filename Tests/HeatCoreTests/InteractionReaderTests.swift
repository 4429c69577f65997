import Foundation
import Testing
@testable import HeatCore

@Suite struct InteractionReaderTests {
    static let header = "event_id,client_id,manager_id,branch,channel,direction,occurred_at,duration_seconds,replied_within_hours"

    func read(_ text: String, file: String = "in.csv", strict: Bool = false) throws -> ReadReport<Interaction> {
        try InteractionReader(strict: strict).read(data: Data(text.utf8), file: file)
    }

    func readBytes(_ bytes: [UInt8], file: String = "in.csv") throws -> ReadReport<Interaction> {
        try InteractionReader().read(data: Data(bytes), file: file)
    }

    @Test func readsAndNormalisesAGoodFile() throws {
        let text = """
            \(Self.header)
            E1, C001 ,M01,North,Call,OUTBOUND,2026-03-02T10:30:00+01:00,600,
            E2,C002,M01,North,email,inbound,2026-03-03T08:00:00Z,,3.5

            """
        let report = try read(text)
        #expect(report.isClean)
        #expect(report.rowsRead == 2)
        let first = try #require(report.records.first)
        #expect(first.clientID == "C001")
        #expect(first.channel == .call)
        #expect(first.direction == .outbound)
        #expect(first.occurredAt.iso8601 == "2026-03-02T09:30:00Z")
        #expect(first.durationSeconds == 600)
        #expect(first.repliedWithinHours == nil)
        #expect(report.records[1].durationSeconds == nil)
        #expect(report.records[1].repliedWithinHours == 3.5)
    }

    @Test func eventIDIsOptionalAndDerivedFromNormalisedFields() throws {
        let header = "client_id,manager_id,branch,channel,direction,occurred_at,duration_seconds,replied_within_hours"
        let a = try read("\(header)\nC001,M01,North,CALL,inbound,2026-03-02T10:30:00+01:00,60,\n")
        let b = try read("\(header)\n C001 ,M01,North,call,Inbound,2026-03-02T09:30:00Z,60,\n")
        let first = try #require(a.records.first)
        #expect(first.eventID == nil)
        #expect(first.derivedEventID == b.records.first?.derivedEventID)
    }

    @Test func acceptsBOMAndCRLF() throws {
        let text = "\u{FEFF}\(Self.header)\r\nE1,C001,M01,North,call,inbound,2026-03-02T09:30:00Z,60,\r\nE2,C002,M01,North,message,outbound,2026-03-02T09:31:00Z,,\r\n"
        let report = try read(text)
        #expect(report.isClean)
        #expect(report.records.map(\.clientID) == ["C001", "C002"])
        #expect(report.records[0].durationSeconds == 60)
    }

    @Test func acceptsAMissingFinalNewline() throws {
        let report = try read("\(Self.header)\nE1,C001,M01,North,email,inbound,2026-03-02T09:30:00Z,,1.5")
        #expect(report.isClean)
        #expect(report.records.first?.repliedWithinHours == 1.5)
    }

    @Test func acceptsAHeaderOnlyFile() throws {
        let report = try read(Self.header)
        #expect(report.records.isEmpty)
        #expect(report.rowsRead == 0)
        #expect(report.isClean)
    }

    @Test func rejectsAMissingColumnNamingIt() throws {
        let text = "client_id,manager_id,branch,channel,direction,duration_seconds,replied_within_hours\nC1,M1,B,call,inbound,1,\n"
        #expect(throws: IngestError.self) { try read(text) }
        do {
            _ = try read(text)
        } catch let error as IngestError {
            guard case .missingColumns(_, let missing, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(missing == ["occurred_at"])
            #expect(error.description.contains("\"occurred_at\""))
            #expect(error.category.exitCode == 65)
        }
    }

    @Test func rejectsABadDateWithLineAndColumn() throws {
        let text = "\(Self.header)\nE1,C001,M01,North,call,inbound,2026-03-02T09:30:00Z,60,\nE2,C001,M01,North,call,inbound,2026-02-30T09:30:00Z,60,\n"
        let report = try read(text)
        #expect(report.records.count == 1)
        let reject = try #require(report.rejects.first)
        #expect(reject.line == 3)
        #expect(reject.column == 7)
        #expect(reject.field == "occurred_at")
        #expect(reject.reason.contains("2026-02-30T09:30:00Z"))
        #expect(reject.description.hasPrefix("in.csv:3: column 7 (occurred_at): bad date-time"))
    }

    @Test func rejectsADateWithoutTimeZone() throws {
        let report = try read("\(Self.header)\nE1,C001,M01,North,call,inbound,2026-03-02T09:30:00,60,\n")
        let reject = try #require(report.rejects.first)
        #expect(reject.line == 2)
        #expect(reject.column == 7)
        #expect(reject.reason.contains("time zone"))
    }

    @Test func rejectsANegativeDuration() throws {
        let report = try read("\(Self.header)\nE1,C001,M01,North,call,inbound,2026-03-02T09:30:00Z,-5,\n")
        let reject = try #require(report.rejects.first)
        #expect(report.records.isEmpty)
        #expect(reject.line == 2)
        #expect(reject.column == 8)
        #expect(reject.field == "duration_seconds")
        #expect(reject.reason.contains("negative duration \"-5\""))
    }

    @Test func requiresADurationForCallsOnly() throws {
        let report = try read("\(Self.header)\nE1,C001,M01,North,meeting,inbound,2026-03-02T09:30:00Z,,\nE2,C001,M01,North,email,inbound,2026-03-02T09:30:00Z,,\nE3,C001,M01,North,call,inbound,2026-03-02T09:30:00Z,9 min,\n")
        #expect(report.records.map(\.eventID) == ["E2"])
        #expect(report.rejects.map(\.line) == [2, 4])
        #expect(report.rejects.map(\.column) == [8, 8])
        #expect(report.rejects[1].reason.contains("is not a number of seconds"))
    }

    @Test func rejectsBadReplyHours() throws {
        let report = try read("\(Self.header)\nE1,C001,M01,North,email,inbound,2026-03-02T09:30:00Z,,-1\nE2,C001,M01,North,email,inbound,2026-03-02T09:30:00Z,,soon\n")
        #expect(report.rejects.map(\.line) == [2, 3])
        #expect(report.rejects.map(\.column) == [9, 9])
        #expect(report.rejects[0].reason.contains("negative"))
    }

    @Test func rejectsAnUnknownChannelListingValidOnes() throws {
        let report = try read("\(Self.header)\nE1,C001,M01,North,fax,inbound,2026-03-02T09:30:00Z,60,\n")
        let reject = try #require(report.rejects.first)
        #expect(reject.line == 2)
        #expect(reject.column == 5)
        #expect(reject.field == "channel")
        #expect(reject.reason == "unknown channel \"fax\" (valid: call, email, meeting, message)")
    }

    @Test func rejectsAnEmptyFile() throws {
        #expect(throws: IngestError.emptyFile(file: "in.csv")) { try read("") }
        #expect(IngestError.emptyFile(file: "in.csv").description == "in.csv: the file is empty (0 bytes)")
    }

    @Test func rejectsAWhiteSpaceOnlyFile() throws {
        #expect(throws: IngestError.noHeader(file: "in.csv")) { try read("\u{FEFF}\r\n\n") }
    }

    @Test func detectsASemicolonDelimiter() throws {
        let text = "event_id;client_id;manager_id;branch;channel;direction;occurred_at;duration_seconds;replied_within_hours\nE1;C1;M1;B;call;inbound;2026-03-02T09:30:00Z;60;\n"
        #expect(throws: IngestError.semicolonDelimiter(file: "in.csv")) { try read(text) }
        #expect(IngestError.semicolonDelimiter(file: "in.csv").description.contains("semicolons"))
    }

    @Test func rejectsNonUTF8BytesWithLineAndByteOffset() throws {
        let head = Array("\(Self.header)\nE1,C001,M01,North,call,inbound,2026-03-02T09:30:00Z,60,\n".utf8)
        let bad = Array("E2,C002,M01,Z".utf8) + [0xFC] + Array("rich,call,inbound,2026-03-02T09:30:00Z,60,\n".utf8)
        let report = try readBytes(head + bad)
        #expect(report.records.count == 1)
        let reject = try #require(report.rejects.first)
        #expect(reject.line == 3)
        #expect(reject.column == 4)
        #expect(reject.field == "branch")
        #expect(reject.reason.contains("invalid UTF-8 byte 0xFC at byte offset \(head.count + 13)"))
    }

    @Test func acceptsValidMultiByteUTF8() throws {
        let report = try read("\(Self.header)\nE1,C001,M01,Zürich €,call,inbound,2026-03-02T09:30:00Z,60,\n")
        #expect(report.records.first?.branch == "Zürich €")
    }

    @Test func rejectsNULBytes() throws {
        let head = Array("\(Self.header)\n".utf8)
        let bad = Array("E1,C0".utf8) + [0] + Array("01,M01,North,call,inbound,2026-03-02T09:30:00Z,60,\n".utf8)
        let report = try readBytes(head + bad)
        let reject = try #require(report.rejects.first)
        #expect(reject.line == 2)
        #expect(reject.column == 2)
        #expect(reject.reason.contains("NUL byte (0x00) at byte offset \(head.count + 5)"))
    }

    @Test func rejectsARaggedRowWithExpectedAndFoundCounts() throws {
        let report = try read("\(Self.header)\nE1,C001,M01,North,call,inbound,2026-03-02T09:30:00Z,60\nE2,C001,M01,North,call,inbound,2026-03-02T09:30:00Z,60,\n")
        #expect(report.records.count == 1)
        let reject = try #require(report.rejects.first)
        #expect(reject.line == 2)
        #expect(reject.column == nil)
        #expect(reject.reason == "expected 9 fields (as in the header), found 8")
    }

    @Test func rejectsALastLineCutInsideAQuotedField() throws {
        let report = try read("\(Self.header)\nE1,C001,M01,North,call,inbound,2026-03-02T09:30:00Z,60,\nE2,C002,M01,\"North")
        #expect(report.records.count == 1)
        let reject = try #require(report.rejects.first)
        #expect(reject.line == 3)
        #expect(reject.column == 4)
        #expect(reject.reason.contains("not closed before the end of the file"))
    }

    @Test func handlesRFC4180Quoting() throws {
        let text = "\(Self.header)\n\"E,1\",\"C\"\"01\",M01,\"North\nside\",call,inbound,2026-03-02T09:30:00Z,60,\nE2,C002,M01,North,call,inbound,2026-03-02T09:30:00Z,60,x\n"
        let report = try read(text)
        #expect(report.records.first?.eventID == "E,1")
        #expect(report.records.first?.clientID == "C\"01")
        #expect(report.records.first?.branch == "North\nside")
        let reject = try #require(report.rejects.first)
        #expect(reject.line == 4)
        #expect(reject.column == 9)
    }

    @Test func strictModeKeepsNothing() throws {
        let text = "\(Self.header)\nE1,C001,M01,North,call,inbound,2026-03-02T09:30:00Z,60,\nE2,C001,M01,North,fax,inbound,2026-03-02T09:30:00Z,60,\n"
        do {
            _ = try read(text, strict: true)
            Issue.record("strict mode accepted a bad row")
        } catch let error as IngestError {
            guard case .rejectedInStrictMode(_, let count, let first) = error else { Issue.record("wrong error"); return }
            #expect(count == 1)
            #expect(first.line == 3)
            #expect(error.category.exitCode == 65)
        }
    }

    @Test func readsJSONLines() throws {
        let text = """
            {"event_id":"E1","client_id":"C001","manager_id":"M01","branch":"North","channel":"call","direction":"inbound","occurred_at":"2026-03-02T09:30:00Z","duration_seconds":600,"replied_within_hours":null}
            {"client_id":"C\\u00fc2","manager_id":"M01","branch":"N\\"S","channel":"email","direction":"outbound","occurred_at":"2026-03-02T09:30:00Z"}

            {"client_id":"C3","manager_id":"M01","branch":"North","channel":"fax","direction":"outbound","occurred_at":"2026-03-02T09:30:00Z"}
            {"client_id":"C4",
            """
        let report = try read(text, file: "in.jsonl")
        #expect(report.format == .jsonLines)
        #expect(report.records.count == 2)
        #expect(report.records[0].durationSeconds == 600)
        #expect(report.records[1].clientID == "Cü2")
        #expect(report.records[1].branch == "N\"S")
        #expect(report.rejects.map(\.line) == [4, 5])
        #expect(report.rejects[0].field == "channel")
        #expect(report.rejects[0].column == 66)
    }

    @Test func detectsJSONLinesByContent() throws {
        let text = "{\"client_id\":\"C1\",\"manager_id\":\"M\",\"branch\":\"B\",\"channel\":\"call\",\"direction\":\"inbound\",\"occurred_at\":\"2026-03-02T09:30:00Z\",\"duration_seconds\":\"60\"}\n"
        let report = try read(text, file: "export.txt")
        #expect(report.format == .jsonLines)
        #expect(report.records.first?.durationSeconds == 60)
    }

    @Test func reportsAMissingFileAsNoInput() throws {
        let url = URL(filePath: "/nonexistent/interactions.csv")
        #expect(throws: IngestError.noSuchFile(file: url.path)) { try InteractionReader().read(contentsOf: url) }
        #expect(IngestError.noSuchFile(file: "x").category.exitCode == 66)
    }

    @Test func streamsAFileFromDisk() throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "heat-reader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appending(path: "in.csv")
        try Data("\(Self.header)\nE1,C001,M01,North,call,inbound,2026-03-02T09:30:00Z,60,\nE2,C001,M01,North,fax,inbound,2026-03-02T09:30:00Z,60,\n".utf8).write(to: url)
        var seen: [String] = []
        let summary = try InteractionReader().stream(contentsOf: url) { seen.append($0.eventID ?? "") }
        #expect(seen == ["E1"])
        #expect(summary.accepted == 1)
        #expect(summary.rejectedRows == 1)
        #expect(summary.rejects.first?.file == url.path)
    }
}
