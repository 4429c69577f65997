import Crypto
import HeatEnvelope

/// A group some release gave a role: its kind and reference, its size and its members as 64-bit
/// membership tags (the first 8 bytes of `SHA-256("customerheat.release-member/1:" ‖ client id)`),
/// kept in the store's `release_groups` table for later differencing checks.
///
/// ```swift
/// let group = ReleasedGroup(kind: "branch", ref: "B-3c1f0a2b", memberIDs: ids)
/// group.membersHash   // SHA-256 hex of the sorted tags
/// ```
public struct ReleasedGroup: Sendable, Equatable {
    /// The group kind (`manager`, `branch`, `segment`, `region`, or `population`).
    public var kind: String
    /// The group's reference (`all` for the population).
    public var ref: String
    /// The members' tags, sorted ascending (set only by the initializers, which sort them: the
    /// guard's member index and ``membersHash`` rely on the order).
    public private(set) var tags: [UInt64]

    /// The number of members.
    public var clients: Int { tags.count }

    /// Creates a group from stored tags.
    ///
    /// - Parameters:
    ///   - kind: the kind.
    ///   - ref: the reference.
    ///   - tags: the membership tags (sorted here).
    public init(kind: String, ref: String, tags: [UInt64]) {
        self.kind = kind
        self.ref = ref
        self.tags = tags.sorted()
    }

    /// Creates a group from the members' stable ids.
    ///
    /// - Parameters:
    ///   - kind: the kind.
    ///   - ref: the reference.
    ///   - memberIDs: the members' ``ReleaseClient/id`` values.
    public init(kind: String, ref: String, memberIDs: [String]) {
        self.init(kind: kind, ref: ref, tags: memberIDs.map(Self.tag(for:)))
    }

    /// The membership tag of a client id.
    ///
    /// - Parameter id: the client's stable id.
    /// - Returns: the first 8 bytes of its domain-separated SHA-256, big-endian.
    public static func tag(for id: String) -> UInt64 {
        let digest = SHA256.hash(data: Array("customerheat.release-member/1:\(id)".utf8))
        return digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    /// The tags as bytes (8 per tag, big-endian), as stored.
    public var tagBytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(tags.count * 8)
        for tag in tags { for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: tag >> UInt64(shift))) } }
        return bytes
    }

    /// Parses stored tag bytes.
    ///
    /// - Parameter bytes: 8 bytes per tag.
    /// - Returns: the tags (a trailing partial tag is ignored).
    public static func tags(from bytes: [UInt8]) -> [UInt64] {
        stride(from: 0, to: bytes.count - bytes.count % 8, by: 8).map { start in
            bytes[start..<start + 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }
    }

    /// SHA-256 (hex) of ``tagBytes``: equal for groups with identical members.
    public var membersHash: String { Hex.encode(Array(SHA256.hash(data: tagBytes))) }
}

/// The differencing check of a release (issue 12, item 3): a group may not be released when it
/// and groups released earlier to the same role (or earlier in the same release) could be
/// subtracted to isolate fewer than `k` clients.
///
/// A candidate group G is at risk when, for a known group H,
/// - `0 < |G Δ H| < k` (a group shrinking from k+1 to k, a region equal to a branch plus one client);
/// - H ⊋ G and the members of H not covered by G and the known groups of G's kind inside H number
///   between 1 and k-1 (the last manager of a branch whose other managers were released);
/// - G ⊋ H-s and G minus the union of the known groups of one kind inside it numbers between 1 and
///   k-1 (a branch minus its released managers);
/// and it is a duplicate when another known group (other kind or reference) has exactly its
/// members (group kinds with identical members are released once).
///
/// **Cost (issue 14 item 3).** Every set relation is read from one count per known group: the
/// size of its intersection with the candidate, found through an index from each member's tag
/// to the known groups holding it (`|G ∩ H| = |G|` means G ⊆ H, `= |H|` means H ⊆ G). For each
/// known group the union of the smaller known groups inside it is kept per kind as groups are
/// remembered, so the "H ⊋ G" rule costs one pass over G's members per H. A check costs about
/// `|G|` times the number of groups a client is in, plus the number of known groups, instead
/// of set operations against every known group (pairwise, 13 s of the 100,000-client release).
/// The risks found, and their order, are those of the pairwise definition above (test
/// `DifferencingGuardEquivalenceTests` compares both on random group families).
struct DifferencingGuard {
    /// The outcome of checking one group.
    enum Risk: Equatable {
        /// Another group with other kind or reference has the same members.
        case identical(kind: String, ref: String)
        /// The symmetric difference with a known group has `clients` members, fewer than k.
        case difference(kind: String, ref: String, clients: Int)
        /// A union of known groups leaves `clients` members, fewer than k.
        case complement(kind: String, ref: String, clients: Int)

