#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An sRGB colour with the WCAG 2.x contrast arithmetic used to check the report palette.
///
/// Relative luminance follows WCAG 2.2 (section "relative luminance"): each 8-bit channel is
/// linearised (`c / 12.92` below 0.04045, else `((c + 0.055) / 1.055)^2.4`) and weighted
/// `0.2126 R + 0.7152 G + 0.0722 B`. The contrast ratio of two colours is
/// `(L_lighter + 0.05) / (L_darker + 0.05)`, from 1 (equal) to 21 (black on white).
///
/// ```swift
/// let ink = ReportColor(hex: 0x1B1F24)
/// let ratio = ink.contrastRatio(against: ReportColor(hex: 0xFFFFFF))   // about 16.4
/// ```
public struct ReportColor: Sendable, Hashable, CustomStringConvertible {
    /// Red channel, 0-255.
    public let red: UInt8
    /// Green channel, 0-255.
    public let green: UInt8
    /// Blue channel, 0-255.
    public let blue: UInt8

    /// Creates a colour from a 24-bit `0xRRGGBB` value.
    ///
    /// - Parameter hex: the colour, for example `0x1F5FA8`; bits above 24 are ignored.
    public init(hex: UInt32) {
        red = UInt8((hex >> 16) & 0xFF)
        green = UInt8((hex >> 8) & 0xFF)
        blue = UInt8(hex & 0xFF)
    }

    /// The CSS form, `#rrggbb` in lower case.
    public var css: String {
        let digits = Array("0123456789abcdef")
        var text = "#"
        for channel in [red, green, blue] {
            text.append(digits[Int(channel >> 4)])
            text.append(digits[Int(channel & 0x0F)])
        }
        return text
    }

    /// The CSS form, `#rrggbb`.
    public var description: String { css }

    /// The WCAG relative luminance, from 0 (black) to 1 (white).
    public var relativeLuminance: Double {
        func linear(_ channel: UInt8) -> Double {
            let c = Double(channel) / 255
            return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    }

    /// The WCAG contrast ratio between this colour and `other`, symmetric, in `1...21`.
    ///
    /// - Parameter other: the second colour (usually the background).
    /// - Returns: `(lighter + 0.05) / (darker + 0.05)` of the two relative luminances.
    public func contrastRatio(against other: ReportColor) -> Double {
        let a = relativeLuminance, b = other.relativeLuminance
        return (max(a, b) + 0.05) / (min(a, b) + 0.05)
    }
}
