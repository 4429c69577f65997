import Foundation

/// A risk band: the 0-100 score cut at two thresholds.
public enum RiskBand: String, Sendable, Codable, CaseIterable, Comparable {
    /// Below the medium threshold.
    case low = "Low"
    /// From the medium threshold up to (not including) the high threshold.
    case medium = "Medium"
    /// At or above the high threshold.
    case high = "High"

    private var rank: Int { self == .low ? 0 : (self == .medium ? 1 : 2) }

    /// Orders Low < Medium < High.
    public static func < (lhs: RiskBand, rhs: RiskBand) -> Bool { lhs.rank < rhs.rank }
}

/// The thresholds of the risk bands (defaults High >= 70, Medium >= 40), loaded from a
/// `bands.json` such as `{"high": 75, "medium": 45}`.
///
/// ```swift
/// let bands = try RiskBands.load(from: URL(filePath: "bands.json"))
/// bands.band(for: 72)   // .high
/// ```
public struct RiskBands: Sendable, Codable, Equatable {
    /// The lowest score in the High band (1...100).
    public var high: Int
    /// The lowest score in the Medium band (0..<high).
    public var medium: Int

    /// The default bands: High from 70, Medium from 40.
    public static let standard = RiskBands(high: 70, medium: 40)

    /// Creates bands (no validation; ``load(from:)`` validates files).
    ///
    /// - Parameters:
    ///   - high: the High threshold.
    ///   - medium: the Medium threshold.
    public init(high: Int, medium: Int) {
        self.high = high
        self.medium = medium
    }

    /// The band of a score: High when `score >= high`, Medium when `score >= medium`, else Low.
    ///
    /// - Parameter score: a 0-100 score.
    /// - Returns: the band.
    public func band(for score: Int) -> RiskBand {
        score >= high ? .high : (score >= medium ? .medium : .low)
    }

    /// Loads and validates a bands file.
    ///
    /// - Parameter url: the file.
    /// - Returns: the bands.
    /// - Throws: ``RiskError`` naming the field (exit 78), or a missing file (exit 66).
    public static func load(from url: URL) throws(RiskError) -> RiskBands {
        try parse(RiskConfigFile.object(at: url), file: url.lastPathComponent)
    }

    /// Validates a decoded bands object.
    ///
    /// - Parameters:
    ///   - object: the JSON object.
    ///   - file: the file name for messages.
    /// - Returns: the bands.
    /// - Throws: ``RiskError/invalidField(file:rule:field:reason:)``.
    public static func parse(_ object: [String: RiskJSON], file: String) throws(RiskError) -> RiskBands {
        for key in object.keys.sorted() where !["high", "medium", "schema"].contains(key) {
            throw .invalidField(file: file, rule: nil, field: key, reason: "unknown field (the fields are high and medium)")
        }
        func threshold(_ key: String, _ fallback: Int) throws(RiskError) -> Int {
            guard let raw = object[key] else { return fallback }
            guard let value = raw.number, value == value.rounded(), value >= 0, value <= 100 else {
                throw .invalidField(file: file, rule: nil, field: key, reason: "must be a whole number from 0 to 100 (found \(raw))")
            }
            return Int(value)
        }
        let bands = RiskBands(high: try threshold("high", standard.high), medium: try threshold("medium", standard.medium))
        guard bands.high >= 1 else { throw .invalidField(file: file, rule: nil, field: "high", reason: "must be at least 1 (found \(bands.high))") }
        guard bands.medium < bands.high else {
            throw .invalidField(file: file, rule: nil, field: "medium", reason: "must be below high = \(bands.high) (found \(bands.medium))")
        }
        return bands
    }
}