        var description: String {
            switch self {
            case .identical(let kind, let ref):
                "its members are identical to \(kind) \(ref), which was already released (identical groups are released once)"
            case .difference(let kind, let ref, let clients):
                "it differs from the released \(kind) \(ref) by \(clients) client\(clients == 1 ? "" : "s"), so subtracting the two would isolate them"
            case .complement(let kind, let ref, let clients):
                "together with released \(kind) groups it leaves \(clients) client\(clients == 1 ? "" : "s") of \(ref) uncovered, which subtraction would isolate"
            }
        }

        /// The reason as a released document may state it: without the number of clients
        /// subtraction would isolate (a count under `k` is itself what the guard protects).
        /// ``description`` keeps the count for the operator's refusal message.
        var publicDescription: String {
            switch self {
            case .identical:
                description
            case .difference(let kind, let ref, _):
                "it differs from the released \(kind) \(ref) by fewer than k clients, so subtracting the two would isolate them"
            case .complement(let kind, let ref, _):
                "together with released \(kind) groups it leaves fewer than k clients of \(ref) uncovered, which subtraction would isolate"
            }
        }
    }

    private struct Known {
        var group: ReleasedGroup
        /// ``ReleasedGroup/membersHash``.
        var hash: String
        /// The number of distinct members (`group.clients` counts repeated tags).
        var distinct: Int
        /// The index of the group's kind in `kinds`.
        var kind: Int
    }

    let k: Int
    private var known: [Known] = []
    private var hashes: Set<String> = []
    /// The groups remembered, in order (each kind, reference and members once).
    var remembered: [ReleasedGroup] { known.map(\.group) }
    /// Known groups by members hash, ascending.
    private var byMembers: [String: [Int]] = [:]
    /// For each member tag, the known groups holding it, ascending.
    private var holders: [UInt64: [Int32]] = [:]
    /// The kinds seen, by first appearance.
    private var kinds: [String] = []
    private var kindIndex: [String: Int] = [:]
    /// For each known group H, per kind, the union of the members of the known groups of that
    /// kind inside H with fewer clients than H.
    private var partsInside: [[Int: Set<UInt64>]] = []

    init(k: Int, history: [ReleasedGroup]) {
        self.k = k
        for group in history { remember(group) }
    }

    /// The distinct tags of a group (its tags are sorted).
    private static func distinctTags(_ group: ReleasedGroup) -> [UInt64] {
        var out: [UInt64] = []
        out.reserveCapacity(group.tags.count)
        for tag in group.tags where out.last != tag { out.append(tag) }
        return out
    }

    /// For each known group, the number of `tags` (distinct) it holds.
    private func intersections(_ tags: [UInt64]) -> [Int32] {
        var common = [Int32](repeating: 0, count: known.count)
        for tag in tags {
            guard let list = holders[tag] else { continue }
            for index in list { common[Int(index)] += 1 }
        }
        return common
    }

    private mutating func kindNumber(_ kind: String) -> Int {
        if let number = kindIndex[kind] { return number }
        kinds.append(kind)
        kindIndex[kind] = kinds.count - 1
        return kinds.count - 1
    }

    /// Records a released group (history, or accepted in this release).
    mutating func remember(_ group: ReleasedGroup) {
        let membersHash = group.membersHash
        let hash = group.kind + "\u{0}" + group.ref + "\u{0}" + membersHash
        guard hashes.insert(hash).inserted else { return }
        let tags = Self.distinctTags(group)
        let common = intersections(tags)
        let kind = kindNumber(group.kind)
        let index = known.count
        // The known groups inside the new one, by kind; and the new one inside the known ones.
        var inside: [Int: Set<UInt64>] = [:]
        for other in known.indices {
            let shared = Int(common[other])
            if shared == known[other].distinct && known[other].group.clients < group.clients {
                inside[known[other].kind, default: []].formUnion(known[other].group.tags)
            }
            if shared == tags.count && group.clients < known[other].group.clients {
                partsInside[other][kind, default: []].formUnion(tags)
            }
        }
        known.append(Known(group: group, hash: membersHash, distinct: tags.count, kind: kind))
        partsInside.append(inside)
        byMembers[membersHash, default: []].append(index)
        for tag in tags { holders[tag, default: []].append(Int32(index)) }
    }

