import Foundation

/// The words the analyst understands: synonyms for group kinds, measures, directions, channels
/// and numbers, and fuzzy matching of names (Docs/Analyst.md).
enum AnalystVocabulary {
    /// Group kinds by synonym (singular and plural forms).
    static let kinds: [String: (kind: GroupSummary.Kind, plural: Bool)] = {
        var table: [String: (GroupSummary.Kind, Bool)] = [:]
        let words: [(GroupSummary.Kind, [String], [String])] = [
            (.manager, ["manager", "rm", "banker", "adviser", "advisor", "relationship-manager"], ["managers", "rms", "bankers", "advisers", "advisors"]),
            (.branch, ["branch", "office", "agency"], ["branches", "offices", "agencies"]),
            (.segment, ["segment", "tier"], ["segments", "tiers"]),
            (.region, ["region", "area", "territory"], ["regions", "areas", "territories"]),
        ]
        for (kind, singular, plural) in words {
            for word in singular { table[word] = (kind, false) }
            for word in plural { table[word] = (kind, true) }
        }
        return table
    }()

    /// Words asking for the largest values.
    static let top: Set<String> = ["top", "most", "highest", "largest", "biggest", "hottest", "warmest", "greatest", "best", "maximum", "max", "more"]
    /// Words asking for the smallest values.
    static let bottom: Set<String> = ["bottom", "least", "lowest", "fewest", "smallest", "coldest", "coolest", "minimum", "min", "worst", "less", "weakest"]
    /// Superlatives and ranking verbs.
    static let ranking: Set<String> = top.union(bottom).union(["rank", "ranking", "ranked", "order", "sort", "leaderboard"])
    /// Channels by synonym.
    static let channels: [String: Channel] = [
        "call": .call, "calls": .call, "phone": .call,
        "email": .email, "emails": .email, "mail": .email, "mails": .email, "e-mail": .email, "e-mails": .email,
        "meeting": .meeting, "meetings": .meeting, "visit": .meeting, "visits": .meeting,
        "message": .message, "messages": .message, "chat": .message, "chats": .message, "sms": .message,
    ]
    /// Number words.
    static let numbers: [String: Int] = [
        "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
        "twelve": 12, "twenty": 20,
    ]
    /// Words that make a question about per-client values.
    static let clientWords: Set<String> = ["client", "customer", "account", "household"]
    static let clientPlurals: Set<String> = ["clients", "customers", "accounts", "households", "relationships"]

    /// Lower-case words of `text`: letters, digits, `-` and `'` kept inside words, possessives dropped.
    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        for character in text.lowercased() {
            if character.isLetter || character.isNumber || character == "-" {
                current.append(character)
            } else if character == "'" || character == "’" {
                words.append(current)
                current = "'"
            } else {
                if !current.isEmpty { words.append(current) }
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words.filter { !$0.isEmpty && !$0.hasPrefix("'") }.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "-")) }
            .filter { !$0.isEmpty }
    }

    /// Optimal-string-alignment distance (edits, adjacent transpositions count one).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }

    /// Whether a question word names a label word: equal, a plural, or (five letters or more,
    /// same first letter) one edit away.
    static func matches(_ word: String, label: String) -> Bool {
        if word == label || word == label + "s" || word + "s" == label { return true }
        guard label.count >= 5, word.count >= 4, word.first == label.first else { return false }
        return distance(word, label) <= 1
    }
}
