import Foundation

/// A question broken into the pieces the grammar looks at: words, group and client references,
/// group kinds, measures, numbers, weeks and channels (Docs/Analyst.md).
struct ParsedQuestion {
    /// A group of the document the question names (by masked reference, hex prefix or fuzzy label).
    struct Entity {
        var kind: String
        var group: GroupSummary?
        var position: Int
    }

    /// A churn risk at or above this is "high risk".
    static let highRiskThreshold = 0.5

    let words: [String]
    let text: String
    private(set) var entities: [Entity] = []
    private(set) var unknownRefs: [(kind: String, text: String)] = []
    /// References (or hex prefixes) that match several released groups or clients: the question
    /// is not answered until the reference is longer (never a guess between them).
    private(set) var ambiguousRefs: [(text: String, candidates: [String])] = []
    private(set) var clientRefs: [String] = []
    private(set) var weeks: [ISOWeek] = []
    private(set) var numbers: [(value: Int, index: Int)] = []

    init(_ question: String, document: ResultsDocument) {
        // Thousands separators inside numbers go first ("10,000" is one number).
        var raw = question.replacingOccurrences(of: "(\\d),(\\d{3})", with: "$1$2", options: .regularExpression)
        raw = raw.replacingOccurrences(of: "(\\d),(\\d{3})", with: "$1$2", options: .regularExpression)
        let lower = raw.lowercased()
        text = lower
        var cleaned = lower
        // ISO weeks.
        for match in Self.matches("\\b(\\d{4})-w(\\d{2})\\b", in: lower) {
            if let week = try? ISOWeek(parsing: match.text.uppercased()) { weeks.append(week) }
            cleaned = cleaned.replacingOccurrences(of: match.text, with: " ")
        }
        // Masked references.
        let groups = document.groups ?? []
        for match in Self.matches("\\b([mbc])-([0-9a-f]{4,12})\\b", in: lower) {
            cleaned = cleaned.replacingOccurrences(of: match.text, with: " ")
            if match.text.hasPrefix("c-") {
                clientRefs.append(match.text)
                continue
            }
            let kind: GroupSummary.Kind = match.text.hasPrefix("m-") ? .manager : .branch
            let candidates = groups.filter { $0.kind == kind && $0.ref.lowercased().hasPrefix(match.text) }
            if candidates.count > 1 {
                ambiguousRefs.append((match.text.prefix(2).uppercased() + match.text.dropFirst(2), candidates.map(\.ref).sorted()))
                continue
            }
            if let group = candidates.first {
                entities.append(Entity(kind: kind.rawValue, group: group, position: match.offset))
            } else {
                unknownRefs.append((kind.rawValue, match.text.prefix(2).uppercased() + match.text.dropFirst(2)))
            }
        }
        // Bare hexadecimal prefixes of masked references ("8795e9c3").
        for match in Self.matches("\\b[0-9a-f]{6,12}\\b", in: cleaned) where match.text.contains(where: \.isLetter) && match.text.contains(where: \.isNumber) {
            let candidates = groups.filter { $0.ref.count > 2 && $0.ref.lowercased().dropFirst(2).hasPrefix(match.text) }
            let clientCandidates = (document.clients ?? []).filter { $0.ref.lowercased().dropFirst(2).hasPrefix(match.text) }
            if candidates.count + clientCandidates.count > 1 {
                ambiguousRefs.append((match.text, (candidates.map(\.ref) + clientCandidates.map(\.ref)).sorted()))
                cleaned = cleaned.replacingOccurrences(of: match.text, with: " ")
                continue
            }
            if let group = candidates.first {
                entities.append(Entity(kind: group.kind.rawValue, group: group, position: match.offset))
                cleaned = cleaned.replacingOccurrences(of: match.text, with: " ")
            } else if document.clients?.contains(where: { $0.ref.lowercased().dropFirst(2).hasPrefix(match.text) }) == true {
                clientRefs.append("c-" + match.text)
                cleaned = cleaned.replacingOccurrences(of: match.text, with: " ")
            }
        }
        words = AnalystVocabulary.words(cleaned.replacingOccurrences(of: "-", with: " "))
        // Labels (segments, regions): every word of the label in the question, fuzzily.
        for group in groups where !Self.isMasked(group.ref) {
            if let position = Self.position(ofLabel: group.ref, in: words) {
                entities.append(Entity(kind: group.kind.rawValue, group: group, position: 1_000 + position))
            }
        }
        entities.sort { $0.position < $1.position }
        var seen = Set<String>()
        entities = entities.filter { seen.insert("\($0.kind) \($0.group?.ref ?? "")").inserted }
        for (index, word) in words.enumerated() {
            if let value = Int(word), value >= 0 { numbers.append((value, index)) }
            else if let value = AnalystVocabulary.numbers[word] { numbers.append((value, index)) }
        }
    }

    static func isMasked(_ ref: String) -> Bool {
        ref.range(of: "^[MBC]-[0-9a-f]{8,12}$", options: .regularExpression) != nil
    }

