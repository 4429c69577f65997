import Crypto
import Foundation
import HeatCore
import HeatEnvelope
import Testing
@testable import HeatServer

/// The real server on a free loopback port: each role sees exactly what the policy allows.
@Suite(.serialized) struct ServerIntegrationTests {
    static let sections = ["/v1/population", "/v1/histogram", "/v1/weekly", "/v1/groups", "/v1/clients", "/v1/personas", "/v1/model"]

    /// Status per section for each role of the built-in policy (default-deny: 403 for what the role may not receive).
    static let expected: [String: [String: Int]] = [
        "executive": ["/v1/population": 200, "/v1/histogram": 200, "/v1/weekly": 200, "/v1/groups": 200, "/v1/clients": 403, "/v1/personas": 200, "/v1/model": 200],
        "analyst": ["/v1/population": 200, "/v1/histogram": 200, "/v1/weekly": 200, "/v1/groups": 200, "/v1/clients": 403, "/v1/personas": 200, "/v1/model": 200],
        "manager": ["/v1/population": 200, "/v1/histogram": 200, "/v1/weekly": 403, "/v1/groups": 200, "/v1/clients": 200, "/v1/personas": 200, "/v1/model": 403],
        "auditor": ["/v1/population": 403, "/v1/histogram": 403, "/v1/weekly": 403, "/v1/groups": 403, "/v1/clients": 403, "/v1/personas": 403, "/v1/model": 403],
    ]

