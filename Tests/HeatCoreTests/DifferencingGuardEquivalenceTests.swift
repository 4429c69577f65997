import Foundation
import Testing
@testable import HeatCore

/// Issue 14 item 3: the differencing guard was made fast (an index from members to groups and
/// per-group unions of the parts inside, instead of pairwise set operations), and every release
/// must stay the same. The guard as it was (`PairwiseDifferencingGuard`, the code before the
/// change, kept here as the reference) and the indexed one are run side by side on random
/// families of groups (nested hierarchies, groups cutting across them, groups that differ by a
/// few clients, identical members under other kinds, repeated tags, empty groups, a history of
/// earlier releases): for every candidate both return the same risk (the same case, group and
/// count), and both remember the same groups in the same order.
@Suite struct DifferencingGuardEquivalenceTests {
    /// The guard before issue 14 item 3, verbatim but for its name and `known` being readable
    /// (the tests compare what both remember): the reference.
    struct PairwiseDifferencingGuard {
        struct Known {
            var group: ReleasedGroup
            var members: Set<UInt64>
            var hash: String
        }

        let k: Int
        private(set) var known: [Known] = []
        private var hashes: Set<String> = []

        init(k: Int, history: [ReleasedGroup]) {
            self.k = k
            for group in history { remember(group) }
        }

        /// Records a released group (history, or accepted in this release).
        mutating func remember(_ group: ReleasedGroup) {
            let hash = group.kind + "\u{0}" + group.ref + "\u{0}" + group.membersHash
            guard hashes.insert(hash).inserted else { return }
            known.append(Known(group: group, members: Set(group.tags), hash: group.membersHash))
        }

        /// The first risk releasing `group` would create, or `nil`.
        ///
        /// - Parameters:
        ///   - group: the candidate.
        ///   - differencing: whether to check differences and complements (off when noise is added).
        func risk(of group: ReleasedGroup, differencing: Bool) -> DifferencingGuard.Risk? {
            let members = Set(group.tags)
            let hash = group.membersHash
            for other in known where other.hash == hash && (other.group.kind != group.kind || other.group.ref != group.ref) {
                return .identical(kind: other.group.kind, ref: other.group.ref)
            }
            guard differencing else { return nil }
            for other in known where abs(other.group.clients - group.clients) < k && other.hash != hash {
                let common = Self.intersectionCount(members, other.members)
                let difference = group.clients + other.group.clients - 2 * common
                if difference > 0 && difference < k {
                    return .difference(kind: other.group.kind, ref: other.group.ref, clients: difference)
                }
            }
            // G as the superset: G minus the union of known groups of one kind inside it.
            var unions: [String: Set<UInt64>] = [:]
            for other in known where other.group.clients < group.clients && other.members.isSubset(of: members) {
                unions[other.group.kind, default: []].formUnion(other.members)
            }
            for (kind, union) in unions.sorted(by: { $0.key < $1.key }) {
                let left = group.clients - union.count
                if left > 0 && left < k { return .complement(kind: kind, ref: group.ref, clients: left) }
            }
            // G as a part: a known H containing G, minus G and the known groups of G's kind inside H.
            for other in known where other.group.clients > group.clients && members.isSubset(of: other.members) {
                var covered = members
                for part in known where part.group.kind == group.kind && part.group.clients < other.group.clients
                    && part.members.isSubset(of: other.members) {
                    covered.formUnion(part.members)
                }
                let left = other.group.clients - covered.count
                if left > 0 && left < k { return .complement(kind: group.kind, ref: "\(other.group.kind) \(other.group.ref)", clients: left) }
            }
            return nil
        }

        private static func intersectionCount(_ a: Set<UInt64>, _ b: Set<UInt64>) -> Int {
            let (small, large) = a.count <= b.count ? (a, b) : (b, a)
            var count = 0
            for tag in small where large.contains(tag) { count += 1 }
            return count
        }
    }

