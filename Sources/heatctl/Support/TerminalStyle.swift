/// ANSI styling for heatctl's terminal output, applied only when colour is allowed.
///
/// A tiny own helper rather than a dependency: heatctl needs five SGR codes, and the decision
/// "colour or not" must follow *stderr* (where heatctl writes everything decorated) and the
/// `NO_COLOR` convention (https://no-color.org: any non-empty value disables colour). Colour is
/// used only when ``Console/colorEnabled`` says so; otherwise every function returns its text
/// unchanged, so redirected output and logs never contain escape codes.
///
/// ```swift
/// Console.info(TerminalStyle.bold("report") + " written")
/// ```
enum TerminalStyle {
    /// The SGR codes heatctl uses.
    enum Code: String {
        case bold = "1"
        case dim = "2"
        case red = "31"
        case green = "32"
        case yellow = "33"
    }

    /// `text` wrapped in the SGR `code` and a reset, when `enabled`.
    static func apply(_ code: Code, to text: String, enabled: Bool = Console.colorEnabled) -> String {
        enabled ? "\u{1B}[\(code.rawValue)m\(text)\u{1B}[0m" : text
    }

    /// Bold text.
    static func bold(_ text: String, enabled: Bool = Console.colorEnabled) -> String { apply(.bold, to: text, enabled: enabled) }
    /// Dimmed text (secondary information).
    static func dim(_ text: String, enabled: Bool = Console.colorEnabled) -> String { apply(.dim, to: text, enabled: enabled) }
    /// Red text (errors).
    static func red(_ text: String, enabled: Bool = Console.colorEnabled) -> String { apply(.red, to: text, enabled: enabled) }
    /// Green text (success).
    static func green(_ text: String, enabled: Bool = Console.colorEnabled) -> String { apply(.green, to: text, enabled: enabled) }
    /// Yellow text (hints, warnings).
    static func yellow(_ text: String, enabled: Bool = Console.colorEnabled) -> String { apply(.yellow, to: text, enabled: enabled) }

    /// Whether colour is allowed for a stream that is (or is not) a terminal, under the given
    /// environment: a terminal, `NO_COLOR` unset or empty, and `TERM` not `dumb`.
    static func colorAllowed(isTerminal: Bool, environment: [String: String]) -> Bool {
        guard isTerminal else { return false }
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
        return environment["TERM"] != "dumb"
    }
}
