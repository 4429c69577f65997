/// Counted nouns that read correctly for one and for many: "1 client", "2 clients".
///
/// ```swift
/// Plural.count(1, "violation")               // "1 violation"
/// Plural.count(3, "violation")               // "3 violations"
/// Plural.count(2, "match", plural: "matches")  // "2 matches"
/// ```
public enum Plural {
    /// The number followed by the singular noun when it is exactly 1, else the plural.
    ///
    /// - Parameters:
    ///   - count: the number.
    ///   - singular: the noun for one ("client").
    ///   - plural: the noun for many; by default the singular with an "s".
    /// - Returns: for example "1 client" or "1,000 clients" (numbers are not grouped: "1000 clients").
    public static func count(_ count: Int, _ singular: String, plural: String? = nil) -> String {
        "\(count) \(noun(count, singular, plural: plural))"
    }

    /// Only the noun, singular for exactly 1, plural otherwise.
    ///
    /// - Parameters:
    ///   - count: the number the noun goes with.
    ///   - singular: the noun for one.
    ///   - plural: the noun for many; by default the singular with an "s".
    /// - Returns: the noun.
    public static func noun(_ count: Int, _ singular: String, plural: String? = nil) -> String {
        count == 1 ? singular : (plural ?? singular + "s")
    }
}
