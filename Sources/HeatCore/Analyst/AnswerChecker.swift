import Foundation

/// Checks a free-text answer (from a language model) against a results document: every number
/// in it must be a value the document gives the group (or client, persona, week, population) it
/// is attributed to, and the measure named next to it. Otherwise the answer is rejected.
///
/// Attribution: within each sentence, a number belongs to the nearest subject mentioned before it
/// (else the first one after it; the population when the sentence names none), and to the
/// measures named within three words of it (any of the subject's measures when none is named).
/// Integers match values rounded to the written precision; percentages match shares. Digits
/// inside masked references, ISO weeks and dates are names, not quantities.
///
/// ```swift
/// let checker = AnswerChecker(document: document)
/// switch checker.check("Branch B-8795e9c3 has mean heat 14,720.") {
/// case .accepted(let figures): print(figures)
/// case .rejected(let reason): print(reason)
/// }
/// ```
public struct AnswerChecker: Sendable {
    /// One value the document gives a subject.
    struct Fact: Sendable {
        var subject: String
        var measures: Set<String>
        var value: Double
        var percent: Bool
        var figure: AnalystFigure
    }

    /// The outcome of a check.
    public enum Verdict: Sendable, Equatable {
        /// Every number is the document's; the figures it quoted.
        case accepted([AnalystFigure])
        /// A number is not the document's value for the subject and measure it is attributed to.
        case rejected(String)
    }

    let facts: [Fact]
    /// Subjects by how they are written (lower-case), masked references and weeks matched as
    /// text, labels as words.
    let subjects: [(name: String, label: Bool)]

    /// Builds the facts of `document`.
    ///
    /// - Parameter document: the released document the answer must agree with.
    public init(document: ResultsDocument) {
        var facts: [Fact] = []
        var subjects: [(String, Bool)] = []
        func add(_ subject: String, _ measures: Set<String>, _ value: Double, percent: Bool = false, measure: AnalystMeasure, from: [Double] = []) {
            let shown = percent ? String(format: "%.1f%%", value) : AnalystNumberFormat.integer(value)
            facts.append(Fact(subject: subject, measures: measures, value: value, percent: percent,
                              figure: AnalystFigure(subject: subject, measure: measure, value: value, shown: shown, from: from)))
        }
        if let population = document.population {
            let total = Double(population.clients)
            add("population", ["clients"], total, measure: .clients)
            add("population", ["cooling"], Double(population.cooling), measure: .cooling)
            add("population", ["heat"], population.meanHeat, measure: .meanHeat)
            add("population", ["trend"], population.trend, measure: .trend)
            if total > 0 {
                add("population", ["cooling", "clients"], Double(population.cooling) * 100 / total, percent: true, measure: .share, from: [Double(population.cooling), total])
            }
            for level in HeatLevel.allCases {
                let count = Double(population.levels[level] ?? 0)
                add("population", [level.rawValue], count, measure: .level)
                if total > 0 { add("population", [level.rawValue, "clients"], count * 100 / total, percent: true, measure: .share, from: [count, total]) }
            }
        }
        for group in document.groups ?? [] {
            let name = group.ref.lowercased()
            subjects.append((name, !ParsedQuestion.isMasked(group.ref)))
            add(name, ["clients"], Double(group.clients), measure: .clients)
            add(name, ["cooling"], Double(group.cooling), measure: .cooling)
            add(name, ["heat"], group.meanHeat, measure: .meanHeat)
            if group.clients > 0 {
                add(name, ["cooling"], Double(group.cooling) * 100 / Double(group.clients), percent: true, measure: .coolingShare,
                    from: [Double(group.cooling), Double(group.clients)])
            }
        }
        for client in document.clients ?? [] {
            let name = client.ref.lowercased()
            subjects.append((name, false))
            add(name, ["heat"], Double(client.heat), measure: .heat)
            add(name, ["trend"], Double(client.trend), measure: .trend)
        }
        if let personas = document.personas {
            let total = Double(personas.reduce(0) { $0 + $1.clients })
            for persona in personas {
                let name = persona.label.lowercased()
                subjects.append((name, true))
                add(name, ["clients"], Double(persona.clients), measure: .clients)
                if total > 0 { add(name, ["clients"], Double(persona.clients) * 100 / total, percent: true, measure: .share, from: [Double(persona.clients), total]) }
            }
        }
        if let weekly = document.weekly {
            var totals: [ISOWeek: Int] = [:]
            for row in weekly {
                let name = row.week.description.lowercased()
                add(name, [row.channel.rawValue, "events"], Double(row.events), measure: .events)
                totals[row.week, default: 0] += row.events
            }
            for (week, total) in totals {
                subjects.append((week.description.lowercased(), false))
                add(week.description.lowercased(), ["events"], Double(total), measure: .events)
            }
        }
        self.facts = facts
        self.subjects = subjects
    }

    static let measureWords: [String: Set<String>] = {
        var table: [String: Set<String>] = [
            "heat": ["heat"], "warmth": ["heat"], "engagement": ["heat"],
            "clients": ["clients"], "client": ["clients"], "customers": ["clients"], "size": ["clients"],
            "cooling": ["cooling"], "trend": ["trend"],
            "events": ["events"], "interactions": ["events"], "contacts": ["events"],
            "cold": ["cold"], "cool": ["cool"], "warm": ["warm", "heat"], "hot": ["hot"],
        ]
        for (word, channel) in AnalystVocabulary.channels { table[word, default: []].insert(channel.rawValue) }
        return table
    }()

