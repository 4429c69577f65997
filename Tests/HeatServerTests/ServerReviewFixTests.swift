import Crypto
import Foundation
import HeatCore
import HeatEnvelope
import Testing
@testable import HeatServer

/// The reviewer's findings on the API server (key ids, revocation of sessions, the head key).
@Suite(.serialized) struct ServerReviewFixTests {
    // MARK: 1. Tokens without kid

    @Test func aTokenWithoutKidIsRefusedEvenWhenSignedWithAnOldGeneration() async throws {
        let folder = try ServerRemainderTests.temporaryFolder()
        let first = try TokenKey.addGeneration(toFolder: folder)
        let second = try TokenKey.addGeneration(toFolder: folder)
        try TokenRevocations(kids: [first.keyID]).write(toFolder: folder)
        let authority = try await TokenAuthority(keys: try TokenKey.loadAll(fromFolder: folder),
                                                 revocations: RevocationList(try TokenRevocations.load(fromFolder: folder), folder: folder))
        func claims() -> [String: Any] { ServerRemainderTests.claims(role: "executive") }
        // Signed with the revoked first generation, no kid: jwt-kit's default key would verify it.
        let kidless = try ServerRemainderTests.jws(header: ["alg": "HS256", "typ": "JWT"], claims: claims()) { input in
            Data(HMAC<SHA256>.authenticationCode(for: input, using: SymmetricKey(data: first.secret)))
        }
        do {
            _ = try await authority.verify(kidless)
            Issue.record("a kid-less token signed with a revoked generation verified")
        } catch {
            #expect(error.code == "bad_signature")
        }
        // Nor with the newest generation: every token the server issues names its key.
        let kidlessNew = try ServerRemainderTests.jws(header: ["alg": "HS256"], claims: claims()) { input in
            Data(HMAC<SHA256>.authenticationCode(for: input, using: SymmetricKey(data: second.secret)))
        }
        do { _ = try await authority.verify(kidlessNew); Issue.record("a kid-less token verified") } catch { #expect(error.code == "bad_signature") }
        // The same token naming the newest kid verifies, and the identity carries kid and jti.
        let named = try ServerRemainderTests.jws(header: ["alg": "HS256", "kid": second.keyID], claims: claims()) { input in
            Data(HMAC<SHA256>.authenticationCode(for: input, using: SymmetricKey(data: second.secret)))
        }
        let identity = try await authority.verify(named)
        #expect(identity.keyID == second.keyID)
        #expect(!identity.tokenID.isEmpty)
        #expect(!authority.isRevoked(identity))
    }

    @Test func anUnusableEd25519KeyRefusesTheAuthority() async throws {
        // 31 bytes: not an Ed25519 public key. Loading refuses it instead of dropping it.
        let key = ExternalKey(kid: "idp-bad", algorithm: .eddsa, material: [UInt8](repeating: 7, count: 31))
        await #expect(throws: ServerError.self) {
            _ = try await TokenAuthority(keys: [TokenKey.generate()], external: [key])
        }
    }

    // MARK: 2. Revocation of sessions and streams

