import Foundation
import HeatEnvelope

/// A named stress scenario: multiplicative shocks to weekly contact, applied to a copy of a
/// portfolio over the last ``weeks`` weeks up to the reference week.
///
/// The factor of one client's bucket (channel × direction) in a shocked week is the product of
/// the channel factor (``channels``: a key `meeting` applies to both directions, a key
/// `call.inbound` to one, and overrides the channel's key), the segment factor (``segments``)
/// and, for clients of a leaving manager, ``Attrition/contactFactor``. A factor below 1 thins
/// the bucket's events (each kept with that probability); above 1 adds events at the client's
/// own rate for that bucket. See ``ScenarioRunner``.
///
/// ```swift
/// let shock = try ScenarioShock.named("recession")
/// let custom = try ScenarioShock.load(from: URL(filePath: "shock.json"))
/// ```
public struct ScenarioShock: Sendable, Codable, Equatable {
    /// A wave of relationship managers leaving.
    public struct Attrition: Sendable, Codable, Equatable {
        /// The share of managers who leave (0…1), drawn with the run's seed.
        public var managerShare: Double
        /// The factor on their clients' contact during the shock (0…1).
        public var contactFactor: Double

        /// Creates an attrition wave.
        public init(managerShare: Double, contactFactor: Double) {
            self.managerShare = managerShare
            self.contactFactor = contactFactor
        }
    }

    /// The scenario's name (letters, digits and dashes).
    public var name: String
    /// What the scenario models, in one or two sentences.
    public var summary: String
    /// Shocked weeks, counted back from the reference week (1…52).
    public var weeks: Int
    /// Factors per channel (`meeting`) or channel and direction (`call.inbound`), each 0…10.
    public var channels: [String: Double]
    /// Factors per client segment, each 0…10.
    public var segments: [String: Double]
    /// An optional manager attrition wave.
    public var attrition: Attrition?

    /// Creates a shock.
    public init(name: String, summary: String, weeks: Int, channels: [String: Double] = [:], segments: [String: Double] = [:],
                attrition: Attrition? = nil) {
        self.name = name
        self.summary = summary
        self.weeks = weeks
        self.channels = channels
        self.segments = segments
        self.attrition = attrition
    }

    /// The factor of one channel and direction from ``channels`` (1 when absent).
    public func channelFactor(_ channel: Channel, _ direction: Direction) -> Double {
        channels["\(channel.rawValue).\(direction.rawValue)"] ?? channels[channel.rawValue] ?? 1
    }

    // MARK: Catalog

    /// The built-in scenarios, in listing order.
    public static let catalog: [ScenarioShock] = [
        ScenarioShock(
            name: "recession",
            summary: "A downturn over 12 weeks: face-to-face meetings fall by 40 %, worried clients call and write in more "
                + "(inbound calls +40 %, inbound e-mail +20 %), business clients pull back (-15 %).",
            weeks: 12, channels: ["meeting": 0.6, "call.inbound": 1.4, "email.inbound": 1.2], segments: ["business": 0.85]),
        ScenarioShock(
            name: "attrition-wave",
            summary: "15 % of relationship managers left 6 weeks ago; since then their clients get 30 % of their usual "
                + "contact while the portfolio waits to be reassigned.",
            weeks: 6, attrition: Attrition(managerShare: 0.15, contactFactor: 0.3)),
        ScenarioShock(
            name: "market-boom",
            summary: "A bull market over 8 weeks: every channel +20 %, meetings +40 %, inbound calls +30 %; "
                + "affluent and private clients engage most (+10 %).",
            weeks: 8, channels: ["call": 1.2, "email": 1.2, "message": 1.2, "meeting": 1.4, "call.inbound": 1.3],
            segments: ["affluent": 1.1, "private": 1.1]),
        ScenarioShock(
            name: "health-crisis",
            summary: "A health crisis over 10 weeks: meetings stop almost entirely (-80 %), contact moves to calls (+30 %), "
                + "messages (+50 %) and e-mail (+20 %).",
            weeks: 10, channels: ["meeting": 0.2, "call": 1.3, "message": 1.5, "email": 1.2]),
    ]

    /// The built-in scenario with this name.
    ///
    /// - Throws: ``ScenarioError/unknownScenario(name:known:)``.
    public static func named(_ name: String) throws(ScenarioError) -> ScenarioShock {
        guard let shock = catalog.first(where: { $0.name == name }) else {
            throw .unknownScenario(name: name, known: catalog.map(\.name))
        }
        return shock
    }

    // MARK: Custom shocks

    /// The keys a shock file may hold.
    static let fields: Set<String> = ["name", "summary", "weeks", "channels", "segments", "attrition"]

