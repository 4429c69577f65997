import Foundation
import HeatEnvelope

extension HeatConfiguration {
    /// Every key a configuration file may use, as dotted paths (`maximumHeat` is accepted and ignored).
    static let knownKeyPaths: Set<String> = {
        var paths = Set(CodingKeys.allCases.map(\.rawValue))
        for key in Caps.CodingKeys.allCases { paths.insert("caps.\(key.rawValue)") }
        for key in LevelThresholds.CodingKeys.allCases { paths.insert("levels.\(key.rawValue)") }
        for key in CoolingRule.CodingKeys.allCases { paths.insert("cooling.\(key.rawValue)") }
        for channel in ChannelWeights.CodingKeys.allCases {
            paths.insert("weights.\(channel.rawValue)")
            for direction in DirectionWeights.CodingKeys.allCases { paths.insert("weights.\(channel.rawValue).\(direction.rawValue)") }
        }
        return paths
    }()

    /// Reads and validates a configuration file.
    ///
    /// - Parameter url: the JSON file.
    /// - Returns: the configuration, defaults filled in.
    /// - Throws: ``HeatConfigurationError``: `.missingFile` (exit 66), otherwise a
    ///   `.configuration` error (exit 78) naming the file and the key at fault.
    public static func load(from url: URL) throws(HeatConfigurationError) -> HeatConfiguration {
        guard FileManager.default.fileExists(atPath: url.path) else { throw .missingFile(path: url.path) }
        do {
            try ReaderLimits.current.checkFileSize(of: url, .configBytes, category: .configuration)
        } catch {
            throw .invalidValue(file: url.path, key: "(file size)", reason: error.reason)
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadableFile(path: url.path, reason: (error as NSError).localizedDescription)
        }
        return try decode(data, source: url.path)
    }

    /// Decodes and validates a configuration from JSON.
    ///
    /// - Parameters:
    ///   - data: the JSON bytes: an object with any subset of the keys.
    ///   - source: the file name used in messages.
    /// - Returns: the configuration, defaults filled in.
    /// - Throws: ``HeatConfigurationError`` naming the key at fault (unknown key, wrong type,
    ///   value out of range).
    public static func decode(_ data: Data, source: String) throws(HeatConfigurationError) -> HeatConfiguration {
        guard let object = try? JSONSerialization.jsonObject(with: data), let top = object as? [String: Any] else {
            throw .notJSONObject(file: source)
        }
        func check(_ dictionary: [String: Any], prefix: String) throws(HeatConfigurationError) {
            for key in dictionary.keys.sorted() {
                let path = prefix.isEmpty ? key : "\(prefix).\(key)"
                guard knownKeyPaths.contains(path) else { throw .unknownKey(file: source, key: path) }
                if let nested = dictionary[key] as? [String: Any] { try check(nested, prefix: path) }
            }
        }
        try check(top, prefix: "")
        let configuration: HeatConfiguration
        do {
            configuration = try JSONDecoder().decode(HeatConfiguration.self, from: data)
        } catch let error as DecodingError {
            throw .invalidValue(file: source, key: Self.keyPath(of: error), reason: error.readableDescription)
        } catch {
            throw .invalidValue(file: source, key: "(top level)", reason: "\(error)")
        }
        try configuration.validate(source: source)
        return configuration
    }

    private static func keyPath(of error: DecodingError) -> String {
        let path: [CodingKey]
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): path = context.codingPath
        case .keyNotFound(let key, let context): path = context.codingPath + [key]
        @unknown default: path = []
        }
        return path.isEmpty ? "(top level)" : path.map(\.stringValue).joined(separator: ".")
    }

    /// Checks every value's range and the largest possible heat.
    ///
    /// - Parameter source: the file name used in messages.
    /// - Throws: ``HeatConfigurationError/invalidValue(file:key:reason:)`` naming the first bad key.
    public func validate(source: String = "heat configuration") throws(HeatConfigurationError) {
        func require(_ condition: Bool, _ key: String, _ reason: String) throws(HeatConfigurationError) {
            if !condition { throw .invalidValue(file: source, key: key, reason: reason) }
        }
        try require((1...26).contains(trendWeeks), "trendWeeks", "must be between 1 and 26 (found \(trendWeeks))")
        try require((1...520).contains(windowWeeks), "windowWeeks", "must be between 1 and 520 (found \(windowWeeks))")
        try require(windowWeeks >= 2 * trendWeeks, "windowWeeks",
                    "must cover both halves of the trend, at least 2 x trendWeeks = \(2 * trendWeeks) (found \(windowWeeks))")
        try require(halfLifeWeeks.isFinite && halfLifeWeeks > 0 && halfLifeWeeks <= 1000, "halfLifeWeeks",
                    "must be a number of weeks above 0 and at most 1000 (found \(halfLifeWeeks))")
        try require((1...65_536).contains(decayScale), "decayScale", "must be between 1 and 65536 (found \(decayScale))")
        for (key, value) in [("caps.count", caps.count), ("caps.durationUnits", caps.durationUnits), ("caps.replies", caps.replies)] {
            try require((1...65_535).contains(value), key, "must be between 1 and 65535 (found \(value))")
        }
        try require((1...86_400).contains(durationUnitSeconds), "durationUnitSeconds", "must be between 1 and 86400 (found \(durationUnitSeconds))")
        try require(replyWithinHours.isFinite && replyWithinHours > 0 && replyWithinHours <= 8760, "replyWithinHours",
                    "must be above 0 and at most 8760 hours (found \(replyWithinHours))")
        for channel in Channel.allCases {
            for direction in Direction.allCases {
                let value = weights[channel, direction]
                try require((0...65_535).contains(value), "weights.\(channel.rawValue).\(direction.rawValue)",
                            "must be between 0 and 65535 (found \(value))")
            }
        }
        try require((0...65_535).contains(durationUnitWeight), "durationUnitWeight", "must be between 0 and 65535 (found \(durationUnitWeight))")
        try require((0...65_535).contains(replyWeight), "replyWeight", "must be between 0 and 65535 (found \(replyWeight))")
        try require(levels.cool >= 1, "levels.cool", "must be at least 1 (found \(levels.cool))")
        try require(levels.warm > levels.cool, "levels.warm", "must be above levels.cool = \(levels.cool) (found \(levels.warm))")
        try require(levels.hot > levels.warm, "levels.hot", "must be above levels.warm = \(levels.warm) (found \(levels.hot))")
        try require((0...100).contains(cooling.trendPercent), "cooling.trendPercent", "must be between 0 and 100 (found \(cooling.trendPercent))")
        try require(cooling.minimumHeat >= 0, "cooling.minimumHeat", "must be at least 0 (found \(cooling.minimumHeat))")
        try require(maximumWeeklyScore > 0, "weights", "all weights are zero: every heat would be 0")
        try require(maximumHeat < 1 << 53, "maximumHeat",
                    "the largest possible heat \(maximumHeat) is too large (at most 2^53); lower caps, weights, decayScale or windowWeeks")
        try require(levels.hot <= maximumHeat, "levels.hot", "is above the largest possible heat \(maximumHeat): no client could be hot")
    }
}
