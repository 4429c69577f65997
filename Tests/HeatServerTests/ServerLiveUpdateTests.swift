import Crypto
import Foundation
import HeatEnvelope
import Testing
@testable import HeatCore
@testable import HeatServer

/// Issue 21, session 33: the dashboard's live view (re-render in place), the verified-token
/// cache, the encoded-answer cache, the access log's writer thread and the manager field of the
/// key holder's encrypted manager release.
@Suite(.serialized) struct ServerLiveUpdateTests {
    static func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appending(path: "heat-serve4-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The refusal code `verify` throws, or `nil` when it accepts.
    static func refusal(_ verify: () async throws -> Identity) async -> String? {
        do {
            _ = try await verify()
            return nil
        } catch let refusal as TokenRefusal {
            return refusal.code
        } catch {
            return "\(error)"
        }
    }

    // MARK: 1. The live view

    @Test func theDashboardRerendersFromTheLiveViewNotByReloading() {
        let script = Dashboard.script
        // The script rebuilds the page from GET /v1/dashboard; it never reloads it.
        #expect(!script.contains("location.reload"), "the dashboard reloads the page on a new release")
        #expect(script.contains("fetch(\"/v1/dashboard\""))
        #expect(script.contains("events.addEventListener(\"release\", refresh)"))
        #expect(script.contains("new DOMParser()") && script.contains("getElementById(\"report-root\")"))
        // Same CSP as before: no eval, no inline handlers, no innerHTML of server text.
        #expect(!script.contains("eval(") && !script.contains("new Function") && !script.contains("innerHTML"))
    }

    @Test func theLiveViewIsTheRolesReleaseAndFollowsANewRelease() async throws {
        let fixture = try ServerFixture.make()
        let live = try await LiveServer.start(fixture.configuration())
        let executive = try await fixture.token(role: "executive")
        let manager = try await fixture.token(role: "manager", manager: ServerFixture.managerA)

        // No credential: refused like every /v1/ route.
        #expect(try await live.get("/v1/dashboard").status == 401)
        #expect(try await live.get("/v1/dashboard?x=1", token: executive).errorCode == "unknown_field")

        // The page wraps the report in the container the script replaces.
        let page = try await live.get("/dashboard", token: executive)
        #expect(page.status == 200 && page.text.contains("<div id=\"report-root\">"))

        let first = try await live.get("/v1/dashboard", token: executive)
        #expect(first.status == 200, "\(first.text)")
        let view = try #require(first.json)
        #expect(view["role"] as? String == "executive")
        let report = try #require(view["report"] as? String)
        let filters = try #require(view["filters"] as? String)
        let generation = try #require(view["generation"] as? Int)
        // What the page shows, from the same renderer: the report's body of the narrowed release.
        let narrowed = try live.server.state.view(for: Identity(role: "executive", manager: nil, subject: "t", tokenID: "t", expires: .distantFuture))
        #expect(report == Dashboard.liveView(for: narrowed, identity: Identity(role: "executive", manager: nil, subject: "t", tokenID: "t", expires: .distantFuture),
                                             generation: generation).report)
        #expect(report.contains("id=\"section-population\"") && !report.contains("<script"))
        #expect(filters.hasPrefix("<span class=\"filters\" id=\"filters\">") && filters.contains("filter-branch"))
        // The page's report is the live view's report.
        #expect(page.text.contains(report))

        // A manager's live view holds its own clients only.
        let mine = try await live.get("/v1/dashboard", token: manager)
        let mineReport = try #require(mine.json?["report"] as? String)
        #expect(ServerFixture.clientsA.allSatisfy { mineReport.contains($0) })
        #expect(!ServerFixture.clientsB.contains { mineReport.contains($0) })