    @Test func revokingTheTokenOfASessionRefusesItsCookie() async throws {
        let fixture = try ServerFixture.make()
        let live = try await LiveServer.start(fixture.configuration())
        let token = try await fixture.token(role: "executive")
        let opened = try await live.post("/v1/session", token: token, body: "")
        let cookie = try #require(DashboardTests.cookie(opened))
        func withCookie(_ path: String) async throws -> HTTPResult {
            try await RawHTTP.request(port: live.port, path: path, headers: ["Cookie": cookie])
        }
        #expect(try await withCookie("/v1/population").status == 200)
        let identity = try await live.server.authority.verify(token)
        try TokenRevocations(jtis: [identity.tokenID]).write(toFolder: fixture.tokenKeys)
        let deadline = Date().addingTimeInterval(300)
        var answer = try await withCookie("/v1/population")
        while answer.status == 200 && Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            answer = try await withCookie("/v1/population")
        }
        #expect(answer.status == 401)
        #expect(answer.errorCode == "revoked_token")
        // The session is gone: the home page is the sign-in page again.
        let home = try await withCookie("/")
        #expect(home.status == 200)
        try await live.stop()
    }

    @Test func revokingAKeyGenerationRefusesSessionsOpenedWithIt() async throws {
        let fixture = try ServerFixture.make()
        let live = try await LiveServer.start(fixture.configuration())
        let token = try await fixture.token(role: "executive")
        let cookie = try #require(DashboardTests.cookie(try await live.post("/v1/session", token: token, body: "")))
        let identity = try await live.server.authority.verify(token)
        let kid = try #require(identity.keyID)
        try TokenRevocations(kids: [kid]).write(toFolder: fixture.tokenKeys)
        let deadline = Date().addingTimeInterval(300)
        var answer = try await RawHTTP.request(port: live.port, path: "/v1/population", headers: ["Cookie": cookie])
        while answer.status == 200 && Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            answer = try await RawHTTP.request(port: live.port, path: "/v1/population", headers: ["Cookie": cookie])
        }
        #expect(answer.status == 401)
        #expect(answer.errorCode == "revoked_token")
        try await live.stop()
    }

    // MARK: 3. revoked.json fails closed

    @Test func aRevocationFileThatCannotBeReadKeepsThePreviousListAndTurnsReadinessOff() async throws {
        let folder = try ServerRemainderTests.temporaryFolder()
        let file = "\(folder)/\(TokenRevocations.fileName)"
        // Missing at start: empty.
        #expect(try TokenRevocations.load(fromFolder: folder) == TokenRevocations())
        // Present but unreadable at start (a directory here; root reads any mode): refused.
        try FileManager.default.createDirectory(atPath: file, withIntermediateDirectories: false)
        #expect(throws: ServerError.badRevocations(path: file, field: "(file)", reason: "the file exists but cannot be read")) {
            _ = try TokenRevocations.load(fromFolder: folder)
        }
        try FileManager.default.removeItem(atPath: file)
        try TokenRevocations(jtis: ["j-1"]).write(toFolder: folder)
        let live = RevocationList(try TokenRevocations.load(fromFolder: folder), folder: folder)
        #expect(live.isHealthy)
        // A broken file at runtime: the previous list stays, unhealthy, retried.
        try Data("{not json".utf8).write(to: URL(filePath: file))
        #expect(throws: ServerError.self) { _ = try live.reloadIfChanged() }
        #expect(live.list.jtis == ["j-1"])
        #expect(!live.isHealthy)
        #expect(throws: ServerError.self) { _ = try live.reloadIfChanged() }
        // Deleted at runtime: not an empty list.
        try FileManager.default.removeItem(atPath: file)
        #expect(throws: ServerError.self) { _ = try live.reloadIfChanged() }
        #expect(live.list.jtis == ["j-1"])
        // Fixed: loaded, healthy again.
        try TokenRevocations(jtis: ["j-1", "j-2"]).write(toFolder: folder)
        #expect(try live.reloadIfChanged())
        #expect(live.list.jtis == ["j-1", "j-2"])
        #expect(live.isHealthy)
    }

    @Test func aRunningServerWithABrokenRevocationFileIsNotReady() async throws {
        let fixture = try ServerFixture.make()
        try TokenRevocations(jtis: ["j-1"]).write(toFolder: fixture.tokenKeys)
        let live = try await LiveServer.start(fixture.configuration())
        #expect(try await live.get("/readyz").status == 200)
        try Data("{not json".utf8).write(to: URL(filePath: "\(fixture.tokenKeys)/\(TokenRevocations.fileName)"))
        let deadline = Date().addingTimeInterval(300)
        var answer = try await live.get("/readyz")
        while answer.status == 200 && Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            answer = try await live.get("/readyz")
        }
        #expect(answer.status == 503)
        #expect(answer.errorCode == "not_ready")
        #expect(live.server.authority.revocations.list.jtis == ["j-1"])
        // Fail closed: no token or session authenticates while the list cannot be read.
        let token = try await fixture.token(role: "executive")
        let refused = try await live.get("/v1/population", token: token)
        #expect(refused.status == 503)
        #expect(refused.errorCode == "revocations_unavailable")
        #expect(try await live.post("/v1/session", token: token, body: "").errorCode == "revocations_unavailable")
        #expect(try await live.get("/metrics").text.contains("heat_revocation_reload_failures_total"))
        try await live.stop()
        // An unreadable file refuses the start.
        let path = "\(fixture.tokenKeys)/\(TokenRevocations.fileName)"
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        await #expect(throws: ServerError.self) { _ = try await HeatAPIServer.prepare(fixture.configuration()) }
    }

    // MARK: 5. A bounded pool for scoring and analyst work

    @Test func moreSlowJobsThanPoolAndQueueAnswerBusyAndTheServerStillAnswers() async throws {
        let fixture = try ServerFixture.make()
        let live = try await LiveServer.start(fixture.configuration())
        let executor = OffPoolExecutor(threads: 2, queueLimit: 1)
        #expect(executor.capacity == 3)
        // The admitted jobs hold their slots until the test lets them go (or 600 s pass), so
        // the four refusals are answered while the pool and its queue are full however slowly a
        // loaded machine runs them: the check is on order, not on a job's duration.
        let gate = DispatchSemaphore(value: 0)
        let refusals = SharedValue(0)
        let (outcomes, health, heldWhileRefused) = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<7 {
                group.addTask {
                    do {
                        _ = try await RouteHandlers.withDeadline(.seconds(900), executor: executor) { () -> Int in
                            gate.waitForTheTest() ? 1 : 0
                        }
                        return "finished"
                    } catch let error as APIError {
                        if error.code == "busy" { refusals.update { $0 += 1 } }
                        return error.code
                    } catch {
                        return "\(error)"
                    }
                }
            }
            // Every job has been admitted or refused (a refusal is answered at once; an admitted
            // job holds its slot until the gate opens).
            while refusals.value + executor.admittedCount < 7 { try await Task.sleep(for: .milliseconds(20)) }
            // Three hold the pool and the queue; the server's own event handling still answers.
            let held = executor.admittedCount
            let health = (try? await live.get("/healthz").status) ?? 0
            for _ in 0..<held { gate.signal() }
            var codes: [String] = []
            for try await code in group { codes.append(code) }
            return (codes, health, held)
        }
        #expect(outcomes.filter { $0 == "finished" }.count == 3)
        #expect(outcomes.filter { $0 == "busy" }.count == 4)
        #expect(heldWhileRefused == 3)
        #expect(health == 200)
        #expect(executor.admittedCount == 0)
        // Slots come back: the next job runs.
        #expect(try await RouteHandlers.withDeadline(.seconds(600), executor: executor) { 7 } == 7)
        try await live.stop()
    }

    // MARK: 6-8. The access log after a crash, a tampered tail, and exact lines

    static func writeLog(_ path: String, key: TokenKey, records: ClosedRange<Int>) throws -> AccessLog {
        let log = try AccessLog(path: path, headKey: AccessLogChain.headKey(from: key), keyID: key.keyID)
        for index in records { log.record(ServerRemainderTests.record(index)) }
        log.flush()
        return log
    }

    @Test func aTornLastLineIsCutAtOpenAndTheLogKeepsVerifying() throws {
        let folder = try ServerRemainderTests.temporaryFolder()
        let key = TokenKey.generate()
        let path = "\(folder)/access.log"
        _ = try Self.writeLog(path, key: key, records: 1...3)
        // A crash in the middle of a write: a line without its end.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"method":"GE"#.utf8))
        try handle.close()
        #expect(throws: AccessLogError.self) { _ = try AccessLogVerifier.verify(path: path, keys: [key]) }
        let reopened = try Self.writeLog(path, key: key, records: 4...5)
        #expect(reopened.cutBytes == 13)
        #expect(reopened.sealedReason == nil)
        #expect(reopened.isHealthy)
        #expect(try AccessLogVerifier.verify(path: path, keys: [key]) == AccessLogVerifier.Report(chained: 5, unchained: 0, headVerified: true))
    }

    @Test func aTailTheHeadDoesNotAuthenticateIsNeverWrittenOver() throws {
        let folder = try ServerRemainderTests.temporaryFolder()
        let key = TokenKey.generate()
        // Lines cut at the end (the head says 3, the file ends at 2).
        let cutPath = "\(folder)/cut.log"
        _ = try Self.writeLog(cutPath, key: key, records: 1...3)
        var lines = try String(contentsOfFile: cutPath, encoding: .utf8).split(separator: "\n").map(String.init)
        try Data((lines.dropLast().joined(separator: "\n") + "\n").utf8).write(to: URL(filePath: cutPath))
        let before = try Data(contentsOf: URL(filePath: cutPath))
        let cut = try Self.writeLog(cutPath, key: key, records: 4...5)
        #expect(cut.sealedReason != nil)
        #expect(!cut.isHealthy)
        #expect(try Data(contentsOf: URL(filePath: cutPath)) == before)
        // The last line replaced by a well-chained forgery: the head's hash does not match.
        let forgedPath = "\(folder)/forged.log"
        _ = try Self.writeLog(forgedPath, key: key, records: 1...3)
        lines = try String(contentsOfFile: forgedPath, encoding: .utf8).split(separator: "\n").map(String.init)
        var forged = try JSONDecoder().decode(AccessRecord.self, from: Data(lines[2].utf8))
        forged.status = 403
        forged.hash = AccessLogChain.hash(of: forged, prev: forged.prev ?? "")
        lines[2] = String(decoding: try AccessLogChain.encoder.encode(forged), as: UTF8.self)
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(filePath: forgedPath))
        let replaced = try Self.writeLog(forgedPath, key: key, records: 4...4)
        #expect(replaced.sealedReason != nil)
        #expect(!replaced.isHealthy)
        // The head missing while the log has chained lines.
        try FileManager.default.removeItem(atPath: cutPath + ".head")
        #expect(try Self.writeLog(cutPath, key: key, records: 6...6).sealedReason != nil)
        // Lines written after the head (a crash before the head was replaced) are within reach.
        let crashPath = "\(folder)/crash.log"
        _ = try Self.writeLog(crashPath, key: key, records: 1...3)
        let oldHead = try Data(contentsOf: URL(filePath: crashPath + ".head"))
        _ = try Self.writeLog(crashPath, key: key, records: 4...5)
        try oldHead.write(to: URL(filePath: crashPath + ".head"))
        let resumed = try Self.writeLog(crashPath, key: key, records: 6...6)
        #expect(resumed.sealedReason == nil)
        #expect(resumed.lastSequence == 6)
        #expect(try AccessLogVerifier.verify(path: crashPath, keys: [key]).chained == 6)
    }

    @Test func aServerOnATamperedLogIsNotReady() async throws {
        let fixture = try ServerFixture.make()
        var live = try await LiveServer.start(fixture.configuration())
        for _ in 0..<3 { _ = try await live.get("/v1/population") }
        try await live.stop()
        let lines = try String(contentsOfFile: fixture.accessLog, encoding: .utf8).split(separator: "\n").map(String.init)
        try #require(lines.count >= 2)
        try Data((lines.dropLast().joined(separator: "\n") + "\n").utf8).write(to: URL(filePath: fixture.accessLog))
        let before = try Data(contentsOf: URL(filePath: fixture.accessLog))
        live = try await LiveServer.start(fixture.configuration())
        let ready = try await live.get("/readyz")
        #expect(ready.status == 503)
        #expect(ready.errorCode == "audit_unavailable")
        // Sealed, it serves no data unaudited: every /v1/ request is refused, healthz still answers.
        let token = try await fixture.token(role: "executive")
        let refused = try await live.get("/v1/population", token: token)
        #expect(refused.status == 503)
        #expect(refused.errorCode == "audit_unavailable")
        #expect(try await live.post("/v1/session", token: token, body: "").status == 503)
        #expect(try await live.get("/healthz").status == 200)
        try await live.stop()
        #expect(try Data(contentsOf: URL(filePath: fixture.accessLog)) == before)
    }

    @Test func aLineWithAnAddedOrDuplicatedKeyIsNamed() throws {
        let folder = try ServerRemainderTests.temporaryFolder()
        let key = TokenKey.generate()
        let path = "\(folder)/access.log"
        _ = try Self.writeLog(path, key: key, records: 1...3)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        func check(_ changed: [String]) -> AccessLogError? {
            let copy = "\(folder)/copy-\(UUID().uuidString.prefix(6)).log"
            try? Data((changed.joined(separator: "\n") + "\n").utf8).write(to: URL(filePath: copy))
            try? FileManager.default.copyItem(atPath: path + ".head", toPath: copy + ".head")
            do { _ = try AccessLogVerifier.verify(path: copy, keys: [key]); return nil } catch { return error }
        }
        #expect(check(lines) == nil)
        // A key the record does not have: the decoder ignores it, the hash still matches.
        var added = lines
        added[1] = "{\"approvedBy\":\"mallory\"," + added[1].dropFirst()
        guard case .brokenChain(_, let line, let field, _) = check(added) else { Issue.record("an added key was not caught"); return }
        #expect(line == 2 && field == "(line)")
        // A key repeated with the same value.
        var duplicated = lines
        duplicated[2] = "{\"status\":200," + duplicated[2].dropFirst()
        guard case .brokenChain(_, let dupLine, let dupField, _) = check(duplicated) else { Issue.record("a duplicated key was not caught"); return }
        #expect(dupLine == 3 && dupField == "(line)")
    }

    // MARK: 4. The access log's head key

    @Test func theHeadIsSignedWithTheNewestKeyThatIsNotRevoked() async throws {
        let fixture = try ServerFixture.make()
        let first = try TokenKey.load(fromFolder: fixture.tokenKeys)
        let second = try TokenKey.addGeneration(toFolder: fixture.tokenKeys)
        try TokenRevocations(kids: [second.keyID]).write(toFolder: fixture.tokenKeys)
        let live = try await LiveServer.start(fixture.configuration())
        _ = try await live.get("/healthz")
        _ = try await live.get("/v1/population", token: "nope")
        try await live.stop()
        let headData = try #require(FileManager.default.contents(atPath: live.server.accessLog.headPath))
        let head = try JSONDecoder().decode(AccessLogChain.Head.self, from: headData)
        #expect(head.keyID == first.keyID)
        // Every generation revoked: the server does not start.
        try TokenRevocations(kids: [first.keyID, second.keyID]).write(toFolder: fixture.tokenKeys)
        await #expect(throws: ServerError.noSigningKey(folder: fixture.tokenKeys)) {
            _ = try await HeatAPIServer.prepare(fixture.configuration())
        }
    }
}
