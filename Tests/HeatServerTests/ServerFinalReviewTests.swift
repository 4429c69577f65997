import Foundation
import HeatCore
import HeatEnvelope
import Testing
@testable import HeatServer

/// The fresh-eyed review of the server branch: short writes cut back, stream revocation, the
/// dashboard's fragment parsing.
@Suite(.serialized) struct ServerFinalReviewTests {
    // MARK: A short write (disk full) is cut back

    @Test func aShortWriteIsCutBackSoTheRetriedLinesKeepTheLogVerifiable() throws {
        let folder = try ServerReviewItemsTests.folder()
        let key = TokenKey.generate()
        let path = "\(folder)/access.log"
        let log = try AccessLog(path: path, headKey: AccessLogChain.headKey(from: key), keyID: key.keyID)
        log.record(ServerRemainderTests.record(1))
        log.flush()
        let size = try Data(contentsOf: URL(filePath: path)).count
        // The disk fills up 20 bytes into the next batch.
        log.shortenNextWrite(to: 20)
        for index in 2...3 { log.record(ServerRemainderTests.record(index)) }
        log.flush()
        #expect(!log.isHealthy)
        #expect(log.failedWrites == 1)
        // The fragment is gone: the file ends at its last whole line.
        #expect(try Data(contentsOf: URL(filePath: path)).count == size)
        // The retry writes the same lines, and the log verifies untouched.
        log.flush()
        #expect(log.isHealthy)
        #expect(log.lastSequence == 3)
        let report = try AccessLogVerifier.verify(path: path, keys: [key])
        #expect(report.chained == 3 && report.headVerified)
    }

    // MARK: A revoked generation signs no more heads

    @Test func aRevokedGenerationSignsNoHeadAndVerifyLogRefusesItsHead() throws {
        let folder = try ServerReviewItemsTests.folder()
        let first = TokenKey.generate()
        let second = TokenKey.generate()
        let path = "\(folder)/access.log"
        let log = try AccessLog(path: path, headKey: AccessLogChain.headKey(from: second), keyID: second.keyID)
        for index in 1...2 { log.record(ServerRemainderTests.record(index)) }
        log.flush()
        // Signed by the second generation: refused once it is revoked.
        #expect(try AccessLogVerifier.verify(path: path, keys: [first, second]).headVerified)
        do {
            _ = try AccessLogVerifier.verify(path: path, keys: [first, second], revokedKids: [second.keyID])
            Issue.record("a head signed by a revoked generation verified")
        } catch {
            guard case .badHead(_, let field, _) = error else { Issue.record("\(error)"); return }
            #expect(field == "keyID")
        }
        // The revocation reaches the log: the head is re-signed at once with the first generation.
        log.replaceHeadKey(first)
        #expect(log.headKeyID == first.keyID)
        #expect(try AccessLogVerifier.verify(path: path, keys: [first, second], revokedKids: [second.keyID]).chained == 2)
        log.record(ServerRemainderTests.record(3))
        log.flush()
        #expect(log.isHealthy)
        #expect(try AccessLogVerifier.verify(path: path, keys: [first, second], revokedKids: [second.keyID]).chained == 3)
        // Every generation revoked: no more heads, and the log is unhealthy (readyz 503).
        log.replaceHeadKey(nil)
        #expect(log.headKeyID == nil)
        log.record(ServerRemainderTests.record(4))
        log.flush()
        #expect(!log.isHealthy)
    }

    @Test func aRunningServerRepicksItsHeadKeyWhenItsGenerationIsRevoked() async throws {
        let fixture = try ServerFixture.make()
        let first = try TokenKey.load(fromFolder: fixture.tokenKeys)
        let second = try TokenKey.addGeneration(toFolder: fixture.tokenKeys)
        let live = try await LiveServer.start(fixture.configuration())
        #expect(live.server.accessLog.headKeyID == second.keyID)
        _ = try await live.get("/healthz")
        try TokenRevocations(kids: [second.keyID]).write(toFolder: fixture.tokenKeys)
        // Returns as soon as the watcher has re-picked the key.
        let deadline = Date().addingTimeInterval(300)
        while live.server.accessLog.headKeyID != first.keyID && Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(live.server.accessLog.headKeyID == first.keyID)
        _ = try await live.get("/healthz")
        try await live.stop()
        let report = try AccessLogVerifier.verify(path: fixture.accessLog, keys: [first, second], revokedKids: [second.keyID])
        #expect(report.headVerified)
    }

    // MARK: Revoking a token ends its event stream

    @Test func revokingTheTokenOfAnOpenEventStreamEndsItWithEventRevoked() async throws {
        let fixture = try ServerFixture.make()
        let live = try await LiveServer.start(fixture.configuration())
        let token = try await fixture.token(role: "executive")
        let identity = try await live.server.authority.verify(token)
        let folder = fixture.tokenKeys
        let tokenID = identity.tokenID
        // The stream's last chunk ("0" and an empty line) marks its end; returns as soon as it arrives.
        let text = try await RawHTTP.readStream(
            port: live.port, path: "/v1/events", headers: ["Authorization": "Bearer \(token)"], until: "\r\n0\r\n\r\n", seconds: 300
        ) {
            try? TokenRevocations(jtis: [tokenID]).write(toFolder: folder)
        }
        let revoked = try #require(text.range(of: "event: revoked"), "\(text)")
        #expect(text[revoked.upperBound...].contains("\r\n0\r\n\r\n"), "the stream did not end: \(text)")
        #expect(try await live.get("/v1/population", token: token).errorCode == "revoked_token")
        try await live.stop()
    }

    // MARK: The dashboard's fragment

    @Test func aMalformedEscapeInTheFragmentDoesNotStopTheDashboardScript() {
        #expect(Dashboard.script.contains("try { value = decodeURIComponent(pair[1] || \"\"); } catch (malformed) { continue; }"))
        #expect(!Dashboard.script.contains("value = decodeURIComponent(pair[1] || \"\");\n"))
    }
}