        // Answers cached before the release must not outlive it.
        let populationBefore = try await live.get("/v1/population", token: executive)
        let groupsBefore = try await live.get("/v1/groups?kind=branch", token: executive)
        #expect(((populationBefore.data as? [String: Any])?["clients"] as? Int) == 40)
        #expect(try await live.get("/v1/population", token: executive).body == populationBefore.body)
        // A new executive release: the live view follows it (new generation, new figures).
        try ServerFixture.write(ServerFixture.executive(at: 1_771_300_000, clients: 77), to: "\(fixture.releases)/executive-2.json")
        var next = try await live.get("/v1/dashboard", token: executive)
        let deadline = Date().addingTimeInterval(300)
        while (next.json?["generation"] as? Int ?? 0) <= generation && Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            next = try await live.get("/v1/dashboard", token: executive)
        }
        let nextGeneration = try #require(next.json?["generation"] as? Int)
        #expect(nextGeneration > generation)
        let nextReport = try #require(next.json?["report"] as? String)
        #expect(nextReport != report)
        #expect(next.json?["generatedAt"] as? String == UTCTimestamp(secondsSinceEpoch: 1_771_300_000).description)
        // The encoded section answers follow the release too (the byte cache is per generation).
        let population = try await live.get("/v1/population", token: executive)
        #expect(((population.data as? [String: Any])?["clients"] as? Int) == 77, "\(population.text)")
        #expect(population.body != populationBefore.body)
        let groupsAfter = try await live.get("/v1/groups?kind=branch", token: executive)
        #expect(groupsAfter.status == 200 && groupsAfter.body != groupsBefore.body)
        try await live.stop()
    }

    // MARK: 3. Per-request waste

    @Test func encodedAnswersAreReusedPerReleaseAndRoleAndNeverAcrossThem() async throws {
        let fixture = try ServerFixture.make()
        let live = try await LiveServer.start(fixture.configuration())
        let executive = try await fixture.token(role: "executive")
        let analyst = try await fixture.token(role: "analyst")
        let first = try await live.get("/v1/groups?kind=branch", token: executive)
        let again = try await live.get("/v1/groups?kind=branch", token: executive)
        #expect(first.status == 200 && first.body == again.body)
        // Another query, another role: other bytes (the analyst's release is its own).
        let all = try await live.get("/v1/groups", token: executive)
        #expect(all.body != first.body)
        // The executive's answer is cached first; the analyst must still get the analyst's own.
        let executivePopulation = try await live.get("/v1/population", token: executive)
        #expect(executivePopulation.json?["role"] as? String == "executive")
        let analystAnswer = try await live.get("/v1/population", token: analyst)
        #expect(analystAnswer.json?["role"] as? String == "analyst")
        #expect(((analystAnswer.json?["policy"] as? [String: Any])?["epsilon"] as? Double) == 1.0)
        #expect(analystAnswer.body != executivePopulation.body)
        let executiveRisk = try await live.get("/v1/groups", token: executive)
        let analystGroups = try await live.get("/v1/groups", token: analyst)
        #expect(executiveRisk.json?["role"] as? String == "executive" && analystGroups.json?["role"] as? String == "analyst")
        // The policy check still runs on every request: a forbidden kind stays refused.
        let manager = try await fixture.token(role: "manager", manager: ServerFixture.managerA)
        #expect(try await live.get("/v1/groups?kind=segment", token: executive).status == 200)
        #expect(try await live.get("/v1/groups?kind=segment", token: manager).status == 403)
        #expect(try await live.get("/v1/groups?kind=segment", token: manager).status == 403)
        #expect(try await live.get("/v1/weekly", token: executive).status == 200)
        #expect(try await live.get("/v1/weekly", token: manager).status == 403)
        try await live.stop()
    }

    @Test func aCachedTokenIsStillCheckedForRevocationAndItsValidityWindow() async throws {
        let keys = try Self.folder()
        let key = TokenKey.generate()
        try key.write(toFolder: keys)
        let revocations = RevocationList(folder: keys)
        let authority = try await TokenAuthority(keys: [key], revocations: revocations)
        let now = Date()
        let token = try await authority.issue(role: "executive", subject: "t", ttl: 600, now: now)
        let identity = try await authority.verify(token, now: now)
        #expect(authority.verified.count == 1)
        // The second verification is a cache hit and returns the same identity.
        #expect(try await authority.verify(token, now: now) == identity)
        #expect(authority.verified.count == 1)
        // The window is checked again on a hit: too late, too early.
        #expect(await Self.refusal { try await authority.verify(token, now: now.addingTimeInterval(600 + 31)) } == "expired_token")
        #expect(await Self.refusal { try await authority.verify(token, now: now.addingTimeInterval(-31)) } == "token_not_yet_valid")
        // Revoking the token id while it is cached: refused at once.
        try TokenRevocations(jtis: [identity.tokenID]).write(toFolder: keys)
        #expect(try revocations.reloadIfChanged())
        #expect(await Self.refusal { try await authority.verify(token, now: now) } == "revoked_token")
        // Revoking the key id while another token of it is cached: refused too.
        let other = try await authority.issue(role: "executive", subject: "t", ttl: 600, now: now)
        _ = try await authority.verify(other, now: now)
        try TokenRevocations(kids: [key.keyID], jtis: [identity.tokenID]).write(toFolder: keys)
        #expect(try revocations.reloadIfChanged())
        #expect(await Self.refusal { try await authority.verify(other, now: now) } == "revoked_token")
        // A tampered copy of a cached token is another text: it is verified in full and refused.
        let fresh = try await TokenAuthority(keys: [key])
        let good = try await fresh.issue(role: "executive", subject: "t", ttl: 600, now: now)
        _ = try await fresh.verify(good, now: now)
        var bad = Array(good.utf8)
        bad[bad.count - 2] = bad[bad.count - 2] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(await Self.refusal { try await fresh.verify(String(decoding: bad, as: UTF8.self), now: now) } == "bad_signature")
    }

    @Test func theVerifiedTokenCacheIsBounded() {
        let cache = VerifiedTokenCache()
        let identity = Identity(role: "executive", manager: nil, subject: "t", tokenID: "j", expires: Date().addingTimeInterval(600))
        for index in 0..<(VerifiedTokenCache.capacity + 500) {
            cache.store(SHA256.hash(data: Array("token-\(index)".utf8)), identity: identity, notBefore: Date(), now: Date())
            #expect(cache.count <= VerifiedTokenCache.capacity)
        }
        #expect(cache.count >= 1)
    }

    @Test func accessTimestampsAreTheISO8601TextOfTheirSecond() {
        for seconds in [0.0, 1_771_200_000.25, 1_771_200_000.999, 1_771_200_001.0, 2_000_000_000.5] {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(AccessTime.string(for: date) == Date(timeIntervalSince1970: seconds.rounded(.down)).formatted(.iso8601))
        }
        #expect(AccessTime.string(for: Date(timeIntervalSince1970: 5)) == "1970-01-01T00:00:05Z")
    }

    // MARK: 4. The access log's writer thread

    @Test func theAccessLogIsWrittenWhileTheCooperativePoolIsBlocked() async throws {
        let path = try Self.folder() + "/access.log"
        let log = try AccessLog(path: path)
        let service = Task { try await log.run() }
        // The service is running once a first line reaches the file.
        log.record(ServerRemainderTests.record(1))
        let started = Date().addingTimeInterval(120)
        while (FileManager.default.contents(atPath: path) ?? Data()).isEmpty && Date() < started {
            try await Task.sleep(for: .milliseconds(20))
        }
        let before = FileManager.default.contents(atPath: path)?.count ?? 0
        #expect(before > 0, "the access log service did not start")
        log.record(ServerRemainderTests.record(2))
        // Hold every thread of the cooperative pool with synchronous work for up to 120 s (each
        // returns as soon as the file grows), each polling the file: a writer on the pool could
        // not run until they return.
        let width = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let seen = await withTaskGroup(of: Double?.self) { group in
            for _ in 0..<width {
                group.addTask {
                    let start = Date()
                    while Date().timeIntervalSince(start) < 120 {
                        if (FileManager.default.contents(atPath: path)?.count ?? 0) > before { return Date().timeIntervalSince(start) }
                        usleep(10_000)
                    }
                    return nil
                }
            }
            var times: [Double?] = []
            for await time in group { times.append(time) }
            return times
        }
        #expect(seen.allSatisfy { $0 != nil }, "the second batch was not written while the pool was blocked: \(seen)")
        service.cancel()
        try await service.value
        let lines = String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 2)
    }

    @Test func thePageAndTheStreamNameTheirGenerationSoAMissedReleaseIsFetched() async throws {
        let fixture = try ServerFixture.make()
        let live = try await LiveServer.start(fixture.configuration())
        let token = try await fixture.token(role: "executive")
        let page = try await live.get("/dashboard", token: token)
        #expect(page.text.contains("<body data-generation=\"0\">"))
        // The stream starts with the generation it serves from.
        let first = try await RawHTTP.readStream(port: live.port, path: "/v1/events", headers: ["Authorization": "Bearer \(token)"],
                                                 until: "event: hello\ndata: {\"generation\":0}", seconds: 300) {}
        #expect(first.contains("event: hello\ndata: {\"generation\":0}"), "\(first)")
        // A release that lands while no stream is open: the next stream's hello names the new
        // generation, which differs from the page's, so the script fetches it.
        try ServerFixture.write(ServerFixture.executive(at: 1_771_300_000, clients: 55), to: "\(fixture.releases)/executive-2.json")
        _ = try await ServerHardeningTests.waitFor(live, "/readyz", status: 200)
        var generation = 0
        let deadline = Date().addingTimeInterval(300)
        while generation == 0 && Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            generation = (try await live.get("/readyz").json?["generation"] as? Int) ?? 0
        }
        let second = try await RawHTTP.readStream(port: live.port, path: "/v1/events", headers: ["Authorization": "Bearer \(token)"],
                                                  until: "event: hello\ndata: {\"generation\":\(generation)}", seconds: 300) {}
        #expect(generation > 0 && second.contains("event: hello\ndata: {\"generation\":\(generation)}"), "\(second)")
        let script = Dashboard.script
        #expect(script.contains("events.addEventListener(\"hello\"") && script.contains("if (generation !== shown) { refresh(); }"))
        #expect(script.contains("events.addEventListener(\"expired\", ended)") && script.contains("events.addEventListener(\"revoked\", ended)"))
        try await live.stop()
    }

    @Test func hostileReleasedTextReachesTheLiveViewEscaped() async throws {
        let fixture = try ServerFixture.make()
        var document = ServerFixture.executive(at: 1_771_300_000)
        let hostile = "<img src=x onerror=alert(1)></div><script>alert(2)</script>"
        document.personas = [PersonaCount(label: hostile, clients: 25), PersonaCount(label: "drifting", clients: 15)]
        document.policy = PolicySummary(name: hostile, minGroupSize: 5, epsilon: nil)
        try ServerFixture.write(document, to: "\(fixture.releases)/executive-2.json")
        let live = try await LiveServer.start(fixture.configuration())
        let answer = try await live.get("/v1/dashboard", token: try await fixture.token(role: "executive"))
        let report = try #require(answer.json?["report"] as? String)
        #expect(!report.contains("<img") && !report.contains("<script") && !report.contains("</div><script"))
        #expect(report.contains("&lt;img src=x onerror=alert(1)&gt;"), "the persona label is not in the live view, escaped")
        try await live.stop()
    }

    @Test func theLastBatchIsWrittenOnShutdown() async throws {
        let path = try Self.folder() + "/access.log"
        let log = try AccessLog(path: path)
        let service = Task { try await log.run() }
        log.record(ServerRemainderTests.record(1))
        // Cancelled at once, well within the 200 ms interval: the shutdown path writes it.
        service.cancel()
        try await service.value
        let text = String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
        #expect(text.split(separator: "\n").count == 1 && text.contains("\"seq\":1"), "\(text)")
    }

    // MARK: 4. The key holder's manager release names its manager

    @Test func anEncryptedManagerReleaseIsServedByItsManagerField() async throws {
        let root = try Self.folder()
        let store = try HeatStore.initialize(path: "\(root)/heat.db").store
        let keys = "\(root)/keys"
        let generated = try KeyFolder.generate(at: keys)
        try KeyRegistry.recordGenerated(generated, in: store)
        _ = try PipelineKeys.generate(at: keys, preset: "n8192-logq217-logt25")
        let collector = try Collector(folder: KeyFolder(path: "\(keys)/collector", role: .collector))
        let dataset = SyntheticBank(clients: 40, managers: 3, branches: 2, weeks: 8, seed: 21).generate()
        _ = try collector.ingestor().ingest(dataset.interactions, clients: dataset.clients, into: store,
                                            source: .init(name: "all.csv", inputHash: String(repeating: "0", count: 64)))
        let run = try Evaluator(keysAt: "\(keys)/evaluator").evaluate(store: store, configuration: HeatConfiguration())
        let keyHolder = try KeyHolder(keysAt: "\(keys)/keyholder")
        let directory = try ClientDirectory.entries(in: store)
        let ref = try #require(directory.compactMap(\.manager).first)
        let document = try keyHolder.release(run: run, store: store, configuration: HeatConfiguration(), role: .manager, manager: ref)
        // The document and every row name the manager (the directory's display reference).
        #expect(document.manager == ref)
        let rows = try #require(document.clients)
        #expect(!rows.isEmpty && rows.allSatisfy { $0.manager == ref })
        #expect(rows.count == directory.filter { $0.manager == ref }.count)

        // Served under a name that says nothing about the manager: the field decides.
        let fixture = try ServerFixture.make()
        for name in try FileManager.default.contentsOfDirectory(atPath: fixture.releases) where name.hasPrefix("M-") {
            try FileManager.default.removeItem(atPath: "\(fixture.releases)/\(name)")
        }
        try ServerFixture.write(document, to: "\(fixture.releases)/encrypted-manager-release.json")
        let live = try await LiveServer.start(fixture.configuration())
        let own = try await live.get("/v1/clients", token: try await fixture.token(role: "manager", manager: ref))
        #expect(own.status == 200, "\(own.text)")
        let served = try #require(own.data as? [[String: Any]])
        #expect(served.count == rows.count)
        #expect(served.allSatisfy { $0["manager"] as? String == ref })
        // Another manager's token gets none of them.
        let other = try await live.get("/v1/clients", token: try await fixture.token(role: "manager", manager: ServerFixture.managerB))
        #expect(other.status != 200 || ((other.data as? [[String: Any]]) ?? []).isEmpty)
        try await live.stop()
    }
}