    /// Checks `text`.
    ///
    /// - Parameter text: the answer to check.
    /// - Returns: ``Verdict/accepted(_:)`` with the figures quoted, or ``Verdict/rejected(_:)`` naming the first unsupported number.
    /// Number words a reply may not use (figures must be written in digits to be checked).
    static let numberWords: Set<String> = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty",
        "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "thousand", "million", "billion",
        "dozen", "half", "third", "quarter", "twice", "thrice", "double", "triple",
    ]

    public func check(_ text: String) -> Verdict {
        // Numbers written as words cannot be attributed and checked: refuse them outright.
        let lettersOnly = text.lowercased().components(separatedBy: CharacterSet.letters.inverted)
        if let word = lettersOnly.first(where: { Self.numberWords.contains($0) }) {
            return .rejected("it writes a number as a word (\"\(word)\"), which cannot be checked against the document")
        }
        var quoted: [AnalystFigure] = []
        let sentences = text.lowercased().components(separatedBy: CharacterSet(charactersIn: "\n;")).flatMap {
            $0.replacingOccurrences(of: "(?<=[.!?])\\s+", with: "\u{1}", options: .regularExpression).components(separatedBy: "\u{1}")
        }
        for sentence in sentences {
            // Subject mentions with their offsets.
            var mentions: [(offset: Int, subject: String)] = []
            let words = AnalystVocabulary.words(sentence.replacingOccurrences(of: "-", with: " "))
            for subject in subjects {
                if subject.label {
                    if let index = ParsedQuestion.position(ofLabel: subject.name, in: words),
                       let offset = Self.offset(ofWord: index, words: words, in: sentence) {
                        mentions.append((offset, subject.name))
                    }
                } else {
                    var searchRange = sentence.startIndex..<sentence.endIndex
                    while let range = sentence.range(of: subject.name, range: searchRange) {
                        mentions.append((sentence.distance(from: sentence.startIndex, to: range.lowerBound), subject.name))
                        searchRange = range.upperBound..<sentence.endIndex
                    }
                }
            }
            mentions.sort { $0.offset < $1.offset }
            for number in Self.numbersWithOffsets(in: sentence) {
                let subject = mentions.last(where: { $0.offset <= number.offset })?.subject ?? mentions.first?.subject ?? "population"
                let measures = Self.measures(near: number.offset, length: number.text.count, in: sentence)
                let tolerance = 0.5 * pow(10, -Double(number.decimals)) + 1e-9
                let candidates = facts.filter { fact in
                    fact.subject == subject && fact.percent == number.percent
                        && (measures.isEmpty || !fact.measures.isDisjoint(with: measures))
                }
                guard let match = candidates.first(where: { abs($0.value - number.value) <= tolerance }) else {
                    let measureText = measures.isEmpty ? "any measure" : measures.sorted().joined(separator: "/")
                    return .rejected("the number \(number.text) is not a value the document gives \(subject) for \(measureText)")
                }
                quoted.append(match.figure)
            }
        }
        return .accepted(quoted)
    }

    static func offset(ofWord index: Int, words: [String], in sentence: String) -> Int? {
        var searchStart = sentence.startIndex
        for (i, word) in words.enumerated() {
            guard let range = sentence.range(of: word, range: searchStart..<sentence.endIndex) else { return nil }
            if i == index { return sentence.distance(from: sentence.startIndex, to: range.lowerBound) }
            searchStart = range.upperBound
        }
        return nil
    }

    static func numbersWithOffsets(in sentence: String) -> [(value: Double, percent: Bool, decimals: Int, text: String, offset: Int)] {
        // Names are blanked with spaces of the same length, so offsets stay put.
        var cleaned = sentence
        for pattern in ["\\b[a-z]-[0-9a-f]{4,}\\b", "\\b\\d{4}-w\\d{2}\\b", "\\b\\d{4}-\\d{2}-\\d{2}(t[0-9:.]+z?)?"] {
            for match in ParsedQuestion.matches(pattern, in: cleaned).reversed() {
                if let range = cleaned.range(of: match.text) {
                    cleaned.replaceSubrange(range, with: String(repeating: " ", count: match.text.count))
                }
            }
        }
        var result: [(Double, Bool, Int, String, Int)] = []
        for match in ParsedQuestion.matches("(?<![a-z0-9.])[-+−]?\\d[\\d,]*(\\.\\d+)?%?", in: cleaned) {
            var token = match.text
            while token.hasSuffix(",") { token.removeLast() }
            let percent = token.hasSuffix("%")
            let digits = token.replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "−", with: "-")
            let decimals = digits.split(separator: ".").dropFirst().first?.count ?? 0
            if let value = Double(digits) { result.append((value, percent, decimals, token, match.offset)) }
        }
        return result
    }

    /// The measures named next to the number at `offset` (of `length` characters): the measure
    /// words among the four words after it (up to the next number), else among the four words
    /// before it (back to the previous number). A qualifier (cooling, a level) overrides "clients":
    /// "9 cooling clients" is a cooling count.
    static func measures(near offset: Int, length: Int, in sentence: String) -> Set<String> {
        func collect(_ words: [String]) -> Set<String> {
            var result = Set<String>()
            for word in words {
                if word.allSatisfy(\.isNumber) { break }
                result.formUnion(measureWords[word] ?? [])
            }
            if !result.isDisjoint(with: ["cooling", "cold", "cool", "warm", "hot"]) { result.remove("clients") }
            return result
        }
        let after = collect(Array(AnalystVocabulary.words(String(sentence.dropFirst(offset + length))).prefix(4)))
        if !after.isEmpty { return after }
        return collect(Array(AnalystVocabulary.words(String(sentence.prefix(offset))).suffix(4).reversed()))
    }

}
