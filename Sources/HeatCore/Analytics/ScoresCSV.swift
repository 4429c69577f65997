import Foundation

/// The `heat --out` file (DESIGN.md section 8): `client_id,heat,trend,level,cooling`, one row per
/// client with the input file's own ids.
///
/// ```swift
/// try AtomicFile.write(ScoresCSV.data(run.scores), to: URL(filePath: "scores.csv"))
/// ```
public enum ScoresCSV {
    /// The header line.
    public static let header = "client_id,heat,trend,level,cooling"

    /// Encodes scores as CSV (LF line ends, RFC 4180 quoting of ids where needed).
    ///
    /// - Parameter scores: the scores, in the order to write.
    /// - Returns: the file's bytes.
    public static func data(_ scores: [HeatScore]) -> Data {
        var out = Array((header + "\n").utf8)
        for score in scores {
            SyntheticCSV.append(score.clientID, to: &out)
            out.append(contentsOf: ",\(score.heat),\(score.trend),\(score.level.rawValue),\(score.cooling)\n".utf8)
        }
        return Data(out)
    }
}
