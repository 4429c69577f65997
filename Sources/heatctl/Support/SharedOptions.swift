import ArgumentParser
import Foundation
import HeatCore

/// `--as-of DATE` of the store commands, declared and parsed in one place.
///
/// ```swift
/// @OptionGroup var asOfOption: AsOfOption
/// let reference = try asOfOption.date()   // nil when --as-of is absent
/// ```
struct AsOfOption: ParsableArguments {
    @Option(name: .customLong("as-of"), help: "Heat reference date YYYY-MM-DD: heat runs through the last complete ISO week on or before it (default: the latest stored week).")
    var asOf: String?

    func validate() throws { _ = try date() }

    /// The parsed date, or `nil` without `--as-of`.
    ///
    /// - Returns: the date.
    /// - Throws: `ValidationError` (exit 64) naming the bad text.
    func date() throws -> CalendarDate? {
        guard let asOf else { return nil }
        do {
            return try CalendarDate(iso8601: asOf)
        } catch {
            throw ValidationError("--as-of \(asOf): \(error)")
        }
    }
}

/// `--policy FILE` of the commands that release or narrow results, loaded in one place.
///
/// ```swift
/// @OptionGroup var policyOption: PolicyOption
/// let policy = try policyOption.load()   // the built-in policy without --policy
/// ```
struct PolicyOption: ParsableArguments {
    @Option(name: .long, help: "The policy file (default: the built-in policy; see Examples/policy.json).", completion: .file())
    var policy: String?

    /// The policy named by `--policy`, or the built-in default.
    ///
    /// - Returns: the policy.
    /// - Throws: ``PolicyError`` (exit 66 missing, 78 invalid).
    func load() throws -> PrivacyPolicy {
        try policy.map { try PrivacyPolicy.load(from: URL(filePath: $0)) } ?? PrivacyPolicy.default
    }
}