    /// A random family: clients in regions > branches > managers, segments across them, groups
    /// near other groups (a few clients added or removed), copies under other kinds, and noise.
    static func family(seed: UInt64) -> (history: [ReleasedGroup], candidates: [ReleasedGroup], k: Int) {
        var random = SeededGenerator(seed: seed)
        let k = Int.random(in: 2...6, using: &random)
        let clients = Int.random(in: 20...220, using: &random)
        let tags = (0..<clients).map { _ in UInt64.random(in: 0..<UInt64(clients * 3), using: &random) }  // repeats possible
        let regions = Int.random(in: 1...3, using: &random)
        let branches = Int.random(in: regions...(regions + 4), using: &random)
        let managers = Int.random(in: branches...(branches + 12), using: &random)
        var groups: [ReleasedGroup] = []
        func add(_ kind: String, _ ref: String, _ members: [UInt64]) { groups.append(ReleasedGroup(kind: kind, ref: ref, tags: members)) }
        add("population", "all", tags)
        let manager = (0..<clients).map { _ in Int.random(in: 0..<managers, using: &random) }
        for m in 0..<managers { add("manager", "M\(m)", tags.indices.filter { manager[$0] == m }.map { tags[$0] }) }
        for b in 0..<branches { add("branch", "B\(b)", tags.indices.filter { manager[$0] % branches == b }.map { tags[$0] }) }
        for r in 0..<regions { add("region", "R\(r)", tags.indices.filter { manager[$0] % branches % regions == r }.map { tags[$0] }) }
        let segments = Int.random(in: 1...5, using: &random)
        for s in 0..<segments { add("segment", "S\(s)", tags.filter { _ in Int.random(in: 0..<segments, using: &random) == 0 || s == 0 && Bool.random(using: &random) }) }
        // Near groups and copies of existing ones under another kind.
        for index in 0..<Int.random(in: 2...8, using: &random) {
            guard let base = groups.randomElement(using: &random) else { continue }
            var members = base.tags
            for _ in 0..<Int.random(in: 0...(k + 1), using: &random) {
                if Bool.random(using: &random), !members.isEmpty { members.remove(at: Int.random(in: 0..<members.count, using: &random)) }
                else { members.append(tags.randomElement(using: &random) ?? 0) }
            }
            add(["near", "segment", "manager"].randomElement(using: &random) ?? "near", "N\(index)", members)
            if Bool.random(using: &random) { add("copy", "C\(index)", base.tags) }
        }
        // Empty groups of two kinds, and a chain four deep, each a few clients short of the one before.
        add("empty", "E", [])
        add("segment", "E2", [])
        var chain = tags
        for (depth, kind) in ["region", "branch", "manager", "manager"].enumerated() {
            chain.shuffle(using: &random)
            chain = Array(chain.dropFirst(Int.random(in: 1...(k + 2), using: &random)))
            add(kind, "D\(depth)", chain)
        }
        groups.shuffle(using: &random)
        let split = Int.random(in: 0...(groups.count / 3), using: &random)
        // The history first; then candidates in kind order as a release takes them.
        let order = ["population", "branch", "manager", "region", "segment"]
        let candidates = Array(groups[split...]).sorted { (order.firstIndex(of: $0.kind) ?? 9, $0.ref) < (order.firstIndex(of: $1.kind) ?? 9, $1.ref) }
        return (Array(groups[..<split]), candidates, k)
    }

    @Test(arguments: 0..<120)
    func theIndexedGuardFindsThePairwiseRisks(seed: Int) {
        let (history, candidates, k) = Self.family(seed: UInt64(seed))
        var reference = PairwiseDifferencingGuard(k: k, history: history)
        var indexed = DifferencingGuard(k: k, history: history)
        for (number, candidate) in candidates.enumerated() {
            for differencing in [false, true] {
                let expected = reference.risk(of: candidate, differencing: differencing)
                let found = indexed.risk(of: candidate, differencing: differencing)
                #expect(found == expected, "seed \(seed), candidate \(number) \(candidate.kind) \(candidate.ref), differencing \(differencing)")
            }
            // Accept the safe ones (as a release does), and a few risky ones too (a history may hold them).
            if Self.accepts(reference.risk(of: candidate, differencing: true), number: number) {
                reference.remember(candidate)
                indexed.remember(candidate)
            }
            #expect(indexed.remembered == reference.known.map(\.group), "seed \(seed), after candidate \(number): the same groups remembered")
        }
        // Remembering twice changes nothing.
        for candidate in candidates.prefix(3) {
            reference.remember(candidate)
            indexed.remember(candidate)
            #expect(indexed.risk(of: candidate, differencing: true) == reference.risk(of: candidate, differencing: true))
        }
        #expect(indexed.remembered == reference.known.map(\.group))
    }

    /// Which candidates the comparison remembers: the safe ones, and every fifth.
    static func accepts(_ risk: DifferencingGuard.Risk?, number: Int) -> Bool { risk == nil || number % 5 == 0 }

    /// Every kind of risk occurs in the families, walked as the comparison walks them (so the
    /// comparison covers each rule); and a complement of a known group H is found both with
    /// parts of the candidate's kind remembered before H (the indexed guard's union built when H
    /// is remembered) and after H (the union grown when the part is remembered).
    @Test func theFamiliesExerciseEveryRule() {
        var seen = Set<String>()
        for seed in 0..<120 {
            let (history, candidates, k) = Self.family(seed: UInt64(seed))
            var reference = PairwiseDifferencingGuard(k: k, history: history)
            for (number, candidate) in candidates.enumerated() {
                let risk = reference.risk(of: candidate, differencing: true)
                switch risk {
                case .identical?: seen.insert("identical")
                case .difference?: seen.insert("difference")
                case .complement(_, let ref, _)? where ref == candidate.ref: seen.insert("complement of the candidate")
                case .complement(_, let ref, _)?:
                    seen.insert("complement of a known group")
                    let known = reference.known
                    let members = Set(candidate.tags)
                    guard let h = known.firstIndex(where: { "\($0.group.kind) \($0.group.ref)" == ref && members.isSubset(of: $0.members) }) else { break }
                    for (index, part) in known.enumerated() where index != h && part.group.kind == candidate.kind
                        && part.group.clients < known[h].group.clients && part.members.isSubset(of: known[h].members) {
                        seen.insert(index < h ? "parts remembered before H" : "parts remembered after H")
                    }
                case nil: break
                }
                if Self.accepts(risk, number: number) { reference.remember(candidate) }
            }
        }
        #expect(seen == ["identical", "difference", "complement of the candidate", "complement of a known group",
                         "parts remembered before H", "parts remembered after H"], "\(seen)")
    }
}
