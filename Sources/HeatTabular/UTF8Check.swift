/// Validation of raw bytes as UTF-8 text, shared by the CSV readers of HeatCore and HeatML.
///
/// ```swift
/// if let problem = UTF8Check.firstProblem(in: bytes, from: 0, to: bytes.count) { print(problem.reason) }
/// ```
public enum UTF8Check {
    /// The first NUL byte or invalid UTF-8 sequence in `bytes[from..<to]`.
    ///
    /// - Parameters:
    ///   - bytes: the buffer.
    ///   - from: the first offset checked.
    ///   - to: the end offset (exclusive).
    /// - Returns: `nil` for valid text; otherwise the line feeds seen before the problem (for
    ///   multi-line quoted fields), its byte offset and a reason naming that offset.
    public static func firstProblem(in bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> (lineOffset: Int, offset: Int, reason: String)? {
        var i = from
        var lines = 0
        while i < to {
            let c = bytes[i]
            if c < 0x80 {
                if c == 0 { return (lines, i, "NUL byte (0x00) at byte offset \(i); the file looks binary or UTF-16, not UTF-8 text") }
                if c == 0x0A { lines += 1 }
                i += 1
                continue
            }
            var need = 0
            var lowerBound: UInt8 = 0x80
            var upperBound: UInt8 = 0xBF
            switch c {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; lowerBound = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; upperBound = 0x9F
            case 0xF0: need = 3; lowerBound = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; upperBound = 0x8F
            default: need = -1
            }
            var valid = need > 0 && i + need < to
            if valid {
                for k in 1...need {
                    let next = bytes[i + k]
                    let low: UInt8 = k == 1 ? lowerBound : 0x80
                    let high: UInt8 = k == 1 ? upperBound : 0xBF
                    if next < low || next > high { valid = false; break }
                }
            }
            guard valid else {
                let hex = String(c, radix: 16, uppercase: true)
                return (lines, i, "invalid UTF-8 byte 0x\(hex.count == 1 ? "0" + hex : hex) at byte offset \(i); the file must be UTF-8 (re-export it as UTF-8)")
            }
            i += need + 1
        }
        return nil
    }
}
