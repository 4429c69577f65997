/// The colours of the HTML report.
///
/// Every colour used for text or for chart marks (bars, lines, points, level and channel
/// colours) must reach a WCAG contrast ratio of at least ``minimumContrast`` (4.5:1, the AA level
/// for normal text) against both backgrounds: the page and the card surface. A unit test
/// checks ``foregrounds`` against ``backgrounds``. Grid lines and card borders
/// (``decorations``) carry no information (every value is also labelled or tabled), so they are
/// deliberately faint and are the only colours exempt.
///
/// ```swift
/// let palette = ReportPalette.standard
/// let lineColour = palette.channel(.email).css   // "#6b3fa0"
/// ```
public struct ReportPalette: Sendable, Equatable {
    /// The contrast every foreground colour must reach against every background.
    public static let minimumContrast = 4.5

    /// The page background.
    public var page: ReportColor
    /// The background of cards (sections).
    public var surface: ReportColor
    /// Body text and axis labels.
    public var ink: ReportColor
    /// Secondary text (captions, footnotes, axis titles).
    public var mutedInk: ReportColor
    /// Links and the accent of headings.
    public var accent: ReportColor
    /// Colours of the heat levels, coldest first (cold, cool, warm, hot).
    public var levels: [ReportColor]
    /// Colours of the channels, in ``Channel/allCases`` order (call, email, meeting, message).
    public var channels: [ReportColor]
    /// The single colour of neutral bars (histogram, groups, personas, importances).
    public var bar: ReportColor
    /// The colour of reference lines (the chance diagonal of ROC and calibration charts).
    public var reference: ReportColor
    /// Grid lines (decorative).
    public var grid: ReportColor
    /// Card borders and table rules (decorative).
    public var rule: ReportColor

    /// The palette used by ``ReportRenderer``: dark ink on white and near-white, with level
    /// colours running from blue (cold) to red (hot) and channel colours that also differ in
    /// lightness, all at least 4.5:1 against both backgrounds.
    public static let standard = ReportPalette(
        page: ReportColor(hex: 0xF4F5F7),
        surface: ReportColor(hex: 0xFFFFFF),
        ink: ReportColor(hex: 0x1B1F24),
        mutedInk: ReportColor(hex: 0x4D5561),
        accent: ReportColor(hex: 0x1D4F91),
        levels: [
            ReportColor(hex: 0x1F5FA8),  // cold: blue
            ReportColor(hex: 0x00707A),  // cool: teal
            ReportColor(hex: 0xA14E00),  // warm: amber-brown
            ReportColor(hex: 0xB3261E),  // hot: red
        ],
        channels: [
            ReportColor(hex: 0x1F5FA8),  // call: blue
            ReportColor(hex: 0x6B3FA0),  // email: purple
            ReportColor(hex: 0x1E6B37),  // meeting: green
            ReportColor(hex: 0xA14E00),  // message: amber-brown
        ],
        bar: ReportColor(hex: 0x2F5D8A),
        reference: ReportColor(hex: 0x5F6670),
        grid: ReportColor(hex: 0xE1E4E8),
        rule: ReportColor(hex: 0xD5D9DF)
    )

    /// The colour of a heat level.
    ///
    /// - Parameter level: the level.
    /// - Returns: its colour from ``levels``.
    public func level(_ level: HeatLevel) -> ReportColor {
        let index = HeatLevel.allCases.firstIndex(of: level) ?? 0
        return levels[index % levels.count]
    }

    /// The colour of a channel.
    ///
    /// - Parameter channel: the channel.
    /// - Returns: its colour from ``channels``.
    public func channel(_ channel: Channel) -> ReportColor {
        let index = Channel.allCases.firstIndex(of: channel) ?? 0
        return channels[index % channels.count]
    }

    /// The backgrounds text and marks are drawn on.
    public var backgrounds: [(name: String, color: ReportColor)] {
        [("page", page), ("surface", surface)]
    }

    /// Every colour used for text or chart marks, each named for test messages.
    public var foregrounds: [(name: String, color: ReportColor)] {
        var list: [(String, ReportColor)] = [
            ("ink", ink), ("mutedInk", mutedInk), ("accent", accent), ("bar", bar), ("reference", reference),
        ]
        for (level, color) in zip(HeatLevel.allCases, levels) { list.append(("level.\(level.rawValue)", color)) }
        for (channel, color) in zip(Channel.allCases, channels) { list.append(("channel.\(channel.rawValue)", color)) }
        return list
    }

    /// The decorative colours exempt from the contrast rule (grid lines, rules).
    public var decorations: [(name: String, color: ReportColor)] {
        [("grid", grid), ("rule", rule)]
    }
}
