import Crypto
import Foundation
import HeatCore

/// The released results documents the server holds, read from the `--releases` folder.
///
/// Layout (`Docs/Server.md`): every `*.json` results document in the folder (written by
/// `heatctl release --out`); a document released to a role that sees its own clients for one
/// manager records that manager (``ResultsDocument/manager``), so the server hands it to that
/// manager's tokens only, whatever the file's name (documents of earlier versions without the
/// field are recognised by the name `M-xxxxxxxx.json`). Documents are never combined: each request is answered from one
/// document narrowed by ``ReleaseEngine/restrict(_:to:)``, the same policy code
/// `heatctl report --role` and `heatctl release` use.
///
/// ```swift
/// let catalog = try ReleaseCatalog.load(folder: "releases")
/// let view = try catalog.view(for: identity, engine: ReleaseEngine(policy: policy))
/// ```
public struct ReleaseCatalog: Sendable {
    /// One released document.
    public struct Entry: Sendable {
        /// The file name inside the folder.
        public var name: String
        /// The document.
        public var document: ResultsDocument
        /// The manager the document was released for (its `manager` field, else an `M-…` file name).
        public var manager: String?
    }

    /// The documents, newest first.
    public var entries: [Entry]
    /// A digest of every entry under the folder (names, sizes, modification times): changes when
    /// anything lands, a release or any other file.
    public var fingerprint: String

    /// Creates a catalog from documents (for tests and the demo).
    ///
    /// - Parameters:
    ///   - entries: the documents.
    ///   - fingerprint: the change digest.
    public init(entries: [Entry], fingerprint: String = "") {
        self.entries = entries.sorted { ($0.document.generatedAt, $0.name) > ($1.document.generatedAt, $1.name) }
        self.fingerprint = fingerprint
    }

