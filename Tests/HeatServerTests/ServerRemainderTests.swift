import Crypto
import Foundation
import HeatCore
import HeatEnvelope
import Testing
@testable import HeatServer

/// Issue 21 remainder: access-log failures, deadlines off the pool, the error-code list, the
/// document's manager, the rate limiter's eviction, the hash-chained log, token keys.
@Suite(.serialized) struct ServerRemainderTests {
    static func temporaryFolder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appending(path: "heat-serve2-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func record(_ index: Int) -> AccessRecord {
        AccessRecord(time: "2026-11-30T06:00:0\(index % 10)Z", outcome: "allowed", method: "GET", path: "/v1/population", status: 200,
                     code: nil, role: "executive", subject: "test", tokenID: "jti-\(index)", micros: 10 + index)
    }

    // MARK: 1. Small fixes

    @Test func anUnwritableAccessLogTurnsReadyzNotReadyAndIsCounted() async throws {
        let fixture = try ServerFixture.make()
        var configuration = fixture.configuration()
        // Every write to /dev/full fails with ENOSPC.
        configuration.accessLog = "/dev/full"
        configuration.accessLogHead = "\(fixture.root)/access.head"
        let live = try await LiveServer.start(configuration)
        #expect(try await live.get("/healthz").status == 200)
        let ready = try await ServerHardeningTests.waitFor(live, "/readyz", status: 503)
        #expect(ready.status == 503)
        #expect(ready.errorCode == "audit_unavailable")
        let metrics = try await live.get("/metrics").text
        let failed = metrics.split(separator: "\n").first { $0.hasPrefix("heat_access_log_failed_writes ") }
        let count = failed.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
        #expect(count >= 1, "\(failed ?? "no heat_access_log_failed_writes line")")
        #expect(metrics.contains("heat_access_log_healthy 0"))
        // Nothing was dropped: the lines stay queued for the next attempt.
        #expect(live.server.accessLog.droppedLines == 0)
        try await live.stop()
    }

