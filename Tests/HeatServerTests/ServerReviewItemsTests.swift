import Foundation
import HeatCore
import HeatEnvelope
import Testing
@testable import HeatServer

/// Issue 21, the last review items: the document's manager checked against its rows, secret
/// files readable by others refused, gap records for dropped access-log lines, the unchained
/// prefix, and dashboard filters that narrow the client rows.
@Suite(.serialized) struct ServerReviewItemsTests {
    static func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appending(path: "heat-serve3-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func managerDocument(manager: String?, rows: [(String, String?)]) -> ResultsDocument {
        var document = ServerFixture.manager(clients: rows.map(\.0))
        document.manager = manager
        for (index, row) in rows.enumerated() { document.clients?[index].manager = row.1 }
        return document
    }

    static func releaseError(_ body: () throws -> Void) -> ServerError? {
        do { try body(); return nil } catch let error as ServerError { return error } catch { return nil }
    }

    // MARK: The document's manager

    @Test func theManagerFieldIsNormalisedAndCheckedAgainstTheRows() async throws {
        let fixture = try ServerFixture.make()
        try FileManager.default.removeItem(atPath: "\(fixture.releases)/\(ServerFixture.managerA).json")
        // Any case and surrounding spaces name the same manager; the rows name it too.
        let mine = Self.managerDocument(manager: " m-AAAA1111", rows: ServerFixture.clientsA.map { ($0, "M-aaaa1111") })
        try ServerFixture.write(mine, to: "\(fixture.releases)/first.json")
        let catalog = try ReleaseCatalog.load(folder: fixture.releases)
        #expect(catalog.entries.first { $0.name == "first.json" }?.manager == "M-aaaa1111")
        #expect(ReleaseCatalog.normalizedManager("M-AAAA1111") == "M-aaaa1111")
        #expect(ReleaseCatalog.normalizedManager("M-aaaa") == nil)
        #expect(ReleaseCatalog.normalizedManager("X-aaaa1111") == nil)
        #expect(ReleaseCatalog.normalizedManager("M-aaaa111g") == nil)
        // A token naming the manager in another case gets the rows.
        let live = try await LiveServer.start(fixture.configuration())
        let token = try await fixture.token(role: "manager", manager: "M-AAAA1111")
        let rows = try #require(try await live.get("/v1/clients", token: token).data as? [[String: Any]])
        #expect(Set(rows.compactMap { $0["ref"] as? String }) == Set(ServerFixture.clientsA))
        try await live.stop()

        // A document for manager A whose rows belong to manager B is refused, naming the file and row.
        let wrong = Self.managerDocument(manager: ServerFixture.managerA, rows: [(ServerFixture.clientsA[0], ServerFixture.managerA),
                                                                               (ServerFixture.clientsB[0], ServerFixture.managerB)])
        try ServerFixture.write(wrong, to: "\(fixture.releases)/mixed.json")
        let refused = Self.releaseError { _ = try ReleaseCatalog.load(folder: fixture.releases) }
        guard case .badRelease(let path, let reason) = refused else { Issue.record("a foreign row was served: \(String(describing: refused))"); return }
        #expect(path.hasSuffix("mixed.json"))
        #expect(reason.contains("clients[1].manager"), "\(reason)")
        #expect(refused?.category.exitCode == 65)
        // The server does not start on it (exit 65 naming the file and field).
        await #expect(throws: ServerError.self) { _ = try await HeatAPIServer.prepare(fixture.configuration()) }

        // A document that records its manager must name it on every row.
        try ServerFixture.write(Self.managerDocument(manager: ServerFixture.managerA, rows: [(ServerFixture.clientsA[0], nil)]),
                                to: "\(fixture.releases)/mixed.json")
        let unnamed = Self.releaseError { _ = try ReleaseCatalog.load(folder: fixture.releases) }
        #expect(unnamed.map { "\($0)".contains("clients[0].manager") } == true, "\(String(describing: unnamed))")
        // A malformed manager field is refused.
        try ServerFixture.write(Self.managerDocument(manager: "bob", rows: [(ServerFixture.clientsA[0], "bob")]), to: "\(fixture.releases)/mixed.json")
        let malformed = Self.releaseError { _ = try ReleaseCatalog.load(folder: fixture.releases) }
        #expect(malformed.map { "\($0)".contains("field manager") } == true, "\(String(describing: malformed))")
        // An earlier document named after manager B whose rows name manager A is refused too.
        try FileManager.default.removeItem(atPath: "\(fixture.releases)/mixed.json")
        try ServerFixture.write(Self.managerDocument(manager: nil, rows: [(ServerFixture.clientsA[0], ServerFixture.managerA)]),
                                to: "\(fixture.releases)/\(ServerFixture.managerB).json")
        let misnamed = Self.releaseError { _ = try ReleaseCatalog.load(folder: fixture.releases) }
        #expect(misnamed.map { "\($0)".contains("clients[0].manager") } == true, "\(String(describing: misnamed))")
    }