    /// The first risk releasing `group` would create, or `nil`.
    ///
    /// - Parameters:
    ///   - group: the candidate.
    ///   - differencing: whether to check differences and complements (off when noise is added).
    func risk(of group: ReleasedGroup, differencing: Bool) -> Risk? {
        let hash = group.membersHash
        for index in byMembers[hash] ?? [] where known[index].group.kind != group.kind || known[index].group.ref != group.ref {
            return .identical(kind: known[index].group.kind, ref: known[index].group.ref)
        }
        guard differencing else { return nil }
        let members = Self.distinctTags(group)
        let common = intersections(members)
        for (index, other) in known.enumerated() where abs(other.group.clients - group.clients) < k && other.hash != hash {
            let difference = group.clients + other.group.clients - 2 * Int(common[index])
            if difference > 0 && difference < k {
                return .difference(kind: other.group.kind, ref: other.group.ref, clients: difference)
            }
        }
        // G as the superset: G minus the union of known groups of one kind inside it.
        var insideG = [Bool](repeating: false, count: known.count)
        var kindsInside = Set<Int>()
        for (index, other) in known.enumerated() where other.group.clients < group.clients && Int(common[index]) == other.distinct {
            insideG[index] = true
            kindsInside.insert(other.kind)
        }
        if !kindsInside.isEmpty {
            var covered = [Int](repeating: 0, count: kinds.count)
            var stamp = [Int](repeating: -1, count: kinds.count)
            for (position, tag) in members.enumerated() {
                guard let list = holders[tag] else { continue }
                for index in list where insideG[Int(index)] {
                    let kind = known[Int(index)].kind
                    if stamp[kind] != position {
                        stamp[kind] = position
                        covered[kind] += 1
                    }
                }
            }
            for kind in kindsInside.sorted(by: { kinds[$0] < kinds[$1] }) {
                let left = group.clients - covered[kind]
                if left > 0 && left < k { return .complement(kind: kinds[kind], ref: group.ref, clients: left) }
            }
        }
        // G as a part: a known H containing G, minus G and the known groups of G's kind inside H.
        let kind = kindIndex[group.kind]
        for (index, other) in known.enumerated() where other.group.clients > group.clients && Int(common[index]) == members.count {
            let parts = kind.flatMap { partsInside[index][$0] } ?? []
            let shared = members.reduce(0) { $0 + (parts.contains($1) ? 1 : 0) }
            let left = other.group.clients - (parts.count + members.count - shared)
            if left > 0 && left < k { return .complement(kind: group.kind, ref: "\(other.group.kind) \(other.group.ref)", clients: left) }
        }
        return nil
    }
}

extension DifferencingGuard {
    /// Which parts of a partition may be published next to its total, decided by the same
    /// complement rule as every other release (one mechanism): the total is a known group, the
    /// parts are candidates checked largest first (ties by key), and a part is withheld when the
    /// total minus it and the parts already accepted would leave between 1 and k - 1 clients.
    /// The withheld parts are therefore the smallest ones, and the clients outside the accepted
    /// parts number 0 or at least k.
    ///
    /// Used where only counts are known (persona counts, a kind's groups under a released
    /// total): members are synthetic, consecutive tags per part, which is exact for a partition.
    ///
    /// - Parameters:
    ///   - parts: each part's key and size (sizes of at least `k`; smaller parts are withheld by
    ///     the caller before).
    ///   - outside: clients in the total but in none of `parts` (withheld small parts, clients
    ///     without a group).
    ///   - k: the policy's minimum group size.
    /// - Returns: the keys of the parts that may be published.
    static func publishableParts(_ parts: [(key: String, clients: Int)], outside: Int, k: Int) -> Set<String> {
        var next: UInt64 = 0
        func tags(_ count: Int) -> [UInt64] {
            defer { next += UInt64(max(count, 0)) }
            return (0..<UInt64(max(count, 0))).map { next + $0 }
        }
        let ordered = parts.sorted { ($0.clients, $1.key) > ($1.clients, $0.key) }
        let members = ordered.map { (key: $0.key, tags: tags($0.clients)) }
        let total = ReleasedGroup(kind: "total", ref: "all", tags: members.flatMap { $0.tags } + tags(outside))
        var guardian = DifferencingGuard(k: k, history: [total])
        var accepted: Set<String> = []
        for part in members {
            let group = ReleasedGroup(kind: "part", ref: part.key, tags: part.tags)
            // A part equal to the total repeats a published number: only subtraction risks count here.
            let risk = guardian.risk(of: group, differencing: true)
            if risk == nil || risk == .identical(kind: total.kind, ref: total.ref) {
                guardian.remember(group)
                accepted.insert(part.key)
            }
        }
        return accepted
    }
}