    /// Reads a custom shock from a JSON file; every problem names the field (exit 78).
    ///
    /// ```json
    /// {"name": "branch-closure", "summary": "Branch meetings stop for a quarter.", "weeks": 13,
    ///  "channels": {"meeting": 0.1, "call.inbound": 1.2}, "segments": {"retail": 0.9},
    ///  "attrition": {"managerShare": 0.05, "contactFactor": 0.5}}
    /// ```
    ///
    /// - Parameter url: the file.
    /// - Returns: the shock.
    /// - Throws: ``ScenarioError``.
    public static func load(from url: URL) throws(ScenarioError) -> ScenarioShock {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw .missingFile(path: path) }
        do {
            try ReaderLimits.current.checkFileSize(of: url, .configBytes, category: .configuration)
        } catch {
            throw .invalidField(path: path, field: "(file size)", reason: error.reason)
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw .unreadableFile(path: path, reason: (error as NSError).localizedDescription) }
        return try parse(data, source: path)
    }

    /// Parses a custom shock from JSON bytes.
    ///
    /// - Parameters:
    ///   - data: the JSON.
    ///   - source: the name used in messages.
    /// - Returns: the shock.
    /// - Throws: ``ScenarioError/notJSON(path:)`` or ``ScenarioError/invalidField(path:field:reason:)``.
    public static func parse(_ data: Data, source: String) throws(ScenarioError) -> ScenarioShock {
        guard let document = try? JSONDecoder().decode(ShockJSON.self, from: data), case let .object(object) = document else {
            throw .notJSON(path: source)
        }
        func fail(_ field: String, _ reason: String) -> ScenarioError { .invalidField(path: source, field: field, reason: reason) }
        if let unknown = object.keys.sorted().first(where: { !fields.contains($0) }) {
            throw fail(unknown, "unknown field (known: \(fields.sorted().joined(separator: ", ")))")
        }
        guard case let .string(name)? = object["name"] else { throw fail("name", "required, a string") }
        guard !name.isEmpty, name.count <= 64,
              name.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" }) else {
            throw fail("name", "use 1-64 letters, digits, '-' or '_'")
        }
        var summary = ""
        if let raw = object["summary"] {
            guard case let .string(text) = raw else { throw fail("summary", "must be a string") }
            summary = text
        }
        guard case let .number(weeksValue)? = object["weeks"], weeksValue == weeksValue.rounded(), (1...52).contains(weeksValue) else {
            throw fail("weeks", "required, an integer from 1 to 52")
        }
        func factors(_ field: String, validate: (String) -> String?) throws(ScenarioError) -> [String: Double] {
            guard let raw = object[field] else { return [:] }
            guard case let .object(dictionary) = raw else { throw fail(field, "must be an object of factors") }
            var result: [String: Double] = [:]
            for key in dictionary.keys.sorted() {
                if let problem = validate(key) { throw fail("\(field).\(key)", problem) }
                guard case let .number(value)? = dictionary[key], value.isFinite, (0...10).contains(value) else {
                    throw fail("\(field).\(key)", "must be a number from 0 to 10")
                }
                result[key] = value
            }
            return result
        }
        let channels = try factors("channels") { key in
            let parts = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            let channelNames = Channel.allCases.map(\.rawValue)
            guard (1...2).contains(parts.count), Channel(rawValue: parts[0]) != nil,
                  parts.count == 1 || Direction(rawValue: parts[1]) != nil else {
                return "unknown channel; use one of \(channelNames.joined(separator: ", ")), optionally with .inbound or .outbound"
            }
            return nil
        }
        let segments = try factors("segments") { key in key.isEmpty ? "a segment name cannot be empty" : nil }
        var attrition: Attrition?
        if let raw = object["attrition"] {
            guard case let .object(dictionary) = raw else { throw fail("attrition", "must be an object with managerShare and contactFactor") }
            if let unknown = dictionary.keys.sorted().first(where: { $0 != "managerShare" && $0 != "contactFactor" }) {
                throw fail("attrition.\(unknown)", "unknown field (known: contactFactor, managerShare)")
            }
            func unit(_ key: String) throws(ScenarioError) -> Double {
                guard case let .number(value)? = dictionary[key], (0...1).contains(value) else {
                    throw fail("attrition.\(key)", "required, a number from 0 to 1")
                }
                return value
            }
            attrition = Attrition(managerShare: try unit("managerShare"), contactFactor: try unit("contactFactor"))
        }
        return ScenarioShock(name: name, summary: summary, weeks: Int(weeksValue), channels: channels, segments: segments,
                             attrition: attrition)
    }

    /// A JSON value of a shock file: the shared ``JSONValue``.
    typealias ShockJSON = JSONValue
}
