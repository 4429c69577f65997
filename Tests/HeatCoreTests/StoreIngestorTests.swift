import Foundation
import GRDB
import HeatEnvelope
import Testing
@testable import HeatCore

@Suite struct StoreIngestorTests {
    let key = PseudonymisationKey.insecureDerived(from: "store-ingestor-tests")

    func source(_ name: String) -> StoreIngestor.Source {
        StoreIngestor.Source(name: name, inputHash: String(repeating: "0", count: 64))
    }

    @Test func bucketsCountMinutesAndReplies() throws {
        let (store, _) = try StoreTestSupport.makeStore()
        let rows = [
            try StoreTestSupport.interaction(event: "E1", client: "C1", at: "2026-03-02T09:00:00Z", seconds: 61),
            try StoreTestSupport.interaction(event: "E2", client: "C1", at: "2026-03-08T23:59:59Z", seconds: 120, replyHours: 48),
            try StoreTestSupport.interaction(event: "E3", client: "C1", at: "2026-03-09T00:00:00Z", seconds: nil, replyHours: 49),
            try StoreTestSupport.interaction(event: "E4", client: "C2", channel: .email, direction: .inbound, seconds: nil, replyHours: 2),
        ]
        let client = Client(clientID: "C2", segment: "affluent", region: "North",
                            openedOn: CalendarDate(year: 2019, month: 4, day: 1), managerID: "M9", branch: "B9")
        let report = try StoreIngestor(key: key).ingest(rows, clients: [client], into: store, source: source("a.csv"))
        #expect(report.rowsRead == 4)
        #expect(report.eventsAdded == 4)
        #expect(report.duplicatesSkipped == 0)
        #expect(report.clientsAdded == 2)
        #expect(report.bucketRowsAdded == 3)
        let buckets = try ClientDirectory.buckets(in: store)
        let pseudonymizer = Pseudonymizer(key: key)
        let c1 = pseudonymizer.pseudonym(for: "C1", kind: .client)
        let c2 = pseudonymizer.pseudonym(for: "C2", kind: .client)
        let week10 = try #require(ISOWeek(year: 2026, week: 10))
        let week11 = try #require(ISOWeek(year: 2026, week: 11))
        #expect(buckets.contains(StoredBucket(client: c1, slot: 1, week: week10, channel: .call, direction: .outbound,
                                              events: 2, durationSeconds: 181, replies: 1)))
        #expect(buckets.contains(StoredBucket(client: c1, slot: 1, week: week11, channel: .call, direction: .outbound,
                                              events: 1, durationSeconds: 0, replies: 0)))
        #expect(buckets.contains(StoredBucket(client: c2, slot: 0, week: week10, channel: .email, direction: .inbound,
                                              events: 1, durationSeconds: 0, replies: 1)))
        let entries = try ClientDirectory.entries(in: store)
        #expect(entries.map(\.ref) == [c2.displayRef, c1.displayRef])
        #expect(entries[0].segment == "affluent")
        #expect(entries[0].manager == pseudonymizer.pseudonym(for: "M9", kind: .manager).displayRef)
        #expect(entries[1].manager == pseudonymizer.pseudonym(for: "MGR-ALPHA-77", kind: .manager).displayRef)
        #expect(entries[1].events == 3)
        #expect(try ClientDirectory.entries(in: store, filter: ClientFilter(segment: "AFFLUENT")).count == 1)
        #expect(try ClientDirectory.entries(in: store, filter: ClientFilter(search: String(c1.displayRef.prefix(5)))).contains { $0.ref == c1.displayRef })
        #expect(try ClientDirectory.entries(in: store, filter: ClientFilter(branch: "B-zzz")).isEmpty)
        try store.read { db in
            let encodings = try String.fetchAll(db, sql: "SELECT DISTINCT encoding FROM weekly_buckets")
            #expect(encodings == ["plaintext-test-only"])
        }
    }

    @Test func duplicateAndOverlappingFilesAreDeduplicated() throws {
        let (store, _) = try StoreTestSupport.makeStore()
        let ingestor = StoreIngestor(key: key)
        let first = try ingestor.ingest(try StoreTestSupport.interactions(0..<50), clients: [], into: store, source: source("a.csv"))
        #expect(first.eventsAdded == 50)
        let totalsAfterFirst = try ClientDirectory.buckets(in: store)
        let again = try ingestor.ingest(try StoreTestSupport.interactions(0..<50), clients: [], into: store, source: source("a.csv"))
        #expect(again.eventsAdded == 0)
        #expect(again.duplicatesSkipped == 50)
        #expect(again.bucketRowsAdded == 0)
        #expect(try ClientDirectory.buckets(in: store) == totalsAfterFirst)
        let overlap = try ingestor.ingest(try StoreTestSupport.interactions(40..<70), clients: [], into: store, source: source("b.csv"))
        #expect(overlap.eventsAdded == 20)
        #expect(overlap.duplicatesSkipped == 10)
        // The totals equal a single ingestion of the union.
        let (reference, _) = try StoreTestSupport.makeStore()
        _ = try ingestor.ingest(try StoreTestSupport.interactions(0..<70), clients: [], into: reference, source: source("all.csv"))
        #expect(try ClientDirectory.buckets(in: store) == ClientDirectory.buckets(in: reference))
        // Duplicates inside one file count once; rows without event ids de-duplicate on their derived id.
        let row = try StoreTestSupport.interaction(event: nil, client: "C-NEW")
        let within = try ingestor.ingest([row, row, row], clients: [], into: store, source: source("c.csv"))
        #expect(within.eventsAdded == 1)
        #expect(within.duplicatesSkipped == 2)
        #expect(try StoreTestSupport.chainViolations(store).isEmpty)
    }

    @Test(arguments: [0, 1, 25, 49, 50])
    func faultInjectedAbortLeavesTheStoreUnchanged(abortAfter: Int) throws {
        let (store, _) = try StoreTestSupport.makeStore()
        let ingestor = StoreIngestor(key: key)
        _ = try ingestor.ingest(try StoreTestSupport.interactions(0..<20), clients: [], into: store, source: source("a.csv"))
        try store.checkpoint()
        let before = try StoreTestSupport.dump(store.path)
        var faulty = ingestor
        faulty.faultAbortAfterRows = abortAfter
        let client = Client(clientID: "C-FILE-ONLY", segment: "retail", region: "South", openedOn: nil, managerID: "M1", branch: "B1")
        let error = #expect(throws: StoreIngestorError.self) {
            _ = try faulty.ingest(try StoreTestSupport.interactions(10..<60), clients: [client], into: store, source: source("b.csv"))
        }
        #expect(error == .faultInjected(afterRows: abortAfter))
        #expect(try StoreTestSupport.dump(store.path) == before)
        // The store still works and the same file then ingests normally.
        let report = try ingestor.ingest(try StoreTestSupport.interactions(10..<60), clients: [], into: store, source: source("b.csv"))
        #expect(report.eventsAdded == 40)
        #expect(report.run == 2)
    }

    @Test func faultSettingIsParsedFromTheEnvironment() throws {
        #expect(try StoreIngestor.faultSetting(from: [:]) == nil)
        #expect(try StoreIngestor.faultSetting(from: ["HEAT_FAULT_ABORT_AFTER_ROWS": "12"]) == 12)
        #expect(throws: StoreIngestorError.badFaultSetting(value: "-3")) {
            _ = try StoreIngestor.faultSetting(from: ["HEAT_FAULT_ABORT_AFTER_ROWS": "-3"])
        }
    }

    @Test func noRawIdentifierReachesTheDatabaseFile() throws {
        let (store, directory) = try StoreTestSupport.makeStore()
        let keys = try KeyFolder.generate(at: directory.appending(path: "keys").path)
        try KeyRegistry.recordGenerated(keys, in: store)
        let rows = try StoreTestSupport.interactions(0..<200)
        let clients = (0..<7).map {
            Client(clientID: "CLIENT-RAW-\($0)", segment: "retail", region: "North", openedOn: nil,
                   managerID: "MGR-RAW-\($0 % 3)", branch: "BRANCH-RAW-\($0 % 2)")
        }
        _ = try StoreIngestor(key: keys.pseudonymisationKey, signer: StoreTestSupport.signer(keys))
            .ingest(rows, clients: clients, into: store, source: source("raw.csv"))
        _ = try HeadSigner.sign(store: store, with: keys.signingKey, anchor: .firstHead)
        // Before the checkpoint the data sits in the WAL; scan it too, then the main file after.
        var files = [store.path, store.path + "-wal"].compactMap { FileManager.default.contents(atPath: $0) }
        try store.checkpoint()
        files += [store.path, store.path + "-wal"].compactMap { FileManager.default.contents(atPath: $0) }
        #expect(files.count >= 2)
        let needles = ["CLIENT-RAW-", "MGR-RAW-", "BRANCH-RAW-", "EVT-RAW-"].map { Data($0.utf8) }
        for bytes in files {
            for needle in needles {
                #expect(bytes.range(of: needle) == nil, "found \(String(decoding: needle, as: UTF8.self)) in the database bytes")
            }
        }
        // The scan can fail: the same ids are found in a table written on purpose.
        try StoreTestSupport.attacker(store.path).write { db in
            try db.execute(sql: "CREATE TABLE leak (v TEXT)")
            try db.execute(sql: "INSERT INTO leak VALUES ('CLIENT-RAW-1')")
        }
        try store.checkpoint()
        let leaked = try #require(FileManager.default.contents(atPath: store.path))
        #expect(leaked.range(of: needles[0]) != nil)
    }

    @Test func streamingFromTheReaderKeepsGoodRowsOrNothingInStrictMode() throws {
        let directory = try StoreTestSupport.temporaryDirectory()
        let file = directory.appending(path: "export.csv")
        try Data("""
            event_id,client_id,manager_id,branch,channel,direction,occurred_at,duration_seconds,replied_within_hours
            E1,C1,M1,North,call,outbound,2026-03-02T09:30:00Z,600,
            E2,C1,M1,North,fax,outbound,2026-03-02T10:30:00Z,600,
            E3,C2,M1,North,email,inbound,2026-03-03T10:30:00+01:00,,3

            """.utf8).write(to: file)
        let (store, _) = try StoreTestSupport.makeStore()
        try store.checkpoint()
        let before = try StoreTestSupport.dump(store.path)
        let ingestor = StoreIngestor(key: key)
        #expect(throws: IngestError.self) {
            _ = try ingestor.ingest(clients: [], into: store, source: source("export.csv"), strict: true) { sink in
                try InteractionReader(strict: true).stream(contentsOf: file) { try sink($0) }.rejectedRows
            }
        }
        #expect(try StoreTestSupport.dump(store.path) == before)
        let report = try ingestor.ingest(clients: [], into: store, source: source("export.csv"), strict: false) { sink in
            try InteractionReader().stream(contentsOf: file) { try sink($0) }.rejectedRows
        }
        #expect(report.rowsRead == 2)
        #expect(report.rowsRejected == 1)
        #expect(report.eventsAdded == 2)
        let entry = try #require(try AuditLog.entries(in: store, action: "ingest").first)
        #expect(entry.parameters["rowsRejected"] == "1")
    }

    @Test func sameEventIDOfTwoClientsDoesNotCollide() throws {
        let (store, _) = try StoreTestSupport.makeStore()
        let rows = [
            try StoreTestSupport.interaction(event: "EVT-1", client: "CLIENT-A"),
            try StoreTestSupport.interaction(event: "EVT-1", client: "CLIENT-B"),
            try StoreTestSupport.interaction(event: "EVT-1", client: "CLIENT-A"),
        ]
        let report = try StoreIngestor(key: key).ingest(rows, clients: [], into: store, source: source("a.csv"))
        #expect(report.eventsAdded == 2)
        #expect(report.duplicatesSkipped == 1)
        // The key is an HMAC over the length-prefixed tuple: moving bytes between the two ids changes it.
        let pseudonymizer = Pseudonymizer(key: key)
        #expect(pseudonymizer.eventKey(clientID: "AB", eventID: "C") != pseudonymizer.eventKey(clientID: "A", eventID: "BC"))
        #expect(pseudonymizer.eventKey(clientID: "A", eventID: "E").count == 32)
    }

    @Test func rejectReportsNeverEchoRawIdentifiers() throws {
        let csv = """
            client_id,segment,region,opened_on,manager_id,branch
            CLIENT-SECRET-42,retail,North,2020-01-01,M1,B1
            CLIENT-SECRET-42,retail,North,2020-01-01,M1,B1

            """
        let report = try ClientReader().read(data: Data(csv.utf8), file: "clients.csv")
        #expect(report.rejectedRows == 1)
        #expect(!report.rejectReport.contains("CLIENT-SECRET-42"))
        #expect(report.rejectReport.contains("clients.csv:3: column 1 (client_id): duplicate client_id (first on line 2)"))
    }
}
