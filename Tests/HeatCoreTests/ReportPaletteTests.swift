import Testing
@testable import HeatCore

@Suite struct ReportPaletteTests {
    @Test func contrastFormulaMatchesWCAGReferenceValues() {
        let black = ReportColor(hex: 0x000000), white = ReportColor(hex: 0xFFFFFF)
        #expect(abs(black.contrastRatio(against: white) - 21) < 1e-9)
        #expect(abs(white.contrastRatio(against: white) - 1) < 1e-9)
        // #777777 on white is the classic just-failing grey: 4.48:1.
        #expect(abs(ReportColor(hex: 0x777777).contrastRatio(against: white) - 4.478) < 0.005)
        // #767676 on white is the lightest grey that passes AA: 4.54:1.
        #expect(abs(ReportColor(hex: 0x767676).contrastRatio(against: white) - 4.542) < 0.005)
        // Symmetric.
        let blue = ReportColor(hex: 0x1F5FA8)
        #expect(blue.contrastRatio(against: white) == white.contrastRatio(against: blue))
    }

    @Test func relativeLuminanceOfPrimaries() {
        #expect(abs(ReportColor(hex: 0xFF0000).relativeLuminance - 0.2126) < 1e-9)
        #expect(abs(ReportColor(hex: 0x00FF00).relativeLuminance - 0.7152) < 1e-9)
        #expect(abs(ReportColor(hex: 0x0000FF).relativeLuminance - 0.0722) < 1e-9)
    }

    @Test func everyTextAndChartColourReachesAAContrastOnEveryBackground() {
        let palette = ReportPalette.standard
        #expect(palette.foregrounds.count == 5 + HeatLevel.allCases.count + Channel.allCases.count)
        for (background, backgroundColor) in palette.backgrounds {
            for (name, color) in palette.foregrounds {
                let ratio = color.contrastRatio(against: backgroundColor)
                #expect(ratio >= ReportPalette.minimumContrast,
                        "\(name) \(color.css) on \(background) \(backgroundColor.css): \(ratio) < 4.5")
            }
        }
    }

    @Test func aFailingColourIsCaught() {
        var palette = ReportPalette.standard
        palette.mutedInk = ReportColor(hex: 0x9AA0A6)
        let failing = palette.foregrounds.filter { $0.color.contrastRatio(against: palette.surface) < ReportPalette.minimumContrast }
        #expect(failing.map(\.name) == ["mutedInk"])
    }

    @Test func levelAndChannelColoursAreDistinct() {
        let palette = ReportPalette.standard
        #expect(Set(HeatLevel.allCases.map { palette.level($0) }).count == HeatLevel.allCases.count)
        #expect(Set(Channel.allCases.map { palette.channel($0) }).count == Channel.allCases.count)
        #expect(palette.level(.hot).css == "#b3261e")
    }

    @Test func decorationsAreLighterThanText() {
        let palette = ReportPalette.standard
        for (_, color) in palette.decorations {
            #expect(color.relativeLuminance > palette.mutedInk.relativeLuminance)
        }
    }
}
