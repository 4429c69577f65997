/// HTML escaping for text and attribute values in the report.
///
/// Every string that reaches `index.html` from a results document (refs, labels, persona names,
/// feature names, policy names, configuration values) goes through ``escape(_:)``, so a hostile
/// label cannot inject markup or script.
///
/// ```swift
/// HTMLEscaping.escape("<b>\"R&D\"</b>")   // "&lt;b&gt;&quot;R&amp;D&quot;&lt;/b&gt;"
/// ```
public enum HTMLEscaping {
    /// Escapes `&`, `<`, `>`, `"` and `'` so the result is safe as element text and as a quoted
    /// attribute value (in HTML and in inline SVG).
    ///
    /// - Parameter text: raw text.
    /// - Returns: the escaped text.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
