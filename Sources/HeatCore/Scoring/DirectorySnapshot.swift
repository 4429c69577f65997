import Crypto
import Foundation
import GRDB
import HeatEnvelope

/// The client directory as the evaluator saw it when it computed features or scores: the number
/// of clients, the highest slot and a digest of the slot layout (which pseudonym sits in which
/// slot). Encrypted features and scores (kind 55) carry it, and the key holder refuses to decrypt
/// them once the directory has changed: a client ingested after `heatctl evaluate --model` has no
/// features in the run, so its slot would decrypt to the bias and be released as its score.
///
/// The digest is SHA-256 over `customerheat.directory/1` and one `slot:pseudonym-hex` line per
/// client in slot order; it names no client and reveals nothing the evaluator does not already
/// hold (it reads the same table).
///
/// ```swift
/// let now = try DirectorySnapshot.current(in: store)
/// try run.header.directory?.check(current: now, source: "scores.heat")
/// ```
public struct DirectorySnapshot: Sendable, Codable, Equatable {
    /// Clients in the directory.
    public var clients: Int
    /// The highest slot in use (-1 for an empty directory).
    public var highestSlot: Int64
    /// SHA-256 (hex) of the slot layout.
    public var digest: String

    /// Creates a snapshot.
    ///
    /// - Parameters:
    ///   - clients: the number of clients.
    ///   - highestSlot: the highest slot (-1 when empty).
    ///   - digest: the layout digest.
    public init(clients: Int, highestSlot: Int64, digest: String) {
        self.clients = clients
        self.highestSlot = highestSlot
        self.digest = digest
    }

    /// The snapshot of a directory given as pseudonym and slot per client (any order): the same
    /// digest as ``read(in:)`` computes from the table.
    ///
    /// - Parameter entries: the directory's clients.
    public init(entries: [(client: Pseudonym, slot: Int64)]) {
        let layout = SlotLayoutDigest.digest(entries, domain: Self.domain)
        self.init(clients: layout.clients, highestSlot: layout.highestSlot, digest: layout.digest)
    }

    /// The digest's domain line.
    static let domain = "customerheat.directory/1"

    /// The snapshot of the directory inside a read or write transaction.
    ///
    /// - Parameter db: a connection.
    /// - Returns: the snapshot.
    /// - Throws: a database error.
    public static func read(in db: Database) throws -> DirectorySnapshot {
        DirectorySnapshot(entries: try KeyHolder.directory(in: db).map { (client: $0.client, slot: $0.slot) })
    }

    /// The store's directory now.
    ///
    /// - Parameter store: the store.
    /// - Returns: the snapshot.
    /// - Throws: ``StoreError``.
    public static func current(in store: HeatStore) throws -> DirectorySnapshot {
        try store.read { db in try read(in: db) }
    }

    /// Checks that the directory has not changed since this snapshot was taken.
    ///
    /// - Parameters:
    ///   - current: the directory now.
    ///   - source: the features or scores file, for the message.
    /// - Throws: ``ScoringError/staleDirectory(source:reason:)`` (exit 65).
    public func check(current: DirectorySnapshot, source: String) throws(ScoringError) {
        guard current != self else { return }
        let change: String
        if current.clients > clients {
            change = "\(current.clients - clients) client\(current.clients - clients == 1 ? " was" : "s were") ingested after it was computed"
        } else if current.clients < clients {
            change = "\(clients - current.clients) client\(clients - current.clients == 1 ? " was" : "s were") removed after it was computed"
        } else {
            change = "the slot layout changed after it was computed"
        }
        throw .staleDirectory(source: source, reason: "field directory: computed on \(clients) clients (highest slot \(highestSlot)), "
            + "the store now holds \(current.clients) (highest slot \(current.highestSlot)); \(change), and their slots would decrypt to the bias")
    }

    /// Re-checks the snapshot against the directory inside the caller's transaction (the write
    /// that records a computation or a release), so a client ingested between an earlier check
    /// and the write cannot slip through.
    ///
    /// - Parameters:
    ///   - db: the connection of the transaction.
    ///   - source: the features or scores file, for the message.
    /// - Throws: ``ScoringError/staleDirectory(source:reason:)`` (exit 65), a database error.
    public func check(in db: Database, source: String) throws {
        try check(current: DirectorySnapshot.read(in: db), source: source)
    }
}

/// SHA-256 over a domain line and one `slot:pseudonym-hex` line per client in slot order: the
/// one digest of a slot layout, shared by ``DirectorySnapshot`` (the whole directory) and
/// ``TreeEncodingCoverage`` (the clients the collector encoded).
enum SlotLayoutDigest {
    /// The digest, the number of entries and the highest slot (-1 when empty).
    static func digest(_ entries: [(client: Pseudonym, slot: Int64)], domain: String) -> (digest: String, clients: Int, highestSlot: Int64) {
        var hasher = SHA256()
        hasher.update(data: Array("\(domain)\n".utf8))
        var highest: Int64 = -1
        for entry in entries.sorted(by: { $0.slot < $1.slot }) {
            hasher.update(data: Array("\(entry.slot):\(entry.client.hex)\n".utf8))
            highest = max(highest, entry.slot)
        }
        return (Hex.encode(Array(hasher.finalize())), entries.count, highest)
    }
}