    @Test func eachRoleSeesExactlyWhatThePolicyAllows() async throws {
        let fixture = try ServerFixture.make()
        let live = try await LiveServer.start(fixture.configuration())
        for (role, statuses) in Self.expected {
            let token = try await fixture.token(role: role, manager: role == "manager" ? ServerFixture.managerA : nil)
            for path in Self.sections {
                let answer = try await live.get(path, token: token)
                #expect(answer.status == statuses[path], "\(role) \(path): \(answer.status) \(answer.text)")
                if answer.status == 403 { #expect(answer.errorCode == "forbidden") }
            }
        }
        // The manager's groups are narrowed to the kinds the policy names (manager, branch): no segment.
        let managerToken = try await fixture.token(role: "manager", manager: ServerFixture.managerA)
        let groups = try await live.get("/v1/groups", token: managerToken)
        let kinds = Set(((groups.data as? [[String: Any]]) ?? []).compactMap { $0["kind"] as? String })
        #expect(kinds == ["manager", "branch"])
        #expect(try await live.get("/v1/groups?kind=segment", token: managerToken).status == 403)
        // A manager sees their own clients only, never another manager's.
        let clients = try await live.get("/v1/clients", token: managerToken)
        let refs = ((clients.data as? [[String: Any]]) ?? []).compactMap { $0["ref"] as? String }
        #expect(refs.sorted() == ServerFixture.clientsA.sorted())
        #expect(!clients.text.contains("C-b0000001"))
        let filtered = try await live.get("/v1/clients?search=C-a0000002", token: managerToken)
        #expect(((filtered.data as? [[String: Any]]) ?? []).count == 1)
        // A manager token without a manager claim gets no rows.
        let anonymousManager = try await fixture.token(role: "manager")
        #expect(try await live.get("/v1/clients", token: anonymousManager).status == 403)
        // The executive's numbers are the released ones.
        let executive = try await fixture.token(role: "executive")
        let population = try await live.get("/v1/population", token: executive)
        #expect((population.data as? [String: Any])?["clients"] as? Int == 40)
        // A role the policy does not name is refused (default-deny).
        let intruder = try await fixture.token(role: "intruder")
        let refused = try await live.get("/v1/population", token: intruder)
        #expect(refused.status == 403)
        #expect(refused.errorCode == "forbidden")
        try await live.stop()
    }

    @Test func badTokensAreRefusedAndLogged() async throws {
        let fixture = try ServerFixture.make()
        let live = try await LiveServer.start(fixture.configuration())
        let key = try TokenKey.load(fromFolder: fixture.tokenKeys)
        let good = try await fixture.token(role: "executive")
        #expect(try await live.get("/v1/population", token: good).status == 200)

        var cases: [(String, String)] = []
        cases.append(("not-a-jwt", "malformed_token"))
        let parts = good.split(separator: ".").map(String.init)
        // Tampered payload: the role changed to manager, the signature kept.
        let claims = try #require(TokenAuthority.base64URLDecode(Substring(parts[1])))
        let tampered = String(decoding: claims, as: UTF8.self).replacingOccurrences(of: "\"executive\"", with: "\"analystx\"")
        cases.append(([parts[0], Self.base64URL(Data(tampered.utf8)), parts[2]].joined(separator: "."), "bad_signature"))
        // alg=none with no signature.
        let noneHeader = Self.base64URL(Data(#"{"alg":"none","typ":"JWT"}"#.utf8))
        cases.append(([noneHeader, parts[1], ""].joined(separator: "."), "unsupported_algorithm"))
        // HS512 signed with the right secret: the algorithm is pinned to HS256.
        let hs512Header = Self.base64URL(Data(#"{"alg":"HS512","typ":"JWT"}"#.utf8))
        let signingInput = "\(hs512Header).\(parts[1])"
        let mac = HMAC<SHA512>.authenticationCode(for: Data(signingInput.utf8), using: SymmetricKey(data: key.secret))
        cases.append(("\(signingInput).\(Self.base64URL(Data(mac)))", "unsupported_algorithm"))
        // Expired (issued 2 h ago for 1 h) and not yet valid (issued 1 h ahead), beyond the skew.
        cases.append((try await fixture.token(role: "executive", ttl: 3_600, now: Date().addingTimeInterval(-7_200)), "expired_token"))
        cases.append((try await fixture.token(role: "executive", ttl: 3_600, now: Date().addingTimeInterval(3_600)), "token_not_yet_valid"))
        // Right secret, wrong audience / issuer.
        let otherAudience = await TokenAuthority(key: TokenKey(secret: key.secret, issuer: key.issuer, audience: "another-api"))
        cases.append((try await otherAudience.issue(role: "executive", ttl: 600), "wrong_audience"))
        let otherIssuer = await TokenAuthority(key: TokenKey(secret: key.secret, issuer: "someone-else", audience: key.audience))
        cases.append((try await otherIssuer.issue(role: "executive", ttl: 600), "wrong_issuer"))
        // Another key altogether.
        let stranger = await TokenAuthority(key: TokenKey.generate())
        cases.append((try await stranger.issue(role: "executive", ttl: 600), "bad_signature"))

        for (token, code) in cases {
            let answer = try await live.get("/v1/population", token: token)
            #expect(answer.status == 401, "\(code): \(answer.status)")
            #expect(answer.errorCode == code, "expected \(code), got \(answer.errorCode ?? "-")")
            #expect(answer.headers["www-authenticate"] != nil)
        }
        let missing = try await live.get("/v1/population")
        #expect(missing.status == 401)
        #expect(missing.errorCode == "missing_token")
        let auditor = try await fixture.token(role: "auditor")
        #expect(try await live.get("/v1/population", token: auditor).status == 403)
        try await live.stop()

        // Every refusal is in the access log with its code; no token text ever is.
        let log = try String(contentsOfFile: fixture.accessLog, encoding: .utf8)
        let lines = log.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let refusedCodes = lines.filter { $0["outcome"] as? String == "refused" }.compactMap { $0["code"] as? String }
        for (_, code) in cases { #expect(refusedCodes.contains(code), "\(code) not logged") }
        #expect(refusedCodes.contains("missing_token"))
        #expect(lines.contains { $0["status"] as? Int == 403 && $0["role"] as? String == "auditor" })
        #expect(lines.contains { $0["outcome"] as? String == "allowed" && $0["role"] as? String == "executive" })
        #expect(!log.contains(parts[2]))
        #expect(!log.contains(good))
    }

    @Test func badRequestsGetDocumentedErrors() async throws {
        let fixture = try ServerFixture.make()
        var limits = ServerLimits()
        limits.maxBodyBytes = 1_024
        let live = try await LiveServer.start(fixture.configuration(limits: limits))
        let token = try await fixture.token(role: "executive")
        let malformed = try await live.post("/v1/ask", token: token, body: "{\"question\": ")
        #expect(malformed.status == 400)
        #expect(malformed.errorCode == "malformed_json")
        let unknown = try await live.post("/v1/ask", token: token, body: #"{"question": "how many clients?", "role": "admin"}"#)
        #expect(unknown.status == 400)
        #expect(unknown.errorCode == "unknown_field")
        let oversized = try await live.post("/v1/ask", token: token, body: #"{"question": ""# + String(repeating: "x", count: 4_000) + #""}"#)
        #expect(oversized.status == 413)
        #expect(oversized.errorCode == "body_too_large")
        let wrongType = try await live.post("/v1/ask", token: token, body: "question=x", contentType: "text/plain")
        #expect(wrongType.status == 415)
        #expect(wrongType.errorCode == "unsupported_media_type")
        let missingField = try await live.post("/v1/ask", token: token, body: #"{"question": 3}"#)
        #expect(missingField.errorCode == "invalid_field")
        let unknownQuery = try await live.get("/v1/clients?ownerId=1", token: try await fixture.token(role: "manager", manager: ServerFixture.managerA))
        #expect(unknownQuery.errorCode == "unknown_field")
        let noRoute = try await live.get("/v1/nothing", token: token)
        #expect(noRoute.status == 404)
        #expect(noRoute.errorCode == "not_found")
        let noModel = try await live.post("/v1/score", token: token, body: #"{"rows": [{"heat": 1}]}"#)
        #expect(noModel.status == 404)
        #expect(noModel.errorCode == "no_model")
        // The analyst answers from the role's release.
        let asked = try await live.post("/v1/ask", token: token, body: #"{"question": "how many clients are there?"}"#)
        #expect(asked.status == 200, "\(asked.text)")
        for answer in [malformed, unknown, oversized, wrongType, noRoute] {
            #expect(answer.headers["content-type"]?.hasPrefix("application/json") == true)
            #expect(!answer.text.contains(fixture.root))
        }
        try await live.stop()
    }

    @Test func askAnswersFromTheCallersReleaseOnly() async throws {
        let fixture = try ServerFixture.make()
        let live = try await LiveServer.start(fixture.configuration())
        // The answer is the analyst's JSON: status, text and every figure it quotes.
        func answer(_ result: HTTPResult) -> (status: String?, text: String, kind: String?, figures: Int) {
            let object = result.json ?? [:]
            return (object["status"] as? String, object["text"] as? String ?? "", object["kind"] as? String,
                    (object["figures"] as? [Any])?.count ?? 0)
        }
        // The executive's release holds 40 clients: the analyst quotes that number.
        let executive = try await fixture.token(role: "executive")
        let counted = answer(try await live.post("/v1/ask", token: executive, body: #"{"question": "how many clients are there?"}"#))
        #expect(counted.status == "answered" && counted.text.contains("40"), "\(counted)")
        // The executive may look up a segment; a manager's release is narrowed to manager and
        // branch groups (as /v1/groups shows), so the same question gets no segment figure.
        let segment = #"{"question": "what is the mean heat of segment retail?"}"#
        let executiveSegment = answer(try await live.post("/v1/ask", token: executive, body: segment))
        #expect(executiveSegment.status == "answered" && executiveSegment.kind == "segment", "\(executiveSegment)")
        let managerA = try await fixture.token(role: "manager", manager: ServerFixture.managerA)
        let managerSegment = answer(try await live.post("/v1/ask", token: managerA, body: segment))
        #expect(managerSegment.status != "answered" || managerSegment.kind != "segment", "\(managerSegment)")
        // Manager groups are released to managers by the built-in policy: the analyst quotes the same
        // figure /v1/groups gives that role, never more.
        let groups = try await live.get("/v1/groups", token: managerA)
        let visible = ((groups.data as? [[String: Any]]) ?? []).contains { $0["ref"] as? String == ServerFixture.managerB }
        let other = answer(try await live.post("/v1/ask", token: managerA, body: #"{"question": "what is the mean heat of manager M-bbbb2222?"}"#))
        #expect((other.status == "answered") == visible, "\(other) visible in /v1/groups: \(visible)")
        // The auditor's role receives no results: nothing is quoted.
        let auditor = try await fixture.token(role: "auditor")
        let audited = try await live.post("/v1/ask", token: auditor, body: #"{"question": "how many clients are there?"}"#)
        let auditorAnswer = answer(audited)
        #expect(audited.status == 403 || (auditorAnswer.status != "answered" && auditorAnswer.figures == 0), "\(audited.text)")
        try await live.stop()
    }

    @Test func perTokenRateLimitAnswers429WithRetryAfter() async throws {
        let fixture = try ServerFixture.make()
        var limits = ServerLimits()
        // One token back per 1,000 s: a slow machine cannot refill the bucket between the requests.
        limits.ratePerSecond = 0.001
        limits.burst = 3
        let live = try await LiveServer.start(fixture.configuration(limits: limits))
        let token = try await fixture.token(role: "executive")
        var statuses: [Int] = []
        var retryAfter: String?
        for _ in 0..<5 {
            let answer = try await live.get("/v1/population", token: token)
            statuses.append(answer.status)
            if answer.status == 429 { retryAfter = answer.headers["retry-after"]; #expect(answer.errorCode == "rate_limited") }
        }
        #expect(statuses.prefix(3).allSatisfy { $0 == 200 })
        #expect(statuses.suffix(2).allSatisfy { $0 == 429 })
        #expect(retryAfter.flatMap(Int.init).map { $0 >= 1 } == true)
        // Another token has its own budget.
        #expect(try await live.get("/v1/population", token: try await fixture.token(role: "executive")).status == 200)
        try await live.stop()
    }

    @Test func aNewReleaseReachesAConnectedEventStream() async throws {
        let fixture = try ServerFixture.make()
        let live = try await LiveServer.start(fixture.configuration())
        let token = try await fixture.token(role: "executive")
        let releases = fixture.releases
        let text = try await RawHTTP.readStream(
            port: live.port, path: "/v1/events", headers: ["Authorization": "Bearer \(token)"], until: "event: release", seconds: 300
        ) {
            try? ServerFixture.write(ServerFixture.executive(at: 1_771_300_000, clients: 50), to: "\(releases)/executive-2.json")
        }
        #expect(text.contains("event: release"), "\(text)")
        // The new release is what the executive now sees.
        let population = try await live.get("/v1/population", token: token)
        #expect((population.data as? [String: Any])?["clients"] as? Int == 50)
        #expect(try await live.get("/v1/events").status == 401)
        try await live.stop()
    }

    @Test func operationalEndpointsAndGracefulShutdown() async throws {
        let fixture = try ServerFixture.make()
        let live = try await LiveServer.start(fixture.configuration())
        #expect(try await live.get("/healthz").status == 200)
        let ready = try await live.get("/readyz")
        #expect(ready.status == 200)
        #expect(ready.json?["releases"] as? Int == 4)
        _ = try await live.get("/v1/population")
        let metrics = try await live.get("/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.text.contains("heat_http_requests_total{status=\"401\"}"))
        try await live.stop()
        // After a graceful stop the port no longer answers.
        await #expect(throws: (any Error).self) { _ = try await live.get("/healthz") }
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

/// The dashboard: token exchanged for an HttpOnly SameSite=Strict cookie, CSRF on state-changing
/// requests, strict CSP, the report's sections for the role.
@Suite(.serialized) struct DashboardTests {
    static func cookie(_ answer: HTTPResult) -> String? {
        answer.headers["set-cookie"]?.split(separator: ";").first.map(String.init)
    }

    @Test func tokenForCookieWithCSRFAndAStrictPage() async throws {
        let fixture = try ServerFixture.make()
        let live = try await LiveServer.start(fixture.configuration())
        let token = try await fixture.token(role: "manager", manager: ServerFixture.managerA)
        // Signed out: the sign-in page, with a strict policy and our script only.
        let login = try await live.get("/")
        #expect(login.status == 200)
        let loginPolicy = try #require(login.headers["content-security-policy"])
        #expect(loginPolicy.contains("script-src 'self'"))
        #expect(!loginPolicy.contains("unsafe-inline"))
        #expect(try await live.get("/dashboard").status == 303)

        let opened = try await live.post("/v1/session", token: token, body: "")
        #expect(opened.status == 200, "\(opened.text)")
        let setCookie = try #require(opened.headers["set-cookie"])
        #expect(setCookie.contains("HttpOnly"))
        #expect(setCookie.contains("SameSite=Strict"))
        #expect(!setCookie.contains(token))
        let cookie = try #require(Self.cookie(opened))
        let csrf = try #require(opened.json?["csrf"] as? String)

        // The cookie authenticates reads; state-changing requests need the CSRF token.
        let read = try await RawHTTP.request(port: live.port, path: "/v1/population", headers: ["Cookie": cookie])
        #expect(read.status == 200)
        let ask = #"{"question": "how many clients are there?"}"#
        let forged = try await RawHTTP.request(port: live.port, method: "POST", path: "/v1/ask",
                                               headers: ["Cookie": cookie, "Content-Type": "application/json"], body: Data(ask.utf8))
        #expect(forged.status == 403)
        #expect(forged.errorCode == "csrf_required")
        let wrong = try await RawHTTP.request(port: live.port, method: "POST", path: "/v1/ask",
                                              headers: ["Cookie": cookie, "Content-Type": "application/json", "X-CSRF-Token": (csrf.hasPrefix("x") ? "y" : "x") + csrf.dropFirst()],
                                              body: Data(ask.utf8))
        #expect(wrong.errorCode == "csrf_required")
        let allowed = try await RawHTTP.request(port: live.port, method: "POST", path: "/v1/ask",
                                                headers: ["Cookie": cookie, "Content-Type": "application/json", "X-CSRF-Token": csrf],
                                                body: Data(ask.utf8))
        #expect(allowed.status == 200, "\(allowed.text)")

        // The dashboard: the report's sections for the manager, their own clients, a strict CSP.
        let page = try await RawHTTP.request(port: live.port, path: "/dashboard", headers: ["Cookie": cookie])
        #expect(page.status == 200)
        let policy = try #require(page.headers["content-security-policy"])
        #expect(policy.contains("default-src 'none'"))
        #expect(policy.contains("script-src 'self'"))
        #expect(policy.contains("style-src 'sha256-"))
        #expect(!policy.contains("unsafe"))
        #expect(page.text.contains("id=\"section-population\""))
        #expect(page.text.contains("C-a0000001"))
        #expect(!page.text.contains("C-b0000001"))
        #expect(!page.text.contains("section-weekly"))
        #expect(!page.text.contains("http-equiv=\"Content-Security-Policy\""))
        #expect(!page.text.contains("<script>"))
        // Every inline stylesheet is covered by a hash in the policy.
        for style in Dashboard.inlineStyles(in: page.text) {
            #expect(Dashboard.contentSecurityPolicy(styles: [style]).split(separator: " ").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ";")) }.contains { policy.contains($0) && $0.hasPrefix("'sha256-") })
        }

        // Signing out needs the CSRF token, then the cookie is dead.
        let badOut = try await RawHTTP.request(port: live.port, method: "DELETE", path: "/v1/session", headers: ["Cookie": cookie])
        #expect(badOut.status == 403)
        let out = try await RawHTTP.request(port: live.port, method: "DELETE", path: "/v1/session", headers: ["Cookie": cookie, "X-CSRF-Token": csrf])
        #expect(out.status == 204)
        #expect(try await RawHTTP.request(port: live.port, path: "/v1/population", headers: ["Cookie": cookie]).status == 401)
        try await live.stop()
    }
}