    /// The digest of everything under a folder: the same recursive walk as ``FolderGuard``
    /// (every entry, hidden, nested or linked, whatever its name), hashing each entry's relative
    /// name, size and modification time (of the file a link points at). Any file that appears,
    /// disappears or changes therefore changes the digest, so the release watcher re-runs the
    /// folder guard for a secret dropped in under any name, not only for a new `*.json`.
    ///
    /// - Parameter folder: the releases folder.
    /// - Returns: a hex digest; equal digests mean nothing changed.
    public static func fingerprint(of folder: String) -> String {
        var hasher = SHA256()
        var relatives: [String] = []
        if let enumerator = FileManager.default.enumerator(atPath: folder) {
            while let relative = enumerator.nextObject() as? String {
                relatives.append(relative)
                // Past the guard's limit the guard refuses the folder anyway; keep hashing bounded.
                if relatives.count > FolderGuard.maximumEntries { break }
            }
        }
        for relative in relatives.sorted() {
            let path = (folder as NSString).appendingPathComponent(relative)
            let resolved = (path as NSString).resolvingSymlinksInPath
            let attributes = try? FileManager.default.attributesOfItem(atPath: resolved)
            let size = (attributes?[.size] as? Int) ?? -1
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            hasher.update(data: Array("\(relative)\u{0}\(resolved == path ? "" : resolved)\u{0}\(size)\u{0}\(modified)\n".utf8))
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Reads every `*.json` results document of a folder.
    ///
    /// - Parameter folder: the releases folder (already checked by ``FolderGuard``).
    /// - Returns: the catalog.
    /// - Throws: ``ServerError/noReleases(path:)`` when the folder holds none,
    ///   ``ServerError/badRelease(path:reason:)`` naming the file and field of a bad document.
    public static func load(folder: String) throws(ServerError) -> ReleaseCatalog {
        let fingerprint = fingerprint(of: folder)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        var entries: [Entry] = []
        for name in names {
            let path = (folder as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else {
                throw .badRelease(path: path, reason: "unreadable")
            }
            let document: ResultsDocument
            do {
                document = try ResultsDocument.decode(data, source: path)
            } catch {
                throw .badRelease(path: path, reason: error.description)
            }
            // The document records its manager (`heatctl release` writes it); documents of
            // earlier versions are recognised by their `M-….json` file name.
            let manager = try managerOf(document, name: name, path: path)
            entries.append(Entry(name: name, document: document, manager: manager))
        }
        guard !entries.isEmpty else { throw .noReleases(path: folder) }
        return ReleaseCatalog(entries: entries, fingerprint: fingerprint)
    }

    /// The normalised form of a manager reference: `M-` and 8 to 12 lower-case hex digits (the
    /// display form of a manager pseudonym, `DESIGN.md` section 1), accepting any case and
    /// surrounding spaces; `nil` for anything else.
    ///
    /// - Parameter text: a reference (a document's `manager`, a row's, a token's claim).
    /// - Returns: `M-` followed by the lower-cased hex digits, or `nil`.
    public static func normalizedManager(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.count >= 10, trimmed.prefix(2).uppercased() == "M-" else { return nil }
        let digits = trimmed.dropFirst(2).lowercased()
        guard (8...12).contains(digits.count), digits.allSatisfy({ $0.isHexDigit && $0.isASCII }) else { return nil }
        return "M-" + digits
    }

    /// The manager a document was released for, normalised, checked against its rows.
    ///
    /// The `manager` field decides (a malformed one refuses the document); without it, a file
    /// named `M-xxxxxxxx.json` (documents of earlier versions). Every client row that names its
    /// manager must name the same one, and a document that records its manager must name it on
    /// every row: a manager's release holding another manager's clients is refused, so it is
    /// never served to either.
    static func managerOf(_ document: ResultsDocument, name: String, path: String) throws(ServerError) -> String? {
        let manager: String?
        if let field = document.manager {
            guard let normalized = normalizedManager(field) else {
                throw .badRelease(path: path, reason: "field manager: expected a manager reference M- and 8 to 12 hex digits")
            }
            manager = normalized
        } else {
            let stem = String(name.dropLast(5))
            if stem.uppercased().hasPrefix("M-") {
                guard let normalized = normalizedManager(stem) else {
                    throw .badRelease(path: path, reason: "file name: a name starting M- marks a manager's release and must be M- and 8 to 12 hex digits (or record the manager in the document's manager field)")
                }
                manager = normalized
            } else {
                manager = nil
            }
        }
        for (index, row) in (document.clients ?? []).enumerated() {
            guard let rowManager = row.manager else {
                if document.manager != nil {
                    throw .badRelease(path: path, reason: "field clients[\(index)].manager: missing; a document released for a manager names the manager on every row")
                }
                continue
            }
            guard let manager else {
                continue
            }
            guard normalizedManager(rowManager) == manager else {
                throw .badRelease(path: path, reason: "field clients[\(index)].manager: the row belongs to another manager than the document's \(manager); the document is not served (release it again with heatctl release --manager)")
            }
        }
        return manager
    }

    /// What `identity` may see: the newest document released to its role (else the newest
    /// document), narrowed by the policy; per-client rows come only from a document released to
    /// the same role, and for a role that sees its own clients only from the file named after the
    /// token's manager.
    ///
    /// - Parameters:
    ///   - identity: the verified caller.
    ///   - engine: the release engine over the server's policy.
    /// - Returns: the narrowed document.
    /// - Throws: ``PolicyRefusal`` when the policy names no such role, or refuses the narrowing.
    public func view(for identity: Identity, engine: ReleaseEngine) throws(PolicyRefusal) -> ResultsDocument {
        let permissions = try engine.policy.permissions(for: identity.role)
        let shared = entries.filter { $0.manager == nil }
        let base = shared.first { $0.document.role == identity.role } ?? shared.first ?? entries[0]
        var document = base.document
        if base.manager != nil { document.clients = nil }
        var (narrowed, _) = try engine.restrict(document, to: identity.role)
        switch permissions.clients {
        case .none:
            narrowed.clients = nil
        case .own:
            narrowed.clients = nil
            if let manager = identity.manager.flatMap(Self.normalizedManager),
               let own = entries.first(where: { $0.manager == manager && $0.document.role == identity.role }) {
                narrowed.clients = own.document.clients
            }
        case .all:
            break
        }
        return narrowed
    }
}