    @Test func theDeadlineAnswersWhileSynchronousWorkBlocks() async throws {
        let fixture = try ServerFixture.make()
        let live = try await LiveServer.start(fixture.configuration())
        // An executor of its own, so other tests' work on the shared one cannot delay these jobs.
        let executor = OffPoolExecutor(threads: 4, queueLimit: 4)
        // Each job blocks its thread until the test lets it go (or 600 s pass). An answer that
        // arrives while the jobs are still blocked can only come from the deadline. The check is
        // on that order, not on wall time, so a loaded machine (the full suite runs long
        // synchronous FHE tests beside this one) cannot fail it, and a deadline that waited for
        // the work would: the jobs would end by their own timeout and say so.
        let gate = DispatchSemaphore(value: 0)
        let released = SharedValue<[Bool]>([])
        let started = ContinuousClock.now
        let outcomes = await withTaskGroup(of: String.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    do {
                        _ = try await RouteHandlers.withDeadline(.milliseconds(300), executor: executor) { () -> Int in
                            let letGo = gate.waitForTheTest()
                            released.update { $0.append(letGo) }
                            return 1
                        }
                        return "finished"
                    } catch let error as APIError {
                        return error.code
                    } catch {
                        return "\(error)"
                    }
                }
            }
            var codes: [String] = []
            for await code in group { codes.append(code) }
            return codes
        }
        // The deadline decides, not the order in which the cooperative pool resumes tasks (it was
        // `finished` when the timer was a task on that pool).
        #expect(outcomes == Array(repeating: "timeout", count: 4))
        // All four answered while every job still held its thread, and not before the deadline
        // (a lower bound, which load cannot break).
        #expect(released.value.isEmpty)
        #expect(ContinuousClock.now - started >= .milliseconds(300))
        // The server kept answering meanwhile.
        #expect(try await live.get("/healthz").status == 200)
        for _ in 0..<4 { gate.signal() }
        // A quick job still returns its value (its 4 threads run the released jobs first).
        #expect(try await RouteHandlers.withDeadline(.seconds(600), executor: executor) { 42 } == 42)
        // Every job was let go by the test, none ended by its own timeout.
        let waitUntil = ContinuousClock.now + .seconds(600)
        while released.value.count < 4, ContinuousClock.now < waitUntil { try await Task.sleep(for: .milliseconds(20)) }
        #expect(released.value == [true, true, true, true])
        try await live.stop()
    }

    @Test func theDeadlineTimerFiresWhileEveryPoolThreadIsBlocked() async throws {
        // One blocking task per thread of the cooperative pool, each waiting for the timer's
        // action to let it go (or 600 s). A timer that needed a pool thread (a `Task.sleep`)
        // could not fire while they hold them all: they would end by their own wait and say so.
        let width = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let gate = DispatchSemaphore(value: 0)
        let released = SharedValue<[Bool]>([])
        DeadlineTimer.shared.schedule(after: .milliseconds(300)) { for _ in 0..<width { gate.signal() } }
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<width {
                group.addTask {
                    let letGo = gate.waitForTheTest()
                    released.update { $0.append(letGo) }
                }
            }
        }
        #expect(released.value == Array(repeating: true, count: width))
    }

    @Test func theOpenAPIErrorCodesAreExactlyTheCodesTheServerCanAnswer() throws {
        let root = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var produced: Set<String> = []
        // The third pattern: an error type with a single code (`CSRFTokenMismatch`, issue 23).
        let patterns = [#/code: "([a-z_]+)"/#, #/case \.[a-zA-Z]+: "([a-z_]+)"/#, #/var code: String \{ "([a-z_]+)" \}/#]
        // The server's own codes, and those of the request decoding it calls (HeatAPI, issue 23).
        for sources in [root.appending(path: "Sources/HeatServer"), root.appending(path: "Sources/HeatAPI")] {
            for name in try FileManager.default.contentsOfDirectory(atPath: sources.path) where name.hasSuffix(".swift") && name != "OpenAPIDocument.swift" {
                let text = try String(contentsOf: sources.appending(path: name), encoding: .utf8)
                for (index, pattern) in patterns.enumerated() where index != 1 || name == "APIError.swift" || name == "RequestBodyError.swift" {
                    for match in text.matches(of: pattern) { produced.insert(String(match.output.1)) }
                }
            }
        }
        #expect(produced.contains("too_many_streams"))
        #expect(produced.contains("revoked_token"))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let error = try #require(((schemas["Error"] as? [String: Any])?["properties"] as? [String: Any])?["error"] as? [String: Any])
        let code = try #require((error["properties"] as? [String: Any])?["code"] as? [String: Any])
        let listed = Set(try #require(code["enum"] as? [String]))
        #expect(produced.subtracting(listed).isEmpty, "answered but not in /openapi.json: \(produced.subtracting(listed).sorted())")
        #expect(listed.subtracting(produced).isEmpty, "in /openapi.json but never answered: \(listed.subtracting(produced).sorted())")
    }

    @Test func theDocumentsManagerFieldDecidesNotItsFileName() async throws {
        let fixture = try ServerFixture.make()
        // A manager's release under any name, recording its manager.
        try FileManager.default.removeItem(atPath: "\(fixture.releases)/\(ServerFixture.managerA).json")
        var mine = ServerFixture.manager(clients: ServerFixture.clientsA)
        mine.manager = ServerFixture.managerA
        // Each row names its manager too (checked against the document's).
        for index in mine.clients?.indices ?? 0..<0 { mine.clients?[index].manager = ServerFixture.managerA }
        try ServerFixture.write(mine, to: "\(fixture.releases)/for-the-first-manager.json")
        let catalog = try ReleaseCatalog.load(folder: fixture.releases)
        #expect(catalog.entries.first { $0.name == "for-the-first-manager.json" }?.manager == ServerFixture.managerA)
        // An earlier document without the field is still recognised by its name.
        #expect(catalog.entries.first { $0.name == "\(ServerFixture.managerB).json" }?.manager == ServerFixture.managerB)
        let live = try await LiveServer.start(fixture.configuration())
        let tokenA = try await fixture.token(role: "manager", manager: ServerFixture.managerA)
        let rowsA = try #require(try await live.get("/v1/clients", token: tokenA).data as? [[String: Any]])
        #expect(Set(rowsA.compactMap { $0["ref"] as? String }) == Set(ServerFixture.clientsA))
        let tokenB = try await fixture.token(role: "manager", manager: ServerFixture.managerB)
        let rowsB = try #require(try await live.get("/v1/clients", token: tokenB).data as? [[String: Any]])
        #expect(Set(rowsB.compactMap { $0["ref"] as? String }) == Set(ServerFixture.clientsB))
        try await live.stop()
        // The JSON carries the field.
        #expect(String(decoding: try mine.jsonData(), as: UTF8.self).contains("\"manager\""))
    }

    @Test func theRateLimiterEvictsWithoutResettingASpentBucket() {
        let limiter = RateLimiter(ratePerSecond: 0.001, burst: 2, maximumKeys: 4)
        let t0 = ContinuousClock.now
        #expect(limiter.acquire(key: "a", now: t0) == nil)
        #expect(limiter.acquire(key: "a", now: t0) == nil)
        #expect(limiter.acquire(key: "a", now: t0) != nil)
        for (index, key) in ["b", "c", "d"].enumerated() { #expect(limiter.acquire(key: key, now: t0 + .seconds(index + 1)) == nil) }
        // "a" is used again (still refused), so it is not the least recent.
        #expect(limiter.acquire(key: "a", now: t0 + .seconds(4)) != nil)
        // A fifth key: only the least recently used bucket goes, never every bucket.
        #expect(limiter.acquire(key: "e", now: t0 + .seconds(5)) == nil)
        #expect(limiter.trackedKeys == 4)
        #expect(limiter.acquire(key: "a", now: t0 + .seconds(6)) != nil)

        // Buckets that refilled completely are the first to go (forgetting them changes nothing).
        let fast = RateLimiter(ratePerSecond: 1_000, burst: 2, maximumKeys: 2)
        #expect(fast.acquire(key: "x", now: t0) == nil)
        #expect(fast.acquire(key: "y", now: t0) == nil)
        #expect(fast.acquire(key: "z", now: t0 + .seconds(1)) == nil)
        #expect(fast.trackedKeys == 1)
    }

    // MARK: 2. The hash-chained access log

    @Test func theAccessLogChainNamesATamperedDeletedOrReorderedLine() throws {
        let folder = try Self.temporaryFolder()
        let key = TokenKey.generate()
        let path = "\(folder)/access.log"
        do {
            let log = try AccessLog(path: path, headKey: AccessLogChain.headKey(from: key), keyID: key.keyID)
            for index in 1...3 { log.record(Self.record(index)) }
            log.flush()
        }
        do {
            // A restarted server continues the chain.
            let log = try AccessLog(path: path, headKey: AccessLogChain.headKey(from: key), keyID: key.keyID)
            #expect(log.lastSequence == 3)
            for index in 4...6 { log.record(Self.record(index)) }
            log.flush()
        }
        let report = try AccessLogVerifier.verify(path: path, keys: [key])
        #expect(report == AccessLogVerifier.Report(chained: 6, unchained: 0, headVerified: true))
        let original = try String(contentsOfFile: path, encoding: .utf8)
        var lines = original.split(separator: "\n").map(String.init)
        #expect(lines.count == 6)

        func check(_ text: String, headPath: String? = nil, keys: [TokenKey]? = nil) -> AccessLogError? {
            let copy = "\(folder)/copy-\(UUID().uuidString.prefix(6)).log"
            try? Data(text.utf8).write(to: URL(filePath: copy))
            try? FileManager.default.copyItem(atPath: headPath ?? path + ".head", toPath: copy + ".head")
            do { _ = try AccessLogVerifier.verify(path: copy, keys: keys ?? [key]); return nil } catch { return error }
        }
        func located(_ error: AccessLogError?) -> (Int, String)? {
            if case .brokenChain(_, let line, let field, _) = error { return (line, field) }
            return nil
        }
        // Edited: status 200 -> 403 on line 3.
        var edited = lines
        edited[2] = edited[2].replacingOccurrences(of: "\"status\":200", with: "\"status\":403")
        let editedError = check(edited.joined(separator: "\n") + "\n")
        #expect(located(editedError)?.0 == 3 && located(editedError)?.1 == "hash", "\(String(describing: editedError))")
        // Deleted: line 2 gone, named at the line that now follows line 1.
        var deleted = lines
        deleted.remove(at: 1)
        let deletedError = check(deleted.joined(separator: "\n") + "\n")
        #expect(located(deletedError)?.0 == 2 && located(deletedError)?.1 == "seq", "\(String(describing: deletedError))")
        // Reordered: lines 4 and 5 swapped.
        var swapped = lines
        swapped.swapAt(3, 4)
        let swappedError = check(swapped.joined(separator: "\n") + "\n")
        #expect(located(swappedError)?.0 == 4, "\(String(describing: swappedError))")
        // The last line deleted: only the signed head can tell.
        let truncated = check(lines.dropLast().joined(separator: "\n") + "\n")
        if case .badHead(_, let field, _) = truncated { #expect(field == "seq") } else { Issue.record("truncation not caught: \(String(describing: truncated))") }
        // A head signed with another key does not verify.
        let otherKey = TokenKey.generate()
        let forged = check(original, keys: [TokenKey(secret: otherKey.secret, issuer: key.issuer, audience: key.audience)])
        if case .badHead(_, let field, _) = forged { #expect(field == "keyID") } else { Issue.record("foreign head key not caught") }
        #expect((editedError?.category.exitCode ?? 0) == 1)
        // Lines of earlier versions before the chain are a violation unless explicitly allowed,
        // and then counted.
        lines.insert(#"{"method":"GET","micros":1,"outcome":"allowed","path":"/healthz","status":200,"time":"2026-11-29T00:00:00Z"}"#, at: 0)
        let prefixed = "\(folder)/prefixed.log"
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(filePath: prefixed))
        try FileManager.default.copyItem(atPath: path + ".head", toPath: prefixed + ".head")
        #expect(throws: AccessLogError.unchainedPrefix(path: prefixed, line: 1)) { _ = try AccessLogVerifier.verify(path: prefixed, keys: [key]) }
        let allowed = try AccessLogVerifier.verify(path: prefixed, keys: [key], allowUnchainedPrefix: true)
        #expect(allowed.unchained == 1 && allowed.chained == 6 && allowed.headVerified)
    }

    @Test func theLiveServersLogVerifies() async throws {
        let fixture = try ServerFixture.make()
        let live = try await LiveServer.start(fixture.configuration())
        let token = try await fixture.token(role: "executive")
        #expect(try await live.get("/v1/population", token: token).status == 200)
        #expect(try await live.get("/v1/population").status == 401)
        #expect(try await live.get("/v1/clients", token: token).status == 403)
        try await live.stop()
        let report = try AccessLogVerifier.verify(path: fixture.accessLog, keys: try TokenKey.loadAll(fromFolder: fixture.tokenKeys))
        #expect(report.chained >= 3)
        #expect(report.headVerified)
        let text = try String(contentsOfFile: fixture.accessLog, encoding: .utf8)
        #expect(!text.contains(token))
    }

    // MARK: 3. Token keys

    static func base64URL(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A compact JWS signed by hand (an external identity provider's token).
    static func jws(header: [String: Any], claims: [String: Any], sign: (Data) throws -> Data) throws -> String {
        let head = base64URL(try JSONSerialization.data(withJSONObject: header, options: .sortedKeys))
        let body = base64URL(try JSONSerialization.data(withJSONObject: claims, options: .sortedKeys))
        let input = "\(head).\(body)"
        return "\(input).\(base64URL(try sign(Data(input.utf8))))"
    }

    static func claims(role: String = "executive", jti: String = UUID().uuidString, now: Date = Date()) -> [String: Any] {
        ["sub": "idp-user", "iss": TokenKey.defaultIssuer, "aud": TokenKey.defaultAudience, "role": role, "jti": jti,
         "exp": Int(now.timeIntervalSince1970) + 600, "nbf": Int(now.timeIntervalSince1970) - 5, "iat": Int(now.timeIntervalSince1970)]
    }

    @Test func eddsaTokensFromAJWKSVerifyAndConfusionIsRefused() async throws {
        let signer = Curve25519.Signing.PrivateKey()
        let x = Self.base64URL(signer.publicKey.rawRepresentation)
        let set = #"{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"idp-1","alg":"EdDSA","use":"sig","x":"\#(x)"}]}"#
        let external = try ExternalKey.parseSet(Data(set.utf8), path: "jwks.json")
        let revocations = RevocationList()
        let authority = try await TokenAuthority(keys: [TokenKey.generate()], external: external, revocations: revocations)
        func refusal(_ token: String) async -> String? {
            do { _ = try await authority.verify(token); return nil } catch { return error.code }
        }
        // EdDSA token with the right kid: accepted.
        let good = try Self.jws(header: ["alg": "EdDSA", "kid": "idp-1", "typ": "JWT"], claims: Self.claims()) { try signer.signature(for: $0) }
        #expect(try await authority.verify(good).role == "executive")
        // Another kid, or none (every token must name its key): refused.
        let wrongKid = try Self.jws(header: ["alg": "EdDSA", "kid": "idp-2"], claims: Self.claims()) { try signer.signature(for: $0) }
        #expect(await refusal(wrongKid) == "bad_signature")
        let noKid = try Self.jws(header: ["alg": "EdDSA"], claims: Self.claims()) { try signer.signature(for: $0) }
        #expect(await refusal(noKid) == "bad_signature")
        // Algorithm confusion: an HS256 token "signed" with the EdDSA public key bytes.
        let confused = try Self.jws(header: ["alg": "HS256", "kid": "idp-1"], claims: Self.claims()) { input in
            Data(HMAC<SHA256>.authenticationCode(for: input, using: SymmetricKey(data: signer.publicKey.rawRepresentation)))
        }
        #expect(await refusal(confused) == "unsupported_algorithm")
        // Another signer under the right kid.
        let impostor = try Self.jws(header: ["alg": "EdDSA", "kid": "idp-1"], claims: Self.claims()) { try Curve25519.Signing.PrivateKey().signature(for: $0) }
        #expect(await refusal(impostor) == "bad_signature")
        // A JWKS key without kid, or without a pinned alg, is refused at load naming the field.
        #expect(throws: ServerError.badJWKS(path: "j", field: "keys[0].kid", reason: "every key needs a kid (1 to 200 characters)")) {
            _ = try ExternalKey.parseSet(Data(#"{"keys":[{"kty":"OKP","crv":"Ed25519","alg":"EdDSA","x":"\#(x)"}]}"#.utf8), path: "j")
        }
        #expect(throws: ServerError.self) {
            _ = try ExternalKey.parseSet(Data(#"{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k","x":"\#(x)"}]}"#.utf8), path: "j")
        }
        // Revoking the kid refuses its tokens.
        let folder = try Self.temporaryFolder()
        try TokenRevocations(kids: ["idp-1"]).write(toFolder: folder)
        let live = RevocationList(try TokenRevocations.load(fromFolder: folder), folder: folder)
        #expect(live.list.kids == ["idp-1"])
        let revokedAuthority = try await TokenAuthority(keys: [TokenKey.generate()], external: external, revocations: live)
        do { _ = try await revokedAuthority.verify(good); Issue.record("a revoked kid verified") } catch { #expect(error.code == "revoked_token") }
    }

    @Test func rotationKeepsOldTokensAndRevocationRefusesThem() async throws {
        let folder = try Self.temporaryFolder()
        let first = try TokenKey.addGeneration(toFolder: folder)
        #expect(first.generation == 1)
        #expect(FileManager.default.fileExists(atPath: "\(folder)/token.key"))
        let oldToken = try await TokenAuthority(keys: try TokenKey.loadAll(fromFolder: folder)).issue(role: "executive", ttl: 600)
        let second = try TokenKey.addGeneration(toFolder: folder)
        #expect(second.generation == 2)
        #expect(FileManager.default.fileExists(atPath: "\(folder)/token-2.key"))
        #expect(try TokenKey.load(fromFolder: folder) == second)
        let both = try await TokenAuthority(keys: try TokenKey.loadAll(fromFolder: folder))
        #expect(try await both.verify(oldToken).role == "executive")
        let newToken = try await both.issue(role: "analyst", ttl: 600)
        #expect(newToken.split(separator: ".").first.flatMap { TokenAuthority.base64URLDecode($0) }
            .map { String(decoding: $0, as: UTF8.self).contains(second.keyID) } == true)
        // Revoking generation 1 refuses its tokens and keeps generation 2's.
        try TokenRevocations(kids: [first.keyID]).write(toFolder: folder)
        let revoked = try await TokenAuthority(keys: try TokenKey.loadAll(fromFolder: folder),
                                               revocations: RevocationList(try TokenRevocations.load(fromFolder: folder), folder: folder))
        do { _ = try await revoked.verify(oldToken); Issue.record("a token of a revoked generation verified") } catch { #expect(error.code == "revoked_token") }
        #expect(try await revoked.verify(newToken).role == "analyst")
        // Revoking every generation leaves nothing to sign with.
        try TokenRevocations(kids: [first.keyID, second.keyID]).write(toFolder: folder)
        let none = try await TokenAuthority(keys: try TokenKey.loadAll(fromFolder: folder),
                                            revocations: RevocationList(try TokenRevocations.load(fromFolder: folder), folder: folder))
        #expect(throws: ServerError.noSigningKey(folder: folder)) { _ = try none.signingKey() }
    }

    @Test func aRunningServerRefusesARevokedTokenID() async throws {
        let fixture = try ServerFixture.make()
        let live = try await LiveServer.start(fixture.configuration())
        let token = try await fixture.token(role: "executive")
        let other = try await fixture.token(role: "executive")
        #expect(try await live.get("/v1/population", token: token).status == 200)
        let identity = try await live.server.authority.verify(token)
        try TokenRevocations(jtis: [identity.tokenID]).write(toFolder: fixture.tokenKeys)
        let deadline = Date().addingTimeInterval(300)
        var answer = try await live.get("/v1/population", token: token)
        while answer.status == 200 && Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            answer = try await live.get("/v1/population", token: token)
        }
        #expect(answer.status == 401)
        #expect(answer.errorCode == "revoked_token")
        #expect(try await live.get("/v1/population", token: other).status == 200)
        try await live.stop()
    }

    // MARK: 4. Dashboard filters

    @Test func theDashboardOffersFiltersByGroupAndLevelUnderTheSameCSP() async throws {
        let fixture = try ServerFixture.make()
        let live = try await LiveServer.start(fixture.configuration())
        func page(_ token: String) async throws -> HTTPResult {
            let opened = try await live.post("/v1/session", token: token, body: "")
            let cookie = try #require(DashboardTests.cookie(opened))
            return try await RawHTTP.request(port: live.port, path: "/dashboard", headers: ["Cookie": cookie])
        }
        let executive = try await page(try await fixture.token(role: "executive"))
        #expect(executive.status == 200)
        let html = executive.text
        #expect(html.contains(#"<select id="filter-branch" class="group-filter" data-kind="branch">"#))
        #expect(html.contains("<option>B-11112222</option>"))
        #expect(html.contains(#"<select id="filter-manager""#))
        #expect(html.contains("<option>\(ServerFixture.managerA)</option>") && html.contains("<option>\(ServerFixture.managerB)</option>"))
        #expect(html.contains(#"<select id="filter-segment""#))
        // The executive receives no per-client rows: no level filter.
        #expect(!html.contains(#"id="filter-level""#))
        let policy = try #require(executive.headers["content-security-policy"])
        #expect(policy.hasPrefix("default-src 'none'; script-src 'self'; style-src 'sha256-"))
        #expect(!policy.contains("unsafe"))
        #expect(!html.contains("<script>"))
        #expect(!html.contains(#"<script src="http"#))
        let manager = try await page(try await fixture.token(role: "manager", manager: ServerFixture.managerA))
        #expect(manager.text.contains(#"<select id="filter-level">"#))
        let script = try await live.get("/static/dashboard.js").text
        #expect(script.contains("select.group-filter") && script.contains("filter-level") && script.contains("applyFilters"))
        try await live.stop()
    }
}
