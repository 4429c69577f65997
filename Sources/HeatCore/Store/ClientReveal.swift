import Foundation
import GRDB
import HeatEnvelope

/// Maps masked client references back to raw ids by recomputing HMACs over a file of raw ids
/// the caller already holds (DESIGN.md section 1), and audits every use.
///
/// Nothing raw is read from the store (it holds none) and nothing raw is written: the audit
/// entry records the file's hash, how many references were asked for, and which masked
/// references were revealed (`revealedRefs`, space-separated). A refused reveal (another key
/// than the store's) is recorded in its own committed `clients.reveal.refused` entry.
///
/// ```swift
/// let key = try KeyFolder(path: "keys/collector", role: .collector).pseudonymisationKey()
/// let found = try ClientReveal.reveal(in: store, key: key, clients: clients, refs: ["C-7f3a9c2e"],
///                                     source: .init(name: "clients.csv", inputHash: hash))
/// ```
public enum ClientReveal {
    /// One revealed client.
    public struct Match: Sendable, Hashable, Codable {
        /// The client's display reference.
        public var ref: String
        /// The raw id from the caller's file.
        public var clientID: String

        /// Creates a match.
        ///
        /// - Parameters:
        ///   - ref: the display reference.
        ///   - clientID: the raw id.
        public init(ref: String, clientID: String) {
            self.ref = ref
            self.clientID = clientID
        }
    }

    /// Reveals the directory clients matching `refs` (prefixes; all directory clients when empty)
    /// among the caller's `clients`, and appends a `clients.reveal` audit entry.
    ///
    /// - Parameters:
    ///   - store: the store.
    ///   - key: the collector's key; it must be the store's registered key.
    ///   - clients: the caller's client records (raw ids).
    ///   - refs: reference prefixes to reveal (`C-7f3a`), or empty for every client in the file.
    ///   - source: the clients file's name and hash, for the audit log.
    /// - Returns: the matches, in directory (slot) order.
    /// - Throws: ``StoreError`` (key mismatch, locked, I/O).
    public static func reveal(
        in store: HeatStore, key: PseudonymisationKey, clients: [Client], refs: [String], source: StoreIngestor.Source
    ) throws -> [Match] {
        let pseudonymizer = Pseudonymizer(key: key)
        var rawByPseudonym: [Pseudonym: String] = [:]
        for client in clients { rawByPseudonym[pseudonymizer.pseudonym(for: client.clientID, kind: .client)] = client.clientID }
        let entries = try ClientDirectory.entries(in: store)
        let wanted = refs.map { $0.lowercased() }
        var matches: [Match] = []
        for entry in entries {
            guard wanted.isEmpty || wanted.contains(where: { entry.ref.lowercased().hasPrefix($0) }),
                  let bytes = Hex.decode(entry.pseudonym),
                  let raw = rawByPseudonym[Pseudonym(kind: .client, bytes: bytes)] else { continue }
            matches.append(Match(ref: entry.ref, clientID: raw))
        }
        do {
            try store.write { db in
                try KeyRegistry.bind(key, in: db, path: store.path)
                try AuditLog.append(AuditEntry(
                    role: KeyRole.collector.rawValue, action: AuditAction.reveal, inputHash: source.inputHash,
                    parameters: [
                        "clients": source.name, "refsRequested": refs.isEmpty ? "all" : String(refs.count),
                        "revealed": String(matches.count), "revealedRefs": matches.map(\.ref).joined(separator: " "),
                    ]), in: db)
            }
        } catch let error as StoreError {
            if case .keyMismatch = error {
                AuditLog.recordRefusal(in: store, role: KeyRole.collector.rawValue, action: AuditAction.reveal,
                                       reason: error.description, parameters: ["clients": source.name])
            }
            throw error
        }
        return matches
    }
}