    static func matches(_ pattern: String, in text: String) -> [(text: String, offset: Int)] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
            guard let range = Range(match.range, in: text) else { return nil }
            return (String(text[range]), match.range.location)
        }
    }

    /// The index of the first question word matching `label`'s first word, when every word of the
    /// label (letters and digits only) matches some question word.
    static func position(ofLabel label: String, in words: [String]) -> Int? {
        let parts = AnalystVocabulary.words(label.replacingOccurrences(of: "-", with: " ")).filter { $0.count > 1 }
        guard !parts.isEmpty else { return nil }
        var first: Int?
        for part in parts {
            guard let index = words.firstIndex(where: { AnalystVocabulary.matches($0, label: part) }) else { return nil }
            first = first ?? index
        }
        return first
    }

    func mentionsLabel(_ label: String) -> Bool { Self.position(ofLabel: label, in: words) != nil }

    func has(_ word: String) -> Bool { words.contains(word) }
    func hasWord(startingWith prefix: String) -> Bool { words.contains { $0.hasPrefix(prefix) } }
    func hasPhrase(_ phrase: String) -> Bool {
        (" " + words.joined(separator: " ") + " ").contains(" \(phrase) ")
    }

    /// The first group-kind word, and whether it was plural.
    var kind: (kind: GroupSummary.Kind, plural: Bool)? {
        for word in words { if let found = AnalystVocabulary.kinds[word] { return found } }
        return nil
    }

    /// A well-known region name in the question (for refusal messages).
    var regionName: String? {
        SyntheticBank.regions.first { has($0.lowercased()) }
    }

    var isRanking: Bool { words.contains { AnalystVocabulary.ranking.contains($0) } }
    var isShare: Bool {
        ["share", "percent", "percentage", "proportion", "fraction"].contains(where: has) || hasPhrase("what part")
            || (has("cooling") && (has("rate") || has("ratio")))
    }
    var isCount: Bool { hasPhrase("how many") || hasPhrase("number of") || has("count") }
    var asksClientCount: Bool { hasPhrase("how many clients") || hasPhrase("number of clients") || has("size") }

    /// Per-client questions: a client reference, "my clients", "clients of", a singular "client",
    /// or plural clients with a ranking word and no group kind.
    var isAboutClients: Bool {
        if !clientRefs.isEmpty { return true }
        if hasPhrase("my clients") || hasPhrase("of my") || hasPhrase("clients of") || hasPhrase("client of") || hasPhrase("customers of") {
            return true
        }
        if isCount || isShare { return false }
        if words.contains(where: AnalystVocabulary.clientWords.contains) { return true }
        if kind == nil && words.contains(where: AnalystVocabulary.clientPlurals.contains)
            && (isRanking || ["which", "who", "list", "show", "print"].contains(where: has)) {
            return true
        }
        return false
    }

    var channel: Channel? {
        for word in words { if let channel = AnalystVocabulary.channels[word] { return channel } }
        return nil
    }

    var isAboutWeeks: Bool {
        channel != nil || !weeks.isEmpty || ["events", "interactions", "contacts", "weekly"].contains(where: has) || hasPhrase("per week")
    }

    var isAboutPeriods: Bool {
        ["since", "previous", "changed", "earlier"].contains(where: has) || hasPhrase("last release") || hasPhrase("last month")
            || hasPhrase("last time") || hasPhrase("change in") || hasPhrase("did heat change")
    }

    /// The number of weeks in "last N weeks", "N weeks".
    var span: Int? {
        numbers.first { $0.index + 1 < words.count && words[$0.index + 1].hasPrefix("week") }?.value
    }

    /// "above N" / "below N": a heat threshold.
    var threshold: (value: Int, above: Bool)? {
        for number in numbers where number.index > 0 {
            let before = words[number.index - 1]
            let twoBefore = number.index > 1 ? words[number.index - 2] : ""
            if ["above", "over", "exceeding"].contains(before) || (before == "than" && ["more", "greater", "higher"].contains(twoBefore)) {
                return (number.value, true)
            }
            if ["below", "under"].contains(before) || (before == "than" && ["less", "lower", "fewer"].contains(twoBefore)) {
                return (number.value, false)
            }
        }
        return nil
    }

    /// The N of "top N": the first number that is not a span or threshold.
    var count: Int? {
        let excluded = Set([span, threshold?.value].compactMap { $0 })
        return numbers.first { !excluded.contains($0.value) && $0.value >= 1 && $0.value <= 1_000 }?.value
    }

    var levels: [HeatLevel] { HeatLevel.allCases.filter { has($0.rawValue) } }

    /// The measure of a group question.
    var groupMeasure: AnalystMeasure {
        if has("cooling") && (isShare || has("rate") || has("ratio")) { return .coolingShare }
        if has("cooling") { return .cooling }
        let heatWords = ["heat", "warm", "warmer", "warmest", "hot", "hottest", "hotter", "cold", "colder", "coldest", "engagement", "engaged"]
        if ["largest", "biggest", "smallest", "size", "sized"].contains(where: has) { return .clients }
        if !heatWords.contains(where: has) && words.contains(where: AnalystVocabulary.clientPlurals.contains) { return .clients }
        return .meanHeat
    }

    /// Whether the question asks for the smallest values of `measure` ("worst" means most cooling
    /// but least heat).
    func wantsBottom(for measure: AnalystMeasure) -> Bool {
        let plain = AnalystVocabulary.bottom.subtracting(["worst"])
        if words.contains(where: plain.contains) { return true }
        let moreIsWorse = measure == .cooling || measure == .coolingShare
        if has("worst") { return !moreIsWorse }
        if has("best") { return moreIsWorse }
        return false
    }
}
