/// The cell texts read as a missing value (compared without regard to ASCII case, after trimming
/// spaces and tabs); an empty cell is always missing.
///
/// ```swift
/// let tokens = MissingTokens(["NA", "-", "?"])
/// ```
public struct MissingTokens: Sendable, Equatable {
    /// The tokens as given.
    public let tokens: [String]
    private let lowered: [[UInt8]]

    /// The usual spellings of a missing value: `NA`, `N/A`, `NaN`, `null`, `None`, `#N/A` (any case).
    public static let standard = MissingTokens(["NA", "N/A", "NaN", "null", "None", "#N/A"])

    /// Creates a token set.
    ///
    /// - Parameter tokens: the spellings (case does not matter).
    public init(_ tokens: [String]) {
        self.tokens = tokens
        self.lowered = tokens.map { Array($0.lowercased().utf8) }
    }

    /// Whether trimmed cell bytes are one of the tokens.
    ///
    /// - Parameter bytes: the trimmed cell.
    /// - Returns: `true` for a missing token.
    public func contains(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for token in lowered where token.count == bytes.count {
            var equal = true
            for k in 0..<token.count {
                var c = bytes[k]
                if c >= 0x41 && c <= 0x5A { c |= 0x20 }
                if c != token[k] { equal = false; break }
            }
            if equal { return true }
        }
        return false
    }

    /// Whether bytes equal a lower-case ASCII literal, ignoring case.
    static func equalsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
        guard bytes.count == literal.utf8CodeUnitCount else { return false }
        let pointer = literal.utf8Start
        for k in 0..<bytes.count {
            var c = bytes[k]
            if c >= 0x41 && c <= 0x5A { c |= 0x20 }
            if c != pointer[k] { return false }
        }
        return true
    }
}