    @Test func aRunningServerRefusesAForeignManagerDocumentAndKeepsServing() async throws {
        let fixture = try ServerFixture.make()
        let live = try await LiveServer.start(fixture.configuration())
        let tokenB = try await fixture.token(role: "manager", manager: ServerFixture.managerB)
        // Manager A's release replaced by one holding manager B's client: never served to either.
        let wrong = Self.managerDocument(manager: ServerFixture.managerA, rows: [(ServerFixture.clientsB[0], ServerFixture.managerB)])
        var newer = wrong
        newer.generatedAt = UTCTimestamp(secondsSinceEpoch: 1_771_300_000)
        try ServerFixture.write(newer, to: "\(fixture.releases)/\(ServerFixture.managerA)-new.json")
        // Wait for the watcher to see the change and refuse it (returns as soon as it has).
        let deadline = Date().addingTimeInterval(300)
        var refused = false
        while !refused && Date() < deadline {
            refused = try await live.get("/metrics").text.contains("heat_release_reload_failures_total")
            if !refused { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(refused, "the watcher never refused the foreign document")
        let tokenA = try await fixture.token(role: "manager", manager: ServerFixture.managerA)
        let rowsA = try #require(try await live.get("/v1/clients", token: tokenA).data as? [[String: Any]])
        #expect(Set(rowsA.compactMap { $0["ref"] as? String }) == Set(ServerFixture.clientsA))
        let rowsB = try #require(try await live.get("/v1/clients", token: tokenB).data as? [[String: Any]])
        #expect(Set(rowsB.compactMap { $0["ref"] as? String }) == Set(ServerFixture.clientsB))
        try await live.stop()
    }

    // MARK: Secret files

    @Test func secretKeyFilesReadableByOthersAreRefusedAtStartup() async throws {
        let folder = try Self.folder()
        let secret = TokenAuthority.base64URLEncode(Array(repeating: 7, count: 32))
        let hsSet = #"{"keys":[{"kty":"oct","kid":"idp-hs","alg":"HS256","k":"\#(secret)"}]}"#
        let path = "\(folder)/idp.json"
        try Data(hsSet.utf8).write(to: URL(filePath: path))
        chmod(path, 0o644)
        let open = Self.releaseError { _ = try ExternalKey.loadSet(path: path) }
        guard case .insecureSecretFile(let named, let reason) = open else { Issue.record("a world-readable HS256 JWKS was accepted"); return }
        #expect(named == path && reason.contains("644"))
        #expect(open?.category.exitCode == 64)
        chmod(path, 0o640)
        #expect(Self.releaseError { _ = try ExternalKey.loadSet(path: path) } != nil, "group-readable is refused too")
        chmod(path, 0o600)
        #expect(try ExternalKey.loadSet(path: path).count == 1)
        // A set of public keys only may be readable by anyone.
        let edSet = #"{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"idp-ed","alg":"EdDSA","x":"\#(secret)"}]}"#
        let publicPath = "\(folder)/idp-public.json"
        try Data(edSet.utf8).write(to: URL(filePath: publicPath))
        chmod(publicPath, 0o644)
        #expect(try ExternalKey.loadSet(path: publicPath).count == 1)

        // The server's own token key too: the start is refused (exit 64) naming the file.
        let fixture = try ServerFixture.make()
        chmod("\(fixture.tokenKeys)/token.key", 0o644)
        let refused: (any Error)? = await {
            do { _ = try await HeatAPIServer.prepare(fixture.configuration()); return nil } catch { return error }
        }()
        guard case .insecureSecretFile(let keyPath, _) = refused as? ServerError else { Issue.record("a readable token key was accepted: \(String(describing: refused))"); return }
        #expect(keyPath.hasSuffix("token.key"))
        // And --jwks with a readable HS256 set.
        chmod("\(fixture.tokenKeys)/token.key", 0o600)
        var configuration = fixture.configuration()
        configuration.jwks = path
        chmod(path, 0o604)
        let jwksRefused: (any Error)? = await {
            do { _ = try await HeatAPIServer.prepare(configuration); return nil } catch { return error }
        }()
        #expect((jwksRefused as? ServerError)?.category.exitCode == 64, "\(String(describing: jwksRefused))")
    }

    // MARK: The access log

    @Test func droppedLinesLeaveAGapRecordThatVerifyLogReports() throws {
        let folder = try Self.folder()
        let key = TokenKey.generate()
        let path = "\(folder)/access.log"
        let log = try AccessLog(path: path, headKey: AccessLogChain.headKey(from: key), keyID: key.keyID, maximumPending: 3)
        log.record(ServerRemainderTests.record(1))
        log.flush()
        // The disk fails: the queue holds 3 lines, the 2 oldest of 5 are dropped.
        log.failNextWrites(1)
        for index in 2...6 { log.record(ServerRemainderTests.record(index)) }
        log.flush()
        #expect(!log.isHealthy)
        #expect(log.droppedLines == 2)
        // The disk works again: a gap record takes the lost lines' place in the chain.
        log.flush()
        #expect(log.isHealthy)
        #expect(log.lastSequence == 5)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let gap = try JSONDecoder().decode(AccessRecord.self, from: Data(lines[1].utf8))
        #expect(gap.outcome == "gap" && gap.dropped == 2 && gap.seq == 2)
        #expect(gap.reason?.contains("2026-11-30T06:00:02Z") == true, "\(gap.reason ?? "")")
        // verify-log reports it: a violation by default (exit 1), listed and counted when allowed.
        #expect(throws: AccessLogError.self) { _ = try AccessLogVerifier.verify(path: path, keys: [key]) }
        do {
            _ = try AccessLogVerifier.verify(path: path, keys: [key])
        } catch {
            guard case .gap(_, let line, let dropped, _) = error else { Issue.record("not a gap: \(error)"); return }
            #expect(line == 2 && dropped == 2)
            #expect(error.category.exitCode == 1)
        }
        let report = try AccessLogVerifier.verify(path: path, keys: [key], allowGaps: true)
        #expect(report.chained == 5 && report.gaps.count == 1 && report.droppedLines == 2 && report.headVerified)
    }

    // MARK: Dashboard filters

    @Test func clientRowsCarryTheirGroupsSoTheDashboardFiltersNarrowThem() throws {
        let policy = PrivacyPolicy.default
        var document = ServerFixture.manager(clients: ServerFixture.clientsA)
        for index in document.clients!.indices {
            document.clients![index].manager = ServerFixture.managerA
            document.clients![index].branch = index == 0 ? "B-11112222" : "B-33334444"
            document.clients![index].segment = "retail"
        }
        // The narrowing keeps only the kinds the role may receive (manager, branch: no segment).
        let (narrowed, _) = try ReleaseEngine(policy: policy).restrict(document, to: "manager")
        let rows = try #require(narrowed.clients)
        #expect(rows.allSatisfy { $0.segment == nil && $0.manager == ServerFixture.managerA })
        #expect(rows.map(\.branch) == ["B-11112222", "B-33334444", "B-33334444"])
        // The page's client rows name their groups, and the branch filter lists the rows' branches.
        let identity = Identity(role: "manager", manager: ServerFixture.managerA, subject: "t", tokenID: "j", expires: Date())
        let html = Dashboard.page(for: narrowed, identity: identity).html
        #expect(html.contains("data-branch=\"B-11112222\""))
        #expect(html.contains("data-manager=\"\(ServerFixture.managerA)\""))
        #expect(!html.contains("data-segment="))
        let select = try #require(html.range(of: "<select id=\"filter-branch\""))
        let options = html[select.lowerBound...].prefix(400)
        #expect(options.contains("<option>B-33334444</option>"))
        // The script narrows the client rows by those attributes.
        #expect(Dashboard.script.contains("row.getAttribute(\"data-\" + p) !== picks[p]"))
    }
}
