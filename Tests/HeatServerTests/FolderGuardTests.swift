import Foundation
import HeatCore
import HeatEnvelope
import Testing
@testable import HeatServer

/// The server refuses to start when a folder it reads holds secret material, however it is disguised.
@Suite struct FolderGuardTests {
    static func secretEnvelope(_ kind: EnvelopeKind) -> Data {
        Envelope(kind: kind, payload: Data(#"{"algorithm":"ed25519","privateKey":"00"}"#.utf8)).serialized()
    }

    func refusal(_ fixture: ServerFixture) async -> ServerError? {
        do {
            _ = try await HeatAPIServer.prepare(fixture.configuration())
            return nil
        } catch let error as ServerError {
            return error
        } catch {
            return nil
        }
    }

    @Test(arguments: [EnvelopeKind.fheSecretKey, .signingKey, .pseudonymisationKey, .ingestionKey, .tfheSecretKey, .serverTokenKey])
    func aSecretRenamedAsAReleaseIsRefused(kind: EnvelopeKind) async throws {
        let fixture = try ServerFixture.make()
        try Self.secretEnvelope(kind).write(to: URL(filePath: "\(fixture.releases)/results-2.json"))
        let error = await refusal(fixture)
        guard case .secretMaterial(let path, _, let option) = error else {
            Issue.record("expected a refusal, got \(String(describing: error))")
            return
        }
        #expect(option == "--releases")
        #expect(path.hasSuffix("results-2.json"))
        #expect(error?.category.exitCode == 64)
    }

    @Test func hiddenNestedLinkedAndExportedSecretsAreRefused() async throws {
        let outside = FileManager.default.temporaryDirectory.appending(path: "heat-secret-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try Self.secretEnvelope(.signingKey).write(to: URL(filePath: "\(outside)/signing.key"))

        // A link to the store signing key.
        var fixture = try ServerFixture.make()
        try FileManager.default.createSymbolicLink(atPath: "\(fixture.releases)/latest.json", withDestinationPath: "\(outside)/signing.key")
        #expect(await refusal(fixture).map { if case .secretMaterial = $0 { true } else { false } } == true)

        // A hidden file in a nested folder.
        fixture = try ServerFixture.make()
        try FileManager.default.createDirectory(atPath: "\(fixture.releases)/archive/.old", withIntermediateDirectories: true)
        try Self.secretEnvelope(.fheSecretKey).write(to: URL(filePath: "\(fixture.releases)/archive/.old/x"))
        #expect(await refusal(fixture).map { if case .secretMaterial = $0 { true } else { false } } == true)

        // A JSON export of the FHE secret key (`fhe export-json --include-secret`).
        fixture = try ServerFixture.make()
        try Data(#"{"scheme":"BFV","kind":"secretKey","n":16,"coefficients":[1,0]}"#.utf8).write(to: URL(filePath: "\(fixture.releases)/secret.json"))
        #expect(await refusal(fixture).map { if case .secretMaterial = $0 { true } else { false } } == true)

        // The signing key in the token-keys folder.
        fixture = try ServerFixture.make()
        try Self.secretEnvelope(.signingKey).write(to: URL(filePath: "\(fixture.tokenKeys)/store-signing.key"))
        guard case .secretMaterial(_, _, let option) = await refusal(fixture) else {
            Issue.record("the token-keys folder with a signing key was accepted")
            return
        }
        #expect(option == "--token-keys")
    }

    @Test func aCleanFixtureStartsAndPublicKindsAreAllowed() async throws {
        let fixture = try ServerFixture.make()
        try Envelope(kind: .verificationKey, payload: Data("{}".utf8)).serialized().write(to: URL(filePath: "\(fixture.releases)/auditor.pub"))
        #expect(await refusal(fixture) == nil)
    }

    @Test func missingTokenKeyAndBadReleaseNameTheFile() async throws {
        var fixture = try ServerFixture.make()
        try FileManager.default.removeItem(atPath: "\(fixture.tokenKeys)/\(TokenKey.fileName)")
        #expect(await refusal(fixture) == .missingTokenKey(folder: fixture.tokenKeys))
        fixture = try ServerFixture.make()
        try Data(#"{"schema":"customerheat.results/1"}"#.utf8).write(to: URL(filePath: "\(fixture.releases)/broken.json"))
        guard case .badRelease(let path, _) = await refusal(fixture) else {
            Issue.record("a broken release was accepted")
            return
        }
        #expect(path.hasSuffix("broken.json"))
    }
}

/// The OpenAPI document lists exactly the router's routes.
@Suite struct OpenAPITests {
    @Test func everyRouteIsDocumentedAndEveryDocumentedRouteExists() async throws {
        let fixture = try ServerFixture.make()
        let server = try await HeatAPIServer.prepare(fixture.configuration())
        let routes = Set(server.makeRouter().routes.map { "\($0.method.rawValue) \($0.path)" })
        let document = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var documented: Set<String> = []
        for (path, operations) in paths {
            for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
        }
        #expect(routes == documented, "router only: \(routes.subtracting(documented)); document only: \(documented.subtracting(routes))")
        #expect(routes == Set(HeatAPIServer.routeList))
    }
}

/// Token issuing limits and the TTL parser.
@Suite struct TokenAuthorityTests {
    @Test func issueAndVerifyRoundTripWithinTheSkew() async throws {
        let authority = await TokenAuthority(key: TokenKey.generate(), skew: 30)
        let now = Date()
        let token = try await authority.issue(role: "manager", manager: "M-12345678", subject: "ops", ttl: 60, now: now)
        let identity = try await authority.verify(token, now: now.addingTimeInterval(80))   // 20 s past exp: within skew
        #expect(identity.role == "manager")
        #expect(identity.manager == "M-12345678")
        await #expect(throws: TokenRefusal.self) { _ = try await authority.verify(token, now: now.addingTimeInterval(95)) }
        await #expect(throws: (any Error).self) { _ = try await authority.issue(role: "x", ttl: 90_000) }
    }

    @Test func theTokenKeyFileIsASecretEnvelope() throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "heat-token-\(UUID().uuidString.prefix(8))").path
        let key = TokenKey.generate()
        try key.write(toFolder: folder)
        #expect(try TokenKey.load(fromFolder: folder) == key)
        let attributes = try FileManager.default.attributesOfItem(atPath: "\(folder)/\(TokenKey.fileName)")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(throws: ServerError.self) { try TokenKey.generate().write(toFolder: folder) }
    }
}
