import Foundation
import HeatCore
import HeatEnvelope
import HeatServer
import Logging
import ServiceLifecycle

/// A releases folder, the built-in policy, a token key and a running server on a free loopback port.
struct ServerFixture {
    static let managerA = "M-aaaa1111"
    static let managerB = "M-bbbb2222"
    static let clientsA = ["C-a0000001", "C-a0000002", "C-a0000003"]
    static let clientsB = ["C-b0000001", "C-b0000002"]

    let root: String
    var releases: String { "\(root)/releases" }
    var tokenKeys: String { "\(root)/token-keys" }
    var policy: String { "\(root)/policy.json" }
    var accessLog: String { "\(root)/access.log" }

    /// Creates the folders and documents.
    static func make() throws -> ServerFixture {
        let root = FileManager.default.temporaryDirectory.appending(path: "heat-server-tests-\(UUID().uuidString.prefix(8))").path
        let fixture = ServerFixture(root: root)
        try FileManager.default.createDirectory(atPath: fixture.releases, withIntermediateDirectories: true)
        try Data(PrivacyPolicy.defaultPolicyJSON.utf8).write(to: URL(filePath: fixture.policy))
        try TokenKey.generate().write(toFolder: fixture.tokenKeys)
        try write(executive(), to: "\(fixture.releases)/executive.json")
        try write(analyst(), to: "\(fixture.releases)/analyst.json")
        try write(manager(clients: clientsA), to: "\(fixture.releases)/\(managerA).json")
        try write(manager(clients: clientsB), to: "\(fixture.releases)/\(managerB).json")
        return fixture
    }

    static func write(_ document: ResultsDocument, to path: String) throws {
        try document.jsonData().write(to: URL(filePath: path))
    }

    static func base(role: String, epsilon: Double? = nil, at seconds: Int64 = 1_771_200_000) -> ResultsDocument {
        ResultsDocument(generatedAt: UTCTimestamp(secondsSinceEpoch: seconds), mode: .plaintext, asOf: CalendarDate(daysSinceEpoch: 20_499),
                        role: role, policy: PolicySummary(name: "built-in-default", minGroupSize: 5, epsilon: epsilon))
    }

    static func executive(at seconds: Int64 = 1_771_200_000, clients: Int = 40) -> ResultsDocument {
        var document = base(role: "executive", at: seconds)
        document.population = Population(clients: clients, levels: [.cold: 10, .cool: 10, .warm: 10, .hot: clients - 30], cooling: 4, meanHeat: 1234, trend: 5)
        document.heatHistogram = [HistogramBin(from: 0, to: 1000, clients: 20), HistogramBin(from: 1000, to: 2000, clients: 20)]
        document.weekly = [WeeklyCount(week: ISOWeek(year: 2026, week: 7)!, channel: .call, events: 77)]
        document.groups = [
            GroupSummary(kind: .manager, ref: managerA, clients: 20, meanHeat: 1000, cooling: 2),
            GroupSummary(kind: .manager, ref: managerB, clients: 20, meanHeat: 1400, cooling: 2),
            GroupSummary(kind: .branch, ref: "B-11112222", clients: 40, meanHeat: 1234, cooling: 4),
            GroupSummary(kind: .segment, ref: "retail", clients: 40, meanHeat: 1234, cooling: 4),
        ]
        document.personas = [PersonaCount(label: "loyal", clients: 25), PersonaCount(label: "drifting", clients: 15)]
        document.model = ModelSection(kind: "logistic", metrics: ["rocAuc": 0.8, "prAuc": 0.5])
        return document
    }

    static func analyst() -> ResultsDocument {
        var document = executive()
        document.role = "analyst"
        document.policy = PolicySummary(name: "built-in-default", minGroupSize: 5, epsilon: 1.0)
        return document
    }

    static func manager(clients refs: [String]) -> ResultsDocument {
        var document = base(role: "manager")
        document.clients = refs.enumerated().map { ClientResult(ref: $1, heat: 100 * ($0 + 1), trend: 1, level: .warm, cooling: false) }
        return document
    }

    /// The server's configuration over this fixture.
    func configuration(limits: ServerLimits = ServerLimits()) -> ServerConfiguration {
        var configuration = ServerConfiguration(releases: releases, policy: policy, tokenKeys: tokenKeys)
        configuration.port = 0
        configuration.accessLog = accessLog
        configuration.limits = limits
        configuration.watchInterval = .milliseconds(100)
        return configuration
    }

    func token(role: String, manager: String? = nil, ttl: TimeInterval = 600, now: Date = Date()) async throws -> String {
        let authority = await TokenAuthority(key: try TokenKey.load(fromFolder: tokenKeys))
        return try await authority.issue(role: role, manager: manager, subject: "test", ttl: ttl, now: now)
    }
}

/// The real server, bound to a free loopback port, run by a swift-service-lifecycle group.
struct LiveServer {
    let port: Int
    let server: HeatAPIServer
    let group: ServiceGroup
    let task: Task<Void, any Error>

    static func start(_ configuration: ServerConfiguration) async throws -> LiveServer {
        var logger = Logger(label: "heat-server-tests")
        logger.logLevel = .error
        let server = try await HeatAPIServer.prepare(configuration, logger: logger)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let application = server.makeApplication(onBound: { port in continuation.yield(port) })
        let group = ServiceGroup(configuration: .init(services: [application], logger: logger))
        // If the server ends before it is bound (an error at start), the stream ends too, so the
        // test fails with the server's error instead of waiting for a port for ever.
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await task.value
            throw RawHTTPError(description: "the server stopped before it was bound")
        }
        return LiveServer(port: port, server: server, group: group, task: task)
    }

    /// Graceful shutdown; returns when the server has stopped.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
        server.accessLog.flush()
    }

    func get(_ path: String, token: String? = nil) async throws -> HTTPResult {
        try await RawHTTP.request(port: port, path: path, headers: token.map { ["Authorization": "Bearer \($0)"] } ?? [:])
    }

    func post(_ path: String, token: String?, body: String, contentType: String = "application/json") async throws -> HTTPResult {
        var headers = ["Content-Type": contentType]
        if let token { headers["Authorization"] = "Bearer \(token)" }
        return try await RawHTTP.request(port: port, method: "POST", path: path, headers: headers, body: Data(body.utf8))
    }
}
