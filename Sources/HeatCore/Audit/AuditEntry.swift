import Foundation

/// One entry of the store's audit log: who did what, on which input, with which output.
///
/// `parameters` are stored as canonical JSON (sorted keys). Hashes are lower-case hex SHA-256.
/// Entries never hold raw identifiers: only pseudonyms, counts, hashes and settings.
///
/// ```swift
/// let entry = AuditEntry(role: "collector", action: AuditAction.ingest,
///                        inputHash: "9f…", outputHash: "1c…", parameters: ["rows": "1000"])
/// ```
public struct AuditEntry: Sendable, Hashable, Codable {
    /// The row's sequence number in the log (`nil` before it is appended).
    public var seq: Int64?
    /// When the entry was recorded (UTC).
    public var recordedAt: UTCTimestamp
    /// The role that acted: `collector`, `evaluator`, `keyholder`, `auditor` or `operator`.
    public var role: String
    /// What was done (see ``AuditAction``).
    public var action: String
    /// SHA-256 (hex) of the input, when there is one.
    public var inputHash: String?
    /// SHA-256 (hex) of the output, when there is one.
    public var outputHash: String?
    /// The settings and counts of the action.
    public var parameters: [String: String]

    /// Creates an entry stamped with the current time.
    ///
    /// - Parameters:
    ///   - role: the acting role.
    ///   - action: what was done (an ``AuditAction`` constant).
    ///   - inputHash: SHA-256 hex of the input, if any.
    ///   - outputHash: SHA-256 hex of the output, if any.
    ///   - parameters: settings and counts (no raw identifiers).
    ///   - recordedAt: the time; the current time by default.
    public init(
        role: String, action: String, inputHash: String? = nil, outputHash: String? = nil,
        parameters: [String: String] = [:], recordedAt: UTCTimestamp? = nil
    ) {
        self.seq = nil
        self.recordedAt = recordedAt ?? .now()
        self.role = role
        self.action = action
        self.inputHash = inputHash
        self.outputHash = outputHash
        self.parameters = parameters
    }

    /// The parameters as canonical JSON: keys sorted, no insignificant white space.
    public var canonicalParameters: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(parameters)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// The actions recorded in the audit log.
///
/// ```swift
/// let entries = try AuditLog.entries(in: store, action: AuditAction.ingest)
/// ```
public enum AuditAction {
    /// The store was created.
    public static let initialize = "init"
    /// Role keys were generated.
    public static let keysGenerate = "keys.generate"
    /// A key was registered in an existing store (first use).
    public static let keysRegister = "keys.register"
    /// An interaction file was ingested.
    public static let ingest = "ingest"
    /// A computation ran on the store.
    public static let computation = "computation"
    /// The chain heads were signed.
    public static let sign = "audit.sign"
    /// Pseudonyms were mapped back to raw ids with the caller's own file.
    public static let reveal = "clients.reveal"
    /// Appended to an action for its refusal entries (`clients.reveal.refused`, `audit.sign.refused`).
    public static let refusedSuffix = ".refused"
}
